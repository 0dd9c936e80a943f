/**
 * The corpus of invalid schedule files in test/fixtures/invalid/, one mistake each (a few carry several,
 * to show that every error is listed). Conventions:
 * - `NAME.yaml` directly in the folder is a fixture when `NAME.expected` sits next to it;
 * - a subfolder holding a file named `expected` is one fixture loaded as a folder (its *.yaml files
 *   together, e.g. duplicate rule names across files);
 * - calendars/ holds the calendar files fixtures declare; it has no `expected`, so it is no fixture.
 * An expected file lists every error line `offpeak validate PATH` prints (formatDiagnostic, in
 * sortDiagnostics order), with PATH as given here, relative to the repository root.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryIo } from '../../../lib/doors/cli/io.js';
import { main } from '../../../lib/doors/cli/main.js';
import { formatDiagnostic, sortDiagnostics } from '../../../lib/schedule/diagnostics.js';
import { loadSchedules } from '../../../lib/doors/schedule-files.js';

const FOLDER = 'test/fixtures/invalid';
const AT = Date.parse('2026-11-22T00:00:00Z');

interface Fixture {
  /** The path handed to loadSchedules and to `offpeak validate`. */
  readonly path: string;
  readonly expected: string;
}

function fixtures(): Fixture[] {
  const found: Fixture[] = [];
  for (const entry of readdirSync(FOLDER, { withFileTypes: true })) {
    const path = join(FOLDER, entry.name);
    if (entry.isFile() && entry.name.endsWith('.yaml')) {
      const expected = path.replace(/\.yaml$/, '.expected');
      if (existsSync(expected)) found.push({ path, expected });
    } else if (entry.isDirectory() && existsSync(join(path, 'expected'))) {
      found.push({ path, expected: join(path, 'expected') });
    }
  }
  return found.sort((a, b) => a.path.localeCompare(b.path));
}

const expectedLines = (file: string): string[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '');

const corpus = fixtures();

describe('invalid schedule files', () => {
  it('the corpus has at least 30 fixtures', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(30);
  });

  it('every .yaml directly in the folder has an expected file', () => {
    const orphans = readdirSync(FOLDER).filter(
      (name) => name.endsWith('.yaml') && !existsSync(join(FOLDER, name.replace(/\.yaml$/, '.expected'))),
    );
    expect(orphans).toEqual([]);
  });

  describe.each(corpus.map((f) => [f.path, f] as const))('%s', (_name, fixture) => {
    it('lists exactly the expected errors', async () => {
      const loaded = await loadSchedules([fixture.path], { at: AT });
      const errors = sortDiagnostics(loaded.diagnostics)
        .filter((d) => d.severity === 'error')
        .map(formatDiagnostic);
      const expected = expectedLines(fixture.expected);
      expect(expected.length).toBeGreaterThan(0);
      expect(errors).toEqual(expected);
      expect(loaded.rules).toEqual([]);
    });

    it('makes `offpeak validate` exit 2 with no stack trace or internal error', async () => {
      const io = memoryIo();
      const code = await main(['validate', fixture.path], io, AT);
      const printed = [...io.stdout, ...io.stderr].join('\n');
      expect(printed).not.toMatch(/^ {4}at /m);
      expect(printed).not.toContain('internal error');
      expect(code).toBe(2);
      for (const line of expectedLines(fixture.expected)) expect(io.stderr).toContain(line);
    });
  });
});

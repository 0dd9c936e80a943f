import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ensureBuilt, offpeak, ROOT } from './support/cli.js';

/**
 * `offpeak policy` as a person runs it: `node bin/offpeak.js policy ...` from the repository root.
 * The CLI runs from dist/, so dist/ is rebuilt first when the sources it needs are newer.
 */

let scratch: string;
let badSchedules: string;
beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'offpeak-cli-policy-'));
  badSchedules = join(scratch, 'bad');
  mkdirSync(badSchedules);
  // A file with one error: hour 25 at line 5, column 26.
  writeFileSync(join(badSchedules, 'bad.yaml'), readFileSync(join(ROOT, 'test/fixtures/invalid/window-hour-25.yaml')));
  await ensureBuilt();
}, 60_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const lines = (text: string): string[] => text.split('\n').filter((l) => l.trim() !== '');
const NO_STACK = /^\s+at /m;

interface Statement {
  Effect: string;
  Action: string[];
  Resource: string[];
}

describe.concurrent('offpeak policy', () => {
  it("prints the example schedules' policy as JSON on stdout and the warnings on stderr", async ({ expect }) => {
    const r = await offpeak(['policy']);
    expect(r.code, r.stderr).toBe(0);
    const document = JSON.parse(r.stdout) as { Version: string; Statement: Statement[] };
    expect(document.Version).toBe('1');
    expect(document.Statement.length).toBeGreaterThan(0);
    for (const s of document.Statement) expect(s.Effect).toBe('Allow');
    expect(document.Statement.flatMap((s) => s.Action)).toContain('sae:StopApplication');
    const warnings = lines(r.stderr);
    expect(warnings.length).toBeGreaterThan(0);
    for (const w of warnings) expect(w).toMatch(/^WARNING: /);
    expect(r.stderr).toMatch(
      /^WARNING: rule 'demo-boxes' \(schedules\/staging\.yaml\), targets\.swas\[0\] selects by instanceName demo-\*/m,
    );
    expect(r.stderr).toMatch(/^WARNING: no --account/m);
  });

  it('--json-only prints the same document and nothing on stderr', async ({ expect }) => {
    const [plain, quiet] = await Promise.all([offpeak(['policy']), offpeak(['policy', '--json-only'])]);
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stderr).toBe('');
    expect(quiet.stdout).toBe(plain.stdout);
  });

  it('--account writes the account into every ARN; --sae-batch adds the batch actions', async ({ expect }) => {
    const r = await offpeak(['policy', '--account', '1234567890123456', '--sae-batch']);
    expect(r.code, r.stderr).toBe(0);
    const { Statement } = JSON.parse(r.stdout) as { Statement: Statement[] };
    const arns = Statement.flatMap((s) => s.Resource).filter((a) => a !== '*');
    expect(arns.length).toBeGreaterThan(0);
    for (const arn of arns) expect(arn).toMatch(/^acs:[a-z-]+:[a-z0-9-]+:1234567890123456:/);
    expect(Statement.flatMap((s) => s.Action)).toEqual(expect.arrayContaining(['sae:BatchStopApplications', 'sae:BatchStartApplications']));
    expect(r.stderr).not.toMatch(/no --account/);
    expect(r.stderr).toMatch(/^WARNING: --sae-batch: /m);
  });

  it('--schedules with an invalid file exits 2 naming file:line:col, and prints no policy', async ({ expect }) => {
    const r = await offpeak(['policy', '--schedules', badSchedules]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${join(badSchedules, 'bad.yaml')}:5:26: error: `);
    expect(lines(r.stderr).at(-1)).toMatch(/^1 error: no policy until the errors are fixed/);
    expect(r.stderr).not.toMatch(NO_STACK);
  });

  it('--account that is neither 16 digits nor a member account exits 2 with one line', async ({ expect }) => {
    const r = await offpeak(['policy', '--account', 'abc']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(lines(r.stderr)).toEqual([
      "offpeak policy: --account 'abc' is neither an account id (16 digits) nor a member account of the schedules (they declare none); run 'offpeak policy --help' for usage",
    ]);
  });

  it('--help prints the usage and exits 0', async ({ expect }) => {
    const r = await offpeak(['policy', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: offpeak policy \[--schedules DIR\] \[--account ID\] \[--sae-batch\] \[--json-only\]/);
  });
});

import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { memoryIo } from '../../../lib/cli/io.js';
import { main } from '../../../lib/cli/main.js';

const NOW = Date.parse('2026-11-22T00:00:00Z');

async function run(...argv: string[]) {
  const io = memoryIo();
  const code = await main(argv, io, NOW);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
}

async function scheduleDir(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'offpeak-'));
  await writeFile(join(dir, 'rules.yaml'), text);
  return dir;
}

describe('offpeak validate', () => {
  it('passes the shipped schedules', async () => {
    const { code, out } = await run('validate');
    expect(code).toBe(0);
    expect(out).toMatch(/^ok: 3 rules in 2 files/m);
  });

  it('lists every error and exits 2', async () => {
    const dir = await scheduleDir('version: 1\ntimezone: Mars/Base\nrules:\n  - name: X\n    offPeak: Sat\n');
    const { code, err } = await run('validate', dir);
    expect(code).toBe(2);
    expect(err.split('\n')).toEqual([
      `${dir}/rules.yaml:2:11: error: timezone: 'Mars/Base' is not an IANA time zone; expected a zone such as 'Asia/Shanghai' or 'Europe/Berlin'`,
      `${dir}/rules.yaml:4:5: error: rules[0].targets: is required; expected what the rule stops: { sae: [...], swas: [...] }`,
      `${dir}/rules.yaml:4:11: error: rules[0].name: 'X' does not fit; expected a unique name: lowercase letters, digits and '-', at most 63 characters, e.g. 'dev-nights'`,
      `${dir}/rules.yaml:5:14: error: rules[0].offPeak: got text 'Sat'; expected a list of windows, each 'DAYS [HH:MM-HH:MM]' such as 'Mon-Fri 20:00-08:00', 'Sat-Sun' or 'daily 00:00-07:00', or an absolute 'START/END' such as '2026-12-24T18:00+08:00/2026-12-27T08:00+08:00'`,
      '4 errors: nothing will run until the errors are fixed',
    ]);
  });

  it('says clearly when the path is missing', async () => {
    const { code, err } = await run('validate', 'no/such/dir');
    expect(code).toBe(2);
    expect(err).toMatch(/^no\/such\/dir:1:1: error: no such file or folder/);
  });
});

describe('offpeak plan', () => {
  it('--json prints the documented shape', async () => {
    const { code, out } = await run('plan', '--at', '2026-11-23T20:02:00+08:00', '--days', '1', '--json');
    expect(code).toBe(0);
    const plan = JSON.parse(out) as { at: string; tick: string; rules: { name: string }[] };
    expect(Object.keys(plan)).toEqual(['at', 'tick', 'rules']);
    expect(plan.at).toBe('2026-11-23T12:02:00.000Z');
    expect(plan.tick).toBe('5m');
    const dev = plan.rules.find((r) => r.name === 'dev-nights');
    expect(dev).toMatchObject({
      name: 'dev-nights',
      timezone: 'Asia/Shanghai',
      offPeak: true,
      due: [{ action: 'stop', at: '2026-11-23T12:00:00.000Z' }],
      next: [
        { action: 'start', at: '2026-11-24T00:00:00.000Z' },
        { action: 'stop', at: '2026-11-24T12:00:00.000Z' },
      ],
    });
  });

  it("prints a readable table in each rule's local time", async () => {
    const { code, out } = await run('plan', '--at', '2026-11-23T20:02:00+08:00', '--days', '1');
    expect(code).toBe(0);
    expect(out).toContain('dev-nights  OFF-PEAK');
    expect(out).toContain('stop   Mon 2026-11-23 20:00 +08:00');
  });

  it('rejects a wrong flag or value in one line, exit 2', async () => {
    for (const argv of [['--at', '2026-11-23T20:00'], ['--tick', 'often'], ['--days', '0'], ['--bogus']]) {
      const { code, err } = await run('plan', ...argv);
      expect(code, argv.join(' ')).toBe(2);
      expect(err.split('\n'), argv.join(' ')).toHaveLength(1);
      expect(err).toMatch(/run 'offpeak plan --help' for usage$/);
    }
  });
});

describe('the offpeak binary', () => {
  it('reports bad input without a stack trace', async () => {
    const dir = await scheduleDir('version: 1\nrules: [\n');
    const result = await promisify(execFile)(process.execPath, ['bin/offpeak.js', 'validate', dir]).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect('code' in result ? result.code : 0).toBe(2);
    expect(result.stderr).toMatch(/rules\.yaml:\d+:\d+: error: invalid YAML/);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it('rejects an unknown command', async () => {
    const { code, err } = await run('frobnicate');
    expect(code).toBe(2);
    expect(err).toBe("offpeak: unknown command 'frobnicate'; run 'offpeak help' for the list");
  });
});

import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { memoryIo } from '../../../lib/doors/cli/io.js';
import { main } from '../../../lib/doors/cli/main.js';

const NOW = Date.parse('2026-11-22T00:00:00Z');

async function run(...argv: string[]) {
  const io = memoryIo();
  const code = await main(argv, io, NOW);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
}

async function scheduleDir(text: string | Buffer): Promise<string> {
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

describe('messages quote at most about 80 characters of what was typed', () => {
  const long = 'q'.repeat(4000);
  const cut = `'${'q'.repeat(80)}…' (4,000 characters)`;

  it.each([
    ['plan', '--at', long],
    ['plan', '--tick', long],
    ['plan', '--days', long],
    ['plan', '--html', 'week.html', '--tz', long],
    ['plan', '--html', 'week.html', '--from', long],
    ['run', '--action', long],
    ['run', '--deadline', long],
    ['policy', '--account', long],
    ['sandbox', '--rate-scale', long],
    ['invoke', '--at', long],
  ])('offpeak %s %s …', async (...argv) => {
    const { code, err } = await run(...argv);
    expect(code).toBe(2);
    expect(err).toContain(cut);
    expect(err.length).toBeLessThan(400);
  });

  it('an unknown long option and an unknown command', async () => {
    const option = await run('plan', `--${long}`);
    expect(option.code).toBe(2);
    expect(option.err).toContain(`'--${'q'.repeat(78)}…' (4,002 characters)`);
    expect(option.err.length).toBeLessThan(400);
    const command = await run(long);
    expect(command.err).toBe(`offpeak: unknown command ${cut}; run 'offpeak help' for the list`);
  });

  it('--rule with 20,000 unknown names shows a few, then how many more', async () => {
    const rules = Array.from({ length: 20_000 }, (_, i) => ['--rule', `nope-${i}`]).flat();
    const { code, err } = await run('run', '--sandbox', '--dry-run', ...rules);
    expect(code).toBe(2);
    expect(err).toMatch(
      /^offpeak run: --rule: no rule named 'nope-0', 'nope-1', 'nope-2', 'nope-3', 'nope-4' and 19,995 more; the schedules have /,
    );
    expect(err.length).toBeLessThan(400);
  });

  it('validate: a 4 MB file of random text is not printed back', async () => {
    let seed = 7;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const chars = 'abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:-,[]{}#&*!|>\'"%@`\n\t';
    const garbage = Array.from({ length: 4 * 1024 * 1024 }, () => chars[Math.floor(random() * chars.length)]).join('');
    const { code, err } = await run('validate', await scheduleDir(garbage));
    expect(code).toBe(2);
    expect(Buffer.byteLength(err)).toBeLessThan(1_024);
    expect(err).toMatch(/and [\d,]+ more YAML errors after these/);
    // Random bytes: every control character is escaped, and the escapes count against the cut.
    const bytes = Buffer.from(Array.from({ length: 3 * 1024 * 1024 }, () => Math.floor(random() * 256)));
    const { code: binaryCode, err: binary } = await run('validate', await scheduleDir(bytes));
    expect(binaryCode).toBe(2);
    expect(Buffer.byteLength(binary)).toBeLessThan(1_024);
    // One plain scalar of 4 MB: the schema's "got text …" quotes only its start.
    const { err: text } = await run('validate', await scheduleDir('x'.repeat(4 * 1024 * 1024)));
    expect(text).toContain(`got text '${'x'.repeat(80)}…' (4,194,304 characters); expected an offpeak schedule file`);
    expect(text.length).toBeLessThan(400);
  });

  it('validate: a long unknown key, and long values, are cut in the path and the message', async () => {
    const key = 'k'.repeat(100_000);
    const dir = await scheduleDir(
      [
        'version: 1',
        `timezone: ${'Z'.repeat(50_000)}`,
        'rules:',
        '  - name: dev-nights',
        // YAML limits plain keys to 1024 characters; an explicit key has no limit.
        `    ? ${key}`,
        '    : true',
        `    offPeak: ["${'x'.repeat(50_000)}"]`,
        `    catchUp: ${'9'.repeat(20_000)}d`,
        '    targets: { swas: [{ region: cn-hangzhou, instanceIds: [ace0706b2ac4454d984295a94213aaaa] }] }',
        '',
      ].join('\n'),
    );
    const { code, err } = await run('validate', dir);
    expect(code).toBe(2);
    const lines = err.split('\n');
    expect(lines).toHaveLength(4 + 1);
    expect(err).toContain(`rules[0].${'k'.repeat(80)}…: unknown key '${'k'.repeat(80)}…' (100,000 characters); allowed keys: `);
    expect(err).toContain(`timezone: '${'Z'.repeat(80)}…' (50,000 characters) is not an IANA time zone`);
    expect(err).toContain(`rules[0].offPeak[0]: '${'x'.repeat(80)}…' (50,000 characters) is not a day`);
    expect(err).toContain(`rules[0].catchUp: '${'9'.repeat(80)}…' (20,001 characters) is longer than 7d`);
    for (const line of lines) expect(line.length).toBeLessThan(500);
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

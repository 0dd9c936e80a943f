import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { ResourceResult } from '../../lib/execute/result.js';
import type { RunReport } from '../../lib/run.js';
import { BIN, cleanEnv, ensureBuilt, offpeak, ROOT } from './support/cli.js';

/**
 * `offpeak run` as a person runs it: `node bin/offpeak.js run ...` from the repository root, against
 * the embedded sandbox (--sandbox). The CLI runs from dist/, so dist/ is rebuilt first when any source
 * is newer than its output.
 */

let scratch: string;
let badSchedules: string;
let nightsOnly: string;
beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'offpeak-cli-run-'));
  badSchedules = join(scratch, 'bad');
  nightsOnly = join(scratch, 'nights');
  for (const dir of [badSchedules, nightsOnly]) mkdirSync(dir);
  // A file with one error: hour 25 at line 5, column 26.
  writeFileSync(join(badSchedules, 'bad.yaml'), readFileSync(join(ROOT, 'test/fixtures/invalid/window-hour-25.yaml')));
  // dev-nights without its holiday calendar: stops every day at 20:00 Shanghai, whatever today is.
  writeFileSync(
    join(nightsOnly, 'nights.yaml'),
    [
      'version: 1',
      'timezone: Asia/Shanghai',
      'rules:',
      '  - name: dev-nights',
      '    offPeak: ["daily 20:00-08:00"]',
      '    restore: true',
      '    targets:',
      '      sae: [{ region: cn-hangzhou, namespaceId: "cn-hangzhou:dev", tags: { env: dev } }]',
      '    exclude: { tags: { offpeak: never } }',
      '',
    ].join('\n'),
  );
  await ensureBuilt();
}, 60_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const lines = (text: string): string[] => text.split('\n').filter((l) => l.trim() !== '');
const NO_STACK = /^\s+at /m;
const RESULT_LINE =
  /^ {2}(stopped|started|stopping|starting|already stopped|already running|would stop|would start|snoozed|excluded|CONFLICT|HELD|skipped|FAILED|DEFERRED)\s+(stop|start)\s+(SAE|SWAS) (\S+) (\S+)\s+(.*)$/;
/**
 * The result lines of the text report as "outcome action product name". The excluded app reads
 * "excluded" under either report model ("skipped … excluded by tag …" before, its own outcome now).
 */
const resultLines = (stdout: string): string[] =>
  lines(stdout)
    .map((l) => RESULT_LINE.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `${m[1] === 'skipped' && m[6]!.startsWith('excluded by ') ? 'excluded' : m[1]} ${m[2]} ${m[3]} ${m[5]}`);

describe.concurrent('offpeak run --sandbox', () => {
  it('--at next-stop with the example schedules exits 0 and stops what is due', async ({ expect }) => {
    const started = Date.now();
    const r = await offpeak(['run', '--sandbox', '--at', 'next-stop']);
    expect(r.stderr).not.toMatch(NO_STACK);
    expect(r.code, r.stderr).toBe(0);
    const edge = /^running as of the next stop edge: (\S+) \(/m.exec(r.stderr);
    expect(edge, r.stderr).not.toBeNull();
    const at = Date.parse(edge![1]!);
    expect(at).toBeGreaterThan(started - 60_000);
    expect(at).toBeLessThanOrEqual(started + 30 * 86_400_000);
    expect(r.stdout).toContain(`offpeak run at ${new Date(at).toISOString()} (tick 5m)`);
    // Which rule is due next depends on today; each of them stops at least one target, and nothing fails.
    const results = resultLines(r.stdout);
    expect(results.filter((l) => /^(stopped|stopping) stop /.test(l)).length).toBeGreaterThan(0);
    expect(results.filter((l) => !/^(stopped|stopping|already stopped|excluded) stop /.test(l))).toEqual([]);
    expect(lines(r.stdout).at(-1)).toMatch(/^\d+ (stopped|stopping)(, \d+ (stopping|already stopped|excluded|skipped))*$/);
  });

  it('--at next-stop stops dev-nights\' SAE apps: exactly two "stopped" lines', async ({ expect }) => {
    const r = await offpeak(['run', '--schedules', nightsOnly, '--sandbox', '--at', 'next-stop']);
    expect(r.code, r.stderr).toBe(0);
    // The next 20:00 in Shanghai is 12:00Z.
    expect(r.stderr).toMatch(
      /^running as of the next stop edge: \d{4}-\d{2}-\d{2}T12:00:00\.000Z \(\w{3} \d{4}-\d{2}-\d{2} 20:00 \+08:00\)$/m,
    );
    expect(resultLines(r.stdout)).toEqual(['stopped stop SAE dev-api', 'excluded stop SAE dev-ci-runner', 'stopped stop SAE dev-web']);
    expect(lines(r.stdout).filter((l) => /^\s+stopped\s/.test(l))).toHaveLength(2);
    expect(lines(r.stdout).at(-1)).toMatch(/^2 stopped, 1 (skipped|excluded)$/);
  });

  it('--at 20:00+08:00 --dry-run --json prints the report: would-stop for dev-nights, nothing else', async ({ expect }) => {
    const r = await offpeak(['run', '--sandbox', '--at', '2026-11-24T20:00:00+08:00', '--dry-run', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as RunReport;
    expect(report.at).toBe('2026-11-24T12:00:00.000Z');
    expect(report.dryRun).toBe(true);
    expect(report.ok).toBe(true);
    const outcomeOf = (x: ResourceResult) => (x.outcome === 'skipped' && x.reason.startsWith('excluded by ') ? 'excluded' : x.outcome);
    expect(report.results.map((x) => `${x.product} ${x.name} ${outcomeOf(x)}`)).toEqual([
      'sae dev-api would-stop',
      'sae dev-ci-runner excluded',
      'sae dev-web would-stop',
      'swas dev-box would-stop',
    ]);
    expect(report.counts['would-stop']).toBe(3);
    expect(report.counts.stopped + report.counts.stopping).toBe(0);
  });

  it('--rule nope exits 2 with one line naming the rule and the known ones', async ({ expect }) => {
    const r = await offpeak(['run', '--sandbox', '--rule', 'nope']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(lines(r.stderr)).toEqual([
      "offpeak run: --rule: no rule named 'nope'; the schedules have dev-nights, staging-weekends, demo-boxes; run 'offpeak run --help' for usage",
    ]);
  });

  it('--action pause exits 2: stop or start', async ({ expect }) => {
    const r = await offpeak(['run', '--sandbox', '--action', 'pause']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(lines(r.stderr)).toEqual(["offpeak run: --action 'pause' must be stop or start; run 'offpeak run --help' for usage"]);
  });

  it('--schedules with an invalid file exits 2 naming file:line:col, before starting the sandbox', async ({ expect }) => {
    const r = await offpeak(['run', '--schedules', badSchedules, '--sandbox']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toMatch(NO_STACK);
    const err = lines(r.stderr);
    expect(err).toHaveLength(2);
    expect(err[0]).toMatch(/bad\.yaml:5:26: error: rules\[0\]\.offPeak\[1\]: '25:00' has no hour 25/);
    expect(err[1]).toBe("the schedules have errors; nothing was done. Run 'offpeak validate' and fix them first");
    expect(r.stderr).not.toContain('sandbox at');
  });

  it('--seed missing.yaml exits 2 with one line naming the file', async ({ expect }) => {
    const r = await offpeak(['run', '--sandbox', '--seed', 'missing.yaml']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toMatch(NO_STACK);
    expect(lines(r.stderr)).toEqual([
      `offpeak run: ${join(ROOT, 'missing.yaml')}: cannot read: ENOENT; run 'offpeak run --help' for usage`,
    ]);
  });
});

describe('offpeak run --endpoint', () => {
  it('acts on the sandbox at that URL with the keys of the environment, and refuses --endpoint with --sandbox', async ({ expect }) => {
    const { startSandbox } = await import('../../lib/sandbox/server.js');
    const { demoSeedPath, readSeed } = await import('../../lib/sandbox/seed.js');
    const sandbox = await startSandbox({ seed: await readSeed(demoSeedPath()), rateScale: 50 });
    try {
      const run = promisify(execFile);
      const env = {
        ...cleanEnv,
        ALIBABA_CLOUD_ACCESS_KEY_ID: 'sandbox-ak',
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'sandbox-secret',
        OFFPEAK_RATE_SCALE: '50',
      };
      const { stdout } = await run(
        process.execPath,
        [BIN, 'run', '--endpoint', sandbox.url, '--at', '2026-11-24T20:00:00+08:00', '--json'],
        { cwd: ROOT, env },
      );
      const report = JSON.parse(stdout) as RunReport;
      expect(
        report.results
          .filter((r) => r.outcome === 'stopped')
          .map((r) => r.name)
          .sort(),
      ).toEqual(['dev-api', 'dev-web']);
      expect(
        sandbox.gateway
          .state()
          .sae.apps.filter((a) => a.status === 'STOPPED')
          .map((a) => a.appName)
          .sort(),
      ).toEqual(['dev-api', 'dev-web']);
      const both = await offpeak(['run', '--endpoint', sandbox.url, '--sandbox']);
      expect(both.code).toBe(2);
      expect(both.stderr).toContain('--endpoint and --sandbox exclude each other');
    } finally {
      await sandbox.close();
    }
  });
});

import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../lib/run.js';
import type { SandboxState } from '../../lib/sandbox/gateway.js';
import { demoSeedPath, readSeed } from '../../lib/sandbox/seed.js';
import { startSandbox, type Sandbox } from '../../lib/sandbox/server.js';

/**
 * The Function Compute bundle as FC runs it: `node scripts/bundle.mjs` writes dist/function/, then a
 * fresh Node process with dist/function as its cwd requires ./index.js and calls `handler` with a
 * Buffer event and an FC context, against a sandbox in this process. No OFFPEAK_SCHEDULES: the
 * schedules copied beside the bundle are the ones read. 20:00 Asia/Shanghai (12:00Z) on Tue
 * 2026-11-24 is dev-nights' stop edge.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OUT = join(ROOT, 'dist', 'function');
const BUNDLE = join(OUT, 'index.js');
const RATE_SCALE = 50;
const MAX_BYTES = 2_000_000;
/** The same list scripts/bundle.mjs refuses. */
const FORBIDDEN = ['lib/sandbox/', 'lib/doors/cli/', '@alicloud/fc2', '@alicloud/pop-core', 'vitest', 'esbuild', 'fast-check'];

const CONTEXT = {
  requestId: 'r-1',
  credentials: { accessKeyId: 'STS.sandbox', accessKeySecret: 'sts-secret', securityToken: 'sts-token' },
  function: { name: 'offpeak', timeout: 60 },
};
const TIMER_EVENT = { triggerTime: '2026-11-24T12:00:00Z', triggerName: 'offpeak-tick', payload: '' };

/** What the child prints as its last line: the handler's report, or what it rejected with. */
type Outcome =
  { readonly resolved: RunReport } | { readonly rejected: { readonly name: string; readonly message: string; readonly stack: string } };

// The child: require the bundle, call the handler as FC does, print the outcome as one JSON line
// after the handler's own log lines.
const CHILD = `
const { handler } = require('./index.js');
const [event, context] = JSON.parse(process.argv[1]);
const done = (outcome) => process.stdout.write(JSON.stringify(outcome) + '\\n', () => process.exit(0));
handler(Buffer.from(JSON.stringify(event)), context).then(
  (resolved) => done({ resolved }),
  (e) => done({ rejected: { name: e.name, message: e.message, stack: e.stack } }),
);`;

let sandbox: Sandbox;
let bundleOutput: string;
beforeAll(async () => {
  bundleOutput = execFileSync(process.execPath, [join(ROOT, 'scripts', 'bundle.mjs')], { cwd: ROOT, encoding: 'utf8' });
  sandbox = await startSandbox({ seed: await readSeed(demoSeedPath()), rateScale: RATE_SCALE });
});
afterAll(async () => {
  await sandbox?.close();
});

/** Runs the handler in a fresh node process (asynchronously: the sandbox answers from this one). */
function invokeBundle(
  event: object,
  cwd = OUT,
  settings: Record<string, string> = {},
): Promise<{ logs: Array<Record<string, unknown>>; outcome: Outcome }> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined && !name.startsWith('OFFPEAK_')) env[name] = value;
  Object.assign(env, { OFFPEAK_ENDPOINT: sandbox.url, OFFPEAK_RATE_SCALE: String(RATE_SCALE) }, settings);
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['-e', CHILD, JSON.stringify([event, CONTEXT])],
      { cwd, env, encoding: 'utf8', timeout: 15_000 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`the bundle's process failed: ${error.message}\n${stderr}`));
        const lines = stdout
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as Record<string, unknown>);
        resolve({ logs: lines.slice(0, -1), outcome: lines.at(-1) as Outcome });
      },
    );
  });
}

async function sandboxState(): Promise<SandboxState> {
  const res = await fetch(`${sandbox.url}/_sandbox/state`);
  expect(res.status).toBe(200);
  return (await res.json()) as SandboxState;
}

describe('the function bundle', () => {
  it('is one file and the holiday library apart, under 2 MB together, read as CommonJS, with the schedules beside it', () => {
    expect(bundleOutput).toMatch(
      /^bundle: dist\/function\/index\.js \d+\.\d\d MB \(\d+ bytes\), \d+ inputs; holiday-book\.js \d+\.\d\d MB \(\d+ bytes\), holiday data of no country\n$/,
    );
    expect(statSync(BUNDLE).size + statSync(join(OUT, 'holiday-book.js')).size).toBeLessThan(MAX_BYTES);
    expect(JSON.parse(readFileSync(join(OUT, 'package.json'), 'utf8'))).toEqual({ type: 'commonjs' });
    for (const file of ['dev-nights.yaml', 'staging.yaml', 'calendars/cn.yaml'])
      expect(existsSync(join(OUT, 'schedules', file)), file).toBe(true);
  });

  it('has no sandbox, CLI, fc2, pop-core or dev-only inputs (metafile)', () => {
    const meta = JSON.parse(readFileSync(join(OUT, '..', 'function-meta.json'), 'utf8')) as { inputs: Record<string, unknown> };
    const inputs = Object.keys(meta.inputs);
    expect(inputs).toContain('functions/scheduler/index.ts');
    expect(inputs.some((path) => path.includes('node_modules/@alicloud/openapi-client/'))).toBe(true);
    expect(inputs.filter((path) => FORBIDDEN.some((f) => path.includes(f)))).toEqual([]);
    // The holiday library stays out of index.js: a function whose calendars are files never loads it.
    expect(inputs.filter((path) => /date-holidays|astronomia|moment|holiday-book|holiday-data/.test(path))).toEqual([]);
  });

  it('loads in a fresh node process and its handler stops the dev-nights targets on a timer event', async () => {
    await fetch(`${sandbox.url}/_sandbox/reset`, { method: 'POST' });
    const { logs, outcome } = await invokeBundle(TIMER_EVENT);
    if (!('resolved' in outcome)) throw new Error(`the handler rejected: ${outcome.rejected.stack}`);
    const report = outcome.resolved;
    expect(report.at).toBe('2026-11-24T12:00:00.000Z');
    expect(report.ok).toBe(true);
    expect(Object.fromEntries(report.results.map((r) => [r.name, r.outcome]))).toEqual({
      'dev-api': 'stopped',
      'dev-web': 'stopped',
      'dev-box': 'stopping',
      'dev-ci-runner': 'excluded',
    });
    expect(logs.map((l) => l.type)).toEqual(['resource', 'resource', 'resource', 'resource', 'batch', 'summary']);

    const world = await sandboxState();
    expect(
      world.sae.apps
        .filter((a) => a.status === 'STOPPED')
        .map((a) => a.appName)
        .sort(),
    ).toEqual(['dev-api', 'dev-web']);
    expect(world.sae.apps.find((a) => a.appName === 'dev-ci-runner')?.status).toBe('RUNNING');
    expect(['Stopping', 'Stopped']).toContain(world.swas.instances.find((i) => i.instanceName === 'dev-box')?.status);
  });

  it('rejects a bad event with an OffpeakError that names the field', async () => {
    const { logs, outcome } = await invokeBundle({ dryrun: true });
    if (!('rejected' in outcome)) throw new Error(`the handler resolved: ${JSON.stringify(outcome.resolved)}`);
    expect(outcome.rejected.name).toBe('OffpeakError');
    expect(outcome.rejected.message).toContain('"dryrun"');
    expect(outcome.rejected.stack).toBe(`OffpeakError: ${outcome.rejected.message}`);
    expect(logs).toEqual([{ type: 'error', message: outcome.rejected.message }]);
  });
});

/**
 * A code package made from test/fixtures/holidays (a Munich team: Bavaria's holidays plus a company
 * file), in a folder of its own. Its handler runs dry runs at chosen instants against the sandbox;
 * the rule's targets are in a region the demo seed has none in, so the reports' rule lines say
 * what the calendar decided.
 */
describe('the function bundle with a country calendar', () => {
  let dir: string;
  let output: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'offpeak-bundle-'));
    output = execFileSync(
      process.execPath,
      [join(ROOT, 'scripts', 'bundle.mjs'), '--schedules', 'test/fixtures/holidays', '--out', join(dir, 'function')],
      { cwd: ROOT, encoding: 'utf8' },
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('carries the data of the countries its schedules name, and of no other', () => {
    expect(output).toMatch(/holiday-book\.js \d+\.\d\d MB \(\d+ bytes\), holiday data of DE, JP\n$/);
    // The package's own holiday-book.js, asked in a fresh process as the handler would.
    const asked = execFileSync(
      process.execPath,
      [
        '-e',
        `const b=require('./holiday-book.js').holidayBook();console.log(JSON.stringify(['DE','JP','US','CN'].map(c=>[c,b.holds(c),b.countries().get(c)])))`,
      ],
      { cwd: join(dir, 'function'), encoding: 'utf8' },
    );
    expect(JSON.parse(asked)).toEqual([
      ['DE', true, 'Germany'],
      ['JP', true, 'Japan'],
      ['US', false, 'United States of America'],
      ['CN', false, 'China'],
    ]);
    expect(statSync(join(dir, 'function', 'index.js')).size + statSync(join(dir, 'function', 'holiday-book.js')).size).toBeLessThan(
      MAX_BYTES,
    );
  });

  const ruleLine = async (at: string): Promise<string | undefined> => {
    const { outcome } = await invokeBundle({ at, dryRun: true }, join(dir, 'function'));
    if (!('resolved' in outcome)) throw new Error(`the handler rejected: ${outcome.rejected.stack}`);
    const rule = outcome.resolved.rules.find((r) => r.name === 'munich-nights');
    return rule && `${rule.action ?? 'none'}: ${rule.reason}`;
  };

  it("keeps Bavaria's Corpus Christi off-peak: no start at 08:00 on Thu 4 June 2026", async () => {
    expect(await ruleLine('2026-06-04T08:00:00+02:00')).toBe('none: off-peak, no edge due at Thu 2026-06-04 08:00 +02:00');
    expect(await ruleLine('2026-06-05T08:00:00+02:00')).toBe('start: off-peak ended Fri 2026-06-05 08:00 +02:00');
  });

  it("runs on Epiphany 2027, which the company file makes a workday: the file wins over Bavaria's holiday", async () => {
    expect(await ruleLine('2027-01-06T08:00:00+01:00')).toBe('start: off-peak ended Wed 2027-01-06 08:00 +01:00');
  });

  it("computes Japan's equinox days without moment-timezone: Mon 22 March 2027, the Spring Equinox's substitute holiday, stays off", async () => {
    const { outcome } = await invokeBundle({ at: '2027-03-22T09:00:00+09:00', dryRun: true }, join(dir, 'function'));
    if (!('resolved' in outcome)) throw new Error(`the handler rejected: ${outcome.rejected.stack}`);
    expect(outcome.resolved.rules.find((r) => r.name === 'tokyo-days')).toEqual({
      name: 'tokyo-days',
      reason: 'off-peak, no edge due at Mon 2027-03-22 09:00 +09:00',
    });
    const { outcome: next } = await invokeBundle({ at: '2027-03-23T09:00:00+09:00', dryRun: true }, join(dir, 'function'));
    if (!('resolved' in next)) throw new Error(`the handler rejected: ${next.rejected.stack}`);
    expect(next.resolved.rules.find((r) => r.name === 'tokyo-days')?.action).toBe('start');
  });

  it('refuses a schedule naming a country the package does not carry, naming the fix', async () => {
    const schedules = join(dir, 'elsewhere');
    mkdirSync(schedules);
    writeFileSync(
      join(schedules, 'virginia.yaml'),
      [
        'version: 1',
        'timezone: America/New_York',
        'calendars: { us: { country: US } }',
        'rules:',
        '  - name: virginia-nights',
        '    offPeak: ["daily 20:00-08:00"]',
        '    calendar: us',
        '    targets: { swas: [{ region: us-east-1, instanceIds: [i-1] }] }',
        '',
      ].join('\n'),
    );
    const { outcome } = await invokeBundle({ dryRun: true }, join(dir, 'function'), { OFFPEAK_SCHEDULES: schedules });
    if (!('rejected' in outcome)) throw new Error(`the handler resolved: ${JSON.stringify(outcome.resolved)}`);
    expect(outcome.rejected.message).toBe(
      `the schedules have errors, nothing was done:\n${join(schedules, 'virginia.yaml')}:3:29: error: calendars.us.country: US (United States of America) is not in the holiday data of this code package, which holds only the countries its schedules named when it was made; run 'npm run bundle' again and deploy`,
    );
  });
});

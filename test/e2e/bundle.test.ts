import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
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
function invokeBundle(event: object): Promise<{ logs: Array<Record<string, unknown>>; outcome: Outcome }> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined && !name.startsWith('OFFPEAK_')) env[name] = value;
  Object.assign(env, { OFFPEAK_ENDPOINT: sandbox.url, OFFPEAK_RATE_SCALE: String(RATE_SCALE) });
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['-e', CHILD, JSON.stringify([event, CONTEXT])],
      { cwd: OUT, env, encoding: 'utf8', timeout: 15_000 },
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
  it('is one file under 2 MB, read as CommonJS, with the schedules beside it', () => {
    expect(bundleOutput).toMatch(/^bundle: dist\/function\/index\.js \d+\.\d\d MB \(\d+ bytes\), \d+ inputs\n$/);
    expect(statSync(BUNDLE).size).toBeLessThan(MAX_BYTES);
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

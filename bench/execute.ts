import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchSection } from './section.js';

/**
 * Execution under the documented rate limits: 300 SAE apps in 5 namespaces and 250 SWAS instances
 * due in one tick, against the sandbox with its limits on (time scaled by RATE_SCALE to keep it
 * short), offpeak beside a naive script. The lower bound is what the limits allow for the calls
 * the job cannot do without: one stop per SAE app and one listing per namespace at 60 a minute
 * (a sliding window: 60 at once, then 60 more each minute), SWAS in batches of 100, plus one change
 * order's duration.
 */

const RATE_SCALE = 20;
const APPS = 300;
const NAMESPACES = 5;
const INSTANCES = 250;
const CHANGE_ORDER_SECONDS = 3;
const AT = '2026-11-24T20:00:00+08:00';

interface Side {
  wallMs: number;
  maxRssMiB: number;
  counts: Record<string, number>;
}

function seedYaml(): string {
  const apps = Array.from({ length: APPS }, (_, i) => {
    const hex = i.toString(16).padStart(4, '0');
    return `    - { appId: 00000000-0000-4000-8000-00000000${hex}, appName: bench-${i}, regionId: cn-hangzhou, namespaceId: "cn-hangzhou:ns${i % NAMESPACES}", instances: 2, tags: { env: bench } }`;
  });
  const instances = Array.from(
    { length: INSTANCES },
    (_, i) => `    - { instanceId: b${i.toString(16).padStart(31, '0')}, instanceName: bench-${i}, regionId: cn-hangzhou }`,
  );
  return [
    'accounts:',
    '  - id: "1234567890123456"',
    '    accessKeys: [{ id: bench-ak, secret: bench-secret }]',
    `sae:\n  changeOrderSeconds: ${CHANGE_ORDER_SECONDS}\n  apps:`,
    ...apps,
    `swas:\n  transitionSeconds: 3\n  instances:`,
    ...instances,
    '',
  ].join('\n');
}

const SCHEDULE = `version: 1
timezone: Asia/Shanghai
rules:
  - name: bench-nights
    offPeak: ["daily 20:00-08:00"]
    targets:
      sae:
${Array.from({ length: NAMESPACES }, (_, n) => `        - { region: cn-hangzhou, namespaceId: "cn-hangzhou:ns${n}" }`).join('\n')}
      swas:
        - { region: cn-hangzhou, instanceName: "bench-*" }
`;

/**
 * Starts `offpeak sandbox` in its own process; resolves with its URL and a stop function. `env` is
 * added to the process's environment (the function it hosts reads its OFFPEAK_* settings there).
 */
export function startSandbox(
  seedPath: string,
  rateScale = RATE_SCALE,
  env: Record<string, string> = {},
): Promise<{ url: string; stop: () => void }> {
  const child = spawn(
    process.execPath,
    ['bin/offpeak.js', 'sandbox', '--port', '0', '--seed', seedPath, '--rate-scale', String(rateScale)],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } },
  );
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const url = /http:\/\/127\.0\.0\.1:\d+/.exec(text)?.[0];
      if (url) resolve({ url, stop: () => child.kill('SIGTERM') });
    });
    child.on('exit', (code) => reject(new Error(`sandbox exited with ${code}`)));
  });
}

function runSide(mode: 'offpeak' | 'naive', url: string, schedules: string): Promise<Side> {
  const env = {
    ...process.env,
    OFFPEAK_ENDPOINT: url,
    OFFPEAK_RATE_SCALE: String(RATE_SCALE),
    ALIBABA_CLOUD_ACCESS_KEY_ID: 'bench-ak',
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'bench-secret',
    OFFPEAK_MAX_STOPS_PER_RUN: '1000',
  };
  const child = spawn(process.execPath, ['dist/bench/execute-child.js', mode, schedules, AT], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve, reject) =>
    child.on('exit', (code) =>
      code === 0 || mode === 'offpeak'
        ? resolve(JSON.parse(out.trim().split('\n').at(-1)!) as Side)
        : reject(new Error(`${mode} exited ${code}`)),
    ),
  );
}

interface Call {
  product: string;
  action: string;
  code: string | null;
  executed: boolean;
}

export async function admin<T>(url: string, path: string, body?: string): Promise<T> {
  const response = await fetch(`${url}/_sandbox/${path}`, body === undefined ? {} : { method: 'POST', body });
  return (await response.json()) as T;
}

/** Seconds the limits allow at the least: calls in a sliding window of `limit` a minute, then one change order. */
function lowerBoundSeconds(): number {
  const saeCalls = APPS + NAMESPACES;
  const saeMinutes = Math.floor((saeCalls - 1) / 60);
  return (saeMinutes * 60 + CHANGE_ORDER_SECONDS) / RATE_SCALE;
}

function summarise(
  name: string,
  side: Side,
  calls: Call[],
  stopped: { sae: number; swas: number },
  bound: number,
): Record<string, string | number> {
  const sae = calls.filter((c) => c.product === 'sae');
  const swas = calls.filter((c) => c.product === 'swas');
  return {
    run: name,
    'wall (s)': (side.wallMs / 1000).toFixed(2),
    'vs lower bound': `${(side.wallMs / 1000 / bound).toFixed(2)}x`,
    'SAE stopped': `${stopped.sae}/${APPS}`,
    'SWAS stopping/stopped': `${stopped.swas}/${INSTANCES}`,
    'SAE calls/app': (sae.length / APPS).toFixed(3),
    'SWAS calls/instance': (swas.length / INSTANCES).toFixed(3),
    'Throttling.User answers': calls.filter((c) => c.code?.includes('Throttling')).length,
    'peak RSS (MiB)': side.maxRssMiB.toFixed(0),
  };
}

export async function benchExecute(): Promise<BenchSection> {
  const dir = await mkdtemp(join(tmpdir(), 'offpeak-bench-'));
  const seedPath = join(dir, 'seed.yaml');
  await writeFile(seedPath, seedYaml());
  const schedules = join(dir, 'schedules');
  await import('node:fs/promises').then((fs) => fs.mkdir(schedules));
  await writeFile(join(schedules, 'bench.yaml'), SCHEDULE);
  const sandbox = await startSandbox(seedPath);
  const bound = lowerBoundSeconds();
  const rows: Array<Record<string, string | number>> = [];
  try {
    for (const mode of ['offpeak', 'naive'] as const) {
      await admin(sandbox.url, 'reset', '');
      const side = await runSide(mode, sandbox.url, schedules);
      // Let the last change orders and transitions finish before reading the state.
      await admin(sandbox.url, 'advance', JSON.stringify({ seconds: 60 }));
      const calls = await admin<Call[]>(sandbox.url, 'calls');
      const state = await admin<{ sae: { apps: Array<{ status: string }> }; swas: { instances: Array<{ status: string }> } }>(
        sandbox.url,
        'state',
      );
      const stopped = {
        sae: state.sae.apps.filter((a) => a.status === 'STOPPED').length,
        swas: state.swas.instances.filter((i) => i.status !== 'Running').length,
      };
      rows.push(summarise(mode, side, calls, stopped, bound));
    }
  } finally {
    sandbox.stop();
  }
  return {
    title: `Execution: ${APPS} SAE apps in ${NAMESPACES} namespaces and ${INSTANCES} SWAS instances due in one tick (rate limits on, time x${RATE_SCALE})`,
    rows,
    notes: [
      `Lower bound ${bound.toFixed(2)} s: ${APPS} stops and ${NAMESPACES} listings at 60 SAE calls a minute (60 at once, then 60 each minute), plus one ${CHANGE_ORDER_SECONDS} s change order, all divided by ${RATE_SCALE}; SWAS fits in a handful of calls and never binds.`,
      'naive: for every resource one describe and one stop, all at once, no pacing, no retries (the script one would write first).',
      "Both runs are separate processes against one sandbox process; peak RSS is the run's own.",
    ],
  };
}

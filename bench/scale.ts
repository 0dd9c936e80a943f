import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { admin, startSandbox } from './execute.js';
import type { BenchSection } from './section.js';

/**
 * Fleet scale: one rule over N resources (half SAE apps in 10 namespaces, half SWAS instances),
 * all due in one tick, `offpeak run --json` in its own process against the sandbox with its limits
 * scaled up (time x1000), as `offpeak sandbox --rate-scale 1000` and OFFPEAK_RATE_SCALE=1000 do.
 * Per-resource figures against the smallest fleet show whether cost grows faster than the fleet:
 * the goal is ratios near 1.0x.
 */

const SIZES = (process.env.OFFPEAK_BENCH_SIZES ?? '1000,2000,4000,8000,10000').split(',').map(Number);
const NAMESPACES = 10;
const RATE_SCALE = 1000;

/**
 * The tick a bench run stands at: the minute nearest to now, with an off-peak window that begins
 * there, so the run starts on time. A run that starts more than a minute after its tick is late (a
 * retry, a second delivery) and reads each app's change orders before it stops it, a different and
 * dearer run than a timer's. Written with the schedule, just before the run starts.
 */
export function onTimeTick(now = Date.now()): { at: string; offPeak: string } {
  const at = new Date(Math.round(now / 60_000) * 60_000);
  const hhmm = (d: Date) => d.toISOString().slice(11, 16);
  return { at: at.toISOString(), offPeak: `daily ${hhmm(at)}-${hhmm(new Date(at.getTime() + 6 * 3_600_000))}` };
}

function seedYaml(n: number): string {
  const apps = Math.ceil(n / 2);
  const lines = ['accounts:', '  - id: "1234567890123456"', '    accessKeys: [{ id: bench-ak, secret: bench-secret }]'];
  lines.push('sae:', '  changeOrderSeconds: 3', '  apps:');
  for (let i = 0; i < apps; i++) {
    const id = `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
    lines.push(
      `    - { appId: ${id}, appName: scale-${i}, regionId: cn-hangzhou, namespaceId: "cn-hangzhou:ns${i % NAMESPACES}", instances: 1 }`,
    );
  }
  lines.push('swas:', '  transitionSeconds: 3', '  instances:');
  for (let i = 0; i < n - apps; i++)
    lines.push(`    - { instanceId: s${i.toString(16).padStart(31, '0')}, instanceName: scale-${i}, regionId: cn-hangzhou }`);
  return `${lines.join('\n')}\n`;
}

const schedule = (offPeak: string) => `version: 1
timezone: UTC
rules:
  - name: scale-nights
    offPeak: ["${offPeak}"]
    targets:
      sae:
${Array.from({ length: NAMESPACES }, (_, n) => `        - { region: cn-hangzhou, namespaceId: "cn-hangzhou:ns${n}" }`).join('\n')}
      swas:
        - { region: cn-hangzhou, instanceName: "scale-*" }
`;

export interface Run {
  wallMs: number;
  maxRssMiB: number;
  code: number;
  counts: Record<string, number>;
  reportBytes: number;
}

/** Prints the process's peak RSS when it exits: the run is measured as users start it, `offpeak run`. */
const RSS_PROBE =
  'data:text/javascript,process.on("exit",()=>process.stderr.write("\\npeak-rss-kb "+process.resourceUsage().maxRSS+"\\n"))';

interface RunOptions {
  /** The tick instant (onTimeTick's `at`, written with the schedule). */
  readonly at: string;
  readonly rateScale?: number;
  readonly deadline?: string;
  readonly env?: Record<string, string>;
  /** What node runs in place of bin/offpeak.js (a comparison), as arguments before the command's. */
  readonly entry?: readonly string[];
}

/** The same built CLI without its heap policy (bin/offpeak.js less its preferSmallHeap call). */
const DEFAULT_HEAP_ENTRY = [
  '--input-type=module',
  '-e',
  "import { main } from './dist/cli/main.js'; process.exitCode = await main(process.argv.slice(1));",
];
/** The CLI as tsc leaves it (dist/lib, about 300 files from dist/ and node_modules), without the heap policy. */
const UNBUNDLED_ENTRY = [
  '--input-type=module',
  '-e',
  "import { main } from './dist/lib/doors/cli/main.js'; process.exitCode = await main(process.argv.slice(1));",
];

/** `offpeak run --json` in its own process against the sandbox at `url`: its report, time and peak RSS. */
export async function runOffpeak(url: string, schedules: string, n: number, dir: string, options: RunOptions): Promise<Run> {
  const env = {
    ...process.env,
    OFFPEAK_ENDPOINT: url,
    OFFPEAK_RATE_SCALE: String(options.rateScale ?? RATE_SCALE),
    ALIBABA_CLOUD_ACCESS_KEY_ID: 'bench-ak',
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'bench-secret',
    OFFPEAK_MAX_STOPS_PER_RUN: String(n + 1),
    ...options.env,
  };
  const reportPath = join(dir, 'report.json');
  const out = await open(reportPath, 'w');
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [
      '--import',
      RSS_PROBE,
      ...(options.entry ?? ['bin/offpeak.js']),
      'run',
      '--schedules',
      schedules,
      '--at',
      options.at,
      '--json',
      '--deadline',
      options.deadline ?? '30m',
    ],
    { env, stdio: ['ignore', out.fd, 'pipe'] },
  );
  let err = '';
  child.stderr?.on('data', (chunk: Buffer) => (err = (err + chunk.toString()).slice(-4000)));
  const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? -1)));
  await out.close();
  const wallMs = performance.now() - started;
  const rss = /peak-rss-kb (\d+)/.exec(err)?.[1];
  const text = await readFile(reportPath, 'utf8');
  if (!rss || !text) throw new Error(`the run at ${n} resources printed no report (exit ${code}): ${err.slice(-600)}`);
  const report = JSON.parse(text) as { counts: Record<string, number> };
  await rm(reportPath);
  return { wallMs, maxRssMiB: Number(rss) / 1024, code, counts: report.counts, reportBytes: Buffer.byteLength(text) };
}

/** The largest fleet again, as the CLI was before: the baselines the heap policy and the bundle are measured against. */
const COMPARISONS = [
  { label: 'without the heap policy', entry: DEFAULT_HEAP_ENTRY },
  { label: 'unbundled, without the heap policy', entry: UNBUNDLED_ENTRY },
] as const;

export async function benchScale(): Promise<BenchSection> {
  const rows: Array<Record<string, string | number>> = [];
  let base: { wall: number; calls: number; rss: number; bytes: number } | undefined;
  const largest = SIZES.at(-1)!;
  const runs = [...SIZES.map((n) => ({ n, label: '', entry: undefined })), ...COMPARISONS.map((c) => ({ n: largest, ...c }))];
  for (const { n, label, entry } of runs) {
    const dir = await mkdtemp(join(tmpdir(), 'offpeak-scale-'));
    const schedules = join(dir, 'schedules');
    await mkdir(schedules);
    await writeFile(join(dir, 'seed.yaml'), seedYaml(n));
    const sandbox = await startSandbox(join(dir, 'seed.yaml'), RATE_SCALE);
    try {
      const tick = onTimeTick();
      await writeFile(join(schedules, 'scale.yaml'), schedule(tick.offPeak));
      const run = await runOffpeak(sandbox.url, schedules, n, dir, { at: tick.at, entry });
      const calls = (await admin<unknown[]>(sandbox.url, 'calls')).length;
      const done = (run.counts.stopped ?? 0) + (run.counts.stopping ?? 0);
      const per = { wall: run.wallMs / n, calls: calls / n, rss: run.maxRssMiB, bytes: run.reportBytes / n };
      base ??= per;
      const ratio = (value: number, of: number) => `${(value / of).toFixed(2)}x`;
      rows.push({
        resources: `${n.toLocaleString('en')}${label ? ` (${label})` : ''}`,
        exit: run.code,
        'stopped or stopping': `${done.toLocaleString('en')}/${n.toLocaleString('en')}`,
        'wall (s)': (run.wallMs / 1000).toFixed(1),
        'wall per resource': ratio(per.wall, base.wall),
        'calls per resource': `${per.calls.toFixed(3)} (${ratio(per.calls, base.calls)})`,
        'peak RSS (MiB)': `${run.maxRssMiB.toFixed(0)} (${ratio(per.rss, base.rss)})`,
        'report bytes per resource': `${per.bytes.toFixed(0)} (${ratio(per.bytes, base.bytes)})`,
      });
    } finally {
      sandbox.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }
  return {
    title: `Fleet scale: one rule over N resources (half SAE in ${NAMESPACES} namespaces, half SWAS), limits scaled x${RATE_SCALE}`,
    rows,
    notes: [
      `Ratios are against the ${SIZES[0]!.toLocaleString('en')}-resource run of the same invocation; flat per-resource figures read 1.00x.`,
      'Each run is `offpeak run --json` in its own process, as a user starts it; peak RSS is that process alone (the sandbox runs in another).',
      'The last two rows run the largest fleet again as the CLI was before: the same bundle without preferSmallHeap (lib/doors/heap.ts), and the unbundled tsc output without it; their ratios are against the same 1,000-resource run.',
      'OFFPEAK_BENCH_SIZES=1000,2000 picks the sizes.',
    ],
  };
}

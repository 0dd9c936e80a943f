import { main } from '../lib/doors/cli/main.js';
import { memoryIo } from '../lib/doors/cli/io.js';
import { createCloudApis } from '../lib/cloud/index.js';
import { CloudError } from '../lib/cloud/errors.js';

/**
 * One side of the execution benchmark, in its own process so its peak memory is its own:
 * `offpeak` runs the real CLI (`offpeak run`) against the sandbox; `naive` is the baseline a
 * hand-written script would be: for every resource one describe and one stop, all at once, no
 * pacing, no retries. Prints one JSON line: wall time, peak RSS and what the run reported.
 */

const [mode, schedules, at] = process.argv.slice(2);
const started = performance.now();
let outcome: Record<string, unknown>;

if (mode === 'offpeak') {
  const io = memoryIo({ env: process.env, cwd: process.cwd() });
  const code = await main(['run', '--schedules', schedules!, '--at', at!, '--json', '--deadline', '30m'], io, Date.parse(at!));
  const text = io.stdout.join('');
  if (!text) throw new Error(`offpeak run printed no report (exit ${code}): ${io.stderr.join('\n').slice(0, 400)}`);
  const report = JSON.parse(text) as { counts: Record<string, number> };
  outcome = { code, counts: report.counts, reportBytes: Buffer.byteLength(text) };
} else {
  const endpoint = process.env.OFFPEAK_ENDPOINT!;
  const apis = createCloudApis({
    credentials: {
      kind: 'static',
      accessKeyId: process.env.ALIBABA_CLOUD_ACCESS_KEY_ID!,
      accessKeySecret: process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET!,
    },
    endpointOverride: endpoint,
  });
  const apps = await apis.sae.listApplications('cn-hangzhou', {});
  const instances = await apis.swas.listInstances('cn-hangzhou', {});
  const counts = { stopped: 0, failed: 0, throttled: 0 };
  const tally = async (work: () => Promise<unknown>) => {
    try {
      await work();
      counts.stopped += 1;
    } catch (error) {
      counts.failed += 1;
      if (error instanceof CloudError && error.kind === 'throttled') counts.throttled += 1;
    }
  };
  await Promise.all([
    ...apps
      .filter((a) => a.appName.startsWith('bench-'))
      .map((a) =>
        tally(async () => {
          await apis.sae.describeStatus('cn-hangzhou', a.appId);
          await apis.sae.stop('cn-hangzhou', a.appId);
        }),
      ),
    ...instances
      .filter((i) => i.instanceName.startsWith('bench-'))
      .map((i) =>
        tally(async () => {
          await apis.swas.listInstances('cn-hangzhou', { instanceIds: [i.instanceId] });
          await apis.swas.stopInstances('cn-hangzhou', [i.instanceId], `naive-${i.instanceId}`);
        }),
      ),
  ]);
  outcome = { counts };
}
console.log(JSON.stringify({ wallMs: performance.now() - started, maxRssMiB: process.resourceUsage().maxRSS / 1024, ...outcome }));

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { admin, startSandbox } from './execute.js';
import { onTimeTick, runOffpeak } from './scale.js';
import type { BenchSection } from './section.js';

/**
 * Big namespaces at the real limits: one SAE namespace of 600 apps due in one tick, and what one
 * run finishes within a 280 s deadline (a 300 s function less its reporting margin), one app at a
 * time (StopApplication each) and in batch mode (BatchStopApplications, 100 ids a call). The
 * sandbox keeps SAE's 60 calls a minute with its time running 20x faster, so the deadline is 14 s.
 */

const APPS = 600;
const RATE_SCALE = 20;
const DEADLINE_SECONDS = 280;

function seedYaml(): string {
  const lines = ['accounts:', '  - id: "1234567890123456"', '    accessKeys: [{ id: bench-ak, secret: bench-secret }]'];
  lines.push('sae:', '  changeOrderSeconds: 3', '  apps:');
  for (let i = 0; i < APPS; i++) {
    const id = `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
    lines.push(`    - { appId: ${id}, appName: big-${i}, regionId: cn-hangzhou, namespaceId: "cn-hangzhou:big", instances: 1 }`);
  }
  return `${lines.join('\n')}\n`;
}

const schedule = (offPeak: string) => `version: 1
timezone: UTC
rules:
  - name: big-nights
    offPeak: ["${offPeak}"]
    targets:
      sae: [{ region: cn-hangzhou, namespaceId: "cn-hangzhou:big" }]
`;

export async function benchNamespace(): Promise<BenchSection> {
  const dir = await mkdtemp(join(tmpdir(), 'offpeak-namespace-'));
  const rows: Array<Record<string, string | number>> = [];
  try {
    await mkdir(join(dir, 'schedules'));
    await writeFile(join(dir, 'seed.yaml'), seedYaml());
    for (const batch of [false, true]) {
      const sandbox = await startSandbox(join(dir, 'seed.yaml'), RATE_SCALE);
      try {
        const tick = onTimeTick();
        await writeFile(join(dir, 'schedules', 'big.yaml'), schedule(tick.offPeak));
        const run = await runOffpeak(sandbox.url, join(dir, 'schedules'), APPS, dir, {
          at: tick.at,
          rateScale: RATE_SCALE,
          deadline: `${DEADLINE_SECONDS / RATE_SCALE}s`,
          env: { OFFPEAK_SAE_BATCH: String(batch) },
        });
        const calls = await admin<Array<{ action: string }>>(sandbox.url, 'calls');
        const count = (outcome: string) => run.counts[outcome] ?? 0;
        rows.push({
          mode: batch ? 'batch (BatchStopApplications)' : 'one app at a time (StopApplication)',
          'stopped (confirmed)': count('stopped'),
          'stopping (sent, not yet confirmed)': count('stopping'),
          'deferred to the next try': count('deferred'),
          'stop calls': calls.filter((c) => /Stop/.test(c.action)).length,
          'all SAE calls': calls.length,
          exit: run.code,
        });
      } finally {
        sandbox.stop();
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return {
    title: `Big namespaces: ${APPS} SAE apps in one namespace, one run with a ${DEADLINE_SECONDS} s deadline at SAE's 60 calls a minute`,
    rows,
    notes: [
      `The sandbox's time runs ${RATE_SCALE}x faster, with the limits scaled alike, so the run's real deadline is ${DEADLINE_SECONDS / RATE_SCALE} s.`,
      'One app at a time, a run sends about one stop a second; what it cannot send before the deadline is deferred, and FC retries or the next tick finish it.',
      'Batch mode (OFFPEAK_SAE_BATCH=true) sends 100 apps a call and confirms them by listing: a namespace of hundreds fits in one run.',
    ],
  };
}

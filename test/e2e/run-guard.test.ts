import { afterEach, describe, expect, it } from 'vitest';
import { callsOf, executed, MUTATING, outcomes, rulesFrom, seedOf, startWorld, type SeedApp, type World } from './support/run.js';

/**
 * The blast-radius guard: a selector that suddenly matches 250 apps (someone tagged a whole
 * account env=dev) stops nothing and fails the run, unless the event says "force": true.
 * Rate scale 1000 with the sandbox's limits off keeps 250 stops fast.
 */

const T = '2036-11-25T20:00:00+08:00';
const apps: SeedApp[] = Array.from({ length: 250 }, (_, i) => ({
  appId: `app-${String(i).padStart(3, '0')}`,
  appName: `dev-${String(i).padStart(3, '0')}`,
  namespaceId: 'cn-hangzhou:dev',
  instances: 1,
  tags: { env: 'dev' },
}));
const rules = rulesFrom(`version: 1
timezone: Asia/Shanghai
rules:
  - name: dev-nights
    offPeak: ["daily 20:00-08:00"]
    targets:
      sae: [{ region: cn-hangzhou, tags: { env: dev } }]
`);

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('blast-radius guard (250 matching apps, maxStopsPerRun 200)', () => {
  it('stops none, says why, and fails the run', async () => {
    world = await startWorld(seedOf({ apps }), { rateScale: 1000, rateLimits: false });

    const report = await world.run({ at: T, rules, maxStopsPerRun: 200 });

    expect(report.ok).toBe(false);
    expect(report.guard).toMatch(/would stop 250 resources, more than maxStopsPerRun \(200\); nothing was stopped/);
    expect(report.results).toHaveLength(250);
    expect(new Set(report.results.map((r) => r.outcome))).toEqual(new Set(['held']));
    expect(report.counts.held).toBe(250);
    const log = await world.calls();
    expect(callsOf(log, MUTATING)).toEqual([]);
    expect(new Set(log.map((c) => c.action))).toEqual(new Set(['ListApplications']));
    expect((await world.state()).sae.apps.every((a) => a.status === 'RUNNING')).toBe(true);
  });

  it('holds the stops only: a start due in the same run still happens, and the report does not claim a dry run', async () => {
    // A night-shift box runs off-peak: its own rule starts it at 20:00, when the day fleet stops.
    const both = rulesFrom(`version: 1
timezone: Asia/Shanghai
rules:
  - name: dev-nights
    offPeak: ["daily 20:00-08:00"]
    targets:
      sae: [{ region: cn-hangzhou, tags: { env: dev } }]
  - name: night-shift
    offPeak: ["daily 08:00-20:00"]
    restore: true
    targets:
      swas: [{ region: cn-hangzhou, tags: { shift: night } }]
`);
    const box = 'ace0706b2ac4454d984295a94213cccc';
    world = await startWorld(
      seedOf({ apps, instances: [{ instanceId: box, instanceName: 'night-box', status: 'Stopped', tags: { shift: 'night' } }] }),
      {
        rateScale: 1000,
        rateLimits: false,
      },
    );

    const report = await world.run({ at: T, rules: both, maxStopsPerRun: 200 });

    expect(report.dryRun).toBe(false);
    expect(report.guard).toMatch(/nothing was stopped/);
    expect(report.ok).toBe(false);
    expect(report.counts.held).toBe(250);
    expect(outcomes(report)['swas:night-box']).toBe('starting');
    const log = await world.calls();
    expect(callsOf(log, MUTATING).map((c) => c.action)).toEqual(['StartInstances']);
    expect(await world.instanceStatus(box)).not.toBe('Stopped');
    expect((await world.state()).sae.apps.every((a) => a.status === 'RUNNING')).toBe(true);
  });

  it('with force: true, all 250 are stopped, each once', async () => {
    world = await startWorld(seedOf({ apps }), { rateScale: 1000, rateLimits: false });

    const report = await world.run({ at: T, rules, maxStopsPerRun: 200, force: true });

    expect(report.guard).toBeUndefined();
    expect(report.counts.stopped).toBe(250);
    expect(report.ok).toBe(true);
    expect((await world.state()).sae.apps.every((a) => a.status === 'STOPPED')).toBe(true);
    const stops = executed(await world.calls());
    expect(stops).toHaveLength(250);
    expect(new Set(stops.map((c) => c.resourceIds[0])).size).toBe(250);
    expect(stops.every((c) => c.action === 'StopApplication')).toBe(true);
  });
});

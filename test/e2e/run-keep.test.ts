import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callsOf, executed, outcomes, resultFor, rulesFrom, seedOf, startWorld, type World } from './support/run.js';
import { saeCall } from './support/clients.js';

/**
 * offPeakInstances: 1 keeps one instance warm at night instead of none. At the stop edge a
 * 4-instance app is rescaled to 1 (its count remembered in a tag on the app), at the restore edge
 * back to 4 (and the tag removed); a count a person changed in between is left as it is.
 */

const API = 'app-keep-api';
const rules = rulesFrom(`version: 1
timezone: Asia/Shanghai
rules:
  - name: warm-nights
    offPeak: ["daily 20:00-08:00"]
    restore: true
    offPeakInstances: 1
    targets:
      sae: [{ region: cn-hangzhou, appId: ${API} }]
`);
const TAG = 'offpeak-instances-before';

let world: World;
afterEach(() => world.close());

const app = async () => {
  const found = (await world.state()).sae.apps.find((a) => a.appId === API)!;
  return { status: found.status, running: found.runningInstances, tag: found.tags[TAG] };
};

describe('keep 1 instance at night (Tue 2036-11-25 20:00 to Wed 08:00)', () => {
  beforeEach(async () => {
    world = await startWorld(seedOf({ apps: [{ appId: API, appName: 'keep-api', instances: 4, tags: { env: 'dev' } }] }), {
      rateScale: 100,
    });
  });

  it('takes the 4-instance app to 1 at the stop edge and back to 4 at the restore edge, remembering the count on the app', async () => {
    const night = await world.run({ at: '2036-11-25T20:00:00+08:00', rules });

    expect(night.ok).toBe(true);
    expect(outcomes(night)).toEqual({ 'sae:keep-api': 'scaled-in' });
    expect(resultFor(night, 'keep-api').detail).toBe('4 → 1 instances');
    expect(await app()).toEqual({ status: 'RUNNING', running: 1, tag: '4' });
    const nightCalls = await world.calls();
    expect(executed(nightCalls).map((c) => c.action)).toEqual(['TagResources', 'RescaleApplication']);
    expect(callsOf(nightCalls, 'StopApplication')).toEqual([]);
    await world.clearCalls();

    const morning = await world.run({ at: '2036-11-26T08:00:00+08:00', rules });

    expect(morning.ok).toBe(true);
    expect(outcomes(morning)).toEqual({ 'sae:keep-api': 'scaled-out' });
    expect(resultFor(morning, 'keep-api').detail).toBe('1 → 4 instances');
    expect(await app()).toEqual({ status: 'RUNNING', running: 4, tag: undefined });
    expect(executed(await world.calls()).map((c) => c.action)).toEqual(['RescaleApplication', 'UntagResources']);
  });

  it('a duplicate delivery of the stop tick rescales nothing twice and keeps the remembered count', async () => {
    await world.run({ at: '2036-11-25T20:00:00+08:00', rules });
    await world.clearCalls();
    const again = await world.run({ at: '2036-11-25T20:00:00+08:00', rules, align: false, lateBy: 120_000 });

    expect(outcomes(again)).toEqual({ 'sae:keep-api': 'already-stopped' });
    expect(resultFor(again, 'keep-api').reason).toContain('already at 1 of 1 off-peak instances');
    expect(executed(await world.calls())).toEqual([]);
    expect(await app()).toEqual({ status: 'RUNNING', running: 1, tag: '4' });
  });

  it('leaves a count a person changed in between alone at the restore edge, says so, and forgets the remembered count', async () => {
    await world.run({ at: '2036-11-25T20:00:00+08:00', rules });
    await world.clockTo('2036-11-25T23:00:00+08:00');
    await saeCall(world.client, 'RescaleApplication', { AppId: API, Replicas: '2' });
    await world.advance(60);
    await world.clearCalls();

    const morning = await world.run({ at: '2036-11-26T08:00:00+08:00', rules });

    expect(morning.ok).toBe(true);
    expect(outcomes(morning)).toEqual({ 'sae:keep-api': 'skipped' });
    expect(resultFor(morning, 'keep-api').reason).toContain(
      'its instance count was changed to 2 since the stop edge (offpeak left 1, and it had 4): left as it is',
    );
    expect(resultFor(morning, 'keep-api').detail).toBe(`tag ${TAG} removed`);
    expect(await app()).toEqual({ status: 'RUNNING', running: 2, tag: undefined });
    expect(executed(await world.calls()).map((c) => c.action)).toEqual(['UntagResources']);
  });

  it('a remembered count it cannot forget is said in the skip, which fails nothing: the next restore edge reads the tag again', async () => {
    await world.run({ at: '2036-11-25T20:00:00+08:00', rules });
    await world.clockTo('2036-11-25T23:00:00+08:00');
    await saeCall(world.client, 'RescaleApplication', { AppId: API, Replicas: '2' });
    await world.advance(60);
    await world.faults([{ product: 'sae', action: 'UntagResources', code: 'Forbidden.RAM', httpStatus: 403 }]);

    const morning = await world.run({ at: '2036-11-26T08:00:00+08:00', rules });

    expect(morning.ok).toBe(true);
    expect(outcomes(morning)).toEqual({ 'sae:keep-api': 'skipped' });
    expect(resultFor(morning, 'keep-api').detail).toBe(`tag ${TAG} not removed: Forbidden.RAM`);
    expect(await app()).toEqual({ status: 'RUNNING', running: 2, tag: '4' });
  });

  it('a dry run says what it would do and changes nothing, tag included', async () => {
    const report = await world.run({ at: '2036-11-25T20:00:00+08:00', rules, dryRun: true });
    expect(outcomes(report)).toEqual({ 'sae:keep-api': 'would-stop' });
    expect(executed(await world.calls())).toEqual([]);
    expect(await app()).toEqual({ status: 'RUNNING', running: 4, tag: undefined });
  });
});

/** `n` apps of 4 instances each, keep-0 … keep-(n-1), under the warm-nights rule. */
const keepApps = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ appId: `app-keep-${i}`, appName: `keep-${i}`, instances: 4, tags: { env: 'dev' } }));
const keepRules = rulesFrom(`version: 1
timezone: Asia/Shanghai
rules:
  - name: warm-nights
    offPeak: ["daily 20:00-08:00"]
    restore: true
    offPeakInstances: 1
    targets:
      sae: [{ region: cn-hangzhou, namespaceId: "cn-hangzhou:dev", tags: { env: dev } }]
`);
const NIGHT = '2036-11-25T20:00:00+08:00';

describe('scale-ins that do not end well', () => {
  it('a change order that fails, is terminated or fails in the system is the app failed, with its code, its message and the order', async () => {
    // Orders of 1 s: the first reads find them still executing.
    world = await startWorld(seedOf({ apps: keepApps(3), changeOrderSeconds: 100 }), { rateScale: 100 });
    await world.faults([
      { product: 'sae', action: 'RescaleApplication', resourceId: 'app-keep-0', changeOrderStatus: 3, message: 'instances did not stop' },
      { product: 'sae', action: 'RescaleApplication', resourceId: 'app-keep-1', changeOrderStatus: 6 },
      { product: 'sae', action: 'RescaleApplication', resourceId: 'app-keep-2', changeOrderStatus: 10, message: 'system busy' },
    ]);

    const report = await world.run({ at: NIGHT, rules: keepRules });

    const said = (name: string) => {
      const r = resultFor(report, name);
      return [r.outcome, r.code, r.detail?.replace(r.changeOrderId ?? '', 'ORDER')];
    };
    expect(said('keep-0')).toEqual([
      'failed',
      'ChangeOrderFailed',
      'rescale to 1 instances: change order ORDER ended with status 3: instances did not stop; see it in the SAE console',
    ]);
    expect(said('keep-1')).toEqual([
      'failed',
      'ChangeOrderTerminated',
      'rescale to 1 instances: change order ORDER ended with status 6; see it in the SAE console',
    ]);
    expect(said('keep-2')).toEqual([
      'failed',
      'ChangeOrderSystemFailure',
      'rescale to 1 instances: change order ORDER ended with status 10: system busy; see it in the SAE console',
    ]);
    // Each result names the order it followed: the three orders the run read.
    const read = new Set(callsOf(await world.calls(), 'DescribeChangeOrder').map((c) => c.resourceIds[0]));
    expect(report.results.map((r) => r.changeOrderId).sort()).toEqual([...read].sort());
    expect(read.size).toBe(3);
    // The apps stay at 4 and keep the count remembered before the scale-in.
    expect((await world.state()).sae.apps.map((a) => [a.appName, a.runningInstances, a.tags[TAG]])).toEqual([
      ['keep-0', 4, '4'],
      ['keep-1', 4, '4'],
      ['keep-2', 4, '4'],
    ]);
  });

  it('a change order seen stuck three times is the app failed as stuck, after exactly three reads', async () => {
    world = await startWorld(seedOf({ apps: keepApps(1) }), { rateScale: 100 });
    await world.faults([{ product: 'sae', action: 'RescaleApplication', stuck: true }]);

    const report = await world.run({ at: NIGHT, rules: keepRules });

    const r = resultFor(report, 'keep-0');
    expect([r.outcome, r.code]).toEqual(['failed', 'ChangeOrderStuck']);
    expect(r.detail).toBe(`rescale to 1 instances: change order ${r.changeOrderId} ended with status 1 (stuck); see it in the SAE console`);
    const log = await world.calls();
    expect(log.map((c) => c.action).filter((a) => a !== 'ListApplications')).toEqual([
      'TagResources',
      'RescaleApplication',
      'DescribeChangeOrder',
      'DescribeChangeOrder',
      'DescribeChangeOrder',
    ]);
    // Every call of the app's work, each with the request id the cloud answered with, in the time the run had.
    expect(r.attempts).toBe(5);
    expect(new Set(r.requestIds)).toHaveProperty('size', 5);
    expect(r.ms).toBeGreaterThan(0);
    expect(r.ms).toBeLessThan(15_000);
  });

  it('an order still running when the deadline comes leaves the app deferred, naming the order it was following', async () => {
    world = await startWorld(seedOf({ apps: keepApps(1), changeOrderSeconds: 6_000 }), { rateScale: 100 });

    const report = await world.run({ at: NIGHT, rules: keepRules, deadlineMs: 2_000 });

    const order = (await world.calls()).find((c) => c.action === 'DescribeChangeOrder')!.resourceIds[0];
    const r = resultFor(report, 'keep-0');
    expect([r.outcome, r.detail]).toEqual(['deferred', `the deadline came while following change order ${order}`]);
  });

  it('once SAE in a region refused a permission, the apps not yet begun there are not tried', async () => {
    // Nine apps, eight at once: the ninth begins after the first refusal.
    world = await startWorld(seedOf({ apps: keepApps(9) }), { rateScale: 100 });
    await world.faults([{ product: 'sae', action: 'TagResources', code: 'Forbidden.RAM', httpStatus: 403 }]);

    const report = await world.run({ at: NIGHT, rules: keepRules });

    expect(report.results.map((r) => [r.name, r.outcome, r.code, r.detail?.split(':')[0]])).toEqual([
      ...keepApps(8).map((a) => [a.appName, 'failed', 'Forbidden.RAM', 'TagResources']),
      ['keep-8', 'failed', 'Forbidden.RAM', 'not tried'],
    ]);
    expect(resultFor(report, 'keep-8').detail).toBe('not tried: sae in cn-hangzhou refused permission earlier in this run (Forbidden.RAM)');
    // (How many of the eight tag writes were sent depends on timing: the gate holds back those queued behind a refusal.)
    expect(callsOf(await world.calls(), 'RescaleApplication')).toEqual([]);
  });
});

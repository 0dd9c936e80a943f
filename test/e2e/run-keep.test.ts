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
beforeEach(async () => {
  world = await startWorld(seedOf({ apps: [{ appId: API, appName: 'keep-api', instances: 4, tags: { env: 'dev' } }] }), { rateScale: 100 });
});
afterEach(() => world.close());

const app = async () => {
  const found = (await world.state()).sae.apps.find((a) => a.appId === API)!;
  return { status: found.status, running: found.runningInstances, tag: found.tags[TAG] };
};

describe('keep 1 instance at night (Tue 2036-11-25 20:00 to Wed 08:00)', () => {
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
    expect(await app()).toEqual({ status: 'RUNNING', running: 2, tag: undefined });
    expect(executed(await world.calls()).map((c) => c.action)).toEqual(['UntagResources']);
  });

  it('a dry run says what it would do and changes nothing, tag included', async () => {
    const report = await world.run({ at: '2036-11-25T20:00:00+08:00', rules, dryRun: true });
    expect(outcomes(report)).toEqual({ 'sae:keep-api': 'would-stop' });
    expect(executed(await world.calls())).toEqual([]);
    expect(await app()).toEqual({ status: 'RUNNING', running: 4, tag: undefined });
  });
});

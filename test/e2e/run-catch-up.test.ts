import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CloudApis } from '../../lib/cloud/api.js';
import { saeCall, saeData } from './support/clients.js';
import {
  callsOf,
  DEV,
  DEV_SEED,
  devNights,
  executed,
  MUTATING,
  outcomes,
  resultFor,
  tokenOf,
  rulesFrom,
  startWorld,
  type World,
} from './support/run.js';

/**
 * catchUp widens a run's interval backwards: a run FC never delivered is recovered by the next
 * one, and an edge seen a second time never undoes what a person did after the first.
 * Tuesday 2036-11-25, dev-nights with catchUp 15m: the 20:10 run covers (19:50, 20:10].
 */

const AT_20_00 = '2036-11-25T20:00:00+08:00';
const AT_20_05 = '2036-11-25T20:05:00+08:00';
const AT_20_10 = '2036-11-25T20:10:00+08:00';
const withCatchUp = rulesFrom(devNights(['catchUp: 15m']));
const without = rulesFrom(devNights());

let world: World;
beforeEach(async () => {
  world = await startWorld(DEV_SEED, { rateScale: 100 });
});
afterEach(() => world.close());

describe('catch-up must not undo a manual start', () => {
  it('20:00 stops; at 20:05 a person starts the app and the box by hand; the 20:10 run sees the 20:00 edge again and leaves both running', async () => {
    const first = await world.run({ at: AT_20_00, rules: withCatchUp });
    expect(first.ok).toBe(true);
    expect(outcomes(first)).toMatchObject({ 'sae:dev-api': 'stopped', 'sae:dev-web': 'stopped', 'swas:dev-box': 'stopping' });

    // Past the change orders and the box's transition; then someone needs dev-api and the box back.
    await world.clockTo(AT_20_05);
    expect(await world.appStatus(DEV.api)).toBe('STOPPED');
    expect(await world.instanceStatus(DEV.box)).toBe('Stopped');
    const manualOrder = await world.byHandSae('StartApplication', DEV.api);
    await world.byHandSwas('StartInstance', DEV.box);
    await world.advance(60);
    expect(await world.appStatus(DEV.api)).toBe('RUNNING');
    expect(await world.instanceStatus(DEV.box)).toBe('Running');
    const beforeSecond = (await world.calls()).length;

    const second = await world.run({ at: AT_20_10, rules: withCatchUp });

    expect(second.ok).toBe(true);
    expect(second.rules).toEqual([
      { name: 'dev-nights', action: 'stop', reason: 'off-peak began Tue 2036-11-25 20:00 +08:00 (caught up)' },
    ]);
    // The app: its last change order is the person's start, made after the stop edge.
    const api = resultFor(second, 'dev-api');
    expect(api.outcome).toBe('skipped');
    expect(api.detail).toMatch(/started \(CoStart\) after the stop edge; a run that sees the edge again leaves it running/);
    expect(resultFor(second, 'dev-web').outcome).toBe('already-stopped');
    // The box: the caught-up stop carries the first run's ClientToken, which SWAS answers without acting.
    const box = resultFor(second, 'dev-box');
    expect(box.reason).toContain('(caught up)');
    expect(tokenOf(second, 'dev-box')).toBe(tokenOf(first, 'dev-box'));

    expect(await world.appStatus(DEV.api)).toBe('RUNNING');
    expect(await world.instanceStatus(DEV.box)).toBe('Running');
    const after = (await world.calls()).slice(beforeSecond);
    expect(executed(after)).toEqual([]);
    expect(callsOf(after, ['StopApplication', 'BatchStopApplications'])).toEqual([]);
    // The run looked at the person's change order before deciding.
    expect(callsOf(after, 'DescribeChangeOrder', manualOrder)).toHaveLength(1);
  });

  it('the 20:10 report does not claim that the box the person started is stopping', async () => {
    const first = await world.run({ at: AT_20_00, rules: withCatchUp });
    await world.clockTo(AT_20_05);
    await world.byHandSwas('StartInstance', DEV.box);
    await world.advance(60);

    const second = await world.run({ at: AT_20_10, rules: withCatchUp });

    expect(await world.instanceStatus(DEV.box)).toBe('Running');
    // SWAS answered the replayed token with the first run's answer and did nothing: the box runs
    // and will keep running, so "stopping" (accepted and on its way) would tell the reader a lie.
    const box = resultFor(second, 'dev-box');
    expect(tokenOf(second, 'dev-box')).toBe(tokenOf(first, 'dev-box'));
    expect(box.outcome).not.toBe('stopping');
  });
});

describe('a missed run is recovered', () => {
  it('no run at 20:00; the 20:10 run with catchUp 15m stops them', async () => {
    const report = await world.run({ at: AT_20_10, rules: withCatchUp });

    expect(report.ok).toBe(true);
    expect(report.rules).toEqual([
      { name: 'dev-nights', action: 'stop', reason: 'off-peak began Tue 2036-11-25 20:00 +08:00 (caught up)' },
    ]);
    expect(outcomes(report)).toEqual({
      'sae:dev-api': 'stopped',
      'sae:dev-ci-runner': 'excluded',
      'sae:dev-web': 'stopped',
      'swas:dev-box': 'stopping',
    });
    expect(await world.appStatus(DEV.api)).toBe('STOPPED');
    expect(await world.appStatus(DEV.web)).toBe('STOPPED');
    expect(await world.appStatus(DEV.ci)).toBe('RUNNING');
    const log = await world.calls();
    expect(
      executed(log)
        .map((c) => `${c.action} ${c.resourceIds.join(',')}`)
        .sort(),
    ).toEqual([`StopApplication ${DEV.api}`, `StopApplication ${DEV.web}`, `StopInstances ${DEV.box}`]);
  });

  it('a scale-in after the stop edge is no start: the 20:10 catch-up reads the CoScaleIn order and stops the app', async () => {
    // No run at 20:00. At 20:05 dev-web is scaled in from 3 instances to 2 (a person, or SAE's auto scaling).
    await world.clockTo(AT_20_05);
    const scaleIn = String(saeData(await saeCall(world.client, 'RescaleApplication', { AppId: DEV.web, Replicas: '2' })).ChangeOrderId);
    await world.advance(60);
    expect(saeData(await saeCall(world.client, 'DescribeChangeOrder', { ChangeOrderId: scaleIn }))).toMatchObject({
      CoTypeCode: 'CoScaleIn',
      Status: 2,
    });
    const before = (await world.calls()).length;

    const report = await world.run({ at: AT_20_10, rules: withCatchUp });

    expect(report.ok).toBe(true);
    expect(outcomes(report)).toEqual({
      'sae:dev-api': 'stopped',
      'sae:dev-ci-runner': 'excluded',
      'sae:dev-web': 'stopped',
      'swas:dev-box': 'stopping',
    });
    expect(await world.appStatus(DEV.web)).toBe('STOPPED');
    const after = (await world.calls()).slice(before);
    // The run looked at the scale-in before deciding, then stopped the app.
    expect(callsOf(after, 'DescribeChangeOrder', scaleIn)).toHaveLength(1);
    expect(executed(callsOf(after, 'StopApplication', DEV.web))).toHaveLength(1);
  });

  it('without catchUp, the 20:10 run sees no edge and does nothing', async () => {
    const report = await world.run({ at: AT_20_10, rules: without });

    expect(report.ok).toBe(true);
    expect(report.rules).toEqual([{ name: 'dev-nights', reason: 'off-peak, no edge due at Tue 2036-11-25 20:10 +08:00' }]);
    expect(report.results).toEqual([]);
    const log = await world.calls();
    expect(callsOf(log, MUTATING)).toEqual([]);
    expect(log).toEqual([]); // a rule with nothing to do resolves nothing: not even a listing
    expect(await world.appStatus(DEV.api)).toBe('RUNNING');
    expect(await world.instanceStatus(DEV.box)).toBe('Running');
  });
});

describe('a late run (FC retries the 20:00 event at 20:04) must not undo a manual start either', () => {
  it('20:00 stops everything; at 20:02 a person starts the app and the box; the retry of the 20:00 run leaves both running', async () => {
    const first = await world.run({ at: AT_20_00, rules: without });
    expect(outcomes(first)).toMatchObject({ 'sae:dev-api': 'stopped', 'sae:dev-web': 'stopped', 'swas:dev-box': 'stopping' });

    await world.clockTo('2036-11-25T20:02:00+08:00');
    await world.byHandSae('StartApplication', DEV.api);
    await world.byHandSwas('StartInstance', DEV.box);
    await world.advance(60);
    await world.clearCalls();

    // The same event again, four minutes late: no catch-up rule, the same tick instant.
    const retry = await world.run({ at: AT_20_00, rules: without, lateBy: 4 * 60_000 });

    expect(outcomes(retry)).toEqual({
      'sae:dev-api': 'skipped',
      'sae:dev-ci-runner': 'excluded',
      'sae:dev-web': 'already-stopped',
      'swas:dev-box': 'skipped',
    });
    expect(resultFor(retry, 'dev-api').detail).toMatch(/started \(CoStart\) after the stop edge/);
    expect(executed(await world.calls())).toEqual([]);
    expect(await world.appStatus(DEV.api)).toBe('RUNNING');
    expect(await world.instanceStatus(DEV.box)).toBe('Running');
  });

  it('a run on time pays nothing: no status read before its stops', async () => {
    await world.run({ at: AT_20_00, rules: without });
    expect(callsOf(await world.calls(), 'DescribeApplicationStatus')).toEqual([]);
  });
});

describe('which change order made after the stop edge is a start', () => {
  const EDGE = Date.parse(AT_20_00);
  /**
   * 20:00 stops; at 20:02 a person starts dev-api; FC retries the 20:00 event at 20:04. The run's
   * reading of the person's order is rewritten to another CoTypeCode or creation time, as SAE would
   * report an order of that kind: the sandbox makes only stops, starts and scalings.
   */
  async function retryReading(order: { typeCode?: string; createdAt?: number }) {
    await world.run({ at: AT_20_00, rules: without });
    await world.clockTo('2036-11-25T20:02:00+08:00');
    const manual = await world.byHandSae('StartApplication', DEV.api);
    await world.advance(60);
    await world.clearCalls();
    const wrap = (apis: CloudApis): CloudApis => ({
      ...apis,
      sae: {
        ...apis.sae,
        async describeChangeOrder(region, id) {
          const real = await apis.sae.describeChangeOrder(region, id);
          if (id !== manual) return real;
          const { typeCode: _t, createdAt: _c, ...rest } = real;
          return { ...rest, ...order };
        },
      },
    });
    const report = await world.run({ at: AT_20_00, rules: without, lateBy: 4 * 60_000, wrap });
    return { report, log: await world.calls() };
  }

  it.each([
    'CoStart',
    'CoStartApplication',
    'CoBatchStartApplication',
    'CoCreateApp',
    'CoRestartApplication',
    'CoRestartInstances',
    'CoDeploy',
    'CoRollback',
    'CoDeployHistroy',
  ])('%s: a start or restart, so the app is left running', async (typeCode) => {
    const { report, log } = await retryReading({ typeCode, createdAt: EDGE + 2 * 60_000 });

    expect(resultFor(report, 'dev-api')).toMatchObject({
      outcome: 'skipped',
      detail: `started (${typeCode}) after the stop edge; a run that sees the edge again leaves it running`,
    });
    expect(callsOf(log, 'StopApplication', DEV.api)).toEqual([]);
    expect(await world.appStatus(DEV.api)).toBe('RUNNING');
  });

  it.each([
    ['a scale-out after the edge', { typeCode: 'CoScaleOut', createdAt: EDGE + 2 * 60_000 }],
    ['a stop after the edge', { typeCode: 'CoStop', createdAt: EDGE + 2 * 60_000 }],
    ['an order of no known type after the edge', { createdAt: EDGE + 2 * 60_000 }],
    ['a start a millisecond before the edge', { typeCode: 'CoStart', createdAt: EDGE - 1 }],
    ['a start of no known time', { typeCode: 'CoStart' }],
  ])('%s is no start after the edge: the app is stopped again', async (_what, order) => {
    const { report, log } = await retryReading(order);

    expect(resultFor(report, 'dev-api').outcome).toBe('stopped');
    expect(executed(callsOf(log, 'StopApplication', DEV.api))).toHaveLength(1);
  });

  it('a start made at the edge itself counts as after it', async () => {
    const { report } = await retryReading({ typeCode: 'CoStart', createdAt: EDGE });

    expect(resultFor(report, 'dev-api').outcome).toBe('skipped');
  });
});

describe('a start edge seen again', () => {
  it("a caught-up start sends its starts without reading the apps' status or change orders first", async () => {
    await world.run({ at: AT_20_00, rules: withCatchUp });
    await world.clockTo('2036-11-26T08:10:00+08:00');
    await world.clearCalls();

    const report = await world.run({ at: '2036-11-26T08:10:00+08:00', rules: withCatchUp });

    expect(report.rules).toEqual([
      { name: 'dev-nights', action: 'start', reason: 'off-peak ended Wed 2036-11-26 08:00 +08:00 (caught up)' },
    ]);
    expect(outcomes(report)).toMatchObject({ 'sae:dev-api': 'started', 'sae:dev-web': 'started' });
    const log = await world.calls();
    expect(callsOf(log, ['DescribeApplicationStatus', 'DescribeChangeOrder'])).toEqual([]);
    expect(executed(callsOf(log, 'StartApplication')).map((c) => c.resourceIds)).toHaveLength(2);
  });
});

describe('a late manual stop', () => {
  it('has no edge to compare a start with: it sends its stops without reading status or change orders', async () => {
    await world.clockTo('2036-11-25T20:02:00+08:00');
    await world.clearCalls();

    const report = await world.run({ at: AT_20_00, rules: without, only: { action: 'stop' }, lateBy: 4 * 60_000 });

    expect(outcomes(report)).toMatchObject({ 'sae:dev-api': 'stopped', 'sae:dev-web': 'stopped' });
    expect(resultFor(report, 'dev-api').reason).toBe('manual stop: off-peak at Tue 2036-11-25 20:00 +08:00');
    const log = await world.calls();
    expect(callsOf(log, ['DescribeApplicationStatus', 'DescribeChangeOrder'])).toEqual([]);
    expect(executed(callsOf(log, 'StopApplication')).map((c) => c.resourceIds)).toEqual(expect.arrayContaining([[DEV.api], [DEV.web]]));
  });
});

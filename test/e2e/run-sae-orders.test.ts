import { afterEach, describe, expect, it } from 'vitest';
import type { CloudApis } from '../../lib/cloud/api.js';
import { saeCall, saeData } from './support/clients.js';
import {
  callsOf,
  DEV,
  DEV_APPS,
  DEV_SEED,
  devNights,
  executed,
  outcomes,
  resultFor,
  rulesFrom,
  seedOf,
  startWorld,
  type World,
} from './support/run.js';

/**
 * SAE change orders that do not succeed, and apps SAE cannot tell the state of: a stop whose order
 * fails, is terminated or fails on a system exception makes that app failed, with its order; an
 * order stuck with an error is reported after a few reads, not at the deadline; an app in status
 * UNKNOWN is skipped at once. The other apps of the run are stopped all the same.
 * The dev world of the stories, Tuesday 2036-11-25 20:00 in Shanghai: dev-api, dev-web and the dev box.
 */

const T = '2036-11-25T20:00:00+08:00';
const rules = rulesFrom(devNights());

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** The app's last change order, as SAE tells a person who looks. */
async function lastOrderOf(appId: string): Promise<unknown> {
  return saeData(await saeCall(world!.client, 'DescribeApplicationStatus', { AppId: appId })).LastChangeOrderId;
}

describe('a stop whose change order ends without success', () => {
  it.each([
    [3, 'ChangeOrderFailed', 'failed'],
    [6, 'ChangeOrderTerminated', 'was terminated'],
    [10, 'ChangeOrderSystemFailure', 'failed on a system exception'],
  ] as const)('Status %i: that app is failed (%s) with its order, the others are stopped, the run fails', async (status, code, words) => {
    world = await startWorld(DEV_SEED, { rateScale: 100 });
    await world.faults([
      {
        product: 'sae',
        action: 'StopApplication',
        resourceId: DEV.api,
        changeOrderStatus: status,
        message: 'instance did not stop',
        times: 1,
      },
    ]);

    const report = await world.run({ at: T, rules });

    expect(report.ok).toBe(false);
    expect(outcomes(report)).toEqual({
      'sae:dev-api': 'failed',
      'sae:dev-ci-runner': 'excluded',
      'sae:dev-web': 'stopped',
      'swas:dev-box': 'stopping',
    });
    const api = resultFor(report, 'dev-api');
    const order = await lastOrderOf(DEV.api);
    expect(api).toMatchObject({ code, changeOrderId: order });
    expect(api.detail).toBe(
      `change order ${String(order)} ${words} (Status ${status}): instance did not stop; the app stays where it was; ` +
        "see it in the SAE console, among the app's change orders",
    );
    expect(await world.appStatus(DEV.api)).toBe('RUNNING');
    expect(await world.appStatus(DEV.web)).toBe('STOPPED');
    // The failed order was read, not waited out; the stop was not sent again.
    const log = await world.calls();
    expect(executed(callsOf(log, 'StopApplication', DEV.api))).toHaveLength(1);
    expect(callsOf(log, 'DescribeChangeOrder', String(order)).length).toBeGreaterThanOrEqual(1);
  });

  it('batch mode: the failed batch order makes each of its apps failed with that order', async () => {
    world = await startWorld(DEV_SEED, { rateScale: 100 });
    await world.faults([{ product: 'sae', action: 'BatchStopApplications', changeOrderStatus: 3, times: 1 }]);

    const report = await world.run({ at: T, rules, saeBatch: true });

    expect(report.ok).toBe(false);
    expect(outcomes(report)).toMatchObject({ 'sae:dev-api': 'failed', 'sae:dev-web': 'failed' });
    const order = await lastOrderOf(DEV.api);
    for (const name of ['dev-api', 'dev-web']) {
      expect(resultFor(report, name)).toMatchObject({ code: 'ChangeOrderFailed', changeOrderId: order });
      expect(resultFor(report, name).detail).toMatch(/\(Status 3\): The change order failed/);
    }
    expect(await world.appStatus(DEV.web)).toBe('RUNNING');
  });
});

describe('a stop whose change order is stuck', () => {
  it('is reported failed with its order after a few reads, well before the deadline; the other app is stopped', async () => {
    world = await startWorld(DEV_SEED, { rateScale: 100 });
    await world.faults([{ product: 'sae', action: 'StopApplication', resourceId: DEV.api, stuck: true, times: 1 }]);
    const started = Date.now();

    const report = await world.run({ at: T, rules, deadlineMs: 12_000 });

    // A generous bound, half the deadline: at rate scale 100 the reads take well under a second.
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(report.ok).toBe(false);
    expect(outcomes(report)).toEqual({
      'sae:dev-api': 'failed',
      'sae:dev-ci-runner': 'excluded',
      'sae:dev-web': 'stopped',
      'swas:dev-box': 'stopping',
    });
    const api = resultFor(report, 'dev-api');
    const order = String(await lastOrderOf(DEV.api));
    expect(api).toMatchObject({ code: 'ChangeOrderStuck', changeOrderId: order });
    expect(api.detail).toMatch(new RegExp(`^change order ${order} is stuck: still executing with an error \\(SubStatus 1\\)`));
    expect(await world.appStatus(DEV.api)).toBe('RUNNING');
    // A few reads of the stuck order, not a deadline's worth.
    const reads = callsOf(await world.calls(), 'DescribeChangeOrder', order);
    expect(reads.length).toBeGreaterThanOrEqual(2);
    expect(reads.length).toBeLessThanOrEqual(5);
  });

  it('a catch-up that meets the stuck order again reports it after a few reads of the app, and sends no stop', async () => {
    world = await startWorld(DEV_SEED, { rateScale: 100 });
    await world.faults([{ product: 'sae', action: 'StopApplication', resourceId: DEV.api, stuck: true, times: 1 }]);
    const withCatchUp = rulesFrom(devNights(['catchUp: 15m']));
    await world.run({ at: T, rules: withCatchUp });
    const order = String(await lastOrderOf(DEV.api));
    const before = (await world.calls()).length;

    const again = await world.run({ at: '2036-11-25T20:05:00+08:00', rules: withCatchUp, deadlineMs: 12_000 });

    expect(again.ok).toBe(false);
    expect(resultFor(again, 'dev-api')).toMatchObject({ outcome: 'failed', code: 'ChangeOrderStuck' });
    expect(resultFor(again, 'dev-api').detail).toMatch(new RegExp(`^change order ${order} is stuck`));
    const after = (await world.calls()).slice(before);
    expect(callsOf(after, 'StopApplication', DEV.api)).toEqual([]);
    // Three reads find it stuck, then the app is failed: the order will not end by itself.
    expect(callsOf(after, 'DescribeApplicationStatus', DEV.api)).toHaveLength(3);
  });
});

describe('an app in status UNKNOWN', () => {
  it('is skipped once, with why, and the run ends in seconds, not at the deadline; the other app is stopped', async () => {
    const apps = DEV_APPS.map((a) => (a.appId === DEV.api ? { ...a, status: 'UNKNOWN' as const } : a));
    world = await startWorld(seedOf({ apps, instances: [{ instanceId: DEV.box, instanceName: 'dev-box' }] }), { rateScale: 100 });
    const started = Date.now();

    const report = await world.run({ at: T, rules, deadlineMs: 12_000 });

    // A generous bound, half the deadline: waiting for UNKNOWN to pass would take all of it.
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(report.ok).toBe(true);
    expect(outcomes(report)).toEqual({
      'sae:dev-api': 'skipped',
      'sae:dev-ci-runner': 'excluded',
      'sae:dev-web': 'stopped',
      'swas:dev-box': 'stopping',
    });
    expect(resultFor(report, 'dev-api').detail).toBe(
      'SAE reports its status as UNKNOWN and refuses to change it: left alone; see the app in the SAE console',
    );
    // SAE refused the stop once; one read of the app's status said why; nothing was tried again.
    const log = await world.calls();
    expect(callsOf(log, 'StopApplication', DEV.api).map((c) => c.code)).toEqual(['Application.InvalidStatus']);
    expect(callsOf(log, 'DescribeApplicationStatus', DEV.api)).toHaveLength(1);
    expect(await world.appStatus(DEV.api)).toBe('UNKNOWN');
  });
});

describe('what a result records', () => {
  it("a stopped app's result carries its calls' request ids and a time within the run", async () => {
    world = await startWorld(DEV_SEED, { rateScale: 100 });

    const report = await world.run({ at: T, rules });

    const web = resultFor(report, 'dev-web');
    expect(web.outcome).toBe('stopped');
    expect(web.attempts).toBeGreaterThanOrEqual(1);
    expect(web.requestIds).toHaveLength(web.attempts!);
    expect(web.ms).toBeGreaterThanOrEqual(0);
    expect(web.ms).toBeLessThan(15_000);
  });
});

describe('an app that keeps refusing the stop as InvalidStatus while it reads RUNNING', () => {
  // Polls of 5 s: the second round's check has 1.25 s of margin either way, for the calls between.
  it.each([
    [11_250, 2, 'the deadline came while waiting for app-dev-api to accept stop'],
    [6_250, 1, 'not sent: the run kept its last moments to confirm the stops it had sent'],
  ])('with a deadline %i ms away, after %i refusals it is deferred: %s', async (deadlineMs, sends, detail) => {
    world = await startWorld(DEV_SEED, { rateScale: 100 });
    await world.faults([
      { product: 'sae', action: 'StopApplication', resourceId: DEV.api, code: 'Application.InvalidStatus', times: 1000 },
    ]);

    const report = await world.run({ at: T, rules, deadlineMs, pollMs: 5_000 });

    expect(resultFor(report, 'dev-api')).toMatchObject({ outcome: 'deferred', detail });
    const log = await world.calls();
    expect(callsOf(log, 'StopApplication', DEV.api).map((c) => c.code)).toEqual(Array(sends).fill('Application.InvalidStatus'));
    expect(await world.appStatus(DEV.api)).toBe('RUNNING');
  });
});

describe("a late run that meets a person's change order still running", () => {
  it('waits for it until the deadline, then defers the app, naming the order', async () => {
    world = await startWorld(seedOf({ apps: DEV_APPS, changeOrderSeconds: 6000 }), { rateScale: 100 });
    await world.clockTo('2036-11-25T20:02:00+08:00');
    const order = await world.byHandSae('StopApplication', DEV.api);
    await world.advance(10);

    const report = await world.run({ at: T, rules, lateBy: 4 * 60_000, deadlineMs: 3_000, align: false });

    expect(resultFor(report, 'dev-api')).toMatchObject({
      outcome: 'deferred',
      detail: `the deadline came while waiting for change order ${order} on ${DEV.api}`,
    });
    expect(callsOf(await world.calls(), 'StopApplication', DEV.api)).toHaveLength(1);
  });
});

/** The SAE calls of a run after its stops or starts were sent, in order, with each wait it told of. */
function confirmation(log: readonly { product: string; action: string }[]): string[] {
  const sae = log.filter((c) => c.product === 'sae').map((c) => c.action);
  const sent = sae.findLastIndex((a) => a === 'StopApplication' || a === 'StartApplication');
  return sae.slice(sent + 1);
}

describe('confirming change orders', () => {
  it('a plain stop: one listing confirms both apps, the wait names them, no change order is read', async () => {
    world = await startWorld(DEV_SEED, { rateScale: 100 });
    const waits: string[] = [];

    const report = await world.run({ at: T, rules, onProgress: (p) => void (p.waitingFor && waits.push(p.waitingFor)) });

    expect(outcomes(report)).toMatchObject({ 'sae:dev-api': 'stopped', 'sae:dev-web': 'stopped' });
    expect(waits.filter((w) => w.includes('SAE'))).toEqual(['confirming 2 SAE change orders in cn-hangzhou']);
    expect(confirmation(await world.calls())).toEqual(['ListApplications']);
  });

  it('the confirming listing asks for the waiting apps only: one call in a region of hundreds of apps', async () => {
    // 240 more apps in the region, in a namespace of their own: a listing of the whole region would
    // take three pages a round, and the calls would grow with the region rather than with the stops.
    const others = Array.from({ length: 240 }, (_, i) => ({
      appId: `app-other-${i}`,
      appName: `other-${i}`,
      namespaceId: 'cn-hangzhou:other',
    }));
    world = await startWorld(seedOf({ apps: [...DEV_APPS, ...others] }), { rateScale: 100 });

    const report = await world.run({ at: T, rules });

    expect(outcomes(report)).toMatchObject({ 'sae:dev-api': 'stopped', 'sae:dev-web': 'stopped' });
    expect(confirmation(await world.calls())).toEqual(['ListApplications']);
  });

  it('a stuck order is read from the third round on, every round, and fails its app at the third read', async () => {
    world = await startWorld(DEV_SEED, { rateScale: 100 });
    await world.faults([{ product: 'sae', action: 'StopApplication', resourceId: DEV.api, stuck: true, times: 1 }]);
    const waits: string[] = [];

    const report = await world.run({ at: T, rules, onProgress: (p) => void (p.waitingFor && waits.push(p.waitingFor)) });

    expect(outcomes(report)).toMatchObject({ 'sae:dev-api': 'failed', 'sae:dev-web': 'stopped' });
    const log = await world.calls();
    const order = String(await lastOrderOf(DEV.api));
    expect(resultFor(report, 'dev-api').detail).toBe(
      `change order ${order} is stuck: still executing with an error (SubStatus 1), waiting for a person to roll it back or abort it; ` +
        "see it in the SAE console, among the app's change orders",
    );
    expect(waits.filter((w) => w.includes('SAE'))).toEqual([
      'confirming 2 SAE change orders in cn-hangzhou',
      ...Array<string>(4).fill('confirming 1 SAE change order in cn-hangzhou'),
    ]);
    expect(confirmation(log)).toEqual([
      'ListApplications',
      'ListApplications',
      'ListApplications',
      'DescribeChangeOrder',
      'ListApplications',
      'DescribeChangeOrder',
      'ListApplications',
      'DescribeChangeOrder',
    ]);
  });

  it('a failed order is read once, in the third round', async () => {
    world = await startWorld(DEV_SEED, { rateScale: 100 });
    await world.faults([{ product: 'sae', action: 'StopApplication', resourceId: DEV.api, changeOrderStatus: 3, times: 1 }]);

    const report = await world.run({ at: T, rules });

    expect(resultFor(report, 'dev-api').code).toBe('ChangeOrderFailed');
    expect(confirmation(await world.calls())).toEqual(['ListApplications', 'ListApplications', 'ListApplications', 'DescribeChangeOrder']);
  });

  /** The listing keeps saying what it said first: SAE's listing lags its change orders. */
  const lagging = (apis: CloudApis): CloudApis => {
    const first = new Map<string, number>();
    return {
      ...apis,
      sae: {
        ...apis.sae,
        async listApplications(region, filter, unreadable) {
          const apps = await apis.sae.listApplications(region, filter, unreadable);
          for (const a of apps) if (!first.has(a.appId)) first.set(a.appId, a.runningInstances);
          return apps.map((a) => ({ ...a, runningInstances: first.get(a.appId)! }));
        },
      },
    };
  };

  it.each([
    ['stop', T, 'stopped'],
    ['start', '2036-11-26T08:00:00+08:00', 'started'],
  ])('a %s whose order succeeded while the listing lags: the order, read in the third round, says so', async (_action, at, outcome) => {
    world = await startWorld(DEV_SEED, { rateScale: 100 });
    if (outcome === 'started') await world.run({ at: T, rules });

    const report = await world.run({ at, rules, wrap: lagging });

    expect(outcomes(report)).toMatchObject({ 'sae:dev-api': outcome, 'sae:dev-web': outcome });
    const log = await world.calls();
    expect(resultFor(report, 'dev-api').changeOrderId).toBe(await lastOrderOf(DEV.api));
    expect(confirmation(log)).toEqual([
      'ListApplications',
      'ListApplications',
      'ListApplications',
      'DescribeChangeOrder',
      'DescribeChangeOrder',
    ]);
  });

  it('an order that ended in a status the report has no words for: its code and words name the status, and no message follows', async () => {
    world = await startWorld(DEV_SEED, { rateScale: 100 });
    const odd = (apis: CloudApis): CloudApis => ({
      ...apis,
      sae: {
        ...apis.sae,
        async describeChangeOrder(region, id) {
          const { errorMessage: _m, ...real } = await apis.sae.describeChangeOrder(region, id);
          return { ...real, status: 7, finished: true, succeeded: false };
        },
      },
    });

    const report = await world.run({ at: T, rules, wrap: (apis) => odd(lagging(apis)) });

    const order = String(await lastOrderOf(DEV.api));
    expect(resultFor(report, 'dev-api')).toMatchObject({
      outcome: 'failed',
      code: 'ChangeOrderStatus7',
      detail: `change order ${order} ended with status 7 (Status 7); the app stays where it was; see it in the SAE console, among the app's change orders`,
    });
  });
});

describe('confirming change orders, when the listing fails after the stops are sent', () => {
  it.each([
    ['stop', T, 'stopping'],
    ['start', '2036-11-26T08:00:00+08:00', 'starting'],
  ])('a %s: each app is %s, with why and its order', async (_action, at, outcome) => {
    world = await startWorld(DEV_SEED, { rateScale: 100 });
    if (outcome === 'starting') await world.run({ at: T, rules });
    await world.clockTo(at);
    // Once a stop or start is accepted, every listing is refused as an invalid request (not retried).
    const failing = [{ product: 'sae', action: 'ListApplications', code: 'InvalidParameter', message: 'listing refused', times: 1000 }];
    const breakListing = (apis: CloudApis): CloudApis => ({
      ...apis,
      sae: {
        ...apis.sae,
        async stop(region, id) {
          const order = await apis.sae.stop(region, id);
          await world!.faults(failing);
          return order;
        },
        async start(region, id) {
          const order = await apis.sae.start(region, id);
          await world!.faults(failing);
          return order;
        },
      },
    });

    const report = await world.run({ at, rules, wrap: breakListing });

    expect(outcomes(report)).toMatchObject({ 'sae:dev-api': outcome, 'sae:dev-web': outcome });
    for (const [name, id] of [
      ['dev-api', DEV.api],
      ['dev-web', DEV.web],
    ] as const)
      expect(resultFor(report, name)).toMatchObject({ detail: 'could not confirm: listing refused', changeOrderId: await lastOrderOf(id) });
  });
});

describe('a plain start', () => {
  it('is confirmed by one listing once every instance runs, with no change order read', async () => {
    world = await startWorld(DEV_SEED, { rateScale: 100 });
    await world.run({ at: T, rules });

    const report = await world.run({ at: '2036-11-26T08:00:00+08:00', rules });

    expect(outcomes(report)).toMatchObject({ 'sae:dev-api': 'started', 'sae:dev-web': 'started' });
    expect(confirmation(await world.calls())).toEqual(['ListApplications']);
  });
});

/** SAE's status of an app, without the id of its last change order. */
const withoutOrderId = (apis: CloudApis): CloudApis => ({
  ...apis,
  sae: {
    ...apis.sae,
    async describeStatus(region, id) {
      const { lastChangeOrderId: _id, ...status } = await apis.sae.describeStatus(region, id);
      return status;
    },
  },
});

describe('a status that names no change order', () => {
  it('a stuck order without an id is reported as such', async () => {
    world = await startWorld(DEV_SEED, { rateScale: 100 });
    await world.faults([{ product: 'sae', action: 'StopApplication', resourceId: DEV.api, stuck: true, times: 1 }]);
    const withCatchUp = rulesFrom(devNights(['catchUp: 15m']));
    await world.run({ at: T, rules: withCatchUp });

    const again = await world.run({ at: '2036-11-25T20:05:00+08:00', rules: withCatchUp, wrap: withoutOrderId });

    expect(resultFor(again, 'dev-api')).toMatchObject({ outcome: 'failed', code: 'ChangeOrderStuck' });
    expect(resultFor(again, 'dev-api').detail).toMatch(/^change order \(no id\) is stuck: /);
  });

  it("a person's order still running, without an id: the deferred app's detail names none", async () => {
    world = await startWorld(seedOf({ apps: DEV_APPS, changeOrderSeconds: 6000 }), { rateScale: 100 });
    await world.clockTo('2036-11-25T20:02:00+08:00');
    await world.byHandSae('StopApplication', DEV.api);
    await world.advance(10);

    const report = await world.run({ at: T, rules, lateBy: 4 * 60_000, deadlineMs: 3_000, align: false, wrap: withoutOrderId });

    expect(resultFor(report, 'dev-api')).toMatchObject({
      outcome: 'deferred',
      detail: `the deadline came while waiting for change order  on ${DEV.api}`,
    });
  });
});

describe('an order seen stuck that recovers', () => {
  it('is read every round while stuck, then only every third round again, until it ends', async () => {
    world = await startWorld(DEV_SEED, { rateScale: 100 });
    // dev-api's listing lags; its order reads stuck once, then executing, then as it is (succeeded).
    let reads = 0;
    const script = (apis: CloudApis): CloudApis => ({
      ...apis,
      sae: {
        ...apis.sae,
        async listApplications(region, filter, unreadable) {
          const apps = await apis.sae.listApplications(region, filter, unreadable);
          return apps.map((a) => (a.appId === DEV.api ? { ...a, runningInstances: 2 } : a));
        },
        async describeChangeOrder(region, id) {
          const real = await apis.sae.describeChangeOrder(region, id);
          reads += 1;
          if (reads === 1) return { ...real, status: 1, finished: false, succeeded: false, stuck: true };
          if (reads === 2) return { ...real, status: 1, finished: false, succeeded: false, stuck: false };
          return real;
        },
      },
    });

    const report = await world.run({ at: T, rules, wrap: script });

    expect(outcomes(report)).toMatchObject({ 'sae:dev-api': 'stopped', 'sae:dev-web': 'stopped' });
    // Rounds 1-2 list; 3 reads it stuck; 4 reads it recovered; 5 only lists; 6 reads it ended.
    expect(confirmation(await world.calls())).toEqual([
      'ListApplications',
      'ListApplications',
      'ListApplications',
      'DescribeChangeOrder',
      'ListApplications',
      'DescribeChangeOrder',
      'ListApplications',
      'ListApplications',
      'DescribeChangeOrder',
    ]);
  });
});

describe('an app missing from the confirming listing', () => {
  it('is not taken for there: its order, read in the third round, settles it', async () => {
    world = await startWorld(DEV_SEED, { rateScale: 100 });
    let listings = 0;
    const dropping = (apis: CloudApis): CloudApis => ({
      ...apis,
      sae: {
        ...apis.sae,
        async listApplications(region, filter, unreadable) {
          const apps = await apis.sae.listApplications(region, filter, unreadable);
          listings += 1;
          return listings === 1 ? apps : apps.filter((a) => a.appId !== DEV.api);
        },
      },
    });

    const report = await world.run({ at: T, rules, wrap: dropping });

    expect(outcomes(report)).toMatchObject({ 'sae:dev-api': 'stopped', 'sae:dev-web': 'stopped' });
    expect(resultFor(report, 'dev-api').detail).toBeUndefined();
    expect(confirmation(await world.calls())).toEqual(['ListApplications', 'ListApplications', 'ListApplications', 'DescribeChangeOrder']);
  });
});

describe('a start confirmed by the listing', () => {
  it('an app with one of its two instances up is not started yet: the next listing, with both, confirms it', async () => {
    world = await startWorld(DEV_SEED, { rateScale: 100 });
    await world.run({ at: T, rules });
    let confirming = 0;
    const halfUp = (apis: CloudApis): CloudApis => ({
      ...apis,
      sae: {
        ...apis.sae,
        async listApplications(region, filter, unreadable) {
          const apps = await apis.sae.listApplications(region, filter, unreadable);
          if (filter.appIds === undefined) return apps;
          confirming += 1;
          return confirming === 1 ? apps.map((a) => ({ ...a, runningInstances: 1 })) : apps;
        },
      },
    });

    const report = await world.run({ at: '2036-11-26T08:00:00+08:00', rules, wrap: halfUp });

    expect(outcomes(report)).toMatchObject({ 'sae:dev-api': 'started', 'sae:dev-web': 'started' });
    expect(confirmation(await world.calls())).toEqual(['ListApplications', 'ListApplications']);
  });
});

describe('an app a person started first', () => {
  it('between the listing and the start: SAE refuses the start, the status says RUNNING, the app is already running', async () => {
    world = await startWorld(DEV_SEED, { rateScale: 100 });
    await world.run({ at: T, rules });
    let done = false;
    const personFirst = (apis: CloudApis): CloudApis => ({
      ...apis,
      sae: {
        ...apis.sae,
        async start(region, id) {
          if (id === DEV.api && !done) {
            done = true;
            await world!.byHandSae('StartApplication', DEV.api);
            await world!.advance(60);
          }
          return apis.sae.start(region, id);
        },
      },
    });

    const report = await world.run({ at: '2036-11-26T08:00:00+08:00', rules, wrap: personFirst });

    expect(outcomes(report)).toMatchObject({ 'sae:dev-api': 'already-running', 'sae:dev-web': 'started' });
    expect(resultFor(report, 'dev-api')).not.toHaveProperty('changeOrderId');
  });
});

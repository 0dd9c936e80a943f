import { afterEach, describe, expect, it } from 'vitest';
import {
  callsOf,
  DEV,
  DEV_SEED,
  devNights,
  executed,
  outcomes,
  resultFor,
  rulesFrom,
  seedOf,
  startWorld,
  type SeedApp,
  type World,
} from './support/run.js';

/**
 * A night when the cloud misbehaves: busy apps, an upgrade, throttling, 500s, a dropped connection
 * and a gateway's HTML page are all retried to success; a refused permission fails its product and
 * region once and lets the other product act; a deadline defers what it cannot finish.
 */

const T = '2036-11-25T20:00:00+08:00';
const rules = rulesFrom(devNights());

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** One dev app per fault, named after it. */
const FAULTY = ['busy', 'upgrading', 'throttled', 'internal', 'dropped', 'html', 'numeric'] as const;
const appId = (name: string) => `app-${name}`;
const faultyApps: SeedApp[] = FAULTY.map((name) => ({
  appId: appId(name),
  appName: `dev-${name}`,
  namespaceId: 'cn-hangzhou:dev',
  tags: { env: 'dev' },
}));
const BOX_2 = 'ace0706b2ac4454d984295a94213cccc';

describe('faults are survived', () => {
  it('every SAE fault kind on StopApplication, and SWAS InternalError and a dropped answer: all end stopped, each stop executed once', async () => {
    world = await startWorld(
      seedOf({
        apps: faultyApps,
        instances: [
          { instanceId: DEV.box, instanceName: 'dev-box' },
          { instanceId: BOX_2, instanceName: 'dev-box-2' },
        ],
      }),
      { rateScale: 100 },
    );
    const stop = { product: 'sae', action: 'StopApplication' } as const;
    await world.faults([
      { ...stop, resourceId: appId('busy'), code: 'Application.ChangerOrderRunning', times: 3 },
      { ...stop, resourceId: appId('upgrading'), code: 'System.Upgrading', times: 1 },
      { ...stop, resourceId: appId('throttled'), code: 'Throttling.User', times: 1 },
      { ...stop, resourceId: appId('internal'), code: 'InternalError', httpStatus: 500, times: 1 },
      { ...stop, resourceId: appId('dropped'), drop: true, times: 1 },
      { ...stop, resourceId: appId('html'), html: true, times: 1 },
      { ...stop, resourceId: appId('numeric'), code: 'Application.ChangerOrderRunning', numericCode: true, times: 2 },
      { product: 'swas', action: 'ListInstances', code: 'InternalError', times: 1 },
      // The stop happens, then the connection drops before the answer: the retry must not act again.
      { product: 'swas', action: 'StopInstances', drop: true, afterExecute: true, times: 1 },
    ]);
    const yaml = devNights().replace(`instanceIds: [${DEV.box}]`, `instanceIds: [${DEV.box}, ${BOX_2}]`);

    const report = await world.run({ at: T, rules: rulesFrom(yaml) });

    expect(report.unresolved).toEqual([]);
    expect(outcomes(report)).toEqual({
      ...Object.fromEntries(FAULTY.map((name) => [`sae:dev-${name}`, 'stopped'])),
      'swas:dev-box': 'stopping',
      'swas:dev-box-2': 'stopping',
    });
    expect(report.ok).toBe(true);
    const state = await world.state();
    expect(state.sae.apps.map((a) => a.status)).toEqual(FAULTY.map(() => 'STOPPED'));

    const log = await world.calls();
    const codes = (id: string) => callsOf(log, 'StopApplication', id).map((c) => c.code);
    expect(codes(appId('busy'))).toEqual([
      'Application.ChangerOrderRunning',
      'Application.ChangerOrderRunning',
      'Application.ChangerOrderRunning',
      null,
    ]);
    expect(codes(appId('upgrading'))).toEqual(['System.Upgrading', null]);
    expect(codes(appId('throttled'))).toEqual(['Throttling.User', null]);
    expect(codes(appId('internal'))).toEqual(['InternalError', null]);
    expect(codes(appId('dropped'))).toEqual(['ConnectionDropped', null]);
    expect(codes(appId('html'))).toEqual(['BadGateway', null]);
    expect(codes(appId('numeric'))).toEqual(['Application.ChangerOrderRunning', 'Application.ChangerOrderRunning', null]);
    for (const name of FAULTY) expect(executed(callsOf(log, 'StopApplication', appId(name)))).toHaveLength(1);
    // The retries show in the report too: its requests count the four stops.
    expect(resultFor(report, 'dev-busy').attempts).toBe(4);

    expect(callsOf(log, 'ListInstances').map((c) => c.code)).toEqual(['InternalError', null]);
    const stops = callsOf(log, 'StopInstances');
    expect(stops.map((c) => [c.code, c.executed])).toEqual([
      ['ConnectionDropped', true],
      [null, false],
    ]);
    expect(stops[0]!.clientToken).toBe(stops[1]!.clientToken);
    expect(stops[0]!.resourceIds.sort()).toEqual([DEV.box, BOX_2].sort());
    for (const id of [DEV.box, BOX_2]) expect(['Stopping', 'Stopped']).toContain(await world.instanceStatus(id));
  });
});

describe('permission refused', () => {
  it('SAE refuses every action with Forbidden.RAM: reported once for SAE in cn-hangzhou, not retried; SWAS still acts; the run fails', async () => {
    world = await startWorld(DEV_SEED, { rateScale: 100 });
    await world.faults([{ product: 'sae', action: '*', code: 'Forbidden.RAM', httpStatus: 403 }]);

    const report = await world.run({ at: T, rules });

    expect(report.ok).toBe(false);
    expect(report.unresolved).toEqual([
      { product: 'sae', region: 'cn-hangzhou', code: 'Forbidden.RAM', message: expect.any(String) as unknown },
    ]);
    expect(report.results.filter((r) => r.product === 'sae')).toEqual([]);
    expect(outcomes(report)).toEqual({ 'swas:dev-box': 'stopping' });

    const log = await world.calls();
    const sae = log.filter((c) => c.product === 'sae');
    expect(sae.map((c) => `${c.action} ${c.code}`)).toEqual(['ListApplications Forbidden.RAM']);
    expect(executed(log).map((c) => c.action)).toEqual(['StopInstances']);
    expect(await world.appStatus(DEV.api)).toBe('RUNNING');
  });

  it('SAE lists but refuses StopApplication: every app fails with Forbidden.RAM, and after the first refusal no more stops are tried', async () => {
    const apps: SeedApp[] = Array.from({ length: 12 }, (_, i) => ({
      appId: `app-${i}`,
      appName: `dev-${String(i).padStart(2, '0')}`,
      namespaceId: 'cn-hangzhou:dev',
      tags: { env: 'dev' },
    }));
    world = await startWorld(seedOf({ apps, instances: [{ instanceId: DEV.box, instanceName: 'dev-box' }] }), { rateScale: 100 });
    await world.faults([{ product: 'sae', action: 'StopApplication', code: 'Forbidden.RAM', httpStatus: 403 }]);

    const report = await world.run({ at: T, rules });

    expect(report.ok).toBe(false);
    expect(report.unresolved).toEqual([]);
    const sae = report.results.filter((r) => r.product === 'sae');
    expect(sae).toHaveLength(12);
    expect(sae.every((r) => r.outcome === 'failed' && r.code === 'Forbidden.RAM')).toBe(true);
    expect(outcomes(report)['swas:dev-box']).toBe('stopping');

    // "A permission error stops that product and region for the run": the refusal is learnt once;
    // only calls already in flight (at most 4) may meet it too.
    const refused = callsOf(await world.calls(), 'StopApplication');
    expect(refused.every((c) => c.code === 'Forbidden.RAM')).toBe(true);
    expect(refused.length).toBeLessThanOrEqual(4);
  });
});

describe('the deadline', () => {
  it('stops sent but not yet confirmed when time is up are reported stopping, with their change orders; the run does not fail for them', async () => {
    world = await startWorld(seedOf({ apps: faultyApps.slice(0, 3), changeOrderSeconds: 600 }), { rateScale: 1 });
    const started = Date.now();

    const report = await world.run({ at: T, rules, deadlineMs: 2_000, pollMs: 300 });

    expect(Date.now() - started).toBeLessThan(5_000);
    expect(report.results.map((r) => r.outcome)).toEqual(['stopping', 'stopping', 'stopping']);
    for (const r of report.results) {
      expect(r.changeOrderId).toMatch(/^[0-9a-f-]{36}$/);
      expect(r.detail).toMatch(/time was up/);
    }
    expect(report.ok).toBe(true);
    expect(executed(await world.calls()).map((c) => c.action)).toEqual(['StopApplication', 'StopApplication', 'StopApplication']);
  });

  it('stops the rate limits could not fit before the deadline are deferred, and the run fails so FC retries it', async () => {
    // 70 apps, SAE's 60 a minute at rate scale 1: the first 54 (90% of 60) go at once, the rest would wait a minute.
    const many = Array.from({ length: 70 }, (_, i) => ({
      appId: `app-many-${String(i).padStart(2, '0')}`,
      appName: `dev-many-${String(i).padStart(2, '0')}`,
      namespaceId: 'cn-hangzhou:dev',
      tags: { env: 'dev' },
    }));
    world = await startWorld(seedOf({ apps: many, changeOrderSeconds: 1 }), { rateScale: 1 });

    const report = await world.run({ at: T, rules, deadlineMs: 3_000, pollMs: 300 });

    expect(report.ok).toBe(false);
    const sent = report.results.filter((r) => r.changeOrderId !== undefined);
    const deferred = report.results.filter((r) => r.outcome === 'deferred');
    expect(sent.length + deferred.length).toBe(70);
    expect(deferred.length).toBeGreaterThan(0);
    expect(sent.length).toBeGreaterThan(40);
    for (const r of deferred) expect(r.changeOrderId).toBeUndefined();
    // Nothing deferred was stopped; everything reported stopped is.
    const state = await world.state();
    const status = new Map(state.sae.apps.map((a) => [a.appName, a.status]));
    for (const r of deferred) expect(status.get(r.name)).toBe('RUNNING');
    for (const r of report.results.filter((x) => x.outcome === 'stopped')) expect(status.get(r.name)).toBe('STOPPED');
    expect(executed(await world.calls())).toHaveLength(sent.length);
  });
});

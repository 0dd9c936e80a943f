import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  callsOf,
  DEV,
  DEV_APPS,
  DEV_INSTANCES,
  DEV_SEED,
  devNights,
  executed,
  MUTATING,
  outcomes,
  resultFor,
  tokenOf,
  rulesFrom,
  seedOf,
  startWorld,
  type World,
} from './support/run.js';

/**
 * The 20:00 tick of a Tuesday, over real HTTP against the sandbox: dev-nights stops the dev apps
 * (following each change order to its end) and the dev box, leaves the excluded app and prod
 * alone, and does each thing exactly once, even when Function Compute delivers the event twice.
 */

const T = '2036-11-25T20:00:00+08:00'; // a Tuesday
const rules = rulesFrom(devNights());

let world: World;
beforeEach(async () => {
  world = await startWorld(DEV_SEED, { rateScale: 100 });
});
afterEach(() => world.close());

describe('the 20:00 tick (Tue 2036-11-25, dev-nights)', () => {
  it('stops each matched SAE app to the end of its change order and the SWAS box, and touches nothing else', async () => {
    const report = await world.run({ at: T, rules });

    expect(report.ok).toBe(true);
    expect(report.at).toBe('2036-11-25T12:00:00.000Z');
    expect(report.rules).toEqual([{ name: 'dev-nights', action: 'stop', reason: 'off-peak began Tue 2036-11-25 20:00 +08:00' }]);
    expect(outcomes(report)).toEqual({
      'sae:dev-api': 'stopped',
      'sae:dev-ci-runner': 'excluded',
      'sae:dev-web': 'stopped',
      'swas:dev-box': 'stopping',
    });
    expect(resultFor(report, 'dev-ci-runner').reason).toBe('excluded by tag offpeak=never');
    expect(resultFor(report, 'dev-api').changeOrderId).toMatch(/^[0-9a-f-]{36}$/);
    expect(tokenOf(report, 'dev-box')).toMatch(/^offpeak-stop-[0-9a-f]{40}$/);
    expect(report.counts).toMatchObject({ stopped: 2, stopping: 1, excluded: 1, failed: 0, deferred: 0 });

    // "stopped" means stopped: the change orders had ended when the run reported.
    const state = await world.state();
    const apps = Object.fromEntries(state.sae.apps.map((a) => [a.appId, [a.status, a.runningInstances]]));
    expect(apps).toEqual({ [DEV.api]: ['STOPPED', 0], [DEV.web]: ['STOPPED', 0], [DEV.ci]: ['RUNNING', 2], [DEV.prod]: ['RUNNING', 4] });
    expect(['Stopping', 'Stopped']).toContain(await world.instanceStatus(DEV.box));
    expect(await world.instanceStatus(DEV.prodBox)).toBe('Running');

    const log = await world.calls();
    expect(
      callsOf(log, 'StopApplication')
        .map((c) => c.resourceIds)
        .sort(),
    ).toEqual([[DEV.api], [DEV.web]]);
    expect(callsOf(log, 'StopApplication').every((c) => c.executed && c.code === null)).toBe(true);
    const stopInstances = callsOf(log, 'StopInstances');
    expect(stopInstances).toHaveLength(1);
    expect(stopInstances[0]).toMatchObject({
      resourceIds: [DEV.box],
      executed: true,
      code: null,
      clientToken: tokenOf(report, 'dev-box'),
    });
    expect(
      executed(log)
        .map((c) => c.action)
        .sort(),
    ).toEqual(['StopApplication', 'StopApplication', 'StopInstances']);
    // Nothing ever named the excluded app or prod in a mutating call.
    for (const id of [DEV.ci, DEV.prod, DEV.prodBox]) expect(callsOf(log, MUTATING, id)).toEqual([]);
  });

  it('FC delivers the same timer event again after the box has stopped: the second run for the same T executes nothing', async () => {
    const first = await world.run({ at: T, rules });
    expect(first.ok).toBe(true);
    // Past the change orders and the box's transition.
    await world.advance(60);
    const before = await world.calls();

    const second = await world.run({ at: T, rules });
    expect(second.ok).toBe(true);
    expect(outcomes(second)).toEqual({
      'sae:dev-api': 'already-stopped',
      'sae:dev-ci-runner': 'excluded',
      'sae:dev-web': 'already-stopped',
      'swas:dev-box': 'already-stopped',
    });

    const after = (await world.calls()).slice(before.length);
    expect(executed(after)).toEqual([]);
    expect(callsOf(after, MUTATING)).toEqual([]);
    expect(await world.appStatus(DEV.api)).toBe('STOPPED');
    expect(await world.appStatus(DEV.ci)).toBe('RUNNING');
  });

  it('FC delivers the same timer event again while the box is still stopping: it is reported stopping, and nothing is sent again', async () => {
    // The box takes ten minutes to stop (6 s at this scale): a loaded machine still reads it Stopping.
    await world.close();
    world = await startWorld(seedOf({ apps: DEV_APPS, instances: DEV_INSTANCES, transitionSeconds: 600 }), { rateScale: 100 });
    const first = await world.run({ at: T, rules });
    expect(first.ok).toBe(true);
    expect(await world.instanceStatus(DEV.box)).toBe('Stopping');
    const before = await world.calls();

    const second = await world.run({ at: T, rules });
    expect(second.ok).toBe(true);
    expect(outcomes(second)).toEqual({
      'sae:dev-api': 'already-stopped',
      'sae:dev-ci-runner': 'excluded',
      'sae:dev-web': 'already-stopped',
      'swas:dev-box': 'stopping',
    });

    const after = (await world.calls()).slice(before.length);
    expect(executed(after)).toEqual([]);
    expect(callsOf(after, MUTATING)).toEqual([]);
    expect(await world.instanceStatus(DEV.box)).toBe('Stopping');
  });

  it('FC delivers it twice at once: two concurrent runs still stop each app and the box exactly once', async () => {
    const [a, b] = await Promise.all([world.run({ at: T, rules }), world.run({ at: T, rules })]);
    expect(a.ok && b.ok).toBe(true);

    // Between them, each app is reported stopped once; the other run saw it already stopped.
    for (const name of ['dev-api', 'dev-web']) {
      const both = [resultFor(a, name), resultFor(b, name)].map((r) => r.outcome).sort();
      expect(both).toEqual(['already-stopped', 'stopped']);
    }
    // The box: one run sent its stop; the other saw it stopping, or sent the same token and SWAS
    // answered it without acting again.
    const boxes = [resultFor(a, 'dev-box'), resultFor(b, 'dev-box')];
    expect(boxes.map((r) => r.outcome)).toContain('stopping');
    for (const r of boxes) expect(['stopping', 'already-stopped']).toContain(r.outcome);
    const log = await world.calls();
    const tokens = new Set(callsOf(log, 'StopInstances').map((c) => c.clientToken));
    expect(tokens.size).toBe(1);
    expect(
      executed(log)
        .map((c) => `${c.action} ${c.resourceIds.join(',')}`)
        .sort(),
    ).toEqual([`StopApplication ${DEV.api}`, `StopApplication ${DEV.web}`, `StopInstances ${DEV.box}`]);
    expect(await world.appStatus(DEV.web)).toBe('STOPPED');
    expect(await world.appStatus(DEV.prod)).toBe('RUNNING');
  });
});

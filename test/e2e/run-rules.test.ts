import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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
 * How rules meet: two rules at odds over one app leave it alone; enforce undoes a manual start at
 * the next run; a manual event narrows a run to one rule and never goes beyond its schedule.
 * The week of Tue 2036-11-25, dev world (dev-api, dev-web, dev-ci-runner, prod-api, dev-box, prod-box).
 */

let world: World;
beforeEach(async () => {
  world = await startWorld(DEV_SEED, { rateScale: 100 });
});
afterEach(() => world.close());

describe('conflict', () => {
  it('dev-nights stops dev-web at 20:00 while late-builds starts it at 20:00: dev-web is left alone and reported, the rest goes on', async () => {
    const rules = rulesFrom(`${devNights()}  - name: late-builds
    stop: "0 23 * * *"
    start: "0 20 * * *"
    targets:
      sae: [{ region: cn-hangzhou, appId: ${DEV.web} }]
`);

    const report = await world.run({ at: '2036-11-25T20:00:00+08:00', rules });

    expect(report.rules).toEqual([
      { name: 'dev-nights', action: 'stop', reason: 'off-peak began Tue 2036-11-25 20:00 +08:00' },
      { name: 'late-builds', action: 'start', reason: 'off-peak ended Tue 2036-11-25 20:00 +08:00' },
    ]);
    expect(outcomes(report)).toEqual({
      'sae:dev-api': 'stopped',
      'sae:dev-ci-runner': 'excluded',
      'sae:dev-web': 'conflict',
      'swas:dev-box': 'stopping',
    });
    const web = resultFor(report, 'dev-web');
    expect(web.rules).toEqual(['dev-nights', 'late-builds']);
    expect(web.reason).toBe('conflict: dev-nights wants stop, late-builds wants start; left alone');
    expect(report.ok).toBe(true);
    expect(callsOf(await world.calls(), MUTATING, DEV.web)).toEqual([]);
    expect(await world.appStatus(DEV.web)).toBe('RUNNING');
    expect(await world.appStatus(DEV.api)).toBe('STOPPED');
  });
});

describe('enforce', () => {
  const rules = rulesFrom(`version: 1
timezone: Asia/Shanghai
rules:
  - name: office-hours
    onPeak: ["Mon-Fri 08:00-22:00"]
    enforce: true
    targets:
      sae: [{ region: cn-hangzhou, appId: ${DEV.api} }]
      swas: [{ region: cn-hangzhou, instanceIds: [${DEV.box}] }]
  - name: office-hours-lax
    onPeak: ["Mon-Fri 08:00-22:00"]
    targets:
      sae: [{ region: cn-hangzhou, appId: ${DEV.web} }]
`);

  it("22:00 stops; at 22:20 a person starts them again; the 22:30 run (no edge due) stops the enforced ones again and leaves the lax rule's app running", async () => {
    const night = await world.run({ at: '2036-11-25T22:00:00+08:00', rules });
    expect(outcomes(night)).toEqual({ 'sae:dev-api': 'stopped', 'sae:dev-web': 'stopped', 'swas:dev-box': 'stopping' });

    await world.clockTo('2036-11-25T22:20:00+08:00');
    await world.byHandSae('StartApplication', DEV.api);
    await world.byHandSae('StartApplication', DEV.web);
    await world.byHandSwas('StartInstance', DEV.box);
    await world.advance(60);
    await world.clearCalls();

    const later = await world.run({ at: '2036-11-25T22:30:00+08:00', rules });

    expect(later.ok).toBe(true);
    expect(later.rules).toEqual([
      { name: 'office-hours', action: 'stop', reason: 'enforce: off-peak at Tue 2036-11-25 22:30 +08:00' },
      { name: 'office-hours-lax', reason: 'off-peak, no edge due at Tue 2036-11-25 22:30 +08:00' },
    ]);
    expect(outcomes(later)).toEqual({ 'sae:dev-api': 'stopped', 'swas:dev-box': 'stopping' });
    expect(await world.appStatus(DEV.api)).toBe('STOPPED');
    expect(await world.appStatus(DEV.web)).toBe('RUNNING');
    expect(['Stopping', 'Stopped']).toContain(await world.instanceStatus(DEV.box));
    const log = await world.calls();
    expect(
      executed(log)
        .map((c) => `${c.action} ${c.resourceIds.join(',')}`)
        .sort(),
    ).toEqual([`StopApplication ${DEV.api}`, `StopInstances ${DEV.box}`]);
    // A new stop, not a replay of 22:00's: its token is the 22:30 run's own.
    expect(tokenOf(later, 'dev-box')).not.toBe(tokenOf(night, 'dev-box'));
  });

  it('the next enforce run finds everything down and does nothing', async () => {
    await world.run({ at: '2036-11-25T22:00:00+08:00', rules });
    await world.clockTo('2036-11-25T22:34:00+08:00');
    await world.clearCalls();
    const report = await world.run({ at: '2036-11-25T22:35:00+08:00', rules });
    expect(outcomes(report)).toEqual({ 'sae:dev-api': 'already-stopped', 'swas:dev-box': 'already-stopped' });
    expect(executed(await world.calls())).toEqual([]);
  });
});

describe('manual narrowing {rules: [dev-nights], action: stop}', () => {
  const rules = rulesFrom(`${devNights()}  - name: prod-nights
    offPeak: ["daily 19:00-07:00"]
    targets:
      sae: [{ region: cn-hangzhou, namespaceId: "cn-hangzhou:prod" }]
      swas: [{ region: cn-hangzhou, instanceIds: [${DEV.prodBox}] }]
`);
  const only = { rules: ['dev-nights'], action: 'stop' } as const;

  it("while off-peak (Tue 23:00, no edge due) stops only dev-nights' targets", async () => {
    const report = await world.run({ at: '2036-11-25T23:00:00+08:00', rules, only });

    expect(report.ok).toBe(true);
    expect(report.rules).toEqual([{ name: 'dev-nights', action: 'stop', reason: 'manual stop: off-peak at Tue 2036-11-25 23:00 +08:00' }]);
    expect(outcomes(report)).toEqual({
      'sae:dev-api': 'stopped',
      'sae:dev-ci-runner': 'excluded',
      'sae:dev-web': 'stopped',
      'swas:dev-box': 'stopping',
    });
    const log = await world.calls();
    expect(
      executed(log)
        .map((c) => c.resourceIds[0])
        .sort(),
    ).toEqual([DEV.box, DEV.api, DEV.web].sort());
    for (const id of [DEV.prod, DEV.prodBox, DEV.ci]) expect(callsOf(log, MUTATING, id)).toEqual([]);
    expect(await world.appStatus(DEV.prod)).toBe('RUNNING');
    expect(await world.instanceStatus(DEV.prodBox)).toBe('Running');
  });

  it('while on-peak (Tue 15:00) stops nothing, and the report says why', async () => {
    const report = await world.run({ at: '2036-11-25T15:00:00+08:00', rules, only });

    expect(report.ok).toBe(true);
    expect(report.rules).toEqual([
      {
        name: 'dev-nights',
        reason:
          'on-peak at Tue 2036-11-25 15:00 +08:00: a manual stop never goes beyond the schedule (pass "at" to act as of another instant)',
      },
    ]);
    expect(report.results).toEqual([]);
    expect(callsOf(await world.calls(), MUTATING)).toEqual([]);
    expect((await world.state()).sae.apps.every((a) => a.status === 'RUNNING')).toBe(true);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  callsOf,
  DEV,
  DEV_SEED,
  devNights,
  executed,
  outcomes,
  resultFor,
  tokenOf,
  rulesFrom,
  startWorld,
  type World,
} from './support/run.js';

/**
 * Restore: at 08:00 on a working day, dev-nights starts every target that is stopped, including
 * one a person stopped by hand before the night began (to keep it down, tag or exclude it).
 */

const rules = rulesFrom(devNights());

let world: World;
beforeEach(async () => {
  world = await startWorld(DEV_SEED, { rateScale: 100 });
});
afterEach(() => world.close());

describe('restore at 08:00 (Wed 2036-11-26)', () => {
  it('starts everything stopped, the app stopped by hand at 19:30 too, and reports started/starting', async () => {
    // 19:30 Tuesday: someone stops dev-web by hand. 20:00: the night begins.
    await world.clockTo('2036-11-25T19:30:00+08:00');
    await world.byHandSae('StopApplication', DEV.web);
    await world.advance(60);
    const night = await world.run({ at: '2036-11-25T20:00:00+08:00', rules });
    expect(outcomes(night)).toEqual({
      'sae:dev-api': 'stopped',
      'sae:dev-ci-runner': 'excluded',
      'sae:dev-web': 'already-stopped',
      'swas:dev-box': 'stopping',
    });
    await world.clearCalls();

    const morning = await world.run({ at: '2036-11-26T08:00:00+08:00', rules });

    expect(morning.ok).toBe(true);
    expect(morning.rules).toEqual([{ name: 'dev-nights', action: 'start', reason: 'off-peak ended Wed 2036-11-26 08:00 +08:00' }]);
    expect(outcomes(morning)).toEqual({
      'sae:dev-api': 'started',
      'sae:dev-ci-runner': 'excluded',
      'sae:dev-web': 'started',
      'swas:dev-box': 'starting',
    });
    expect(resultFor(morning, 'dev-web').changeOrderId).toBeDefined();
    expect(tokenOf(morning, 'dev-box')).toMatch(/^offpeak-start-/);

    const state = await world.state();
    const apps = Object.fromEntries(state.sae.apps.map((a) => [a.appId, [a.status, a.runningInstances]]));
    expect(apps).toEqual({ [DEV.api]: ['RUNNING', 2], [DEV.web]: ['RUNNING', 3], [DEV.ci]: ['RUNNING', 2], [DEV.prod]: ['RUNNING', 4] });
    expect(['Starting', 'Running']).toContain(await world.instanceStatus(DEV.box));

    const log = await world.calls();
    expect(
      executed(log)
        .map((c) => `${c.action} ${c.resourceIds.join(',')}`)
        .sort(),
    ).toEqual([`StartApplication ${DEV.api}`, `StartApplication ${DEV.web}`, `StartInstances ${DEV.box}`]);
    expect(callsOf(log, ['StopApplication', 'StopInstances'])).toEqual([]);
  });

  it('a Saturday 08:00 is no edge: the weekend keeps them down, and Monday 08:00 restores them', async () => {
    await world.run({ at: '2036-11-28T20:00:00+08:00', rules }); // Friday night
    await world.clearCalls();

    const saturday = await world.run({ at: '2036-11-29T08:00:00+08:00', rules });
    expect(saturday.rules).toEqual([{ name: 'dev-nights', reason: 'off-peak, no edge due at Sat 2036-11-29 08:00 +08:00' }]);
    expect(saturday.results).toEqual([]);
    expect(await world.calls()).toEqual([]);
    expect(await world.appStatus(DEV.api)).toBe('STOPPED');

    const monday = await world.run({ at: '2036-12-01T08:00:00+08:00', rules });
    expect(outcomes(monday)).toEqual({
      'sae:dev-api': 'started',
      'sae:dev-ci-runner': 'excluded',
      'sae:dev-web': 'started',
      'swas:dev-box': 'starting',
    });
    expect(await world.appStatus(DEV.api)).toBe('RUNNING');
  });
});

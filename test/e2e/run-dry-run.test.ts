import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callsOf, DEV, DEV_SEED, devNights, MUTATING, outcomes, rulesFrom, startWorld, type World } from './support/run.js';

/**
 * A dry run takes the same path as a real one and sends no mutating call: the calls log holds no
 * Stop* or Start* at all, and the report says what a real run would do.
 */

const rules = rulesFrom(devNights());

let world: World;
beforeEach(async () => {
  world = await startWorld(DEV_SEED, { rateScale: 100 });
});
afterEach(() => world.close());

describe('dry run', () => {
  it('at 20:00 it would stop the dev apps and the box; at 08:00 after a real night it would start them; nothing mutating is ever sent', async () => {
    const evening = await world.run({ at: '2036-11-25T20:00:00+08:00', rules, dryRun: true });
    expect(evening.dryRun).toBe(true);
    expect(evening.ok).toBe(true);
    expect(outcomes(evening)).toEqual({
      'sae:dev-api': 'would-stop',
      'sae:dev-ci-runner': 'excluded',
      'sae:dev-web': 'would-stop',
      'swas:dev-box': 'would-stop',
    });
    expect(callsOf(await world.calls(), MUTATING)).toEqual([]);
    const before = await world.state();
    expect(before.sae.apps.every((a) => a.status === 'RUNNING')).toBe(true);
    expect(before.swas.instances.every((i) => i.status === 'Running')).toBe(true);

    // A real night, then a dry morning.
    await world.run({ at: '2036-11-25T20:00:00+08:00', rules });
    await world.clearCalls();
    const morning = await world.run({ at: '2036-11-26T08:00:00+08:00', rules, dryRun: true });
    expect(outcomes(morning)).toEqual({
      'sae:dev-api': 'would-start',
      'sae:dev-ci-runner': 'excluded',
      'sae:dev-web': 'would-start',
      'swas:dev-box': 'would-start',
    });
    const log = await world.calls();
    expect(log.length).toBeGreaterThan(0); // it did read
    expect(log.filter((c) => /^(Stop|Start|BatchStop|BatchStart)/.test(c.action))).toEqual([]);
    expect(log.some((c) => c.executed)).toBe(false);
    expect(await world.appStatus(DEV.api)).toBe('STOPPED');
    expect(await world.instanceStatus(DEV.box)).toBe('Stopped');
  });

  it('a dry run in batch mode sends no batch call either', async () => {
    const report = await world.run({ at: '2036-11-25T20:00:00+08:00', rules, dryRun: true, saeBatch: true });
    expect(outcomes(report)).toMatchObject({ 'sae:dev-api': 'would-stop', 'sae:dev-web': 'would-stop' });
    expect(callsOf(await world.calls(), MUTATING)).toEqual([]);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { reportLogLines, reportText } from '../../lib/report/run.js';
import { callsOf, DEV, DEV_APPS, DEV_INSTANCES, devNights, outcomes, rulesFrom, seedOf, startWorld, type World } from './support/run.js';

/**
 * A listing with one row the client cannot read (a field missing): only that resource is left
 * alone and reported as unreadable, with its id; the rest of the region is stopped as usual.
 */

const AT = '2036-11-25T20:00:00+08:00';
const rules = rulesFrom(devNights());

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('a malformed listing row', () => {
  it('SAE: the app without AppName is unreadable; its neighbours are stopped', async () => {
    const apps = DEV_APPS.map((a) => (a.appId === DEV.web ? { ...a, omit: ['AppName'] } : a));
    world = await startWorld(seedOf({ apps, instances: DEV_INSTANCES }));

    const report = await world.run({ at: AT, rules });

    expect(report.unreadable).toEqual([
      { product: 'sae', region: 'cn-hangzhou', id: DEV.web, problem: expect.stringContaining('AppName') as unknown },
    ]);
    expect(outcomes(report)).toEqual({ 'sae:dev-api': 'stopped', 'sae:dev-ci-runner': 'excluded', 'swas:dev-box': 'stopping' });
    expect(callsOf(await world.calls(), 'StopApplication', DEV.web)).toEqual([]);
    expect(await world.appStatus(DEV.web)).toBe('RUNNING');
    expect(reportText(report)).toContain(`UNREADABLE  SAE cn-hangzhou ${DEV.web}: the listing's row could not be read`);
    expect(reportText(report)).toMatch(/1 unreadable$/);
    expect(reportLogLines(report).some((l) => l.includes('"type":"unreadable"') && l.includes(DEV.web))).toBe(true);
  });

  it('SWAS: an instance without Status is unreadable; the listing goes on', async () => {
    const box2 = 'ace0706b2ac4454d984295a94213dddd';
    const instances = [...DEV_INSTANCES, { instanceId: box2, instanceName: 'dev-box-2', tags: { env: 'dev' }, omit: ['Status'] }];
    world = await startWorld(seedOf({ apps: DEV_APPS, instances }));

    // The rule names both boxes; the listing's row for the second cannot be read.
    const both = rulesFrom(devNights().replace(`instanceIds: [${DEV.box}]`, `instanceIds: [${DEV.box}, ${box2}]`));
    const report = await world.run({ at: AT, rules: both });

    expect(report.unreadable.map((u) => `${u.product} ${u.id}`)).toEqual([`swas ${box2}`]);
    // Reported once, as unreadable, not also as missing.
    expect(report.missing).toEqual([]);
    expect(outcomes(report)['swas:dev-box']).toBe('stopping');
    expect(await world.instanceStatus(box2)).toBe('Running');
  });
});

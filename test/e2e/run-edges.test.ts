import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler } from '../../functions/scheduler/index.js';
import { reportLogLines, reportText } from '../../lib/report/run.js';
import {
  callsOf,
  DEV,
  DEV_APPS,
  DEV_INSTANCES,
  DEV_SEED,
  devNights,
  outcomes,
  resultFor,
  rulesFrom,
  seedOf,
  startWorld,
  type World,
} from './support/run.js';

/**
 * The rest of the must-haves at the 20:00 tick: an explicit id the cloud does not know, an
 * instance that answers IncorrectInstanceStatus while it is Stopping, and no secret in any log line
 * or report, whatever happens.
 */

const T = '2036-11-25T20:00:00+08:00';

let world: World;
beforeEach(async () => {
  world = await startWorld(DEV_SEED, { rateScale: 100 });
});
afterEach(() => world.close());

describe('edges of the 20:00 tick', () => {
  it('an explicit id that does not exist is reported, and the others are still stopped', async () => {
    const yaml = devNights().replace(`instanceIds: [${DEV.box}]`, `instanceIds: [${DEV.box}, ace0706b2ac4454d984295a94213cccc]`);
    const report = await world.run({ at: T, rules: rulesFrom(yaml) });
    expect(report.missing).toEqual([
      { rule: 'dev-nights', product: 'swas', region: 'cn-hangzhou', id: 'ace0706b2ac4454d984295a94213cccc' },
    ]);
    expect(outcomes(report)).toMatchObject({ 'sae:dev-api': 'stopped', 'sae:dev-web': 'stopped', 'swas:dev-box': 'stopping' });
    expect(reportText(report)).toContain('not found   SWAS cn-hangzhou ace0706b2ac4454d984295a94213cccc (named by rule dev-nights)');
  });

  it('IncorrectInstanceStatus while the box is Stopping: read back, reported stopping, no second stop', async () => {
    // The stop goes through but its answer says IncorrectInstanceStatus, as when a stop arrives
    // while the box is already on its way down: offpeak reads it back and finds it Stopping. The
    // box takes a minute to stop (0.6 s at this scale), so a loaded machine still reads it Stopping.
    await world.close();
    world = await startWorld(seedOf({ apps: DEV_APPS, instances: DEV_INSTANCES, transitionSeconds: 60 }), { rateScale: 100 });
    await world.faults([
      { product: 'swas', action: 'StopInstances', code: 'IncorrectInstanceStatus', httpStatus: 403, times: 1, afterExecute: true },
    ]);
    const report = await world.run({ at: T, rules: rulesFrom(devNights()) });
    expect(resultFor(report, 'dev-box').outcome).toBe('stopping');
    expect(await world.instanceStatus(DEV.box)).toBe('Stopping');
    const log = await world.calls();
    expect(callsOf(log, 'StopInstances')).toHaveLength(1);
    expect(callsOf(log, 'StopInstances')[0]).toMatchObject({ code: 'IncorrectInstanceStatus', executed: true });
    // The listing that selected it, then the read-back.
    expect(callsOf(log, 'ListInstances')).toHaveLength(2);
  });

  it('no access key secret or security token appears in the report, its log lines or a failure message', async () => {
    const secrets = ['sts-secret', 'sts-token', 'sandbox-secret'];
    const report = await world.run({ at: T, rules: rulesFrom(devNights()) });
    const texts = [JSON.stringify(report), reportText(report), ...reportLogLines(report)];

    // The handler's own log lines and error, with a failure in the middle (a refused signature).
    const logs: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((line: unknown) => void logs.push(String(line)));
    const env = { ...process.env };
    Object.assign(process.env, { OFFPEAK_ENDPOINT: world.url, OFFPEAK_RATE_SCALE: '100', OFFPEAK_SCHEDULES: 'schedules' });
    try {
      await world.faults([
        {
          product: 'sae',
          action: '*',
          code: 'SignatureDoesNotMatch',
          httpStatus: 400,
          message: 'Specified signature is not matched with our calculation.',
        },
      ]);
      const context = {
        requestId: 'r',
        credentials: { accessKeyId: 'STS.sandbox', accessKeySecret: 'sts-secret', securityToken: 'sts-token' },
        function: { name: 'offpeak', timeout: 30 },
      };
      const failure = await handler(Buffer.from(JSON.stringify({ triggerTime: '2036-11-25T12:00:00Z' })), context).then(
        () => undefined,
        (error: unknown) => error as Error,
      );
      expect(failure?.name).toBe('OffpeakError');
      texts.push(failure!.message, String(failure!.stack));
    } finally {
      spy.mockRestore();
      process.env = env;
    }
    texts.push(...logs);
    expect(logs.length).toBeGreaterThan(1);
    for (const text of texts) for (const secret of secrets) expect(text).not.toContain(secret);
  });
});

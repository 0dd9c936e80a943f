import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEV,
  DEV_APPS,
  DEV_INSTANCES,
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
import { reset } from './support/clients.js';
import { WakeError } from '../../lib/wake.js';

/**
 * Self-service wake: at 21:00 someone wakes dev-api for 2 hours. It starts at once and carries
 * offpeak-snooze-until = 23:00; the ticks of 21:05 … 22:55 leave it running (with enforce too), and
 * the 23:00 tick, which sees the snooze end in (22:55, 23:00], stops it again and removes the tag.
 */

const HOUR = 3_600_000;
const plain = rulesFrom(devNights(['wake: 4h']));
const enforced = rulesFrom(devNights(['wake: 4h', 'enforce: true']));

let world: World;
beforeEach(async () => {
  world = await startWorld(DEV_SEED, { rateScale: 100 });
});
afterEach(() => world.close());

const api = async () => {
  const app = (await world.state()).sae.apps.find((a) => a.appId === DEV.api)!;
  return { status: app.status, snooze: app.tags['offpeak-snooze-until'] };
};

/** Every tick from `from` to `to` (inclusive), 5 minutes apart, as ISO instants in +08:00. */
function ticks(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(from); t <= Date.parse(to); t += 5 * 60_000)
    out.push(new Date(t + 8 * HOUR).toISOString().replace('Z', '+08:00').replace('.000', ''));
  return out;
}

describe.each([
  ['without enforce', plain],
  ['with enforce', enforced],
])('offpeak wake dev-api --for 2h at 21:00 (Tue 2036-11-25), %s', (_label, rules) => {
  it('starts it now, the 21:05 … 22:55 ticks leave it running, and the 23:00 tick stops it and removes the tag', async () => {
    await world.run({ at: '2036-11-25T20:00:00+08:00', rules });
    expect((await api()).status).toBe('STOPPED');

    const woken = await world.run({
      at: '2036-11-25T21:00:00+08:00',
      rules,
      wake: { targets: ['dev-api'], for: 2 * HOUR, reason: 'demo' },
    });
    expect(woken.ok).toBe(true);
    expect(outcomes(woken)).toEqual({ 'sae:dev-api': 'started' });
    expect(resultFor(woken, 'dev-api').reason).toBe('woken until Tue 2036-11-25 23:00 +08:00 (2h): demo');
    expect(woken.wake).toEqual({ until: '2036-11-25T15:00:00.000Z', for: 2 * HOUR, reason: 'demo' });
    expect(await api()).toEqual({ status: 'RUNNING', snooze: '2036-11-25T15:00:00.000Z' });

    const between = ticks('2036-11-25T21:05:00+08:00', '2036-11-25T22:55:00+08:00');
    expect(between).toHaveLength(23);
    await world.clearCalls();
    for (const at of between) {
      const report = await world.run({ at, rules });
      expect(report.ok).toBe(true);
      expect(report.results.filter((r) => r.name === 'dev-api' && r.outcome !== 'snoozed')).toEqual([]);
    }
    expect(executed(await world.calls())).toEqual([]);
    expect((await api()).status).toBe('RUNNING');

    const end = await world.run({ at: '2036-11-25T23:00:00+08:00', rules });
    expect(end.ok).toBe(true);
    expect(resultFor(end, 'dev-api').outcome).toBe('stopped');
    expect(resultFor(end, 'dev-api').detail).toContain('ended offpeak-snooze-until tag removed');
    expect(await api()).toEqual({ status: 'STOPPED', snooze: undefined });
    // Only the woken app was touched: the others stayed stopped all along.
    expect(executed(await world.calls()).map((c) => `${c.action} ${c.resourceIds.join(',')}`)).toEqual([
      `StopApplication ${DEV.api}`,
      `UntagResources ${DEV.api}`,
    ]);
  });
});

describe('announcing a wake', () => {
  it('a rule with channels announces the wake there, with the end in its zone and the reason', async () => {
    const announced = rulesFrom(
      devNights(['wake: 4h', 'notify: { channels: [ops] }']).replace(
        'rules:',
        'channels:\n  ops: { type: wecom, urlEnv: WECOM_URL }\nrules:',
      ),
    );
    await world.robots([{ type: 'wecom', token: 'k1' }]);
    const env = { WECOM_URL: `${world.url}/_hooks/wecom/cgi-bin/webhook/send?key=k1` };
    const report = await world.run({
      at: '2036-11-25T21:00:00+08:00',
      rules: announced,
      env,
      wake: { targets: ['dev-api'], for: HOUR, reason: 'demo' },
    });

    expect(report.notices?.map((n) => [n.kind, n.channel, n.ok])).toEqual([['wake', 'ops', true]]);
    const [message] = await world.messages();
    expect(message?.text).toContain('offpeak: dev-api woken until Tue 2036-11-25 22:00 +08:00 (1h): demo');
  });
});

describe('what a wake refuses', () => {
  it('a rule without wake, a name that matches nothing, and a wake longer than the rule allows, before any change', async () => {
    const none = rulesFrom(devNights());
    await expect(world.run({ at: '2036-11-25T21:00:00+08:00', rules: none, wake: { targets: ['dev-nights'], for: HOUR } })).rejects.toThrow(
      "rule 'dev-nights' does not let people wake its targets; add 'wake: 4h' (the longest wake) to the rule",
    );
    await expect(world.run({ at: '2036-11-25T21:00:00+08:00', rules: plain, wake: { targets: ['dev-apx'], for: HOUR } })).rejects.toThrow(
      WakeError,
    );
    await expect(
      world.run({ at: '2036-11-25T21:00:00+08:00', rules: plain, wake: { targets: ['dev-api'], for: 5 * HOUR } }),
    ).rejects.toThrow('--for 5h is longer than dev-api may be woken (rule dev-nights: wake 4h)');
    expect(executed(await world.calls())).toEqual([]);
  });

  it('a dry run says what it would do and tags nothing', async () => {
    await world.run({ at: '2036-11-25T20:00:00+08:00', rules: plain });
    await world.clearCalls();
    const report = await world.run({
      at: '2036-11-25T21:00:00+08:00',
      rules: plain,
      dryRun: true,
      wake: { targets: ['dev-nights'], for: HOUR },
    });
    expect(outcomes(report)).toEqual({ 'sae:dev-api': 'would-start', 'sae:dev-web': 'would-start', 'swas:dev-box': 'would-start' });
    expect(executed(await world.calls())).toEqual([]);
  });
});

describe('the ended snooze tag', () => {
  /** The dev world with dev-api running and snoozed until `until` (ISO), a snooze that has ended by the run. */
  const snoozedUntil = (until: string) =>
    reset(
      world.url,
      seedOf({
        apps: DEV_APPS.map((a) => (a.appId === DEV.api ? { ...a, tags: { ...a.tags, 'offpeak-snooze-until': until } } : a)),
        instances: DEV_INSTANCES,
      }),
    );
  const untags = async () => executed(await world.calls()).filter((c) => c.action === 'UntagResources');

  it('is left on a resource of a rule without wake, which has no tag permissions', async () => {
    await snoozedUntil('2036-11-25T11:00:00.000Z');

    const report = await world.run({ at: '2036-11-25T20:00:00+08:00', rules: rulesFrom(devNights()) });

    expect(resultFor(report, 'dev-api').outcome).toBe('stopped');
    expect(resultFor(report, 'dev-api').detail).toBeUndefined();
    expect(await untags()).toEqual([]);
    expect(await api()).toEqual({ status: 'STOPPED', snooze: '2036-11-25T11:00:00.000Z' });
  });

  it('is removed when one of the rules acting on the resource lets people wake it', async () => {
    await snoozedUntil('2036-11-25T11:00:00.000Z');
    const both = rulesFrom(
      `${devNights(['wake: 4h'])}  - name: api-nights
    offPeak: ["daily 20:00-08:00"]
    targets:
      sae: [{ region: cn-hangzhou, appId: ${DEV.api} }]
`,
    );

    const report = await world.run({ at: '2036-11-25T20:00:00+08:00', rules: both });

    expect([resultFor(report, 'dev-api').rules, resultFor(report, 'dev-api').outcome]).toEqual([['dev-nights', 'api-nights'], 'stopped']);
    expect(resultFor(report, 'dev-api').detail).toContain('ended offpeak-snooze-until tag removed');
    expect((await untags()).map((c) => c.resourceIds)).toEqual([[DEV.api]]);
    expect(await api()).toEqual({ status: 'STOPPED', snooze: undefined });
  });

  it('a dry run says it would remove it, and removes nothing', async () => {
    await snoozedUntil('2036-11-25T14:00:00.000Z');

    const report = await world.run({ at: '2036-11-25T23:00:00+08:00', rules: plain, dryRun: true });

    expect(resultFor(report, 'dev-api').outcome).toBe('would-stop');
    expect(resultFor(report, 'dev-api').detail).toBe(
      'dry run: StopApplication not sent; dry run: the ended offpeak-snooze-until tag would be removed',
    );
    expect(await untags()).toEqual([]);
    expect(await api()).toEqual({ status: 'RUNNING', snooze: '2036-11-25T14:00:00.000Z' });
  });

  it('a removal the cloud refuses is said with its code, and left to the next run', async () => {
    await snoozedUntil('2036-11-25T14:00:00.000Z');
    await world.faults([{ product: 'sae', action: 'UntagResources', code: 'Forbidden.RAM', httpStatus: 403 }]);

    const report = await world.run({ at: '2036-11-25T23:00:00+08:00', rules: plain });

    expect(resultFor(report, 'dev-api').outcome).toBe('stopped');
    expect(resultFor(report, 'dev-api').detail).toBe(
      'ended offpeak-snooze-until tag not removed (Forbidden.RAM); the next run tries again',
    );
    expect(await api()).toEqual({ status: 'STOPPED', snooze: '2036-11-25T14:00:00.000Z' });
  });
});

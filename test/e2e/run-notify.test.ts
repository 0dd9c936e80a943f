import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEV, DEV_SEED, executed, outcomes, rulesFrom, startWorld, type World } from './support/run.js';

/**
 * Notices: a rule with `notify` posts to DingTalk and Lark robots (the sandbox's /_hooks/, which
 * check signatures and timestamps as the services do) 15 minutes before its stop edge, and after a
 * run that failed; a channel that fails or hangs costs at most its bound and never a stop.
 */

const SECRETS = { ding: 'SECdingtalk-secret-0123456789', lark: 'lark-secret-abc' };

function schedule(notify: string): string {
  return `version: 1
timezone: Asia/Shanghai
channels:
  ops: { type: dingtalk, urlEnv: DINGTALK_URL, secretEnv: DINGTALK_SECRET }
  team: { type: lark, urlEnv: LARK_URL, secretEnv: LARK_SECRET }
rules:
  - name: dev-nights
    offPeak: ["daily 20:00-08:00", "Sat-Sun"]
    restore: true
    wake: 4h
    notify: ${notify}
    targets:
      sae: [{ region: cn-hangzhou, namespaceId: "cn-hangzhou:dev", tags: { env: dev } }]
      swas: [{ region: cn-hangzhou, instanceIds: [${DEV.box}] }]
    exclude: { tags: { offpeak: never } }
`;
}

const rules = rulesFrom(schedule('{ channels: [ops, team], before: 15m, on: [before-stop, failure] }'));

let world: World;
let env: Record<string, string>;
beforeEach(async () => {
  world = await startWorld(DEV_SEED, { rateScale: 100 });
  await world.robots([
    { type: 'dingtalk', token: 'ding-token', secret: SECRETS.ding },
    { type: 'lark', token: 'lark-token', secret: SECRETS.lark },
  ]);
  env = {
    DINGTALK_URL: `${world.url}/_hooks/dingtalk/robot/send?access_token=ding-token`,
    DINGTALK_SECRET: SECRETS.ding,
    LARK_URL: `${world.url}/_hooks/lark/open-apis/bot/v2/hook/lark-token`,
    LARK_SECRET: SECRETS.lark,
  };
});
afterEach(() => world.close());

describe('before-stop notices (Tue 2036-11-25, stop edge at 20:00)', () => {
  it('the 19:45 tick posts one signed DingTalk message and one Lark message naming every resource due, and stops nothing', async () => {
    const report = await world.run({ at: '2036-11-25T19:45:00+08:00', rules, env });

    expect(report.ok).toBe(true);
    expect(report.results).toEqual([]);
    expect(executed(await world.calls())).toEqual([]);
    expect(report.notices?.map((n) => [n.kind, n.channel, n.channelType, n.ok, n.attempts])).toEqual([
      ['before-stop', 'ops', 'dingtalk', true, 1],
      ['before-stop', 'team', 'lark', true, 1],
    ]);
    const messages = await world.messages();
    expect(messages.map((m) => [m.type, m.accepted, m.code])).toEqual([
      ['dingtalk', true, 0],
      ['lark', true, 0],
    ]);
    for (const m of messages) {
      expect(m.text).toContain('rule dev-nights stops 3 resources at Tue 2036-11-25 20:00 +08:00 (in 15m)');
      expect(m.text).toContain('SAE cn-hangzhou dev-api');
      expect(m.text).toContain('SAE cn-hangzhou dev-web');
      expect(m.text).toContain('SWAS cn-hangzhou dev-box');
      // Excluded by tag: it will not stop, so it is not named.
      expect(m.text).not.toContain('dev-ci-runner');
      expect(m.text).toContain('offpeak wake dev-api --for 2h');
    }
    // DingTalk gets markdown; Lark a text message with its timestamp in seconds.
    expect((messages[0]!.body as { msgtype: string }).msgtype).toBe('markdown');
    expect((messages[1]!.body as { msg_type: string; timestamp: string }).msg_type).toBe('text');
  });

  it('the ticks around it post nothing, and the 20:00 tick stops without a second notice', async () => {
    const before = await world.run({ at: '2036-11-25T19:40:00+08:00', rules, env });
    const after = await world.run({ at: '2036-11-25T19:50:00+08:00', rules, env });
    const edge = await world.run({ at: '2036-11-25T20:00:00+08:00', rules, env });

    expect(before.notices).toBeUndefined();
    expect(after.notices).toBeUndefined();
    expect(edge.notices).toBeUndefined();
    expect(outcomes(edge)).toEqual({
      'sae:dev-api': 'stopped',
      'sae:dev-ci-runner': 'excluded',
      'sae:dev-web': 'stopped',
      'swas:dev-box': 'stopping',
    });
    expect(await world.messages()).toEqual([]);
  });

  it('simulated --at never reaches the signature: the robots check the timestamp against their own clock', async () => {
    // 2036 is years ahead of the robots' clock; a signature made with the run's instant would be refused (310000 / 19021).
    await world.run({ at: '2036-11-25T19:45:00+08:00', rules, env });
    const messages = await world.messages();
    expect(messages.every((m) => m.accepted)).toBe(true);
    const larkTimestamp = Number((messages[1]!.body as { timestamp: string }).timestamp) * 1000;
    expect(Math.abs(larkTimestamp - Date.now())).toBeLessThan(60_000);
  });

  it('a duplicate delivery of the 19:45 tick posts the notice again (documented), and of the 20:00 tick stops nothing twice', async () => {
    await world.run({ at: '2036-11-25T19:45:00+08:00', rules, env });
    await world.run({ at: '2036-11-25T19:45:00+08:00', rules, env, align: false });
    expect((await world.messages()).map((m) => m.type)).toEqual(['dingtalk', 'lark', 'dingtalk', 'lark']);

    await world.run({ at: '2036-11-25T20:00:00+08:00', rules, env });
    await world.advance(60);
    await world.clearCalls();
    const again = await world.run({ at: '2036-11-25T20:00:00+08:00', rules, env, align: false, lateBy: 120_000 });
    expect(outcomes(again)).toEqual({
      'sae:dev-api': 'already-stopped',
      'sae:dev-ci-runner': 'excluded',
      'sae:dev-web': 'already-stopped',
      'swas:dev-box': 'already-stopped',
    });
    expect(executed(await world.calls())).toEqual([]);
  });
});

describe('failure notices', () => {
  it('a run with a failed stop posts a failure message naming the app and the code', async () => {
    await world.faults([{ product: 'sae', action: 'StopApplication', resourceId: DEV.api, changeOrderStatus: 3, times: 1 }]);
    const report = await world.run({ at: '2036-11-25T20:00:00+08:00', rules, env });

    expect(report.ok).toBe(false);
    expect(outcomes(report)['sae:dev-api']).toBe('failed');
    expect(report.notices?.map((n) => [n.kind, n.channel, n.ok])).toEqual([
      ['failure', 'ops', true],
      ['failure', 'team', true],
    ]);
    const messages = await world.messages();
    expect(messages).toHaveLength(2);
    for (const m of messages) {
      expect(m.text).toContain('rule dev-nights FAILED in the run at Tue 2036-11-25 20:00 +08:00: 1 failed');
      expect(m.text).toContain('FAILED stop SAE cn-hangzhou dev-api: ChangeOrderFailed');
      expect(m.text).not.toContain('dev-web');
    }
  });

  it('a run that did all its work posts no failure message', async () => {
    const report = await world.run({ at: '2036-11-25T20:00:00+08:00', rules, env });
    expect(report.ok).toBe(true);
    expect(report.notices).toBeUndefined();
    expect(await world.messages()).toEqual([]);
  });
});

describe('channels that fail', () => {
  const summaryRules = rulesFrom(schedule('{ channels: [ops, team], on: [summary] }'));

  it('a robot answering 500 and one that hangs cost at most their bound; the stops are done and the run succeeds', async () => {
    await world.robots([
      { type: 'dingtalk', token: 'ding-token', secret: SECRETS.ding, status: 500 },
      { type: 'lark', token: 'lark-token', secret: SECRETS.lark, hangMs: 60_000 },
    ]);
    const started = Date.now();
    const report = await world.run({ at: '2036-11-25T20:00:00+08:00', rules: summaryRules, env, noticeTimeoutMs: 1000 });
    const took = Date.now() - started;

    expect(report.ok).toBe(true);
    expect(outcomes(report)).toEqual({
      'sae:dev-api': 'stopped',
      'sae:dev-ci-runner': 'excluded',
      'sae:dev-web': 'stopped',
      'swas:dev-box': 'stopping',
    });
    expect(report.notices?.map((n) => [n.kind, n.channel, n.ok, n.attempts, n.code])).toEqual([
      ['summary', 'ops', false, 3, 'HTTP500'],
      ['summary', 'team', false, 3, 'Timeout'],
    ]);
    // Three attempts of at most 1 s, 0.3 s and 0.6 s apart: about 4 s, whatever the robot does; the hang alone is 60 s.
    expect(took).toBeLessThan(30_000);
    expect(report.notices!.every((n) => n.ms < 10_000)).toBe(true);
  });

  it('a channel whose URL variable is missing is reported, not fatal; no URL appears in the report', async () => {
    const { LARK_URL: _dropped, ...partial } = env;
    const report = await world.run({ at: '2036-11-25T19:45:00+08:00', rules, env: partial });
    expect(report.ok).toBe(true);
    expect(report.notices?.map((n) => [n.channel, n.ok, n.code, n.detail])).toEqual([
      ['ops', true, undefined, undefined],
      ['team', false, 'NotConfigured', 'environment variable LARK_URL is not set'],
    ]);
    expect(JSON.stringify(report)).not.toContain('access_token');
  });

  it('a wrong secret is refused by the robot as the service does, and reported with its code', async () => {
    const report = await world.run({
      at: '2036-11-25T19:45:00+08:00',
      rules,
      env: { ...env, DINGTALK_SECRET: 'SECwrong', LARK_SECRET: 'wrong' },
    });
    expect(report.notices?.map((n) => [n.channel, n.ok, n.attempts, n.code])).toEqual([
      ['ops', false, 1, '310000'],
      ['team', false, 1, '19021'],
    ]);
    expect((await world.messages()).map((m) => [m.type, m.accepted])).toEqual([
      ['dingtalk', false],
      ['lark', false],
    ]);
  });
});

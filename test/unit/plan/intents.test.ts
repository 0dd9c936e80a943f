import { describe, expect, it } from 'vitest';
import { intentsAt, type Intent, type Narrowing, type Quiet } from '../../../lib/plan/intents.js';
import type { Rule } from '../../../lib/schedule/rule.js';
import { compileText, ruleFrom, ruleYaml } from '../schedule/compile-text.js';

const MIN = 60_000;
const TICK = 5 * MIN;
const t = (iso: string) => Date.parse(iso);
const scheduled: Narrowing = { manual: false };

/** The single intent a one-rule run yields; fails when the rule is quiet instead. */
function intentOf(rule: Rule, at: string, narrowing: Narrowing = scheduled, tick = TICK): Intent {
  const { intents, quiet } = intentsAt([rule], t(at), tick, narrowing);
  if (intents.length !== 1) throw new Error(`expected one intent, got ${intents.length}; quiet: ${JSON.stringify(quiet)}`);
  expect(quiet).toEqual([]);
  expect(intents[0]!.rule).toBe(rule);
  return intents[0]!.intent;
}

/** The reason a one-rule run is quiet; fails when the rule has an intent instead. */
function quietOf(rule: Rule, at: string, narrowing: Narrowing = scheduled, tick = TICK): Quiet {
  const { intents, quiet } = intentsAt([rule], t(at), tick, narrowing);
  if (quiet.length !== 1) throw new Error(`expected the rule to be quiet, got intents ${JSON.stringify(intents.map((i) => i.intent))}`);
  expect(intents).toEqual([]);
  return quiet[0]!;
}

// 2026-11-24 is a Tuesday; Asia/Shanghai is +08:00 all year.
describe('an offPeak rule "daily 20:00-08:00" (Asia/Shanghai, tick 5m)', () => {
  const plain = ruleFrom(ruleYaml('offPeak: ["daily 20:00-08:00"]'));
  const restore = ruleFrom(ruleYaml('offPeak: ["daily 20:00-08:00"]\nrestore: true'));
  const caught = ruleFrom(ruleYaml('offPeak: ["daily 20:00-08:00"]\ncatchUp: 15m'));
  const enforce = ruleFrom(ruleYaml('offPeak: ["daily 20:00-08:00"]\nenforce: true'));

  it('stops in the run for 20:00, from the 20:00 edge, not caught up', () => {
    const intent = intentOf(plain, '2026-11-24T20:00:00+08:00');
    expect(intent).toEqual({
      action: 'stop',
      reason: 'off-peak began Tue 2026-11-24 20:00 +08:00',
      edgeAt: t('2026-11-24T20:00:00+08:00'),
      catchUp: false,
      kind: 'edge',
    });
  });

  it('a run whose tick ends just after the edge still sees it: (T − tick, T] at 20:04:59', () => {
    const intent = intentOf(plain, '2026-11-24T20:04:59+08:00');
    expect(intent.edgeAt).toBe(t('2026-11-24T20:00:00+08:00'));
    expect(intent.catchUp).toBe(false);
  });

  it('is quiet in the next run at 20:05 (the edge belonged to the previous run), and says why', () => {
    expect(quietOf(plain, '2026-11-24T20:05:00+08:00')).toEqual({
      rule: 'r',
      reason: 'off-peak, no edge due at Tue 2026-11-24 20:05 +08:00',
    });
  });

  it('is quiet in the run just before the edge, on-peak', () => {
    expect(quietOf(plain, '2026-11-24T19:59:59+08:00').reason).toBe('on-peak, no edge due at Tue 2026-11-24 19:59 +08:00');
  });

  it('with catchUp 15m, the run at 20:10 recovers the 20:00 stop and marks it caught up', () => {
    const intent = intentOf(caught, '2026-11-24T20:10:00+08:00');
    expect(intent.action).toBe('stop');
    expect(intent.kind).toBe('edge');
    expect(intent.catchUp).toBe(true);
    expect(intent.edgeAt).toBe(t('2026-11-24T20:00:00+08:00'));
    expect(intent.reason).toBe('off-peak began Tue 2026-11-24 20:00 +08:00 (caught up)');
  });

  it('with catchUp 15m, the edge is still fresh in its own run at 20:00', () => {
    const intent = intentOf(caught, '2026-11-24T20:00:00+08:00');
    expect(intent.catchUp).toBe(false);
    expect(intent.reason).not.toContain('(caught up)');
  });

  it('with catchUp 15m, the edge is out of reach at 20:20 (interval (20:00, 20:20])', () => {
    expect(quietOf(caught, '2026-11-24T20:20:00+08:00').reason).toContain('off-peak, no edge due');
  });

  it('without catchUp, the run at 20:10 does not see the 20:00 edge', () => {
    expect(quietOf(plain, '2026-11-24T20:10:00+08:00').reason).toContain('no edge due');
  });

  it('with restore, starts at 08:00', () => {
    expect(intentOf(restore, '2026-11-25T08:00:00+08:00')).toEqual({
      action: 'start',
      reason: 'off-peak ended Wed 2026-11-25 08:00 +08:00',
      edgeAt: t('2026-11-25T08:00:00+08:00'),
      catchUp: false,
      kind: 'edge',
    });
  });

  it('without restore, 08:00 brings no start', () => {
    expect(quietOf(plain, '2026-11-25T08:00:00+08:00').reason).toBe('on-peak, no edge due at Wed 2026-11-25 08:00 +08:00');
  });

  it('with enforce, every off-peak run stops (kind enforce, no edge)', () => {
    for (const at of ['2026-11-24T23:17:00+08:00', '2026-11-25T03:00:00+08:00', '2026-11-25T07:59:00+08:00']) {
      const intent = intentOf(enforce, at);
      expect(intent.action).toBe('stop');
      expect(intent.kind).toBe('enforce');
      expect(intent.catchUp).toBe(false);
      expect(intent.edgeAt).toBeUndefined();
      expect(intent.reason).toMatch(/^enforce: off-peak at /);
    }
    expect(intentOf(enforce, '2026-11-24T23:17:00+08:00').reason).toBe('enforce: off-peak at Tue 2026-11-24 23:17 +08:00');
  });

  it('with enforce, the run at the edge itself reports the edge, not enforce', () => {
    expect(intentOf(enforce, '2026-11-24T20:00:00+08:00').kind).toBe('edge');
  });

  it('with enforce, on-peak runs are quiet', () => {
    expect(quietOf(enforce, '2026-11-25T12:00:00+08:00').reason).toBe('on-peak, no edge due at Wed 2026-11-25 12:00 +08:00');
    expect(quietOf(enforce, '2026-11-25T08:00:00+08:00').reason).toContain('on-peak');
  });
});

describe('narrowing', () => {
  const text = `version: 1
timezone: Asia/Shanghai
rules:
  - name: nights
    offPeak: ["daily 20:00-08:00"]
    restore: true
    targets:
      swas: [{ region: cn-hangzhou, instanceIds: [i-1] }]
  - name: evenings
    offPeak: ["daily 20:00-23:00"]
    targets:
      swas: [{ region: cn-hangzhou, instanceIds: [i-2] }]
  - name: weekends
    offPeak: ["Sat-Sun"]
    targets:
      swas: [{ region: cn-hangzhou, instanceIds: [i-3] }]
`;
  const { rules, lines } = compileText(text);

  it('compiles three rules', () => {
    expect(lines).toEqual([]);
    expect(rules.map((r) => r.name)).toEqual(['nights', 'evenings', 'weekends']);
  });

  it('without narrowing every rule appears, as an intent or as quiet', () => {
    const { intents, quiet } = intentsAt(rules, t('2026-11-24T20:00:00+08:00'), TICK, scheduled);
    expect(intents.map((i) => `${i.rule.name}:${i.intent.action}`)).toEqual(['nights:stop', 'evenings:stop']);
    expect(quiet.map((q) => q.rule)).toEqual(['weekends']);
  });

  it('by rules: only the named rules appear, neither as intents nor as quiet', () => {
    const { intents, quiet } = intentsAt(rules, t('2026-11-24T20:00:00+08:00'), TICK, { manual: false, rules: ['evenings', 'weekends'] });
    expect(intents.map((i) => i.rule.name)).toEqual(['evenings']);
    expect(quiet.map((q) => q.rule)).toEqual(['weekends']);
  });

  it('by rules: an unknown name selects nothing', () => {
    expect(intentsAt(rules, t('2026-11-24T20:00:00+08:00'), TICK, { manual: false, rules: ['nope'] })).toEqual({ intents: [], quiet: [] });
  });

  it("by action: a start edge is dropped when the action is 'stop'", () => {
    const at = t('2026-11-25T08:00:00+08:00');
    const nights = rules.filter((r) => r.name === 'nights');
    expect(intentsAt(nights, at, TICK, scheduled).intents.map((i) => i.intent.action)).toEqual(['start']);
    const narrowed = intentsAt(nights, at, TICK, { manual: false, action: 'stop' });
    expect(narrowed.intents).toEqual([]);
    expect(narrowed.quiet).toEqual([
      { rule: 'nights', reason: 'the start edge at Wed 2026-11-25 08:00 +08:00 is due, and this run only stops' },
    ]);
  });

  it("by action: a stop edge is dropped when the action is 'start'", () => {
    const at = t('2026-11-24T20:00:00+08:00');
    const { intents, quiet } = intentsAt(rules, at, TICK, { manual: false, action: 'start' });
    expect(intents).toEqual([]);
    expect(quiet.map((q) => q.rule)).toEqual(['nights', 'evenings', 'weekends']);
  });
});

describe('manual runs', () => {
  const plain = ruleFrom(ruleYaml('offPeak: ["daily 20:00-08:00"]'));
  const restore = ruleFrom(ruleYaml('offPeak: ["daily 20:00-08:00"]\nrestore: true'));

  it('a manual stop while off-peak stops (kind manual, no edge needed)', () => {
    expect(intentOf(plain, '2026-11-24T22:30:00+08:00', { manual: true, action: 'stop' })).toEqual({
      action: 'stop',
      reason: 'manual stop: off-peak at Tue 2026-11-24 22:30 +08:00',
      catchUp: false,
      kind: 'manual',
    });
  });

  it('a manual stop while on-peak is quiet: it never goes beyond the schedule', () => {
    const q = quietOf(plain, '2026-11-24T12:00:00+08:00', { manual: true, action: 'stop' });
    expect(q.rule).toBe('r');
    expect(q.reason).toContain('on-peak at Tue 2026-11-24 12:00 +08:00');
    expect(q.reason).toContain('a manual stop never goes beyond the schedule');
  });

  it('a manual start for a rule without restore is quiet, on-peak or off', () => {
    for (const at of ['2026-11-24T12:00:00+08:00', '2026-11-24T22:00:00+08:00']) {
      expect(quietOf(plain, at, { manual: true, action: 'start' }).reason).toBe(
        'the rule never starts its targets (no restore, no start cron)',
      );
    }
  });

  it('a manual start for a rule with restore starts on-peak, and is quiet off-peak', () => {
    expect(intentOf(restore, '2026-11-25T09:30:00+08:00', { manual: true, action: 'start' })).toEqual({
      action: 'start',
      reason: 'manual start: on-peak at Wed 2026-11-25 09:30 +08:00',
      catchUp: false,
      kind: 'manual',
    });
    expect(quietOf(restore, '2026-11-24T22:00:00+08:00', { manual: true, action: 'start' }).reason).toContain(
      'a manual start never goes beyond the schedule',
    );
  });

  it('a manual run without an action reads edges like a scheduled run', () => {
    expect(intentOf(plain, '2026-11-24T20:00:00+08:00', { manual: true }).kind).toBe('edge');
    expect(quietOf(plain, '2026-11-24T22:00:00+08:00', { manual: true }).reason).toContain('no edge due');
  });
});

// Europe/Berlin is +01:00 in November; 2026-11-24 is a Tuesday, 2026-11-28 a Saturday.
describe('a cron rule stop "0 21 * * *", start "0 9 * * 1-5" (Europe/Berlin)', () => {
  const rule = ruleFrom(ruleYaml('stop: "0 21 * * *"\nstart: "0 9 * * 1-5"', 'Europe/Berlin'));

  it('stops at 21:00', () => {
    expect(intentOf(rule, '2026-11-24T21:00:00+01:00')).toEqual({
      action: 'stop',
      reason: 'off-peak began Tue 2026-11-24 21:00 +01:00',
      edgeAt: t('2026-11-24T21:00:00+01:00'),
      catchUp: false,
      kind: 'edge',
    });
  });

  it('starts at 09:00 on a weekday', () => {
    expect(intentOf(rule, '2026-11-25T09:02:00+01:00')).toEqual({
      action: 'start',
      reason: 'off-peak ended Wed 2026-11-25 09:00 +01:00',
      edgeAt: t('2026-11-25T09:00:00+01:00'),
      catchUp: false,
      kind: 'edge',
    });
  });

  it('does not start at 09:00 on Saturday (still off-peak)', () => {
    expect(quietOf(rule, '2026-11-28T09:00:00+01:00').reason).toBe('off-peak, no edge due at Sat 2026-11-28 09:00 +01:00');
  });

  it('a manual start on-peak is allowed because the rule has a start cron', () => {
    expect(intentOf(rule, '2026-11-25T12:00:00+01:00', { manual: true, action: 'start' }).kind).toBe('manual');
  });

  it('a cron rule without a start cron never starts manually', () => {
    const stopOnly = ruleFrom(ruleYaml('stop: "0 21 * * *"', 'Europe/Berlin'));
    expect(quietOf(stopOnly, '2026-11-25T12:00:00+01:00', { manual: true, action: 'start' }).reason).toContain('never starts its targets');
  });
});

describe('the latest due edge decides (catchUp wider than the gap between edges)', () => {
  it('a stop and a later start in one run: start', () => {
    const rule = ruleFrom(ruleYaml('offPeak: ["daily 12:00-12:10"]\nrestore: true\ncatchUp: 15m'));
    // Interval (11:52, 12:12]: stop 12:00, start 12:10.
    const intent = intentOf(rule, '2026-11-24T12:12:00+08:00');
    expect(intent.action).toBe('start');
    expect(intent.edgeAt).toBe(t('2026-11-24T12:10:00+08:00'));
    expect(intent.catchUp).toBe(false);
    expect(intent.reason).toBe('off-peak ended Tue 2026-11-24 12:10 +08:00');
  });

  it('a start and a later stop in one run: stop', () => {
    const rule = ruleFrom(ruleYaml('onPeak: ["daily 12:00-12:10"]\nrestore: true\ncatchUp: 15m'));
    // Interval (11:52, 12:12]: start 12:00, stop 12:10.
    const intent = intentOf(rule, '2026-11-24T12:12:00+08:00');
    expect(intent.action).toBe('stop');
    expect(intent.edgeAt).toBe(t('2026-11-24T12:10:00+08:00'));
  });

  it('both edges caught up: the later one still decides, marked caught up', () => {
    const rule = ruleFrom(ruleYaml('offPeak: ["daily 12:00-12:10"]\nrestore: true\ncatchUp: 30m'));
    // Interval (11:47, 12:17]: stop 12:00, start 12:10, both before T − tick = 12:12.
    const intent = intentOf(rule, '2026-11-24T12:17:00+08:00');
    expect(intent.action).toBe('start');
    expect(intent.catchUp).toBe(true);
    expect(intent.reason).toBe('off-peak ended Tue 2026-11-24 12:10 +08:00 (caught up)');
  });

  it('cron: a missed 21:00 stop and a 09:00 start recovered by a 13h catchUp end in a start', () => {
    const rule = ruleFrom(ruleYaml('stop: "0 21 * * *"\nstart: "0 9 * * 1-5"\ncatchUp: 13h', 'Europe/Berlin'));
    const intent = intentOf(rule, '2026-11-25T09:00:00+01:00');
    expect(intent.action).toBe('start');
    expect(intent.edgeAt).toBe(t('2026-11-25T09:00:00+01:00'));
  });
});

describe('daylight saving time (Europe/Berlin)', () => {
  it('a 02:30 stop on the spring-forward day is due at 03:00 CEST', () => {
    // 2026-03-29: clocks jump from 02:00 CET to 03:00 CEST.
    const rule = ruleFrom(ruleYaml('offPeak: ["daily 02:30-06:00"]', 'Europe/Berlin'));
    const intent = intentOf(rule, '2026-03-29T03:00:00+02:00');
    expect(intent.edgeAt).toBe(t('2026-03-29T03:00:00+02:00'));
    expect(intent.reason).toBe('off-peak began Sun 2026-03-29 03:00 +02:00');
    expect(quietOf(rule, '2026-03-29T03:05:00+02:00').reason).toContain('off-peak, no edge due');
  });
});

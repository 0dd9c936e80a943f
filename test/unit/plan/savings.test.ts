/**
 * Savings against figures worked out by hand: the arithmetic is in the comments, and the code is
 * checked against the comments, not against itself. Hours are whole or exact, so `toBe` where the
 * arithmetic is exact in binary floating point, `toBeCloseTo` where it is money.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PRICING,
  hoursOffPerWeek,
  offPeakMs,
  saeSaving,
  SWAS_PREPAID_NOTE,
  WEEKS_PER_MONTH,
  type Pricing,
} from '../../../lib/plan/savings.js';
import { outlookText } from '../../../lib/report/outlook.js';
import { outlook } from '../../../lib/schedule/outlook.js';
import type { Rule } from '../../../lib/schedule/rule.js';
import { ruleFrom, ruleYaml } from '../schedule/compile-text.js';

const H = 3_600_000;
const hours = (rule: Rule, from: string, to: string) => offPeakMs(rule, Date.parse(from), Date.parse(to)) / H;

// Mon 2026-11-23 00:00 to Mon 2026-11-30 00:00 in Shanghai (+08:00, no DST): 168 hours.
const SH_WEEK = ['2026-11-23T00:00:00+08:00', '2026-11-30T00:00:00+08:00'] as const;

const nights = ruleFrom(ruleYaml('offPeak: ["daily 20:00-08:00"]'));
const nightsAndWeekends = ruleFrom(ruleYaml('offPeak: ["daily 20:00-08:00", "Sat-Sun"]'));
const workingDays = ruleFrom(ruleYaml('onPeak: ["Mon-Fri 08:00-22:00"]'));
const demoCron = ruleFrom(ruleYaml('stop: "0 21 * * *"\nstart: "0 9 * * 1-5"'));

describe('offPeakMs', () => {
  it('daily 20:00-08:00 over a week is 84 h', () => {
    // Mon 00:00-08:00 (Sunday night's tail)        8
    // six whole nights Mon..Sat 20:00-08:00   6 × 12 = 72
    // Sun 20:00-24:00 (the rest is next week)      4
    //                                         total 84  (= 7 × 12)
    expect(hours(nights, ...SH_WEEK)).toBe(84);
  });

  it('adding Sat-Sun adds the two weekend daytimes: 84 + 2 × 12 = 108 h', () => {
    // Sat 08:00-20:00 and Sun 08:00-20:00 were on-peak under nights alone: 84 + 12 + 12 = 108.
    // Counted the other way: Mon 00-08 (8) + Mon..Thu nights (4 × 12 = 48) + Fri 20:00 to Mon 00:00 (4 + 24 + 24 = 52) = 108.
    expect(hours(nightsAndWeekends, ...SH_WEEK)).toBe(108);
  });

  it('onPeak Mon-Fri 08:00-22:00 is off 168 − 5 × 14 = 98 h', () => {
    expect(hours(workingDays, ...SH_WEEK)).toBe(98);
  });

  it('a cron rule, stop 21:00 daily and start 09:00 on weekdays, is off 108 h', () => {
    // At Mon 00:00 the last stop (Sun 21:00) is later than the last start (Fri 09:00): off.
    // Mon 00:00-09:00                            9
    // Mon..Thu 21:00 to next 09:00          4 × 12 = 48
    // Fri 21:00 to Mon 00:00 (the Sat and Sun 21:00 stops change nothing)  3 + 24 + 24 = 51
    //                                       total 108
    expect(hours(demoCron, ...SH_WEEK)).toBe(108);
  });

  it('a cron rule without a start stays off from its first stop on', () => {
    const stopOnly = ruleFrom(ruleYaml('stop: "0 21 * * 5"'));
    // Every instant of this week comes after some Friday 21:00: the whole 168 hours.
    expect(hours(stopOnly, ...SH_WEEK)).toBe(168);
  });

  it('is exact at the edges and for parts of a window', () => {
    // [Mon 07:00, Mon 09:00): off until 08:00 (the end is exclusive), then on: exactly 1 h.
    expect(hours(nights, '2026-11-23T07:00:00+08:00', '2026-11-23T09:00:00+08:00')).toBe(1);
    // [Mon 20:00, Mon 20:00 + 1 ms): the first millisecond of the window counts.
    expect(offPeakMs(nights, Date.parse('2026-11-23T20:00:00+08:00'), Date.parse('2026-11-23T20:00:00+08:00') + 1)).toBe(1);
    // [Mon 08:00, Mon 20:00): on throughout.
    expect(hours(nights, '2026-11-23T08:00:00+08:00', '2026-11-23T20:00:00+08:00')).toBe(0);
    // Empty and reversed intervals hold no time.
    const t = Date.parse('2026-11-23T22:00:00+08:00');
    expect(offPeakMs(nights, t, t)).toBe(0);
    expect(offPeakMs(nights, t, t - H)).toBe(0);
  });

  it('does not depend on restore (which is about acting, not about time)', () => {
    const withRestore = ruleFrom(ruleYaml('offPeak: ["daily 20:00-08:00", "Sat-Sun"]\nrestore: true'));
    expect(hours(withRestore, ...SH_WEEK)).toBe(108);
    expect(nightsAndWeekends.restore).toBe(false);
  });

  it('agrees with the engine when summed piece by piece', () => {
    // Splitting the week at arbitrary instants must not lose or add time at the cuts.
    const cuts = [
      '2026-11-23T00:00:00+08:00',
      '2026-11-24T07:59:59+08:00',
      '2026-11-27T20:00:00+08:00',
      '2026-11-28T13:17:00+08:00',
      '2026-11-30T00:00:00+08:00',
    ];
    let sum = 0;
    for (let i = 1; i < cuts.length; i++) sum += hours(nightsAndWeekends, cuts[i - 1]!, cuts[i]!);
    expect(sum).toBeCloseTo(108, 9);
  });

  describe('Europe/Berlin across daylight saving time', () => {
    const berlinNights = ruleFrom(ruleYaml('offPeak: ["daily 20:00-08:00"]', 'Europe/Berlin'));
    const berlinNightsAndWeekends = ruleFrom(ruleYaml('offPeak: ["daily 20:00-08:00", "Sat-Sun"]', 'Europe/Berlin'));
    const berlinWorkingDays = ruleFrom(ruleYaml('onPeak: ["Mon-Fri 08:00-22:00"]', 'Europe/Berlin'));
    // Spring forward on Sun 2026-03-29 at 02:00 CET → 03:00 CEST. The local week
    // Mon 2026-03-23 00:00 +01:00 to Mon 2026-03-30 00:00 +02:00 is 167 real hours.
    const spring = ['2026-03-23T00:00:00+01:00', '2026-03-30T00:00:00+02:00'] as const;
    // Fall back on Sun 2026-10-25 at 03:00 CEST → 02:00 CET: Mon 2026-10-19 to Mon 2026-10-26 is 169 hours.
    const autumn = ['2026-10-19T00:00:00+02:00', '2026-10-26T00:00:00+01:00'] as const;

    it('the spring-forward week has 167 hours', () => {
      expect((Date.parse(spring[1]) - Date.parse(spring[0])) / H).toBe(167);
      expect((Date.parse(autumn[1]) - Date.parse(autumn[0])) / H).toBe(169);
    });

    it('the night that holds the gap is an hour short: 84 − 1 = 83 h', () => {
      // Sat 20:00 CET to Sun 08:00 CEST is 12 wall hours but 11 real ones (02:00-03:00 never happens).
      // 8 + 5 × 12 (Mon..Fri nights) + 11 (Sat night) + 4 (Sun 20:00-24:00) = 83.
      expect(hours(berlinNights, ...spring)).toBe(83);
    });

    it('nights and weekends lose the same hour: 108 − 1 = 107 h', () => {
      // 8 + 4 × 12 (Mon..Thu nights) + Fri 20:00 to Mon 00:00 (4 + 24 + 23, Sunday being 23 h long) = 107.
      expect(hours(berlinNightsAndWeekends, ...spring)).toBe(107);
    });

    it('an onPeak rule loses it too: the 70 working hours stay, 167 − 70 = 97 h off', () => {
      expect(hours(berlinWorkingDays, ...spring)).toBe(97);
    });

    it('the fall-back week gains the repeated hour: 84 + 1 = 85 h', () => {
      // Sat 20:00 CEST to Sun 08:00 CET is 13 real hours (02:00-03:00 happens twice).
      expect(hours(berlinNights, ...autumn)).toBe(85);
    });
  });

  describe('under the cn calendar (National Day 2026-10-01..07, make-up Saturday 2026-10-10)', () => {
    // The shipped calendar, read as a schedule file next to it would declare it.
    const calendars = { 'schedules/calendars/cn.yaml': readFileSync('schedules/calendars/cn.yaml', 'utf8') };
    const devNights = ruleFrom(
      ruleYaml('offPeak: ["daily 20:00-08:00", "Sat-Sun"]\ncalendar: cn', 'Asia/Shanghai', 'calendars:\n  cn: calendars/cn.yaml'),
      { calendars },
    );

    it('the week of 1 October is off 132 h (108 + the Thu and Fri daytimes)', () => {
      // Mon 2026-09-28 .. Sun 2026-10-04; Thu 10-01 to Sun 10-04 are holidays (they count as Sundays).
      // Mon 00:00-08:00                                         8
      // Mon and Tue nights                                 2 × 12 = 24
      // Wed 20:00 to Mon 10-05 00:00 (4 h + 4 whole days)   4 + 96 = 100
      //                                                   total 132  (= 108 + 2 × 12)
      expect(hours(devNights, '2026-09-28T00:00:00+08:00', '2026-10-05T00:00:00+08:00')).toBe(132);
      expect(hours(nightsAndWeekends, '2026-09-28T00:00:00+08:00', '2026-10-05T00:00:00+08:00')).toBe(108);
    });

    it('the week after, with the make-up Saturday, is also 132 h (108 + 3 × 12 − 12)', () => {
      // Mon 10-05 .. Wed 10-07 are holidays, Sat 10-10 is worked (it counts as a Monday).
      // Mon 00:00 to Thu 08:00                      72 + 8 = 80
      // Thu and Fri nights                          2 × 12 = 24
      // Sat 20:00 to Mon 10-12 00:00 (Sunday whole)  4 + 24 = 28
      //                                             total 132
      expect(hours(devNights, '2026-10-05T00:00:00+08:00', '2026-10-12T00:00:00+08:00')).toBe(132);
    });

    it('hoursOffPerWeek over those two weeks averages 132', () => {
      expect(hoursOffPerWeek(devNights, Date.parse('2026-09-28T00:00:00+08:00'), 14)).toBe(132);
    });
  });
});

describe('hoursOffPerWeek', () => {
  const from = Date.parse(SH_WEEK[0]);

  it('is the week itself over 7 days, and the same over whole weeks', () => {
    expect(hoursOffPerWeek(nights, from, 7)).toBe(84);
    expect(hoursOffPerWeek(nights, from, 28)).toBe(84);
    expect(hoursOffPerWeek(workingDays, from, 14)).toBe(98);
  });

  it('scales a part week to a week: one day of nights is 12 h, 7 × 12 = 84 a week', () => {
    // Mon 00:00-08:00 and Mon 20:00-24:00: 12 h in one day.
    expect(hoursOffPerWeek(nights, from, 1)).toBe(84);
    // Sat and Sun of nights-and-weekends: 48 h in 2 days → 48 × 7 / 2 = 168 a week.
    expect(hoursOffPerWeek(nightsAndWeekends, Date.parse('2026-11-28T00:00:00+08:00'), 2)).toBe(168);
  });

  it('counts days as 24 elapsed hours, across DST too', () => {
    const berlinNights = ruleFrom(ruleYaml('offPeak: ["daily 20:00-08:00"]', 'Europe/Berlin'));
    // 7 × 24 h from Mon 2026-03-23 00:00 CET end at Mon 2026-03-30 01:00 CEST, not at midnight:
    // the spring-forward week's 83 h plus Monday 00:00-01:00 (still night) = 84 h in 168 real hours.
    expect(hoursOffPerWeek(berlinNights, Date.parse('2026-03-23T00:00:00+01:00'), 7)).toBe(84);
  });

  it('rejects a span of no days', () => {
    expect(() => hoursOffPerWeek(nights, from, 0)).toThrow(RangeError);
    expect(() => hoursOffPerWeek(nights, from, -7)).toThrow(RangeError);
  });
});

describe('saeSaving', () => {
  it('the default prices are the per-minute list prices × 60', () => {
    // 0.0030864 CNY per core-minute × 60 = 0.185184; 0.0007716 CNY per GiB-minute × 60 = 0.046296.
    expect(DEFAULT_PRICING.currency).toBe('CNY');
    expect(DEFAULT_PRICING.saeVcpuHour).toBeCloseTo(0.0030864 * 60, 12);
    expect(DEFAULT_PRICING.saeGibHour).toBeCloseTo(0.0007716 * 60, 12);
    expect(DEFAULT_PRICING.source).toContain('https://');
    expect(DEFAULT_PRICING.source).toContain('read 2026-11-24');
  });

  it('2 instances of 500 millicores and 1024 MiB, 84 h a week, at the default prices', () => {
    // per instance-hour: 0.5 vCPU × 0.185184 + 1 GiB × 0.046296 = 0.092592 + 0.046296 = 0.138888
    // 2 instances: 0.277776 an hour; × 84 h = 23.333184 CNY a week
    // a month: 23.333184 × 365.25 / 12 / 7 = 23.333184 × 365.25 / 84 = 8522.445456 / 84 = 101.457684 CNY
    const saving = saeSaving(84, { instances: 2, cpu: 500, memory: 1024 }, DEFAULT_PRICING);
    expect(saving.hoursOffPerWeek).toBe(84);
    expect(saving.currency).toBe('CNY');
    expect(saving.perWeek).toBeCloseTo(23.333184, 9);
    expect(saving.perMonth).toBeCloseTo(101.457684, 9);
  });

  it('with contract prices of your own', () => {
    const contract: Pricing = { currency: 'USD', saeVcpuHour: 0.03, saeGibHour: 0.0075, source: 'the pricing block of schedules/a.yaml' };
    // 3 instances of 2000 millicores and 4096 MiB, 98 h a week (the onPeak Mon-Fri 08:00-22:00 rule):
    // per instance-hour: 2 × 0.03 + 4 × 0.0075 = 0.06 + 0.03 = 0.09; × 3 = 0.27; × 98 = 26.46 USD a week
    // a month: 26.46 × 365.25 / 84 = 9664.515 / 84 = 115.05375 USD
    const saving = saeSaving(98, { instances: 3, cpu: 2000, memory: 4096 }, contract);
    expect(saving.currency).toBe('USD');
    expect(saving.perWeek).toBeCloseTo(26.46, 9);
    expect(saving.perMonth).toBeCloseTo(115.05375, 9);
  });

  it('a month is 365.25 / 12 / 7 weeks: a whole week of one vCPU at 1 an hour is 730.5 a month', () => {
    // 365.25 / 12 / 7 = 4.348214285…; 168 h × 4.348214285… = 730.5 h, the hours of an average month (365.25 × 24 / 12).
    expect(WEEKS_PER_MONTH).toBeCloseTo(4.348214285714286, 12);
    const one: Pricing = { currency: 'CNY', saeVcpuHour: 1, saeGibHour: 1e-9, source: 'test' };
    const saving = saeSaving(168, { instances: 1, cpu: 1000, memory: 0 }, one);
    expect(saving.perWeek).toBe(168);
    expect(saving.perMonth).toBeCloseTo(730.5, 9);
  });

  it('saves nothing when nothing is stopped', () => {
    const saving = saeSaving(0, { instances: 4, cpu: 1000, memory: 2048 }, DEFAULT_PRICING);
    expect(saving.perWeek).toBe(0);
    expect(saving.perMonth).toBe(0);
  });

  it('from a rule: nights and weekends, 108 h, 1 instance of 1 vCPU and 2 GiB', () => {
    // 1 × 0.185184 + 2 × 0.046296 = 0.277776 an hour; × 108 = 29.999808 CNY a week;
    // a month: 29.999808 × 365.25 / 84 = 10957.429872 / 84 = 130.445594… CNY
    const week = hoursOffPerWeek(nightsAndWeekends, Date.parse(SH_WEEK[0]), 7);
    const saving = saeSaving(week, { instances: 1, cpu: 1000, memory: 2048 }, DEFAULT_PRICING);
    expect(saving.perWeek).toBeCloseTo(29.999808, 9);
    expect(saving.perMonth).toBeCloseTo(130.445594, 5);
  });
});

describe('SWAS_PREPAID_NOTE', () => {
  it('says plainly that the plan is prepaid and stopping saves no money', () => {
    expect(SWAS_PREPAID_NOTE).toMatch(/prepaid/);
    expect(SWAS_PREPAID_NOTE).toMatch(/saves no money/);
  });
});

describe('the savings line of `offpeak plan`', () => {
  const mixed = ruleFrom(
    ruleYaml('offPeak: ["daily 20:00-08:00", "Sat-Sun"]').replace(
      '      swas: [{ region: cn-hangzhou, instanceIds: [i-1] }]',
      '      sae: [{ region: cn-hangzhou, namespaceId: "cn-hangzhou:dev" }]\n      swas: [{ region: cn-hangzhou, instanceIds: [i-1] }]',
    ),
  );
  const at = Date.parse('2026-11-23T20:02:00+08:00');
  const savingsLines = (rule: Rule, days: number, extra: Partial<Parameters<typeof outlookText>[1]> = {}) =>
    outlookText(outlook([rule], { at, tick: 300_000, horizon: days * 86_400_000 }), { at, tick: 300_000, days, ...extra })
      .split('\n')
      .filter((line) => line.startsWith('  savings'));

  it('gives hours and share over at least 7 days, asks for --resolve for SAE money, and says SWAS saves nothing', () => {
    // --days 1 still averages over 7 days: 108 h, 108 / 168 = 64.3 % → 64 %.
    expect(savingsLines(mixed, 1)).toEqual([
      `  savings    off 108 h a week (64% of the next 7 days); SAE savings: run with --resolve to count instances; ${SWAS_PREPAID_NOTE}`,
    ]);
  });

  it('shows SAE money per week and month when the caller resolved the apps', () => {
    // 2 × 500 millicores, 1024 MiB at 108 h: 0.277776 × 108 = 29.999808 → 30.00 CNY a week;
    // × 365.25 / 84 = 130.4456 → 130.45 CNY a month.
    const saving = saeSaving(108, { instances: 2, cpu: 500, memory: 1024 }, DEFAULT_PRICING);
    expect(savingsLines(mixed, 7, { saeSavings: new Map([[mixed.name, saving]]) })).toEqual([
      `  savings    off 108 h a week (64% of the next 7 days); SAE saves 30.00 CNY a week, 130.45 CNY a month; ${SWAS_PREPAID_NOTE}`,
    ]);
  });

  it('averages longer plans, to one decimal when the hours are not whole', () => {
    const weekends = ruleFrom(ruleYaml('offPeak: ["Sat-Sun"]'));
    const monday = Date.parse('2026-11-23T00:00:00+08:00');
    // 10 days from Mon 2026-11-23 hold one weekend: 48 h in 10 days → 48 × 7 / 10 = 33.6 h a week, 33.6 / 168 = 20 %.
    const text = outlookText(outlook([weekends], { at: monday, tick: 300_000, horizon: 10 * 86_400_000 }), {
      at: monday,
      tick: 300_000,
      days: 10,
    });
    expect(text).toContain(`  savings    off 33.6 h a week (20% of the next 10 days); ${SWAS_PREPAID_NOTE}`);
  });
});

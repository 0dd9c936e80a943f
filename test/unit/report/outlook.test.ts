import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { outlookText } from '../../../lib/report/outlook.js';
import { outlook } from '../../../lib/schedule/outlook.js';
import type { Rule } from '../../../lib/schedule/rule.js';
import { ruleFrom, ruleYaml } from '../schedule/compile-text.js';

/** `offpeak plan` as text: the calendar lines of a rule, over the plan's days. */

const DAY = 86_400_000;
const CN = readFileSync(new URL('../../../schedules/calendars/cn.yaml', import.meta.url), 'utf8');

function calendarLines(rule: Rule, at: string, days: number): string[] {
  const when = Date.parse(at);
  const text = outlookText(outlook([rule], { at: when, tick: 300_000, horizon: days * DAY }), { at: when, tick: 300_000, days });
  return text.split('\n').filter((line) => line.startsWith('  calendar '));
}

const nights = (calendars: string, zone: string) =>
  ruleYaml('offPeak: ["daily 20:00-08:00", "Sat-Sun"]\nrestore: true\ncalendar: c', zone, `calendars: { c: ${calendars} }`);

describe('the calendar lines of the text plan', () => {
  const cn = ruleFrom(nights('calendars/cn.yaml', 'Asia/Shanghai'), { calendars: { 'schedules/calendars/cn.yaml': CN } });

  it('name the holidays as runs of days, and the make-up workdays', () => {
    expect(calendarLines(cn, '2026-09-30T12:00:00+08:00', 11)).toEqual([
      '  calendar   holiday Thu 2026-10-01 to Wed 2026-10-07; make-up workday Sat 2026-10-10',
    ]);
  });

  it('say from which day a file calendar no longer covers anything: New Year 2027 under cn', () => {
    expect(calendarLines(cn, '2026-12-28T12:00:00+08:00', 7)).toEqual([
      '  calendar   not covered from Fri 2027-01-01: schedules/calendars/cn.yaml lists no dates after 2026, so those days count as ordinary days',
    ]);
  });

  it("give a country's holidays their names", () => {
    const munich = ruleFrom(nights('{ country: DE, state: BY }', 'Europe/Berlin'));
    expect(calendarLines(munich, '2027-03-24T12:00:00+01:00', 7)).toEqual([
      '  calendar   holiday Fri 2027-03-26 (Good Friday); holiday Mon 2027-03-29 (Easter Monday)',
    ]);
  });

  it('are left out when the days shown have nothing to mark', () => {
    expect(calendarLines(cn, '2026-11-24T12:00:00+08:00', 7)).toEqual([]);
  });
});

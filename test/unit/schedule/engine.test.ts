import { describe, expect, it } from 'vitest';
import { dueEdges, edgesBetween, isOffPeak, occurrence } from '../../../lib/schedule/engine.js';
import type { Rule } from '../../../lib/schedule/rule.js';
import type { WeeklyWindow } from '../../../lib/schedule/window.js';
import { wallClock } from '../../../lib/schedule/zone.js';
import { ruleFrom, ruleYaml } from './compile-text.js';

const MIN = 60_000;
const t = (iso: string) => Date.parse(iso);
/** Edges as "action@ISO" strings: failures read like a timetable. */
const show = (rule: Rule, from: string, to: string) =>
  edgesBetween(rule, t(from), t(to)).map((e) => `${e.action}@${new Date(e.at).toISOString()}`);

describe('overnight windows (Asia/Shanghai)', () => {
  const rule = ruleFrom(ruleYaml('offPeak: ["Mon-Fri 20:00-08:00"]\nrestore: true'));

  it('belongs to the day it starts on and ends exclusively', () => {
    expect(isOffPeak(rule, t('2026-11-27T14:00:00+08:00'))).toBe(false); // Fri 14:00
    expect(isOffPeak(rule, t('2026-11-27T20:00:00+08:00'))).toBe(true); // Fri 20:00, start inclusive
    expect(isOffPeak(rule, t('2026-11-28T07:59:59.999+08:00'))).toBe(true); // Sat 07:59:59.999
    expect(isOffPeak(rule, t('2026-11-28T08:00:00+08:00'))).toBe(false); // Sat 08:00, end exclusive
    expect(isOffPeak(rule, t('2026-11-29T21:00:00+08:00'))).toBe(false); // Sun night: no window starts on Sunday
    expect(isOffPeak(rule, t('2026-11-30T07:00:00+08:00'))).toBe(false); // so Mon 07:00 is on-peak
  });

  it('stops at each start and starts at each end', () => {
    expect(show(rule, '2026-11-27T09:00:00+08:00', '2026-11-30T23:59:00+08:00')).toEqual([
      'stop@2026-11-27T12:00:00.000Z',
      'start@2026-11-28T00:00:00.000Z',
      'stop@2026-11-30T12:00:00.000Z',
    ]);
  });
});

describe('the union of windows', () => {
  const rule = ruleFrom(ruleYaml('offPeak: ["daily 20:00-08:00", "Sat-Sun"]\nrestore: true'));

  it('has edges only where the union changes: no start on Saturday morning', () => {
    expect(show(rule, '2026-11-27T09:00:00+08:00', '2026-12-01T00:00:00+08:00')).toEqual([
      'stop@2026-11-27T12:00:00.000Z', // Fri 20:00
      'start@2026-11-30T00:00:00.000Z', // Mon 08:00
      'stop@2026-11-30T12:00:00.000Z', // Mon 20:00
    ]);
  });

  it('reads windows literally: Mon-Fri nights plus whole weekend days leave Monday 00:00-08:00 on', () => {
    const literal = ruleFrom(ruleYaml('offPeak: ["Mon-Fri 20:00-08:00", "Sat-Sun"]\nrestore: true'));
    // Sunday's whole-day window ends at Monday 00:00 and no window starts on Sunday evening.
    expect(show(literal, '2026-11-29T12:00:00+08:00', '2026-11-30T12:00:00+08:00')).toEqual(['start@2026-11-29T16:00:00.000Z']);
  });

  it('abutting windows make no edge where they meet', () => {
    const abut = ruleFrom(ruleYaml('offPeak: ["Mon 08:00-12:00", "Mon 12:00-18:00"]\nrestore: true'));
    expect(show(abut, '2026-11-23T00:00:00+08:00', '2026-11-24T00:00:00+08:00')).toEqual([
      'stop@2026-11-23T00:00:00.000Z',
      'start@2026-11-23T10:00:00.000Z',
    ]);
  });
});

describe('wrapped day ranges and 24:00', () => {
  it('Fri-Mon 22:00-06:00 runs Friday through Monday night', () => {
    const rule = ruleFrom(ruleYaml('offPeak: ["Fri-Mon 22:00-06:00"]'));
    expect(isOffPeak(rule, t('2026-11-24T23:00:00+08:00'))).toBe(false); // Tue 23:00: no window starts on Tuesday
    expect(isOffPeak(rule, t('2026-11-25T02:00:00+08:00'))).toBe(false); // Wed 02:00 (Tue has no window)
    expect(isOffPeak(rule, t('2026-11-29T03:00:00+08:00'))).toBe(true); // Sun 03:00 (Sat's window)
    expect(isOffPeak(rule, t('2026-11-24T03:00:00+08:00'))).toBe(true); // Tue 03:00 (Mon's window)
  });

  it('a window ending at 24:00 ends at the next midnight', () => {
    const rule = ruleFrom(ruleYaml('offPeak: ["Mon 18:00-24:00"]\nrestore: true'));
    expect(isOffPeak(rule, t('2026-11-23T23:59:59+08:00'))).toBe(true);
    expect(isOffPeak(rule, t('2026-11-24T00:00:00+08:00'))).toBe(false);
    expect(show(rule, '2026-11-23T00:00:00+08:00', '2026-11-24T12:00:00+08:00')).toEqual([
      'stop@2026-11-23T10:00:00.000Z',
      'start@2026-11-23T16:00:00.000Z',
    ]);
  });
});

describe('onPeak rules', () => {
  const rule = ruleFrom(ruleYaml('onPeak: ["Mon-Fri 08:00-22:00"]\nrestore: true'));
  it('are off-peak outside their windows, stop at window ends and start at window starts', () => {
    expect(isOffPeak(rule, t('2026-11-28T12:00:00+08:00'))).toBe(true); // Saturday
    expect(isOffPeak(rule, t('2026-11-27T12:00:00+08:00'))).toBe(false);
    expect(show(rule, '2026-11-27T12:00:00+08:00', '2026-11-30T12:00:00+08:00')).toEqual([
      'stop@2026-11-27T14:00:00.000Z', // Fri 22:00
      'start@2026-11-30T00:00:00.000Z', // Mon 08:00
    ]);
  });
});

describe('restore', () => {
  it('without restore, a window rule only stops', () => {
    const rule = ruleFrom(ruleYaml('offPeak: ["Mon-Fri 20:00-08:00"]'));
    expect(show(rule, '2026-11-23T00:00:00+08:00', '2026-11-25T00:00:00+08:00')).toEqual([
      'stop@2026-11-23T12:00:00.000Z',
      'stop@2026-11-24T12:00:00.000Z',
    ]);
  });
});

describe('DST: Europe/Berlin', () => {
  it('an edge in the spring-forward gap happens at the first instant after it', () => {
    const rule = ruleFrom(ruleYaml('offPeak: ["daily 02:30-05:00"]\nrestore: true', 'Europe/Berlin'));
    expect(show(rule, '2026-03-28T12:00:00Z', '2026-03-29T12:00:00Z')).toEqual([
      'stop@2026-03-29T01:00:00.000Z', // 03:00 CEST, the first instant after the gap
      'start@2026-03-29T03:00:00.000Z', // 05:00 CEST
    ]);
  });

  it('a window wholly inside the gap has no occurrence that day, and one on the days around it', () => {
    const rule = ruleFrom(ruleYaml('offPeak: ["daily 02:10-02:50"]\nrestore: true', 'Europe/Berlin'));
    const window = (rule.timing.kind === 'offPeak' ? rule.timing.windows[0] : undefined) as WeeklyWindow;
    const day = wallClock('Europe/Berlin', t('2026-03-29T12:00:00Z')).day;
    expect(occurrence(rule, window, day)).toBeUndefined();
    expect(occurrence(rule, window, day - 1)).toEqual([t('2026-03-28T01:10:00Z'), t('2026-03-28T01:50:00Z')]);
    expect(occurrence(rule, window, day + 1)).toEqual([t('2026-03-30T00:10:00Z'), t('2026-03-30T00:50:00Z')]);
    expect(show(rule, '2026-03-28T12:00:00Z', '2026-03-30T00:00:00Z')).toEqual([]);
  });

  it('an overnight window ending in the gap ends when the gap does', () => {
    const rule = ruleFrom(ruleYaml('offPeak: ["Sat 22:00-02:30"]\nrestore: true', 'Europe/Berlin'));
    expect(show(rule, '2026-03-28T00:00:00Z', '2026-03-30T00:00:00Z')).toEqual([
      'stop@2026-03-28T21:00:00.000Z',
      'start@2026-03-29T01:00:00.000Z',
    ]);
  });

  it('on fall-back day an edge happens once, at the first occurrence', () => {
    const rule = ruleFrom(ruleYaml('offPeak: ["daily 02:30-04:00"]\nrestore: true', 'Europe/Berlin'));
    expect(show(rule, '2026-10-24T12:00:00Z', '2026-10-25T12:00:00Z')).toEqual([
      'stop@2026-10-25T00:30:00.000Z', // the first 02:30 (CEST)
      'start@2026-10-25T03:00:00.000Z', // 04:00 CET
    ]);
  });

  it('both passes of a repeated hour are inside a window that spans it', () => {
    const rule = ruleFrom(ruleYaml('offPeak: ["daily 01:00-05:00"]', 'Europe/Berlin'));
    expect(isOffPeak(rule, t('2026-10-25T00:15:00Z'))).toBe(true); // 02:15 CEST
    expect(isOffPeak(rule, t('2026-10-25T01:15:00Z'))).toBe(true); // 02:15 CET
    const outside = ruleFrom(ruleYaml('offPeak: ["daily 04:00-05:00"]', 'Europe/Berlin'));
    expect(isOffPeak(outside, t('2026-10-25T00:15:00Z'))).toBe(false);
    expect(isOffPeak(outside, t('2026-10-25T01:15:00Z'))).toBe(false);
  });

  it('edges away from the change keep their wall time on both sides of it', () => {
    const rule = ruleFrom(ruleYaml('offPeak: ["Mon-Fri 20:00-08:00"]\nrestore: true', 'Europe/Berlin'));
    expect(show(rule, '2026-03-27T08:00:00Z', '2026-03-31T00:00:00Z')).toEqual([
      'stop@2026-03-27T19:00:00.000Z', // Fri 20:00 CET
      'start@2026-03-28T07:00:00.000Z', // Sat 08:00 CET
      'stop@2026-03-30T18:00:00.000Z', // Mon 20:00 CEST
    ]);
  });
});

describe('DST: America/New_York', () => {
  it('spring forward: 02:30 happens at 03:00 EDT', () => {
    const rule = ruleFrom(ruleYaml('offPeak: ["daily 02:30-03:30"]\nrestore: true', 'America/New_York'));
    expect(show(rule, '2026-03-08T00:00:00Z', '2026-03-08T12:00:00Z')).toEqual([
      'stop@2026-03-08T07:00:00.000Z',
      'start@2026-03-08T07:30:00.000Z',
    ]);
  });

  it('fall back: 01:30 happens at the first 01:30 (EDT)', () => {
    const rule = ruleFrom(ruleYaml('offPeak: ["daily 01:30-06:00"]\nrestore: true', 'America/New_York'));
    expect(show(rule, '2026-11-01T00:00:00Z', '2026-11-01T14:00:00Z')).toEqual([
      'stop@2026-11-01T05:30:00.000Z',
      'start@2026-11-01T11:00:00.000Z', // 06:00 EST
    ]);
  });
});

describe('calendars', () => {
  const calendar = `holidays: [2026-11-25]\nworkdays: [2026-11-28]\n`;
  const text = ruleYaml(
    'offPeak: ["daily 20:00-08:00", "Sat-Sun"]\nrestore: true\ncalendar: test',
    'Asia/Shanghai',
    'calendars: { test: calendars/test.yaml }',
  );
  const rule = ruleFrom(text, { calendars: { 'schedules/calendars/test.yaml': calendar } });

  it('a holiday Wednesday is off-peak all day, like a Sunday', () => {
    expect(isOffPeak(rule, t('2026-11-25T12:00:00+08:00'))).toBe(true);
    expect(isOffPeak(rule, t('2026-11-24T12:00:00+08:00'))).toBe(false);
  });

  it('a make-up Saturday runs like a Monday', () => {
    expect(isOffPeak(rule, t('2026-11-28T12:00:00+08:00'))).toBe(false);
    expect(isOffPeak(rule, t('2026-11-28T21:00:00+08:00'))).toBe(true);
  });

  it('edges follow the remapped days', () => {
    expect(show(rule, '2026-11-24T09:00:00+08:00', '2026-12-01T00:00:00+08:00')).toEqual([
      'stop@2026-11-24T12:00:00.000Z', // Tue 20:00, then the holiday Wednesday stays off
      'start@2026-11-26T00:00:00.000Z', // Thu 08:00
      'stop@2026-11-26T12:00:00.000Z',
      'start@2026-11-27T00:00:00.000Z',
      'stop@2026-11-27T12:00:00.000Z', // Fri 20:00
      'start@2026-11-28T00:00:00.000Z', // Sat 08:00, a workday
      'stop@2026-11-28T12:00:00.000Z', // Sat 20:00, through Sunday
      'start@2026-11-30T00:00:00.000Z', // Mon 08:00
      'stop@2026-11-30T12:00:00.000Z',
    ]);
  });

  it('an overnight window counts by the day it starts on', () => {
    const friday = ruleFrom(
      ruleYaml('offPeak: ["Mon-Fri 20:00-08:00"]\ncalendar: test', 'Asia/Shanghai', 'calendars: { test: calendars/test.yaml }'),
      { calendars: { 'schedules/calendars/test.yaml': 'holidays: [2026-11-27]' } },
    );
    // Thursday's window still ends Friday 08:00; the holiday Friday (a "Sunday") starts none.
    expect(isOffPeak(friday, t('2026-11-27T07:00:00+08:00'))).toBe(true);
    expect(isOffPeak(friday, t('2026-11-27T21:00:00+08:00'))).toBe(false);
  });
});

describe('absolute intervals', () => {
  it('join the union and end exclusively', () => {
    const rule = ruleFrom(ruleYaml('offPeak: ["Mon-Fri 20:00-08:00", "2026-12-24T18:00+08:00/2026-12-27T08:00+08:00"]\nrestore: true'));
    expect(isOffPeak(rule, t('2026-12-25T12:00:00+08:00'))).toBe(true); // Friday, Christmas
    expect(isOffPeak(rule, t('2026-12-27T08:00:00+08:00'))).toBe(false); // Sunday 08:00
    expect(show(rule, '2026-12-24T09:00:00+08:00', '2026-12-28T21:00:00+08:00')).toEqual([
      'stop@2026-12-24T10:00:00.000Z', // Thu 18:00
      'start@2026-12-27T00:00:00.000Z', // Sun 08:00
      'stop@2026-12-28T12:00:00.000Z', // Mon 20:00
    ]);
  });
});

describe('cron rules', () => {
  const rule = ruleFrom(ruleYaml('stop: "0 21 * * *"\nstart: "0 9 * * 1-5"'));

  it('are off-peak when the latest stop is later than the latest start', () => {
    expect(isOffPeak(rule, t('2026-11-28T10:00:00+08:00'))).toBe(true); // Sat: stopped Fri 21:00
    expect(isOffPeak(rule, t('2026-11-30T09:00:00+08:00'))).toBe(false); // Mon 09:00 start
    expect(isOffPeak(rule, t('2026-11-30T08:59:59+08:00'))).toBe(true);
  });

  it('fire their stop and start times as edges', () => {
    expect(show(rule, '2026-11-27T00:00:00+08:00', '2026-11-30T12:00:00+08:00')).toEqual([
      'start@2026-11-27T01:00:00.000Z',
      'stop@2026-11-27T13:00:00.000Z',
      'stop@2026-11-28T13:00:00.000Z', // a stop cron stops every time it fires
      'stop@2026-11-29T13:00:00.000Z',
      'start@2026-11-30T01:00:00.000Z',
    ]);
  });

  it('with no start cron, stay off-peak once stopped', () => {
    const once = ruleFrom(ruleYaml('stop: "0 21 * * *"'));
    expect(isOffPeak(once, t('2026-11-30T12:00:00+08:00'))).toBe(true);
  });

  it('are not off-peak while their stop has never fired', () => {
    // The compiler refuses a cron that never fires; the engine still answers for one.
    const never: Rule = { ...ruleFrom(ruleYaml('stop: "0 21 * * *"')), timing: { kind: 'cron', stop: '0 0 30 2 *' } };
    expect(isOffPeak(never, t('2026-11-30T12:00:00+08:00'))).toBe(false);
  });
});

describe('edgesBetween on an empty interval', () => {
  it('finds nothing when (from, to] is empty or reversed, for window and cron rules alike', () => {
    const windows = ruleFrom(ruleYaml('offPeak: ["Mon-Fri 20:00-08:00"]\nrestore: true'));
    const cron = ruleFrom(ruleYaml('stop: "0 20 * * *"\nstart: "0 8 * * *"'));
    const stop = t('2026-11-23T20:00:00+08:00');
    for (const rule of [windows, cron]) {
      expect(edgesBetween(rule, stop, stop)).toEqual([]);
      expect(edgesBetween(rule, stop, stop - 1)).toEqual([]);
      expect(edgesBetween(rule, stop - 1, stop)).toEqual([{ action: 'stop', at: stop }]);
    }
  });
});

describe('dueEdges: the tick', () => {
  const rule = ruleFrom(ruleYaml('offPeak: ["Mon-Fri 20:00-08:00"]\nrestore: true'));
  const stop = t('2026-11-23T20:00:00+08:00');

  it('an edge at T is due in the run for T, not in the next', () => {
    expect(dueEdges(rule, stop, 5 * MIN)).toEqual([{ action: 'stop', at: stop }]);
    expect(dueEdges(rule, stop + 5 * MIN, 5 * MIN)).toEqual([]);
  });

  it('an edge just after T − tick is due; one at T − tick is not', () => {
    expect(dueEdges(rule, stop + 5 * MIN - 1, 5 * MIN)).toEqual([{ action: 'stop', at: stop }]);
    expect(dueEdges(rule, stop - 1, 5 * MIN)).toEqual([]);
  });

  it('catchUp widens the interval backwards', () => {
    const late = ruleFrom(ruleYaml('offPeak: ["Mon-Fri 20:00-08:00"]\nrestore: true\ncatchUp: 15m'));
    expect(dueEdges(late, stop + 12 * MIN, 5 * MIN)).toEqual([{ action: 'stop', at: stop }]);
    expect(dueEdges(late, stop + 21 * MIN, 5 * MIN)).toEqual([]);
  });
});

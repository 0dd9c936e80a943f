/**
 * Calendars of countries (date-holidays), checked against the governments' own lists: the expected
 * dates below are written out from those lists, not computed by the library.
 * - Germany: the Länder's holiday laws (Bavaria's Feiertagsgesetz, Berlin's Feiertagsgesetz);
 *   Easter 2026 is 5 April and Easter 2027 is 28 March, so Corpus Christi falls on 4 June 2026 and
 *   27 May 2027.
 * - United States: OPM's federal holidays for 2027 (a Saturday holiday is kept on the Friday before,
 *   a Sunday one on the Monday after; New Year's Day 2028 is kept on Friday 31 December 2027).
 * - Singapore: MOM's public holidays for 2026 (a holiday on a Sunday gives the Monday after off).
 * - Japan: the Cabinet Office's national holidays for 2027, equinox days as announced (a holiday on
 *   a Sunday gives the next working day off).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Calendar } from '../../../lib/schedule/calendar.js';
import { isOffPeak } from '../../../lib/schedule/engine.js';
import { dayOfDate, isoWeekday } from '../../../lib/schedule/zone.js';
import { book, compileText, ruleFrom, ruleYaml } from './compile-text.js';

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** The calendar of a one-rule file whose calendar `c` is `source` (YAML flow text). */
function calendarOf(source: string, options: { calendars?: Record<string, string>; zone?: string } = {}): Calendar {
  const rule = ruleFrom(
    ruleYaml('offPeak: ["daily 20:00-08:00", "Sat-Sun"]\nrestore: true\ncalendar: c', options.zone ?? 'UTC', `calendars: { c: ${source} }`),
    options.calendars ? { calendars: options.calendars } : {},
  );
  return rule.calendar!;
}

/** `holiday`, `workday` or `ordinary` for each date, with its weekday so a wrong date shows. */
function kinds(calendar: Calendar, dates: readonly string[]): string[] {
  return dates.map((date) => {
    const day = dayOfDate(date)!;
    return `${WEEKDAYS[isoWeekday(day) - 1]} ${date} ${calendar.dayOf(day)?.kind ?? 'ordinary'}`;
  });
}
const all = (dates: readonly string[], kind: string) =>
  dates.map((date) => `${WEEKDAYS[isoWeekday(dayOfDate(date)!) - 1]} ${date} ${kind}`);

describe('Germany: Bavaria (Munich) and Berlin', () => {
  const bavaria = calendarOf('{ country: DE, state: BY }');
  const berlin = calendarOf('{ country: DE, state: BE }');

  it("Epiphany and Corpus Christi are holidays in Bavaria and not in Berlin; Women's Day the other way round", () => {
    const dates = ['2027-01-06', '2026-06-04', '2027-05-27', '2027-11-01', '2027-03-08'];
    expect(kinds(bavaria, dates)).toEqual([
      'Wed 2027-01-06 holiday',
      'Thu 2026-06-04 holiday',
      'Thu 2027-05-27 holiday',
      'Mon 2027-11-01 holiday',
      'Mon 2027-03-08 ordinary',
    ]);
    expect(kinds(berlin, dates)).toEqual([
      'Wed 2027-01-06 ordinary',
      'Thu 2026-06-04 ordinary',
      'Thu 2027-05-27 ordinary',
      'Mon 2027-11-01 ordinary',
      'Mon 2027-03-08 holiday',
    ]);
  });

  it('the holidays of the whole country hold in both', () => {
    const federal = ['2027-01-01', '2027-03-26', '2027-03-29', '2027-05-06', '2027-05-17', '2027-10-03', '2027-12-27'];
    // 25 and 26 December 2027 are a Saturday and a Sunday; Monday 27 December is a working day in Germany.
    expect(kinds(bavaria, federal)).toEqual([...all(federal.slice(0, 6), 'holiday'), 'Mon 2027-12-27 ordinary']);
    expect(kinds(berlin, federal)).toEqual([...all(federal.slice(0, 6), 'holiday'), 'Mon 2027-12-27 ordinary']);
  });

  it("Assumption Day is a holiday in Bavaria's predominantly Catholic communities (region KATH, Munich among them) only", () => {
    expect(kinds(calendarOf('{ country: DE, state: BY, region: KATH }'), ['2028-08-15'])).toEqual(['Tue 2028-08-15 holiday']);
    expect(kinds(bavaria, ['2028-08-15'])).toEqual(['Tue 2028-08-15 ordinary']);
  });

  it('a Munich rule stays stopped on Epiphany morning; the same rule in Berlin starts at 08:00', () => {
    const at = Date.parse('2027-01-06T10:00:00+01:00');
    const rule = (state: string) =>
      ruleFrom(
        ruleYaml(
          'offPeak: ["daily 20:00-08:00", "Sat-Sun"]\nrestore: true\ncalendar: local',
          'Europe/Berlin',
          `calendars: { local: { country: DE, state: ${state} } }`,
        ),
      );
    expect(isOffPeak(rule('BY'), at)).toBe(true);
    expect(isOffPeak(rule('BE'), at)).toBe(false);
  });

  it('names the holiday, in English', () => {
    expect(bavaria.dayOf(dayOfDate('2027-05-27')!)).toEqual({ kind: 'holiday', name: 'Corpus Christi', source: 'DE-BY public holidays' });
  });
});

describe('United States: federal holidays (OPM), 2027', () => {
  const us = calendarOf('{ country: US }');
  const federal = [
    '2027-01-01', // New Year's Day
    '2027-01-18', // Birthday of Martin Luther King, Jr.
    '2027-02-15', // Washington's Birthday
    '2027-05-31', // Memorial Day
    '2027-06-18', // Juneteenth (19 June is a Saturday)
    '2027-07-05', // Independence Day (4 July is a Sunday)
    '2027-09-06', // Labor Day
    '2027-10-11', // Columbus Day
    '2027-11-11', // Veterans Day
    '2027-11-25', // Thanksgiving Day
    '2027-12-24', // Christmas Day (25 December is a Saturday)
    '2027-12-31', // New Year's Day 2028 (a Saturday)
  ];

  it('every federal holiday is a holiday, on the day it is kept', () => {
    expect(kinds(us, federal)).toEqual(all(federal, 'holiday'));
  });

  it('the day after Thanksgiving and Christmas Eve 2026 are working days for the federal government', () => {
    expect(kinds(us, ['2027-11-26', '2026-12-24'])).toEqual(['Fri 2027-11-26 ordinary', 'Thu 2026-12-24 ordinary']);
  });
});

describe('Singapore: public holidays (MOM), 2026', () => {
  const sg = calendarOf('{ country: SG }');
  const holidays = [
    '2026-01-01', // New Year's Day
    '2026-02-17', // Chinese New Year
    '2026-02-18', // Chinese New Year, second day
    '2026-04-03', // Good Friday
    '2026-05-01', // Labour Day
    '2026-08-10', // National Day falls on Sunday 9 August: Monday is off
    '2026-12-25', // Christmas Day
  ];

  it('every public holiday is a holiday', () => {
    expect(kinds(sg, holidays)).toEqual(all(holidays, 'holiday'));
  });

  it('the third day of Chinese New Year is a working day', () => {
    expect(kinds(sg, ['2026-02-19'])).toEqual(['Thu 2026-02-19 ordinary']);
  });
});

describe('Japan: national holidays (Cabinet Office), 2027', () => {
  const jp = calendarOf('{ country: JP }');
  const holidays = [
    '2027-01-01', // New Year's Day
    '2027-01-11', // Coming of Age Day
    '2027-02-11', // National Foundation Day
    '2027-02-23', // The Emperor's Birthday
    '2027-03-21', // Vernal Equinox Day (a Sunday)
    '2027-03-22', // substitute holiday
    '2027-04-29', // Showa Day
    '2027-05-03', // Constitution Memorial Day
    '2027-05-04', // Greenery Day
    '2027-05-05', // Children's Day
    '2027-07-19', // Marine Day
    '2027-08-11', // Mountain Day
    '2027-09-20', // Respect for the Aged Day
    '2027-09-23', // Autumnal Equinox Day
    '2027-10-11', // Sports Day
    '2027-11-03', // Culture Day
    '2027-11-23', // Labour Thanksgiving Day
  ];

  it('every national holiday is a holiday, the equinox days and the substitute holiday among them', () => {
    expect(kinds(jp, holidays)).toEqual(all(holidays, 'holiday'));
  });

  it('the day after Golden Week is a working day', () => {
    expect(kinds(jp, ['2027-05-06'])).toEqual(['Thu 2027-05-06 ordinary']);
  });
});

describe('a calendar of several sources', () => {
  const acme = 'version: 1\nholidays: [2026-12-24/2026-12-31]\nworkdays: [2027-01-06]\n';
  const calendars = { 'schedules/calendars/acme.yaml': acme };

  it("adds a company's closing days to the country's", () => {
    const munich = calendarOf('[calendars/acme.yaml, { country: DE, state: BY }]', { calendars });
    expect(kinds(munich, ['2026-12-28', '2026-12-25', '2027-05-27'])).toEqual([
      'Mon 2026-12-28 holiday',
      'Fri 2026-12-25 holiday',
      'Thu 2027-05-27 holiday',
    ]);
    expect(munich.sources).toEqual(['schedules/calendars/acme.yaml', 'DE-BY public holidays']);
  });

  it("a file's make-up workday wins over the country's holiday, whichever comes first in the list", () => {
    for (const source of ['[calendars/acme.yaml, { country: DE, state: BY }]', '[{ country: DE, state: BY }, calendars/acme.yaml]']) {
      expect(calendarOf(source, { calendars }).dayOf(dayOfDate('2027-01-06')!), source).toEqual({
        kind: 'workday',
        source: 'schedules/calendars/acme.yaml',
      });
    }
  });

  it('when two files name a day, the first file listed decides', () => {
    const both = { ...calendars, 'schedules/calendars/closed.yaml': 'holidays: [2027-01-06]\n' };
    expect(calendarOf('[calendars/closed.yaml, calendars/acme.yaml]', { calendars: both }).dayOf(dayOfDate('2027-01-06')!)?.kind).toBe(
      'holiday',
    );
    expect(calendarOf('[calendars/acme.yaml, calendars/closed.yaml]', { calendars: both }).dayOf(dayOfDate('2027-01-06')!)?.kind).toBe(
      'workday',
    );
  });

  it('runs out with its file: countries cover every year, a file the years it lists', () => {
    expect(calendarOf('{ country: DE, state: BY }').runsOut).toBeUndefined();
    expect(calendarOf('[calendars/acme.yaml, { country: DE, state: BY }]', { calendars }).runsOut).toEqual({
      file: 'schedules/calendars/acme.yaml',
      lastDay: dayOfDate('2027-12-31'),
    });
  });

  it('holiday types: bank holidays count only when asked for', () => {
    // Christmas Eve is a bank holiday in Bavaria from 14:00: part of a day, so not a calendar holiday either way.
    expect(kinds(calendarOf('{ country: DE, state: BY, types: [public, bank] }'), ['2027-12-24'])).toEqual(['Fri 2027-12-24 ordinary']);
    // Buß- und Bettag: a school holiday in Bavaria, a public one in Saxony.
    expect(kinds(calendarOf('{ country: DE, state: BY, types: [school] }'), ['2027-11-17'])).toEqual(['Wed 2027-11-17 holiday']);
    expect(kinds(calendarOf('{ country: DE, state: BY }'), ['2027-11-17'])).toEqual(['Wed 2027-11-17 ordinary']);
  });
});

describe("China: offpeak's own file against date-holidays' CN data, 2026", () => {
  const file = readFileSync('schedules/calendars/cn.yaml', 'utf8');
  const calendars = { 'schedules/calendars/cn.yaml': file };
  const shipped = calendarOf('calendars/cn.yaml', { calendars, zone: 'Asia/Shanghai' });
  const library = calendarOf('{ country: CN }', { zone: 'Asia/Shanghai' });
  const year = (calendar: Calendar, kind: string): string[] => {
    const out: string[] = [];
    for (let day = dayOfDate('2026-01-01')!; day <= dayOfDate('2026-12-31')!; day++)
      if (calendar.dayOf(day)?.kind === kind) out.push(new Date(day * 86_400_000).toISOString().slice(0, 10));
    return out;
  };

  it('the library has no make-up workdays, lists fewer holiday days, and one the State Council does not give everyone', () => {
    const fileHolidays = year(shipped, 'holiday');
    const libraryHolidays = year(library, 'holiday');
    expect(fileHolidays).toHaveLength(33);
    expect(year(shipped, 'workday')).toEqual(['2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10']);
    expect(year(library, 'workday')).toEqual([]);
    // Children's Day is a half day for children under 14; the library lists it as a public holiday.
    expect(libraryHolidays.filter((d) => !fileHolidays.includes(d))).toEqual(['2026-06-01']);
    expect(libraryHolidays).toEqual([
      '2026-01-01',
      '2026-02-16',
      '2026-02-17',
      '2026-02-18',
      '2026-04-05',
      '2026-05-01',
      '2026-06-01',
      '2026-06-19',
      '2026-09-25',
      '2026-10-01',
      '2026-10-02',
      '2026-10-03',
    ]);
    expect(fileHolidays.filter((d) => !libraryHolidays.includes(d))).toHaveLength(22);
    // Spring Festival: nine days off (15-23 February) by the State Council, three in the library.
    expect(kinds(shipped, ['2026-02-20'])).toEqual(['Fri 2026-02-20 holiday']);
    expect(kinds(library, ['2026-02-20'])).toEqual(['Fri 2026-02-20 ordinary']);
  });

  it('combined, the file wins on every day it names; the library adds only the days the file leaves out', () => {
    const both = calendarOf('[calendars/cn.yaml, { country: CN }]', { calendars, zone: 'Asia/Shanghai' });
    expect(kinds(both, ['2026-02-14', '2026-02-20', '2026-06-01'])).toEqual([
      'Sat 2026-02-14 workday',
      'Fri 2026-02-20 holiday',
      'Mon 2026-06-01 holiday',
    ]);
  });
});

describe('the holiday library, loaded or not', () => {
  it('a file naming a country without the library loaded is an error, not a silent ordinary calendar', () => {
    const { lines } = compileText(ruleYaml('offPeak: ["Sat-Sun"]\ncalendar: c', 'UTC', 'calendars: { c: { country: DE } }'), {
      holidays: undefined,
    });
    expect(lines).toEqual([
      'schedules/test.yaml:3:17: error: calendars.c: country calendars need the holiday library, which this caller did not load',
    ]);
  });

  it('knows some 200 countries by code, with English names', () => {
    expect(book.countries().size).toBeGreaterThan(190);
    expect(book.countries().get('SG')).toBe('Singapore');
  });
});

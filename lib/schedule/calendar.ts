import { quote } from '../errors.js';
import { dateOfDay, dayOfDate, isoWeekday } from './zone.js';
import type { Parsed } from './parsed.js';

/**
 * A calendar of holidays and make-up workdays. Under a calendar, a holiday matches day names as if
 * it were a Sunday and a workday as if it were a Monday (what Chinese statutory holidays need).
 *
 * A calendar is one or more sources: offpeak's own calendar files, and countries (or their states)
 * from the holiday library. Where they disagree about a day, the files win: a date a file names is
 * what that file says (the first file listed, if two files name it), and a country's holidays count
 * only on the days no file names. So a make-up workday in a file beats a library holiday.
 */
export interface Calendar {
  readonly name: string;
  /** Its sources as people read them: `calendars/cn.yaml`, `DE-BY public holidays`. */
  readonly sources: readonly string[];
  /** What local `day` is under the calendar; undefined for an ordinary day. */
  dayOf(day: number): CalendarDay | undefined;
  /**
   * Set when a file source limits what the calendar knows: the file, and the last day it covers (31
   * December of the last year it lists; undefined when it lists no dates). Countries cover every
   * year, so a calendar of countries alone never runs out.
   */
  readonly runsOut?: RunsOut;
}

export interface RunsOut {
  readonly file: string;
  readonly lastDay: number | undefined;
}

export type DayKind = 'holiday' | 'workday';

export interface CalendarDay {
  readonly kind: DayKind;
  /** The holiday's name, when the source gives one (countries do; files do not). */
  readonly name?: string;
  /** The source that says so. */
  readonly source: string;
}

/** A calendar file's dates, as compile.ts reads them. */
export interface FileDays {
  readonly kind: 'file';
  readonly file: string;
  readonly holidays: ReadonlySet<number>;
  readonly workdays: ReadonlySet<number>;
  readonly lastDay: number | undefined;
}

/** A country's (or state's) holidays, one year at a time. */
export interface CountryDays {
  readonly kind: 'country';
  /** `DE-BY public holidays` */
  readonly label: string;
  /** The whole-day holidays of a year: local day number → name. */
  holidaysIn(year: number): ReadonlyMap<number, string>;
}

export type CalendarSource = FileDays | CountryDays;

/** Holiday types of the holiday library; `public` (days off by law) is the default. */
export const HOLIDAY_TYPES = ['public', 'bank', 'school', 'optional', 'observance'] as const;
export type HolidayType = (typeof HOLIDAY_TYPES)[number];

const DAY = 86_400_000;

/** A calendar of sources, files first (see Calendar). */
export function combineCalendar(name: string, sources: readonly CalendarSource[]): Calendar {
  const files = sources.filter((s): s is FileDays => s.kind === 'file');
  const countries = sources.filter((s): s is CountryDays => s.kind === 'country');
  // A tick asks about the same few days again and again; each country's years are worked out once.
  const years = countries.map(() => new Map<number, ReadonlyMap<number, string>>());
  const dayOf = (day: number): CalendarDay | undefined => {
    for (const file of files) {
      if (file.holidays.has(day)) return { kind: 'holiday', source: file.file };
      if (file.workdays.has(day)) return { kind: 'workday', source: file.file };
    }
    if (countries.length === 0) return undefined;
    const year = new Date(day * DAY).getUTCFullYear();
    for (const [i, country] of countries.entries()) {
      const cache = years[i]!;
      let holidays = cache.get(year);
      if (!holidays) cache.set(year, (holidays = country.holidaysIn(year)));
      const holiday = holidays.get(day);
      if (holiday !== undefined) return { kind: 'holiday', name: holiday, source: country.label };
    }
    return undefined;
  };
  // The file that runs out first: a file that lists no dates has run out already.
  const shortest = files.reduce<FileDays | undefined>(
    (first, file) => (first === undefined || (file.lastDay ?? -Infinity) < (first.lastDay ?? -Infinity) ? file : first),
    undefined,
  );
  return {
    name,
    sources: sources.map((s) => (s.kind === 'file' ? s.file : s.label)),
    dayOf,
    ...(shortest && { runsOut: { file: shortest.file, lastDay: shortest.lastDay } }),
  };
}

/** True when the calendar knows local `day`: no file source has run out by then. */
export function covers(calendar: Calendar, day: number): boolean {
  const end = calendar.runsOut;
  return end === undefined || (end.lastDay !== undefined && day <= end.lastDay);
}

/** Days ahead within which a calendar running out is worth a warning. */
export const RUNS_OUT_WARNING_DAYS = 30;

/**
 * What to tell people when a calendar runs out within RUNS_OUT_WARNING_DAYS of local day `today`;
 * undefined while it covers the days until then (or never runs out).
 */
export function runsOutWarning(calendar: Calendar, today: number): string | undefined {
  const end = calendar.runsOut;
  if (!end || (end.lastDay !== undefined && end.lastDay >= today + RUNS_OUT_WARNING_DAYS)) return undefined;
  const last = end.lastDay === undefined ? 'no dates' : `no dates after ${dateOfDay(end.lastDay).slice(0, 4)}`;
  const lists =
    calendar.sources.length === 1 ? `calendar ${quote(calendar.name)} lists` : `calendar ${quote(calendar.name)}: ${end.file} lists`;
  return `${lists} ${last}; later holidays and make-up workdays will count as ordinary days until you add them`;
}

export const HOLIDAY_FORM = "a date 'YYYY-MM-DD' or an inclusive range 'YYYY-MM-DD/YYYY-MM-DD'";

/** The ISO weekday a local day counts as, under an optional calendar. */
export function effectiveWeekday(day: number, calendar: Calendar | undefined): number {
  const kind = calendar?.dayOf(day)?.kind;
  return kind === 'holiday' ? 7 : kind === 'workday' ? 1 : isoWeekday(day);
}

/** Day numbers of a holiday entry: one date or an inclusive range (at most a year long). */
export function parseHolidayEntry(text: string): Parsed<number[]> {
  const [first, second, extra] = text.split('/');
  const from = dayOfDate((first ?? '').trim());
  if (from === undefined || extra !== undefined) return { ok: false, message: `${quote(text)} is not ${HOLIDAY_FORM}` };
  if (second === undefined) return { ok: true, value: [from] };
  const to = dayOfDate(second.trim());
  if (to === undefined) return { ok: false, message: `${quote(text)} is not ${HOLIDAY_FORM}` };
  if (to < from) return { ok: false, message: `${quote(text)} ends before it starts; write the earlier date first` };
  if (to - from > 366) return { ok: false, message: `${quote(text)} is longer than a year; list shorter ranges` };
  const days: number[] = [];
  for (let d = from; d <= to; d++) days.push(d);
  return { ok: true, value: days };
}

/** Day number of a workday entry (a single date). */
export function parseWorkdayEntry(text: string): Parsed<number> {
  const day = dayOfDate(text.trim());
  return day === undefined
    ? { ok: false, message: `${quote(text)} is not a date; write YYYY-MM-DD (workdays are single dates)` }
    : { ok: true, value: day };
}

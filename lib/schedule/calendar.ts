import { quote } from '../errors.js';
import { dayOfDate, isoWeekday } from './zone.js';
import type { Parsed } from './parsed.js';

/**
 * A calendar of holidays and make-up workdays. Under a calendar, a holiday matches day names as if
 * it were a Sunday and a workday as if it were a Monday (what Chinese statutory holidays need).
 */
export interface Calendar {
  readonly name: string;
  readonly holidays: ReadonlySet<number>;
  readonly workdays: ReadonlySet<number>;
  /** The last day the calendar covers (31 December of the last year it lists), for "runs out" warnings. */
  readonly lastDay: number | undefined;
}

export const HOLIDAY_FORM = "a date 'YYYY-MM-DD' or an inclusive range 'YYYY-MM-DD/YYYY-MM-DD'";

/** The ISO weekday a local day counts as, under an optional calendar. */
export function effectiveWeekday(day: number, calendar: Calendar | undefined): number {
  if (calendar) {
    if (calendar.holidays.has(day)) return 7;
    if (calendar.workdays.has(day)) return 1;
  }
  return isoWeekday(day);
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

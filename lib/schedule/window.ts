import { quote } from '../errors.js';
import { parseInstant } from './instant.js';
import type { Parsed } from './parsed.js';

/**
 * Windows: `DAYS [HH:MM-HH:MM]` (weekly, in the rule's zone) or `START/END` (an absolute interval).
 * Parsing is pure and returns either the window or a message that says what is wrong and the fix.
 */

/** A weekly window; `days` holds ISO weekdays (1 = Monday … 7 = Sunday) on which it starts. */
export interface WeeklyWindow {
  readonly kind: 'weekly';
  readonly text: string;
  readonly days: ReadonlySet<number>;
  /** Minutes after local midnight, 0–1439. */
  readonly startMinute: number;
  /** Minutes after local midnight, 1–1440; less than startMinute for an overnight window. */
  readonly endMinute: number;
}

/** An absolute interval [start, end) in epoch milliseconds. */
export interface AbsoluteWindow {
  readonly kind: 'absolute';
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

export type Window = WeeklyWindow | AbsoluteWindow;

export const WINDOW_FORM =
  "'DAYS [HH:MM-HH:MM]' such as 'Mon-Fri 20:00-08:00', 'Sat-Sun' or 'daily 00:00-07:00', " +
  "or an absolute 'START/END' such as '2026-12-24T18:00+08:00/2026-12-27T08:00+08:00'";

const DAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const DAYS_FORM = "days are Mon Tue Wed Thu Fri Sat Sun, a range 'Mon-Fri' (may wrap: 'Fri-Mon'), a list 'Mon,Wed,Fri', or 'daily'";

const fail = (message: string): { ok: false; message: string } => ({ ok: false, message });

/** Parses one window. `zone` resolves absolute times written without an offset. */
export function parseWindow(text: string, zone: string): Parsed<Window> {
  const trimmed = text.trim();
  if (trimmed === '') return fail(`a window is empty; expected ${WINDOW_FORM}`);
  if (trimmed.includes('/')) return parseAbsolute(trimmed, zone);
  return parseWeekly(trimmed);
}

function parseWeekly(text: string): Parsed<WeeklyWindow> {
  const tokens = text.split(/\s+/);
  const last = tokens[tokens.length - 1] ?? '';
  const hasTimes = /\d/.test(last);
  const dayText = (hasTimes ? tokens.slice(0, -1) : tokens).join('');
  if (dayText === '') return fail(`${quote(text)} has times but no days; ${DAYS_FORM}`);
  const days = parseDays(dayText);
  if (!days.ok) return days;
  let startMinute = 0;
  let endMinute = 1440;
  if (hasTimes) {
    const range = /^(\d{1,2}:\d{2})-(\d{1,2}:\d{2})$/.exec(last);
    if (!range) return fail(`${quote(last)} is not a time range; write HH:MM-HH:MM, e.g. 20:00-08:00`);
    const start = parseClock(range[1] ?? '', 'start');
    if (!start.ok) return start;
    const end = parseClock(range[2] ?? '', 'end');
    if (!end.ok) return end;
    if (start.value === end.value) {
      return fail(`${quote(last)} starts and ends at the same time; for whole days leave the times out (e.g. 'Sat-Sun')`);
    }
    startMinute = start.value;
    endMinute = end.value;
  }
  return { ok: true, value: { kind: 'weekly', text, days: days.value, startMinute, endMinute } };
}

function parseDays(text: string): Parsed<ReadonlySet<number>> {
  const days = new Set<number>();
  for (const item of text.split(',')) {
    const lower = item.toLowerCase();
    if (lower === 'daily') {
      for (let d = 1; d <= 7; d++) days.add(d);
      continue;
    }
    const [from, to, extra] = lower.split('-');
    if (extra !== undefined) return fail(`${quote(item)} is not a day range; ${DAYS_FORM}`);
    const a = DAY_NAMES.indexOf(from ?? '');
    if (a < 0) return fail(`${quote(from === '' ? item : (item.split('-')[0] ?? ''))} is not a day; ${DAYS_FORM}`);
    if (to === undefined) {
      days.add(a + 1);
      continue;
    }
    const b = DAY_NAMES.indexOf(to);
    if (b < 0) return fail(`${quote(item.split('-')[1] ?? '')} is not a day; ${DAYS_FORM}`);
    // A range that wraps (Fri-Mon) runs through the week's end.
    for (let d = a; ; d = (d + 1) % 7) {
      days.add(d + 1);
      if (d === b) break;
    }
  }
  return { ok: true, value: days };
}

function parseClock(text: string, role: 'start' | 'end'): Parsed<number> {
  const match = /^(\d{2}):(\d{2})$/.exec(text);
  if (!match) return fail(`${quote(text)} is not a time; write two-digit HH:MM, e.g. 08:00`);
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (hours === 24 && minutes === 0) {
    return role === 'end' ? { ok: true, value: 1440 } : fail(`24:00 can only end a window; start at 00:00 instead`);
  }
  if (hours > 23) return fail(`${quote(text)} has no hour ${hours}; hours run 00 to 23 (24:00 only as an end)`);
  if (minutes > 59) return fail(`${quote(text)} has no minute ${minutes}; minutes run 00 to 59`);
  return { ok: true, value: hours * 60 + minutes };
}

function parseAbsolute(text: string, zone: string): Parsed<AbsoluteWindow> {
  const parts = text.split('/');
  if (parts.length !== 2)
    return fail(`${quote(text)} is not an absolute window; write START/END, e.g. 2026-12-24T18:00+08:00/2026-12-27T08:00+08:00`);
  const start = parseInstant(parts[0] ?? '', zone);
  if (!start.ok) return start;
  const end = parseInstant(parts[1] ?? '', zone);
  if (!end.ok) return end;
  if (end.value <= start.value) return fail(`${quote(text)} ends before it starts; the end comes second and is exclusive`);
  return { ok: true, value: { kind: 'absolute', text, start: start.value, end: end.value } };
}

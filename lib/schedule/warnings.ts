import { quote } from '../errors.js';
import { effectiveWeekday, runsOutWarning, type Calendar } from './calendar.js';
import type { Diagnostic } from './diagnostics.js';
import type { Rule } from './rule.js';
import type { Source } from './source.js';
import { dateOfDay, offsetAt, wallClock } from './zone.js';

/**
 * Warnings: things that are valid but deserve a person's eye before they deploy.
 * - a window edge that falls into a DST gap or fold within the next 365 days;
 * - two rules naming the same explicit resource;
 * - a calendar that runs out within 30 days.
 */

/** A compiled rule with where it came from, so warnings can be placed. */
export interface Placed {
  readonly rule: Rule;
  readonly source: Source;
  readonly index: number;
}

const MINUTE = 60_000;
const DAY = 86_400_000;

export function scheduleWarnings(placed: readonly Placed[], at: number): Diagnostic[] {
  return [...placed.flatMap((p) => [...dstWarnings(p, at), ...calendarWarnings(p, at)]), ...overlapWarnings(placed)];
}

interface Transition {
  /** The instant the offset changes. */
  readonly at: number;
  readonly before: number;
  readonly after: number;
}

// Many rules share a zone; the scan is done once per zone and start day.
const scanned = new Map<string, Transition[]>();

/** Offset changes of `zone` in [from, from + days), found by a daily scan and bisection. */
export function transitions(zone: string, from: number, days: number): Transition[] {
  const key = `${zone} ${Math.floor(from / DAY)} ${days}`;
  let found = scanned.get(key);
  if (!found) {
    if (scanned.size > 1000) scanned.clear();
    scanned.set(key, (found = scan(zone, Math.floor(from / DAY) * DAY, days)));
  }
  return found;
}

function scan(zone: string, from: number, days: number): Transition[] {
  const found: Transition[] = [];
  let previous = offsetAt(zone, from);
  for (let i = 1; i <= days; i++) {
    const t = from + i * DAY;
    const offset = offsetAt(zone, t);
    if (offset === previous) continue;
    let lo = t - DAY;
    let hi = t;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (offsetAt(zone, mid) === previous) lo = mid;
      else hi = mid;
    }
    found.push({ at: hi, before: previous, after: offset });
    previous = offset;
  }
  return found;
}

const clock = (minutes: number) => `${String(Math.floor(minutes / 60) % 24).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

function dstWarnings({ rule, source, index }: Placed, at: number): Diagnostic[] {
  if (rule.timing.kind === 'cron') return [];
  const kind = rule.timing.kind;
  const out: Diagnostic[] = [];
  for (const change of transitions(rule.timezone, at, 365)) {
    const gap = change.after > change.before;
    // The wall-clock span that is skipped (gap) or lived twice (fold), in "wall milliseconds".
    const from = change.at + Math.min(change.before, change.after) * MINUTE;
    const to = change.at + Math.max(change.before, change.after) * MINUTE;
    const day = wallClock(rule.timezone, change.at).day;
    const spanStart = Math.round((from - day * DAY) / MINUTE);
    const spanEnd = Math.round((to - day * DAY) / MINUTE);
    rule.timing.windows.forEach((window, w) => {
      if (window.kind !== 'weekly') return;
      for (const startDay of [day - 1, day]) {
        if (!window.days.has(effectiveWeekday(startDay, rule.calendar))) continue;
        const edges: Array<[string, number]> = [
          ['starts', (startDay - day) * 1440 + window.startMinute],
          ['ends', (window.endMinute > window.startMinute ? startDay - day : startDay + 1 - day) * 1440 + window.endMinute],
        ];
        for (const [verb, minute] of edges) {
          if (minute < spanStart || minute >= spanEnd) continue;
          const when = `${clock(minute)} on ${dateOfDay(day)} in ${rule.timezone}`;
          const message = gap
            ? `window ${quote(window.text)} ${verb} at ${when}, a time that does not exist (clocks jump from ${clock(spanStart)} to ${clock(spanEnd)}); that day it ${verb} at ${clock(spanEnd)}`
            : `window ${quote(window.text)} ${verb} at ${when}, a time that occurs twice (clocks fall back from ${clock(spanEnd)} to ${clock(spanStart)}); it ${verb} at the first ${clock(minute)}`;
          out.push(source.at(['rules', index, kind, w], message, { severity: 'warning' }));
        }
      }
    });
  }
  return out;
}

function calendarWarnings({ rule, source, index }: Placed, at: number): Diagnostic[] {
  const message = rule.calendar && runsOutWarning(rule.calendar, wallClock(rule.timezone, at).day);
  return message ? [source.at(['rules', index, 'calendar'], message, { severity: 'warning' })] : [];
}

/** A calendar running out, as the function logs it. */
export interface CalendarNotice {
  readonly calendar: string;
  /** The schedule file that declares it. */
  readonly file: string;
  /** The rules that use it. */
  readonly rules: readonly string[];
  readonly message: string;
}

/**
 * The calendars about to run out, for the function's log: once a day per calendar, in the run
 * whose interval (at − tick, at] holds local midnight in the zone of the first rule that uses it.
 * Consecutive scheduled runs split time without gaps or overlaps, so exactly one run a day says it,
 * with no state kept between runs (a run that was never delivered leaves that day without it).
 */
export function calendarNotices(rules: readonly Rule[], at: number, tick: number): CalendarNotice[] {
  const users = new Map<Calendar, Rule[]>();
  for (const rule of rules) {
    // Cron rules ignore calendars, so a calendar only they name changes nothing when it runs out.
    if (!rule.calendar || rule.timing.kind === 'cron') continue;
    const list = users.get(rule.calendar);
    if (list) list.push(rule);
    else users.set(rule.calendar, [rule]);
  }
  const out: CalendarNotice[] = [];
  for (const [calendar, [first, ...others]] of users) {
    const { day, msOfDay } = wallClock(first!.timezone, at);
    if (msOfDay >= tick) continue;
    const message = runsOutWarning(calendar, day);
    if (message) out.push({ calendar: calendar.name, file: first!.file, rules: [first!, ...others].map((r) => r.name), message });
  }
  return out;
}

function overlapWarnings(placed: readonly Placed[]): Diagnostic[] {
  const seen = new Map<string, Placed>();
  const out: Diagnostic[] = [];
  const claim = (key: string, label: string, p: Placed, path: PropertyKey[]) => {
    const first = seen.get(key);
    if (!first) {
      seen.set(key, p);
    } else if (first.rule.name !== p.rule.name) {
      out.push(
        p.source.at(
          ['rules', p.index, ...path],
          `${label} is also named by rule ${quote(first.rule.name)} (${first.source.file}); when their edges meet in one run, neither acts on it`,
          {
            severity: 'warning',
          },
        ),
      );
    }
  };
  for (const p of placed) {
    p.rule.targets.sae.forEach((t, i) => {
      if (t.appId !== undefined) claim(`sae/${t.region}/${t.appId}`, `SAE application ${t.appId}`, p, ['targets', 'sae', i, 'appId']);
    });
    p.rule.targets.swas.forEach((t, i) => {
      (t.instanceIds ?? []).forEach((id, j) =>
        claim(`swas/${t.region}/${id}`, `SWAS instance ${id}`, p, ['targets', 'swas', i, 'instanceIds', j]),
      );
    });
  }
  return out;
}

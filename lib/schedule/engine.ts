import { effectiveWeekday } from './calendar.js';
import { firesBetween, latestFire } from './cron.js';
import type { Edge, Rule } from './rule.js';
import type { WeeklyWindow, Window } from './window.js';
import { wallClock, wallToInstant } from './zone.js';

/**
 * The time engine: pure functions of a rule and instants (epoch milliseconds). Nothing here reads
 * the clock; callers pass `at`.
 *
 * Window rules are evaluated as a union of concrete occurrences, each [start, end) resolved to
 * instants by the gap and fold rules, so `isOffPeak` flips exactly at the edges `edgesBetween`
 * reports: a run that sees an edge and a run that asks "is it off-peak now?" always agree.
 */

/** True when the rule says its targets should be stopped at instant `at`. */
export function isOffPeak(rule: Rule, at: number): boolean {
  const timing = rule.timing;
  if (timing.kind === 'cron') {
    const stopped = latestFire(timing.stop, rule.timezone, at);
    if (stopped === undefined) return false;
    const started = timing.start === undefined ? undefined : latestFire(timing.start, rule.timezone, at);
    return started === undefined || stopped > started;
  }
  return insideWindows(rule, timing.windows, at) === (timing.kind === 'offPeak');
}

/**
 * The edges a scheduled run for tick instant `at` acts on: those in (at − tick − catchUp, at].
 * Consecutive runs partition time, so each edge is due in exactly one run.
 *
 * @example dueEdges(rule, Date.parse('2026-11-23T12:05:00Z'), 300_000)
 */
export function dueEdges(rule: Rule, at: number, tick: number): Edge[] {
  return edgesBetween(rule, at - tick - rule.catchUp, at);
}

/** The edges in (from, until], in time order: what the rule will do next. */
export function nextEdges(rule: Rule, from: number, until: number): Edge[] {
  return edgesBetween(rule, from, until);
}

/** Every edge in (from, to]. Window rules report start edges only with `restore: true`. */
export function edgesBetween(rule: Rule, from: number, to: number): Edge[] {
  // Stryker: equivalent — a shortcut: both ways below find nothing in an empty (from, to] either.
  // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent (see the line above)
  if (!(to > from)) return [];
  const timing = rule.timing;
  if (timing.kind === 'cron') {
    const starts = timing.start === undefined ? [] : firesBetween(timing.start, rule.timezone, from, to);
    const startSet = new Set(starts);
    // A stop and a start at the same instant: the start wins, as isOffPeak says.
    const stops = firesBetween(timing.stop, rule.timezone, from, to).filter((at) => !startSet.has(at));
    return [...stops.map((at): Edge => ({ action: 'stop', at })), ...starts.map((at): Edge => ({ action: 'start', at }))].sort(
      (a, b) => a.at - b.at,
    );
  }
  const edges: Edge[] = [];
  for (const at of candidateInstants(rule, timing.windows, from, to)) {
    const before = isOffPeak(rule, at - 1);
    const after = isOffPeak(rule, at);
    if (!before && after) edges.push({ action: 'stop', at });
    else if (before && !after && rule.restore) edges.push({ action: 'start', at });
  }
  return edges;
}

/** Window boundaries in (from, to]: where the union of windows may change. */
function candidateInstants(rule: Rule, windows: readonly Window[], from: number, to: number): number[] {
  const found = new Set<number>();
  const add = (at: number) => {
    if (at > from && at <= to) found.add(at);
  };
  const firstDay = wallClock(rule.timezone, from).day - 1;
  const lastDay = wallClock(rule.timezone, to).day;
  for (const window of windows) {
    if (window.kind === 'absolute') {
      add(window.start);
      add(window.end);
      continue;
    }
    for (let day = firstDay; day <= lastDay; day++) {
      const span = occurrence(rule, window, day);
      if (span) {
        add(span[0]);
        add(span[1]);
      }
    }
  }
  return [...found].sort((a, b) => a - b);
}

function insideWindows(rule: Rule, windows: readonly Window[], at: number): boolean {
  const today = wallClock(rule.timezone, at).day;
  for (const window of windows) {
    if (window.kind === 'absolute') {
      if (window.start <= at && at < window.end) return true;
      continue;
    }
    // An occurrence lasts at most until the next local midnight after its start day, so only
    // windows that started yesterday or today can contain `at`.
    for (const day of [today - 1, today]) {
      const span = occurrence(rule, window, day);
      if (span && span[0] <= at && at < span[1]) return true;
    }
  }
  return false;
}

/** The instants [start, end) of a weekly window that starts on local `day`, if it does. */
export function occurrence(rule: Rule, window: WeeklyWindow, day: number): [number, number] | undefined {
  if (!window.days.has(effectiveWeekday(day, rule.calendar))) return undefined;
  const start = wallToInstant(rule.timezone, day, window.startMinute);
  // Stryker: equivalent — `>=` differs only when start and end are the same minute, which parseWindow refuses.
  // Stryker disable next-line EqualityOperator: equivalent (see the line above)
  const endDay = window.endMinute > window.startMinute ? day : day + 1;
  const end = wallToInstant(rule.timezone, endDay, window.endMinute);
  // A window that lies wholly inside a DST gap has no instants that day.
  return end > start ? [start, end] : undefined;
}

import { covers, type Calendar } from '../schedule/calendar.js';
import type { Diagnostic } from '../schedule/diagnostics.js';
import { edgesBetween, isOffPeak } from '../schedule/engine.js';
import type { Action, Rule } from '../schedule/rule.js';
import { dateOfDay, isoWeekday, offsetAt, wallClock, wallToInstant } from '../schedule/zone.js';
import { savedSize } from './keep.js';
import { hoursOffPerWeek, saeSaving, SWAS_PREPAID_NOTE, type Pricing, type SaeSize, type Saving } from './savings.js';
import { holdReason } from './targets.js';

/**
 * The week model behind `offpeak plan --html`: what each rule (and, resolved, each of its
 * resources) does over the shown days, in one display zone. Pure: rules, days and resolved
 * resources in, plain data out; the page (lib/report/week-html.ts) only draws it.
 *
 * Everything is an instant (epoch ms) so the page can place it on a time axis and tests can
 * compare exact instants; local days, hours and labels are derived here once, in the display
 * zone, so a 23- or 25-hour day is a day with 23 or 25 hours, not a 24-hour day with a hole.
 */

const MINUTE = 60_000;
const HOUR = 3_600_000;

/** Hours off per week are averaged over at least a week: shorter plans would call one weekend "the average week". */
export const MIN_SAVINGS_DAYS = 7;

/** A resource a rule's targets resolved to, with what the list APIs said about its size. */
export interface WeekResource {
  readonly product: 'sae' | 'swas';
  readonly id: string;
  readonly name: string;
  readonly region: string;
  readonly tags: Readonly<Record<string, string>>;
  /** SAE only: configured instances and per-instance size, when the list says them. */
  readonly size?: SaeSize;
}

export interface WeekInput {
  readonly rules: readonly Rule[];
  /** The display zone (IANA). */
  readonly zone: string;
  /** The first shown day, as a day number in the display zone (zone.ts). */
  readonly firstDay: number;
  /** How many days are shown, 1..31. */
  readonly days: number;
  readonly pricing: Pricing;
  /** Resolved resources per rule name (`--resolve`); absent when targets were not listed. */
  readonly resources?: ReadonlyMap<string, readonly WeekResource[]>;
  /** What resolution could not do (missing ids, failed listings), in the user's words. */
  readonly problems?: readonly string[];
  /** The warnings `validate` shows: DST edges, rules naming the same resource, calendars running out. */
  readonly warnings?: readonly Diagnostic[];
}

/** A half-open interval [start, end) of instants. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/** One shown day in the display zone: from its local midnight to the next. */
export interface WeekDay extends Span {
  readonly day: number;
  /** `YYYY-MM-DD` */
  readonly date: string;
  /** `Mon 5 Oct` */
  readonly label: string;
  readonly weekday: number;
  /** 24, or 23 / 25 on a DST day. */
  readonly hours: number;
}

/** A change of the display zone's UTC offset inside the shown days. */
export interface DstChange {
  readonly at: number;
  /** The shown day it happens on. */
  readonly day: WeekDay;
  /** Offsets in minutes east of UTC, before and after. */
  readonly before: number;
  readonly after: number;
  /** `clocks go forward 02:00 → 03:00` */
  readonly label: string;
}

/** An off-peak stretch cut at local midnights: one piece per shown day. */
export interface OffBlock extends Span {
  readonly date: string;
}

export interface EdgeMark {
  readonly action: Action;
  readonly at: number;
  /** Local wall time in the display zone, `20:00`. */
  readonly time: string;
}

/**
 * A day the rule's calendar marks, as the local day in the rule's own zone: a holiday, a make-up
 * workday, or a day the calendar does not cover (a file of it lists no dates that late, so the day
 * counts as an ordinary one whatever it really is).
 */
export interface DayMark extends Span {
  readonly kind: 'holiday' | 'workday' | 'uncovered';
  /** The calendar date, in the rule's zone. */
  readonly date: string;
  /** The holiday's name, when its source gives one (countries do, calendar files do not). */
  readonly name?: string;
  /** For an uncovered day: which file ran out, `schedules/calendars/cn.yaml lists no dates after 2026`. */
  readonly note?: string;
}

/** Money over a week and an average month (sums of savings). */
export interface Money {
  readonly perWeek: number;
  readonly perMonth: number;
  readonly currency: string;
}

export interface ResourceRow {
  readonly resource: WeekResource;
  /** Off-peak pieces, the same as the rule's unless the rule leaves the resource alone. */
  readonly blocks: readonly OffBlock[];
  readonly hoursOffPerWeek: number;
  readonly saving?: Saving;
  /** Why there is no money figure (SWAS is prepaid, size unknown, excluded). */
  readonly note?: string;
  /** Set when the rule never acts on it: `excluded by tag offpeak=never`. */
  readonly excluded?: string;
}

export interface RuleRow {
  readonly rule: Rule;
  /** The rule's windows or crons, as written. */
  readonly timing: string;
  /** Off-peak stretches within the shown days, whole (not cut at midnight). */
  readonly spans: readonly Span[];
  readonly blocks: readonly OffBlock[];
  readonly edges: readonly EdgeMark[];
  readonly marks: readonly DayMark[];
  /** Off-peak hours within the shown days. */
  readonly hoursShown: number;
  readonly hoursOffPerWeek: number;
  /** The sum of its SAE resources' savings, when resolved and any has a size. */
  readonly saving?: Money;
  readonly note?: string;
  /** Resolved resources; empty when not resolved or nothing matched. */
  readonly resources: readonly ResourceRow[];
}

export interface WeekModel {
  readonly zone: string;
  readonly from: number;
  readonly to: number;
  readonly days: readonly WeekDay[];
  readonly dst: readonly DstChange[];
  readonly rows: readonly RuleRow[];
  /** Days the per-week figures average over (the shown days, at least a week). */
  readonly savingsDays: number;
  readonly resolved: boolean;
  /** Every resource counted once, even when two rules name it. */
  readonly total?: Money;
  readonly pricing: Pricing;
  readonly problems: readonly string[];
  readonly warnings: readonly Diagnostic[];
}

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `Mon 5 Oct` for a day number. */
export function dayLabel(day: number): string {
  const date = dateOfDay(day);
  return `${WEEKDAYS[isoWeekday(day) - 1]} ${Number(date.slice(8, 10))} ${MONTHS[Number(date.slice(5, 7)) - 1]}`;
}

/** `HH:MM` of an instant's wall clock in `zone`. */
export function wallTime(zone: string, at: number): string {
  const minutes = Math.floor(wallClock(zone, at).msOfDay / MINUTE);
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** The shown days: each from its local midnight to the next, so DST days are 23 or 25 hours long. */
export function weekDays(zone: string, firstDay: number, days: number): WeekDay[] {
  const out: WeekDay[] = [];
  for (let day = firstDay; day < firstDay + days; day++) {
    const start = wallToInstant(zone, day, 0);
    const end = wallToInstant(zone, day + 1, 0);
    out.push({ day, date: dateOfDay(day), label: dayLabel(day), weekday: isoWeekday(day), start, end, hours: (end - start) / HOUR });
  }
  return out;
}

/** Offset changes within the shown days, each found exactly by bisection. */
export function dstChanges(zone: string, days: readonly WeekDay[]): DstChange[] {
  const out: DstChange[] = [];
  for (const day of days) {
    let from = day.start;
    // A day can in principle hold more than one change; look again after each one found.
    while (offsetAt(zone, from) !== offsetAt(zone, day.end - 1)) {
      const before = offsetAt(zone, from);
      let lo = from;
      let hi = day.end - 1;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (offsetAt(zone, mid) === before) lo = mid;
        else hi = mid;
      }
      const after = offsetAt(zone, hi);
      const verb = after > before ? 'clocks go forward' : 'clocks go back';
      out.push({ at: hi, day, before, after, label: `${verb} ${clockAt(hi, before)} → ${clockAt(hi, after)}` });
      from = hi;
    }
  }
  return out;
}

/** The wall clock an offset shows at an instant, `HH:MM`. */
function clockAt(at: number, offset: number): string {
  const minutes = (((Math.floor(at / MINUTE) + offset) % 1440) + 1440) % 1440;
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/**
 * The rule's off-peak stretches within [from, to). The state changes only at edges; window rules
 * report their ends only with `restore`, which is about acting, not time, so the edges are asked
 * of the rule with restore on, and the state after each is asked of isOffPeak itself (a stop and a
 * start at one instant, or a repeated cron stop, then cannot skew the stretches).
 */
export function offPeakSpans(rule: Rule, from: number, to: number): Span[] {
  if (!(to > from)) return [];
  const spans: Span[] = [];
  let start = isOffPeak(rule, from) ? from : undefined;
  for (const edge of edgesBetween({ ...rule, restore: true }, from, to)) {
    if (edge.at >= to) break;
    const off = isOffPeak(rule, edge.at);
    if (off && start === undefined) start = edge.at;
    else if (!off && start !== undefined) {
      spans.push({ start, end: edge.at });
      start = undefined;
    }
  }
  if (start !== undefined) spans.push({ start, end: to });
  return spans;
}

/** Spans cut at the shown days' boundaries: each piece lies within one local day. */
export function cutAtDays(spans: readonly Span[], days: readonly WeekDay[]): OffBlock[] {
  const out: OffBlock[] = [];
  for (const span of spans) {
    for (const day of days) {
      const start = Math.max(span.start, day.start);
      const end = Math.min(span.end, day.end);
      if (end > start) out.push({ start, end, date: day.date });
    }
  }
  return out;
}

/**
 * Holidays, make-up workdays and uncovered days of the rule's calendar that touch [from, to), as
 * local days in the rule's zone.
 */
export function calendarMarks(rule: Rule, from: number, to: number): DayMark[] {
  const calendar = rule.calendar;
  // Cron rules ignore calendars: marking days they do not heed would mislead.
  if (!calendar || rule.timing.kind === 'cron' || !(to > from)) return [];
  const out: DayMark[] = [];
  const first = wallClock(rule.timezone, from).day;
  const last = wallClock(rule.timezone, to - 1).day;
  for (let day = first; day <= last; day++) {
    const marked = calendar.dayOf(day);
    const uncovered = !marked && !covers(calendar, day);
    if (!marked && !uncovered) continue;
    const start = Math.max(from, wallToInstant(rule.timezone, day, 0));
    const end = Math.min(to, wallToInstant(rule.timezone, day + 1, 0));
    if (!(end > start)) continue;
    const date = dateOfDay(day);
    if (marked) out.push({ kind: marked.kind, date, start, end, ...(marked.name !== undefined && { name: marked.name }) });
    else out.push({ kind: 'uncovered', date, start, end, note: uncoveredNote(calendar) });
  }
  return out;
}

/** Why a calendar does not cover a day: the file that ran out. */
export function uncoveredNote(calendar: Calendar): string {
  const end = calendar.runsOut;
  if (!end) return `calendar ${calendar.name} covers every day`;
  return `${end.file} lists ${end.lastDay === undefined ? 'no dates' : `no dates after ${dateOfDay(end.lastDay).slice(0, 4)}`}`;
}

/** The rule's windows or crons as the file says them. */
export function timingText(rule: Rule): string {
  const t = rule.timing;
  if (t.kind === 'cron') return `stop "${t.stop}"${t.start ? `, start "${t.start}"` : ''}`;
  return `${t.kind} ${t.windows.map((w) => w.text).join(', ')}`;
}

const resourceKey = (r: WeekResource) => `${r.product}:${r.region}:${r.id}`;

function sum(savings: readonly Money[], currency: string): Money | undefined {
  if (savings.length === 0) return undefined;
  return { perWeek: savings.reduce((a, s) => a + s.perWeek, 0), perMonth: savings.reduce((a, s) => a + s.perMonth, 0), currency };
}

function resourceRow(rule: Rule, resource: WeekResource, blocks: readonly OffBlock[], hours: number, pricing: Pricing): ResourceRow {
  // Exclusions are permanent, so the page shows them; snoozes end at an instant and a run decides those.
  const hold = holdReason(resource, rule.exclude, Number.POSITIVE_INFINITY);
  if (hold?.kind === 'excluded')
    return { resource, blocks: [], hoursOffPerWeek: 0, excluded: hold.detail, note: `${hold.detail}: this rule never stops it` };
  if (resource.product === 'swas') return { resource, blocks, hoursOffPerWeek: hours, note: SWAS_PREPAID_NOTE };
  if (!resource.size)
    return { resource, blocks, hoursOffPerWeek: hours, note: 'the SAE list gave no CPU and memory for this app, so no money figure' };
  const saved = savedSize(rule, resource) ?? resource.size;
  const kept =
    rule.offPeakInstances === undefined
      ? {}
      : {
          note: `keeps ${rule.offPeakInstances} instance${rule.offPeakInstances === 1 ? '' : 's'} off-peak: saves ${saved.instances} of them`,
        };
  return { resource, blocks, hoursOffPerWeek: hours, saving: saeSaving(hours, saved, pricing), ...kept };
}

/** The whole page's data. */
export function weekModel(input: WeekInput): WeekModel {
  const { zone, pricing } = input;
  const days = weekDays(zone, input.firstDay, input.days);
  const from = days[0]?.start ?? wallToInstant(zone, input.firstDay, 0);
  const to = days.at(-1)?.end ?? from;
  const savingsDays = Math.max(input.days, MIN_SAVINGS_DAYS);
  const resolved = input.resources !== undefined;
  const counted = new Map<string, Money>();

  const rows = input.rules.map((rule): RuleRow => {
    const spans = offPeakSpans(rule, from, to);
    const blocks = cutAtDays(spans, days);
    // Edges in [from, to): an edge at the first midnight belongs to the first day shown.
    const edges = edgesBetween(rule, from - 1, to - 1).map((e): EdgeMark => ({ action: e.action, at: e.at, time: wallTime(zone, e.at) }));
    const hours = hoursOffPerWeek(rule, from, savingsDays);
    const resources = (input.resources?.get(rule.name) ?? []).map((r) => resourceRow(rule, r, blocks, hours, pricing));
    for (const r of resources) if (r.saving && !counted.has(resourceKey(r.resource))) counted.set(resourceKey(r.resource), r.saving);
    const saving = sum(
      resources.flatMap((r) => (r.saving ? [r.saving] : [])),
      pricing.currency,
    );
    const note = !resolved
      ? 'savings need --resolve'
      : resources.length === 0
        ? 'no resources matched'
        : !saving && resources.some((r) => r.resource.product === 'swas')
          ? SWAS_PREPAID_NOTE
          : undefined;
    return {
      rule,
      timing: timingText(rule),
      spans,
      blocks,
      edges,
      marks: calendarMarks(rule, from, to),
      hoursShown: spans.reduce((a, s) => a + (s.end - s.start), 0) / HOUR,
      hoursOffPerWeek: hours,
      ...(saving ? { saving } : {}),
      ...(note ? { note } : {}),
      resources,
    };
  });

  const total = resolved ? sum([...counted.values()], pricing.currency) : undefined;
  return {
    zone,
    from,
    to,
    days,
    dst: dstChanges(zone, days),
    rows,
    savingsDays,
    resolved,
    ...(total ? { total } : {}),
    pricing,
    problems: input.problems ?? [],
    warnings: input.warnings ?? [],
  };
}

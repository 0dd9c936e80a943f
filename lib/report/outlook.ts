import { hoursOffPerWeek, SWAS_PREPAID_NOTE, type Saving } from '../plan/savings.js';
import { formatDuration } from '../schedule/duration.js';
import { calendarMarks, type DayMark } from '../plan/week.js';
import type { Edge, Rule } from '../schedule/rule.js';
import type { RuleOutlook } from '../schedule/outlook.js';
import { formatLocal } from '../schedule/zone.js';

/** `offpeak plan --json`: a stable shape for scripts. */
export function outlookJson(rules: readonly RuleOutlook[], options: { at: number; tick: string }) {
  const edge = (e: Edge) => ({ action: e.action, at: new Date(e.at).toISOString() });
  return {
    at: new Date(options.at).toISOString(),
    tick: options.tick,
    rules: rules.map(({ rule, offPeak, due, next }) => ({
      name: rule.name,
      timezone: rule.timezone,
      offPeak,
      due: due.map(edge),
      next: next.map(edge),
      file: rule.file,
      restore: rule.restore,
      enforce: rule.enforce,
    })),
  };
}

export interface OutlookTextOptions {
  readonly at: number;
  readonly tick: number;
  readonly days: number;
  /**
   * SAE savings per rule name, when the caller resolved the rules' apps (instances, CPU, memory).
   * Without them the savings line says how to get them: money needs the apps' sizes.
   */
  readonly saeSavings?: ReadonlyMap<string, Saving>;
}

/** `offpeak plan`: a readable table per rule, in the rule's own time zone. */
export function outlookText(rules: readonly RuleOutlook[], options: OutlookTextOptions): string {
  const lines: string[] = [];
  const from = new Date(options.at - options.tick).toISOString();
  lines.push(
    `plan at ${new Date(options.at).toISOString()}  (a run covers (${from}, ${new Date(options.at).toISOString()}], tick ${formatDuration(options.tick)})`,
  );
  for (const { rule, offPeak, due, next } of rules) {
    lines.push('');
    lines.push(`${rule.name}  ${offPeak ? 'OFF-PEAK (targets should be stopped)' : 'on-peak (targets may run)'}`);
    lines.push(
      `  zone ${rule.timezone}, ${rule.file}${rule.restore ? ', restore' : ''}${rule.enforce ? ', enforce' : ''}${rule.calendar ? `, calendar ${rule.calendar.name}` : ''}`,
    );
    lines.push(`  due now    ${due.length ? '' : 'nothing'}`);
    for (const e of due) lines.push(`    ${e.action.padEnd(5)}  ${formatLocal(e.at, rule.timezone)}`);
    lines.push(`  next ${options.days} day${options.days === 1 ? '' : 's'}${next.length ? '' : '  nothing'}`);
    for (const e of next) lines.push(`    ${e.action.padEnd(5)}  ${formatLocal(e.at, rule.timezone)}`);
    for (const line of calendarLines(rule, options.at, options.at + options.days * DAY)) lines.push(`  calendar   ${line}`);
    lines.push(`  savings    ${savingsLine(rule, options)}`);
  }
  if (rules.length === 0) lines.push('', 'no rules');
  return lines.join('\n');
}

const DAY = 86_400_000;
const MAX_GROUPS = 8;

/**
 * The days of the rule's calendar within [from, to) that are not ordinary, as runs of days: its
 * holidays and make-up workdays (with their names when the source gives them), then, when a file of
 * the calendar runs out in that span, the day from which it no longer covers anything.
 */
function calendarLines(rule: Rule, from: number, to: number): string[] {
  const marks = calendarMarks(rule, from, to);
  const groups: Array<{ first: DayMark; last: DayMark }> = [];
  for (const mark of marks.filter((m) => m.kind !== 'uncovered')) {
    const group = groups.at(-1);
    if (group && group.last.kind === mark.kind && group.last.name === mark.name && mark.start === group.last.end) group.last = mark;
    else groups.push({ first: mark, last: mark });
  }
  const day = (mark: DayMark) => formatLocal(mark.start, rule.timezone).slice(0, 14);
  const words = groups.map(({ first, last }) => {
    const kind = first.kind === 'holiday' ? 'holiday' : 'make-up workday';
    const when = first === last ? day(first) : `${day(first)} to ${day(last)}`;
    return `${kind} ${when}${first.name === undefined ? '' : ` (${first.name})`}`;
  });
  const out: string[] = [];
  for (let i = 0; i < words.length; i += MAX_GROUPS) out.push(words.slice(i, i + MAX_GROUPS).join('; '));
  const uncovered = marks.find((m) => m.kind === 'uncovered');
  if (uncovered)
    out.push(`not covered from ${day(uncovered)}: ${uncovered.note ?? 'the calendar runs out'}, so those days count as ordinary days`);
  return out;
}

/** A week at least: shorter plans would call one weekend "the average week". */
const MIN_SAVINGS_DAYS = 7;

/** One line: hours off-peak in an average week and their share, then what that is worth per product. */
function savingsLine(rule: RuleOutlook['rule'], options: OutlookTextOptions): string {
  const days = Math.max(options.days, MIN_SAVINGS_DAYS);
  const hours = hoursOffPerWeek(rule, options.at, days);
  // hours a week over 168 is also the share of the whole span: its days are 24 elapsed hours.
  const parts = [`off ${formatHours(hours)} h a week (${Math.round((hours / 168) * 100)}% of the next ${days} days)`];
  if (rule.targets.sae.length > 0) {
    const saving = options.saeSavings?.get(rule.name);
    parts.push(
      saving
        ? `SAE saves ${formatMoney(saving.perWeek)} ${saving.currency} a week, ${formatMoney(saving.perMonth)} ${saving.currency} a month`
        : 'SAE savings: run with --resolve to count instances',
    );
  }
  if (rule.targets.swas.length > 0) parts.push(SWAS_PREPAID_NOTE);
  return parts.join('; ');
}

/** Whole hours when they are whole (most weeks), else one decimal (DST, absolute windows). */
function formatHours(hours: number): string {
  const tenths = Math.round(hours * 10) / 10;
  return Number.isInteger(tenths) ? String(tenths) : tenths.toFixed(1);
}

function formatMoney(amount: number): string {
  return amount.toFixed(2);
}

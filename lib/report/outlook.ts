import { formatDuration } from '../schedule/duration.js';
import type { Edge } from '../schedule/rule.js';
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

/** `offpeak plan`: a readable table per rule, in the rule's own time zone. */
export function outlookText(rules: readonly RuleOutlook[], options: { at: number; tick: number; days: number }): string {
  const lines: string[] = [];
  const from = new Date(options.at - options.tick).toISOString();
  lines.push(`plan at ${new Date(options.at).toISOString()}  (a run covers (${from}, ${new Date(options.at).toISOString()}], tick ${formatDuration(options.tick)})`);
  for (const { rule, offPeak, due, next } of rules) {
    lines.push('');
    lines.push(`${rule.name}  ${offPeak ? 'OFF-PEAK (targets should be stopped)' : 'on-peak (targets may run)'}`);
    lines.push(`  zone ${rule.timezone}, ${rule.file}${rule.restore ? ', restore' : ''}${rule.enforce ? ', enforce' : ''}${rule.calendar ? `, calendar ${rule.calendar.name}` : ''}`);
    lines.push(`  due now    ${due.length ? '' : 'nothing'}`);
    for (const e of due) lines.push(`    ${e.action.padEnd(5)}  ${formatLocal(e.at, rule.timezone)}`);
    lines.push(`  next ${options.days} day${options.days === 1 ? '' : 's'}${next.length ? '' : '  nothing'}`);
    for (const e of next) lines.push(`    ${e.action.padEnd(5)}  ${formatLocal(e.at, rule.timezone)}`);
  }
  if (rules.length === 0) lines.push('', 'no rules');
  return lines.join('\n');
}

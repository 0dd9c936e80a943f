import { isOffPeak } from '../schedule/engine.js';
import { parseInstant } from '../schedule/instant.js';
import type { Rule } from '../schedule/rule.js';
import { formatLocal } from '../schedule/zone.js';
import type { Resource } from './decide.js';
import type { Narrowing, RuleIntent } from './intents.js';
import { SNOOZE_TAG } from './targets.js';

/**
 * The end of a snooze is an edge for that resource. A rule that lets people wake its targets
 * (`wake`) lists them at every run while it is off-peak, whether or not it enforces: a resource
 * whose `offpeak-snooze-until` has passed is stopped again at the first run after that instant,
 * and its ended tag is removed (lib/execute/snooze.ts), so a missed tick is made up by the next.
 * Pure: the instant and the listings are arguments.
 */

/** When a resource's snooze ended, if it carries a snooze tag whose instant is at or before `at`. */
export function snoozeEnded(resource: Pick<Resource, 'tags'>, at: number): number | undefined {
  const text = resource.tags[SNOOZE_TAG];
  if (text === undefined) return undefined;
  const until = parseInstant(text);
  return until.ok && until.value <= at ? until.value : undefined;
}

/**
 * Stop intents for the off-peak rules with `wake` that have nothing else to do in this run; their
 * resources are narrowed to those whose snooze has ended by `onlyEnded`.
 */
export function snoozeEndIntents(rules: readonly Rule[], at: number, busy: ReadonlySet<string>, narrowing: Narrowing): RuleIntent[] {
  if (narrowing.action === 'start' || narrowing.manual) return [];
  const wanted = narrowing.rules === undefined ? undefined : new Set(narrowing.rules);
  return rules
    .filter((r) => r.wake !== undefined && !busy.has(r.name) && (!wanted || wanted.has(r.name)) && isOffPeak(r, at))
    .map((rule) => ({
      rule,
      intent: {
        action: 'stop',
        reason: `a wake ended; off-peak at ${formatLocal(at, rule.timezone)}`,
        catchUp: false,
        kind: 'enforce',
      },
    }));
}

/** The selection with the snooze-end rules' resources narrowed to those whose snooze has ended. */
export function onlyEnded(
  selected: ReadonlyMap<string, readonly Resource[]>,
  snoozeRules: readonly RuleIntent[],
  at: number,
): Map<string, Resource[]> {
  const out = new Map<string, Resource[]>([...selected].map(([k, v]) => [k, [...v]]));
  for (const { rule } of snoozeRules)
    out.set(
      rule.name,
      (out.get(rule.name) ?? []).filter((r) => snoozeEnded(r, at) !== undefined),
    );
  return out;
}

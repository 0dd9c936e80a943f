import { dueEdges, isOffPeak } from '../schedule/engine.js';
import type { Action, Rule } from '../schedule/rule.js';
import { formatLocal } from '../schedule/zone.js';

/**
 * What each rule asks of its targets in the run for tick instant `at`, before anything is known about the
 * targets. Pure: the tick instant `at` and the tick are arguments.
 */

/** A rule's wish for this run. */
export interface Intent {
  readonly action: Action;
  /** In the user's words, with local times: "off-peak began Tue 2026-11-24 20:00 +08:00". */
  readonly reason: string;
  /** The edge this intent comes from; absent for enforce and manual runs. */
  readonly edgeAt?: number;
  /**
   * True when the edge lies before this run's own tick, i.e. it is only seen because of catchUp.
   * Such a stop must not undo a manual start made after an earlier run applied it.
   */
  readonly catchUp: boolean;
  /** Enforce and manual stops act only on running targets and never follow a start. */
  readonly kind: 'edge' | 'enforce' | 'manual';
}

export interface RuleIntent {
  readonly rule: Rule;
  readonly intent: Intent;
}

/** How a manual event narrows a run; it never widens what the schedules allow. */
export interface Narrowing {
  readonly rules?: readonly string[];
  readonly action?: Action;
  /** A manual run: `action` then converges on the rule's state at `at` rather than waiting for an edge. */
  readonly manual: boolean;
}

/** A rule that asks nothing in this run, and why (shown by dry runs and reports). */
export interface Quiet {
  readonly rule: string;
  readonly reason: string;
}

/**
 * The intents of every rule for the run at `at`.
 * @example intentsAt(rules, Date.parse('2026-11-24T12:00:00Z'), 300_000, { manual: false })
 */
export function intentsAt(
  rules: readonly Rule[],
  at: number,
  tick: number,
  narrowing: Narrowing,
): { intents: RuleIntent[]; quiet: Quiet[] } {
  const intents: RuleIntent[] = [];
  const quiet: Quiet[] = [];
  const wanted = narrowing.rules === undefined ? undefined : new Set(narrowing.rules);
  for (const rule of rules) {
    if (wanted && !wanted.has(rule.name)) continue;
    const intent = intentOf(rule, at, tick, narrowing);
    if (typeof intent === 'string') quiet.push({ rule: rule.name, reason: intent });
    else intents.push({ rule, intent });
  }
  return { intents, quiet };
}

function intentOf(rule: Rule, at: number, tick: number, narrowing: Narrowing): Intent | string {
  const local = (ms: number) => formatLocal(ms, rule.timezone);
  const offPeak = isOffPeak(rule, at);
  if (narrowing.manual && narrowing.action === 'stop') {
    return offPeak
      ? { action: 'stop', reason: `manual stop: off-peak at ${local(at)}`, catchUp: false, kind: 'manual' }
      : `on-peak at ${local(at)}: a manual stop never goes beyond the schedule (pass "at" to act as of another instant)`;
  }
  if (narrowing.manual && narrowing.action === 'start') {
    const starts = rule.timing.kind === 'cron' ? rule.timing.start !== undefined : rule.restore;
    if (!starts) return 'the rule never starts its targets (no restore, no start cron)';
    return offPeak
      ? `off-peak at ${local(at)}: a manual start never goes beyond the schedule`
      : { action: 'start', reason: `manual start: on-peak at ${local(at)}`, catchUp: false, kind: 'manual' };
  }
  // The latest due edge decides: with catchUp a run may see a stop and a later start, and only
  // the state the rule is in at `at` should be acted on.
  const last = dueEdges(rule, at, tick).at(-1);
  if (last && narrowing.action !== undefined && last.action !== narrowing.action) {
    return `the ${last.action} edge at ${local(last.at)} is due, and this run only ${narrowing.action}s`;
  }
  if (last) {
    const began = last.action === 'stop' ? 'off-peak began' : 'off-peak ended';
    return {
      action: last.action,
      reason: `${began} ${local(last.at)}${last.at <= at - tick ? ' (caught up)' : ''}`,
      edgeAt: last.at,
      catchUp: last.at <= at - tick,
      kind: 'edge',
    };
  }
  if (rule.enforce && offPeak && narrowing.action !== 'start') {
    return { action: 'stop', reason: `enforce: off-peak at ${local(at)}`, catchUp: false, kind: 'enforce' };
  }
  return offPeak ? `off-peak, no edge due at ${local(at)}` : `on-peak, no edge due at ${local(at)}`;
}

import { dueEdges, isOffPeak, nextEdges } from './engine.js';
import type { Edge, Rule } from './rule.js';

/** What each rule says at an instant: off-peak or not, the edges a run at `at` acts on, and what comes next. */
export interface RuleOutlook {
  readonly rule: Rule;
  readonly offPeak: boolean;
  readonly due: Edge[];
  readonly next: Edge[];
}

export interface OutlookOptions {
  readonly at: number;
  readonly tick: number;
  /** How far ahead `next` looks, in milliseconds. */
  readonly horizon: number;
}

export function outlook(rules: readonly Rule[], options: OutlookOptions): RuleOutlook[] {
  return rules.map((rule) => ({
    rule,
    offPeak: isOffPeak(rule, options.at),
    due: dueEdges(rule, options.at, options.tick),
    next: nextEdges(rule, options.at, options.at + options.horizon),
  }));
}

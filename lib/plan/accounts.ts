import type { Rule, SaeTarget, SwasTarget } from '../schedule/rule.js';
import type { RuleIntent } from './intents.js';

/**
 * Splitting a run by account. Each account's part is an ordinary run of the same rules with only
 * that account's targets, so everything that counts (the rate limits, the retries, the
 * blast-radius guard) counts per account, and a member whose role cannot be assumed fails alone.
 * `undefined` is the function's own account (targets without `account`).
 */

/** An account's name, or undefined for the function's own. */
export type AccountKey = string | undefined;

/**
 * The rules with only the targets of one account. Every rule stays, with no targets if it has none
 * there, so rule names still narrow alike and each part reports every rule.
 * @example rulesInAccount(rules, 'staging') // the staging targets of every rule
 */
export function rulesInAccount(rules: readonly Rule[], account: AccountKey): Rule[] {
  return rules.map((rule) => ({
    ...rule,
    targets: {
      sae: rule.targets.sae.filter((t) => t.account === account),
      swas: rule.targets.swas.filter((t) => t.account === account),
    },
  }));
}

/** The accounts the rules' targets are in: the function's own first (when a target is there), then members in the order of their first target. */
export function accountsOf(rules: readonly Rule[]): AccountKey[] {
  const targets = rules.flatMap((rule) => [...rule.targets.sae, ...rule.targets.swas]);
  const members = new Set(targets.flatMap((t) => (t.account === undefined ? [] : [t.account])));
  return [...(targets.some((t) => t.account === undefined) ? [undefined] : []), ...members];
}

/** The member accounts whose targets have something due in this run, in the order of their first target. */
export function membersWithWork(intents: readonly RuleIntent[]): string[] {
  return accountsOf(intents.map((i) => i.rule)).filter((a): a is string => a !== undefined);
}

/** True when the own account's targets have something due in this run. */
export function ownHasWork(intents: readonly RuleIntent[]): boolean {
  return accountsOf(intents.map((i) => i.rule)).includes(undefined);
}

/** One target entry of an account that a run could not reach, as the report names it. */
export interface UnreachedTarget {
  readonly product: 'sae' | 'swas';
  readonly region: string;
  /** The id the entry names, or what it selects by. */
  readonly id: string;
}

/**
 * The target entries of one account that the intents would have acted on: explicit ids one by one,
 * selectors as they are written. What a run reports as failed when it cannot reach the account.
 */
export function unreachedTargets(intents: readonly RuleIntent[], account: string): Array<UnreachedTarget & RuleIntent> {
  const out: Array<UnreachedTarget & RuleIntent> = [];
  for (const ruleIntent of intents) {
    for (const t of ruleIntent.rule.targets.sae.filter((t) => t.account === account))
      out.push(...saeEntries(t).map((id) => ({ product: 'sae' as const, region: t.region, id, ...ruleIntent })));
    for (const t of ruleIntent.rule.targets.swas.filter((t) => t.account === account))
      out.push(...swasEntries(t).map((id) => ({ product: 'swas' as const, region: t.region, id, ...ruleIntent })));
  }
  return out;
}

const tagText = (tags: Readonly<Record<string, string>> | undefined): string[] =>
  Object.entries(tags ?? {}).map(([k, v]) => `tag ${k}=${v}`);

function saeEntries(t: SaeTarget): string[] {
  if (t.appId !== undefined) return [t.appId];
  return [[t.namespaceId && `namespace ${t.namespaceId}`, t.appName && `apps ${t.appName}`, ...tagText(t.tags)].filter(Boolean).join(', ')];
}

function swasEntries(t: SwasTarget): string[] {
  if (t.instanceIds !== undefined) return [...t.instanceIds];
  return [[t.instanceName && `instances ${t.instanceName}`, ...tagText(t.tags)].filter(Boolean).join(', ')];
}

import type { Notice } from './notify/message.js';
import type { ResourceResult } from './execute/result.js';
import { edgesBetween } from './schedule/engine.js';
import { formatDuration } from './schedule/duration.js';
import type { Rule } from './schedule/rule.js';
import { formatLocal } from './schedule/zone.js';
import type { Resource } from './plan/decide.js';
import type { Narrowing } from './plan/intents.js';
import { holdReason, SNOOZE_TAG } from './plan/targets.js';

/**
 * Which notices a run posts, and what they say. Pure: the run's instant and the resources are arguments.
 *
 * A before-stop notice follows the edges' own rule (docs/time.md): the stop edge at e, with
 * `before: B`, is announced by the run whose interval (T − tick, T] holds e − B, so exactly one
 * scheduled run posts it. Catch-up does not widen it (a late notice would repeat at every
 * catching-up tick), and a repeated run for the same T (FC's retry, an event delivered twice) posts
 * it again: a duplicate message is the price of never missing one.
 */

/** A stop edge a run announces. */
export interface DueNotice {
  readonly rule: Rule;
  readonly edgeAt: number;
}

/** Names listed in one message before "and N more". */
const MAX_NAMES = 10;
/** A wake long enough to get through an evening, offered in the hint. */
const HINT_WAKE = 2 * 3_600_000;

/** Outcomes that mean a run did something to a resource (a summary is posted only then). */
const DID: ReadonlySet<ResourceResult['outcome']> = new Set([
  'stopped',
  'started',
  'stopping',
  'starting',
  'scaled-in',
  'scaled-out',
  'failed',
  'deferred',
  'held',
]);
const BAD: ReadonlySet<ResourceResult['outcome']> = new Set(['failed', 'deferred', 'held']);

/**
 * The stop edges the run for tick instant `at` announces: e with e − before in (at − tick, at],
 * still ahead of `at`, of rules that want before-stop notices and that the request does not exclude.
 */
export function beforeStopDue(rules: readonly Rule[], at: number, tick: number, narrowing: Narrowing): DueNotice[] {
  const wanted = narrowing.rules === undefined ? undefined : new Set(narrowing.rules);
  if (narrowing.action === 'start') return [];
  return rules.flatMap((rule) => {
    const before = rule.notify?.before;
    if (before === undefined || !rule.notify!.on.includes('before-stop') || (wanted && !wanted.has(rule.name))) return [];
    return edgesBetween(rule, at - tick + before, at + before)
      .filter((e) => e.action === 'stop' && e.at > at)
      .map((e) => ({ rule, edgeAt: e.at }));
  });
}

/** Whether a resource will be acted on at the stop edge: running (or on its way), not excluded, not snoozed past it. */
function dueAt(rule: Rule, resource: Resource, edgeAt: number): boolean {
  if (holdReason(resource, rule.exclude, edgeAt)) return false;
  if (resource.state !== 'running' && resource.state !== 'starting') return false;
  // An app kept at N instances is only touched when it runs more.
  const keep = resource.product === 'sae' ? rule.offPeakInstances : undefined;
  return keep === undefined || resource.instances === undefined || resource.instances > keep;
}

/** A rule as a title names it: with the member account whose part of the run speaks, if any. */
const ruleIn = (rule: Rule, account: string | undefined) => `rule ${rule.name}${account === undefined ? '' : ` in account ${account}`}`;
/** The notice's account field, for a member account's part. */
const from = (account: string | undefined) => (account === undefined ? {} : { account });

const label = (r: { product: string; region: string; name: string }) => `${r.product.toUpperCase()} ${r.region} ${r.name}`;

/** "- a", "- b", …, "- and 3 more". */
function names(items: readonly string[]): string[] {
  const shown = items.slice(0, MAX_NAMES).map((n) => `- ${n}`);
  return items.length > MAX_NAMES ? [...shown, `- and ${items.length - MAX_NAMES} more`] : shown;
}

/**
 * The notice of one rule's coming stop edge, naming what it will stop; undefined when nothing of
 * its targets would be touched.
 */
export function beforeStopNotice(due: DueNotice, resources: readonly Resource[], at: number, account?: string): Notice | undefined {
  const { rule, edgeAt } = due;
  const touched = resources.filter((r) => dueAt(rule, r, edgeAt)).sort((a, b) => label(a).localeCompare(label(b)));
  if (touched.length === 0) return undefined;
  const when = formatLocal(edgeAt, rule.timezone);
  const keep = rule.offPeakInstances;
  const verb = keep === undefined ? 'stops' : `scales to ${keep} instance${keep === 1 ? '' : 's'}`;
  const count = `${touched.length} resource${touched.length === 1 ? '' : 's'}`;
  const first = touched[0]!.name;
  const hint =
    rule.wake !== undefined
      ? `To keep one running: offpeak wake ${first} --for ${formatDuration(Math.min(HINT_WAKE, rule.wake))}, or invoke the function with {"wake":{"targets":["${first}"],"for":"${formatDuration(Math.min(HINT_WAKE, rule.wake))}"}}`
      : `To keep one running, tag it ${SNOOZE_TAG} with the instant it may stop, e.g. ${new Date(edgeAt + HINT_WAKE).toISOString()}`;
  return {
    kind: 'before-stop',
    rule: rule.name,
    ...from(account),
    title: `offpeak: ${ruleIn(rule, account)} ${verb} ${count} at ${when} (in ${formatDuration(edgeAt - at)})`,
    lines: [...names(touched.map(label)), hint],
  };
}

/** A listing that failed, as the run reports it. */
interface Unresolved {
  readonly product: 'sae' | 'swas';
  readonly region: string;
  readonly code: string;
}

/** What the failure and summary notices are made of: a run's results. */
export interface RunFacts {
  readonly at: number;
  readonly results: readonly ResourceResult[];
  readonly unresolved: readonly Unresolved[];
  readonly guard?: string;
  /** The member account this part of a run acted in; absent for the function's own. */
  readonly account?: string;
}

const countsOf = (results: readonly ResourceResult[]) => {
  const counts = new Map<string, number>();
  for (const r of results) counts.set(r.outcome, (counts.get(r.outcome) ?? 0) + 1);
  return [...counts].map(([o, n]) => `${n} ${o}`).join(', ');
};

const resultLine = (r: ResourceResult) =>
  `- ${r.outcome.toUpperCase()} ${r.action} ${label(r)}${r.code ? `: ${r.code}` : ''}${r.detail ? ` (${r.detail})` : ''}`;

/**
 * One failure notice per rule that asks for them and whose part of the run failed: a resource failed,
 * deferred or held by the guard, or a listing of its targets failed.
 */
export function failureNotices(rules: readonly Rule[], facts: RunFacts): Notice[] {
  return rules.flatMap((rule) => {
    if (!rule.notify?.on.includes('failure')) return [];
    const bad = facts.results.filter((r) => r.rules.includes(rule.name) && BAD.has(r.outcome));
    const regions = new Set([...rule.targets.sae.map((t) => `sae:${t.region}`), ...rule.targets.swas.map((t) => `swas:${t.region}`)]);
    const listings = facts.unresolved.filter((u) => regions.has(`${u.product}:${u.region}`));
    if (bad.length === 0 && listings.length === 0) return [];
    const what = [countsOf(bad), listings.length ? `${listings.length} listing${listings.length === 1 ? '' : 's'} failed` : '']
      .filter(Boolean)
      .join(', ');
    const held = bad.some((r) => r.outcome === 'held') && facts.guard ? [`GUARD: ${facts.guard}`] : [];
    const lines = [
      ...listings.map(
        (u) => `- UNRESOLVED ${u.product.toUpperCase()} ${u.region}: listing failed (${u.code}); its targets were not touched`,
      ),
      ...bad.slice(0, MAX_NAMES).map(resultLine),
      ...(bad.length > MAX_NAMES ? [`- and ${bad.length - MAX_NAMES} more`] : []),
      ...held,
      'The function fails this run, and Function Compute retries it; what each code means: docs/operating.md, "When a run fails".',
    ];
    return [
      {
        kind: 'failure' as const,
        rule: rule.name,
        ...from(facts.account),
        title: `offpeak: ${ruleIn(rule, facts.account)} FAILED in the run at ${formatLocal(facts.at, rule.timezone)}: ${what}`,
        lines,
      },
    ];
  });
}

/** One summary per rule that asks for them and whose resources the run acted on. */
export function summaryNotices(rules: readonly Rule[], facts: RunFacts): Notice[] {
  return rules.flatMap((rule) => {
    if (!rule.notify?.on.includes('summary')) return [];
    const did = facts.results.filter((r) => r.rules.includes(rule.name) && DID.has(r.outcome));
    if (did.length === 0) return [];
    return [
      {
        kind: 'summary' as const,
        rule: rule.name,
        ...from(facts.account),
        title: `offpeak: ${ruleIn(rule, facts.account)} at ${formatLocal(facts.at, rule.timezone)}: ${countsOf(did)}`,
        lines: [...did.slice(0, MAX_NAMES).map(resultLine), ...(did.length > MAX_NAMES ? [`- and ${did.length - MAX_NAMES} more`] : [])],
      },
    ];
  });
}

import type { Action } from '../schedule/rule.js';
import type { RuleIntent } from './intents.js';
import type { SaeSize } from './savings.js';
import { holdReason } from './targets.js';

/**
 * Decisions, each with a reason: rule intents x the resources their targets resolved to. Pure.
 * The executor acts on `act` decisions only; every `skip` is reported as it is.
 */

export type ResourceState = 'running' | 'stopped' | 'stopping' | 'starting' | 'unavailable';

/** A resolved target with what the list APIs said about it. */
export interface Resource {
  readonly product: 'sae' | 'swas';
  readonly id: string;
  readonly name: string;
  readonly region: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly state: ResourceState;
  /** The provider's own word for the state (SWAS status, or SAE running instances). */
  readonly status: string;
  readonly namespaceId?: string;
  /** SAE: the configured instance count, as the listing says it (keep.ts rescales by it). */
  readonly instances?: number;
  /** SAE: configured instances and per-instance size, when the listing says them (savings need it). */
  readonly size?: SaeSize;
}

export type SkipKind = 'already' | 'excluded' | 'snoozed' | 'conflict' | 'unavailable' | 'guard';

export interface Decision {
  readonly resource: Resource;
  readonly action: Action;
  /** The rules that asked for it (several when rules agree). */
  readonly rules: readonly string[];
  readonly verdict: 'act' | 'skip';
  readonly skip?: SkipKind;
  readonly reason: string;
  readonly edgeAt?: number;
  readonly catchUp: boolean;
  readonly kind: 'edge' | 'enforce' | 'manual';
  /** SAE with `offPeakInstances`: rescale instead of stopping or starting (keep.ts). */
  readonly rescale?: Rescale;
}

/** A rescale in place of a stop (to the off-peak count) or a start (back to the count it had). */
export interface Rescale {
  readonly from: number;
  readonly to: number;
  /** Remove the remembered count once done (the restore), or only remove it (a count a person changed). */
  readonly forget?: boolean;
}

export interface DecideOptions {
  readonly at: number;
  /** Above this many stops in one run nothing is stopped, unless forced. */
  readonly maxStopsPerRun: number;
  readonly force: boolean;
}

export interface Decided {
  readonly decisions: Decision[];
  /** Set when the blast-radius guard held the run back. */
  readonly guard?: string;
}

const key = (r: Resource) => `${r.product}:${r.region}:${r.id}`;

/**
 * @param selected for each rule with an intent, the resources its targets selected
 */
export function decide(
  intents: readonly RuleIntent[],
  selected: ReadonlyMap<string, readonly Resource[]>,
  options: DecideOptions,
): Decided {
  const wishes = new Map<string, Array<{ rule: string; intent: RuleIntent['intent']; resource: Resource }>>();
  const decisions: Decision[] = [];
  for (const { rule, intent } of intents) {
    for (const resource of selected.get(rule.name) ?? []) {
      const hold = holdReason(resource, rule.exclude, options.at);
      if (hold) {
        decisions.push({
          resource,
          action: intent.action,
          rules: [rule.name],
          verdict: 'skip',
          skip: hold.kind,
          reason: hold.detail,
          catchUp: intent.catchUp,
          kind: intent.kind,
          ...edge(intent.edgeAt),
        });
        continue;
      }
      const list = wishes.get(key(resource)) ?? [];
      list.push({ rule: rule.name, intent, resource });
      wishes.set(key(resource), list);
    }
  }
  for (const list of wishes.values()) {
    const resource = list[0]!.resource;
    const rules = [...new Set(list.map((w) => w.rule))];
    const actions = new Set(list.map((w) => w.intent.action));
    if (actions.size > 1) {
      const detail = list.map((w) => `${w.rule} wants ${w.intent.action}`).join(', ');
      decisions.push({
        resource,
        action: 'stop',
        rules,
        verdict: 'skip',
        skip: 'conflict',
        reason: `conflict: ${detail}; left alone`,
        catchUp: false,
        kind: 'edge',
      });
      continue;
    }
    // Rules that agree act once. A fresh edge outranks a caught-up one (its run is the first to see it).
    const first = [...list].sort((a, b) => Number(a.intent.catchUp) - Number(b.intent.catchUp))[0]!;
    const { intent } = first;
    const base = { resource, action: intent.action, rules, catchUp: intent.catchUp, kind: intent.kind, ...edge(intent.edgeAt) };
    const already = alreadyThere(resource, intent.action);
    if (already) decisions.push({ ...base, verdict: 'skip', skip: already.skip, reason: already.reason });
    else
      decisions.push({
        ...base,
        verdict: 'act',
        reason: rules.length > 1 ? `${intent.reason} (rules ${rules.join(', ')})` : intent.reason,
      });
  }
  decisions.sort(
    (a, b) =>
      a.resource.product.localeCompare(b.resource.product) ||
      a.resource.region.localeCompare(b.resource.region) ||
      a.resource.name.localeCompare(b.resource.name) ||
      a.resource.id.localeCompare(b.resource.id),
  );

  const stops = decisions.filter((d) => d.verdict === 'act' && d.action === 'stop').length;
  if (stops > options.maxStopsPerRun && !options.force) {
    const guard = `this run would stop ${stops} resources, more than maxStopsPerRun (${options.maxStopsPerRun}); nothing was stopped. Check the schedules' selectors, then raise OFFPEAK_MAX_STOPS_PER_RUN or invoke with {"force": true}`;
    return {
      guard,
      decisions: decisions.map((d) =>
        d.verdict === 'act' && d.action === 'stop'
          ? { ...d, verdict: 'skip', skip: 'guard', reason: 'held back by the blast-radius guard' }
          : d,
      ),
    };
  }
  return { decisions };
}

const edge = (at: number | undefined) => (at === undefined ? {} : { edgeAt: at });

/** A resource that is already where the action would take it, or cannot be moved now. */
function alreadyThere(resource: Resource, action: Action): { skip: SkipKind; reason: string } | undefined {
  const state = resource.state;
  if (state === 'unavailable') return { skip: 'unavailable', reason: `in state ${resource.status}; left alone` };
  if (action === 'stop' && (state === 'stopped' || state === 'stopping')) return { skip: 'already', reason: `already ${state}` };
  if (action === 'start' && (state === 'running' || state === 'starting')) return { skip: 'already', reason: `already ${state}` };
  return undefined;
}

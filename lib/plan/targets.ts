import type { SaeApp, SwasInstance } from '../cloud/api.js';
import { parseInstant } from '../schedule/instant.js';
import type { Exclusions, SaeTarget, SwasTarget } from '../schedule/rule.js';

/**
 * Which listed resources a rule's targets select, and which of those it must leave alone. Pure:
 * the lists come from the cloud (resolve.ts); matching here is what makes "selectors of one entry
 * all have to match, several entries add up" true.
 */

/** The tag a person sets to keep a resource out of offpeak's hands until an instant. */
export const SNOOZE_TAG = 'offpeak-snooze-until';

/** A glob with `*` (any run of characters) and `?` (one character); the rest is literal. */
export function globMatches(pattern: string, name: string): boolean {
  // Iterative matching with one backtrack point: linear for any pattern, unlike a built RegExp.
  let p = 0;
  let n = 0;
  let star = -1;
  let mark = 0;
  while (n < name.length) {
    // The wildcard first: a `*` in the pattern is a wildcard even where the name has a `*` too.
    if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = n;
    } else if (p < pattern.length && (pattern[p] === '?' || pattern[p] === name[n])) {
      p++;
      n++;
    } else if (star >= 0) {
      p = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

const hasTags = (have: Readonly<Record<string, string>>, want: Readonly<Record<string, string>> | undefined): boolean =>
  want === undefined || Object.entries(want).every(([k, v]) => have[k] === v);

/** True when an SAE app is selected by one target entry. */
export function saeTargetMatches(target: SaeTarget, app: SaeApp): boolean {
  if (app.regionId !== target.region) return false;
  if (target.appId !== undefined) return app.appId === target.appId;
  if (target.namespaceId !== undefined && app.namespaceId !== target.namespaceId) return false;
  if (target.appName !== undefined && !globMatches(target.appName, app.appName)) return false;
  return hasTags(app.tags, target.tags);
}

/** True when a SWAS instance is selected by one target entry. */
export function swasTargetMatches(target: SwasTarget, instance: SwasInstance): boolean {
  if (instance.regionId !== target.region) return false;
  if (target.instanceIds !== undefined) return target.instanceIds.includes(instance.instanceId);
  if (target.instanceName !== undefined && !globMatches(target.instanceName, instance.instanceName)) return false;
  return hasTags(instance.tags, target.tags);
}

/** Why a selected resource is left alone, or undefined when the rule may act on it. */
export function holdReason(
  resource: { readonly id: string; readonly tags: Readonly<Record<string, string>> },
  exclude: Exclusions,
  at: number,
): { kind: 'excluded' | 'snoozed'; detail: string } | undefined {
  if (exclude.ids.includes(resource.id)) return { kind: 'excluded', detail: 'excluded by id' };
  const tag = Object.entries(exclude.tags).find(([k, v]) => resource.tags[k] === v);
  if (tag) return { kind: 'excluded', detail: `excluded by tag ${tag[0]}=${tag[1]}` };
  const snooze = resource.tags[SNOOZE_TAG];
  if (snooze !== undefined) {
    // Only an ISO instant with its offset: a bare wall time would be read in whatever zone the function runs.
    const until = parseInstant(snooze);
    if (!until.ok) return { kind: 'snoozed', detail: `tag ${SNOOZE_TAG}: ${until.message}; left alone to be safe` };
    if (until.value > at) return { kind: 'snoozed', detail: `snoozed until ${new Date(until.value).toISOString()}` };
  }
  return undefined;
}

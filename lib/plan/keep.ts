import type { Rule } from '../schedule/rule.js';
import type { Decision } from './decide.js';
import type { SaeSize } from './savings.js';

/**
 * `offPeakInstances: N`: an SAE app is scaled to N at the stop edge instead of stopped, and back at
 * the restore edge to the count it had. Pure: the decisions come from decide.ts and are rewritten.
 *
 * The count it had is remembered on the app itself, in the tag INSTANCES_TAG written just before
 * the scale-in (the function keeps no state of its own), and removed after the restore. If the
 * count at the restore edge is neither N nor the remembered one, a person changed it in between:
 * offpeak leaves it, removes the tag and says so.
 */

/** The tag holding an app's instance count from before its scale-in. */
export const INSTANCES_TAG = 'offpeak-instances-before';

/** The off-peak count the rules of a decision ask for (the first rule that says one). */
function keepOf(decision: Decision, rules: ReadonlyMap<string, Rule>): number | undefined {
  for (const name of decision.rules) {
    const n = rules.get(name)?.offPeakInstances;
    if (n !== undefined) return n;
  }
  return undefined;
}

/** The decisions, with SAE apps of keep-N rules rescaled instead of stopped or started. */
export function keepInstances(decisions: readonly Decision[], rules: readonly Rule[]): Decision[] {
  const byName = new Map(rules.map((r) => [r.name, r]));
  return decisions.map((d) => {
    if (d.resource.product !== 'sae') return d;
    const keep = keepOf(d, byName);
    if (keep === undefined) return d;
    const count = d.resource.instances;
    const running = d.resource.state === 'running';
    if (d.action === 'stop') {
      if (d.verdict !== 'act' || !running || count === undefined) return d;
      if (count <= keep)
        return { ...d, verdict: 'skip', skip: 'already', reason: `${d.reason}; already at ${count} of ${keep} off-peak instances` };
      return { ...d, rescale: { from: count, to: keep } };
    }
    const remembered = Number(d.resource.tags[INSTANCES_TAG]);
    if (!(Number.isInteger(remembered) && remembered >= 1) || !running || count === undefined) return d;
    if (count === remembered) return { ...d, verdict: 'skip', skip: 'already', rescale: { from: count, to: count, forget: true } };
    if (count !== keep)
      return {
        ...d,
        verdict: 'skip',
        skip: 'unavailable',
        reason: `${d.reason}; its instance count was changed to ${count} since the stop edge (offpeak left ${keep}, and it had ${remembered}): left as it is`,
        rescale: { from: count, to: count, forget: true },
      };
    return {
      ...d,
      verdict: 'act',
      reason: `${d.reason}; back to ${remembered} instances`,
      rescale: { from: count, to: remembered, forget: true },
    };
  });
}

/**
 * What a keep-N rule saves of an app: only the instances it takes away. The count it had is the
 * remembered one while the app is scaled in (a plan at night), else the listing's.
 */
export function savedSize(
  rule: Rule,
  app: { readonly size?: SaeSize; readonly tags: Readonly<Record<string, string>> },
): SaeSize | undefined {
  if (!app.size) return undefined;
  if (rule.offPeakInstances === undefined) return app.size;
  const remembered = Number(app.tags[INSTANCES_TAG]);
  const had = Number.isInteger(remembered) && remembered >= 1 ? remembered : app.size.instances;
  return { ...app.size, instances: Math.max(0, had - rule.offPeakInstances) };
}

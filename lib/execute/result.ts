import type { Action } from '../schedule/rule.js';
import type { Decision, SkipKind } from '../plan/decide.js';

/**
 * What happened to one resource: the report's unit. A failure is a result with a code, never an
 * exception that stops the others.
 */

export type Outcome =
  /** Confirmed: the SAE change order finished, or the state was read back. */
  | 'stopped'
  | 'started'
  /** Accepted by SWAS and on its way (Stopping/Starting). */
  | 'stopping'
  | 'starting'
  /** A dry run: this is what a real run would do. */
  | 'would-stop'
  | 'would-start'
  | 'skipped'
  | 'failed'
  /** Not done before the deadline: the run fails so Function Compute retries it. */
  | 'deferred';

export interface ResourceResult {
  readonly product: 'sae' | 'swas';
  readonly region: string;
  readonly id: string;
  readonly name: string;
  readonly action: Action;
  readonly rules: readonly string[];
  readonly outcome: Outcome;
  readonly skip?: SkipKind | 'started-since';
  /** Why the decision was made ("off-peak began …"), and what then happened. */
  readonly reason: string;
  readonly detail?: string;
  readonly code?: string;
  readonly requestId?: string;
  readonly changeOrderId?: string;
  readonly clientToken?: string;
}

/** The result of a decision that was not acted on. */
export function skippedResult(d: Decision): ResourceResult {
  return { ...identity(d), outcome: 'skipped', ...(d.skip ? { skip: d.skip } : {}), reason: d.reason };
}

/** The fields every result of a decision shares. */
export function identity(d: Decision): Pick<ResourceResult, 'product' | 'region' | 'id' | 'name' | 'action' | 'rules' | 'reason'> {
  return { product: d.resource.product, region: d.resource.region, id: d.resource.id, name: d.resource.name, action: d.action, rules: d.rules, reason: d.reason };
}

/** True for outcomes that count as success. */
export const succeeded = (o: Outcome): boolean => o !== 'failed' && o !== 'deferred';

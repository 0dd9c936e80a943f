import type { Action } from '../schedule/rule.js';
import type { Decision, SkipKind } from '../plan/decide.js';

/**
 * What happened to one resource: the report's unit. A failure is a result with a code, never an
 * exception that stops the others.
 */

export type Outcome =
  /** Confirmed: the SAE change order finished. */
  | 'stopped'
  | 'started'
  /** Accepted by SWAS and on its way (Stopping/Starting). */
  | 'stopping'
  | 'starting'
  /** SAE with `offPeakInstances`: confirmed scaled to the off-peak count, or back to the count it had. */
  | 'scaled-in'
  | 'scaled-out'
  /** Nothing to do: it already was where the rule wants it. */
  | 'already-stopped'
  | 'already-running'
  /** A dry run: this is what a real run would do. */
  | 'would-stop'
  | 'would-start'
  /** Left alone on purpose: tagged offpeak-snooze-until, excluded by the rule, or claimed by two rules at odds. */
  | 'snoozed'
  | 'excluded'
  | 'conflict'
  /** Held back by the blast-radius guard. */
  | 'held'
  /** Left alone for a reason given (a state that cannot move, a start made after a caught-up stop). */
  | 'skipped'
  | 'failed'
  /** Not done before the deadline: the run fails so Function Compute retries it. */
  | 'deferred';

export const OUTCOMES: readonly Outcome[] = [
  'stopped',
  'started',
  'stopping',
  'starting',
  'scaled-in',
  'scaled-out',
  'already-stopped',
  'already-running',
  'would-stop',
  'would-start',
  'snoozed',
  'excluded',
  'conflict',
  'held',
  'skipped',
  'failed',
  'deferred',
];

export interface ResourceResult {
  /** The member account it is in (schedule `accounts`); absent for the function's own account. */
  readonly account?: string;
  readonly product: 'sae' | 'swas';
  readonly region: string;
  readonly id: string;
  readonly name: string;
  readonly action: Action;
  readonly rules: readonly string[];
  readonly outcome: Outcome;
  /** Why the decision was made ("off-peak began …"), and what then happened. */
  readonly reason: string;
  readonly detail?: string;
  readonly code?: string;
  readonly requestId?: string;
  readonly changeOrderId?: string;
  /** The batch it was sent in (SWAS; SAE in batch mode): its ClientToken, request ids and calls are stated there, once. */
  readonly batch?: string;
  /** API requests made for it alone, retries included (a batch's are counted on the batch). */
  readonly attempts?: number;
  readonly requestIds?: readonly string[];
  /** Milliseconds from the first call for it to its result. */
  readonly ms?: number;
}

/**
 * One request sent for many resources (a SWAS StopInstances/StartInstances of up to 100 ids; an SAE
 * BatchStop/StartApplications of one namespace in batch mode). Its members' results name it, so the
 * token and request ids appear once however big the batch.
 */
export interface BatchRecord {
  /** `swas-1`, `swas-2`, … (`sae-1`, … for SAE) in the order the run formed them. */
  readonly id: string;
  readonly product: 'sae' | 'swas';
  readonly region: string;
  readonly action: Action;
  readonly size: number;
  /** The ClientToken of the batch's first request: every run that sees the same edge sends it again. */
  readonly clientToken?: string;
  /** Tokens of later requests, each its own (after a refusal and a re-read, or a wait for instances in transition). */
  readonly laterTokens?: readonly string[];
  /** API requests made for the batch, retries and re-reads included. */
  readonly attempts: number;
  readonly requestIds?: readonly string[];
  readonly ms: number;
}

/** The result of a decision that was not acted on. */
export function skippedResult(d: Decision): ResourceResult {
  // A resource on its way already says so: stopping is not stopped yet.
  if (d.skip === 'already' && (d.resource.state === 'stopping' || d.resource.state === 'starting'))
    return { ...identity(d), outcome: d.resource.state };
  return { ...identity(d), outcome: skipOutcome(d.skip, d.action) };
}

/** The outcome that names why a decision was skipped. */
export function skipOutcome(skip: SkipKind | undefined, action: Action): Outcome {
  switch (skip) {
    case 'already':
      return action === 'stop' ? 'already-stopped' : 'already-running';
    case 'snoozed':
    case 'excluded':
    case 'conflict':
      return skip;
    case 'guard':
      return 'held';
    default:
      return 'skipped';
  }
}

/** The fields every result of a decision shares. */
export function identity(d: Decision): Pick<ResourceResult, 'product' | 'region' | 'id' | 'name' | 'action' | 'rules' | 'reason'> {
  return {
    product: d.resource.product,
    region: d.resource.region,
    id: d.resource.id,
    name: d.resource.name,
    action: d.action,
    rules: d.rules,
    reason: d.reason,
  };
}

/** True for outcomes that count as success. */
export const succeeded = (o: Outcome): boolean => o !== 'failed' && o !== 'deferred';

import type { CloudApis } from '../cloud/api.js';
import { withLedger } from '../cloud/ledger.js';
import { CloudError } from '../cloud/errors.js';
import { MutationRefused } from '../cloud/refuse.js';
import { failureOf } from '../errors.js';
import type { Decision } from '../plan/decide.js';
import { DeadlineError, type Deadline } from './deadline.js';
import type { BatchRecord, ResourceResult } from './result.js';

/** What the executors share within one run. */
export interface ExecuteContext {
  /** The clients, already behind the gate (pacing, retries, deadline). */
  readonly apis: CloudApis;
  readonly deadline: Deadline;
  readonly sleep: (ms: number) => Promise<void>;
  /** Base interval for following change orders and transitions (grows by half each poll, capped at 4x). */
  readonly pollMs: number;
  /** The tick instant: the edge instant of tokens for intents without an edge. */
  readonly at: number;
  /**
   * The run began well after its tick instant, so it may repeat a run that already applied its
   * edges (FC's retry of a failed run, an event delivered twice): its SAE stops check for a start
   * made since the edge, as a catch-up's do.
   */
  readonly late: boolean;
  /** SAE: stop and start per namespace with the batch APIs (needs a broader RAM grant). */
  readonly saeBatch: boolean;
  /** The batches sent so far, each stated once for the report. */
  readonly batches: BatchRecord[];
  /** Products and regions that refused us with a permission error: not tried again this run. */
  readonly denied: Map<string, CloudError>;
  /** Hears each finished resource and what the run is waiting for (progress on a terminal). */
  readonly progress?: Progress;
}

/** Progress of a run, for people watching a terminal. */
export interface Progress {
  finished(result: ResourceResult): void;
  waiting(what: string): void;
}

/**
 * True when this decision's edge may have been applied by an earlier run: a catch-up, or any act of
 * a late run (FC's retry, an event delivered twice). Such a run must not undo what a person did since.
 */
export const mayRepeat = (decision: Decision, ctx: ExecuteContext): boolean => decision.catchUp || ctx.late;

/** Waits `ms` if the deadline allows it; throws DeadlineError otherwise. */
export async function pause(ctx: ExecuteContext, ms: number, what: string): Promise<void> {
  if (!ctx.deadline.allows(ms)) throw new DeadlineError(`the deadline came while ${what}`);
  ctx.progress?.waiting(what);
  await ctx.sleep(ms);
}

/** The next polling interval after `ms`. */
export const nextPoll = (ctx: ExecuteContext, ms: number): number => Math.min(Math.round(ms * 1.5), ctx.pollMs * 4);

/** A failed, deferred or denied result for an error thrown while acting on a resource. */
export function resultOfError(base: Omit<ResourceResult, 'outcome'>, error: unknown, ctx: ExecuteContext): ResourceResult {
  if (error instanceof DeadlineError) return { ...base, outcome: 'deferred', detail: error.message };
  // The run's client refused a mutation (a dry run, or stops held by the guard): nothing was sent.
  if (error instanceof MutationRefused) {
    // What the decision would have done (a tag write serves its decision's action).
    const outcome = error.reason === 'guard' ? 'held' : base.action === 'stop' ? 'would-stop' : 'would-start';
    return { ...base, outcome, detail: error.message };
  }
  if (error instanceof CloudError) {
    if (error.kind === 'permission') ctx.denied.set(`${error.product}:${base.region}`, error);
    return {
      ...base,
      outcome: 'failed',
      code: error.code,
      detail: `${error.action}: ${error.message}`,
      ...(error.requestId ? { requestId: error.requestId } : {}),
    };
  }
  // Not the cloud's refusal: offpeak's own code, and a bug said to be one, never an Alibaba-like 'InternalError'.
  const { code, message } = failureOf(error);
  return { ...base, outcome: 'failed', code, detail: message };
}

/** The result for a resource whose product and region already refused a permission this run. */
export function deniedResult(base: Omit<ResourceResult, 'outcome'>, ctx: ExecuteContext): ResourceResult | undefined {
  const error = ctx.denied.get(`${base.product}:${base.region}`);
  if (!error) return undefined;
  return {
    ...base,
    outcome: 'failed',
    code: error.code,
    detail: `not tried: ${base.product} in ${base.region} refused permission earlier in this run (${error.code})`,
  };
}

/**
 * Runs one batch's work with a ledger and records the batch once (its calls, request ids, tokens
 * and time); each member's result names the batch instead of carrying copies.
 */
export async function asBatch(
  batch: Omit<BatchRecord, 'attempts' | 'requestIds' | 'ms' | 'clientToken' | 'laterTokens'>,
  work: (tokens: string[]) => Promise<ResourceResult[]>,
  ctx: ExecuteContext,
): Promise<ResourceResult[]> {
  const started = ctx.deadline.clock.now();
  const tokens: string[] = [];
  const { value, ledger } = await withLedger(() => work(tokens));
  const [clientToken, ...laterTokens] = tokens;
  ctx.batches.push({
    ...batch,
    ...(clientToken ? { clientToken } : {}),
    ...(laterTokens.length ? { laterTokens } : {}),
    attempts: ledger.calls,
    ...(ledger.requestIds.length ? { requestIds: [...ledger.requestIds] } : {}),
    ms: Math.max(0, Math.round(ctx.deadline.clock.now() - started)),
  });
  return value.map((r) => ({ ...r, batch: batch.id }));
}

import type { SaeChangeOrder } from '../cloud/api.js';
import { withLedger } from '../cloud/ledger.js';
import { boundedDetail } from '../errors.js';
import type { Decision } from '../plan/decide.js';
import { INSTANCES_TAG } from '../plan/keep.js';
import { deniedResult, nextPoll, pause, resultOfError, type ExecuteContext } from './context.js';
import { pooled } from './pool.js';
import { identity, skippedResult, type ResourceResult } from './result.js';

/**
 * Keeping N instances (`offPeakInstances`): RescaleApplication instead of a stop or a start, its
 * change order followed as a stop's is, so "scaled-in" in the report means the app runs N instances.
 * The count it had is tagged on the app before the scale-in (the tag is the memory: the function
 * keeps none) and removed after the restore, or when a person changed the count in between.
 */

/** Apps rescaled at once: a handful, since each is followed to its end. */
const IN_FLIGHT = 8;
/** Reads that find an order stuck (SubStatus 1) before the app is failed, as for stops. */
const STUCK_READS = 3;
const ORDER_ENDS: Readonly<Record<number, string>> = { 3: 'ChangeOrderFailed', 6: 'ChangeOrderTerminated', 10: 'ChangeOrderSystemFailure' };

/** Carries out decisions that rescale (acts) or only forget the remembered count (skips). */
export function executeKeep(decisions: readonly Decision[], ctx: ExecuteContext): Promise<ResourceResult[]> {
  return pooled(decisions, IN_FLIGHT, async (d) => {
    const started = ctx.deadline.clock.now();
    const { value, ledger } = await withLedger(() => keepOne(d, ctx));
    const result: ResourceResult = {
      ...value,
      attempts: ledger.calls,
      ...(ledger.requestIds.length ? { requestIds: [...ledger.requestIds] } : {}),
      ms: Math.round(ctx.deadline.clock.now() - started),
    };
    ctx.progress?.finished(result);
    return result;
  });
}

async function keepOne(d: Decision, ctx: ExecuteContext): Promise<ResourceResult> {
  const { region, id } = d.resource;
  const rescale = d.rescale!;
  const base = identity(d);
  if (d.verdict === 'skip') {
    const skipped = skippedResult(d);
    try {
      await ctx.apis.sae.untag(region, [id], [INSTANCES_TAG]);
      return { ...skipped, detail: `tag ${INSTANCES_TAG} removed` };
    } catch (error) {
      const failed = resultOfError(base, error, ctx);
      // Leaving a stale tag behind fails nothing: the next restore edge reads it again.
      return { ...skipped, detail: `tag ${INSTANCES_TAG} not removed: ${failed.code ?? failed.outcome}` };
    }
  }
  const denied = deniedResult(base, ctx);
  if (denied) return denied;
  try {
    // The memory first: a run cut short after the scale-in still knows where to go back to.
    if (d.action === 'stop') await ctx.apis.sae.tag(region, [id], { [INSTANCES_TAG]: String(rescale.from) });
    const orderId = await ctx.apis.sae.rescale(region, id, rescale.to, d.action);
    const order = await follow(region, orderId, ctx);
    if (!order.succeeded) {
      const code = order.stuck
        ? 'ChangeOrderStuck'
        : (ORDER_ENDS[order.status] ??
          // Stryker: equivalent — an order that did not succeed and is not stuck ended in 3, 6 or 10 (FINISHED in lib/cloud/sae.ts).
          // Stryker disable next-line StringLiteral: equivalent (see the line above)
          `ChangeOrderStatus${order.status}`);
      const why = order.errorMessage ? `: ${boundedDetail(order.errorMessage)}` : '';
      return {
        ...base,
        outcome: 'failed',
        code,
        changeOrderId: orderId,
        detail: `rescale to ${rescale.to} instances: change order ${orderId} ended with status ${order.status}${order.stuck ? ' (stuck)' : ''}${why}; see it in the SAE console`,
      };
    }
    if (rescale.forget) await ctx.apis.sae.untag(region, [id], [INSTANCES_TAG]);
    return {
      ...base,
      outcome: d.action === 'stop' ? 'scaled-in' : 'scaled-out',
      detail: `${rescale.from} → ${rescale.to} instances`,
      changeOrderId: orderId,
    };
  } catch (error) {
    return resultOfError(base, error, ctx);
  }
}

/** The change order once it has ended, or once it has been seen stuck STUCK_READS times. */
export async function follow(region: string, orderId: string, ctx: ExecuteContext): Promise<SaeChangeOrder> {
  let poll = ctx.pollMs;
  for (let stuck = 0; ;) {
    await pause(ctx, poll, `following change order ${orderId}`);
    poll = nextPoll(ctx, poll);
    const order = await ctx.apis.sae.describeChangeOrder(region, orderId);
    if (order.finished) return order;
    stuck = order.stuck ? stuck + 1 : 0;
    if (stuck >= STUCK_READS) return order;
  }
}

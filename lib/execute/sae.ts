import type { SaeAppStatus } from '../cloud/api.js';
import { CloudError } from '../cloud/errors.js';
import { chunks } from '../cloud/chunks.js';
import { MutationRefused } from '../cloud/refuse.js';
import { groupBy } from '../group-by.js';
import { withLedger } from '../cloud/ledger.js';
import { failureOf } from '../errors.js';
import { pooled } from './pool.js';
import type { Decision } from '../plan/decide.js';
import { deniedResult, nextPoll, pause, resultOfError, type ExecuteContext } from './context.js';
import { DeadlineError } from './deadline.js';
import { identity, type ResourceResult } from './result.js';

/**
 * SAE has no idempotency token, so offpeak is idempotent by observation. It asks for the stop (or
 * start) at once, since the listing already said the app runs; SAE's own answer is the check:
 * `Application.InvalidStatus` leads to a read of the app's status ("already stopped" is success),
 * `Application.ChangerOrderRunning` is waited out by the retry policy. Then it confirms the change
 * orders with one listing per region for up to 100 apps, and asks a change order itself only when an
 * app is slow to get there, so "stopped" in the report means stopped and the 60-calls-a-minute
 * budget goes to stops, not to polling.
 */

const START_ORDERS = /start|deploy|rollback|scale|restart/i;
/** Every this many confirmation rounds, stragglers' change orders are read: a failed order never shows in a listing. */
const ORDER_CHECK_EVERY = 3;
/** Apps being asked for at once: far above what 60 calls a minute let through, far below a fleet. */
const IN_FLIGHT = 32;

/** Where an app's request stands after the first phase. */
interface Requested {
  readonly decision: Decision;
  readonly startedAt: number;
  calls: number;
  readonly requestIds: string[];
  /** Set when nothing more is to be done (already there, failed, dry run). */
  done?: ResourceResult;
  /** The change order to confirm. */
  orderId?: string;
}

/** Carries out SAE decisions (all `act`). */
export async function executeSae(decisions: readonly Decision[], ctx: ExecuteContext): Promise<ResourceResult[]> {
  const requested = ctx.saeBatch ? await requestBatches(decisions, ctx) : await pooled(decisions, IN_FLIGHT, (d) => requestOne(d, ctx));
  const byRegion = new Map<string, Requested[]>();
  for (const r of requested) {
    if (r.done) {
      finish(r, r.done, ctx);
      continue;
    }
    const list = byRegion.get(r.decision.resource.region);
    if (list) list.push(r);
    else byRegion.set(r.decision.resource.region, [r]);
  }
  await Promise.all([...byRegion].map(([region, list]) => confirm(region, list, ctx)));
  return requested.map((r) => r.done!);
}

/** Settles a request with its result, its calls and its time, and tells whoever listens. */
function finish(r: Requested, result: ResourceResult, ctx: ExecuteContext): void {
  r.done = {
    ...result,
    attempts: r.calls,
    ...(r.requestIds.length ? { requestIds: r.requestIds } : {}),
    ms: Math.round(ctx.deadline.clock.now() - r.startedAt),
  };
  ctx.progress?.finished(r.done);
}

const already = (action: 'stop' | 'start') => (action === 'stop' ? 'already-stopped' : 'already-running');

/** Runs `work` for one request, adding its calls to it. */
async function charged<T>(request: Requested, work: () => Promise<T>): Promise<T> {
  const { value, ledger } = await withLedger(work);
  request.calls += ledger.calls;
  request.requestIds.push(...ledger.requestIds);
  return value;
}

async function requestOne(decision: Decision, ctx: ExecuteContext): Promise<Requested> {
  const request: Requested = { decision, startedAt: ctx.deadline.clock.now(), calls: 0, requestIds: [] };
  const base = identity(decision);
  const denied = deniedResult(base, ctx);
  if (denied) return { ...request, done: denied };
  const { region, id } = decision.resource;
  const want = decision.action === 'stop' ? 'STOPPED' : 'RUNNING';
  try {
    await charged(request, async () => {
      if (decision.catchUp && decision.action === 'stop' && decision.edgeAt !== undefined) {
        // Only catch-up sees an edge twice. If someone started the app after the stop edge, an earlier
        // run applied it and a person undid it on purpose: a repeated stop must not undo that.
        const status = await settled(region, id, ctx);
        if (status.status === want) return void (request.done = { ...base, outcome: already(decision.action) });
        if (status.lastChangeOrderId) {
          const order = await ctx.apis.sae.describeChangeOrder(region, status.lastChangeOrderId);
          if (
            order.typeCode !== undefined &&
            START_ORDERS.test(order.typeCode) &&
            order.createdAt !== undefined &&
            order.createdAt >= decision.edgeAt
          ) {
            return void (request.done = {
              ...base,
              outcome: 'skipped',
              detail: `started (${order.typeCode}) after the stop edge; catch-up leaves it running`,
            });
          }
        }
      }
      // A dry run's client refuses the call below before it is sent (the result says `would-stop`):
      // it trusts the listing that selected the app, since reading more would spend the same budget.
      let poll = ctx.pollMs;
      while (request.orderId === undefined) {
        // A stop sent in the run's last moments could not be confirmed: leave it to the next try.
        if (!ctx.deadline.allows(ctx.pollMs))
          throw new DeadlineError(`not sent: the run kept its last moments to confirm the stops it had sent`);
        try {
          request.orderId = decision.action === 'stop' ? await ctx.apis.sae.stop(region, id) : await ctx.apis.sae.start(region, id);
        } catch (error) {
          // InvalidStatus: the app is not where the listing said, or between states. Read, then decide.
          if (!(error instanceof CloudError) || error.kind !== 'state') throw error;
          const status = await settled(region, id, ctx);
          if (status.status === want) return void (request.done = { ...base, outcome: already(decision.action) });
          await pause(ctx, poll, `waiting for ${id} to accept ${decision.action}`);
          poll = nextPoll(ctx, poll);
        }
      }
    });
  } catch (error) {
    request.done = resultOfError(base, error, ctx);
  }
  return request;
}

/** The app's status once no change order is running on it. */
async function settled(region: string, appId: string, ctx: ExecuteContext): Promise<SaeAppStatus> {
  let status = await ctx.apis.sae.describeStatus(region, appId);
  let poll = ctx.pollMs;
  while (status.changeOrderRunning) {
    await pause(ctx, poll, `waiting for change order ${status.lastChangeOrderId ?? ''} on ${appId}`);
    poll = nextPoll(ctx, poll);
    status = await ctx.apis.sae.describeStatus(region, appId);
  }
  return status;
}

/**
 * Confirms the change orders of one region: a listing of the waiting apps each round (one call per
 * 100 apps), and now and then the stragglers' own change orders, until each is there, failed, or
 * the deadline comes (deferred: the next try sees the app stopped, or its order still running).
 */
async function confirm(region: string, list: readonly Requested[], ctx: ExecuteContext): Promise<void> {
  let waiting = [...list];
  let poll = ctx.pollMs;
  const settle = (r: Requested, result: ResourceResult) =>
    finish(r, { ...result, ...(r.orderId ? { changeOrderId: r.orderId } : {}) }, ctx);
  for (let round = 1; waiting.length > 0; round++) {
    try {
      await pause(ctx, poll, `confirming ${waiting.length} SAE change order${waiting.length === 1 ? '' : 's'} in ${region}`);
      poll = nextPoll(ctx, poll);
      const apps = await ctx.apis.sae.listApplications(region, { appIds: waiting.map((r) => r.decision.resource.id) });
      const byId = new Map(apps.map((a) => [a.appId, a]));
      const still: Requested[] = [];
      for (const r of waiting) {
        const app = byId.get(r.decision.resource.id);
        const there =
          app !== undefined &&
          (r.decision.action === 'stop' ? app.runningInstances === 0 : app.runningInstances >= Math.max(1, app.instances));
        if (there) settle(r, { ...identity(r.decision), outcome: r.decision.action === 'stop' ? 'stopped' : 'started' });
        else still.push(r);
      }
      if (still.length > 0 && round % ORDER_CHECK_EVERY === 0) {
        // Orders that ended without the app getting there: failed, or done while the listing lags.
        const orders = groupBy(still, (r) => r.orderId!);
        for (const [orderId, members] of orders) {
          const order = await charged(members[0]!, () => ctx.apis.sae.describeChangeOrder(region, orderId));
          if (!order.finished) continue;
          for (const r of members) {
            if (order.succeeded) settle(r, { ...identity(r.decision), outcome: r.decision.action === 'stop' ? 'stopped' : 'started' });
            else
              settle(r, {
                ...identity(r.decision),
                outcome: 'failed',
                code: `ChangeOrderStatus${order.status}`,
                detail: `change order ${orderId} ended with status ${order.status}${order.errorMessage ? `: ${order.errorMessage}` : ''}`,
              });
          }
        }
      }
      waiting = still.filter((r) => r.done === undefined);
    } catch (error) {
      // The stops were sent and accepted; only their confirmation is missing (the run's time is up,
      // or the listing failed). Say so as SWAS's accepted stops do: on its way, with the order to look at.
      const why =
        error instanceof DeadlineError
          ? "the run's time was up before its change order was seen to end"
          : `could not confirm: ${failureOf(error).message}`;
      for (const r of waiting)
        settle(r, { ...identity(r.decision), outcome: r.decision.action === 'stop' ? 'stopping' : 'starting', detail: why });
      return;
    }
  }
}

/**
 * The batch path: one BatchStop/StartApplications per namespace. When a batch fails, it is split in
 * halves until the app that fails is alone, so one bad app never holds back the others. Catch-up
 * stops take the single path: it checks what a batch cannot.
 */
async function requestBatches(decisions: readonly Decision[], ctx: ExecuteContext): Promise<Requested[]> {
  const singles = decisions.filter((d) => d.catchUp || d.resource.namespaceId === undefined);
  const batched = decisions.filter((d) => !(d.catchUp || d.resource.namespaceId === undefined));
  const groups = groupBy(batched, (d) => `${d.resource.region}\n${d.resource.namespaceId}\n${d.action}`);
  // A namespace of hundreds of apps goes in batches of 100 ids: the request line stays bounded.
  const batches = [...groups.values()].flatMap((group) => chunks(group));
  const results = await Promise.all([
    ...batches.map((batch) => requestBatch(batch, ctx)),
    pooled(singles, IN_FLIGHT, (d) => requestOne(d, ctx)),
  ]);
  return results.flat();
}

async function requestBatch(group: readonly Decision[], ctx: ExecuteContext): Promise<Requested[]> {
  if (group.length === 1) return [await requestOne(group[0]!, ctx)];
  const first = group[0]!;
  const { region, namespaceId } = first.resource;
  const requests: Requested[] = group.map((decision) => ({ decision, startedAt: ctx.deadline.clock.now(), calls: 0, requestIds: [] }));
  const denied = deniedResult(identity(first), ctx);
  if (denied) return requests.map((r) => ({ ...r, done: deniedResult(identity(r.decision), ctx)! }));
  const ids = group.map((d) => d.resource.id);
  try {
    const orderId = await charged(requests[0]!, () =>
      first.action === 'stop' ? ctx.apis.sae.batchStop(region, namespaceId!, ids) : ctx.apis.sae.batchStart(region, namespaceId!, ids),
    );
    return requests.map((r) => ({ ...r, orderId }));
  } catch (error) {
    // Splitting helps only against one bad app: a refusal or a denial is the same for all of them.
    if ((error instanceof CloudError && error.kind === 'permission') || error instanceof MutationRefused)
      return requests.map((r) => ({ ...r, done: resultOfError(identity(r.decision), error, ctx) }));
    const middle = Math.ceil(group.length / 2);
    const halves = await Promise.all([requestBatch(group.slice(0, middle), ctx), requestBatch(group.slice(middle), ctx)]);
    return halves.flat();
  }
}

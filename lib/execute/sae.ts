import type { SaeAppStatus, SaeChangeOrder } from '../cloud/api.js';
import { CloudError } from '../cloud/errors.js';
import { chunks } from '../cloud/chunks.js';
import { MutationRefused } from '../cloud/refuse.js';
import { groupBy } from '../group-by.js';
import { withLedger } from '../cloud/ledger.js';
import { boundedDetail, failureOf } from '../errors.js';
import { pooled } from './pool.js';
import type { Decision } from '../plan/decide.js';
import { deniedResult, mayRepeat, nextPoll, pause, resultOfError, type ExecuteContext } from './context.js';
import { DeadlineError } from './deadline.js';
import { identity, type ResourceResult } from './result.js';

/**
 * SAE has no idempotency token, so offpeak is idempotent by observation. It asks for the stop (or
 * start) at once, since the listing already said the app runs; SAE's own answer is the check:
 * `Application.InvalidStatus` leads to a read of the app's status ("already stopped" is success),
 * `Application.ChangerOrderRunning` is waited out by the retry policy. Then it confirms the change
 * orders with one listing per region for up to 100 apps, and asks a change order itself only when an
 * app is slow to get there, so "stopped" in the report means stopped and the 60-calls-a-minute
 * budget goes to stops, not to polling. An order that ends without success, or hangs on an error,
 * fails its app alone; an app SAE cannot tell the state of is skipped at once.
 */

/**
 * The change orders (CoTypeCode) that start or restart an app, so that one made after a stop edge is
 * someone's choice to have it run. The codes are those of DescribeChangeOrder in the SDK's model
 * (aliyun/alibabacloud-typescript-sdk sae-20190506/src/models/DescribeChangeOrderResponseBodyData.ts;
 * its ListChangeOrders model spells the start CoStartApplication). Starts: CoStart, CoBatchStartApplication,
 * CoCreateApp (a new app runs). Restarts: CoRestartApplication, CoRestartInstances, and a redeploy
 * or rollback (CoDeploy, CoRollback, CoDeployHistroy), since "when you redeploy an application, the
 * application restarts" (SAE, "Deploy an application in a single batch"). Scaling is not among them
 * (CoScaleIn, CoScaleOut, CoScaleInAppWithInstances): SAE's own auto scaling makes those orders, and
 * none starts a stopped app; nor are stops, binds, spec changes and deletions.
 */
const START_ORDERS: ReadonlySet<string | undefined> = new Set([
  'CoStart',
  'CoStartApplication',
  'CoBatchStartApplication',
  'CoCreateApp',
  'CoRestartApplication',
  'CoRestartInstances',
  'CoDeploy',
  'CoRollback',
  'CoDeployHistroy',
]);
/**
 * Every this many confirmation rounds, stragglers' change orders are read: a failed order never
 * shows in a listing. Rounds grow to 4 polls (20 s), so a failed order is seen at most a minute
 * after it fails, the first time about 25 s after the stop; the budget goes to stops meanwhile.
 */
const ORDER_CHECK_EVERY = 3;
/**
 * Reads that find an order stuck (SubStatus 1) before the app is reported failed. Such an order
 * waits for a person to roll it back; a few reads, one a round once it is seen, let a passing
 * error clear without waiting for the deadline.
 */
const STUCK_READS = 3;
/** Where a person looks at an order: the SAE console lists an app's change orders with their errors. */
const SEE_ORDER = "see it in the SAE console, among the app's change orders";
/** The report's code and words for an order that ended without success, by its Status (§1.5). */
const ORDER_ENDS: Readonly<Record<number, { code: string; words: string }>> = {
  3: { code: 'ChangeOrderFailed', words: 'failed' },
  6: { code: 'ChangeOrderTerminated', words: 'was terminated' },
  10: { code: 'ChangeOrderSystemFailure', words: 'failed on a system exception' },
};
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
  /** The batch (batch mode) whose call asked for it: its calls are stated there, once. */
  batch?: string;
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
    ...(r.batch ? { batch: r.batch } : {}),
    attempts: r.calls,
    ...(r.requestIds.length ? { requestIds: r.requestIds } : {}),
    ms: Math.round(ctx.deadline.clock.now() - r.startedAt),
  };
  ctx.progress?.finished(r.done);
}

const already = (action: 'stop' | 'start') => (action === 'stop' ? 'already-stopped' : 'already-running');

/**
 * Runs `work` for one request, adding its calls to it, those of work that fails too: the request
 * ids of refused calls are the ones support asks for.
 */
async function charged<T>(request: Requested, work: () => Promise<T>): Promise<T> {
  const { value, ledger } = await withLedger(() => settledOf(work));
  request.calls += ledger.calls;
  request.requestIds.push(...ledger.requestIds);
  if ('error' in value) throw value.error;
  return value.value;
}

/** The value of `work`, or what it threw: so a ledger outlives a failure. */
async function settledOf<T>(work: () => Promise<T>): Promise<{ value: T } | { error: unknown }> {
  try {
    return { value: await work() };
  } catch (error) {
    return { error };
  }
}

async function requestOne(decision: Decision, ctx: ExecuteContext): Promise<Requested> {
  const request: Requested = { decision, startedAt: ctx.deadline.clock.now(), calls: 0, requestIds: [] };
  const base = identity(decision);
  const denied = deniedResult(base, ctx);
  if (denied) return { ...request, done: denied };
  const { region, id } = decision.resource;
  try {
    await charged(request, async () => {
      const caughtUp = await catchUpCheck(decision, ctx);
      if (caughtUp) return void (request.done = caughtUp);
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
          const seen = decidedByStatus(decision, await settled(region, id, ctx));
          if (seen) return void (request.done = seen);
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

/**
 * A run that may see an edge a second time (a catch-up, or a late run: FC's retry, an event
 * delivered twice). If someone started the app after the stop edge, an earlier run applied it and
 * a person undid it on purpose: a repeated stop must not undo that. The result when the stop is
 * not to be sent; undefined when it is.
 */
async function catchUpCheck(decision: Decision, ctx: ExecuteContext): Promise<ResourceResult | undefined> {
  if (!mayRepeat(decision, ctx) || decision.action !== 'stop' || decision.edgeAt === undefined) return undefined;
  const { region, id } = decision.resource;
  const status = await settled(region, id, ctx);
  const seen = decidedByStatus(decision, status);
  if (seen || !status.lastChangeOrderId) return seen;
  const order = await ctx.apis.sae.describeChangeOrder(region, status.lastChangeOrderId);
  // An order of no known type or time is no start after the edge: the stop is sent as usual.
  const startedAfterEdge = START_ORDERS.has(order.typeCode) && (order.createdAt ?? Number.NEGATIVE_INFINITY) >= decision.edgeAt;
  if (!startedAfterEdge) return undefined;
  return {
    ...identity(decision),
    outcome: 'skipped',
    detail: `started (${order.typeCode}) after the stop edge; a run that sees the edge again leaves it running`,
  };
}

/** The result the app's status alone decides: it cannot be moved now, or it already is where the action wants it. */
function decidedByStatus(decision: Decision, status: SaeAppStatus): ResourceResult | undefined {
  const base = identity(decision);
  const want = decision.action === 'stop' ? 'STOPPED' : 'RUNNING';
  return unmovable(base, status) ?? (status.status === want ? { ...base, outcome: already(decision.action) } : undefined);
}

/**
 * The app's status once no change order is running on it, or once its order has been seen stuck
 * STUCK_READS times (then it still runs, and will until a person steps in).
 */
async function settled(region: string, appId: string, ctx: ExecuteContext): Promise<SaeAppStatus> {
  let status = await ctx.apis.sae.describeStatus(region, appId);
  let poll = ctx.pollMs;
  for (let stuckReads = 0; status.changeOrderRunning;) {
    stuckReads = status.stuck ? stuckReads + 1 : 0;
    if (stuckReads >= STUCK_READS) return status;
    await pause(ctx, poll, `waiting for change order ${status.lastChangeOrderId ?? ''} on ${appId}`);
    poll = nextPoll(ctx, poll);
    status = await ctx.apis.sae.describeStatus(region, appId);
  }
  return status;
}

/**
 * The result for an app no stop or start can move now, from its status: SAE cannot tell its state,
 * or its last change order is stuck. Undefined when it can be moved.
 */
function unmovable(base: Omit<ResourceResult, 'outcome'>, status: SaeAppStatus): ResourceResult | undefined {
  if (status.changeOrderRunning) return stuckResult(base, status.lastChangeOrderId ?? '(no id)');
  if (status.status !== 'UNKNOWN') return undefined;
  // Skipped, not failed, as a SWAS instance in a state that cannot move is: no retry moves it (SAE
  // refuses stops and starts of it), so failing the run would only have FC retry it in vain and
  // fail every tick until someone repairs the app, burying failures a retry can cure.
  return {
    ...base,
    outcome: 'skipped',
    detail: 'SAE reports its status as UNKNOWN and refuses to change it: left alone; see the app in the SAE console',
  };
}

/** A change order that will not end by itself: the app is failed, with the order to look at. */
function stuckResult(base: Omit<ResourceResult, 'outcome'>, orderId: string): ResourceResult {
  return {
    ...base,
    outcome: 'failed',
    code: 'ChangeOrderStuck',
    detail: `change order ${orderId} is stuck: still executing with an error (SubStatus 1), waiting for a person to roll it back or abort it; ${SEE_ORDER}`,
  };
}

/** The result of a change order that has finished: the app got there, or the order ended without it. */
function finishedResult(r: Requested, order: SaeChangeOrder): ResourceResult {
  if (order.succeeded) return { ...identity(r.decision), outcome: r.decision.action === 'stop' ? 'stopped' : 'started' };
  const end = ORDER_ENDS[order.status] ?? { code: `ChangeOrderStatus${order.status}`, words: `ended with status ${order.status}` };
  const message = order.errorMessage ? `: ${boundedDetail(order.errorMessage)}` : '';
  return {
    ...identity(r.decision),
    outcome: 'failed',
    code: end.code,
    detail: `change order ${order.changeOrderId} ${end.words} (Status ${order.status})${message}; the app stays where it was; ${SEE_ORDER}`,
  };
}

/**
 * Confirms the change orders of one region: a listing of the waiting apps each round (one call per
 * 100 apps), and now and then the stragglers' own change orders, until each is there, failed, stuck,
 * or the deadline comes (deferred: the next try sees the app stopped, or its order still running).
 */
async function confirm(region: string, list: readonly Requested[], ctx: ExecuteContext): Promise<void> {
  let waiting = [...list];
  let poll = ctx.pollMs;
  /** Orders seen stuck, with how many reads found them so: they are read every round from then on. */
  const stuck = new Map<string, number>();
  for (let round = 1; waiting.length > 0; round++) {
    try {
      await pause(ctx, poll, `confirming ${waiting.length} SAE change order${waiting.length === 1 ? '' : 's'} in ${region}`);
      poll = nextPoll(ctx, poll);
      const still = await listedThere(region, waiting, ctx);
      const suspects = still.filter((r) => round % ORDER_CHECK_EVERY === 0 || stuck.has(r.orderId!));
      await checkOrders(region, suspects, stuck, ctx);
      waiting = still.filter((r) => r.done === undefined);
    } catch (error) {
      // The stops were sent and accepted; only their confirmation is missing (the run's time is up,
      // or the listing failed). Say so as SWAS's accepted stops do: on its way, with the order to look at.
      const why =
        error instanceof DeadlineError
          ? "the run's time was up before its change order was seen to end"
          : `could not confirm: ${failureOf(error).message}`;
      for (const r of waiting)
        settle(r, { ...identity(r.decision), outcome: r.decision.action === 'stop' ? 'stopping' : 'starting', detail: why }, ctx);
      return;
    }
  }
}

/** Settles a confirmed request with its change order. */
const settle = (r: Requested, result: ResourceResult, ctx: ExecuteContext) =>
  finish(r, { ...result, ...(r.orderId ? { changeOrderId: r.orderId } : {}) }, ctx);

/** One listing of the waiting apps: settles those that got there, returns the others. */
async function listedThere(region: string, waiting: readonly Requested[], ctx: ExecuteContext): Promise<Requested[]> {
  const apps = await ctx.apis.sae.listApplications(region, { appIds: waiting.map((r) => r.decision.resource.id) });
  const byId = new Map(apps.map((a) => [a.appId, a]));
  const still: Requested[] = [];
  for (const r of waiting) {
    const app = byId.get(r.decision.resource.id);
    const there =
      app !== undefined && (r.decision.action === 'stop' ? app.runningInstances === 0 : app.runningInstances >= Math.max(1, app.instances));
    if (there) settle(r, { ...identity(r.decision), outcome: r.decision.action === 'stop' ? 'stopped' : 'started' }, ctx);
    else still.push(r);
  }
  return still;
}

/**
 * Reads the change orders of apps the listing has not shown there: an order that ended settles its
 * apps (failed, or done while the listing lags), one stuck for STUCK_READS reads fails them.
 */
async function checkOrders(region: string, suspects: readonly Requested[], stuck: Map<string, number>, ctx: ExecuteContext): Promise<void> {
  for (const [orderId, members] of groupBy(suspects, (r) => r.orderId!)) {
    const order = await charged(members[0]!, () => ctx.apis.sae.describeChangeOrder(region, orderId));
    if (order.finished) {
      for (const r of members) settle(r, finishedResult(r, order), ctx);
      continue;
    }
    // An order that recovers is waited for again like any other.
    const reads = order.stuck ? (stuck.get(orderId) ?? 0) + 1 : 0;
    if (reads === 0) stuck.delete(orderId);
    else stuck.set(orderId, reads);
    if (reads >= STUCK_READS) for (const r of members) settle(r, stuckResult(identity(r.decision), orderId), ctx);
  }
}

/**
 * The batch path: one BatchStop/StartApplications per namespace. When a batch fails, it is split in
 * halves until the app that fails is alone, so one bad app never holds back the others. Catch-up
 * stops take the single path: it checks what a batch cannot.
 */
async function requestBatches(decisions: readonly Decision[], ctx: ExecuteContext): Promise<Requested[]> {
  // A stop that may repeat an earlier run's takes the single path: it checks what a batch cannot.
  const single = (d: Decision) =>
    mayRepeat(d, ctx) ||
    // Stryker: equivalent — every SAE resource has its namespace (the listing reads NamespaceId as
    // required, lib/cloud/sae.ts), so this never holds; it keeps the batch call's namespace defined.
    // Stryker disable next-line ConditionalExpression
    d.resource.namespaceId === undefined;
  const singles = decisions.filter(single);
  const batched = decisions.filter((d) => !single(d));
  const groups = groupBy(batched, (d) => `${d.resource.region}\n${d.resource.namespaceId}\n${d.action}`);
  // A namespace of hundreds of apps goes in batches of 100 ids: the request line stays bounded.
  const batches = [...groups.values()].flatMap((group) => chunks(group));
  const ids = { next: 1 };
  const results = await Promise.all([
    ...batches.map((batch) => requestBatch(batch, ids, ctx)),
    pooled(singles, IN_FLIGHT, (d) => requestOne(d, ctx)),
  ]);
  return results.flat();
}

/**
 * One batch call for a group, recorded once in the run's batches (`sae-1`, `sae-2`, … in the order
 * the calls are made): its members' results name it instead of each carrying its calls.
 */
async function requestBatch(group: readonly Decision[], ids: { next: number }, ctx: ExecuteContext): Promise<Requested[]> {
  if (group.length === 1) return [await requestOne(group[0]!, ctx)];
  const first = group[0]!;
  const { region, namespaceId } = first.resource;
  const requests: Requested[] = group.map((decision) => ({ decision, startedAt: ctx.deadline.clock.now(), calls: 0, requestIds: [] }));
  const denied = deniedResult(identity(first), ctx);
  if (denied) return requests.map((r) => ({ ...r, done: deniedResult(identity(r.decision), ctx)! }));
  const appIds = group.map((d) => d.resource.id);
  const batch = `sae-${ids.next++}`;
  const started = ctx.deadline.clock.now();
  const { value: answer, ledger } = await withLedger(() =>
    settledOf(() =>
      first.action === 'stop'
        ? ctx.apis.sae.batchStop(region, namespaceId!, appIds)
        : ctx.apis.sae.batchStart(region, namespaceId!, appIds),
    ),
  );
  // A call refused before it was sent (a dry run, the guard) is no batch the cloud saw.
  const sent = !('error' in answer && answer.error instanceof MutationRefused);
  if (sent)
    ctx.batches.push({
      id: batch,
      product: 'sae',
      region,
      action: first.action,
      size: group.length,
      attempts: ledger.calls,
      ...(ledger.requestIds.length ? { requestIds: [...ledger.requestIds] } : {}),
      ms: Math.max(0, Math.round(ctx.deadline.clock.now() - started)),
    });
  if ('value' in answer) return requests.map((r) => ({ ...r, orderId: answer.value, batch }));
  const { error } = answer;
  // Splitting helps only against one bad app: a refusal or a denial is the same for all of them.
  if ((error instanceof CloudError && error.kind === 'permission') || error instanceof MutationRefused)
    return requests.map((r) => ({ ...r, ...(sent ? { batch } : {}), done: resultOfError(identity(r.decision), error, ctx) }));
  const middle = Math.ceil(group.length / 2);
  const halves = await Promise.all([requestBatch(group.slice(0, middle), ids, ctx), requestBatch(group.slice(middle), ids, ctx)]);
  return halves.flat();
}

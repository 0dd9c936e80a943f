import type { SaeAppStatus, SaeChangeOrder } from '../cloud/api.js';
import { CloudError } from '../cloud/errors.js';
import type { Decision } from '../plan/decide.js';
import { accounted, accountedAll, deniedResult, nextPoll, pause, resultOfError, type ExecuteContext } from './context.js';
import { identity, type ResourceResult } from './result.js';

/**
 * SAE has no idempotency token, so offpeak is idempotent by observation: it reads the app's status
 * first ("already stopped" is success), waits out a running change order, then stops and follows
 * its own change order to the end, so "stopped" in the report means stopped.
 */

const START_ORDERS = /start|deploy|rollback|scale|restart/i;

/** Carries out SAE decisions (acts only on `act` ones). */
export async function executeSae(decisions: readonly Decision[], ctx: ExecuteContext): Promise<ResourceResult[]> {
  if (ctx.saeBatch && !ctx.dryRun) return executeSaeBatches(decisions, ctx);
  return Promise.all(decisions.map((d) => accounted(() => actOnApp(d, ctx), ctx).then((r) => (ctx.progress?.finished(r), r))));
}

const already = (action: 'stop' | 'start') => (action === 'stop' ? 'already-stopped' : 'already-running');

async function actOnApp(d: Decision, ctx: ExecuteContext): Promise<ResourceResult> {
  const base = identity(d);
  const denied = deniedResult(base, ctx);
  if (denied) return denied;
  const { region, id } = d.resource;
  const want = d.action === 'stop' ? 'STOPPED' : 'RUNNING';
  try {
    let status = await settled(region, id, ctx);
    if (status.status === want) return { ...base, outcome: already(d.action) };
    if (d.catchUp && d.action === 'stop' && d.edgeAt !== undefined && status.lastChangeOrderId) {
      // Only catch-up sees an edge twice. If someone started the app after the stop edge, an earlier
      // run applied it and a person undid it on purpose: a repeated stop must not undo that.
      const order = await ctx.apis.sae.describeChangeOrder(region, status.lastChangeOrderId);
      if (order.typeCode !== undefined && START_ORDERS.test(order.typeCode) && order.createdAt !== undefined && order.createdAt >= d.edgeAt) {
        return { ...base, outcome: 'skipped', detail: `started (${order.typeCode}) after the stop edge; catch-up leaves it running` };
      }
    }
    if (ctx.dryRun) return { ...base, outcome: d.action === 'stop' ? 'would-stop' : 'would-start', detail: `now ${status.status} with ${status.runningInstances} running` };
    let orderId: string | undefined;
    let poll = ctx.pollMs;
    while (orderId === undefined) {
      try {
        orderId = d.action === 'stop' ? await ctx.apis.sae.stop(region, id) : await ctx.apis.sae.start(region, id);
      } catch (error) {
        // InvalidStatus while the app is between states: read again; done if it got there meanwhile.
        if (!(error instanceof CloudError) || error.kind !== 'state') throw error;
        status = await settled(region, id, ctx);
        if (status.status === want) return { ...base, outcome: already(d.action) };
        await pause(ctx, poll, `waiting for ${id} to accept ${d.action}`);
        poll = nextPoll(ctx, poll);
      }
    }
    return await follow(base, d.action, region, orderId, ctx);
  } catch (error) {
    return resultOfError(base, error, ctx);
  }
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

/** Follows a change order to its end. */
async function follow(base: Omit<ResourceResult, 'outcome'>, action: 'stop' | 'start', region: string, orderId: string, ctx: ExecuteContext): Promise<ResourceResult> {
  try {
    return outcomeOf(base, action, orderId, await finished(region, orderId, ctx));
  } catch (error) {
    return { ...resultOfError(base, error, ctx), changeOrderId: orderId };
  }
}

/** Polls a change order until it ends; throws DeadlineError when the run's time is up first. */
async function finished(region: string, orderId: string, ctx: ExecuteContext): Promise<SaeChangeOrder> {
  let poll = ctx.pollMs;
  for (;;) {
    await pause(ctx, poll, `following change order ${orderId}`);
    poll = nextPoll(ctx, poll);
    const order = await ctx.apis.sae.describeChangeOrder(region, orderId);
    if (order.finished) return order;
  }
}

function outcomeOf(base: Omit<ResourceResult, 'outcome'>, action: 'stop' | 'start', orderId: string, order: SaeChangeOrder): ResourceResult {
  if (order.succeeded) return { ...base, outcome: action === 'stop' ? 'stopped' : 'started', changeOrderId: orderId };
  return { ...base, outcome: 'failed', code: `ChangeOrderStatus${order.status}`, changeOrderId: orderId, detail: `change order ${orderId} ended with status ${order.status}${order.errorMessage ? `: ${order.errorMessage}` : ''}` };
}

/**
 * The batch path: one BatchStop/StartApplications per namespace. When a batch fails, it is split in
 * halves until the app that fails is alone, so one bad app never holds back the others.
 */
async function executeSaeBatches(decisions: readonly Decision[], ctx: ExecuteContext): Promise<ResourceResult[]> {
  const groups = new Map<string, Decision[]>();
  for (const d of decisions) {
    const key = `${d.resource.region}\n${d.resource.namespaceId ?? ''}\n${d.action}`;
    groups.set(key, [...(groups.get(key) ?? []), d]);
  }
  const results = await Promise.all([...groups.values()].map((group) => accountedAll(() => batch(group, ctx), ctx).then((rs) => (rs.forEach((r) => ctx.progress?.finished(r)), rs))));
  return results.flat();
}

async function batch(group: readonly Decision[], ctx: ExecuteContext): Promise<ResourceResult[]> {
  const first = group[0]!;
  const { region, namespaceId } = first.resource;
  // Catch-up stops and single apps take the observing path: it checks what a batch cannot.
  if (group.length === 1 || namespaceId === undefined || group.some((d) => d.catchUp)) return Promise.all(group.map((d) => actOnApp(d, ctx)));
  const denied = deniedResult(identity(first), ctx);
  if (denied) return group.map((d) => ({ ...deniedResult(identity(d), ctx)! }));
  const ids = group.map((d) => d.resource.id);
  try {
    const orderId = first.action === 'stop' ? await ctx.apis.sae.batchStop(region, namespaceId, ids) : await ctx.apis.sae.batchStart(region, namespaceId, ids);
    try {
      // One order covers the whole batch: follow it once, not once per app.
      const order = await finished(region, orderId, ctx);
      return group.map((d) => outcomeOf(identity(d), d.action, orderId, order));
    } catch (error) {
      return group.map((d) => ({ ...resultOfError(identity(d), error, ctx), changeOrderId: orderId }));
    }
  } catch (error) {
    if (error instanceof CloudError && error.kind === 'permission') return group.map((d) => resultOfError(identity(d), error, ctx));
    const middle = Math.ceil(group.length / 2);
    const halves = await Promise.all([batch(group.slice(0, middle), ctx), batch(group.slice(middle), ctx)]);
    return halves.flat();
  }
}

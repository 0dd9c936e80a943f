import type { SwasInstance } from '../cloud/api.js';
import { chunks } from '../cloud/chunks.js';
import { CloudError } from '../cloud/errors.js';
import { groupBy } from '../group-by.js';
import type { Decision } from '../plan/decide.js';
import { asBatch, deniedResult, mayRepeat, pause, resultOfError, type ExecuteContext } from './context.js';
import { identity, type ResourceResult } from './result.js';
import { clientToken } from './token.js';

/**
 * SWAS is idempotent by construction: StopInstances/StartInstances carry a ClientToken, and SWAS
 * answers a token it has seen with its first answer and does nothing (with other parameters, it
 * answers IdempotentParameterMismatch). offpeak makes every run that sees an edge again (FC's
 * retry of a failed run, an event delivered twice, a catch-up) send that edge's first request
 * under the first run's token, so what a person did after the edge is never undone.
 *
 * How a batch is formed decides that. The tempting batch, the instances that still need the action,
 * changes as soon as the first run acts: a catch-up would see only the instance a person started
 * again, get a new token, and stop it. So a batch is an edge's chunk of *members*: every instance
 * the rules of the edge selected in the region, whatever its state or hold, sorted by id and
 * chunked by 100. Those do not change when instances are stopped or started, so the token (from
 * the members, the rules, the action and the edge instant) is the first run's whenever the
 * selection is the same. Only the members that need the action are sent; a later run that finds
 * other ones needing it sends other ids under the same token, and SWAS's
 * IdempotentParameterMismatch then says that this batch was sent before: those instances are
 * left as they are (`skipped`). A replay with the very same ids looks like a success: a catch-up
 * reads the instances back and reports those that are not on their way as `skipped`.
 * (A token that ignored the members would survive a change of selection too, but could not tell
 * two chunks of one edge apart once the selection shifts ids between them.)
 *
 * Token and refusals: the gate retries a call with the same token when SWAS may have acted (no
 * answer, a timeout, a 5xx, InternalError included, which the documentation names as the case for
 * a retry under the token) or never saw it (throttling at the gateway); a token that changed with
 * such passing answers could not be repeated by a later run. After a definite refusal
 * (IncorrectInstanceStatus, an unknown id) the instances are read again and the next request gets
 * a new token derived from the round, as a service that remembered the refusal under the old
 * token would answer every retry with it. docs/operating.md ("How a run acts") says what this
 * leaves open.
 */

const MAX_ROUNDS = 4;

/** Members in the order of their ids. */
// Stryker: equivalent — `<=`: the ids of one region's instances are distinct, so never equal.
// Stryker disable next-line EqualityOperator: equivalent (see the line above)
const idOrder = (a: Decision, b: Decision): number => (a.resource.id < b.resource.id ? -1 : 1);

/**
 * Carries out SWAS decisions: the `act` ones, in batches whose members are all the decisions of
 * the same edge (the others only name their batch's token).
 */
export async function executeSwas(decisions: readonly Decision[], ctx: ExecuteContext): Promise<ResourceResult[]> {
  const groups = groupBy(decisions, (d) =>
    // Stryker: equivalent — without the sort: decide lists every decision's rules in the run's intent
    // order. `d.edgeAt && ctx.at`: a run has one intent per rule, so a decision's rules fix its edge,
    // and keying by the run's instant instead splits no group and joins none.
    // Stryker disable next-line MethodExpression,LogicalOperator: equivalent (see the lines above)
    JSON.stringify([d.resource.region, d.action, [...d.rules].sort(), d.edgeAt ?? ctx.at]),
  );
  const batches = [...groups.values()]
    .flatMap((group) => chunks([...group].sort(idOrder)))
    .map((members) => ({ members, acting: members.filter((d) => d.verdict === 'act') }))
    .filter((b) => b.acting.length > 0);
  const results = await Promise.all(
    batches.map(async ({ members, acting }, i) => {
      const { region } = acting[0]!.resource;
      const record = { id: `swas-${i + 1}`, product: 'swas' as const, region, action: acting[0]!.action, size: acting.length };
      const rs = await asBatch(record, (tokens) => runBatch(members, acting, tokens, ctx), ctx);
      for (const r of rs) ctx.progress?.finished(r);
      return rs;
    }),
  );
  return results.flat();
}

/** The SWAS statuses of an action: where it comes from, its way there, and where it is done. */
function statusesOf(action: 'stop' | 'start'): { from: string; moving: string; done: readonly string[] } {
  return action === 'stop'
    ? { from: 'Running', moving: 'Starting', done: ['Stopped', 'Stopping'] }
    : { from: 'Stopped', moving: 'Stopping', done: ['Running', 'Starting'] };
}

/** What a SWAS status already is for a stop or start that found it there. */
function arrived(status: string): ResourceResult['outcome'] {
  return status === 'Stopped'
    ? 'already-stopped'
    : status === 'Running'
      ? 'already-running'
      : status === 'Stopping'
        ? 'stopping'
        : 'starting';
}

/** Why a caught-up or repeated edge leaves an instance as a person left it. */
const leftAlone = (action: 'stop' | 'start', status: string, how?: string): string =>
  `${status}: ${action === 'stop' ? 'started' : 'stopped'} after the ${action} edge${how ? ` ${how}` : ''}; left ${action === 'stop' ? 'running' : 'stopped'}`;

/** The error for instances that never reached a state that accepts the action. */
const stuck = (action: 'stop' | 'start'): CloudError =>
  new CloudError({
    // Stryker: equivalent — product and kind: runBatch makes this error a result at once, which
    // reads them only for a permission refusal.
    // Stryker disable next-line StringLiteral: equivalent (see the line above)
    product: 'swas',
    action: `${action === 'stop' ? 'Stop' : 'Start'}Instances`,
    code: 'IncorrectInstanceStatus',
    // Stryker disable next-line StringLiteral: equivalent (see the comment on product)
    kind: 'state',
    message: `instances did not reach a state that accepts ${action} after ${MAX_ROUNDS} tries`,
  });

async function runBatch(
  members: readonly Decision[],
  acting: readonly Decision[],
  tokens: string[],
  ctx: ExecuteContext,
): Promise<ResourceResult[]> {
  const first = acting[0]!;
  const { region } = first.resource;
  const { action } = first;
  // A catch-up, or a late run (FC's retry, an event delivered twice), may see its edge a second time.
  const repeat = mayRepeat(first, ctx);
  if (deniedResult(identity(first), ctx)) return acting.map((d) => deniedResult(identity(d), ctx)!);
  const at = first.edgeAt ?? ctx.at;
  const memberIds = members.map((d) => d.resource.id);
  const { from, moving } = statusesOf(action);
  const results = new Map<string, ResourceResult>();
  /** The last SWAS status seen of each instance still to act on: the listing's, then the re-reads'. */
  const status = new Map(acting.map((d) => [d.resource.id, d.resource.status]));
  let pending: Decision[] = [];
  for (const d of acting) {
    // The edge lies in the past: an instance on its way back now is being moved by a person since.
    if (repeat && d.resource.status === moving)
      results.set(d.resource.id, { ...identity(d), outcome: 'skipped', detail: leftAlone(action, moving) });
    else pending.push(d);
  }

  let sent = 0;
  let waited = 0;
  while (pending.length > 0) {
    // Only instances in the state the action needs are sent: one in transition would have the
    // whole request refused, and a refusal costs the batch its token (see the module comment).
    const ready = pending.filter((d) => status.get(d.resource.id) === from);
    try {
      if (ready.length === 0) {
        if (waited >= MAX_ROUNDS) throw stuck(action);
        waited += 1;
        await pause(ctx, ctx.pollMs * waited, `waiting for instances in transition before ${action}`);
        pending = await reread(pending, action, repeat, status, results, ctx);
        continue;
      }
      if (sent >= MAX_ROUNDS) throw stuck(action);
      const token = clientToken({ rules: first.rules, action, at, ids: memberIds, round: sent });
      sent += 1;
      tokens.push(token);
      const ids = ready.map((d) => d.resource.id);
      try {
        if (action === 'stop') await ctx.apis.swas.stopInstances(region, ids, token);
        else await ctx.apis.swas.startInstances(region, ids, token);
      } catch (error) {
        if (error instanceof CloudError && error.code === 'IdempotentParameterMismatch') {
          // This batch went out before under this token, with the instances that needed it then:
          // an earlier run applied the edge, and what needs it now was moved by a person since.
          for (const d of pending) {
            const why = 'was applied by an earlier run (SWAS knows this batch by its ClientToken)';
            results.set(d.resource.id, { ...identity(d), outcome: 'skipped', detail: leftAlone(action, status.get(d.resource.id)!, why) });
          }
          pending = [];
          continue;
        }
        if (!(error instanceof CloudError && (error.kind === 'state' || error.kind === 'not-found'))) throw error;
        pending = await reread(pending, action, repeat, status, results, ctx);
        continue;
      }
      for (const d of ready) results.set(d.resource.id, { ...identity(d), outcome: action === 'stop' ? 'stopping' : 'starting' });
      // A caught-up edge may have been answered from an earlier run's token (SWAS replays it and
      // does nothing): read back, so an instance a person moved since is reported as it is.
      if (repeat) await readBack(ready, action, results, ctx);
      pending = pending.filter((d) => !ready.includes(d));
    } catch (error) {
      for (const d of pending) results.set(d.resource.id, resultOfError(identity(d), error, ctx));
      break;
    }
  }
  return acting.map((d) => results.get(d.resource.id)!);
}

async function readBack(
  sent: readonly Decision[],
  action: 'stop' | 'start',
  results: Map<string, ResourceResult>,
  ctx: ExecuteContext,
): Promise<void> {
  const listed = await ctx.apis.swas.listInstances(sent[0]!.resource.region, { instanceIds: sent.map((d) => d.resource.id) });
  const byId = new Map(sent.map((d) => [d.resource.id, d]));
  const { done } = statusesOf(action);
  for (const instance of listed) {
    const d = byId.get(instance.instanceId);
    if (!d || done.includes(instance.status)) continue;
    results.set(d.resource.id, { ...identity(d), outcome: 'skipped', detail: leftAlone(action, instance.status, 'was applied') });
  }
}

/**
 * After IncorrectInstanceStatus or a not-found, or a wait: reads the instances again, settles the
 * ones that need nothing more, and returns those still to send (their status updated).
 */
async function reread(
  pending: readonly Decision[],
  action: 'stop' | 'start',
  repeat: boolean,
  status: Map<string, string>,
  results: Map<string, ResourceResult>,
  ctx: ExecuteContext,
): Promise<Decision[]> {
  const region = pending[0]!.resource.region;
  const listed = await ctx.apis.swas.listInstances(region, { instanceIds: pending.map((d) => d.resource.id) });
  const byId = new Map<string, SwasInstance>(listed.map((i) => [i.instanceId, i]));
  const { from, moving, done } = statusesOf(action);
  const again: Decision[] = [];
  for (const d of pending) {
    const now = byId.get(d.resource.id)?.status;
    if (now === undefined)
      results.set(d.resource.id, {
        ...identity(d),
        outcome: 'failed',
        code: 'InvalidInstanceId.NotFound',
        detail: 'the instance no longer exists',
      });
    else if (done.includes(now)) results.set(d.resource.id, { ...identity(d), outcome: arrived(now) });
    else if (now === moving && repeat) results.set(d.resource.id, { ...identity(d), outcome: 'skipped', detail: leftAlone(action, now) });
    else if (now === from || now === moving) {
      status.set(d.resource.id, now);
      again.push(d);
    } else results.set(d.resource.id, { ...identity(d), outcome: 'skipped', detail: `in state ${now}; left alone` });
  }
  return again;
}

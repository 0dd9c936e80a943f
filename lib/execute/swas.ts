import type { SwasInstance } from '../cloud/api.js';
import { CloudError } from '../cloud/errors.js';
import type { Decision } from '../plan/decide.js';
import { accounted, deniedResult, pause, resultOfError, type ExecuteContext } from './context.js';
import { identity, type ResourceResult } from './result.js';
import { clientToken } from './token.js';

/**
 * SWAS is idempotent by construction: every StopInstances/StartInstances carries a ClientToken
 * derived from (rules, resources, action, edge instant), so a retried or catch-up run repeats the
 * first request and SWAS answers it without acting again. `IncorrectInstanceStatus` leads to a
 * re-read: Stopping/Stopped is done, Starting is waited out, the rest is sent again.
 */

const BATCH = 100;
const MAX_ROUNDS = 4;

/** Carries out SWAS decisions (all `act`). */
export async function executeSwas(decisions: readonly Decision[], ctx: ExecuteContext): Promise<ResourceResult[]> {
  const groups = new Map<string, Decision[]>();
  for (const d of decisions) {
    const key = JSON.stringify([d.resource.region, d.action, [...d.rules].sort(), d.edgeAt ?? ctx.at]);
    groups.set(key, [...(groups.get(key) ?? []), d]);
  }
  const batches: Decision[][] = [];
  for (const group of groups.values()) {
    const sorted = [...group].sort((a, b) => (a.resource.id < b.resource.id ? -1 : 1));
    for (let i = 0; i < sorted.length; i += BATCH) batches.push(sorted.slice(i, i + BATCH));
  }
  const results = await Promise.all(
    batches.map((b) => accounted(() => runBatch(b, ctx), ctx).then((rs) => (rs.forEach((r) => ctx.progress?.finished(r)), rs))),
  );
  return results.flat();
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

async function runBatch(batch: readonly Decision[], ctx: ExecuteContext): Promise<ResourceResult[]> {
  const first = batch[0]!;
  const { region } = first.resource;
  const action = first.action;
  const denied = deniedResult(identity(first), ctx);
  if (denied) return batch.map((d) => deniedResult(identity(d), ctx)!);
  const at = first.edgeAt ?? ctx.at;
  const results = new Map<string, ResourceResult>();
  let pending = [...batch];
  for (let round = 0; pending.length > 0; round++) {
    const ids = pending.map((d) => d.resource.id);
    const token = clientToken({ rules: first.rules, action, at, ids });
    try {
      if (round >= MAX_ROUNDS)
        throw new CloudError({
          product: 'swas',
          action: `${action === 'stop' ? 'Stop' : 'Start'}Instances`,
          code: 'IncorrectInstanceStatus',
          kind: 'state',
          message: `instances did not reach a state that accepts ${action} after ${MAX_ROUNDS} tries`,
        });
      if (action === 'stop') await ctx.apis.swas.stopInstances(region, ids, token);
      else await ctx.apis.swas.startInstances(region, ids, token);
      for (const d of pending)
        results.set(d.resource.id, { ...identity(d), outcome: action === 'stop' ? 'stopping' : 'starting', clientToken: token });
      // A caught-up stop may have been answered from an earlier run's token (SWAS replays it and
      // does nothing): read back, so an instance a person started since is reported as it is.
      if (first.catchUp && action === 'stop') await readBack(pending, token, results, ctx);
      pending = [];
    } catch (error) {
      const recoverable = error instanceof CloudError && (error.kind === 'state' || error.kind === 'not-found') && round < MAX_ROUNDS;
      if (!recoverable) {
        for (const d of pending) results.set(d.resource.id, { ...resultOfError(identity(d), error, ctx), clientToken: token });
        break;
      }
      try {
        pending = await reread(pending, action, results, ctx, round);
      } catch (readError) {
        for (const d of pending) results.set(d.resource.id, resultOfError(identity(d), readError, ctx));
        break;
      }
    }
  }
  return batch.map((d) => results.get(d.resource.id)!);
}

async function readBack(
  sent: readonly Decision[],
  token: string,
  results: Map<string, ResourceResult>,
  ctx: ExecuteContext,
): Promise<void> {
  const listed = await ctx.apis.swas.listInstances(sent[0]!.resource.region, { instanceIds: sent.map((d) => d.resource.id) });
  for (const instance of listed) {
    if (instance.status !== 'Running' && instance.status !== 'Starting') continue;
    const d = sent.find((x) => x.resource.id === instance.instanceId)!;
    results.set(d.resource.id, {
      ...identity(d),
      outcome: 'skipped',
      clientToken: token,
      detail: `${instance.status}: started after the stop edge was applied; catch-up leaves it running`,
    });
  }
}

/**
 * After IncorrectInstanceStatus or a not-found: reads the instances again, settles the ones that
 * need nothing more, and returns those to send again (waiting first when some are in transition).
 */
async function reread(
  pending: readonly Decision[],
  action: 'stop' | 'start',
  results: Map<string, ResourceResult>,
  ctx: ExecuteContext,
  round: number,
): Promise<Decision[]> {
  const region = pending[0]!.resource.region;
  const listed = await ctx.apis.swas.listInstances(region, { instanceIds: pending.map((d) => d.resource.id) });
  const byId = new Map<string, SwasInstance>(listed.map((i) => [i.instanceId, i]));
  const [done, moving, blocking] =
    action === 'stop' ? [['Stopped', 'Stopping'], 'Starting', 'Running'] : [['Running', 'Starting'], 'Stopping', 'Stopped'];
  const again: Decision[] = [];
  let wait = false;
  for (const d of pending) {
    const status = byId.get(d.resource.id)?.status;
    if (status === undefined)
      results.set(d.resource.id, {
        ...identity(d),
        outcome: 'failed',
        code: 'InvalidInstanceId.NotFound',
        detail: 'the instance no longer exists',
      });
    else if (done.includes(status)) results.set(d.resource.id, { ...identity(d), outcome: arrived(status) });
    else if (status === moving || status === blocking) {
      wait ||= status === moving;
      again.push(d);
    } else results.set(d.resource.id, { ...identity(d), outcome: 'skipped', detail: `in state ${status}; left alone` });
  }
  if (wait) await pause(ctx, ctx.pollMs * (round + 1), `waiting for instances in transition before ${action}`);
  return again;
}

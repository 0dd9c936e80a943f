import type { SwasInstance } from '../cloud/api.js';
import { chunks } from '../cloud/chunks.js';
import { CloudError } from '../cloud/errors.js';
import { groupBy } from '../group-by.js';
import type { Decision } from '../plan/decide.js';
import { asBatch, deniedResult, pause, resultOfError, type ExecuteContext } from './context.js';
import { identity, type ResourceResult } from './result.js';
import { clientToken } from './token.js';

/**
 * SWAS is idempotent by construction: every StopInstances/StartInstances carries a ClientToken
 * derived from (rules, resources, action, edge instant), so a retried or catch-up run repeats the
 * first request and SWAS answers it without acting again. `IncorrectInstanceStatus` leads to a
 * re-read: Stopping/Stopped is done, Starting is waited out, the rest is sent again.
 */

const MAX_ROUNDS = 4;

/** Carries out SWAS decisions (all `act`). */
export async function executeSwas(decisions: readonly Decision[], ctx: ExecuteContext): Promise<ResourceResult[]> {
  const groups = groupBy(decisions, (d) => JSON.stringify([d.resource.region, d.action, [...d.rules].sort(), d.edgeAt ?? ctx.at]));
  const batches = [...groups.values()].flatMap((group) => chunks([...group].sort((a, b) => (a.resource.id < b.resource.id ? -1 : 1))));
  const results = await Promise.all(
    batches.map(async (b, i) => {
      const { region } = b[0]!.resource;
      const record = { id: `swas-${i + 1}`, product: 'swas' as const, region, action: b[0]!.action, size: b.length };
      const rs = await asBatch(record, (tokens) => runBatch(b, tokens, ctx), ctx);
      for (const r of rs) ctx.progress?.finished(r);
      return rs;
    }),
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

async function runBatch(batch: readonly Decision[], tokens: string[], ctx: ExecuteContext): Promise<ResourceResult[]> {
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
    tokens.push(token);
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
      for (const d of pending) results.set(d.resource.id, { ...identity(d), outcome: action === 'stop' ? 'stopping' : 'starting' });
      // A caught-up stop may have been answered from an earlier run's token (SWAS replays it and
      // does nothing): read back, so an instance a person started since is reported as it is.
      if (first.catchUp && action === 'stop') await readBack(pending, results, ctx);
      pending = [];
    } catch (error) {
      const recoverable = error instanceof CloudError && (error.kind === 'state' || error.kind === 'not-found') && round < MAX_ROUNDS;
      if (!recoverable) {
        for (const d of pending) results.set(d.resource.id, resultOfError(identity(d), error, ctx));
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

async function readBack(sent: readonly Decision[], results: Map<string, ResourceResult>, ctx: ExecuteContext): Promise<void> {
  const listed = await ctx.apis.swas.listInstances(sent[0]!.resource.region, { instanceIds: sent.map((d) => d.resource.id) });
  const byId = new Map(sent.map((d) => [d.resource.id, d]));
  for (const instance of listed) {
    const d = byId.get(instance.instanceId);
    if (!d || (instance.status !== 'Running' && instance.status !== 'Starting')) continue;
    results.set(d.resource.id, {
      ...identity(d),
      outcome: 'skipped',
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

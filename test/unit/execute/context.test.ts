import { describe, expect, it } from 'vitest';
import type { CloudApis } from '../../../lib/cloud/api.js';
import { CloudError } from '../../../lib/cloud/errors.js';
import { recordCall } from '../../../lib/cloud/ledger.js';
import { MutationRefused } from '../../../lib/cloud/refuse.js';
import { asBatch, deniedResult, mayRepeat, nextPoll, pause, resultOfError, type ExecuteContext } from '../../../lib/execute/context.js';
import { Deadline, DeadlineError } from '../../../lib/execute/deadline.js';
import type { ResourceResult } from '../../../lib/execute/result.js';
import type { Decision } from '../../../lib/plan/decide.js';
import { FakeClock } from './fake-clock.js';

const T0 = 1_700_000_000_000;

const base: Omit<ResourceResult, 'outcome'> = {
  product: 'sae',
  region: 'cn-hangzhou',
  id: 'app-1',
  name: 'dev-api',
  action: 'stop',
  rules: ['dev-nights'],
  reason: 'off-peak began',
};

/** A context whose clock starts at T0 and whose deadline is `leftMs` later. */
function context(options: { leftMs?: number; late?: boolean; pollMs?: number } = {}) {
  const clock = new FakeClock(T0);
  const waits: string[] = [];
  const slept: number[] = [];
  const ctx: ExecuteContext = {
    apis: {} as CloudApis,
    deadline: new Deadline(T0 + (options.leftMs ?? 60_000), clock),
    sleep: (ms) => {
      slept.push(ms);
      return clock.sleep(ms);
    },
    pollMs: options.pollMs ?? 1_000,
    at: T0,
    late: options.late ?? false,
    saeBatch: false,
    batches: [],
    denied: new Map(),
    progress: { finished: () => {}, waiting: (what) => waits.push(what) },
  };
  return { ctx, clock, waits, slept };
}

const permission = (product: 'sae' | 'swas' = 'sae', requestId?: string) =>
  new CloudError({
    product,
    action: 'StopApplication',
    code: 'Forbidden.RAM',
    kind: 'permission',
    message: 'User not authorized',
    ...(requestId ? { requestId } : {}),
  });

describe('mayRepeat', () => {
  const decision = (catchUp: boolean) => ({ catchUp }) as Decision;

  it('is true for a catch-up, and for anything a late run does', () => {
    expect(mayRepeat(decision(false), context().ctx)).toBe(false);
    expect(mayRepeat(decision(true), context().ctx)).toBe(true);
    expect(mayRepeat(decision(false), context({ late: true }).ctx)).toBe(true);
  });
});

describe('pause', () => {
  it('says what it waits for, then sleeps that long', async () => {
    const { ctx, clock, waits, slept } = context();
    await clock.drive(pause(ctx, 5_000, 'waiting for app-1 to accept stop'));
    expect(waits).toEqual(['waiting for app-1 to accept stop']);
    expect(slept).toEqual([5_000]);
    expect(clock.now()).toBe(T0 + 5_000);
  });

  it('throws DeadlineError, naming what it would have waited for, when the wait would end at or after the deadline', async () => {
    const { ctx, waits, slept } = context({ leftMs: 5_000 });
    const error = await pause(ctx, 5_000, 'confirming 2 SAE change orders in cn-hangzhou').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadlineError);
    expect((error as DeadlineError).message).toBe('the deadline came while confirming 2 SAE change orders in cn-hangzhou');
    expect(waits).toEqual([]);
    expect(slept).toEqual([]);
  });
});

describe('nextPoll', () => {
  it('grows by half each time, up to four times the base interval', () => {
    const { ctx } = context({ pollMs: 1_000 });
    expect(nextPoll(ctx, 1_000)).toBe(1_500);
    expect(nextPoll(ctx, 1_500)).toBe(2_250);
    expect(nextPoll(ctx, 3_333)).toBe(4_000);
    expect(nextPoll(ctx, 4_000)).toBe(4_000);
  });
});

describe('resultOfError', () => {
  it('a refusal by a dry run or the guard is what the run would have done, not a failure', () => {
    const { ctx } = context();
    expect(resultOfError(base, new MutationRefused('dry-run', 'stop', 'StopApplication'), ctx)).toEqual({
      ...base,
      outcome: 'would-stop',
      detail: 'dry run: StopApplication not sent',
    });
    expect(resultOfError({ ...base, action: 'start' }, new MutationRefused('dry-run', 'start', 'StartApplication'), ctx)).toEqual({
      ...base,
      action: 'start',
      outcome: 'would-start',
      detail: 'dry run: StartApplication not sent',
    });
    expect(resultOfError(base, new MutationRefused('guard', 'stop', 'StopInstances'), ctx)).toEqual({
      ...base,
      outcome: 'held',
      detail: 'held by the blast-radius guard: StopInstances not sent',
    });
  });

  it('a cloud error keeps its code, action and request id', () => {
    const { ctx } = context();
    const busy = new CloudError({
      product: 'sae',
      action: 'StopApplication',
      code: 'Application.ChangerOrderRunning',
      kind: 'busy',
      message: 'a change order is running',
      requestId: 'req-7',
    });
    expect(resultOfError(base, busy, ctx)).toEqual({
      ...base,
      outcome: 'failed',
      code: 'Application.ChangerOrderRunning',
      detail: 'StopApplication: a change order is running',
      requestId: 'req-7',
    });
    // Only a permission error closes the product and region for the rest of the run.
    expect([...ctx.denied.keys()]).toEqual([]);
  });

  it('a permission error is remembered for its product and region', () => {
    const { ctx } = context();
    const error = permission('swas');
    expect(resultOfError({ ...base, region: 'cn-beijing' }, error, ctx)).toEqual({
      ...base,
      region: 'cn-beijing',
      outcome: 'failed',
      code: 'Forbidden.RAM',
      detail: 'StopApplication: User not authorized',
    });
    expect([...ctx.denied.entries()]).toEqual([['swas:cn-beijing', error]]);
  });
});

describe('deniedResult', () => {
  it('fails, without trying, a resource whose product and region refused permission earlier', () => {
    const { ctx } = context();
    resultOfError(base, permission('sae', 'req-1'), ctx);
    expect(deniedResult({ ...base, id: 'app-2', name: 'dev-web' }, ctx)).toEqual({
      ...base,
      id: 'app-2',
      name: 'dev-web',
      outcome: 'failed',
      code: 'Forbidden.RAM',
      detail: 'not tried: sae in cn-hangzhou refused permission earlier in this run (Forbidden.RAM)',
    });
  });

  it('leaves other products and regions to be tried', () => {
    const { ctx } = context();
    resultOfError(base, permission('sae'), ctx);
    expect(deniedResult({ ...base, region: 'cn-beijing' }, ctx)).toBeUndefined();
    expect(deniedResult({ ...base, product: 'swas' }, ctx)).toBeUndefined();
    expect(deniedResult(base, context().ctx)).toBeUndefined();
  });
});

describe('asBatch', () => {
  const batch = { id: 'swas-1', product: 'swas', region: 'cn-hangzhou', action: 'stop', size: 2 } as const;
  const member = (id: string): ResourceResult => ({ ...base, product: 'swas', id, outcome: 'stopping' });

  it('records the batch once, with its tokens, calls, request ids and time, and names it on each member', async () => {
    const { ctx, clock } = context();
    const results = await clock.drive(
      asBatch(
        batch,
        async (tokens) => {
          tokens.push('token-a', 'token-b', 'token-c');
          recordCall('req-1');
          await clock.sleep(250);
          recordCall(undefined);
          recordCall('req-2');
          return [member('i-1'), member('i-2')];
        },
        ctx,
      ),
    );
    expect(results).toEqual([
      { ...member('i-1'), batch: 'swas-1' },
      { ...member('i-2'), batch: 'swas-1' },
    ]);
    expect(ctx.batches).toEqual([
      { ...batch, clientToken: 'token-a', laterTokens: ['token-b', 'token-c'], attempts: 3, requestIds: ['req-1', 'req-2'], ms: 250 },
    ]);
  });

  it('leaves out what the batch did not have: no token, no later tokens, no request ids', async () => {
    const { ctx } = context();
    await asBatch(batch, () => Promise.resolve([member('i-1')]), ctx);
    expect(ctx.batches).toEqual([{ ...batch, attempts: 0, ms: 0 }]);
    expect(Object.keys(ctx.batches[0]!)).toEqual(['id', 'product', 'region', 'action', 'size', 'attempts', 'ms']);
  });
});

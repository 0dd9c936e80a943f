import { describe, expect, it } from 'vitest';
import { CloudError, type ErrorKind, type Product } from '../../../lib/cloud/errors.js';
import { Deadline, DeadlineError } from '../../../lib/execute/deadline.js';
import { Pacer, type ThrottleFeedback } from '../../../lib/execute/pacer.js';
import { backoffMs, isRetryable, withRetry, type Attempt, type RetryOptions } from '../../../lib/execute/retry.js';
import { FakeClock } from './fake-clock.js';

const busy = () =>
  new CloudError({
    product: 'sae',
    action: 'StopApplication',
    code: 'Application.ChangerOrderRunning',
    kind: 'busy',
    message: 'a change order is running',
  });
const throttled = () =>
  new CloudError({
    product: 'swas',
    action: 'StopInstances',
    code: 'Throttling.User',
    kind: 'throttled',
    message: 'Request was denied due to user flow control.',
  });
const transient = () =>
  new CloudError({ product: 'sae', action: 'StopApplication', code: 'InternalError', kind: 'transient', message: 'internal error' });
const errorOf = (kind: ErrorKind, code: string = kind) =>
  new CloudError({ product: 'sae', action: 'StopApplication', code, kind, message: `a ${kind} error` });

/** A call that throws the given errors in turn, then returns 'done'; it records when it ran. */
function script(...errors: Error[]) {
  const calls: number[] = [];
  return {
    calls,
    call: (clock: FakeClock) => (attempt: number) => {
      calls.push(clock.now());
      expect(attempt).toBe(calls.length);
      const error = errors[calls.length - 1];
      return error !== undefined ? Promise.reject(error) : Promise.resolve('done');
    },
  };
}

/** A ThrottleFeedback that records what it is told. */
function fakePacer(spacing: number) {
  const told: string[] = [];
  const pacer: ThrottleFeedback = {
    throttled: (product: Product, action: string) => void told.push(`${product}:${action}`),
    spacingMs: () => spacing,
  };
  return { told, pacer };
}

/** Runs withRetry on a fake clock from 0, no jitter, deadline at `deadlineAt`. */
async function run(
  calls: ReturnType<typeof script>,
  options: { deadlineAt?: number; pacer?: ThrottleFeedback; retry?: RetryOptions; product?: Product; action?: string } = {},
) {
  const clock = new FakeClock();
  const deadline = new Deadline(options.deadlineAt ?? 600_000, clock);
  const attempts: Attempt[] = [];
  const result = clock.drive(
    withRetry(
      calls.call(clock),
      {
        product: options.product ?? 'sae',
        action: options.action ?? 'StopApplication',
        deadline,
        onAttempt: (a) => attempts.push(a),
        ...(options.pacer ? { pacer: options.pacer } : {}),
      },
      { random: () => 0, ...options.retry },
    ),
  );
  const outcome = await result.then(
    (value) => ({ value, error: undefined }),
    (error: unknown) => ({ value: undefined, error }),
  );
  deadline.dispose();
  return {
    ...outcome,
    attempts,
    clock,
    summary: attempts.map((a) => `${a.attempt}:${a.outcome}${a.delayMs === undefined ? '' : `+${a.delayMs}`}`),
  };
}

describe('backoffMs', () => {
  it('doubles from 500 ms with jitter in [1, 2), capped at 20 s', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((n) => backoffMs(n, {}, () => 0))).toEqual([500, 1_000, 2_000, 4_000, 8_000, 16_000, 20_000]);
    expect(backoffMs(0, {}, () => 0.5)).toBe(750);
    expect(backoffMs(2, {}, () => 0.999)).toBe(3_998);
    expect(backoffMs(1, { minTimeoutMs: 10, factor: 3, maxTimeoutMs: 25 }, () => 0)).toBe(25);
  });
});

describe('isRetryable', () => {
  it('is true for throttled, busy and transient CloudErrors only', () => {
    expect(
      (['throttled', 'busy', 'transient', 'state', 'not-found', 'invalid', 'permission'] as const).map((k) => isRetryable(errorOf(k))),
    ).toEqual([true, true, true, false, false, false, false]);
    expect(isRetryable(new Error('Throttling'))).toBe(false);
  });
});

describe('withRetry', () => {
  it('retries busy once, then succeeds: 2 attempts, after the first backoff', async () => {
    const calls = script(busy());
    const { value, summary } = await run(calls);
    expect(value).toBe('done');
    expect(calls.calls).toEqual([0, 500]);
    expect(summary).toEqual(['1:retry+500', '2:ok']);
  });

  it('backs off exponentially over transient faults', async () => {
    const calls = script(transient(), transient(), transient());
    const { value, summary } = await run(calls);
    expect(value).toBe('done');
    expect(calls.calls).toEqual([0, 500, 1_500, 3_500]);
    expect(summary).toEqual(['1:retry+500', '2:retry+1000', '3:retry+2000', '4:ok']);
  });

  it('tells the pacer of Throttling and waits at least one of its slots', async () => {
    const { told, pacer } = fakePacer(6_667);
    const calls = script(throttled(), throttled());
    const { value, summary } = await run(calls, { pacer, product: 'swas', action: 'StopInstances' });
    expect(value).toBe('done');
    expect(told).toEqual(['swas:StopInstances', 'swas:StopInstances']);
    expect(calls.calls).toEqual([0, 6_667, 13_334]);
    expect(summary).toEqual(['1:retry+6667', '2:retry+6667', '3:ok']);
  });

  it('slows a real pacer: its throttle count goes up and the wait is its spacing', async () => {
    const clock = new FakeClock();
    const pacer = new Pacer({ clock });
    const calls = script(throttled());
    const deadline = new Deadline(600_000, clock);
    await clock.drive(withRetry(calls.call(clock), { product: 'swas', action: 'StopInstances', deadline, pacer }, { random: () => 0 }));
    expect(pacer.stats().throttles).toBe(1);
    expect(calls.calls).toEqual([0, 60_000 / 9]);
    deadline.dispose();
  });

  it('tells the pacer of a Throttling even when no retry is left', async () => {
    const { told, pacer } = fakePacer(100);
    const calls = script(throttled(), throttled());
    const { error, summary } = await run(calls, { pacer, retry: { retries: 1 } });
    expect(error).toBeInstanceOf(CloudError);
    expect(told).toHaveLength(2);
    expect(summary).toEqual(['1:retry+500', '2:failed']);
  });

  it('fails at once on not-found: 1 attempt, the same error, no wait', async () => {
    const { told, pacer } = fakePacer(100);
    const notFound = errorOf('not-found', 'InvalidApplication.NotFound');
    const calls = script(notFound);
    const { error, summary, clock } = await run(calls, { pacer });
    expect(error).toBe(notFound);
    expect(calls.calls).toEqual([0]);
    expect(summary).toEqual(['1:failed']);
    expect(clock.now()).toBe(0);
    expect(told).toEqual([]);
  });

  it.each(['invalid', 'permission', 'state'] as const)('fails at once on %s', async (kind) => {
    const failure = errorOf(kind);
    const calls = script(failure);
    const { error, summary } = await run(calls);
    expect(error).toBe(failure);
    expect(summary).toEqual(['1:failed']);
  });

  it.each([
    ['an Error', new Error('bug')],
    ['a TypeError', new TypeError("Cannot read properties of undefined (reading 'Data')")],
    ['a network-looking TypeError', new TypeError('fetch failed')],
  ])('fails at once on %s that is not a CloudError', async (_name, bug) => {
    const calls = script(bug);
    const { error, summary } = await run(calls);
    expect(error).toBe(bug);
    expect(calls.calls).toEqual([0]);
    expect(summary).toEqual(['1:failed']);
  });

  it('gives up with the last error when the retries run out', async () => {
    const errors = [busy(), busy(), busy()];
    const calls = script(...errors);
    const { error, summary } = await run(calls, { retry: { retries: 2 } });
    expect(error).toBe(errors[2]);
    expect(calls.calls).toEqual([0, 500, 1_500]);
    expect(summary).toEqual(['1:retry+500', '2:retry+1000', '3:failed']);
  });

  it('stops before a wait that would end after the deadline: DeadlineError caused by the last error', async () => {
    const errors = [busy(), busy(), busy(), busy()];
    const calls = script(...errors);
    // Attempts at 0 and 500; after the third, at 1 500, the 2 000 ms wait would end at 3 500 > 3 000.
    const { error, summary, clock } = await run(calls, { deadlineAt: 3_000 });
    expect(error).toBeInstanceOf(DeadlineError);
    expect((error as DeadlineError).message).toBe(
      'sae StopApplication: retrying Application.ChangerOrderRunning would wait past the deadline',
    );
    expect((error as DeadlineError).cause).toBe(errors[2]);
    expect(calls.calls).toEqual([0, 500, 1_500]);
    expect(summary).toEqual(['1:retry+500', '2:retry+1000', '3:deferred']);
    expect(clock.now()).toBe(1_500);
  });

  it('does not start a wait that would end exactly at the deadline', async () => {
    const errors = [busy(), busy()];
    const calls = script(...errors);
    const { error, summary } = await run(calls, { deadlineAt: 500 });
    expect((error as DeadlineError).cause).toBe(errors[0]);
    expect(summary).toEqual(['1:deferred']);
  });

  it('does not call at all once the deadline has passed', async () => {
    const calls = script();
    const { error, summary } = await run(calls, { deadlineAt: 0 });
    expect(error).toBeInstanceOf(DeadlineError);
    expect((error as DeadlineError).message).toBe('sae StopApplication: the deadline came before the call');
    expect((error as DeadlineError).cause).toBeUndefined();
    expect(calls.calls).toEqual([]);
    expect(summary).toEqual(['1:deferred']);
  });

  it('when a wait overruns into the deadline, gives up before calling, caused by the error it waited after', async () => {
    const clock = new FakeClock();
    const deadline = new Deadline(10_000, clock);
    const failure = busy();
    const calls = script(failure);
    // The wait was allowed (500 ms), but the process slept far longer: the deadline came meanwhile.
    const oversleep = (ms: number) => clock.sleep(ms + 20_000);
    const error = await clock
      .drive(withRetry(calls.call(clock), { product: 'sae', action: 'StopApplication', deadline, sleep: oversleep }, { random: () => 0 }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadlineError);
    expect((error as DeadlineError).message).toBe('sae StopApplication: the deadline came before the call');
    expect((error as DeadlineError).cause).toBe(failure);
    expect(calls.calls).toEqual([0]);
    deadline.dispose();
  });

  it("passes on a call's own DeadlineError as it is: on the first attempt, or when it names its own cause", async () => {
    const first = new DeadlineError('no sae call slot before the deadline');
    const { error: a, summary } = await run(script(first));
    expect(a).toBe(first);
    expect(summary).toEqual(['1:deferred']);
    const cause = new Error('the reason it gave');
    const own = new DeadlineError('the deadline came while waiting', { cause });
    const { error: b } = await run(script(busy(), own));
    expect(b).toBe(own);
    expect((b as DeadlineError).cause).toBe(cause);
  });

  it('retries Throttling on the backoff alone when there is no pacer', async () => {
    const calls = script(throttled());
    const { value, summary } = await run(calls, { product: 'swas', action: 'StopInstances' });
    expect(value).toBe('done');
    expect(summary).toEqual(['1:retry+500', '2:ok']);
  });

  it('tells the last attempt its error, failed or deferred', async () => {
    const notFound = errorOf('not-found', 'InvalidApplication.NotFound');
    const { attempts } = await run(script(notFound));
    expect(attempts).toEqual([{ product: 'sae', action: 'StopApplication', attempt: 1, outcome: 'failed', error: notFound }]);
    const { attempts: late, error } = await run(script(), { deadlineAt: 0 });
    expect(late).toEqual([{ product: 'sae', action: 'StopApplication', attempt: 1, outcome: 'deferred', error }]);
  });

  it('with jitter, waits between 1 and 2 times the backoff', async () => {
    const clock = new FakeClock();
    const deadline = new Deadline(600_000, clock);
    const calls = script(busy(), busy());
    const delays: number[] = [];
    await clock.drive(
      withRetry(calls.call(clock), {
        product: 'sae',
        action: 'StopApplication',
        deadline,
        onAttempt: (a) => a.delayMs !== undefined && delays.push(a.delayMs),
      }),
    );
    expect(delays).toHaveLength(2);
    expect(delays[0]).toBeGreaterThanOrEqual(500);
    expect(delays[0]).toBeLessThan(1_000);
    expect(delays[1]).toBeGreaterThanOrEqual(1_000);
    expect(delays[1]).toBeLessThan(2_000);
    expect(calls.calls).toEqual([0, delays[0], delays[0]! + delays[1]!]);
    deadline.dispose();
  });
});

import { describe, expect, it } from 'vitest';
import { CloudError } from '../../../lib/cloud/errors.js';
import { Deadline, DeadlineError } from '../../../lib/execute/deadline.js';
import { createGate } from '../../../lib/execute/gate.js';
import { Pacer } from '../../../lib/execute/pacer.js';
import type { Attempt } from '../../../lib/execute/retry.js';
import { FakeClock } from './fake-clock.js';

const MIN = 60_000;
const busy = () =>
  new CloudError({ product: 'swas', action: 'StopInstances', code: 'IncorrectInstanceStatus.Busy', kind: 'busy', message: 'busy' });
const throttled = () =>
  new CloudError({
    product: 'swas',
    action: 'StopInstances',
    code: 'Throttling.User',
    kind: 'throttled',
    message: 'Request was denied due to user flow control.',
  });

function setup(deadlineAt = 10 * MIN, maxConcurrent = 4) {
  const clock = new FakeClock();
  const pacer = new Pacer({ clock, maxConcurrent });
  const deadline = new Deadline(deadlineAt, clock);
  const attempts: Attempt[] = [];
  const gate = createGate({ pacer, deadline, retry: { random: () => 0 }, onAttempt: (a) => attempts.push(a) });
  return { clock, pacer, deadline, gate, attempts };
}

describe('createGate', () => {
  it('paces every call through the pacer', async () => {
    const { clock, gate, pacer, deadline } = setup();
    const ran: number[] = [];
    const results = await clock.drive(
      Promise.all(Array.from({ length: 10 }, (_, i) => gate('swas', 'StopInstances', () => (ran.push(clock.now()), Promise.resolve(i))))),
    );
    expect(results).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(ran).toEqual([...Array<number>(9).fill(0), MIN]);
    expect(pacer.stats()).toMatchObject({ calls: 10, waits: 1, throttles: 0 });
    deadline.dispose();
  });

  it('paces retries too, and slows the bucket after Throttling', async () => {
    const { clock, gate, pacer, attempts, deadline } = setup();
    const ran: number[] = [];
    let n = 0;
    const value = await clock.drive(
      gate('swas', 'StopInstances', () => {
        ran.push(clock.now());
        return n++ === 0 ? Promise.reject(throttled()) : Promise.resolve('stopped');
      }),
    );
    expect(value).toBe('stopped');
    // The retry waits one slot (60 s / 9), not the 500 ms backoff.
    expect(ran).toEqual([0, MIN / 9]);
    expect(pacer.stats()).toMatchObject({ calls: 2, throttles: 1 });
    expect(attempts.map((a) => `${a.product}:${a.action}:${a.attempt}:${a.outcome}`)).toEqual([
      'swas:StopInstances:1:retry',
      'swas:StopInstances:2:ok',
    ]);
    deadline.dispose();
  });

  it('refuses with DeadlineError, without calling, when no slot comes before the deadline', async () => {
    const { clock, gate, deadline, attempts } = setup(30_000);
    let calls = 0;
    const settled = await clock.drive(
      Promise.allSettled(Array.from({ length: 10 }, () => gate('swas', 'StopInstances', () => Promise.resolve(++calls)))),
    );
    expect(calls).toBe(9);
    expect(settled.map((s) => s.status)).toEqual([...Array<string>(9).fill('fulfilled'), 'rejected']);
    expect(settled[9]!.status === 'rejected' && settled[9]!.reason).toBeInstanceOf(DeadlineError);
    expect(attempts.filter((a) => a.outcome === 'deferred')).toHaveLength(1);
    expect(clock.now()).toBe(0);
    deadline.dispose();
  });

  it('names the busy error as the cause when a retry finds no slot before the deadline', async () => {
    const { clock, gate, deadline } = setup(30_000);
    const failure = busy();
    const fill = Array.from({ length: 8 }, () => gate('swas', 'StopInstances', () => Promise.resolve('ok')));
    let calls = 0;
    const retried = gate('swas', 'StopInstances', () => {
      calls++;
      return Promise.reject(failure);
    });
    const [, outcome] = await clock.drive(Promise.allSettled([Promise.all(fill), retried]));
    // The 9th slot went to the first attempt; the retry at 500 ms would need the window to move (60 s).
    expect(calls).toBe(1);
    expect(outcome.status).toBe('rejected');
    const error = outcome.status === 'rejected' ? (outcome.reason as DeadlineError) : undefined;
    expect(error).toBeInstanceOf(DeadlineError);
    expect(error?.cause).toBe(failure);
    expect(clock.now()).toBe(500);
    deadline.dispose();
  });

  it('frees the concurrency slot when a call fails', async () => {
    const { clock, gate, deadline } = setup(10 * MIN, 1);
    const notFound = new CloudError({
      product: 'sae',
      action: 'DescribeApplicationStatus',
      code: 'InvalidAppId.NotFound',
      kind: 'not-found',
      message: 'no such app',
    });
    const first = gate('sae', 'DescribeApplicationStatus', () => Promise.reject(notFound));
    const second = gate('sae', 'DescribeApplicationStatus', () => Promise.resolve('read'));
    const [a, b] = await clock.drive(Promise.allSettled([first, second]));
    expect(a).toEqual({ status: 'rejected', reason: notFound });
    expect(b).toEqual({ status: 'fulfilled', value: 'read' });
    deadline.dispose();
  });

  it('sends no more calls to a product and region that refused permission, and says why', async () => {
    const { clock, gate, deadline } = setup();
    const refusal = new CloudError({
      product: 'sae',
      action: 'StopApplication',
      code: 'Forbidden.RAM',
      kind: 'permission',
      message: 'User not authorized to operate on the specified resource.',
      httpStatus: 403,
      requestId: 'req-1',
    });
    const sent: string[] = [];
    const call = (name: string, region?: string, fails = false) =>
      gate(
        'sae',
        name,
        () => {
          sent.push(`${name}@${region ?? 'none'}`);
          return fails ? Promise.reject(refusal) : Promise.resolve(name);
        },
        region,
      );
    const [first, again, elsewhere, none, otherProduct] = await clock.drive(
      Promise.allSettled([
        call('StopApplication', 'cn-hangzhou', true),
        call('DescribeApplicationStatus', 'cn-hangzhou'),
        call('DescribeApplicationStatus', 'cn-beijing'),
        call('DescribeApplicationStatus'),
        gate('swas', 'ListInstances', () => Promise.resolve('listed'), 'cn-hangzhou'),
      ]),
    );
    expect(first).toEqual({ status: 'rejected', reason: refusal });
    expect(sent).toEqual(['StopApplication@cn-hangzhou', 'DescribeApplicationStatus@cn-beijing', 'DescribeApplicationStatus@none']);
    expect(elsewhere).toEqual({ status: 'fulfilled', value: 'DescribeApplicationStatus' });
    expect(none).toEqual({ status: 'fulfilled', value: 'DescribeApplicationStatus' });
    expect(otherProduct).toEqual({ status: 'fulfilled', value: 'listed' });
    const notSent = again.status === 'rejected' ? (again.reason as CloudError) : undefined;
    expect(notSent).toBeInstanceOf(CloudError);
    expect(notSent).toMatchObject({
      product: 'sae',
      action: 'DescribeApplicationStatus',
      code: 'Forbidden.RAM',
      kind: 'permission',
      httpStatus: 403,
      requestId: 'req-1',
      message:
        'not sent: sae cn-hangzhou refused StopApplication earlier in this run (User not authorized to operate on the specified resource.)',
    });
    deadline.dispose();
  });

  it('remembers the first refusal, and one for calls that name no region', async () => {
    const { clock, gate, deadline } = setup();
    const first = new CloudError({ product: 'swas', action: 'ListInstances', code: 'NoPermission', kind: 'permission', message: 'first' });
    const outcome = (promise: Promise<string>) =>
      clock.drive(
        promise.then(String, (error: unknown) => (error instanceof CloudError ? `${error.code}: ${error.message}` : 'not a CloudError')),
      );
    expect(await outcome(gate('swas', 'ListInstances', () => Promise.reject(first)))).toBe('NoPermission: first');
    // Each later call is refused for the first refusal, not for the one before it.
    for (const action of ['StopInstances', 'StartInstances'])
      expect(await outcome(gate('swas', action, () => Promise.resolve('sent')))).toBe(
        'NoPermission: not sent: swas refused ListInstances earlier in this run (first)',
      );
    expect(await outcome(gate('swas', 'StopInstances', () => Promise.resolve('sent'), 'cn-hangzhou'))).toBe('sent');
    deadline.dispose();
  });
});

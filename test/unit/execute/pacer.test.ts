import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { Product } from '../../../lib/cloud/errors.js';
import type { Clock } from '../../../lib/execute/clock.js';
import { Deadline, DeadlineError } from '../../../lib/execute/deadline.js';
import { Pacer, type PacerOptions } from '../../../lib/execute/pacer.js';
import { Semaphore } from '../../../lib/execute/semaphore.js';
import { FakeClock } from './fake-clock.js';

const MIN = 60_000;
const SWAS_SPACING = MIN / 9;

interface Arrival {
  readonly at: number;
  readonly product: Product;
  readonly action: string;
  readonly tag?: string;
  /** How long the call holds its concurrency slot. */
  readonly takes?: number;
}

interface Admission extends Arrival {
  readonly admittedAt: number;
}

/** Sends each arrival to the pacer at its instant and records when it was admitted, in admission order. */
async function admit(arrivals: readonly Arrival[], options: PacerOptions = {}, clock = new FakeClock()) {
  const pacer = new Pacer({ clock, ...options });
  const admitted: Admission[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  await clock.drive(
    Promise.all(
      arrivals.map(async (arrival) => {
        await clock.sleep(arrival.at);
        const release = await pacer.acquire(arrival.product, arrival.action);
        admitted.push({ ...arrival, admittedAt: clock.now() });
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        await clock.sleep(arrival.takes ?? 0);
        inFlight--;
        release();
      }),
    ),
  );
  return { pacer, admitted, maxInFlight, clock };
}

const times = (admitted: readonly Admission[]) => admitted.map((a) => a.admittedAt);
const many = <T>(n: number, make: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => make(i));

describe('Pacer limits', () => {
  it('admits 54 SAE calls a minute (60 less 10% headroom), then waits for the window to move', async () => {
    const { admitted, pacer } = await admit(
      many(60, (i) => ({ at: 0, product: 'sae', action: `Action${i % 3}` })),
      { maxConcurrent: 100 },
    );
    expect(times(admitted)).toEqual([...Array<number>(54).fill(0), ...Array<number>(6).fill(MIN)]);
    expect(pacer.stats()).toEqual({ calls: 60, waits: 6, waitedMs: 6 * MIN, throttles: 0 });
  });

  it('counts every SAE action in one bucket, and each SWAS action in its own', async () => {
    const arrivals = [
      ...many(10, (i) => ({ at: 0, product: 'swas' as const, action: 'StopInstances', tag: `stop${i}` })),
      ...many(10, (i) => ({ at: 0, product: 'swas' as const, action: 'ListInstances', tag: `list${i}` })),
      ...many(30, (i) => ({ at: 0, product: 'sae' as const, action: 'StopApplication', tag: `sae-stop${i}` })),
      ...many(30, (i) => ({ at: 0, product: 'sae' as const, action: 'DescribeApplicationStatus', tag: `sae-read${i}` })),
    ];
    const { admitted } = await admit(arrivals, { maxConcurrent: 100 });
    const late = admitted.filter((a) => a.admittedAt > 0).map((a) => a.tag);
    // 9 of each SWAS action at once; SAE's 54 across both actions, the last 6 to arrive wait.
    expect(late).toEqual(['stop9', 'list9', 'sae-read24', 'sae-read25', 'sae-read26', 'sae-read27', 'sae-read28', 'sae-read29']);
    expect(admitted.filter((a) => a.admittedAt > 0).every((a) => a.admittedAt === MIN)).toBe(true);
  });

  it('keeps the same ratios with a rate scale', async () => {
    const { admitted } = await admit(
      many(20, () => ({ at: 0, product: 'swas', action: 'StopInstances' })),
      { rateScale: 60 },
    );
    expect(times(admitted)).toEqual([...Array<number>(9).fill(0), ...Array<number>(9).fill(1_000), 2_000, 2_000]);
  });

  it('uses the whole documented limit with headroom 1, and a tenth of it with 0.1', async () => {
    const full = await admit(
      many(11, () => ({ at: 0, product: 'swas', action: 'StopInstances' })),
      { headroom: 1 },
    );
    expect(times(full.admitted)).toEqual([...Array<number>(10).fill(0), MIN]);
    const tenth = await admit(
      many(3, () => ({ at: 0, product: 'swas', action: 'StopInstances' })),
      { headroom: 0.1 },
    );
    expect(times(tenth.admitted)).toEqual([0, MIN, 2 * MIN]);
  });

  it('admits each call once its window has room: a sliding window, not a fixed minute', async () => {
    const arrivals = many(12, (i) => ({ at: i * 10_000, product: 'swas' as const, action: 'StopInstances' }));
    const { admitted } = await admit(arrivals);
    // One call every 10 s is 6 a minute: under the limit, nobody waits.
    expect(times(admitted)).toEqual([0, 10_000, 20_000, 30_000, 40_000, 50_000, 60_000, 70_000, 80_000, 90_000, 100_000, 110_000]);
    // 9 at 0 fill the window; a call at 30 s waits until those leave it at 60 s, not for a new minute.
    const crowded = await admit([
      ...many(9, () => ({ at: 0, product: 'swas' as const, action: 'A' })),
      { at: 30_000, product: 'swas', action: 'A' },
    ]);
    expect(times(crowded.admitted).at(-1)).toBe(MIN);
  });

  it('refuses bad options', () => {
    expect(() => new Pacer({ rateScale: 0 })).toThrow(RangeError);
    expect(() => new Pacer({ headroom: 1.5 })).toThrow(RangeError);
    expect(() => new Pacer({ headroom: 0 })).toThrow(RangeError);
    expect(new Pacer({ rateScale: 2 }).limitOf('sae')).toEqual({ limit: 54, windowMs: 30_000 });
    expect(new Pacer({ headroom: 0.7 }).limitOf('swas')).toEqual({ limit: 7, windowMs: MIN });
  });
});

describe('Pacer fairness', () => {
  it('serves a bucket in arrival order, across the waits', async () => {
    const arrivals = many(25, (i) => ({ at: i * 1_000, product: 'swas' as const, action: 'StopInstances', tag: `c${i}` }));
    const { admitted } = await admit(arrivals);
    expect(admitted.map((a) => a.tag)).toEqual(arrivals.map((a) => a.tag));
    // Each call goes at its arrival or once the call 9 before it has left the window, whichever is later.
    const expected: number[] = [];
    arrivals.forEach((a, i) => expected.push(Math.max(a.at, i >= 9 ? expected[i - 9]! + MIN : 0)));
    expect(times(admitted)).toEqual(expected);
  });

  it('does not let a waiting bucket hold up another', async () => {
    const { admitted } = await admit([
      ...many(10, (i) => ({ at: 0, product: 'swas' as const, action: 'StopInstances', tag: `stop${i}` })),
      { at: 5, product: 'swas', action: 'StartInstances', tag: 'start' },
      { at: 5, product: 'sae', action: 'StopApplication', tag: 'sae' },
    ]);
    expect(admitted.find((a) => a.tag === 'start')?.admittedAt).toBe(5);
    expect(admitted.find((a) => a.tag === 'sae')?.admittedAt).toBe(5);
    expect(admitted.find((a) => a.tag === 'stop9')?.admittedAt).toBe(MIN);
  });
});

describe('Pacer after Throttling', () => {
  it('halves the bucket for a window and holds its next call back by one spacing', async () => {
    const clock = new FakeClock();
    const pacer = new Pacer({ clock });
    const first = await clock.drive(pacer.acquire('swas', 'StopInstances'));
    first();
    pacer.throttled('swas', 'StopInstances');
    expect(pacer.stats().throttles).toBe(1);
    const admitted: number[] = [];
    const others: number[] = [];
    await clock.drive(
      Promise.all([
        ...many(6, () => ({ at: 0, product: 'swas' as const, action: 'StopInstances' })).map(async () => {
          (await pacer.acquire('swas', 'StopInstances'))();
          admitted.push(clock.now());
        }),
        // Other buckets are not slowed.
        (async () => {
          (await pacer.acquire('swas', 'StartInstances'))();
          (await pacer.acquire('sae', 'StopApplication'))();
          others.push(clock.now());
        })(),
      ]),
    );
    // Limit 9 → 4 until 60 s: 1 went at 0, 3 more once the spacing has passed, the rest when the window ends.
    expect(admitted).toEqual([SWAS_SPACING, SWAS_SPACING, SWAS_SPACING, MIN, MIN, MIN]);
    expect(others).toEqual([0]);
  });

  it('keeps halving on repeated throttles, down to one call per window', async () => {
    const clock = new FakeClock();
    const pacer = new Pacer({ clock });
    for (let i = 0; i < 5; i++) pacer.throttled('sae', 'StopApplication');
    const admitted: number[] = [];
    await clock.drive(
      Promise.all(
        many(3, () => ({ at: 0, product: 'sae' as const, action: 'DescribeApplicationStatus' })).map(async () => {
          (await pacer.acquire('sae', 'DescribeApplicationStatus'))();
          admitted.push(clock.now());
        }),
      ),
    );
    // 54 → 27 → 13 → 6 → 3 → 1 until 60 s; then the usual limit.
    expect(admitted).toEqual([MIN / 54, MIN, MIN]);
    expect(pacer.spacingMs('sae', 'X')).toBe(MIN / 54);
  });
});

describe('Pacer concurrency', () => {
  it('never has more than maxConcurrent calls in flight, and serves them in order', async () => {
    const arrivals = many(6, (i) => ({ at: 0, product: 'sae' as const, action: 'DescribeApplicationStatus', tag: `c${i}`, takes: 100 }));
    const { admitted, maxInFlight, pacer } = await admit(arrivals, { maxConcurrent: 2 });
    expect(maxInFlight).toBe(2);
    expect(admitted.map((a) => a.tag)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4', 'c5']);
    expect(times(admitted)).toEqual([0, 0, 100, 100, 200, 200]);
    expect(pacer.stats()).toEqual({ calls: 6, waits: 4, waitedMs: 600, throttles: 0 });
  });

  it('bounds calls across buckets, and across pacers sharing a semaphore', async () => {
    const clock = new FakeClock();
    const semaphore = new Semaphore(3);
    const a = new Pacer({ clock, semaphore, account: 'a' });
    const b = new Pacer({ clock, semaphore, account: 'b' });
    let inFlight = 0;
    let maxInFlight = 0;
    const starts: number[] = [];
    await clock.drive(
      Promise.all(
        many(12, (i) => ({ at: 0, product: i % 2 ? ('sae' as const) : ('swas' as const), action: `A${i % 3}` })).map(async (arrival, i) => {
          const release = await (i % 4 < 2 ? a : b).acquire(arrival.product, arrival.action);
          starts.push(clock.now());
          maxInFlight = Math.max(maxInFlight, ++inFlight);
          await clock.sleep(50);
          inFlight--;
          release();
        }),
      ),
    );
    expect(maxInFlight).toBe(3);
    expect(starts).toEqual([0, 0, 0, 50, 50, 50, 100, 100, 100, 150, 150, 150]);
    expect(a.bucketKey('sae', 'X')).toBe('sae:a');
    expect(b.bucketKey('swas', 'StopInstances')).toBe('swas:b:StopInstances');
  });
});

describe('Pacer and the deadline', () => {
  it('refuses at once a call whose slot would come after the deadline, and serves the next', async () => {
    const clock = new FakeClock();
    const pacer = new Pacer({ clock });
    const deadline = new Deadline(30_000, clock);
    const outcomes: string[] = [];
    await clock.drive(
      Promise.all([
        ...many(10, (i) => i).map((i) =>
          pacer.acquire('swas', 'StopInstances', deadline).then(
            (release) => (release(), outcomes.push(`ok${i}@${clock.now()}`)),
            (error: unknown) => outcomes.push(`${(error as Error).name}${i}@${clock.now()}`),
          ),
        ),
        // Without a deadline, the call after it still gets its slot when the window moves.
        pacer.acquire('swas', 'StopInstances').then((release) => (release(), outcomes.push(`late@${clock.now()}`))),
      ]),
    );
    expect(outcomes).toEqual([...many(9, (i) => `ok${i}@0`), 'DeadlineError9@0', `late@${MIN}`]);
    deadline.dispose();
  });

  it('gives up a wait for concurrency when the deadline comes', async () => {
    const clock = new FakeClock();
    const pacer = new Pacer({ clock, maxConcurrent: 1 });
    const deadline = new Deadline(5_000, clock);
    const held = await clock.drive(pacer.acquire('sae', 'A', deadline));
    // B waits in the semaphore, C behind B in the bucket's queue: both give up at the deadline.
    const [waiting, queued] = await clock.drive(
      Promise.allSettled([pacer.acquire('sae', 'B', deadline), pacer.acquire('sae', 'C', deadline)]),
    );
    expect(waiting.status === 'rejected' && waiting.reason).toBeInstanceOf(DeadlineError);
    expect(queued.status === 'rejected' && queued.reason).toBeInstanceOf(DeadlineError);
    expect(clock.now()).toBe(5_000);
    held();
    // An already passed deadline is refused without waiting.
    await expect(pacer.acquire('sae', 'D', deadline)).rejects.toBeInstanceOf(DeadlineError);
    expect(pacer.stats().calls).toBe(1);
  });
});

describe('Pacer, edge by edge', () => {
  const T0 = 1_000_000; // not 0: a time that counts from 0 would hide a sum where a difference belongs
  /** 'admitted' (and the slot released at once), or the refusal's name and message. */
  const refusal = (promise: Promise<() => void>) =>
    promise.then(
      (release) => (release(), 'admitted'),
      (error: unknown) => `${(error as Error).name}: ${(error as Error).message}`,
    );
  /** Milliseconds since T0, to the millisecond: fractional spacings add up with rounding errors. */
  const since = (clock: FakeClock) => Math.round(clock.now() - T0);

  it('names the default account in its bucket keys', () => {
    const pacer = new Pacer();
    expect(pacer.bucketKey('sae', 'StopApplication')).toBe('sae:default');
    expect(pacer.bucketKey('swas', 'StopInstances')).toBe('swas:default:StopInstances');
  });

  it('refuses bad options, saying which and why', () => {
    expect(() => new Pacer({ rateScale: -1 })).toThrow(new RangeError('rate scale must be a positive number, got -1'));
    expect(() => new Pacer({ headroom: 1.5 })).toThrow(new RangeError('headroom must be in (0, 1], got 1.5'));
    const bad = new RangeError('sae limit must be ≥ 1 call per positive window');
    expect(() => new Pacer({ limits: { sae: { limit: 0, windowMs: 1_000 } } })).toThrow(bad);
    expect(() => new Pacer({ limits: { sae: { limit: 1, windowMs: 0 } } })).toThrow(bad);
    expect(new Pacer({ limits: { sae: { limit: 1, windowMs: 1 } }, headroom: 1 }).limitOf('sae')).toEqual({ limit: 1, windowMs: 1 });
  });

  it('counts the time each call waited, from when it asked', async () => {
    const clock = new FakeClock(T0);
    const pacer = new Pacer({ clock });
    await clock.drive(Promise.all(many(10, () => pacer.acquire('swas', 'StopInstances').then((release) => release()))));
    expect(pacer.stats()).toEqual({ calls: 10, waits: 1, waitedMs: MIN, throttles: 0 });
  });

  it('refuses at once, by name, when the deadline has passed; in advance when the slot comes after it', async () => {
    const clock = new FakeClock(T0);
    const pacer = new Pacer({ clock });
    const passed = new Deadline(T0, clock);
    expect(await refusal(pacer.acquire('swas', 'StopInstances', passed))).toBe(
      'DeadlineError: no swas:default:StopInstances call slot before the deadline',
    );
    const deadline = new Deadline(T0 + 30_000, clock);
    const outcomes = await clock.drive(Promise.all(many(10, () => refusal(pacer.acquire('swas', 'StopInstances', deadline)))));
    expect(outcomes).toEqual([
      ...many(9, () => 'admitted'),
      'DeadlineError: the next swas:default:StopInstances call slot comes after the deadline',
    ]);
    expect(clock.now()).toBe(T0);
    deadline.dispose();
  });

  it('refuses a call queued behind another when the deadline comes, and leaves no listener on the signal', async () => {
    const clock = new FakeClock(T0);
    const pacer = new Pacer({ clock });
    const deadline = new Deadline(T0 + 5_000, clock);
    expect(await clock.drive(Promise.all(many(9, () => refusal(pacer.acquire('swas', 'A', deadline)))))).toEqual(many(9, () => 'admitted'));
    expect(getEventListeners(deadline.signal, 'abort')).toHaveLength(0);
    // The head has no deadline and waits for the window; the call behind it gives up at the deadline.
    const head = pacer.acquire('swas', 'A');
    const behind = refusal(pacer.acquire('swas', 'A', deadline));
    const at = behind.then((outcome) => `${outcome} @${since(clock)}`);
    expect(await clock.drive(at)).toBe('DeadlineError: no swas:default:A call slot before the deadline @5000');
    expect(getEventListeners(deadline.signal, 'abort')).toHaveLength(0);
    (await clock.drive(head))();
    expect(clock.now()).toBe(T0 + MIN);
  });

  it('serves a call made the moment the one before it was admitted', async () => {
    const pacer = new Pacer({ clock: new FakeClock(T0) });
    const first = await pacer.acquire('sae', 'A');
    const second = await pacer.acquire('sae', 'A');
    first();
    second();
    expect(pacer.stats().calls).toBe(2);
  });

  it('holds back a call that got its concurrency slot after a Throttling came', async () => {
    const clock = new FakeClock(T0);
    const pacer = new Pacer({ clock, maxConcurrent: 1 });
    const held = await clock.drive(pacer.acquire('sae', 'A'));
    const next = pacer.acquire('sae', 'B').then((release) => (release(), since(clock)));
    await clock.advance(0);
    pacer.throttled('sae', 'A');
    await clock.advance(1_000);
    held();
    // The slot came at 1 s, but the Throttling holds the bucket back one spacing (60 s / 54).
    expect(await clock.drive(next)).toBe(Math.round(MIN / 54));
  });

  it('frees the slot, and counts no call, when the deadline comes as the concurrency slot is handed over', async () => {
    const clock = new FakeClock(T0);
    const pacer = new Pacer({ clock, maxConcurrent: 1, limits: { sae: { limit: 2, windowMs: MIN } }, headroom: 1 });
    const controller = new AbortController();
    const deadline = { signal: controller.signal, allows: () => true } as unknown as Deadline;
    const held = await clock.drive(pacer.acquire('sae', 'A'));
    const gaveUp = refusal(pacer.acquire('sae', 'B', deadline));
    await clock.advance(0);
    held();
    controller.abort();
    expect(await gaveUp).toBe('DeadlineError: no sae:default call slot before the deadline');
    // One call in the window so far: the next goes at once.
    const after = await clock.drive(pacer.acquire('sae', 'C'));
    after();
    expect(clock.now()).toBe(T0);
    expect(pacer.stats().calls).toBe(2);
  });

  it('serves the calls behind one that gave up waiting for concurrency', async () => {
    const clock = new FakeClock(T0);
    const pacer = new Pacer({ clock, maxConcurrent: 1 });
    const deadline = new Deadline(T0 + 5_000, clock);
    const held = await clock.drive(pacer.acquire('sae', 'A'));
    const gaveUp = refusal(pacer.acquire('sae', 'B', deadline));
    const patient = pacer.acquire('sae', 'C').then((release) => (release(), since(clock)));
    await clock.advance(5_000);
    expect(await gaveUp).toBe('DeadlineError: no sae:default call slot before the deadline');
    await clock.advance(1_000);
    held();
    expect(await clock.drive(patient)).toBe(6_000);
  });

  it('refuses the waiting calls with what the clock threw, and serves later ones', async () => {
    const clock = new FakeClock(T0);
    let broken = true;
    const flaky: Clock = {
      now: () => clock.now(),
      alarm: (ms, ring) => clock.alarm(ms, ring),
      sleep: (ms) => (broken ? Promise.reject(new Error('the clock broke')) : clock.sleep(ms)),
    };
    const pacer = new Pacer({ clock: flaky, limits: { sae: { limit: 1, windowMs: 1_000 } }, headroom: 1 });
    (await pacer.acquire('sae', 'A'))();
    expect(await clock.drive(Promise.all([refusal(pacer.acquire('sae', 'B')), refusal(pacer.acquire('sae', 'C'))]))).toEqual([
      'Error: the clock broke',
      'Error: the clock broke',
    ]);
    broken = false;
    (await clock.drive(pacer.acquire('sae', 'D')))();
    expect(clock.now()).toBe(T0 + 1_000);
  });

  it('after a reduced window has ended, a new Throttling halves the full limit again', async () => {
    const clock = new FakeClock(T0);
    const pacer = new Pacer({ clock });
    pacer.throttled('swas', 'StopInstances');
    await clock.advance(MIN);
    // The reduced window ends exactly now: this Throttling starts from 9 again, not from 4.
    pacer.throttled('swas', 'StopInstances');
    const admitted = await clock.drive(
      Promise.all(many(5, () => pacer.acquire('swas', 'StopInstances').then((release) => (release(), since(clock))))),
    );
    const spaced = Math.round(MIN + SWAS_SPACING);
    expect(admitted).toEqual([spaced, spaced, spaced, spaced, 2 * MIN]);
  });
});

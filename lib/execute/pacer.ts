import type { Product } from '../cloud/errors.js';
import { systemClock, type Clock } from './clock.js';
import { DeadlineError, type Deadline } from './deadline.js';
import { Semaphore, type Release } from './semaphore.js';

/**
 * Keeps offpeak under Alibaba's documented rate limits by design, instead of finding them by
 * being throttled. Calls are counted in buckets the way the cloud counts them: SAE allows 60 calls
 * a minute per account across all its APIs (one bucket for every action); SWAS allows 10 a minute
 * per account for each action (one bucket per action). Each bucket is a sliding window, as the
 * gateway's is: a call goes out only when fewer than the limit went out in the window before it.
 * Waiters of a bucket go in arrival order. On top of that, a semaphore bounds the calls in flight.
 *
 * One Pacer paces one account. Several pacers (several accounts in one run) can share a semaphore
 * so the bound on calls in flight holds for the whole run.
 */

/** `limit` calls per `windowMs`. */
export interface RateLimit {
  readonly limit: number;
  readonly windowMs: number;
}

/** The limits Alibaba documents, per account: SAE across all APIs, SWAS per action. */
export const DOCUMENTED_LIMITS: Readonly<Record<Product, RateLimit>> = {
  sae: { limit: 60, windowMs: 60_000 },
  swas: { limit: 10, windowMs: 60_000 },
};

/**
 * The fraction of a documented limit offpeak uses. The limit is the account's, not offpeak's: the
 * console, deploy pipelines and other tools of the same account spend the same budget, and the
 * gateway counts a call when it arrives, which can be later than when it was admitted here. 0.9
 * leaves 6 SAE calls a minute and 1 call a minute per SWAS action for all of that.
 */
export const DEFAULT_HEADROOM = 0.9;

/** Calls in flight at once: enough to overlap round trips, few enough to stay polite. */
export const DEFAULT_MAX_CONCURRENT = 4;

export interface PacerOptions {
  /** The time source for waiting; tests pass a fake one. */
  readonly clock?: Clock;
  /** Names the account in bucket keys. */
  readonly account?: string;
  /** Override the documented limits (before headroom and rate scale). */
  readonly limits?: Partial<Record<Product, RateLimit>>;
  /**
   * Multiplies every rate by dividing every window by this, as the sandbox's --rate-scale does: a
   * scaled run is the real one with time running faster, so the ratios (and the tests) hold. Default 1.
   */
  readonly rateScale?: number;
  /** Fraction of each limit used, in (0, 1]; default DEFAULT_HEADROOM. */
  readonly headroom?: number;
  /** Calls in flight at once; default DEFAULT_MAX_CONCURRENT. Ignored when `semaphore` is given. */
  readonly maxConcurrent?: number;
  /** A semaphore shared with other pacers. */
  readonly semaphore?: Semaphore;
}

/** What the report says about pacing. */
export interface PacerStats {
  /** Calls admitted. */
  readonly calls: number;
  /** Calls that had to wait for a slot (rate or concurrency). */
  readonly waits: number;
  /** Milliseconds spent waiting, summed over calls. */
  readonly waitedMs: number;
  /** Times the cloud said Throttling anyway. */
  readonly throttles: number;
}

/** What the retry policy tells the pacer, and asks of it. */
export interface ThrottleFeedback {
  /** The cloud throttled a call of this bucket: slow the bucket down. */
  throttled(product: Product, action: string): void;
  /** The bucket's usual spacing between calls (its window over its limit). */
  spacingMs(product: Product, action: string): number;
}

interface Waiter {
  readonly arrivedAt: number;
  readonly deadline: Deadline | undefined;
  settled: boolean;
  readonly admit: (release: Release) => void;
  readonly refuse: (error: unknown) => void;
}

interface Bucket {
  readonly key: string;
  /** The limit with headroom applied. */
  readonly limit: number;
  readonly windowMs: number;
  /** Admission instants still inside the window, oldest first. */
  readonly admitted: number[];
  readonly queue: Waiter[];
  pumping: boolean;
  /** After a throttle: this lower limit applies until `reducedUntil`. */
  reducedLimit: number;
  reducedUntil: number;
  /** After a throttle: no call before this instant. */
  notBefore: number;
}

/** Client-side rate limiter and concurrency bound for one account. */
export class Pacer implements ThrottleFeedback {
  private readonly clock: Clock;
  private readonly account: string;
  private readonly limits: Record<Product, RateLimit>;
  private readonly semaphore: Semaphore;
  private readonly buckets = new Map<string, Bucket>();
  private readonly counts = { calls: 0, waits: 0, waitedMs: 0, throttles: 0 };

  constructor(options: PacerOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.account = options.account ?? 'default';
    const scale = options.rateScale ?? 1;
    const headroom = options.headroom ?? DEFAULT_HEADROOM;
    if (!(scale > 0 && Number.isFinite(scale))) throw new RangeError(`rate scale must be a positive number, got ${scale}`);
    if (!(headroom > 0 && headroom <= 1)) throw new RangeError(`headroom must be in (0, 1], got ${headroom}`);
    const effective = (product: Product): RateLimit => {
      const { limit, windowMs } = options.limits?.[product] ?? DOCUMENTED_LIMITS[product];
      if (!(limit >= 1 && windowMs > 0)) throw new RangeError(`${product} limit must be ≥ 1 call per positive window`);
      // The epsilon keeps a product that floating point puts just under a whole number (0.57 × 100
      // is 56.99999999999999) from losing a call.
      return { limit: Math.max(1, Math.floor(limit * headroom + 1e-9)), windowMs: windowMs / scale };
    };
    this.limits = { sae: effective('sae'), swas: effective('swas') };
    this.semaphore = options.semaphore ?? new Semaphore(options.maxConcurrent ?? DEFAULT_MAX_CONCURRENT);
  }

  /** The limit and window a bucket really uses (headroom and rate scale applied). */
  limitOf(product: Product): RateLimit {
    return this.limits[product];
  }

  /** The bucket a call counts in, as the cloud counts it. */
  bucketKey(product: Product, action: string): string {
    return product === 'sae' ? `sae:${this.account}` : `swas:${this.account}:${action}`;
  }

  /**
   * Waits for a slot of the call's bucket (in arrival order) and for a concurrency slot; resolves
   * with the release of the concurrency slot, to call when the call has finished.
   * With a deadline: refuses with DeadlineError as soon as the slot would come too late.
   */
  acquire(product: Product, action: string, deadline?: Deadline): Promise<Release> {
    const bucket = this.bucket(product, action);
    return new Promise<Release>((resolve, reject) => {
      const onDeadline = () => waiter.refuse(new DeadlineError(`no ${bucket.key} call slot before the deadline`));
      const settle = () => {
        waiter.settled = true;
        deadline?.signal.removeEventListener('abort', onDeadline);
      };
      const waiter: Waiter = {
        arrivedAt: this.clock.now(),
        deadline,
        settled: false,
        admit: (release) => {
          // Stryker: equivalent — `false` here: serve never admits a settled head (it checks, then admits, in one step).
          // Stryker disable next-line ConditionalExpression: equivalent (see the line above)
          if (waiter.settled) return release();
          settle();
          const waited = this.clock.now() - waiter.arrivedAt;
          this.counts.calls++;
          if (waited > 0) {
            this.counts.waits++;
            this.counts.waitedMs += waited;
          }
          resolve(release);
        },
        refuse: (error) => {
          // Stryker: equivalent — `false` here: settling twice and rejecting a settled promise both do nothing.
          // Stryker disable next-line ConditionalExpression: equivalent (see the line above)
          if (waiter.settled) return;
          settle();
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the refusal as given: a DeadlineError, or what the pump threw
          reject(error);
        },
      };
      if (deadline?.signal.aborted) return onDeadline();
      // Not `once`: every way a waiter settles takes the listener away.
      deadline?.signal.addEventListener('abort', onDeadline);
      bucket.queue.push(waiter);
      this.pump(bucket);
    });
  }

  /**
   * The cloud throttled a call although we paced it (someone else spends the same budget): halve
   * the bucket's limit for one window (never below 1) and hold its next call back by one spacing.
   * Repeated throttles keep halving.
   */
  throttled(product: Product, action: string): void {
    const bucket = this.bucket(product, action);
    const now = this.clock.now();
    const current = now < bucket.reducedUntil ? bucket.reducedLimit : bucket.limit;
    bucket.reducedLimit = Math.max(1, Math.floor(current / 2));
    bucket.reducedUntil = now + bucket.windowMs;
    bucket.notBefore = Math.max(bucket.notBefore, now + bucket.windowMs / bucket.limit);
    this.counts.throttles++;
  }

  /** The bucket's usual spacing between calls: its window over its limit. */
  spacingMs(product: Product, _action: string): number {
    const { limit, windowMs } = this.limits[product];
    return windowMs / limit;
  }

  /** Counts for the report. */
  stats(): PacerStats {
    return { ...this.counts };
  }

  private bucket(product: Product, action: string): Bucket {
    const key = this.bucketKey(product, action);
    let bucket = this.buckets.get(key);
    if (!bucket) {
      const { limit, windowMs } = this.limits[product];
      bucket = { key, limit, windowMs, admitted: [], queue: [], pumping: false, reducedLimit: limit, reducedUntil: 0, notBefore: 0 };
      this.buckets.set(key, bucket);
    }
    return bucket;
  }

  /** Milliseconds until the bucket can admit a call. */
  private waitFor(bucket: Bucket): number {
    const now = this.clock.now();
    const { admitted, windowMs } = bucket;
    // The window is (now - windowMs, now], as the gateway's: a call leaves it at admitted + windowMs.
    // Written as a sum, the same sum as the slot below, so a fractional window (a rate scale of 7)
    // cannot round a call both out of the slot and into the count.
    // Stryker: equivalent — this only bounds memory: slotFor reads the newest `limit` admissions, and an old one's slot is past.
    // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent (see the line above)
    while (admitted.length > 0 && admitted[0]! + windowMs <= now) admitted.shift();
    // With n admitted in the window, the next may go once the (n - limit + 1)-th oldest has left it.
    const slotFor = (limit: number) => (admitted.length >= limit ? admitted[admitted.length - limit]! + windowMs : now);
    let slot = Math.max(now, bucket.notBefore, slotFor(bucket.limit));
    // The reduced limit binds until reducedUntil; after it, the min is in the past and changes nothing.
    slot = Math.max(slot, Math.min(slotFor(bucket.reducedLimit), bucket.reducedUntil));
    return slot - now;
  }

  /** Serves the bucket's queue, head first, until it is empty; one pump per bucket at a time. */
  private pump(bucket: Bucket): void {
    // Stryker: equivalent — a second pump only duplicates work: each admission checks the head and the window in one step.
    // Stryker disable next-line ConditionalExpression: equivalent (see the line above)
    if (bucket.pumping) return;
    // Stryker disable next-line BooleanLiteral: equivalent (see two lines above)
    bucket.pumping = true;
    this.serve(bucket).catch((error: unknown) => {
      // Not expected (the clock failed?): refuse everyone rather than leave them waiting forever.
      bucket.pumping = false;
      for (const waiter of bucket.queue.splice(0)) waiter.refuse(error);
    });
  }

  // Clears `pumping` in the same synchronous step that finds the queue empty, so a call that
  // arrives right after always finds either a running pump or none.

  private async serve(bucket: Bucket): Promise<void> {
    while (bucket.queue.length > 0) {
      const head = bucket.queue[0]!;
      if (head.settled) {
        bucket.queue.shift();
        continue;
      }
      const wait = this.waitFor(bucket);
      if (wait > 0) {
        if (head.deadline && !head.deadline.allows(wait)) {
          head.refuse(new DeadlineError(`the next ${bucket.key} call slot comes after the deadline`));
          continue;
        }
        await this.clock.sleep(wait);
        continue;
      }
      let release: Release;
      try {
        release = await this.semaphore.acquire(head.deadline?.signal);
      } catch (error) {
        head.refuse(error);
        continue;
      }
      // Waiting for concurrency took time: the head may have given up, or a throttle came meanwhile.
      if (head.settled || this.waitFor(bucket) > 0) {
        release();
        continue;
      }
      bucket.admitted.push(this.clock.now());
      bucket.queue.shift();
      head.admit(release);
    }
    bucket.pumping = false;
  }
}

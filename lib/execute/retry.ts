import pRetry, { AbortError } from 'p-retry';
import { CloudError, type Product } from '../cloud/errors.js';
import { DeadlineError, type Deadline } from './deadline.js';
import type { ThrottleFeedback } from './pacer.js';

/**
 * The one retry policy. Only what can succeed on a second try is retried: Throttling, a busy
 * resource or service, a server or network fault. Everything else stops at once: not-found,
 * invalid and permission will not change; for 'state' the caller reads the state again and decides;
 * an error that is not a CloudError is a bug, and retrying a bug only hides it.
 *
 * Waits grow exponentially with jitter, as p-retry's `randomize` does: (1 + random) × min × 2^n,
 * capped. p-retry 7.1.1 sleeps with real timers, offers no delay hook and does not tell callbacks
 * the delay it chose, so it runs here with no delay of its own (minTimeout 0) and the wait is made
 * in `shouldRetry`, through the injected sleep: the wait is known before it starts (so one that
 * would end after the deadline is never begun) and tests control time.
 */

export interface RetryOptions {
  /** Retries after the first attempt. Default 6: about half a minute of waits before jitter. */
  readonly retries?: number;
  /** Growth per retry. Default 2. */
  readonly factor?: number;
  /** The first wait, before jitter. Default 500 ms: a busy SAE app or a blip clears in about that. */
  readonly minTimeoutMs?: number;
  /** No wait longer than this. Default 20 s: longer is better spent by the caller on other work. */
  readonly maxTimeoutMs?: number;
  /** Jitter source in [0, 1); default Math.random. Tests pass a constant. */
  readonly random?: () => number;
}

/** The defaults of RetryOptions. */
export const DEFAULT_RETRY: Required<Omit<RetryOptions, 'random'>> = { retries: 6, factor: 2, minTimeoutMs: 500, maxTimeoutMs: 20_000 };

/** What became of one attempt: a result, a retry after `delayMs`, or the end. */
export type AttemptOutcome = 'ok' | 'retry' | 'failed' | 'deferred';

/** One attempt of one call, for the report's counts. */
export interface Attempt {
  readonly product: Product;
  readonly action: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  readonly outcome: AttemptOutcome;
  readonly error?: unknown;
  /** The wait before the next attempt ('retry' only). */
  readonly delayMs?: number;
}

/** Where a retried call runs: its identity, the deadline, and who hears about it. */
export interface RetryContext {
  readonly product: Product;
  readonly action: string;
  readonly deadline: Deadline;
  /** Waits between attempts; default the deadline's clock. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Told of every Throttling; a throttled retry waits at least one of its slots. */
  readonly pacer?: ThrottleFeedback;
  /** Hears every attempt's outcome. */
  readonly onAttempt?: (attempt: Attempt) => void;
}

/** True for the errors a retry can cure: CloudErrors of kind throttled, busy or transient. */
export function isRetryable(error: unknown): error is CloudError {
  return error instanceof CloudError && error.retryable;
}

/**
 * The wait before retry number `retry + 1` (0-based `retry`), as p-retry computes it with `randomize`.
 *
 * @example backoffMs(0, {}, () => 0) // 500; backoffMs(3, {}, () => 0) // 4000; backoffMs(9, {}, () => 0) // 20000
 */
export function backoffMs(retry: number, options: RetryOptions = {}, random: () => number = options.random ?? Math.random): number {
  const { factor, minTimeoutMs, maxTimeoutMs } = { ...DEFAULT_RETRY, ...options };
  return Math.min(Math.round((1 + random()) * minTimeoutMs * factor ** retry), maxTimeoutMs);
}

/**
 * Runs `call` until it succeeds, fails for good, or the next wait would end after the deadline
 * (DeadlineError, `cause` the last error). Rejects with the last error otherwise.
 */
export async function withRetry<T>(call: (attempt: number) => Promise<T>, context: RetryContext, options: RetryOptions = {}): Promise<T> {
  const { product, action, deadline, pacer, onAttempt } = context;
  const sleep = context.sleep ?? ((ms: number) => deadline.clock.sleep(ms));
  const retries = options.retries ?? DEFAULT_RETRY.retries;
  let attempt = 0;
  let lastError: unknown;
  const tell = (outcome: AttemptOutcome, extra: { error?: unknown; delayMs?: number } = {}) =>
    onAttempt?.({ product, action, attempt, outcome, ...extra });

  try {
    const value = await pRetry(
      async (n) => {
        attempt = n;
        if (deadline.expired())
          throw new AbortError(new DeadlineError(`${product} ${action}: the deadline came before the call`, { cause: lastError }));
        try {
          return await call(n);
        } catch (error) {
          // A deadline met while waiting for a call slot, after a retryable error: that error is why.
          if (error instanceof DeadlineError && error.cause === undefined && lastError !== undefined) {
            throw new AbortError(new DeadlineError(error.message, { cause: lastError }));
          }
          lastError = error;
          throw error;
        }
      },
      {
        retries,
        // No delay of p-retry's own: see the module comment.
        minTimeout: 0,
        onFailedAttempt: ({ error }) => {
          // Every Throttling slows the bucket, the last one too: other calls share it.
          if (error instanceof CloudError && error.kind === 'throttled') pacer?.throttled(product, action);
        },
        shouldRetry: async ({ error, retriesConsumed }) => {
          if (!isRetryable(error)) return false;
          let delayMs = backoffMs(retriesConsumed, options);
          if (error.kind === 'throttled' && pacer) delayMs = Math.max(delayMs, pacer.spacingMs(product, action));
          if (!deadline.allows(delayMs)) {
            throw new DeadlineError(`${product} ${action}: retrying ${error.code} would wait past the deadline`, { cause: error });
          }
          tell('retry', { error, delayMs });
          await sleep(delayMs);
          return true;
        },
      },
    );
    tell('ok');
    return value;
  } catch (error) {
    tell(error instanceof DeadlineError ? 'deferred' : 'failed', { error });
    throw error;
  }
}

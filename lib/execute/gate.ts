import type { Gate } from '../cloud/api.js';
import type { Deadline } from './deadline.js';
import type { Pacer } from './pacer.js';
import { withRetry, type Attempt, type RetryOptions } from './retry.js';

/**
 * The gate every cloud call goes through: each attempt waits for a pacer slot (refused with
 * DeadlineError when none comes before the deadline), then runs; failures go to the retry policy.
 * Pacing per attempt, not per call, because the cloud counts every request, retries included.
 */

export interface GateOptions {
  /** Anything with the Pacer's acquire and throttle feedback; normally a Pacer. */
  readonly pacer: Pick<Pacer, 'acquire' | 'throttled' | 'spacingMs'>;
  readonly deadline: Deadline;
  readonly retry?: RetryOptions;
  /** Hears every attempt, for the report. */
  readonly onAttempt?: (attempt: Attempt) => void;
  /** Waits between retries; default the deadline's clock. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** A Gate that paces, retries and keeps to the deadline. */
export function createGate(options: GateOptions): Gate {
  const { pacer, deadline, retry, onAttempt, sleep } = options;
  return (product, action, call) =>
    withRetry(
      async () => {
        const release = await pacer.acquire(product, action, deadline);
        try {
          return await call();
        } finally {
          release();
        }
      },
      { product, action, deadline, pacer, onAttempt, sleep },
      retry,
    );
}

import type { Gate } from '../cloud/api.js';
import { CloudError } from '../cloud/errors.js';
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

/**
 * A Gate that paces, retries and keeps to the deadline. It also remembers a permission refusal per
 * product and region: calls already queued behind the refused one are not sent, so a missing RAM
 * grant costs one call and one clear error, not one refusal per resource.
 */
export function createGate(options: GateOptions): Gate {
  const { pacer, deadline, retry, onAttempt, sleep } = options;
  const refused = new Map<string, CloudError>();
  return (product, action, call, region) => {
    // The product and region a refusal is remembered for, as messages name them.
    const where = region === undefined ? product : `${product} ${region}`;
    return withRetry(
      async () => {
        const release = await pacer.acquire(product, action, deadline);
        try {
          const earlier = refused.get(where);
          if (earlier) {
            throw new CloudError({
              product,
              action,
              code: earlier.code,
              kind: 'permission',
              message: `not sent: ${where} refused ${earlier.action} earlier in this run (${earlier.message})`,
              httpStatus: earlier.httpStatus,
              requestId: earlier.requestId,
            });
          }
          return await call();
        } catch (error) {
          if (error instanceof CloudError && error.kind === 'permission' && !refused.has(where)) refused.set(where, error);
          throw error;
        } finally {
          release();
        }
      },
      { product, action, deadline, pacer, onAttempt, sleep },
      retry,
    );
  };
}

/**
 * At most `max` calls in flight at once, first come first served. p-limit would do, but it is not
 * installed and this is twenty lines; what it adds here is giving up a wait on an AbortSignal.
 */

/** Frees the slot it was handed with; calling it twice frees it once. */
export type Release = () => void;

interface Waiter {
  readonly admit: (release: Release) => void;
}

/** A FIFO counting semaphore. */
export class Semaphore {
  private active = 0;
  private readonly waiters: Waiter[] = [];

  constructor(readonly max: number) {
    if (!(Number.isInteger(max) && max >= 1)) throw new RangeError(`max concurrent calls must be a whole number ≥ 1, got ${max}`);
  }

  /** Calls holding a slot now. */
  get inFlight(): number {
    return this.active;
  }

  /** Callers waiting for a slot. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Resolves with a release once a slot is free; rejects with the signal's reason if it aborts first. */
  acquire(signal?: AbortSignal): Promise<Release> {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the signal's reason as given, as platform APIs reject
    if (signal?.aborted) return Promise.reject(signal.reason);
    // A free slot means nobody waits: while anyone does, every slot is held (a release hands its slot on).
    if (this.active < this.max) {
      this.active++;
      return Promise.resolve(this.releaser());
    }
    return new Promise<Release>((resolve, reject) => {
      const onAbort = () => {
        const at = this.waiters.indexOf(waiter);
        // Stryker: equivalent — the waiter is always found: admission takes this listener away first.
        // Stryker disable next-line ConditionalExpression: equivalent (see the line above)
        if (at >= 0) this.waiters.splice(at, 1);
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the signal's reason as given, as platform APIs reject
        reject(signal!.reason); // only a signal calls this
      };
      const waiter: Waiter = {
        admit: (release) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        },
      };
      this.waiters.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private releaser(): Release {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      // Hand the slot straight to the next waiter, so a newcomer cannot overtake it.
      const next = this.waiters.shift();
      if (next) next.admit(this.releaser());
      else this.active--;
    };
  }
}

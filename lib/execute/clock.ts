/**
 * Time as an argument. Everything in lib/execute that waits or reads the time does it through a
 * Clock, so tests drive a fake one and a run of minutes takes milliseconds; only `systemClock`
 * reads the real time.
 */

/** The time source and timers the executor uses. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Resolves after `ms`; keeps the process alive meanwhile, as awaited work should. */
  sleep(ms: number): Promise<void>;
  /**
   * Calls `ring` once after `ms` without keeping the process alive (a deadline must not hold a CLI
   * open after its work is done). Returns a function that cancels it.
   */
  alarm(ms: number, ring: () => void): () => void;
}

// setTimeout fires at once for delays past 2^31-1 ms (about 24.8 days); longer waits are chained.
const MAX_TIMER_MS = 2 ** 31 - 1;

function timer(ms: number, fire: () => void, unref: boolean): () => void {
  let handle: NodeJS.Timeout;
  const arm = (left: number) => {
    handle = setTimeout(() => (left > MAX_TIMER_MS ? arm(left - MAX_TIMER_MS) : fire()), Math.min(Math.max(0, left), MAX_TIMER_MS));
    if (unref) handle.unref();
  };
  arm(ms);
  return () => clearTimeout(handle);
}

/** The real clock: Date.now and Node timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => (ms > 0 ? new Promise<void>((resolve) => void timer(ms, resolve, false)) : Promise.resolve()),
  alarm: (ms, ring) => timer(ms, ring, true),
};

import type { Clock } from '../../../lib/execute/clock.js';

/**
 * A clock whose time moves only when a test drives it. `drive(promise)` lets every pending promise
 * chain settle, then jumps to the earliest timer and fires it, until the promise settles; if nothing
 * is left to fire and the promise is still pending, the code under test is stuck, and drive says so.
 */

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly fire: () => void;
  cancelled: boolean;
}

/** Lets all queued microtasks (and the chains they start) run. */
export const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class FakeClock implements Clock {
  private timers: Timer[] = [];
  private seq = 0;

  constructor(private t = 0) {}

  now(): number {
    return this.t;
  }

  sleep(ms: number): Promise<void> {
    if (!(ms > 0)) return Promise.resolve();
    return new Promise((resolve) => this.schedule(ms, resolve));
  }

  alarm(ms: number, ring: () => void): () => void {
    const timer = this.schedule(ms, ring);
    return () => {
      timer.cancelled = true;
    };
  }

  /** Timers not yet fired or cancelled. */
  get pending(): number {
    return this.timers.filter((timer) => !timer.cancelled).length;
  }

  /** Moves time forward by `ms`, firing every timer due on the way, in order. */
  async advance(ms: number): Promise<void> {
    const until = this.t + ms;
    for (;;) {
      await flush();
      const next = this.next();
      if (!next || next.at > until) break;
      this.fire(next);
    }
    this.t = until;
    await flush();
  }

  /** Runs timers until `promise` settles; returns its value or throws its error. */
  async drive<T>(promise: Promise<T>, maxSteps = 100_000): Promise<T> {
    let settled = false;
    const watched = promise.finally(() => {
      settled = true;
    });
    watched.catch(() => {});
    for (let step = 0; step < maxSteps; step++) {
      await flush();
      if (settled) return watched;
      const next = this.next();
      if (!next) throw new Error(`stuck at t=${this.t}: the promise is pending and no timer is left`);
      this.fire(next);
    }
    throw new Error(`still pending after ${maxSteps} timers`);
  }

  private schedule(ms: number, fire: () => void): Timer {
    const timer: Timer = { at: this.t + Math.max(0, ms), seq: this.seq++, fire, cancelled: false };
    this.timers.push(timer);
    return timer;
  }

  private next(): Timer | undefined {
    this.timers = this.timers.filter((timer) => !timer.cancelled);
    let best: Timer | undefined;
    for (const timer of this.timers) if (!best || timer.at < best.at || (timer.at === best.at && timer.seq < best.seq)) best = timer;
    return best;
  }

  private fire(timer: Timer): void {
    this.timers.splice(this.timers.indexOf(timer), 1);
    this.t = Math.max(this.t, timer.at);
    timer.fire();
  }
}

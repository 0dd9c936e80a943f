import { setMaxListeners } from 'node:events';
import { OffpeakError } from '../errors.js';
import { systemClock, type Clock } from './clock.js';

/**
 * The instant by which the run's work must be done, so the report still gets written and sent
 * before Function Compute kills the invocation. Work that would end after it is not started; it is
 * reported as deferred (DeadlineError), and the failed run makes FC deliver the event again.
 */

/** Work that could not be done before the deadline: reported as deferred, never as failed. */
export class DeadlineError extends OffpeakError {
  override readonly name = 'DeadlineError';

  /** @param options.cause the error that was being retried when time ran out, if any. */
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, code: 'DeadlineReached' });
  }
}

/**
 * The part of a function's timeout kept back for reporting after the work: 10% of the timeout,
 * at least 3 s (one slow HTTP round trip to write the report), at most 30 s (a report never needs
 * more), and never more than half the timeout so a short function still gets to work.
 *
 * @example reportingMargin(600_000) // 30_000; reportingMargin(120_000) // 12_000; reportingMargin(20_000) // 3_000
 */
export function reportingMargin(timeoutMs: number): number {
  return Math.min(Math.max(Math.round(timeoutMs * 0.1), 3_000), 30_000, Math.floor(timeoutMs / 2));
}

/** An absolute instant with the questions callers ask of it. */
export class Deadline {
  private readonly controller = new AbortController();
  private readonly cancelAlarm: () => void;

  /**
   * @param at epoch milliseconds
   * @param clock the time source; the signal's timer runs on it too
   */
  constructor(
    readonly at: number,
    readonly clock: Clock = systemClock,
  ) {
    // Every call waiting for a slot listens to this one signal; hundreds may wait in a big run.
    setMaxListeners(0, this.controller.signal);
    const left = at - clock.now();
    if (left <= 0) {
      this.controller.abort(new DeadlineError('the deadline has passed'));
      this.cancelAlarm = () => {};
    } else {
      this.cancelAlarm = clock.alarm(left, () => this.controller.abort(new DeadlineError('the deadline has passed')));
    }
  }

  /**
   * The deadline of a Function Compute invocation: its start plus its timeout, less `marginMs`
   * (by default `reportingMargin`) kept for the report.
   *
   * @example Deadline.fromFunctionTimeout(now, 300, clock) // now + 270_000
   */
  static fromFunctionTimeout(now: number, timeoutSeconds: number, clock: Clock = systemClock, marginMs?: number): Deadline {
    const timeoutMs = timeoutSeconds * 1000;
    return new Deadline(now + timeoutMs - (marginMs ?? reportingMargin(timeoutMs)), clock);
  }

  /** Milliseconds left, 0 once passed. */
  remaining(): number {
    return Math.max(0, this.at - this.clock.now());
  }

  /** True once the deadline has come. */
  expired(): boolean {
    return this.clock.now() >= this.at;
  }

  /** True when something taking `ms` more, starting now, would end before the deadline. */
  allows(ms: number): boolean {
    return this.clock.now() + ms < this.at;
  }

  /** Aborts at the deadline, with a DeadlineError as its reason. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Clears the signal's timer; the signal then never fires (unless it already has). */
  dispose(): void {
    this.cancelAlarm();
  }
}

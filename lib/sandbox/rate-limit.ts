/**
 * The documented API rate limits, per account: SAE allows 60 calls a minute across its APIs; SWAS
 * 10 a minute for each action. A sliding window: a call is admitted when fewer than `limit` calls
 * were admitted in the `windowMs` before it. Refused calls do not count, as at the real gateway,
 * so a client that backs off gets through once the window has moved on.
 */

export interface Limit {
  readonly limit: number;
  readonly windowMs: number;
}

export const MINUTE = 60_000;

/** The limit that applies to a call, and the bucket it counts in. */
export function limitFor(product: 'sae' | 'swas', accountId: string, action: string): { key: string; limit: number } {
  return product === 'sae' ? { key: `sae:${accountId}`, limit: 60 } : { key: `swas:${accountId}:${action}`, limit: 10 };
}

export class RateLimiter {
  /** Admission instants per bucket, oldest first. */
  private readonly admitted = new Map<string, number[]>();

  /**
   * @param windowMs the window every limit counts over: a minute divided by the sandbox's rate scale,
   *   so a scaled sandbox is the real one with time running faster.
   */
  constructor(private readonly windowMs: number) {}

  /** Admits the call at `now` (and counts it), or says how long until a slot frees. */
  admit(key: string, limit: number, now: number): { ok: true } | { ok: false; retryAfterMs: number } {
    const times = this.admitted.get(key) ?? [];
    while (times.length > 0 && times[0]! <= now - this.windowMs) times.shift();
    if (times.length >= limit) return { ok: false, retryAfterMs: Math.max(1, times[0]! + this.windowMs - now) };
    times.push(now);
    this.admitted.set(key, times);
    return { ok: true };
  }

  clear(): void {
    this.admitted.clear();
  }
}

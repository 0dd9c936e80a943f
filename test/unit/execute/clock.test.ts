import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../../lib/execute/clock.js';

/**
 * The real clock, on vitest's fake timers: they keep Node's rules (a delay past 2^31-1 ms fires
 * after 1 ms, handles can be unref'd), so the chaining of long waits is seen without waiting.
 */

const MAX_TIMER_MS = 2 ** 31 - 1;
const T0 = Date.parse('2026-11-30T00:00:00Z');

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

/** Whether `promise` has settled by now (after pending microtasks). */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  await vi.advanceTimersByTimeAsync(0);
  return done;
}

describe('systemClock', () => {
  it('reads Date.now', () => {
    expect(systemClock.now()).toBe(T0);
    vi.setSystemTime(T0 + 1234);
    expect(systemClock.now()).toBe(T0 + 1234);
  });

  it('sleeps exactly the time asked', async () => {
    const slept = systemClock.sleep(1_000);
    await vi.advanceTimersByTimeAsync(999);
    expect(await settled(slept)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await settled(slept)).toBe(true);
  });

  it('does not sleep, nor set a timer, for 0 or less', async () => {
    const setTimeout = vi.spyOn(globalThis, 'setTimeout');
    expect(await settled(systemClock.sleep(0))).toBe(true);
    expect(await settled(systemClock.sleep(-5))).toBe(true);
    expect(setTimeout).not.toHaveBeenCalled();
  });

  it('chains a wait longer than a Node timer can hold, instead of firing at once', async () => {
    const slept = systemClock.sleep(MAX_TIMER_MS + 1_000);
    await vi.advanceTimersByTimeAsync(1);
    expect(await settled(slept)).toBe(false);
    await vi.advanceTimersByTimeAsync(MAX_TIMER_MS - 1);
    expect(await settled(slept)).toBe(false);
    await vi.advanceTimersByTimeAsync(999);
    expect(await settled(slept)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await settled(slept)).toBe(true);
  });

  it('a wait of exactly the longest timer is one timer', async () => {
    const setTimeout = vi.spyOn(globalThis, 'setTimeout');
    const slept = systemClock.sleep(MAX_TIMER_MS);
    await vi.advanceTimersByTimeAsync(MAX_TIMER_MS - 1);
    expect(await settled(slept)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await settled(slept)).toBe(true);
    expect(setTimeout).toHaveBeenCalledTimes(1);
  });

  it('keeps the process alive while sleeping; an alarm does not', () => {
    const setTimeout = vi.spyOn(globalThis, 'setTimeout');
    void systemClock.sleep(1_000);
    systemClock.alarm(1_000, () => {});
    const [sleeping, alarm] = setTimeout.mock.results.map((r) => r.value as NodeJS.Timeout);
    expect(sleeping?.hasRef()).toBe(true);
    expect(alarm?.hasRef()).toBe(false);
  });

  it('rings an alarm once after its time, and at once for a time already past', async () => {
    const rang: number[] = [];
    systemClock.alarm(500, () => rang.push(Date.now() - T0));
    systemClock.alarm(-100, () => rang.push(Date.now() - T0));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(rang).toEqual([0, 500]);
  });

  it('rings a long alarm only at its time, and keeps each link of its chain unref’d', async () => {
    const setTimeout = vi.spyOn(globalThis, 'setTimeout');
    const rang: number[] = [];
    systemClock.alarm(MAX_TIMER_MS + 500, () => rang.push(Date.now() - T0));
    await vi.advanceTimersByTimeAsync(MAX_TIMER_MS + 499);
    expect(rang).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(rang).toEqual([MAX_TIMER_MS + 500]);
    expect(setTimeout.mock.results.map((r) => (r.value as NodeJS.Timeout).hasRef())).toEqual([false, false]);
  });

  it('cancels an alarm, also after its first link has passed', async () => {
    const rang: string[] = [];
    const cancelShort = systemClock.alarm(500, () => rang.push('short'));
    const cancelLong = systemClock.alarm(MAX_TIMER_MS + 500, () => rang.push('long'));
    cancelShort();
    await vi.advanceTimersByTimeAsync(MAX_TIMER_MS + 1);
    cancelLong();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(rang).toEqual([]);
  });
});

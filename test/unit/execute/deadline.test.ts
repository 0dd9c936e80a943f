import { describe, expect, it } from 'vitest';
import { systemClock } from '../../../lib/execute/clock.js';
import { Deadline, DeadlineError, reportingMargin } from '../../../lib/execute/deadline.js';
import { FakeClock } from './fake-clock.js';

const T0 = 1_700_000_000_000;

describe('reportingMargin', () => {
  it('is 10% of the timeout, at least 3 s, at most 30 s, at most half the timeout', () => {
    expect(reportingMargin(600_000)).toBe(30_000);
    expect(reportingMargin(300_000)).toBe(30_000);
    expect(reportingMargin(120_000)).toBe(12_000);
    expect(reportingMargin(20_000)).toBe(3_000);
    expect(reportingMargin(4_000)).toBe(2_000);
  });
});

describe('Deadline.fromFunctionTimeout', () => {
  it('is the start plus the timeout less the margin', () => {
    const clock = new FakeClock(T0);
    expect(Deadline.fromFunctionTimeout(T0, 300, clock).at).toBe(T0 + 270_000);
    expect(Deadline.fromFunctionTimeout(T0, 120, clock).at).toBe(T0 + 108_000);
    expect(Deadline.fromFunctionTimeout(T0, 60, clock).at).toBe(T0 + 54_000);
    expect(Deadline.fromFunctionTimeout(T0, 300, clock, 5_000).at).toBe(T0 + 295_000);
  });

  it('counts from the start, not from when it is built', () => {
    const clock = new FakeClock(T0 + 10_000);
    const deadline = Deadline.fromFunctionTimeout(T0, 60, clock);
    expect(deadline.remaining()).toBe(44_000);
  });
});

describe('Deadline', () => {
  it('answers remaining, expired and allows from the clock', async () => {
    const clock = new FakeClock(T0);
    const deadline = new Deadline(T0 + 1_000, clock);
    expect(deadline.remaining()).toBe(1_000);
    expect(deadline.expired()).toBe(false);
    expect(deadline.allows(999)).toBe(true);
    expect(deadline.allows(1_000)).toBe(false);
    await clock.advance(1_000);
    expect(deadline.remaining()).toBe(0);
    expect(deadline.expired()).toBe(true);
    expect(deadline.allows(0)).toBe(false);
  });

  it('fires its signal exactly at the deadline, with a DeadlineError as reason', async () => {
    const clock = new FakeClock(T0);
    const deadline = new Deadline(T0 + 5_000, clock);
    await clock.advance(4_999);
    expect(deadline.signal.aborted).toBe(false);
    await clock.advance(1);
    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.signal.reason).toBeInstanceOf(DeadlineError);
    expect((deadline.signal.reason as DeadlineError).message).toBe('the deadline has passed');
  });

  it('is aborted from the start when already passed, or due this very instant', () => {
    for (const at of [T0 - 1, T0]) {
      const clock = new FakeClock(T0);
      const deadline = new Deadline(at, clock);
      expect(deadline.signal.aborted).toBe(true);
      expect((deadline.signal.reason as DeadlineError).message).toBe('the deadline has passed');
      expect(deadline.expired()).toBe(true);
      expect(clock.pending).toBe(0);
    }
  });

  it('clears its timer on dispose', async () => {
    const clock = new FakeClock(T0);
    const deadline = new Deadline(T0 + 5_000, clock);
    expect(clock.pending).toBe(1);
    deadline.dispose();
    expect(clock.pending).toBe(0);
    await clock.advance(10_000);
    expect(deadline.signal.aborted).toBe(false);
  });

  it('fires on the real clock too', async () => {
    const deadline = new Deadline(Date.now() + 20, systemClock);
    await new Promise<void>((resolve) => deadline.signal.addEventListener('abort', () => resolve(), { once: true }));
    expect(deadline.expired()).toBe(true);
  });
});

describe('DeadlineError', () => {
  it('carries its cause and its name', () => {
    const cause = new Error('busy');
    const error = new DeadlineError('too late', { cause });
    expect(error.name).toBe('DeadlineError');
    expect(error.cause).toBe(cause);
    expect(error).toBeInstanceOf(Error);
  });
});

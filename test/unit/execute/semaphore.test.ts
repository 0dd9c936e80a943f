import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { Semaphore } from '../../../lib/execute/semaphore.js';
import { flush } from './fake-clock.js';

describe('Semaphore', () => {
  it('admits up to max at once, then first come first served', async () => {
    const semaphore = new Semaphore(2);
    const order: string[] = [];
    const a = await semaphore.acquire();
    const b = await semaphore.acquire();
    const waiting = ['c', 'd', 'e'].map((name) => semaphore.acquire().then((release) => (order.push(name), release)));
    await flush();
    expect(order).toEqual([]);
    expect(semaphore.waiting).toBe(3);
    a();
    await flush();
    expect(order).toEqual(['c']);
    b();
    b(); // a second release of the same slot frees nothing more
    await flush();
    expect(order).toEqual(['c', 'd']);
    expect(semaphore.inFlight).toBe(2);
    for (const release of await Promise.all(waiting.slice(0, 2))) release();
    await flush();
    expect(order).toEqual(['c', 'd', 'e']);
  });

  it('drops a waiter whose signal aborts', async () => {
    const semaphore = new Semaphore(1);
    const held = await semaphore.acquire();
    const controller = new AbortController();
    const gaveUp = semaphore.acquire(controller.signal);
    const next = semaphore.acquire();
    controller.abort(new Error('late'));
    await expect(gaveUp).rejects.toThrow('late');
    held();
    const release = await next;
    expect(semaphore.inFlight).toBe(1);
    release();
    expect(semaphore.inFlight).toBe(0);
  });

  it('refuses at once, taking no slot, when the signal has already aborted', async () => {
    const semaphore = new Semaphore(1);
    const controller = new AbortController();
    controller.abort(new Error('too late'));
    await expect(semaphore.acquire(controller.signal)).rejects.toThrow('too late');
    expect(semaphore.inFlight).toBe(0);
    expect(semaphore.waiting).toBe(0);
  });

  it('leaves no listener on the signal, whether the waiter was admitted or gave up', async () => {
    // Hundreds of waiters share the deadline's one signal in a big run: each must take its listener away.
    const semaphore = new Semaphore(1);
    const held = await semaphore.acquire();
    const admitted = new AbortController();
    const gaveUp = new AbortController();
    const first = semaphore.acquire(admitted.signal);
    const second = semaphore.acquire(gaveUp.signal);
    expect(getEventListeners(admitted.signal, 'abort')).toHaveLength(1);
    expect(getEventListeners(gaveUp.signal, 'abort')).toHaveLength(1);
    gaveUp.abort(new Error('late'));
    await expect(second).rejects.toThrow('late');
    expect(getEventListeners(gaveUp.signal, 'abort')).toHaveLength(0);
    held();
    (await first)();
    expect(getEventListeners(admitted.signal, 'abort')).toHaveLength(0);
    expect(semaphore.inFlight).toBe(0);
  });

  it('refuses a max below 1, or not whole, saying so', () => {
    expect(() => new Semaphore(0)).toThrow(new RangeError('max concurrent calls must be a whole number ≥ 1, got 0'));
    expect(() => new Semaphore(1.5)).toThrow(new RangeError('max concurrent calls must be a whole number ≥ 1, got 1.5'));
    expect(new Semaphore(1).max).toBe(1);
  });
});

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

  it('refuses a max below 1', () => {
    expect(() => new Semaphore(0)).toThrow(RangeError);
    expect(() => new Semaphore(1.5)).toThrow(RangeError);
  });
});

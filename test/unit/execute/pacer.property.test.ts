import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Product } from '../../../lib/cloud/errors.js';
import { Pacer } from '../../../lib/execute/pacer.js';
import { FakeClock } from './fake-clock.js';

/**
 * For random arrivals (instants, products, actions, call durations, throttles), with any headroom,
 * rate scale and concurrency: no window of windowMs ever holds more admissions of one bucket than
 * the documented limit times the headroom, rounded down; every call is admitted; each bucket is
 * served in arrival order; the concurrency bound holds.
 */

const MIN = 60_000;
// floor(limit × headroom), worked out by hand so the test does not share the pacer's arithmetic.
const USED: Record<string, Record<Product, number>> = {
  '0.5': { sae: 30, swas: 5 },
  '0.9': { sae: 54, swas: 9 },
  '1': { sae: 60, swas: 10 },
};

const arrival = fc.record({
  at: fc.integer({ min: 0, max: 3 * MIN }),
  product: fc.constantFrom<Product>('sae', 'swas'),
  action: fc.constantFrom('StopInstances', 'StartInstances'),
  takes: fc.integer({ min: 0, max: 3_000 }),
  throttle: fc.boolean(),
});

const setup = fc.record({
  headroom: fc.constantFrom('0.5', '0.9', '1'),
  rateScale: fc.constantFrom(1, 4, 60),
  maxConcurrent: fc.integer({ min: 1, max: 6 }),
  // Bursts: many calls at a few instants, which is where limits bite.
  arrivals: fc
    .array(arrival, { minLength: 1, maxLength: 120, size: 'max' })
    .chain((list) =>
      fc.integer({ min: 1, max: 6 }).map((instants) => list.map((a, i) => (i % 2 === 0 ? { ...a, at: (a.at % instants) * 7_919 } : a))),
    ),
});

describe('Pacer (property)', () => {
  it('never admits more than the used limit in any sliding window, in arrival order, within the concurrency bound', async () => {
    await fc.assert(
      fc.asyncProperty(setup, async ({ headroom, rateScale, maxConcurrent, arrivals }) => {
        const clock = new FakeClock();
        const pacer = new Pacer({ clock, headroom: Number(headroom), rateScale, maxConcurrent });
        const windowMs = MIN / rateScale;
        const arrived = new Map<string, number[]>();
        const admitted = new Map<string, { index: number; at: number }[]>();
        let inFlight = 0;
        let maxInFlight = 0;
        await clock.drive(
          Promise.all(
            arrivals.map(async (a, index) => {
              // Arrival times are scaled with the windows, so a scaled run is the same run, faster.
              await clock.sleep(a.at / rateScale);
              const key = pacer.bucketKey(a.product, a.action);
              arrived.set(key, [...(arrived.get(key) ?? []), index]);
              const release = await pacer.acquire(a.product, a.action);
              admitted.set(key, [...(admitted.get(key) ?? []), { index, at: clock.now() }]);
              maxInFlight = Math.max(maxInFlight, ++inFlight);
              await clock.sleep(a.takes / rateScale);
              if (a.throttle) pacer.throttled(a.product, a.action);
              inFlight--;
              release();
            }),
          ),
        );
        expect(maxInFlight).toBeLessThanOrEqual(maxConcurrent);
        expect(pacer.stats().calls).toBe(arrivals.length);
        for (const [key, list] of admitted) {
          const limit = USED[headroom]![key.startsWith('sae') ? 'sae' : 'swas'];
          expect(list.map((x) => x.index)).toEqual(arrived.get(key));
          // The busiest window ends at an admission: count those in (t − windowMs, t] for each
          // (a call leaves the window at its admission + windowMs).
          for (const { at } of list) {
            const inWindow = list.filter((x) => x.at <= at && x.at + windowMs > at).length;
            expect(inWindow).toBeLessThanOrEqual(limit);
          }
        }
      }),
      { numRuns: 80 },
    );
  });
});

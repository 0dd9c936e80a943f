import { describe, expect, it } from 'vitest';
import { pooled } from '../../../lib/execute/pool.js';

describe('pooled', () => {
  it('runs every item once, never more than the limit at a time, and keeps the order of the items', async () => {
    let running = 0;
    let most = 0;
    const seen: number[] = [];
    const results = await pooled(
      Array.from({ length: 50 }, (_, i) => i),
      4,
      async (i) => {
        running++;
        most = Math.max(most, running);
        seen.push(i);
        // Later items finish first, so order comes from the indexes, not from finishing.
        await new Promise((resolve) => setTimeout(resolve, (50 - i) % 7));
        running--;
        return i * 2;
      },
    );
    expect(results).toEqual(Array.from({ length: 50 }, (_, i) => i * 2));
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(most).toBe(4);
  });

  it('an empty list does nothing', async () => {
    expect(await pooled([], 8, () => Promise.reject(new Error('never')))).toEqual([]);
  });
});

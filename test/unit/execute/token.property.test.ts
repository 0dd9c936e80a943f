import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clientToken } from '../../../lib/execute/token.js';

/**
 * The SWAS ClientToken of a batch's request, for any rules, action, edge instant, members and
 * round: the same batch always gives the same token (so a later run replays the first one's
 * request), anything that makes it another batch or another request gives another token, and
 * every token is one SWAS accepts (at most 64 printable ASCII characters).
 */

type Input = Parameters<typeof clientToken>[0];

const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/);
const id = fc.stringMatching(/^[a-z0-9-]{1,40}$/);
const input: fc.Arbitrary<Input> = fc.record({
  rules: fc.uniqueArray(name, { minLength: 1, maxLength: 4 }),
  action: fc.constantFrom('stop' as const, 'start' as const),
  at: fc.integer({ min: 0, max: 4_102_444_800_000 }),
  ids: fc.uniqueArray(id, { minLength: 1, maxLength: 100 }),
  round: fc.integer({ min: 0, max: 10 }),
});

/** The same set in another order. */
const shuffled = <T>(items: readonly T[], seed: number): T[] =>
  items
    .map((item, i) => ({ item, key: (i * 2_654_435_761 + seed) % 4_294_967_291 }))
    .sort((a, b) => a.key - b.key)
    .map((x) => x.item);

describe('clientToken', () => {
  it('the same batch gives the same token, whatever the order of its rules and ids', () => {
    fc.assert(
      fc.property(input, fc.nat(), (x, seed) => {
        expect(clientToken(x)).toBe(clientToken({ ...x }));
        expect(clientToken({ ...x, rules: shuffled(x.rules, seed), ids: shuffled(x.ids, seed) })).toBe(clientToken(x));
      }),
    );
  });

  it('is at most 64 printable ASCII characters, and names its action', () => {
    fc.assert(
      fc.property(input, (x) => {
        const token = clientToken(x);
        expect(token).toMatch(/^[\x20-\x7e]{1,64}$/);
        expect(token).toMatch(new RegExp(`^offpeak-${x.action}-[0-9a-f]{40}$`));
      }),
    );
  });

  it('another edge instant gives another token', () => {
    fc.assert(
      fc.property(input, fc.integer({ min: -86_400_000, max: 86_400_000 }).filter(Boolean), (x, shift) => {
        expect(clientToken({ ...x, at: x.at + shift })).not.toBe(clientToken(x));
      }),
    );
  });

  it('another action, round, rule or member gives another token', () => {
    fc.assert(
      fc.property(input, name, id, fc.integer({ min: 1, max: 5 }), (x, rule, member, more) => {
        const token = clientToken(x);
        expect(clientToken({ ...x, action: x.action === 'stop' ? 'start' : 'stop' })).not.toBe(token);
        expect(clientToken({ ...x, round: x.round + more })).not.toBe(token);
        if (!x.rules.includes(rule)) expect(clientToken({ ...x, rules: [...x.rules, rule] })).not.toBe(token);
        if (x.rules.length > 1) expect(clientToken({ ...x, rules: x.rules.slice(1) })).not.toBe(token);
        if (!x.ids.includes(member)) {
          expect(clientToken({ ...x, ids: [...x.ids, member] })).not.toBe(token);
          expect(clientToken({ ...x, ids: [member, ...x.ids.slice(1)] })).not.toBe(token);
        }
        if (x.ids.length > 1) expect(clientToken({ ...x, ids: x.ids.slice(1) })).not.toBe(token);
      }),
    );
  });

  it('does not mix its parts up: a rule name and an id, or an instant and a round, never stand in for each other', () => {
    const base: Input = { rules: ['a'], action: 'stop', at: 1, ids: ['b'], round: 0 };
    const tokens = [
      base,
      { ...base, rules: ['b'], ids: ['a'] },
      { ...base, at: 0, round: 1 },
      { ...base, rules: ['a', 'b'], ids: ['b'] },
      { ...base, ids: ['b', 'a'] },
    ].map(clientToken);
    expect(new Set(tokens).size).toBe(tokens.length);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dueEdges, edgesBetween, isOffPeak } from '../../../lib/schedule/engine.js';
import type { Edge } from '../../../lib/schedule/rule.js';
import { ruleFrom, ruleYaml } from './compile-text.js';

/**
 * For random rules and a run of consecutive ticks over weeks that include DST changes, every edge
 * is due in exactly one tick, and window rules flip isOffPeak exactly at their edges (checked
 * against a minute-by-minute scan that does not use the edge finder).
 */

const MIN = 60_000;
const DAY = 86_400_000;
// Zones with DST in both hemispheres, a 30-minute DST (Lord Howe), a midnight change (Santiago),
// and none at all.
const ZONES = ['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'America/Santiago', 'Asia/Shanghai', 'UTC'];
// Start instants a few days before DST changes of 2026 and 2027, and an ordinary week.
const STARTS = [
  '2026-03-25T00:00:00Z',
  '2026-10-21T00:00:00Z',
  '2026-10-30T00:00:00Z',
  '2026-04-01T00:00:00Z',
  '2027-03-10T00:00:00Z',
  '2026-08-30T00:00:00Z',
].map(Date.parse);
const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

const hhmm = (minute: number) => `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

const windowText = fc
  .record({
    days: fc.oneof(
      fc.constant('daily'),
      fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 6 })).map(([a, b]) => `${DAYS[a]}-${DAYS[b]}`),
      fc.uniqueArray(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 3 }).map((ds) => ds.map((d) => DAYS[d]).join(',')),
    ),
    // Minutes on a 30-minute grid so edges often land inside DST gaps and folds.
    times: fc.option(
      fc.tuple(fc.integer({ min: 0, max: 47 }), fc.integer({ min: 1, max: 48 })).filter(([a, b]) => a !== b % 48 || b === 48),
      { nil: undefined },
    ),
  })
  .map(({ days, times }) => (times ? `${days} ${hhmm(times[0] * 30)}-${times[1] === 48 ? '24:00' : hhmm(times[1] * 30)}` : days));

const windowRule = fc.record({
  kind: fc.constantFrom('offPeak', 'onPeak'),
  windows: fc.array(windowText, { minLength: 1, maxLength: 3 }),
  zone: fc.constantFrom(...ZONES),
  catchUp: fc.constantFrom('0', '10m', '1h'),
});

const cronRule = fc.record({
  stop: fc.constantFrom('0 20 * * *', '30 2 * * *', '*/45 * * * *', '0 0 * * 6', '15 1 * * 0-4'),
  start: fc.constantFrom('0 8 * * 1-5', '30 1 * * *', '0 */6 * * *', undefined),
  zone: fc.constantFrom(...ZONES),
});

const run = fc.record({
  start: fc.constantFrom(...STARTS),
  offset: fc.integer({ min: 0, max: 59 }).map((m) => m * MIN + 17_000),
  tick: fc.constantFrom(MIN, 5 * MIN, 7 * MIN, 15 * MIN),
});

const key = (e: Edge) => `${e.action}@${e.at}`;

/** Runs consecutive scheduled ticks over `days` and collects what each run saw as due. */
function collectDue(rule: Parameters<typeof dueEdges>[0], first: number, tick: number, days: number, catchUp: number) {
  const seen = new Map<string, number>();
  const end = first + days * DAY;
  for (let T = first; T <= end; T += tick) {
    // Catch-up widens runs backwards; without it, runs must partition time exactly.
    for (const e of dueEdges(rule, T, tick)) {
      if (catchUp > 0 && e.at <= T - tick) continue;
      seen.set(key(e), (seen.get(key(e)) ?? 0) + 1);
    }
  }
  return { seen, end };
}

describe('engine properties', () => {
  it('window rules: every edge is due in exactly one tick, and isOffPeak flips exactly at edges', () => {
    fc.assert(
      fc.property(windowRule, run, (spec, { start, offset, tick }) => {
        const timing = `${spec.kind}: ${JSON.stringify(spec.windows)}\nrestore: true\ncatchUp: "${spec.catchUp}"`;
        const rule = ruleFrom(ruleYaml(timing, spec.zone));
        const first = start + offset;
        const { seen, end } = collectDue(rule, first, tick, 10, rule.catchUp);
        const expected = edgesBetween(rule, first - tick, end);
        expect([...seen.entries()].filter(([, n]) => n !== 1)).toEqual([]);
        expect([...seen.keys()].sort()).toEqual(expected.map(key).sort());

        // Independent check: scan minute by minute for flips of isOffPeak.
        const flips: string[] = [];
        let previous = isOffPeak(rule, first - tick);
        for (let m = Math.ceil((first - tick) / MIN) * MIN; m <= end; m += MIN) {
          const now = isOffPeak(rule, m);
          if (now !== previous) flips.push(`${now ? 'stop' : 'start'}@${m}`);
          previous = now;
        }
        expect(expected.map(key)).toEqual(flips);
      }),
      { numRuns: 60, seed: 20261122 },
    );
  });

  it('cron rules: every fire is due in exactly one tick, and isOffPeak agrees after each edge', () => {
    fc.assert(
      fc.property(cronRule, run, (spec, { start, offset, tick }) => {
        const timing = `stop: "${spec.stop}"${spec.start ? `\nstart: "${spec.start}"` : ''}`;
        const rule = ruleFrom(ruleYaml(timing, spec.zone));
        const first = start + offset;
        const { seen, end } = collectDue(rule, first, tick, 8, 0);
        const expected = edgesBetween(rule, first - tick, end);
        expect([...seen.entries()].filter(([, n]) => n !== 1)).toEqual([]);
        expect([...seen.keys()].sort()).toEqual(expected.map(key).sort());
        for (const e of expected) expect(isOffPeak(rule, e.at)).toBe(e.action === 'stop');
      }),
      { numRuns: 25, seed: 20261122 },
    );
  });
});

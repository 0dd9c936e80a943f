import { compileSchedules } from '../lib/schedule/compile.js';
import type { Rule } from '../lib/schedule/rule.js';
import { parseSource } from '../lib/schedule/source.js';

/**
 * A deterministic fleet of rules for benchmarks: a mix of offPeak, onPeak and cron rules across
 * zones with and without DST, a third of them on a holiday calendar.
 */

const ZONES = [
  'Asia/Shanghai',
  'Europe/Berlin',
  'America/New_York',
  'Asia/Singapore',
  'Europe/London',
  'Australia/Sydney',
  'UTC',
  'Asia/Tokyo',
];
const WINDOWS = [
  '"daily 20:00-08:00", "Sat-Sun"',
  '"Mon-Fri 19:00-07:30"',
  '"Mon-Fri 22:00-06:00", "Sat-Sun"',
  '"Fri-Mon 21:00-05:00"',
  '"Mon,Wed,Fri 23:00-04:00", "2026-12-24T18:00/2026-12-27T08:00"',
];
const ON_PEAK = ['"Mon-Fri 08:00-22:00"', '"Mon-Fri 09:00-18:00"', '"daily 07:00-23:00"'];
const CRONS = [
  ['0 20 * * *', '0 8 * * 1-5'],
  ['30 21 * * 1-5', '0 7 * * 1-5'],
  ['0 0 * * 6', '0 6 * * 1'],
];

/** A small seeded generator, so every run measures the same fleet. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

export function fleetYaml(count: number, seed = 42): string {
  const next = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  const lines = ['version: 1', 'calendars: { cn: calendars/cn.yaml }', 'rules:'];
  for (let i = 0; i < count; i++) {
    const roll = next();
    lines.push(`  - name: rule-${i}`, `    timezone: ${pick(ZONES)}`);
    if (roll < 0.6) {
      lines.push(`    offPeak: [${pick(WINDOWS)}]`, '    restore: true');
      if (next() < 0.5) lines.push('    calendar: cn');
    } else if (roll < 0.8) {
      lines.push(`    onPeak: [${pick(ON_PEAK)}]`, '    restore: true', '    enforce: true');
    } else {
      const [stop, start] = pick(CRONS);
      lines.push(`    stop: "${stop}"`, `    start: "${start}"`);
    }
    lines.push(`    targets: { swas: [{ region: cn-hangzhou, instanceIds: [i-${i}] }] }`);
  }
  return `${lines.join('\n')}\n`;
}

export const CALENDAR = `holidays: [2026-10-01/2026-10-07, 2026-12-25, 2027-01-01/2027-01-03]\nworkdays: [2026-10-10]\n`;

/** Compiles the fleet in memory (no disk reads in the timed path). */
export function compileFleet(count: number, at: number, options: { warnings?: boolean } = {}): Rule[] {
  const calendars = new Map([['bench/calendars/cn.yaml', parseSource('bench/calendars/cn.yaml', CALENDAR)]]);
  const set = compileSchedules([parseSource('bench/fleet.yaml', fleetYaml(count))], calendars, { at, ...options });
  if (set.rules.length !== count)
    throw new Error(
      `fleet did not compile: ${set.diagnostics
        .slice(0, 3)
        .map((d) => d.message)
        .join('; ')}`,
    );
  return set.rules;
}

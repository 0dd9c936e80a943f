import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dueEdges, isOffPeak } from '../lib/schedule/engine.js';
import { outlook } from '../lib/schedule/outlook.js';
import type { Rule } from '../lib/schedule/rule.js';
import { compileFleet } from './rules.js';
import { median, ms, timeRuns, type BenchSection } from './section.js';

/**
 * The schedule engine: one tick and a 7-day plan for 1,000 rules.
 * Baselines, measured in the same run so ratios survive a noisy machine:
 * - for a tick: the runtime's own Intl formatting of T in each rule's zone, once per rule (the
 *   least any zone-aware scheduler does: know the local time);
 * - for the plan: finding the same edges by scanning isOffPeak minute by minute (the naive way).
 */

const RULES = 1000;
const AT = Date.parse('2026-11-23T12:02:00Z');
const TICK = 5 * 60_000;
const WEEK = 7 * 86_400_000;

function tick(rules: readonly Rule[], T: number): number {
  let due = 0;
  for (const rule of rules) {
    isOffPeak(rule, T);
    due += dueEdges(rule, T, TICK).length;
  }
  return due;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function intlBaseline(rules: readonly Rule[], T: number): void {
  for (const rule of rules) {
    let format = formatters.get(rule.timezone);
    if (!format)
      formatters.set(
        rule.timezone,
        (format = new Intl.DateTimeFormat('en-GB', { timeZone: rule.timezone, dateStyle: 'short', timeStyle: 'short' })),
      );
    format.formatToParts(T);
  }
}

/** Times `fn` at successive instants, as successive runs of a warm function would see them. */
function timeSuccessive(fn: (T: number) => unknown, step: number, runs: number): number[] {
  let T = AT;
  for (let i = 0; i < 5; i++) fn((T += step));
  return timeRuns(() => fn((T += step)), runs, 0);
}

function scanWeek(rule: Rule): number {
  let flips = 0;
  let previous = isOffPeak(rule, AT);
  for (let m = AT + 60_000; m <= AT + WEEK; m += 60_000) {
    const now = isOffPeak(rule, m);
    if (now !== previous) flips++;
    previous = now;
  }
  return flips;
}

/** A fresh process: compile the fleet, then time the very first tick (cold memo, cold JIT). */
function coldRun(): void {
  const start = process.hrtime.bigint();
  const rules = compileFleet(RULES, AT, { warnings: false });
  const compiled = process.hrtime.bigint();
  tick(rules, AT);
  const ticked = process.hrtime.bigint();
  const rss = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ compile: Number(compiled - start) / 1e6, tick: Number(ticked - compiled) / 1e6, rss }));
}

export function benchPlan(): BenchSection {
  const cold = Array.from(
    { length: 5 },
    () =>
      JSON.parse(execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--cold'], { encoding: 'utf8' })) as {
        compile: number;
        tick: number;
        rss: number;
      },
  );
  const rules = compileFleet(RULES, AT, { warnings: false });
  // Successive ticks and plans start at successive instants: the memos help only as they would in
  // a warm function instance, never by answering the very same question again.
  const warmTick = median(timeSuccessive((T) => tick(rules, T), TICK, 50));
  const intl = median(timeSuccessive((T) => intlBaseline(rules, T), TICK, 50));
  const plan = median(timeSuccessive((T) => outlook(rules, { at: T, tick: TICK, horizon: WEEK }), 86_400_000 + 7 * 60_000, 7));
  const sample = rules.slice(0, 50);
  const scanPerRule = median(timeRuns(() => sample.forEach(scanWeek), 3, 1)) / sample.length;
  const planPerRule = plan / RULES;
  const validate = median(timeRuns(() => compileFleet(RULES, AT, { warnings: true }), 5, 1));
  const coldTick = median(cold.map((c) => c.tick));
  return {
    title: `Schedule engine: ${RULES} rules (60% offPeak, 20% onPeak, 20% cron; 8 zones; half the window rules on a calendar)`,
    rows: [
      {
        measure: 'one tick, first in a fresh process (median of 5 processes)',
        time: ms(coldTick),
        target: '< 20 ms',
        baseline: '',
        ratio: '',
      },
      {
        measure: 'one tick, warm (median of 50 successive ticks)',
        time: ms(warmTick),
        target: '< 20 ms',
        baseline: `Intl local time per rule: ${ms(intl)}`,
        ratio: `${(warmTick / intl).toFixed(2)}x`,
      },
      {
        measure: '7-day plan (median of 7, each a day later)',
        time: ms(plan),
        target: '< 1 s',
        baseline: `minute scan: ${ms(scanPerRule * RULES)} (from 50 rules)`,
        ratio: `${(planPerRule / scanPerRule).toFixed(3)}x`,
      },
      {
        measure: 'compile, errors only (first, fresh process)',
        time: ms(median(cold.map((c) => c.compile))),
        target: '',
        baseline: '',
        ratio: '',
      },
      { measure: 'validate with warnings (DST scan of 365 days)', time: ms(validate), target: '', baseline: '', ratio: '' },
    ],
    notes: [
      'ratio = this measure / its baseline, both timed in this run; below 1 is faster than the baseline.',
      `peak RSS of a fresh process that compiles the 1,000 rules and runs one tick: ${Math.round(median(cold.map((c) => c.rss)))} MB`,
    ],
  };
}

if (process.argv.includes('--cold')) coldRun();

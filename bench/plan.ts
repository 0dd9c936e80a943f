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

function tick(rules: readonly Rule[]): number {
  let due = 0;
  for (const rule of rules) {
    isOffPeak(rule, AT);
    due += dueEdges(rule, AT, TICK).length;
  }
  return due;
}

function intlBaseline(rules: readonly Rule[]): void {
  for (const rule of rules) new Date(AT).toLocaleString('en-GB', { timeZone: rule.timezone });
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
  tick(rules);
  const ticked = process.hrtime.bigint();
  process.stdout.write(JSON.stringify({ compile: Number(compiled - start) / 1e6, tick: Number(ticked - compiled) / 1e6 }));
}

export async function benchPlan(): Promise<BenchSection> {
  const cold = Array.from({ length: 5 }, () =>
    JSON.parse(execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--cold'], { encoding: 'utf8' })) as { compile: number; tick: number },
  );
  const rules = compileFleet(RULES, AT, { warnings: false });
  const warmTick = median(timeRuns(() => tick(rules), 50, 5));
  const intl = median(timeRuns(() => intlBaseline(rules), 50, 5));
  const plan = median(timeRuns(() => outlook(rules, { at: AT, tick: TICK, horizon: WEEK }), 7, 1));
  const sample = rules.slice(0, 50);
  const scanPerRule = median(timeRuns(() => sample.forEach(scanWeek), 3, 1)) / sample.length;
  const planPerRule = plan / RULES;
  const validate = median(timeRuns(() => compileFleet(RULES, AT, { warnings: true }), 5, 1));
  const coldTick = median(cold.map((c) => c.tick));
  return {
    title: `Schedule engine: ${RULES} rules (60% offPeak, 20% onPeak, 20% cron; 8 zones; half the window rules on a calendar)`,
    rows: [
      { measure: 'one tick, first in a fresh process (median of 5 processes)', time: ms(coldTick), target: '< 20 ms', baseline: '', ratio: '' },
      { measure: 'one tick, warm (median of 50)', time: ms(warmTick), target: '< 20 ms', baseline: `Intl local time per rule: ${ms(intl)}`, ratio: `${(warmTick / intl).toFixed(2)}x` },
      { measure: '7-day plan (median of 7)', time: ms(plan), target: '< 1 s', baseline: `minute scan: ${ms(scanPerRule * RULES)} (from 50 rules)`, ratio: `${(planPerRule / scanPerRule).toFixed(3)}x` },
      { measure: 'compile, errors only (first, fresh process)', time: ms(median(cold.map((c) => c.compile))), target: '', baseline: '', ratio: '' },
      { measure: 'validate with warnings (DST scan of 365 days)', time: ms(validate), target: '', baseline: '', ratio: '' },
    ],
    notes: [
      'ratio = this measure / its baseline, both timed in this run; below 1 is faster than the baseline.',
      `peak RSS of the bench process: ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`,
    ],
  };
}

if (process.argv.includes('--cold')) coldRun();

import type { CloudApis } from './cloud/api.js';
import { decide } from './plan/decide.js';
import { intentsAt, type Narrowing, type Quiet } from './plan/intents.js';
import { resolveTargets, type Missing } from './plan/resolve.js';
import type { Progress } from './execute/context.js';
import type { Deadline } from './execute/deadline.js';
import { executeSae } from './execute/sae.js';
import { executeSwas } from './execute/swas.js';
import { OUTCOMES, skippedResult, type Outcome, type ResourceResult } from './execute/result.js';
import type { Rule } from './schedule/rule.js';
import type { Action } from './schedule/rule.js';

/**
 * runTick: the one core that the Function Compute handler, `offpeak run` and the tests all call.
 * Load (done by the caller) → intents at T → resolve targets → decide → act → report.
 */

export interface TickOptions {
  /** The run's instant T (a timer's triggerTime, or a manual `at`). */
  readonly at: number;
  /** The timer's period; the run covers edges in (T − tick − catchUp, T]. */
  readonly tick: number;
  readonly rules: readonly Rule[];
  /** The clients, already behind the gate (pacing, retries, deadline). */
  readonly apis: CloudApis;
  readonly deadline: Deadline;
  readonly dryRun: boolean;
  readonly narrowing: Narrowing;
  readonly maxStopsPerRun: number;
  readonly force: boolean;
  readonly saeBatch: boolean;
  readonly pollMs: number;
  readonly sleep: (ms: number) => Promise<void>;
  /** Hears progress: resources done of those acted on, and what the run waits for. */
  readonly onProgress?: (progress: { done: number; total: number; waitingFor?: string }) => void;
}

export interface RuleSummary {
  readonly name: string;
  readonly action?: Action;
  readonly reason: string;
}

export interface RunReport {
  readonly at: string;
  readonly tick: number;
  readonly dryRun: boolean;
  readonly rules: RuleSummary[];
  readonly results: ResourceResult[];
  /** Explicit ids the cloud does not know. */
  readonly missing: Missing[];
  /** Products and regions whose listing failed; their targets were not acted on. */
  readonly unresolved: Array<{ product: 'sae' | 'swas'; region: string; code: string; message: string }>;
  /** Set when the blast-radius guard held the run back. */
  readonly guard?: string;
  readonly counts: Record<Outcome, number>;
  /** False when anything failed or was deferred: the function then fails, and FC retries. */
  readonly ok: boolean;
}

/**
 * One run for instant T.
 * @example await runTick({ at: Date.parse(event.triggerTime), tick: 300_000, rules, apis, deadline, dryRun: false, ... })
 */
export async function runTick(options: TickOptions): Promise<RunReport> {
  const T = options.at;
  const { intents, quiet } = intentsAt(options.rules, T, options.tick, options.narrowing);
  const resolution = await resolveTargets(intents, options.apis);
  const { decisions, guard } = decide(intents, resolution.selected, {
    at: T,
    maxStopsPerRun: options.maxStopsPerRun,
    force: options.force,
  });

  const context = {
    apis: options.apis,
    deadline: options.deadline,
    dryRun: options.dryRun || guard !== undefined,
    sleep: options.sleep,
    pollMs: options.pollMs,
    runAt: T,
    saeBatch: options.saeBatch,
    denied: new Map(),
    ...(options.onProgress ? { progress: progressOf(options.onProgress, () => acting.length) } : {}),
  };
  const acting = decisions.filter((d) => d.verdict === 'act');
  const [sae, swas] = await Promise.all([
    executeSae(
      acting.filter((d) => d.resource.product === 'sae'),
      context,
    ),
    executeSwas(
      acting.filter((d) => d.resource.product === 'swas'),
      context,
    ),
  ]);
  const results = [...decisions.filter((d) => d.verdict === 'skip').map(skippedResult), ...sae, ...swas].sort(
    (a, b) =>
      a.product.localeCompare(b.product) ||
      a.region.localeCompare(b.region) ||
      a.name.localeCompare(b.name) ||
      a.action.localeCompare(b.action),
  );

  const unresolved = resolution.failures.map((f) => ({
    product: f.product,
    region: f.region,
    code: f.error.code,
    message: f.error.message,
  }));
  const counts = countOutcomes(results);
  // A missing explicit id is reported, not failed: retrying the run would not make it appear.
  const ok = counts.failed === 0 && counts.deferred === 0 && unresolved.length === 0 && guard === undefined;
  return {
    at: new Date(T).toISOString(),
    tick: options.tick,
    dryRun: options.dryRun,
    rules: [
      ...intents.map(({ rule, intent }) => ({ name: rule.name, action: intent.action, reason: intent.reason })),
      ...quiet.map((q: Quiet) => ({ name: q.rule, reason: q.reason })),
    ],
    results,
    missing: resolution.missing,
    unresolved,
    ...(guard ? { guard } : {}),
    counts,
    ok,
  };
}

function progressOf(listener: NonNullable<TickOptions['onProgress']>, total: () => number): Progress {
  let done = 0;
  return {
    finished: () => listener({ done: ++done, total: total() }),
    waiting: (what) => listener({ done, total: total(), waitingFor: what }),
  };
}

function countOutcomes(results: readonly ResourceResult[]): Record<Outcome, number> {
  const counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  for (const r of results) counts[r.outcome] += 1;
  return counts;
}

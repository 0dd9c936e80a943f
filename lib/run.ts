import type { CloudApis, Unreadable } from './cloud/api.js';
import { decide } from './plan/decide.js';
import { intentsAt, type Quiet } from './plan/intents.js';
import { resolveTargets, type Missing } from './plan/resolve.js';
import { readOnly, refusing } from './cloud/refuse.js';
import type { Settings } from './config.js';
import type { Clock } from './execute/clock.js';
import type { ExecuteContext, Progress } from './execute/context.js';
import type { Deadline } from './execute/deadline.js';
import { executeSae } from './execute/sae.js';
import { executeSwas } from './execute/swas.js';
import { executeKeep } from './execute/keep.js';
import { keepInstances } from './plan/keep.js';
import { onlyEnded, snoozeEndIntents } from './plan/snooze.js';
import { forgetEndedSnoozes } from './execute/snooze.js';
import { OUTCOMES, skippedResult, type BatchRecord, type Outcome, type ResourceResult } from './execute/result.js';
import { narrowingOf, type RunRequest } from './request.js';
import { deliver, type Addressed } from './notify/deliver.js';
import type { Delivery, Notifier } from './notify/send.js';
import { beforeStopDue, beforeStopNotice, failureNotices, summaryNotices } from './notices.js';
import type { Action, Rule } from './schedule/rule.js';

/**
 * runTick: the one core that the Function Compute handler, `offpeak run` and the tests all call.
 * Every door only turns its input into a RunRequest; this reads it the same way for all of them.
 * Load (done by the door) → intents at `at` → resolve targets → decide → act → report.
 */

/**
 * A run that begins this long after its tick instant may be a repeat of one that already acted (a
 * timer's first try begins within seconds of it): it reads before it stops what a person may have
 * started since.
 */
const LATE_MS = 60_000;

/** The settings a run reads (lib/config.ts makes them from the environment). */
export type RunSettings = Pick<Settings, 'tick' | 'maxStopsPerRun' | 'saeBatch' | 'pollMs'>;

/** What a run is given rather than told: the loaded rules, the clients, the clock and the deadline. */
export interface RunDeps {
  readonly rules: readonly Rule[];
  /** The clients, already behind the gate (pacing, retries, deadline). */
  readonly apis: CloudApis;
  readonly clock: Clock;
  readonly deadline: Deadline;
  /** Hears progress: resources done of those acted on, and what the run waits for. */
  readonly onProgress?: (progress: { done: number; total: number; waitingFor?: string }) => void;
  /**
   * Hears each resource's result as soon as it is known (the skipped ones once decided, the others
   * as they finish), so the function's log grows with the run instead of all at its end.
   */
  readonly onResult?: (result: ResourceResult, run: { readonly at: string; readonly dryRun: boolean }) => void;
  /** Posts the rules' notices (lib/notify); without it a run sends none and reports so. */
  readonly notifier?: Notifier;
  /** The member account this run is the part of (lib/fleet.ts), named in its notices; absent for the function's own. */
  readonly account?: string;
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
  /** Requests sent for many resources at once; results name theirs (`batch`). */
  readonly batches: BatchRecord[];
  /** Explicit ids the cloud does not know. */
  readonly missing: Missing[];
  /** Listing rows that could not be read: those resources were left alone. */
  readonly unreadable: Unreadable[];
  /** Products and regions whose listing failed; their targets were not acted on. */
  readonly unresolved: Array<{ product: 'sae' | 'swas'; region: string; code: string; message: string }>;
  /** Set when the blast-radius guard held the run back. */
  readonly guard?: string;
  /** A wake's end and length (lib/wake.ts), when the run was one. */
  readonly wake?: { readonly until: string; readonly for: number; readonly reason?: string };
  /** Messages posted to the rules' channels (only when there were any); they never fail the run. */
  readonly notices?: Delivery[];
  readonly counts: Record<Outcome, number>;
  /** False when anything failed or was deferred: the function then fails, and FC retries. */
  readonly ok: boolean;
  /** Member accounts whose role could not be assumed: their targets failed (lib/fleet.ts). */
  readonly accountFailures?: AccountFailure[];
  /** The accounts sent to run on their own, as async invocations of the function (lib/fleet.ts). */
  readonly shards?: ShardRecord[];
}

/** A member account the run could not reach. */
export interface AccountFailure {
  readonly account: string;
  readonly code: string;
  readonly message: string;
}

/** One account's work sent to its own run: the invocation's request id, or why it could not be sent. */
export type ShardRecord =
  | { readonly account: string; readonly sent: true; readonly requestId: string }
  | { readonly account: string; readonly sent: false; readonly code: string; readonly message: string };

/**
 * One run at the request's tick instant (its `at`, else now by the clock).
 * @throws RequestError before any cloud call when the request names a rule the schedules lack.
 * @example await runTick({ trigger: 'timer', at: Date.parse(event.triggerTime), dryRun: false, force: false }, settings, deps)
 */
export async function runTick(request: RunRequest, settings: RunSettings, deps: RunDeps): Promise<RunReport> {
  const narrowing = narrowingOf(
    request,
    deps.rules.map((r) => r.name),
  );
  const at = request.at ?? deps.clock.now();
  const { intents: edgeIntents, quiet } = intentsAt(deps.rules, at, settings.tick, narrowing);
  // Rules that let people wake their targets watch for snoozes that ended (plan/snooze.ts).
  const snoozeRules = snoozeEndIntents(deps.rules, at, new Set(edgeIntents.map((i) => i.rule.name)), narrowing);
  const intents = [...edgeIntents, ...snoozeRules];
  // A dry run's client cannot mutate at all; it lists and reads exactly as a real run does.
  const apis = request.dryRun ? readOnly(deps.apis) : deps.apis;
  // Rules announcing a stop edge that is not yet due list their targets too, to name them.
  const announcing = beforeStopDue(deps.rules, at, settings.tick, narrowing);
  const announcingOnly = announcing.filter((d) => !intents.some((i) => i.rule.name === d.rule.name));
  const [resolution, announced] = await Promise.all([
    resolveTargets(intents, apis),
    announcingOnly.length ? resolveTargets(announcingOnly, apis) : undefined,
  ]);
  const selected = snoozeRules.length ? onlyEnded(resolution.selected, snoozeRules, at) : resolution.selected;
  const decided = decide(intents, selected, { at, maxStopsPerRun: settings.maxStopsPerRun, force: request.force });
  const guard = decided.guard;
  const decisions = keepInstances(decided.decisions, deps.rules);

  // Rescales (offPeakInstances) go their own way, and so do the skips that only forget a count.
  const keeping = decisions.filter((d) => d.rescale !== undefined);
  const acting = decisions.filter((d) => d.verdict === 'act');
  const skipped = decisions.filter((d) => d.verdict === 'skip' && d.rescale === undefined).map(skippedResult);
  const mark = { at: new Date(at).toISOString(), dryRun: request.dryRun };
  if (deps.onResult) for (const r of skipped) deps.onResult(r, mark);
  const batches: BatchRecord[] = [];
  const context: ExecuteContext = {
    // The guard holds the stops only (decide made them `held`); its client refuses any stop all the same.
    apis: guard === undefined ? apis : refusing(apis, ['stop'], 'guard'),
    deadline: deps.deadline,
    sleep: (ms) => deps.clock.sleep(ms),
    pollMs: settings.pollMs,
    at,
    late: deps.clock.now() - at > LATE_MS,
    saeBatch: settings.saeBatch,
    denied: new Map(),
    batches,
    ...(deps.onProgress || deps.onResult
      ? { progress: progressOf(deps, acting.length + keeping.filter((d) => d.verdict === 'skip').length, mark) }
      : {}),
  };
  const beforeStop: Addressed[] = announcing.flatMap((due) => {
    const resources = resolution.selected.get(due.rule.name) ?? announced?.selected.get(due.rule.name) ?? [];
    const notice = beforeStopNotice(due, resources, at, deps.account);
    return notice ? [{ notice, channels: due.rule.notify!.channels }] : [];
  });
  // Sent beside the stops, never before them: a slow channel cannot hold a stop back.
  const sendingBeforeStop = deliver(beforeStop, deps.notifier, request.dryRun);
  const [keep, sae, swas] = await Promise.all([
    executeKeep(keeping, context),
    executeSae(
      acting.filter((d) => d.resource.product === 'sae' && d.rescale === undefined),
      context,
    ),
    // Every SWAS decision, not only those to act on: a batch's ClientToken is named by all the
    // instances of its edge, whatever their state (lib/execute/swas.ts).
    executeSwas(
      decisions.filter((d) => d.resource.product === 'swas'),
      context,
    ),
  ]);
  const forgotten = await forgetEndedSnoozes(decisions, deps.rules, context);
  const results = [...skipped, ...keep, ...sae, ...swas]
    .map((r) => withSnoozeNote(r, forgotten))
    .sort(
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
  const facts = { at, results, unresolved, ...(guard ? { guard } : {}), ...(deps.account ? { account: deps.account } : {}) };
  const ran = intents.map((i) => i.rule);
  const afterRun: Addressed[] = [...failureNotices(ran, facts), ...summaryNotices(ran, facts)].map((notice) => ({
    notice,
    channels: ran.find((r) => r.name === notice.rule)!.notify!.channels,
  }));
  const notices = [...(await sendingBeforeStop), ...(await deliver(afterRun, deps.notifier, request.dryRun))];
  const counts = countOutcomes(results);
  // A missing explicit id is reported, not failed: retrying the run would not make it appear.
  const ok = counts.failed === 0 && counts.deferred === 0 && unresolved.length === 0 && guard === undefined;
  return {
    at: mark.at,
    tick: settings.tick,
    dryRun: request.dryRun,
    rules: [
      ...edgeIntents.map(({ rule, intent }) => ({ name: rule.name, action: intent.action, reason: intent.reason })),
      ...quiet.map((q: Quiet) => ({ name: q.rule, reason: q.reason })),
    ],
    results,
    batches,
    missing: resolution.missing,
    unreadable: resolution.unreadable,
    unresolved,
    ...(guard ? { guard } : {}),
    ...(notices.length ? { notices } : {}),
    counts,
    ok,
  };
}

/** A result with what became of its ended snooze tag, if it had one. */
function withSnoozeNote(result: ResourceResult, forgotten: ReadonlyMap<string, string>): ResourceResult {
  const note = forgotten.get(`${result.product}:${result.region}:${result.id}`);
  return note ? { ...result, detail: result.detail ? `${result.detail}; ${note}` : note } : result;
}

function progressOf(deps: RunDeps, total: number, mark: { at: string; dryRun: boolean }): Progress {
  let done = 0;
  return {
    finished: (result) => {
      deps.onResult?.(result, mark);
      deps.onProgress?.({ done: ++done, total });
    },
    waiting: (what) => deps.onProgress?.({ done, total, waitingFor: what }),
  };
}

function countOutcomes(results: readonly ResourceResult[]): Record<Outcome, number> {
  const counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  for (const r of results) counts[r.outcome] += 1;
  return counts;
}

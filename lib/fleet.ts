import type { CloudApis } from './cloud/api.js';
import type { FanOut } from './config.js';
import { OffpeakError, quoteList } from './errors.js';
import { OUTCOMES, type Outcome, type ResourceResult } from './execute/result.js';
import { membersWithWork, ownHasWork, rulesInAccount, unreachedTargets, type AccountKey } from './plan/accounts.js';
import { intentsAt } from './plan/intents.js';
import { narrowingOf, RequestError, type RunRequest } from './request.js';
import { runWake } from './wake.js';
import { runTick, type RunDeps, type RunReport, type RunSettings, type ShardRecord } from './run.js';
import type { Account } from './schedule/accounts.js';

/**
 * runFleet: a run over every account the schedules name. The function's own account and each
 * member account are runs of their own (runTick with that account's targets and clients), so rate
 * limits, retries and the blast-radius guard count per account, and a member whose role cannot be
 * assumed fails alone. A timer run may send members' work to runs of their own instead: one async
 * invocation of the function per member ("shards"), which FC queues, retries and logs apart; a
 * shard names its account (`accounts`) and never sends further. Without members this is runTick.
 */

export type FleetSettings = RunSettings & { readonly fanOut: FanOut };

/** The event that runs one member account's part on its own: the manual event plus `accounts`. */
export interface ShardEvent {
  readonly at: string;
  readonly accounts: readonly [string];
  readonly dryRun?: true;
  readonly force?: true;
  readonly rules?: readonly string[];
  readonly action?: 'stop' | 'start';
}

export interface FleetDeps extends Omit<RunDeps, 'apis' | 'account'> {
  readonly accounts: ReadonlyMap<string, Account>;
  /**
   * The clients of one account, each behind its own gate (its own pacing): the function's own for
   * undefined, else the member's, its role assumed once. Throws an OffpeakError with a code when
   * the role cannot be assumed (lib/cloud/assume.ts AccountAccessError); that account then fails.
   */
  readonly connect: (account: Account | undefined) => Promise<CloudApis>;
  /** Sends a shard as an async invocation of this function; absent where a run cannot (the CLI). */
  readonly dispatch?: (event: ShardEvent) => Promise<{ requestId: string }>;
}

/**
 * One run at the request's tick instant, over every account with work.
 * @throws RequestError before any cloud call for a rule or account the schedules lack.
 * @example await runFleet(parseEvent(event), settings, { rules, accounts, connect, dispatch, clock, deadline })
 */
export async function runFleet(request: RunRequest, settings: FleetSettings, deps: FleetDeps): Promise<RunReport> {
  checkAccounts(request, deps.accounts);
  // A wake starts named targets now (lib/wake.ts), each in its account, with that account's clients.
  if (request.wake)
    return runWake(request.wake, request, settings, {
      ...deps,
      connect: (account) => deps.connect(account === undefined ? undefined : deps.accounts.get(account)!),
    });
  const narrowing = narrowingOf(
    request,
    deps.rules.map((r) => r.name),
  );
  const at = request.at ?? deps.clock.now();
  const { intents } = intentsAt(deps.rules, at, settings.tick, narrowing);

  // A shard runs the accounts it names; any other run its own account and the members with work.
  const members = request.accounts ? [...request.accounts] : membersWithWork(intents);
  const own = request.accounts === undefined;
  const remote = shardable(request, settings.fanOut, deps.dispatch !== undefined, members, ownHasWork(intents));
  const local: AccountKey[] = [...(own ? [undefined] : []), ...members.filter((m) => !remote.includes(m))];

  // Shards first: they start while this run does its own part.
  const fixed = { ...request, at };
  const progress = sharedProgress(deps.onProgress);
  const [shards, parts] = await Promise.all([
    Promise.all(remote.map((account) => sendShard(account, fixed, deps.dispatch!))),
    Promise.all(local.map((account) => runPart(account, fixed, settings, { ...deps, ...progress(account) }, intents))),
  ]);
  return merge(parts, shards);
}

/**
 * The request's `accounts` are all declared; asked by runFleet, and by a door that wants the answer
 * before it starts anything.
 * @throws RequestError naming the unknown ones and the declared ones.
 */
export function checkAccounts(request: Pick<RunRequest, 'accounts'>, accounts: ReadonlyMap<string, Account>): void {
  const unknown = (request.accounts ?? []).filter((a) => !accounts.has(a));
  if (unknown.length > 0)
    throw new RequestError(
      'accounts',
      `no account named ${quoteList(unknown)}; the schedules declare ${quoteList([...accounts.keys()], 20) || 'no accounts'}`,
    );
}

/** Each part's progress, heard as the sum of all parts' (a terminal shows one count for the run). */
function sharedProgress(onProgress: RunDeps['onProgress']): (account: AccountKey) => Pick<RunDeps, 'onProgress'> {
  if (!onProgress) return () => ({});
  const parts = new Map<AccountKey, { done: number; total: number }>();
  return (account) => ({
    onProgress: ({ done, total, waitingFor }) => {
      parts.set(account, { done, total });
      const sum = [...parts.values()].reduce((a, p) => ({ done: a.done + p.done, total: a.total + p.total }), { done: 0, total: 0 });
      onProgress({ ...sum, ...(waitingFor ? { waitingFor: account ? `${account}: ${waitingFor}` : waitingFor } : {}) });
    },
  });
}

/** The members sent to runs of their own: only from a timer run that may fan out, never from a shard. */
function shardable(request: RunRequest, fanOut: FanOut, canDispatch: boolean, members: readonly string[], ownWork: boolean): string[] {
  if (!canDispatch || request.trigger !== 'timer' || request.accounts !== undefined || fanOut === 'off') return [];
  if (fanOut === 'auto' && members.length + (ownWork ? 1 : 0) < 2) return [];
  return [...members];
}

async function sendShard(
  account: string,
  request: RunRequest & { at: number },
  dispatch: NonNullable<FleetDeps['dispatch']>,
): Promise<ShardRecord> {
  const event: ShardEvent = {
    at: new Date(request.at).toISOString(),
    accounts: [account],
    ...(request.dryRun ? { dryRun: true as const } : {}),
    ...(request.force ? { force: true as const } : {}),
    ...(request.rules ? { rules: request.rules } : {}),
    ...(request.action ? { action: request.action } : {}),
  };
  try {
    const { requestId } = await dispatch(event);
    return { account, sent: true, requestId };
  } catch (error) {
    const e = error instanceof OffpeakError ? error : undefined;
    return { account, sent: false, code: e?.code ?? 'InvokeFailed', message: e?.message ?? String(error) };
  }
}

type Part = { readonly account: AccountKey; readonly report: RunReport } | { readonly account: string; readonly failure: RunReport };

/** One account's run: its clients, its targets, its limits. An account that cannot be reached fails its targets. */
async function runPart(
  account: AccountKey,
  request: RunRequest & { at: number },
  settings: RunSettings,
  deps: FleetDeps,
  intents: ReturnType<typeof intentsAt>['intents'],
): Promise<Part> {
  const member = account === undefined ? undefined : deps.accounts.get(account)!;
  let apis: CloudApis;
  try {
    apis = await deps.connect(member);
  } catch (error) {
    if (account === undefined || !(error instanceof OffpeakError) || error.code === undefined) throw error;
    return { account, failure: unreached(account, error, request, settings, intents, deps) };
  }
  const tag = <T extends object>(item: T): T => (account === undefined ? item : { ...item, account });
  const onResult = deps.onResult && ((result: ResourceResult, mark: { at: string; dryRun: boolean }) => deps.onResult!(tag(result), mark));
  const report = await runTick(request, settings, {
    ...deps,
    rules: rulesInAccount(deps.rules, account),
    apis,
    ...(onResult ? { onResult } : {}),
    ...(account !== undefined ? { account } : {}),
  });
  return { account, report };
}

/** The report of an account whose role could not be assumed: each target it would have acted on, failed. */
function unreached(
  account: string,
  error: OffpeakError,
  request: RunRequest & { at: number },
  settings: RunSettings,
  intents: ReturnType<typeof intentsAt>['intents'],
  deps: FleetDeps,
): RunReport {
  const mark = { at: new Date(request.at).toISOString(), dryRun: request.dryRun };
  const results: ResourceResult[] = unreachedTargets(intents, account).map((t) => ({
    account,
    product: t.product,
    region: t.region,
    id: t.id,
    name: t.id,
    action: t.intent.action,
    rules: [t.rule.name],
    outcome: 'failed',
    reason: t.intent.reason,
    detail: error.message,
    code: error.code,
  }));
  for (const r of results) deps.onResult?.(r, mark);
  return {
    ...mark,
    tick: settings.tick,
    rules: [],
    results,
    batches: [],
    missing: [],
    unreadable: [],
    unresolved: [],
    counts: countOf(results),
    ok: false,
    accountFailures: [{ account, code: error.code, message: error.message }],
  };
}

/** The parts as one report: every account's results, in account order, and the shards sent. */
function merge(parts: readonly Part[], shards: readonly ShardRecord[]): RunReport {
  const reports = parts.map((p) => ('report' in p ? tagged(p.account, p.report) : p.failure));
  const first = parts.find((p): p is Extract<Part, { report: RunReport }> => 'report' in p)?.report ?? reports[0]!;
  const results = reports.flatMap((r) => r.results);
  const guards = parts.flatMap((p) =>
    'report' in p && p.report.guard ? [p.account ? `account ${p.account}: ${p.report.guard}` : p.report.guard] : [],
  );
  const accountFailures = reports.flatMap((r) => r.accountFailures ?? []);
  const ok = reports.every((r) => r.ok) && shards.every((s) => s.sent);
  return {
    at: first.at,
    tick: first.tick,
    dryRun: first.dryRun,
    rules: first.rules,
    results,
    batches: reports.flatMap((r) => r.batches),
    missing: reports.flatMap((r) => r.missing),
    unreadable: reports.flatMap((r) => r.unreadable),
    unresolved: reports.flatMap((r) => r.unresolved),
    ...(guards.length ? { guard: guards.join('; ') } : {}),
    counts: countOf(results),
    ok,
    ...(accountFailures.length ? { accountFailures } : {}),
    ...(shards.length ? { shards: [...shards] } : {}),
  };
}

/** A member's report with the account on everything it lists; its batches' ids say the account too, as results name them. */
function tagged(account: AccountKey, report: RunReport): RunReport {
  if (account === undefined) return report;
  const batchId = (id: string) => `${account}:${id}`;
  return {
    ...report,
    results: report.results.map((r) => ({ ...r, account, ...(r.batch ? { batch: batchId(r.batch) } : {}) })),
    batches: report.batches.map((b) => ({ ...b, id: batchId(b.id), account })),
    missing: report.missing.map((m) => ({ ...m, account })),
    unreadable: report.unreadable.map((u) => ({ ...u, account })),
    unresolved: report.unresolved.map((u) => ({ ...u, account })),
  };
}

function countOf(results: readonly ResourceResult[]): Record<Outcome, number> {
  const counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  for (const r of results) counts[r.outcome] += 1;
  return counts;
}

import type { CloudApis } from './cloud/api.js';
import { CloudError } from './cloud/errors.js';
import { withLedger } from './cloud/ledger.js';
import { readOnly } from './cloud/refuse.js';
import { OffpeakError, quote, quoteList } from './errors.js';
import { resultOfError, type ExecuteContext } from './execute/context.js';
import { follow } from './execute/keep.js';
import { pooled } from './execute/pool.js';
import { OUTCOMES, type Outcome, type ResourceResult } from './execute/result.js';
import { clientToken } from './execute/token.js';
import { deliver } from './notify/deliver.js';
import type { Notice } from './notify/message.js';
import type { Resource } from './plan/decide.js';
import { accountsOf, rulesInAccount, type AccountKey } from './plan/accounts.js';
import { resolveTargets, type Resolution } from './plan/resolve.js';
import { holdReason, SNOOZE_TAG } from './plan/targets.js';
import { narrowingOf, type RunRequest, type WakeAsk } from './request.js';
import type { AccountFailure, RunDeps, RunReport, RunSettings } from './run.js';
import { formatDuration } from './schedule/duration.js';
import type { Rule } from './schedule/rule.js';
import { formatLocal } from './schedule/zone.js';

/**
 * Self-service wake: "keep dev-api up for three hours" without an admin. The named resources (a
 * rule's targets, or apps and instances by name or id) are started now and tagged
 * `offpeak-snooze-until` with the end instant, so every run leaves them alone until then; the end
 * is an edge of its own (plan/snooze.ts): the first run after it stops them again if the rule is
 * off-peak. Only targets of rules with `wake` may be woken, for at most that long: the rule's owner
 * decides, and the function's role gets the tag permissions only then (lib/policy).
 */

export type { WakeAsk };

/** A wake the schedules do not allow, or that names nothing: the message says what to fix. */
export class WakeError extends OffpeakError {
  override readonly name = 'WakeError';
  constructor(message: string) {
    super(message, { code: 'WakeInvalid' });
  }
}

/** Resources woken at once. */
const IN_FLIGHT = 8;

/** What a wake needs: a run's deps, with each account's clients in place of one account's. */
export interface WakeDeps extends Omit<RunDeps, 'apis' | 'account'> {
  /**
   * The clients of one account, the function's own for undefined (lib/fleet.ts `FleetDeps.connect`).
   * Throws an OffpeakError with a code when a member's role cannot be assumed: that account fails.
   */
  readonly connect: (account: AccountKey) => Promise<CloudApis>;
}

interface Target {
  readonly account: AccountKey;
  readonly resource: Resource;
  readonly rules: Rule[];
}

/** One account's part of a wake: its clients and what its listings found, or why it was not reached. */
type Reach =
  | { readonly account: AccountKey; readonly apis: CloudApis; readonly resolution: Resolution }
  | { readonly account: string; readonly failure: AccountFailure };

/**
 * Wakes the asked targets as of `at` (the request's, else now) until `at + for`, in every account
 * whose targets a waking rule names: each account's targets are listed and woken with its own
 * clients, as a run's parts are (lib/fleet.ts).
 * @throws WakeError when a named rule does not allow waking, a name matches nothing, or `for` is too long.
 */
export async function runWake(ask: WakeAsk, request: RunRequest, settings: RunSettings, deps: WakeDeps): Promise<RunReport> {
  // The same checks of the request as a tick's (a wake goes alone, the rule names exist).
  narrowingOf(
    request,
    deps.rules.map((r) => r.name),
  );
  const at = request.at ?? deps.clock.now();
  const until = at + ask.for;
  const byName = new Map(deps.rules.map((r) => [r.name, r]));
  const waking = deps.rules.filter((r) => r.wake !== undefined);
  for (const name of ask.targets) {
    const rule = byName.get(name);
    if (rule && rule.wake === undefined)
      throw new WakeError(`rule ${quote(name)} does not let people wake its targets; add 'wake: 4h' (the longest wake) to the rule`);
  }
  if (waking.length === 0) throw new WakeError("no rule lets people wake its targets; add 'wake: 4h' (the longest wake) to a rule");

  const reaches = await Promise.all(accountsOf(waking).map((account) => reach(account, waking, request.dryRun, deps)));
  const reached = reaches.filter((r): r is Extract<Reach, { apis: CloudApis }> => 'apis' in r);
  const accountFailures = reaches.flatMap((r) => ('failure' in r ? [r.failure] : []));
  const found = new Map<string, Target>();
  const add = (account: AccountKey, resource: Resource, rule: Rule) => {
    if (holdReason(resource, rule.exclude, Number.POSITIVE_INFINITY)?.kind === 'excluded') return;
    const key = `${account ?? ''}:${resource.product}:${resource.region}:${resource.id}`;
    const target = found.get(key) ?? { account, resource, rules: [] };
    if (!target.rules.includes(rule)) target.rules.push(rule);
    found.set(key, target);
  };
  const unreached = new Set(accountFailures.map((f) => f.account));
  /** True when an account out of reach may hold some of what was asked: the wake is then not whole. */
  let short = false;
  for (const name of ask.targets) {
    const rule = byName.get(name);
    if (rule) {
      for (const { account, resolution } of reached) for (const r of resolution.selected.get(name) ?? []) add(account, r, rule);
      if (accountsOf([rule]).some((a) => a !== undefined && unreached.has(a))) short = true;
      continue;
    }
    let matched = 0;
    for (const { account, resolution } of reached)
      for (const w of waking)
        for (const r of resolution.selected.get(w.name) ?? [])
          if (r.id === name || r.name === name) {
            add(account, r, w);
            matched += 1;
          }
    // A failed listing or an account out of reach may hide the name: that is reported, not called a wrong name.
    if (matched === 0 && unreached.size > 0) short = true;
    if (matched === 0 && unreached.size === 0 && reached.every((r) => r.resolution.failures.length === 0))
      throw new WakeError(
        `${quote(name)} is not a rule, nor an app or instance that a rule lets people wake; rules with wake: ${quoteList(
          waking.map((r) => r.name),
          10,
        )}`,
      );
  }
  const targets = [...found.values()];
  for (const t of targets) {
    const longest = Math.max(...t.rules.map((r) => r.wake!));
    if (ask.for > longest)
      throw new WakeError(
        `--for ${formatDuration(ask.for)} is longer than ${t.resource.name} may be woken (rule ${t.rules.map((r) => r.name).join(', ')}: wake ${formatDuration(longest)})`,
      );
  }

  const zone = targets[0]?.rules[0]?.timezone ?? waking[0]!.timezone;
  const reason = `woken until ${formatLocal(until, zone)} (${formatDuration(ask.for)})${ask.reason ? `: ${ask.reason}` : ''}`;
  // Each account's targets are woken with its clients; the run's time and clock are one.
  const contexts = new Map(
    reached.map(({ account, apis }): [AccountKey, ExecuteContext] => [
      account,
      {
        apis,
        deadline: deps.deadline,
        sleep: (ms) => deps.clock.sleep(ms),
        pollMs: settings.pollMs,
        at,
        late: false,
        saeBatch: false,
        denied: new Map(),
        batches: [],
      },
    ]),
  );
  const results = await pooled(targets, IN_FLIGHT, async (t) => {
    const result = await wakeOne(t, reason, until, contexts.get(t.account)!);
    return t.account === undefined ? result : { ...result, account: t.account };
  });
  results.sort(
    (a, b) =>
      (a.account ?? '').localeCompare(b.account ?? '') ||
      a.product.localeCompare(b.product) ||
      a.region.localeCompare(b.region) ||
      a.name.localeCompare(b.name),
  );
  for (const r of results) deps.onResult?.(r, { at: new Date(at).toISOString(), dryRun: request.dryRun });

  const rules = [...new Set(targets.flatMap((t) => t.rules))];
  const announced = rules.flatMap((rule) => {
    if (!rule.notify) return [];
    const mine = results.filter((r) => r.rules.includes(rule.name));
    const notice: Notice = {
      kind: 'wake',
      rule: rule.name,
      title: `offpeak: ${mine.length === 1 ? mine[0]!.name : `${mine.length} resources of rule ${rule.name}`} ${reason}`,
      lines: [
        ...mine
          .slice(0, 10)
          .map((r) => `- ${r.outcome} ${r.product.toUpperCase()} ${r.region} ${r.name}${r.account ? ` (account ${r.account})` : ''}`),
        `The schedule leaves ${mine.length === 1 ? 'it' : 'them'} running until ${formatLocal(until, rule.timezone)}; the first run after that stops ${mine.length === 1 ? 'it' : 'them'} again while off-peak.`,
      ],
    };
    return [{ notice, channels: rule.notify.channels }];
  });
  const notices = await deliver(announced, deps.notifier, request.dryRun);

  const counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  for (const r of results) counts[r.outcome] += 1;
  const inAccount = <T extends object>(account: AccountKey, item: T): T => (account === undefined ? item : { ...item, account });
  const unresolved = reached.flatMap(({ account, resolution }) =>
    resolution.failures.map((f) =>
      inAccount(account, { product: f.product, region: f.region, code: f.error.code, message: f.error.message }),
    ),
  );
  return {
    at: new Date(at).toISOString(),
    tick: settings.tick,
    dryRun: request.dryRun,
    rules: rules.map((r) => ({ name: r.name, action: 'start' as const, reason })),
    results,
    batches: [],
    missing: [],
    unreadable: reached.flatMap(({ account, resolution }) => resolution.unreadable.map((u) => inAccount(account, u))),
    unresolved,
    ...(notices.length ? { notices } : {}),
    counts,
    ok: counts.failed === 0 && counts.deferred === 0 && unresolved.length === 0 && !short,
    ...(accountFailures.length ? { accountFailures } : {}),
    wake: { until: new Date(until).toISOString(), for: ask.for, ...(ask.reason ? { reason: ask.reason } : {}) },
  };
}

/** One account's clients (read-only for a dry run) and the waking rules' targets in it. */
async function reach(account: AccountKey, waking: readonly Rule[], dryRun: boolean, deps: WakeDeps): Promise<Reach> {
  let apis: CloudApis;
  try {
    apis = await deps.connect(account);
  } catch (error) {
    // A member that cannot be reached fails alone, as in a run; the function's own account failing is the run's failure.
    if (account === undefined || !(error instanceof OffpeakError) || error.code === undefined) throw error;
    return { account, failure: { account, code: error.code, message: error.message } };
  }
  if (dryRun) apis = readOnly(apis);
  const resolution = await resolveTargets(
    rulesInAccount(waking, account).map((rule) => ({ rule })),
    apis,
  );
  return { account, apis, resolution };
}

/** Tags one resource until `until`, then starts it if it is down. */
async function wakeOne(t: Target, reason: string, until: number, ctx: ExecuteContext): Promise<ResourceResult> {
  const { resource } = t;
  const { product, region, id } = resource;
  const base = { product, region, id, name: resource.name, action: 'start' as const, rules: t.rules.map((r) => r.name), reason };
  const started = ctx.deadline.clock.now();
  const { value, ledger } = await withLedger(async (): Promise<ResourceResult> => {
    try {
      // The snooze first: once started, no run may stop it before `until`.
      await ctx.apis[product].tag(region, [id], { [SNOOZE_TAG]: new Date(until).toISOString() });
      const detail = `${SNOOZE_TAG}=${new Date(until).toISOString()}`;
      if (resource.state === 'running' || resource.state === 'starting') return { ...base, outcome: 'already-running', detail };
      if (product === 'swas') {
        const token = clientToken({ rules: ['wake'], action: 'start', at: until, ids: [id], round: 0 });
        await ctx.apis.swas.startInstances(region, [id], token);
        return { ...base, outcome: 'starting', detail };
      }
      let orderId: string;
      try {
        orderId = await ctx.apis.sae.start(region, id);
      } catch (error) {
        // InvalidStatus: it is not stopped after all (started since the listing).
        if (error instanceof CloudError && error.kind === 'state') return { ...base, outcome: 'already-running', detail };
        throw error;
      }
      const order = await follow(region, orderId, ctx);
      if (order.succeeded) return { ...base, outcome: 'started', detail, changeOrderId: orderId };
      return {
        ...base,
        outcome: 'failed',
        code: order.stuck ? 'ChangeOrderStuck' : `ChangeOrderStatus${order.status}`,
        detail: `${detail}; the start's change order ${orderId} ended with status ${order.status}`,
        changeOrderId: orderId,
      };
    } catch (error) {
      return resultOfError(base, error, ctx);
    }
  });
  return {
    ...value,
    attempts: ledger.calls,
    ...(ledger.requestIds.length ? { requestIds: [...ledger.requestIds] } : {}),
    ms: Math.round(ctx.deadline.clock.now() - started),
  };
}

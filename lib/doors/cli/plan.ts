import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { readOnly } from '../../cloud/refuse.js';
import { readSettings, SettingsError, type Settings } from '../../config.js';
import { accountConnector } from '../accounts.js';
import { systemClock } from '../../execute/clock.js';
import { Deadline } from '../../execute/deadline.js';
import { resolveTargets, type Resolution } from '../../plan/resolve.js';
import { rulesInAccount, type AccountKey } from '../../plan/accounts.js';
import type { Resource } from '../../plan/decide.js';
import type { Account } from '../../schedule/accounts.js';
import { holdReason } from '../../plan/targets.js';
import { savedSize } from '../../plan/keep.js';
import { DEFAULT_PRICING, hoursOffPerWeek, saeSavingOf, type Pricing, type Saving } from '../../plan/savings.js';
import { MIN_SAVINGS_DAYS, weekModel, type WeekResource } from '../../plan/week.js';
import { weekHtml } from '../../report/week-html.js';
import { formatDiagnostic, hasErrors, sortDiagnostics } from '../../schedule/diagnostics.js';
import { formatDuration } from '../../schedule/duration.js';
import { loadSchedules } from '../schedule-files.js';
import { outlook } from '../../schedule/outlook.js';
import type { Rule } from '../../schedule/rule.js';
import { dateOfDay, dayOfDate, isValidZone, wallClock } from '../../schedule/zone.js';
import { outlookJson, outlookText } from '../../report/outlook.js';
import { OffpeakError, quote } from '../../errors.js';
import type { Io } from './io.js';
import { durationFlag, instantFlag, integerFlag, parseFlags, UsageError } from './args.js';
import { cloudTarget } from './cloud-target.js';

export const PLAN_USAGE = `usage: offpeak plan [--schedules DIR] [--at ISO] [--tick 5m] [--days N] [--json | --resolve ...]
       offpeak plan --html FILE [--from YYYY-MM-DD] [--days 7] [--tz ZONE] [--resolve ...]
  where --resolve ... is --resolve [--endpoint URL | --sandbox [--seed FILE]]

For each rule: whether it is off-peak at --at (default: now), the edges due in a run for that
instant, and the next edges within --days (default 7).
  --html FILE   write the plan as one self-contained web page instead: a row per rule, the days'
                hours as columns, off-peak shaded, stops and starts, holidays and make-up workdays,
                DST changes, hours off per week, and the warnings of 'offpeak validate'
  --from DATE   the first day of the page, from 00:00 in the display zone (default: today)
  --days N      with --html: days on the page, 1 to 31 (default 7)
  --tz ZONE     the page's display zone, an IANA zone such as Europe/Berlin (default: the first rule's)
  --resolve     list each rule's targets and show them (with --html, a row each under their rule)
                with SAE savings. It only lists; it never stops or starts anything. It asks the
                sandbox at --endpoint URL, an embedded one (--sandbox, demo seed or --seed FILE), or
                your account (ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET / _SECURITY_TOKEN).`;

export async function planCommand(argv: string[], io: Io, now: number): Promise<number> {
  const { values } = parseFlags(argv, {
    schedules: { type: 'string' },
    at: { type: 'string' },
    tick: { type: 'string' },
    days: { type: 'string' },
    json: { type: 'boolean' },
    html: { type: 'string' },
    from: { type: 'string' },
    tz: { type: 'string' },
    resolve: { type: 'boolean' },
    endpoint: { type: 'string' },
    sandbox: { type: 'boolean' },
    seed: { type: 'string' },
  });
  if (values.help) {
    io.out(PLAN_USAGE);
    return 0;
  }
  const html = values.html;
  if (html === undefined && (values.from !== undefined || values.tz !== undefined)) throw new UsageError('--from and --tz go with --html');
  if (html !== undefined && values.json) throw new UsageError('--json and --html exclude each other: choose the script shape or the page');
  // The JSON shape has no savings; listing the cloud for it would be calls for nothing.
  if (values.json && values.resolve) throw new UsageError('--json has no savings, so --resolve goes with the text or --html');
  if (!values.resolve && (values.endpoint !== undefined || values.sandbox || values.seed !== undefined))
    throw new UsageError('--endpoint, --sandbox and --seed go with --resolve');
  if (!values.sandbox && values.seed !== undefined) throw new UsageError('--seed goes with --sandbox');
  if (values.sandbox && values.endpoint !== undefined)
    throw new UsageError('--endpoint and --sandbox exclude each other: --sandbox lists from its own endpoint');
  const at = values.at === undefined ? now : instantFlag('at', values.at);
  const tick = durationFlag('tick', values.tick ?? io.env.OFFPEAK_TICK ?? '5m');
  // A page of more than a month stops being readable; the text can look further ahead.
  const days = html === undefined ? integerFlag('days', values.days ?? '7', 1, 366) : integerFlag('days', values.days ?? '7', 1, 31);
  if (values.tz !== undefined && !isValidZone(values.tz))
    throw new UsageError(`--tz ${quote(values.tz)} is not an IANA time zone; expected a zone such as Asia/Shanghai or Europe/Berlin`);
  const fromDay = values.from === undefined ? undefined : dayOfDate(values.from);
  if (values.from !== undefined && fromDay === undefined)
    throw new UsageError(`--from ${quote(values.from)} is not a date; expected YYYY-MM-DD such as 2026-10-05`);

  const loaded = await loadSchedules([values.schedules ?? 'schedules'], { at });
  const diagnostics = sortDiagnostics(loaded.diagnostics);
  if (hasErrors(diagnostics)) {
    for (const d of diagnostics) io.err(formatDiagnostic(d));
    io.err("the schedules have errors; run 'offpeak validate' and fix them first");
    return 2;
  }
  const pricing = loaded.pricing ?? DEFAULT_PRICING;
  const resolved = values.resolve ? await listTargets(loaded.rules, loaded.accounts, values, io) : undefined;

  if (html !== undefined) {
    const zone = values.tz ?? loaded.rules[0]?.timezone ?? 'UTC';
    const firstDay = fromDay ?? wallClock(zone, at).day;
    const model = weekModel({
      rules: loaded.rules,
      zone,
      firstDay,
      days,
      pricing,
      ...(resolved ? { resources: resolved.resources, problems: resolved.problems } : {}),
      warnings: diagnostics,
    });
    const path = resolve(io.cwd, html);
    try {
      await writeFile(path, weekHtml(model, { files: loaded.files, generatedAt: now }));
    } catch (error) {
      throw new UsageError(`--html: cannot write ${quote(html)}: ${(error as Error).message}`, { cause: error });
    }
    for (const d of diagnostics) io.err(formatDiagnostic(d));
    const count = resolved ? `, ${[...resolved.resources.values()].reduce((n, list) => n + list.length, 0)} resources` : '';
    io.out(
      `wrote ${html}: ${loaded.rules.length} rule${loaded.rules.length === 1 ? '' : 's'}${count}, ${days} day${days === 1 ? '' : 's'} from ${dateOfDay(firstDay)} in ${zone}`,
    );
    return 0;
  }

  const rules = outlook(loaded.rules, { at, tick, horizon: days * 86_400_000 });
  if (values.json) {
    io.out(JSON.stringify(outlookJson(rules, { at, tick: formatDuration(tick) }), null, 2));
  } else {
    for (const d of diagnostics) io.err(formatDiagnostic(d));
    const saeSavings = resolved ? ruleSavings(loaded.rules, resolved.resources, at, days, pricing) : undefined;
    io.out(outlookText(rules, { at, tick, days, ...(saeSavings ? { saeSavings } : {}) }));
  }
  return 0;
}

/** Per rule, the sum of its sized SAE apps' savings, as the text's savings line counts them (from --at). */
function ruleSavings(
  rules: readonly Rule[],
  resources: ReadonlyMap<string, readonly WeekResource[]>,
  at: number,
  days: number,
  pricing: Pricing,
): Map<string, Saving> {
  const out = new Map<string, Saving>();
  for (const rule of rules) {
    const hours = hoursOffPerWeek(rule, at, Math.max(days, MIN_SAVINGS_DAYS));
    const acted = (resources.get(rule.name) ?? []).filter(
      (r) => holdReason(r, rule.exclude, Number.POSITIVE_INFINITY)?.kind !== 'excluded',
    );
    const saving = saeSavingOf(
      hours,
      // A rule that keeps N instances saves only the ones it takes away.
      acted.flatMap((r) => {
        const saved = r.product === 'sae' ? savedSize(rule, r) : undefined;
        return saved ? [saved] : [];
      }),
      pricing,
    );
    if (saving) out.set(rule.name, saving);
  }
  return out;
}

interface Listed {
  readonly resources: Map<string, WeekResource[]>;
  readonly problems: string[];
}

/**
 * `--resolve`: the rules' targets as a run would resolve them, through clients that can only list.
 */
async function listTargets(
  rules: readonly Rule[],
  accounts: ReadonlyMap<string, Account>,
  values: { endpoint?: string | undefined; sandbox?: boolean | undefined; seed?: string | undefined },
  io: Io,
): Promise<Listed> {
  let settings: Settings;
  try {
    settings = readSettings(
      { ...io.env, ...(values.endpoint ? { OFFPEAK_ENDPOINT: values.endpoint } : {}) },
      { schedules: resolve(io.cwd, 'schedules') },
    );
  } catch (error) {
    if (error instanceof SettingsError) throw new UsageError(error.message);
    throw error;
  }
  const target = await cloudTarget(settings, values, io.cwd);
  ({ settings } = target);
  const { credentials } = target;
  if (target.sandboxUrl) io.err(`sandbox at ${target.sandboxUrl}`);
  // Listing a few regions takes seconds; a minute bounds a hanging endpoint.
  const deadline = new Deadline(systemClock.now() + 60_000, systemClock);
  try {
    // Each account's targets are listed with that account's keys (a member's through its role), as
    // a run lists them; an account whose role cannot be assumed is one problem, the others go on.
    const connectTo = accountConnector({ credentials, settings, deadline, clock: systemClock });
    const keys: AccountKey[] = [undefined, ...accounts.keys()];
    const unreached: string[] = [];
    const resolutions = await Promise.all(
      keys.map(async (key): Promise<Resolution | undefined> => {
        const mine = rulesInAccount(rules, key).filter((r) => r.targets.sae.length + r.targets.swas.length > 0);
        if (mine.length === 0) return undefined;
        let apis;
        try {
          apis = await connectTo(key === undefined ? undefined : accounts.get(key));
        } catch (error) {
          if (key === undefined || !(error instanceof OffpeakError)) throw error;
          unreached.push(`account ${key}: its targets are not shown: ${error.message}`);
          return undefined;
        }
        // The same read-only client a dry run holds: a plan cannot stop or start anything.
        // resolveTargets takes intents; any intent will do, since it only reads the rules' targets.
        return resolveTargets(
          mine.map((rule) => ({ rule })),
          readOnly(apis),
        );
      }),
    );
    const resolution = mergeResolutions(resolutions.filter((r): r is Resolution => r !== undefined));
    const resources = new Map<string, WeekResource[]>();
    for (const [rule, list] of resolution.selected) {
      resources.set(
        rule,
        list.map((r): WeekResource => ({
          product: r.product,
          id: r.id,
          name: r.name,
          region: r.region,
          tags: r.tags,
          ...(r.size ? { size: r.size } : {}),
        })),
      );
    }
    const problems = [
      ...unreached,
      ...resolution.failures.map(
        (f) => `${f.product.toUpperCase()} in ${f.region}: listing failed, its targets are not shown: ${f.error.message}`,
      ),
      ...resolution.missing.map((m) => `rule ${m.rule}: ${m.product.toUpperCase()} ${m.id} in ${m.region} was not found`),
      ...resolution.unreadable.map(
        (u) => `${u.product.toUpperCase()} ${u.id} in ${u.region}: its listing row could not be read (${u.problem})`,
      ),
    ];
    for (const p of problems) io.err(p);
    return { resources, problems };
  } finally {
    deadline.dispose();
    await target.close();
  }
}

/** The resolutions of several accounts as one: a rule's resources from every account it reaches. */
function mergeResolutions(parts: readonly Resolution[]): Resolution {
  const selected = new Map<string, Resource[]>();
  for (const part of parts) for (const [rule, list] of part.selected) selected.set(rule, [...(selected.get(rule) ?? []), ...list]);
  return {
    selected,
    missing: parts.flatMap((p) => p.missing),
    failures: parts.flatMap((p) => p.failures),
    unreadable: parts.flatMap((p) => p.unreadable),
  };
}

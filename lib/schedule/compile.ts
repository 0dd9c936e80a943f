import { quote, quoteList } from '../errors.js';
import { checkTargetAccounts, compileAccounts } from './account-checks.js';
import type { Account } from './accounts.js';
import type { Calendar } from './calendar.js';
import { fileCalendars } from './calendars.js';
import { checkCron } from './cron.js';
import { hasErrors, type Diagnostic } from './diagnostics.js';
import { parseDuration, DURATION_FORM } from './duration.js';
import { allWellFormed, closest, schemaDiagnostics, wellFormed, type Loose, type WellFormed } from './issues.js';
import { checkPeople, type PeopleFields } from './people.js';
import type { Pricing, Rule, Timing } from './rule.js';
import type { HolidayBook } from './holidays.js';
import {
  RULE_NAME,
  ruleSchema,
  scheduleFileSchema,
  type RawPricing,
  type RawRule,
  type RawSaeTarget,
  type RawScheduleFile,
  type RawSwasTarget,
} from './schema.js';
import type { Source } from './source.js';
import { scheduleWarnings, type Placed } from './warnings.js';
import { parseWindow, type Window } from './window.js';
import { isValidZone } from './zone.js';

/**
 * Schedule files in, rules and diagnostics out. Pure: the files and the calendar files they
 * declare are read by the caller (lib/doors/schedule-files.ts) and handed in as parsed sources, and
 * so is the holiday library when a file names a country.
 */
export interface ScheduleSet {
  readonly rules: Rule[];
  readonly diagnostics: Diagnostic[];
  /** The prices of a file's `pricing` block, when one sets them (all blocks are equal, or it is an error). */
  readonly pricing?: Pricing;
  /** Member accounts by name (every file's `accounts`); empty when the schedules declare none. */
  readonly accounts: ReadonlyMap<string, Account>;
}

export interface CompileOptions {
  /** The instant warnings look ahead from (DST edges in the next 365 days, calendars running out). */
  readonly at: number;
  /** Look for warnings (default true). A scheduled run needs only the errors. */
  readonly warnings?: boolean;
  /** The holiday library, for calendars of countries (lib/doors/schedule-files.ts loads it when a file names one). */
  readonly holidays?: HolidayBook;
}

const MAX_CATCH_UP = 7 * 86_400_000;

export function compileSchedules(
  files: readonly Source[],
  calendarFiles: ReadonlyMap<string, Source>,
  options: CompileOptions,
): ScheduleSet {
  const diagnostics: Diagnostic[] = [];
  const placed: Placed[] = [];
  const firstByName = new Map<string, { file: string; line: number }>();
  let pricing: { value: Pricing; file: string; line: number } | undefined;
  // Accounts first: a target may name an account declared in a file read after its own.
  const { accounts, inDoubt: accountsInDoubt } = compileAccounts(files, diagnostics);

  for (const source of files) {
    diagnostics.push(...source.diagnostics);
    if (source.diagnostics.length > 0) continue;
    if (source.value === undefined || source.value === null) {
      diagnostics.push(source.at([], "the file is empty; a schedule file starts with 'version: 1' and has 'rules:'"));
      continue;
    }
    const file = scheduleFileSchema.safeParse(source.value);
    if (!file.success) diagnostics.push(...schemaDiagnostics(source, scheduleFileSchema, file.error.issues, source.value));
    const shape = file.success ? allWellFormed(file.data) : wellFormed<RawScheduleFile>(source.value, file.error.issues);
    const header = shape.value;
    // Not a map at all, or another format version: its rules are not ours to judge.
    const version = (source.value as { version?: unknown }).version;
    if (header === undefined || (typeof version === 'number' && version !== 1) || !Array.isArray(header.rules)) continue;
    let fileZone = header.timezone;
    if (fileZone !== undefined && !isValidZone(fileZone)) {
      diagnostics.push(source.at(['timezone'], zoneMessage(fileZone)));
      fileZone = undefined;
    }
    if (header.pricing !== undefined && shape.clean(['pricing'])) {
      const value: Pricing = { ...(header.pricing as RawPricing), source: `the pricing block of ${source.file}` };
      const line = source.locate(['pricing'], { key: true }).line;
      if (!pricing) pricing = { value, file: source.file, line };
      else if (!samePrices(pricing.value, value)) {
        // Savings are one set of figures; two price lists would make every total ambiguous.
        diagnostics.push(
          source.at(
            ['pricing'],
            `differs from the pricing block at ${pricing.file}:${pricing.line} (there ${describePrices(pricing.value)}; here ${describePrices(value)}); set prices in one file, or make every block the same`,
            { key: true },
          ),
        );
      }
    }
    checkTargetAccounts(source, header.rules, accounts, accountsInDoubt, diagnostics);
    const calendars = fileCalendars(source, header.calendars ?? {}, calendarFiles, options.holidays, diagnostics);
    const fileContext = {
      source,
      fileZone,
      hasFileZone: shape.present(['timezone']),
      calendars: calendars.compiled,
      // A rule naming a calendar whose declaration or file is wrong is not told it is undeclared.
      calendarsInDoubt: !shape.clean(['calendars']) || calendars.broken.size > 0,
      channels: header.channels ?? {},
      diagnostics,
    };

    header.rules.forEach((raw, index) => {
      const parsed = ruleSchema.safeParse(raw);
      if (!parsed.success) diagnostics.push(...schemaDiagnostics(source, ruleSchema, parsed.error.issues, raw, ['rules', index]));
      // A wrong field does not hide the others: what is well-formed is checked all the same.
      const rule = parsed.success ? allWellFormed(parsed.data) : wellFormed<RawRule>(raw, parsed.error.issues);
      if (rule.value === undefined) return;
      const before = diagnostics.length;
      const checked = checkRule(rule, { ...fileContext, index });
      const name = rule.value.name;
      if (name !== undefined) {
        const first = firstByName.get(name);
        if (first) {
          diagnostics.push(
            source.at(
              ['rules', index, 'name'],
              `${quote(name)} is already the name of a rule at ${first.file}:${first.line}; rule names are unique across all files`,
            ),
          );
        } else {
          firstByName.set(name, { file: source.file, line: source.locate(['rules', index, 'name']).line });
        }
      }
      if (parsed.success && checked && diagnostics.length === before)
        placed.push({ rule: ruleOf(parsed.data, checked, source), source, index });
    });
  }

  if (!hasErrors(diagnostics) && options.warnings !== false) diagnostics.push(...scheduleWarnings(placed, options.at));
  // Like the rules, prices count only when the schedules are valid: nothing is shown from a broken set.
  if (hasErrors(diagnostics)) return { rules: [], diagnostics, accounts: new Map() };
  return { rules: placed.map((p) => p.rule), diagnostics, ...(pricing && { pricing: pricing.value }), accounts };
}

function samePrices(a: Pricing, b: Pricing): boolean {
  return a.currency === b.currency && a.saeVcpuHour === b.saeVcpuHour && a.saeGibHour === b.saeGibHour;
}

function describePrices(p: Pricing): string {
  return `${p.currency} ${p.saeVcpuHour} per vCPU-hour and ${p.saeGibHour} per GiB-hour`;
}

function zoneMessage(zone: string): string {
  const guess = closest(zone, Intl.supportedValuesOf('timeZone'));
  return `${quote(zone)} is not an IANA time zone${guess ? `; did you mean '${guess}'?` : ''}; expected a zone such as 'Asia/Shanghai' or 'Europe/Berlin'`;
}

interface RuleContext {
  readonly source: Source;
  readonly index: number;
  readonly fileZone: string | undefined;
  /** The file has a timezone line, right or wrong. */
  readonly hasFileZone: boolean;
  readonly calendars: ReadonlyMap<string, Calendar>;
  /** Some declared calendar is wrong, so a name missing from `calendars` may be declared after all. */
  readonly calendarsInDoubt: boolean;
  /** The file's channels, as far as they are well-formed. */
  readonly channels: Parameters<typeof checkPeople>[1];
  readonly diagnostics: Diagnostic[];
}

/** What a rule's checks work out beyond its raw fields. */
interface Checked {
  readonly zone: string;
  readonly timing: Timing;
  readonly catchUp: number;
  readonly calendar?: Calendar;
  readonly people?: PeopleFields;
}

/**
 * Checks the meaning of a rule's well-formed fields; a field the schema refused is left to its
 * schema error, and so is what hangs on it (no "has no time zone" under a misspelt timezone key).
 * Returns what the rule needs when all of it is right.
 */
function checkRule(shape: WellFormed<RawRule>, ctx: RuleContext): Checked | undefined {
  const raw = shape.value!;
  const at = (path: PropertyKey[], message: string, options?: { key?: boolean }) =>
    ctx.diagnostics.push(ctx.source.at(['rules', ctx.index, ...path], message, options));
  const errorsBefore = ctx.diagnostics.length;
  const called = raw.name === undefined ? 'this rule' : `rule ${quote(raw.name)}`;
  // A key the schema does not know may be the misspelt one a check would call missing.
  const mayMiss = (path: PropertyKey[]) => !shape.present(path) && !shape.hasUnknownKeys([]);

  let zone = raw.timezone ?? ctx.fileZone;
  if (raw.timezone !== undefined && !isValidZone(raw.timezone)) {
    at(['timezone'], zoneMessage(raw.timezone));
    zone = undefined;
  } else if (zone === undefined && !ctx.hasFileZone && mayMiss(['timezone'])) {
    at([], `${called} has no time zone; add 'timezone: Asia/Shanghai' (your zone) to the rule or at the top of the file`);
  }

  const timing = checkTiming(shape, called, zone, at);
  let calendar: Calendar | undefined;
  if (raw.calendar !== undefined) {
    calendar = ctx.calendars.get(raw.calendar);
    if (!calendar && !ctx.calendarsInDoubt) {
      const declared = [...ctx.calendars.keys()];
      at(
        ['calendar'],
        declared.length
          ? `calendar ${quote(raw.calendar)} is not declared in this file; declared: ${quoteList(declared, 10, (name) => name)}`
          : RULE_NAME.test(raw.calendar)
            ? `calendar ${quote(raw.calendar)} is not declared; add 'calendars: { ${raw.calendar}: calendars/${raw.calendar}.yaml }' at the top of the file`
            : `calendar ${quote(raw.calendar)} is not declared; declare it under 'calendars:' at the top of the file`,
      );
    }
  }

  let catchUp = 0;
  if (raw.catchUp !== undefined) {
    const parsed = parseDuration(raw.catchUp);
    if (parsed === undefined) at(['catchUp'], `${quote(raw.catchUp)} is not a duration; expected ${DURATION_FORM}`);
    else if (parsed > MAX_CATCH_UP) at(['catchUp'], `${quote(raw.catchUp)} is longer than 7d; a run looks back at most 7d`);
    else catchUp = parsed;
  }

  const sae = raw.targets?.sae ?? [];
  const swas = raw.targets?.swas ?? [];
  sae.forEach((entry, i) => entry && checkSaeTarget(entry, ['targets', 'sae', i], shape, at));
  swas.forEach((entry, i) => entry && checkSwasTarget(entry, ['targets', 'swas', i], shape, at));
  const listsWhole = shape.present(['targets']) && shape.clean(['targets']);
  if (listsWhole && sae.length + swas.length === 0) {
    at(['targets'], "names no resources; add entries under 'sae' or 'swas', e.g. sae: [{ region: cn-hangzhou, appId: ... }]");
  }

  const people = checkPeople(raw, ctx.channels, at);

  if (ctx.diagnostics.length > errorsBefore || !timing || !zone) return undefined;
  return { zone, timing, catchUp, ...(calendar && { calendar }), ...(people && { people }) };
}

/** A rule the schema took whole and whose checks passed. */
function ruleOf(raw: RawRule, checked: Checked, source: Source): Rule {
  return {
    name: raw.name,
    ...(raw.description !== undefined && { description: raw.description }),
    file: source.file,
    timezone: checked.zone,
    timing: checked.timing,
    restore: raw.restore ?? false,
    enforce: raw.enforce ?? false,
    catchUp: checked.catchUp,
    ...(checked.calendar && { calendar: checked.calendar }),
    targets: { sae: raw.targets.sae ?? [], swas: raw.targets.swas ?? [] },
    exclude: { tags: raw.exclude?.tags ?? {}, ids: raw.exclude?.ids ?? [] },
    ...checked.people,
  };
}

type At = (path: PropertyKey[], message: string, options?: { key?: boolean }) => void;

function checkTiming(shape: WellFormed<RawRule>, called: string, zone: string | undefined, at: At): Timing | undefined {
  const raw = shape.value!;
  const kinds = (['offPeak', 'onPeak', 'stop'] as const).filter((key) => shape.present([key]));
  if (kinds.length === 0) {
    if (!shape.hasUnknownKeys([]))
      at(
        [],
        `${called} says nothing about time; give exactly one of offPeak, onPeak or stop, e.g. offPeak: ["Mon-Fri 20:00-08:00", "Sat-Sun"]`,
      );
    return undefined;
  }
  if (kinds.length > 1) {
    at([kinds[1]!], `a rule uses exactly one of offPeak, onPeak or stop; this one has both ${kinds[0]} and ${kinds[1]}`, { key: true });
    return undefined;
  }
  const kind = kinds[0]!;
  if (kind === 'stop') {
    if (shape.present(['restore']))
      at(['restore'], "restore is for offPeak/onPeak rules; a cron rule starts its targets with 'start: <cron>'", { key: true });
    if (shape.present(['calendar']))
      at(['calendar'], 'calendars apply to offPeak/onPeak rules; cron rules fire on their own dates', { key: true });
    const checkZone = zone ?? 'UTC';
    const stop = raw.stop === undefined ? undefined : checkCron(raw.stop, checkZone);
    if (stop && !stop.ok) at(['stop'], stop.message);
    const start = raw.start === undefined ? undefined : checkCron(raw.start, checkZone);
    if (start && !start.ok) at(['start'], start.message);
    if (!stop?.ok || (start && !start.ok) || (shape.present(['start']) && !start)) return undefined;
    return { kind: 'cron', stop: stop.value, ...(start && { start: start.value }) };
  }
  if (shape.present(['start'])) {
    at(['start'], `start goes with stop (a cron rule); for ${kind} rules use 'restore: true' to start targets when off-peak ends`, {
      key: true,
    });
  }
  const windows: Window[] = [];
  let ok = !shape.present(['start']) && shape.clean([kind]);
  (raw[kind] ?? []).forEach((text, i) => {
    if (text === undefined) return;
    const parsed = parseWindow(text, zone ?? 'UTC');
    if (parsed.ok) windows.push(parsed.value);
    else {
      at([kind, i], parsed.message);
      ok = false;
    }
  });
  return ok ? { kind, windows } : undefined;
}

function checkSaeTarget(entry: Loose<RawSaeTarget>, path: PropertyKey[], shape: WellFormed<RawRule>, at: At): void {
  const selectors = (['namespaceId', 'appName', 'tags'] as const).filter((key) => isSelector(entry[key]));
  if (entry.appId !== undefined && selectors.length > 0) {
    at([...path, selectors[0]!], `appId names one application; leave out ${selectors.join(', ')}, or drop appId to select by them`, {
      key: true,
    });
  } else if (!selectsAny(['appId', 'namespaceId', 'appName'], entry.tags, path, shape)) {
    at(path, 'selects no applications; add appId, or selectors namespaceId, appName (glob) or tags');
  }
  const namespaceRegion = entry.namespaceId?.includes(':') ? entry.namespaceId.split(':')[0] : undefined;
  if (namespaceRegion !== undefined && entry.region !== undefined && namespaceRegion !== entry.region) {
    at(
      [...path, 'namespaceId'],
      `namespace ${quote(entry.namespaceId ?? '')} is in ${quote(namespaceRegion)}, not in region ${entry.region}; make the two agree`,
    );
  }
}

function checkSwasTarget(entry: Loose<RawSwasTarget>, path: PropertyKey[], shape: WellFormed<RawRule>, at: At): void {
  const selectors = (['instanceName', 'tags'] as const).filter((key) => isSelector(entry[key]));
  if (entry.instanceIds !== undefined && selectors.length > 0) {
    at([...path, selectors[0]!], `instanceIds names instances; leave out ${selectors.join(', ')}, or drop instanceIds to select by them`, {
      key: true,
    });
  } else if (!selectsAny(['instanceIds', 'instanceName'], entry.tags, path, shape)) {
    at(path, 'selects no instances; add instanceIds, or selectors instanceName (glob) or tags');
  }
}

/**
 * Whether a target entry says what to select: one of `keys` is there (well-formed or not: a wrong
 * one has its own error), or tags that are not empty, or a key the schema does not know (perhaps the
 * misspelt selector).
 */
function selectsAny(keys: readonly string[], tags: unknown, path: PropertyKey[], shape: WellFormed<RawRule>): boolean {
  if (keys.some((key) => shape.present([...path, key])) || shape.hasUnknownKeys(path)) return true;
  return shape.present([...path, 'tags']) && (tags === undefined || isSelector(tags));
}

/** An empty tag map would select everything in the region: it is not a selector. */
function isSelector(value: unknown): boolean {
  if (value === undefined) return false;
  return typeof value !== 'object' || Object.keys(value as object).length > 0;
}

import { dirname, join, normalize } from 'node:path';
import { parseHolidayEntry, parseWorkdayEntry, type Calendar } from './calendar.js';
import { checkCron } from './cron.js';
import { hasErrors, type Diagnostic } from './diagnostics.js';
import { parseDuration, DURATION_FORM } from './duration.js';
import { closest, schemaDiagnostics } from './issues.js';
import type { Pricing, Rule, SaeTarget, SwasTarget, Timing } from './rule.js';
import {
  calendarFileSchema,
  ruleSchema,
  scheduleFileSchema,
  type RawRule,
  type RawSaeTarget,
  type RawScheduleFile,
  type RawSwasTarget,
} from './schema.js';
import type { Source } from './source.js';
import { scheduleWarnings, type Placed } from './warnings.js';
import { parseWindow, type Window } from './window.js';
import { dateOfDay, dayOfDate, isValidZone } from './zone.js';

/**
 * Schedule files in, rules and diagnostics out. Pure: the files and the calendar files they
 * declare are read by the caller (files.ts) and handed in as parsed sources.
 */
export interface ScheduleSet {
  readonly rules: Rule[];
  readonly diagnostics: Diagnostic[];
  /** The prices of a file's `pricing` block, when one sets them (all blocks are equal, or it is an error). */
  readonly pricing?: Pricing;
}

export interface CompileOptions {
  /** The instant warnings look ahead from (DST edges in the next 365 days, calendars running out). */
  readonly at: number;
  /** Look for warnings (default true). A scheduled run needs only the errors. */
  readonly warnings?: boolean;
}

const MAX_CATCH_UP = 7 * 86_400_000;

/** Where a schedule file's calendar `relative` lives. */
export function calendarPath(scheduleFile: string, relative: string): string {
  return normalize(join(dirname(scheduleFile), relative));
}

/** The calendar files a parsed schedule file declares, as paths to read. */
export function declaredCalendars(source: Source): string[] {
  const calendars = (source.value as { calendars?: unknown } | undefined)?.calendars;
  if (!calendars || typeof calendars !== 'object') return [];
  return Object.values(calendars)
    .filter((path): path is string => typeof path === 'string' && path !== '')
    .map((path) => calendarPath(source.file, path));
}

export function compileSchedules(
  files: readonly Source[],
  calendarFiles: ReadonlyMap<string, Source>,
  options: CompileOptions,
): ScheduleSet {
  const diagnostics: Diagnostic[] = [];
  const placed: Placed[] = [];
  const firstByName = new Map<string, { file: string; line: number }>();
  let pricing: { value: Pricing; file: string; line: number } | undefined;

  for (const source of files) {
    diagnostics.push(...source.diagnostics);
    if (source.diagnostics.length > 0) continue;
    if (source.value === undefined || source.value === null) {
      diagnostics.push(source.at([], "the file is empty; a schedule file starts with 'version: 1' and has 'rules:'"));
      continue;
    }
    const file = scheduleFileSchema.safeParse(source.value);
    if (!file.success) {
      diagnostics.push(...schemaDiagnostics(source, scheduleFileSchema, file.error.issues, source.value));
      continue;
    }
    const header = file.data;
    let fileZone = header.timezone;
    if (fileZone !== undefined && !isValidZone(fileZone)) {
      diagnostics.push(source.at(['timezone'], zoneMessage(fileZone)));
      fileZone = undefined;
    }
    if (header.pricing !== undefined) {
      const value: Pricing = { ...header.pricing, source: `the pricing block of ${source.file}` };
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
    const calendars = loadCalendars(source, header, calendarFiles, diagnostics);

    header.rules.forEach((raw, index) => {
      const parsed = ruleSchema.safeParse(raw);
      if (!parsed.success) {
        diagnostics.push(...schemaDiagnostics(source, ruleSchema, parsed.error.issues, raw, ['rules', index]));
        return;
      }
      const before = diagnostics.length;
      const rule = compileRule(parsed.data, {
        source,
        index,
        fileZone,
        hasFileZone: header.timezone !== undefined,
        calendars,
        diagnostics,
      });
      const first = firstByName.get(parsed.data.name);
      if (first) {
        diagnostics.push(
          source.at(
            ['rules', index, 'name'],
            `'${parsed.data.name}' is already the name of a rule at ${first.file}:${first.line}; rule names are unique across all files`,
          ),
        );
      } else {
        firstByName.set(parsed.data.name, { file: source.file, line: source.locate(['rules', index, 'name']).line });
      }
      if (rule && diagnostics.length === before) placed.push({ rule, source, index });
    });
  }

  if (!hasErrors(diagnostics) && options.warnings !== false) diagnostics.push(...scheduleWarnings(placed, options.at));
  // Like the rules, prices count only when the schedules are valid: nothing is shown from a broken set.
  if (hasErrors(diagnostics)) return { rules: [], diagnostics };
  return { rules: placed.map((p) => p.rule), diagnostics, ...(pricing && { pricing: pricing.value }) };
}

function samePrices(a: Pricing, b: Pricing): boolean {
  return a.currency === b.currency && a.saeVcpuHour === b.saeVcpuHour && a.saeGibHour === b.saeGibHour;
}

function describePrices(p: Pricing): string {
  return `${p.currency} ${p.saeVcpuHour} per vCPU-hour and ${p.saeGibHour} per GiB-hour`;
}

function zoneMessage(zone: string): string {
  const guess = closest(zone, Intl.supportedValuesOf('timeZone'));
  return `'${zone}' is not an IANA time zone${guess ? `; did you mean '${guess}'?` : ''}; expected a zone such as 'Asia/Shanghai' or 'Europe/Berlin'`;
}

function loadCalendars(
  source: Source,
  header: RawScheduleFile,
  calendarFiles: ReadonlyMap<string, Source>,
  diagnostics: Diagnostic[],
): Map<string, Calendar> {
  const calendars = new Map<string, Calendar>();
  for (const [name, relative] of Object.entries(header.calendars ?? {})) {
    const path = calendarPath(source.file, relative);
    const calendarSource = calendarFiles.get(path);
    if (!calendarSource) {
      diagnostics.push(source.at(['calendars', name], `calendar file '${path}' was not found; the path is relative to ${source.file}`));
      continue;
    }
    const calendar = compileCalendar(name, calendarSource, diagnostics);
    if (calendar) calendars.set(name, calendar);
  }
  return calendars;
}

/** A calendar file to a Calendar, or undefined (with diagnostics) when it is wrong. */
export function compileCalendar(name: string, source: Source, diagnostics: Diagnostic[]): Calendar | undefined {
  diagnostics.push(...source.diagnostics);
  if (source.diagnostics.length > 0) return undefined;
  const parsed = calendarFileSchema.safeParse(source.value ?? {});
  if (!parsed.success) {
    diagnostics.push(...schemaDiagnostics(source, calendarFileSchema, parsed.error.issues, source.value));
    return undefined;
  }
  const before = diagnostics.length;
  const holidays = new Set<number>();
  const workdays = new Set<number>();
  (parsed.data.holidays ?? []).forEach((entry, i) => {
    const days = parseHolidayEntry(entry);
    if (days.ok) days.value.forEach((d) => holidays.add(d));
    else diagnostics.push(source.at(['holidays', i], days.message));
  });
  (parsed.data.workdays ?? []).forEach((entry, i) => {
    const day = parseWorkdayEntry(entry);
    if (!day.ok) diagnostics.push(source.at(['workdays', i], day.message));
    else if (holidays.has(day.value))
      diagnostics.push(source.at(['workdays', i], `'${entry}' is also a holiday; a date is either a holiday or a workday`));
    else workdays.add(day.value);
  });
  if (diagnostics.length > before) return undefined;
  // A calendar covers the whole of the last year it lists: next year's dates are what it lacks.
  const all = [...holidays, ...workdays];
  const lastYear = all.length ? dateOfDay(Math.max(...all)).slice(0, 4) : undefined;
  return { name, holidays, workdays, lastDay: lastYear === undefined ? undefined : dayOfDate(`${lastYear}-12-31`) };
}

interface RuleContext {
  readonly source: Source;
  readonly index: number;
  readonly fileZone: string | undefined;
  readonly hasFileZone: boolean;
  readonly calendars: ReadonlyMap<string, Calendar>;
  readonly diagnostics: Diagnostic[];
}

function compileRule(raw: RawRule, ctx: RuleContext): Rule | undefined {
  const at = (path: PropertyKey[], message: string, options?: { key?: boolean }) =>
    ctx.diagnostics.push(ctx.source.at(['rules', ctx.index, ...path], message, options));
  const errorsBefore = ctx.diagnostics.length;

  let zone = raw.timezone ?? ctx.fileZone;
  if (raw.timezone !== undefined && !isValidZone(raw.timezone)) {
    at(['timezone'], zoneMessage(raw.timezone));
    zone = undefined;
  } else if (zone === undefined && !ctx.hasFileZone) {
    at([], `rule '${raw.name}' has no time zone; add 'timezone: Asia/Shanghai' (your zone) to the rule or at the top of the file`);
  }

  const timing = compileTiming(raw, zone, at);
  if (raw.calendar !== undefined && !ctx.calendars.has(raw.calendar)) {
    const declared = [...ctx.calendars.keys()];
    at(
      ['calendar'],
      declared.length
        ? `calendar '${raw.calendar}' is not declared in this file; declared: ${declared.join(', ')}`
        : `calendar '${raw.calendar}' is not declared; add 'calendars: { ${raw.calendar}: calendars/${raw.calendar}.yaml }' at the top of the file`,
    );
  }

  let catchUp = 0;
  if (raw.catchUp !== undefined) {
    const parsed = parseDuration(raw.catchUp);
    if (parsed === undefined) at(['catchUp'], `'${raw.catchUp}' is not a duration; expected ${DURATION_FORM}`);
    else if (parsed > MAX_CATCH_UP) at(['catchUp'], `'${raw.catchUp}' is longer than 7d; a run looks back at most 7d`);
    else catchUp = parsed;
  }

  const sae = (raw.targets.sae ?? []).map((entry, i) => checkSaeTarget(entry, ['targets', 'sae', i], at));
  const swas = (raw.targets.swas ?? []).map((entry, i) => checkSwasTarget(entry, ['targets', 'swas', i], at));
  if (sae.length + swas.length === 0) {
    at(['targets'], "names no resources; add entries under 'sae' or 'swas', e.g. sae: [{ region: cn-hangzhou, appId: ... }]");
  }

  if (ctx.diagnostics.length > errorsBefore || !timing || !zone) return undefined;
  const calendar = raw.calendar === undefined ? undefined : ctx.calendars.get(raw.calendar);
  return {
    name: raw.name,
    ...(raw.description !== undefined && { description: raw.description }),
    file: ctx.source.file,
    timezone: zone,
    timing,
    restore: raw.restore ?? false,
    enforce: raw.enforce ?? false,
    catchUp,
    ...(calendar && { calendar }),
    targets: { sae, swas },
    exclude: { tags: raw.exclude?.tags ?? {}, ids: raw.exclude?.ids ?? [] },
  };
}

type At = (path: PropertyKey[], message: string, options?: { key?: boolean }) => void;

function compileTiming(raw: RawRule, zone: string | undefined, at: At): Timing | undefined {
  const kinds = (['offPeak', 'onPeak', 'stop'] as const).filter((key) => raw[key] !== undefined);
  if (kinds.length === 0) {
    at(
      [],
      `rule '${raw.name}' says nothing about time; give exactly one of offPeak, onPeak or stop, e.g. offPeak: ["Mon-Fri 20:00-08:00", "Sat-Sun"]`,
    );
    return undefined;
  }
  if (kinds.length > 1) {
    at([kinds[1]!], `a rule uses exactly one of offPeak, onPeak or stop; this one has both ${kinds[0]} and ${kinds[1]}`, { key: true });
    return undefined;
  }
  const kind = kinds[0]!;
  if (kind === 'stop') {
    if (raw.restore !== undefined)
      at(['restore'], "restore is for offPeak/onPeak rules; a cron rule starts its targets with 'start: <cron>'", { key: true });
    if (raw.calendar !== undefined)
      at(['calendar'], 'calendars apply to offPeak/onPeak rules; cron rules fire on their own dates', { key: true });
    const checkZone = zone ?? 'UTC';
    const stop = checkCron(raw.stop!, checkZone);
    if (!stop.ok) at(['stop'], stop.message);
    const start = raw.start === undefined ? undefined : checkCron(raw.start, checkZone);
    if (start && !start.ok) at(['start'], start.message);
    if (!stop.ok || (start && !start.ok)) return undefined;
    return { kind: 'cron', stop: stop.value, ...(start && { start: start.value }) };
  }
  if (raw.start !== undefined) {
    at(['start'], `start goes with stop (a cron rule); for ${kind} rules use 'restore: true' to start targets when off-peak ends`, {
      key: true,
    });
  }
  const windows: Window[] = [];
  let ok = raw.start === undefined;
  raw[kind]!.forEach((text, i) => {
    const parsed = parseWindow(text, zone ?? 'UTC');
    if (parsed.ok) windows.push(parsed.value);
    else {
      at([kind, i], parsed.message);
      ok = false;
    }
  });
  return ok ? { kind, windows } : undefined;
}

function checkSaeTarget(entry: RawSaeTarget, path: PropertyKey[], at: At): SaeTarget {
  const selectors = (['namespaceId', 'appName', 'tags'] as const).filter((key) => isSelector(entry[key]));
  if (entry.appId !== undefined && selectors.length > 0) {
    at([...path, selectors[0]!], `appId names one application; leave out ${selectors.join(', ')}, or drop appId to select by them`, {
      key: true,
    });
  } else if (entry.appId === undefined && selectors.length === 0) {
    at(path, 'selects no applications; add appId, or selectors namespaceId, appName (glob) or tags');
  }
  const namespaceRegion = entry.namespaceId?.includes(':') ? entry.namespaceId.split(':')[0] : undefined;
  if (namespaceRegion !== undefined && namespaceRegion !== entry.region) {
    at(
      [...path, 'namespaceId'],
      `namespace '${entry.namespaceId}' is in ${namespaceRegion}, not in region ${entry.region}; make the two agree`,
    );
  }
  return entry;
}

function checkSwasTarget(entry: RawSwasTarget, path: PropertyKey[], at: At): SwasTarget {
  const selectors = (['instanceName', 'tags'] as const).filter((key) => isSelector(entry[key]));
  if (entry.instanceIds !== undefined && selectors.length > 0) {
    at([...path, selectors[0]!], `instanceIds names instances; leave out ${selectors.join(', ')}, or drop instanceIds to select by them`, {
      key: true,
    });
  } else if (entry.instanceIds === undefined && selectors.length === 0) {
    at(path, 'selects no instances; add instanceIds, or selectors instanceName (glob) or tags');
  }
  return entry;
}

/** An empty tag map would select everything in the region: it is not a selector. */
function isSelector(value: unknown): boolean {
  if (value === undefined) return false;
  return typeof value !== 'object' || Object.keys(value as object).length > 0;
}

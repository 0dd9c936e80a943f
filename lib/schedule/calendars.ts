import { dirname, join, normalize } from 'node:path';
import { quote } from '../errors.js';
import { combineCalendar, parseHolidayEntry, parseWorkdayEntry, type Calendar, type CalendarSource, type FileDays } from './calendar.js';
import type { Diagnostic } from './diagnostics.js';
import { countryDays, placeProblem, type HolidayBook, type Place } from './holidays.js';
import { describe, schemaDiagnostics } from './issues.js';
import { CALENDAR_FORM, calendarFileSchema, countrySourceSchema } from './schema.js';
import type { Source } from './source.js';
import { dateOfDay, dayOfDate } from './zone.js';

/**
 * The `calendars` map of a schedule file: each name maps to one source or a list of them. A source
 * is a calendar file (a path, as before) or a country, `{ country: DE, state: BY, types: [public] }`,
 * whose holidays come from the holiday library. The file's paths are read by the caller
 * (lib/doors/schedule-files.ts), and so is the library, only when some file names a country.
 */

/** Where a schedule file's calendar `relative` lives. */
export function calendarPath(scheduleFile: string, relative: string): string {
  return normalize(join(dirname(scheduleFile), relative));
}

/** The sources of each declared calendar, as written (a string, a map, or anything else). */
function declaredEntries(source: Source): unknown[] {
  const calendars = (source.value as { calendars?: unknown } | undefined)?.calendars;
  if (!calendars || typeof calendars !== 'object' || Array.isArray(calendars)) return [];
  return Object.values(calendars).flatMap((entry: unknown) => (Array.isArray(entry) ? (entry as unknown[]) : [entry]));
}

/** The calendar files a parsed schedule file declares, as paths to read. */
export function declaredCalendars(source: Source): string[] {
  return declaredEntries(source)
    .filter((path): path is string => typeof path === 'string' && path !== '')
    .map((path) => calendarPath(source.file, path));
}

/** True when a parsed schedule file names a country as a calendar source, so the holiday library is needed. */
export function declaresCountries(source: Source): boolean {
  return declaredEntries(source).some((entry) => entry !== null && typeof entry === 'object');
}

export interface FileCalendars {
  readonly compiled: Map<string, Calendar>;
  /** Names whose declaration or sources are wrong: a rule naming one is not told it is undeclared. */
  readonly broken: Set<string>;
}

/** The calendars a schedule file declares, compiled; what is wrong goes to `diagnostics`. */
export function fileCalendars(
  source: Source,
  declared: Readonly<Record<string, unknown>>,
  calendarFiles: ReadonlyMap<string, Source>,
  book: HolidayBook | undefined,
  diagnostics: Diagnostic[],
): FileCalendars {
  const compiled = new Map<string, Calendar>();
  const broken = new Set<string>();
  for (const [name, entry] of Object.entries(declared)) {
    if (entry === undefined) continue;
    const before = diagnostics.length;
    const sources: CalendarSource[] = [];
    const read = (value: unknown, path: PropertyKey[]) => {
      const found = calendarSource(value, path, { source, calendarFiles, book, diagnostics });
      if (found) sources.push(found);
    };
    if (Array.isArray(entry)) {
      if (entry.length === 0) diagnostics.push(source.at(['calendars', name], `is empty; expected ${CALENDAR_FORM}`));
      entry.forEach((value: unknown, i) => read(value, ['calendars', name, i]));
    } else {
      read(entry, ['calendars', name]);
    }
    if (diagnostics.length > before) broken.add(name);
    else compiled.set(name, combineCalendar(name, sources));
  }
  return { compiled, broken };
}

interface SourceContext {
  readonly source: Source;
  readonly calendarFiles: ReadonlyMap<string, Source>;
  readonly book: HolidayBook | undefined;
  readonly diagnostics: Diagnostic[];
}

function calendarSource(value: unknown, path: PropertyKey[], ctx: SourceContext): CalendarSource | undefined {
  const { source, diagnostics } = ctx;
  if (typeof value === 'string' && value !== '') {
    const file = calendarPath(source.file, value);
    const calendarSource = ctx.calendarFiles.get(file);
    if (!calendarSource) {
      diagnostics.push(source.at(path, `calendar file ${quote(file)} was not found; the path is relative to ${source.file}`));
      return undefined;
    }
    return compileCalendarFile(calendarSource, diagnostics);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const found = value === '' ? 'is empty' : `got ${Array.isArray(value) ? 'a list inside a list' : describe(value)}`;
    diagnostics.push(source.at(path, `${found}; expected ${CALENDAR_FORM}`));
    return undefined;
  }
  const parsed = countrySourceSchema.safeParse(value);
  if (!parsed.success) {
    diagnostics.push(...schemaDiagnostics(source, countrySourceSchema, parsed.error.issues, value, path));
    return undefined;
  }
  if (!ctx.book) {
    // The doors load the library whenever a file names a country; this is a caller that did not.
    diagnostics.push(source.at(path, 'country calendars need the holiday library, which this caller did not load'));
    return undefined;
  }
  const { country, state, region } = parsed.data;
  const place: Place = { country, ...(state !== undefined && { state }), ...(region !== undefined && { region }) };
  const problem = placeProblem(ctx.book, place);
  if (problem) {
    diagnostics.push(source.at([...path, problem.field], problem.message));
    return undefined;
  }
  return countryDays(ctx.book, place, parsed.data.types ?? ['public']);
}

/** A calendar file's dates, or undefined (with diagnostics) when it is wrong. */
export function compileCalendarFile(source: Source, diagnostics: Diagnostic[]): FileDays | undefined {
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
      diagnostics.push(source.at(['workdays', i], `${quote(entry)} is also a holiday; a date is either a holiday or a workday`));
    else workdays.add(day.value);
  });
  if (diagnostics.length > before) return undefined;
  // A calendar covers the whole of the last year it lists: next year's dates are what it lacks.
  const all = [...holidays, ...workdays];
  const lastYear = all.length ? dateOfDay(Math.max(...all)).slice(0, 4) : undefined;
  return {
    kind: 'file',
    file: source.file,
    holidays,
    workdays,
    lastDay: lastYear === undefined ? undefined : dayOfDate(`${lastYear}-12-31`),
  };
}

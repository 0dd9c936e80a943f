import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { OffpeakError } from '../errors.js';
import { declaredCalendars, declaresCountries } from '../schedule/calendars.js';
import { compileSchedules, type CompileOptions, type ScheduleSet } from '../schedule/compile.js';
import { formatDiagnostic, sortDiagnostics, type Diagnostic } from '../schedule/diagnostics.js';
import type { HolidayBook } from '../schedule/holidays.js';
import { parseSource, type Source } from '../schedule/source.js';

/**
 * The I/O edge of the schedule layer: finds schedule files, reads them and the calendar files they
 * declare, loads the holiday library when a file names a country, and hands everything to the pure
 * compiler.
 */

const SCHEDULE_FILE = /\.ya?ml$/;

export interface LoadedSchedules extends ScheduleSet {
  /** The schedule files read, in order. */
  readonly files: string[];
}

/**
 * Loads schedule files from paths (files, or folders whose *.yaml / *.yml files are read; folders
 * below them, such as calendars/, are not).
 */
export async function loadSchedules(paths: readonly string[], options: CompileOptions): Promise<LoadedSchedules> {
  const diagnostics: Diagnostic[] = [];
  const files: string[] = [];
  for (const path of paths) {
    const found = await scheduleFilesAt(path);
    if (typeof found === 'string') diagnostics.push({ severity: 'error', file: path, line: 1, col: 1, path: '', message: found });
    else files.push(...found);
  }
  const sources = await Promise.all(files.map(async (file) => parseSource(file, await readFile(file, 'utf8'))));
  const calendarFiles = new Map<string, Source>();
  for (const calendar of new Set(sources.flatMap(declaredCalendars))) {
    const text = await readFile(calendar, 'utf8').catch(() => undefined);
    if (text !== undefined) calendarFiles.set(calendar, parseSource(calendar, text));
  }
  const holidays = sources.some(declaresCountries) ? await holidayBook() : undefined;
  const set = compileSchedules(sources, calendarFiles, { ...options, ...(holidays && { holidays }) });
  return {
    files,
    rules: set.rules,
    diagnostics: [...diagnostics, ...set.diagnostics],
    ...(set.pricing && { pricing: set.pricing }),
    accounts: set.accounts,
  };
}

let book: Promise<HolidayBook> | undefined;

/**
 * The holiday library, loaded on first need and kept: a warm function instance pays for it once,
 * and one whose calendars are all files never loads it.
 */
function holidayBook(): Promise<HolidayBook> {
  book ??= import('./holiday-book.js').then((module) => module.holidayBook());
  return book;
}

async function scheduleFilesAt(path: string): Promise<string[] | string> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return `no such file or folder; give a schedule file or a folder of them (default: schedules/)`;
  if (info.isFile()) return [path];
  if (!info.isDirectory()) return 'not a file or folder';
  const names = (await readdir(path, { withFileTypes: true }))
    .filter((entry) => entry.isFile() && SCHEDULE_FILE.test(entry.name))
    .map((entry) => join(path, entry.name))
    .sort();
  return names.length > 0 ? names : `no schedule files (*.yaml, *.yml) in this folder`;
}

/** Schedules with errors: a run does nothing until they are fixed. */
export class SchedulesInvalid extends OffpeakError {
  override readonly name = 'SchedulesInvalid';
  constructor(readonly diagnostics: readonly Diagnostic[]) {
    super(`the schedules have errors, nothing was done:\n${diagnostics.map(formatDiagnostic).join('\n')}`, { code: 'SchedulesInvalid' });
  }
}

/**
 * The rules a run acts on, as of `at`. Only errors count: the DST look-ahead of the warnings is
 * `offpeak validate`'s job, not every tick's.
 * @throws SchedulesInvalid with every error, sorted.
 */
export async function loadRules(path: string, at: number): Promise<LoadedSchedules> {
  const loaded = await loadSchedules([path], { at, warnings: false });
  const errors = sortDiagnostics(loaded.diagnostics).filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new SchedulesInvalid(errors);
  return loaded;
}

import { holidayBook } from '../../../lib/doors/holiday-book.js';
import { compileSchedules, type ScheduleSet } from '../../../lib/schedule/compile.js';
import { formatDiagnostic, type Diagnostic } from '../../../lib/schedule/diagnostics.js';
import type { HolidayBook } from '../../../lib/schedule/holidays.js';
import type { Rule } from '../../../lib/schedule/rule.js';
import { parseSource, type Source } from '../../../lib/schedule/source.js';

export const AT = Date.parse('2026-11-22T00:00:00Z');

/** The whole holiday library, as the command line has it. */
export const book: HolidayBook = holidayBook();

/**
 * Compiles schedule text (and calendar texts by path) in memory, as schedule-files.ts would from
 * disk, with the whole holiday library unless `holidays` says otherwise.
 */
export function compileText(
  text: string,
  options: { calendars?: Record<string, string>; at?: number; file?: string; holidays?: HolidayBook | undefined } = {},
): { rules: Rule[]; diagnostics: Diagnostic[]; lines: string[]; accounts: ScheduleSet['accounts'] } {
  const file = options.file ?? 'schedules/test.yaml';
  const calendars = new Map<string, Source>();
  for (const [path, body] of Object.entries(options.calendars ?? {})) calendars.set(path, parseSource(path, body));
  const holidays = 'holidays' in options ? options.holidays : book;
  const set = compileSchedules([parseSource(file, text)], calendars, { at: options.at ?? AT, ...(holidays && { holidays }) });
  return { ...set, lines: set.diagnostics.map(formatDiagnostic) };
}

/** The one rule a valid text defines; fails loudly with the diagnostics otherwise. */
export function ruleFrom(text: string, options: Parameters<typeof compileText>[1] = {}): Rule {
  const { rules, lines } = compileText(text, options);
  if (rules.length !== 1) throw new Error(`expected one rule, got:\n${lines.join('\n')}`);
  return rules[0]!;
}

/** A minimal valid rule around a timing block (YAML lines for the rule body). */
export function ruleYaml(timing: string, zone = 'Asia/Shanghai', extra = ''): string {
  return `version: 1
timezone: ${zone}
${extra}
rules:
  - name: r
${timing
  .trim()
  .split('\n')
  .map((line) => `    ${line}`)
  .join('\n')}
    targets:
      swas: [{ region: cn-hangzhou, instanceIds: [i-1] }]
`;
}

import { shorten } from '../errors.js';

/** A finding about a schedule or calendar file, placed at file:line:col and a field path. */
export interface Diagnostic {
  readonly severity: 'error' | 'warning';
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** The field path, e.g. `rules[2].offPeak[0]`; empty for the file as a whole. */
  readonly path: string;
  /** What is wrong and the expected form or the fix. */
  readonly message: string;
}

/** `rules[2].offPeak[0]` from ['rules', 2, 'offPeak', 0]. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    // A key is as the file spells it, and a file may have a key of a megabyte.
    else out += out === '' ? shorten(String(key)) : `.${shorten(String(key))}`;
  }
  return out;
}

/** One line: `schedules/dev.yaml:7:5: error: rules[0].offPeak[0]: …`. */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.col}: ${d.severity}: ${d.path ? `${d.path}: ` : ''}${d.message}`;
}

/** Errors before warnings; then by file and position, so output is stable. */
export function sortDiagnostics(list: readonly Diagnostic[]): Diagnostic[] {
  return [...list].sort(
    (a, b) =>
      (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1) || a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col,
  );
}

export const hasErrors = (list: readonly Diagnostic[]): boolean => list.some((d) => d.severity === 'error');

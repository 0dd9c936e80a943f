import { formatDiagnostic, hasErrors, sortDiagnostics } from '../../schedule/diagnostics.js';
import { loadSchedules } from '../schedule-files.js';
import type { Io } from './io.js';
import { parseFlags } from './args.js';

export const VALIDATE_USAGE = `usage: offpeak validate [PATH...]

Checks schedule files (default: schedules/). Exit 0 when valid (warnings are printed),
2 with every error listed when not.`;

export async function validateCommand(argv: string[], io: Io, now: number): Promise<number> {
  const { values, positionals } = parseFlags(argv, {}, true);
  if (values.help) {
    io.out(VALIDATE_USAGE);
    return 0;
  }
  const loaded = await loadSchedules(positionals.length ? positionals : ['schedules'], { at: now });
  const diagnostics = sortDiagnostics(loaded.diagnostics);
  for (const d of diagnostics) {
    if (d.severity === 'error') io.err(formatDiagnostic(d));
    else io.out(formatDiagnostic(d));
  }
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  if (hasErrors(diagnostics)) {
    io.err(
      `${errors} error${errors === 1 ? '' : 's'}${warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}: nothing will run until the errors are fixed`,
    );
    return 2;
  }
  const rules = loaded.rules.length;
  io.out(
    `ok: ${rules} rule${rules === 1 ? '' : 's'} in ${loaded.files.length} file${loaded.files.length === 1 ? '' : 's'}${warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}`,
  );
  return 0;
}

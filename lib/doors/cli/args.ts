import { parseArgs, type ParseArgsConfig } from 'node:util';
import { OffpeakError, quote } from '../../errors.js';
import { parseDuration } from '../../schedule/duration.js';
import { parseInstant } from '../../schedule/instant.js';

/** A command-line mistake: printed as one line plus a usage hint, exit code 2. */
export class UsageError extends OffpeakError {
  override readonly name = 'UsageError';

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, code: 'UsageError' });
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs, with its errors turned into one-line UsageErrors. */
export function parseFlags<O extends Options>(argv: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals, strict: true });
  } catch (error) {
    const message = (error as Error).message.split('\n')[0] ?? 'bad arguments';
    // node names the option or value it refuses in quotes: bound those like every other echo of input.
    throw new UsageError(
      message.replace(/\. To specify a positional argument.*$/, '').replace(/'([^']*)'/g, (_, text: string) => quote(text)),
      {
        cause: error,
      },
    );
  }
}

/** `--at`: an ISO-8601 instant with an offset or Z (a wall time alone would be ambiguous here). */
export function instantFlag(name: string, text: string): number {
  const parsed = parseInstant(text);
  if (!parsed.ok) throw new UsageError(`--${name} ${parsed.message}`);
  return parsed.value;
}

/** `--tick 5m`: a positive duration. */
export function durationFlag(name: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) throw new UsageError(`--${name} ${quote(text)} is not a positive duration such as 5m, 90s or 1h`);
  return ms;
}

/** A whole number within bounds. */
export function integerFlag(name: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`--${name} ${quote(text)} must be a whole number from ${min} to ${max}`);
  return n;
}

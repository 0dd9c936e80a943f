/**
 * offpeak's errors, and the way its messages quote what people typed.
 *
 * Every error offpeak throws on purpose is an OffpeakError with a stable `code`, so a report or a
 * caller can tell a known failure (a wrong event, the deadline, a refusal by the cloud) from a bug:
 * anything else that reaches the top is a bug in offpeak.
 */

export interface OffpeakErrorOptions {
  /** A stable name for the kind of failure, e.g. 'EventInvalid'; callers match on it, never on the message. */
  readonly code: string;
  /** The error that led to this one, if any. */
  readonly cause?: unknown;
}

export class OffpeakError extends Error {
  override readonly name: string = 'OffpeakError';
  readonly code: string;

  constructor(message: string, options: OffpeakErrorOptions) {
    // Only pass a cause that exists: `{ cause: undefined }` would still show up as an own property.
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
  }
}

/** The code of a failure that is offpeak's own fault: distinct from every code Alibaba Cloud uses. */
export const BUG_CODE = 'OffpeakBug';

/**
 * The code and message to report for anything thrown: an OffpeakError's own, anything else marked as
 * a bug (never given a code the cloud could have sent, so nobody looks for it in Alibaba's docs).
 */
export function failureOf(error: unknown): { code: string; message: string } {
  if (error instanceof OffpeakError) return { code: error.code, message: error.message };
  const message = error instanceof Error ? error.message : String(error);
  return { code: BUG_CODE, message: `a bug in offpeak, please report it (${boundedDetail(message)})` };
}

/** Messages quote at most this many characters of what was typed. */
export const QUOTE_MAX = 80;

const count = new Intl.NumberFormat('en-US');

/**
 * Text a person gave (a flag, a field, a YAML value), quoted for a one-line message: control
 * characters are escaped so the message stays one line, and long text is cut so a 4 MB mistake is
 * not printed back whole.
 *
 * @example quote('dev_nights') // "'dev_nights'"
 * @example quote('dryrun', 80, '"') // '"dryrun"', for fields of JSON
 * @example quote('a'.repeat(4000)) // "'aaa…' (4,000 characters)", the first 80 kept
 */
export function quote(text: string, max = QUOTE_MAX, mark = "'"): string {
  const shown = shorten(text, max);
  // Cut: longer than `max`, or short but full of escapes that made it so.
  const cut = codePoints(text, max + 1) > max || (shown.endsWith('…') && !text.endsWith('…'));
  return `${mark}${shown}${mark}${cut ? ` (${formatCount(codePoints(text))} characters)` : ''}`;
}

/**
 * `text` made safe to print inside a one-line message, without quotes: control characters escaped,
 * cut after `max` characters with '…'. For names that a message shows bare, such as a field path.
 */
export function shorten(text: string, max = QUOTE_MAX): string {
  if (codePoints(text, max + 1) <= max && !CONTROL.test(text)) return text;
  // Cut what is shown: a control character shows as an escape of up to six characters, and
  // binary input is full of them, so the escaped text is what must fit.
  const shown = visible(text.length > 8 * max ? text.slice(0, 8 * max) : text);
  if (codePoints(shown, max + 1) <= max) return shown;
  let cut = 0;
  // Cut at a code point, never inside a surrogate pair.
  for (let i = 0; i < max; i++) cut += (shown.codePointAt(cut) ?? 0) > 0xffff ? 2 : 1;
  // Nor inside an escape: a trailing `\u00` fragment goes.
  return `${shown.slice(0, cut).replace(/\\(u[0-9a-f]{0,3}|)$/, '')}…`;
}

/** Details of a failure (a cloud's message, a client's error) are cut after this many characters. */
export const DETAIL_MAX = 300;

/**
 * A message from elsewhere (a cloud API, an HTTP client) made fit for a report: every URL loses its
 * query (which carries the request's parameters and signature, and can be kilobytes of ids), and
 * the whole is cut to `max` characters.
 * @example boundedDetail('read ECONNRESET PUT http://sae.example/app?AppId=…4 KB… failed.') // 'read ECONNRESET PUT http://sae.example/app?… failed.'
 */
export function boundedDetail(text: string, max = DETAIL_MAX): string {
  return shorten(text.replace(/\b(https?:\/\/[^\s?#"']*)\?[^\s"']*/g, '$1?…'), max);
}

/** A count as people read it: 4,000. */
export const formatCount = (n: number): string => count.format(n);

/**
 * A list of things a person gave, each quoted, cut after `max` items with "and N more".
 *
 * @example quoteList(['a', 'b']) // "'a', 'b'"
 * @example quoteList(names, 3) // "'a', 'b', 'c' and 19,997 more"
 */
export function quoteList(items: readonly string[], max = 5, quoteOne: (item: string) => string = (item) => quote(item)): string {
  const shown = items.slice(0, max).map(quoteOne).join(', ');
  return items.length > max ? `${shown} and ${formatCount(items.length - max)} more` : shown;
}

/** Code points in `text`, counting no further than `stop` (long texts are only measured when cut). */
function codePoints(text: string, stop = Infinity): number {
  if (!/[\ud800-\udbff]/.test(text)) return Math.min(text.length, stop);
  let n = 0;
  for (let i = 0; i < text.length && n < stop; i++, n++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) i++;
  }
  return n;
}

const ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Control characters as escapes, so a quoted value never breaks a message over lines or moves the cursor. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

function visible(text: string): string {
  return text.replace(new RegExp(CONTROL.source, 'g'), (c) => ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

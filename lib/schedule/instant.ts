import { quote } from '../errors.js';
import type { Parsed } from './parsed.js';
import { wallToInstant } from './zone.js';

/**
 * The one reader of instants people type: `--at`, the event's `at` and `triggerTime`, the snooze
 * tag, and the ends of absolute windows in schedule files. One reader, so a value offpeak prints
 * (`toISOString()`) or `date -Ins` prints is taken everywhere the same way.
 *
 * Taken: an ISO-8601 / RFC-3339 date-time, extended (2026-12-01T20:00:00+08:00) or basic
 * (20261201T200000+0800); with or without seconds; with a fraction of a second of any length after
 * '.' or ',' (kept to the millisecond, cut rather than rounded so an instant never moves forward);
 * 'T', 't' or one space between date and time; an offset Z, ±HH:MM, ±HHMM or ±HH.
 */

/** The form, as messages teach it. */
export const INSTANT_FORM = 'YYYY-MM-DDTHH:MM[:SS[.fff]] with an offset Z, +08:00, +0800 or +08';

const EXTENDED = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?$/;
const BASIC = /^(\d{4})(\d{2})(\d{2})[Tt](\d{2})(\d{2})(?:(\d{2})(?:[.,](\d+))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Reads an instant. Without `zone` the offset is required (a bare wall time would be read in
 * whatever zone the process runs); with `zone`, a wall time without one is in that zone, a time
 * in a DST gap or fold resolved as the schedule's rules say (zone.ts). Messages start with the
 * text, quoted, so a caller only puts the field's name in front.
 *
 * @example parseInstant('2026-12-01T20:00+08:00') // { ok: true, value: Date.parse('2026-12-01T12:00:00Z') }
 * @example parseInstant('2026-12-01T12:00:00,123456789Z') // { ok: true, value: Date.parse('2026-12-01T12:00:00.123Z') }
 * @example parseInstant('2026-12-24T18:00', 'Asia/Shanghai') // { ok: true, value: Date.parse('2026-12-24T10:00:00Z') }
 */
export function parseInstant(text: string, zone?: string): Parsed<number> {
  const trimmed = text.trim();
  const match = EXTENDED.exec(trimmed) ?? BASIC.exec(trimmed);
  const fail = (why: string): { ok: false; message: string } => ({ ok: false, message: `${quote(text)} ${why}` });
  const notOne = zone === undefined ? 'is not an ISO instant' : 'is not a date-time';
  if (!match) return fail(`${notOne}; ${formHint(trimmed, zone)}`);
  const [, y, mo, d, h, mi, s, fraction, offsetText] = match;
  const [year, month, day, hours, minutes, seconds] = [y, mo, d, h, mi, s ?? '0'].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];

  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day)
    return fail(`${notOne}: there is no day ${y}-${mo}-${d}`);
  if (hours === 24) return fail(`${notOne}: write 24:00 as 00:00 of the next day`);
  if (hours > 23) return fail(`${notOne}: there is no hour ${h}; hours run 00 to 23`);
  if (minutes > 59) return fail(`${notOne}: there is no minute ${mi}; minutes run 00 to 59`);
  if (seconds > 59) return fail(`${notOne}: there is no second ${s}; seconds run 00 to 59`);
  const ms = Number((fraction ?? '').slice(0, 3).padEnd(3, '0'));

  if (offsetText === undefined) {
    const written = `${y}-${mo}-${d}T${h}:${mi}${s === undefined ? '' : `:${s}`}`;
    if (zone === undefined) return fail(`needs an offset or Z, e.g. ${written}+08:00 or ${written}Z`);
    return { ok: true, value: wallToInstant(zone, date.getTime() / 86_400_000, hours * 60 + minutes) + seconds * 1000 + ms };
  }
  let offset = 0;
  if (offsetText !== 'Z' && offsetText !== 'z') {
    const digits = offsetText.slice(1).replace(':', '');
    const [offsetHours, offsetMinutes] = [Number(digits.slice(0, 2)), Number(digits.slice(2) || '0')];
    if (offsetHours > 23 || offsetMinutes > 59) return fail(`${notOne}: there is no offset ${offsetText}; offsets run -23:59 to +23:59`);
    offset = (offsetText.startsWith('-') ? -1 : 1) * (offsetHours * 60 + offsetMinutes);
  }
  return { ok: true, value: date.getTime() + ((hours * 60 + minutes - offset) * 60 + seconds) * 1000 + ms };
}

/** What to write instead, for text that is no date-time at all; a date alone gets its own hint. */
function formHint(text: string, zone: string | undefined): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return `a date needs a time of day too, e.g. ${text}T00:00${zone === undefined ? '+08:00' : ''}`;
  return zone === undefined
    ? `write ${INSTANT_FORM}, e.g. 2026-12-24T18:00+08:00 or 2026-12-24T10:00:00.000Z`
    : `write YYYY-MM-DDTHH:MM[:SS[.fff]], with an offset such as +08:00 or Z or without one (the rule's time zone), e.g. 2026-12-24T18:00+08:00`;
}

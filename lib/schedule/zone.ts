/**
 * Wall-clock arithmetic in IANA zones, by the product's rules:
 * a wall time that does not exist (spring-forward gap) happens at the first instant after the gap;
 * a wall time that occurs twice (fall-back) happens at its first occurrence.
 *
 * Local dates are "day numbers": days since 1970-01-01 in the zone's wall clock. They make
 * "the day before" and "the weekday" integer arithmetic instead of calendar objects.
 */

import { IANAZone } from 'luxon';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** True when `name` is an IANA zone this runtime knows (e.g. `Asia/Shanghai`). */
export function isValidZone(name: string): boolean {
  // A rule's zone must be a named zone with DST rules; luxon would also take offsets like "UTC+8".
  return /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/.test(name) && IANAZone.create(name).isValid;
}

function zoneOffset(zone: string, ms: number): number {
  const iana = IANAZone.create(zone);
  if (!iana.isValid) throw new RangeError(`unknown time zone '${zone}'`);
  return iana.offset(ms);
}

// Offsets change a few times a year, and a tick asks about the same hours again and again. An hour
// whose first and last millisecond share an offset has that offset throughout (no zone changes
// twice within an hour); such hours are remembered, others are asked each time.
const hours = new Map<string, Map<number, number | null>>();

/** Offset of `zone` from UTC at instant `ms`, in minutes. */
export function offsetAt(zone: string, ms: number): number {
  let perZone = hours.get(zone);
  if (!perZone) hours.set(zone, (perZone = new Map<number, number | null>()));
  const hour = Math.floor(ms / HOUR);
  let offset = perZone.get(hour);
  if (offset === undefined) {
    const first = zoneOffset(zone, hour * HOUR);
    offset = first === zoneOffset(zone, hour * HOUR + HOUR - 1) ? first : null;
    if (perZone.size > 50_000) perZone.clear();
    perZone.set(hour, offset);
  }
  return offset ?? zoneOffset(zone, ms);
}

/** The wall clock at an instant: local day number and milliseconds since local midnight. */
export function wallClock(zone: string, ms: number): { day: number; msOfDay: number } {
  const wall = ms + offsetAt(zone, ms) * MINUTE;
  const day = Math.floor(wall / DAY);
  return { day, msOfDay: wall - day * DAY };
}

/** ISO weekday of a day number: 1 = Monday … 7 = Sunday. */
export function isoWeekday(day: number): number {
  return ((((day + 3) % 7) + 7) % 7) + 1;
}

/** Day number of a `YYYY-MM-DD` date (proleptic Gregorian), or undefined when it is not a real date. */
export function dayOfDate(date: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) return undefined;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const ms = Date.UTC(y, m - 1, d);
  const check = new Date(ms);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d) return undefined;
  return ms / DAY;
}

/** `YYYY-MM-DD` of a day number. */
export function dateOfDay(day: number): string {
  return new Date(day * DAY).toISOString().slice(0, 10);
}

// Edges of thousands of rules fall on the same few wall times, so resolutions are memoised per
// zone. The memo is bounded: it is dropped whole when it grows past the limit.
const MEMO_LIMIT = 200_000;
const memo = new Map<string, Map<number, number>>();
let memoSize = 0;

/**
 * The instant at which wall time `minute` (0–1440; 1440 = the next midnight) of local day `day`
 * happens in `zone`, under the gap and fold rules above.
 *
 * @example wallToInstant('Europe/Berlin', dayOfDate('2026-03-29')!, 150) // 02:30 → 03:00 local
 */
export function wallToInstant(zone: string, day: number, minute: number): number {
  let perZone = memo.get(zone);
  if (!perZone) memo.set(zone, (perZone = new Map<number, number>()));
  const key = day * 1441 + minute;
  const known = perZone.get(key);
  if (known !== undefined) return known;
  const resolved = resolveWall(zone, day * DAY + minute * MINUTE);
  if (++memoSize > MEMO_LIMIT) {
    memo.clear();
    memoSize = 0;
    memo.set(zone, (perZone = new Map<number, number>()));
  }
  perZone.set(key, resolved);
  return resolved;
}

function resolveWall(zone: string, wall: number): number {
  // Offsets a day either side bound the offsets that can apply at this wall time.
  const before = offsetAt(zone, wall - DAY);
  const after = offsetAt(zone, wall + DAY);
  let first: number | undefined;
  for (const offset of before === after ? [before] : [before, after]) {
    const instant = wall - offset * MINUTE;
    if (offsetAt(zone, instant) === offset && (first === undefined || instant < first)) first = instant;
  }
  if (first !== undefined) return first;
  // No offset maps to this wall time: it lies in a gap. The first instant after the gap is the
  // transition itself, found by bisection between the two candidate instants.
  let lo = wall - Math.max(before, after) * MINUTE;
  let hi = wall - Math.min(before, after) * MINUTE;
  const late = offsetAt(zone, hi);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetAt(zone, mid) === late) hi = mid;
    else lo = mid;
  }
  return hi;
}

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** An instant as people read it in a zone: `Mon 2026-11-23 20:00 +08:00`. */
export function formatLocal(ms: number, zone: string): string {
  const offset = offsetAt(zone, ms);
  const { day, msOfDay } = wallClock(zone, ms);
  const minutes = Math.floor(msOfDay / MINUTE);
  const sign = offset < 0 ? '-' : '+';
  const pad = (n: number) => String(n).padStart(2, '0');
  const hhmm = `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
  return `${WEEKDAYS[isoWeekday(day) - 1]} ${dateOfDay(day)} ${hhmm} ${sign}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
}

import { quote } from '../errors.js';
import { CronExpressionParser, type CronExpression } from 'cron-parser';
import type { Parsed } from './parsed.js';

/**
 * Cron rules follow cron-parser's semantics in the rule's zone: 5 fields (minute first) or 6
 * (seconds first); day-of-month and day-of-week are ORed.
 */

export const CRON_FORM = "5 fields 'minute hour day-of-month month day-of-week' (or 6 with seconds first), e.g. '0 20 * * 1-5'";

// A fixed reference keeps validation deterministic: whether a cron can ever fire does not depend
// on today's date, and the longest gap between fires of a valid cron (Feb 29) is eight years.
const REFERENCE = new Date('2000-01-01T00:00:00Z');
const HORIZON = new Date('2100-01-01T00:00:00Z');

function parse(expression: string, zone: string, currentDate: Date | number): CronExpression {
  return CronExpressionParser.parse(expression, { currentDate, tz: zone });
}

// Parsing dominates the cost of a fire-time lookup, and a scheduler asks the same few crons again
// at every tick; a parsed expression is reused by resetting its position. Bounded like any memo.
const parsed = new Map<string, CronExpression>();

function positioned(expression: string, zone: string, at: number): CronExpression {
  const key = `${zone} ${expression}`;
  let cron = parsed.get(key);
  if (!cron) {
    if (parsed.size > 10_000) parsed.clear();
    cron = parse(expression, zone, at);
    parsed.set(key, cron);
  } else cron.reset(new Date(at));
  return cron;
}

const checked = new Map<string, Parsed<string>>();

/** Checks a cron expression: its shape, its fields, and that it can fire at all. */
export function checkCron(expression: string, zone: string): Parsed<string> {
  const key = `${zone} ${expression}`;
  let result = checked.get(key);
  if (!result) {
    if (checked.size > 10_000) checked.clear();
    checked.set(key, (result = check(expression, zone)));
  }
  return result;
}

function check(expression: string, zone: string): Parsed<string> {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) {
    return {
      ok: false,
      message: `${quote(expression)} has ${fields.length} field${fields.length === 1 ? '' : 's'}; expected ${CRON_FORM}`,
    };
  }
  try {
    const next = parse(expression, zone, REFERENCE).next();
    if (next.getTime() > HORIZON.getTime()) throw new Error('it never fires');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const why = /day of month/i.test(reason) ? 'it can never fire (no such date)' : reason;
    return { ok: false, message: `${quote(expression)}: ${why}; expected ${CRON_FORM}` };
  }
  return { ok: true, value: expression.trim() };
}

// Between two fires a cron is quiet. Remembering the stretch [fire, next) around the last instant
// asked about answers most questions of a run of ticks (and of many rules sharing a cron) without
// walking the cron again: walking backwards with prev() is the slowest call cron-parser has.
// Each entry says: no fire in (after, next), `next` is a fire, and `after` is one too when `fire` is set.
const quiet = new Map<string, { after: number; next: number; fire?: number }>();

function remember(key: string, entry: { after: number; next: number; fire?: number }): void {
  if (quiet.size > 10_000) quiet.clear();
  quiet.set(key, entry);
}

// Rules of one run ask the same question (same cron, zone and interval) many times over.
const answered = new Map<string, readonly number[]>();

/** Fire times of a valid cron in (from, to], in epoch milliseconds. */
export function firesBetween(expression: string, zone: string, from: number, to: number): number[] {
  const key = `${zone} ${expression}`;
  const known = quiet.get(key);
  if (known && known.after <= from && to < known.next) return [];
  const question = `${key} ${from} ${to}`;
  const answer = answered.get(question);
  if (answer) return [...answer];
  const fires = walk(key, expression, zone, from, to);
  if (answered.size > 1000) answered.clear();
  answered.set(question, fires);
  return [...fires];
}

function walk(key: string, expression: string, zone: string, from: number, to: number): number[] {
  const fires: number[] = [];
  const cron = positioned(expression, zone, from);
  for (;;) {
    const next = cron.next().getTime();
    if (next > to) {
      const last = fires[fires.length - 1];
      remember(key, last === undefined ? { after: from, next } : { after: last, next, fire: last });
      return fires;
    }
    fires.push(next);
  }
}

/** The latest fire time at or before `at`, or undefined when there is none. */
export function latestFire(expression: string, zone: string, at: number): number | undefined {
  const key = `${zone} ${expression}`;
  const known = quiet.get(key);
  if (known?.fire !== undefined && known.fire <= at && at < known.next) return known.fire;
  try {
    const fire = positioned(expression, zone, at + 1)
      .prev()
      .getTime();
    const next = positioned(expression, zone, fire).next().getTime();
    remember(key, { after: fire, next, fire });
    return fire;
  } catch {
    return undefined;
  }
}

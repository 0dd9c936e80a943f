import * as z from 'zod';
import { OffpeakError, quote, QUOTE_MAX, quoteList } from '../errors.js';
import { parseInstant } from '../schedule/instant.js';
import { parseDuration } from '../schedule/duration.js';
import { RULE_NAME } from '../schedule/schema.js';
import { ACCOUNT_NAME } from '../schedule/accounts.js';
import type { RunRequest } from '../request.js';

/**
 * The Function Compute event, read strictly: a timer event (its triggerTime is the tick instant `at`) or a manual
 * event from the console or `offpeak invoke`, which may narrow what the schedules allow and never
 * widen it. A wrong event is an error naming the field and the fix; nothing runs.
 */

export type { RunRequest };

/** An event that cannot be run: the message says which field and how to fix it. */
export class EventError extends OffpeakError {
  override readonly name = 'EventError';

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, code: 'EventInvalid' });
  }
}

const timerEvent = z.strictObject({ triggerTime: z.string(), triggerName: z.string().optional(), payload: z.string().optional() });

const manualEvent = z.strictObject({
  at: z.string().optional(),
  dryRun: z.boolean().optional(),
  rules: z.array(z.string().regex(RULE_NAME)).min(1).optional(),
  action: z.enum(['stop', 'start']).optional(),
  force: z.boolean().optional(),
  /** Only these member accounts: what a run that fans out sends each account's run (lib/fleet.ts). */
  accounts: z.array(z.string().regex(ACCOUNT_NAME)).min(1).optional(),
  wake: z
    .strictObject({
      targets: z.array(z.string().min(1).max(128)).min(1).max(100),
      for: z.string(),
      reason: z.string().max(200).optional(),
    })
    .optional(),
});

const MANUAL_FORM =
  '{"at"?: ISO instant, "dryRun"?: true|false, "rules"?: ["rule-name", ...], "action"?: "stop"|"start", "force"?: true|false, "accounts"?: ["account-name", ...]} or {"wake": {"targets": [...], "for": "3h", "reason"?: text}}';

/**
 * Reads the raw event (FC passes a Buffer). An empty event is a manual run at "now".
 * @example parseEvent(Buffer.from('{"dryRun":true}')) // { trigger: 'manual', dryRun: true, force: false }
 */
export function parseEvent(raw: Buffer | string | undefined | null): RunRequest {
  const text = raw === undefined || raw === null ? '' : typeof raw === 'string' ? raw : raw.toString('utf8');
  if (text.trim() === '') return { trigger: 'manual', dryRun: false, force: false };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    // V8 quotes a bounded snippet of the text; only its line breaks need flattening.
    throw new EventError(`the event is not JSON (${(error as Error).message.replace(/\s+/g, ' ')}); send a timer event or ${MANUAL_FORM}`, {
      cause: error,
    });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new EventError(`the event must be a JSON object: ${MANUAL_FORM}`);
  if ('triggerTime' in value) {
    const timer = timerEvent.safeParse(value);
    if (!timer.success) {
      const issue = timer.error.issues[0]!;
      if (issue.code === 'unrecognized_keys') {
        throw new EventError(
          `timer event: unknown field ${fieldList(issue.keys)}; a timer event has only triggerTime, triggerName and payload (send a manual event for dryRun, rules or action)`,
        );
      }
      const field = issue.path.map(String).join('.');
      throw new EventError(
        `timer event: field "${field}": ${field === 'triggerTime' ? 'must be text, an ISO instant such as "2026-11-24T12:00:00Z"' : issue.message}`,
      );
    }
    // Only an instant with its offset: a bare wall time would be read in whatever zone the function runs.
    const at = parseInstant(timer.data.triggerTime);
    if (!at.ok) throw new EventError(`timer event: field "triggerTime": ${at.message}`);
    return { trigger: 'timer', at: at.value, dryRun: false, force: false };
  }
  const manual = manualEvent.safeParse(value);
  if (!manual.success) {
    const issue = manual.error.issues[0]!;
    const field = issue.path.map(String).join('.') || '(event)';
    if (issue.code === 'unrecognized_keys')
      throw new EventError(`unknown field ${fieldList(issue.keys)}; a manual event is ${MANUAL_FORM}`);
    throw new EventError(`field "${field}": ${issue.message}; a manual event is ${MANUAL_FORM}`);
  }
  const event = manual.data;
  let wake: RunRequest['wake'];
  if (event.wake) {
    // A wake is its own request: it does not narrow a tick.
    const other = (['rules', 'action', 'force'] as const).filter((k) => event[k] !== undefined);
    if (other.length) throw new EventError(`field "wake" goes alone (with "at" and "dryRun" at most); leave out ${fieldList(other)}`);
    const ms = parseDuration(event.wake.for);
    if (ms === undefined || ms === 0)
      throw new EventError(`field "wake.for": ${quote(event.wake.for)} is not a positive duration such as "3h"`);
    wake = { targets: event.wake.targets, for: ms, ...(event.wake.reason ? { reason: event.wake.reason } : {}) };
  }
  let at: number | undefined;
  if (event.at !== undefined) {
    const parsed = parseInstant(event.at);
    if (!parsed.ok) throw new EventError(`field "at": ${parsed.message}`);
    at = parsed.value;
  }
  return {
    trigger: 'manual',
    ...(at !== undefined ? { at } : {}),
    dryRun: event.dryRun ?? false,
    ...(event.rules ? { rules: event.rules } : {}),
    ...(event.action ? { action: event.action } : {}),
    force: event.force ?? false,
    ...(event.accounts ? { accounts: event.accounts } : {}),
    ...(wake ? { wake } : {}),
  };
}

/** Field names as the event spells them (JSON quotes), a few of them when someone sends thousands. */
const fieldList = (keys: readonly string[]): string => quoteList(keys, 5, (key) => quote(key, QUOTE_MAX, '"'));

import { resolve } from 'node:path';
import { CredentialsError, fcCredentials } from '../cloud/credentials.js';
import { readSettings, SettingsError } from '../config.js';
import { OffpeakError } from '../errors.js';
import { accountConnector } from './accounts.js';
import { shardDispatcher } from './fan-out.js';
import { EventError, parseEvent } from './event.js';
import { Deadline } from '../execute/deadline.js';
import { systemClock, type Clock } from '../execute/clock.js';
import type { ResourceResult } from '../execute/result.js';
import { calendarLogLine, closingLogLines, failureLine, resourceLogLine, type RunMark } from '../report/run.js';
import { calendarNotices } from '../schedule/warnings.js';
import { runFleet } from '../fleet.js';
import type { RunReport } from '../run.js';
import { createNotifier } from '../notify/send.js';
import { RequestError } from '../request.js';
import { loadRules, SchedulesInvalid } from './schedule-files.js';
import { WakeError } from '../wake.js';

/**
 * A Function Compute invocation as a run: the event and context in, the report out. Every mistake
 * (settings, schedules, event) is one clear message before any cloud call; a run that failed or
 * ran out of time throws after logging, so FC records the failure and retries async deliveries.
 */

/** The parts of FC's context offpeak reads. */
export interface FcContext {
  readonly requestId?: string;
  readonly credentials?: { readonly accessKeyId?: string; readonly accessKeySecret?: string; readonly securityToken?: string };
  readonly function?: { readonly name?: string; readonly timeout?: number };
  readonly service?: { readonly qualifier?: string };
  readonly region?: string;
  readonly accountId?: string;
}

export interface InvocationDeps {
  readonly clock: Clock;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Where log lines go (FC collects stdout into Log Service). */
  readonly log: (line: string) => void;
}

/**
 * A failure that FC should show as it is: its stack is its message, because a stack trace would
 * only hide the one line that says what to fix.
 */
export class InvocationError extends OffpeakError {
  override readonly name = 'OffpeakError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, code: 'InvocationFailed' });
    this.stack = `${this.name}: ${message}`;
  }
}

const DEFAULT_TIMEOUT_SECONDS = 60;

/** Runs one invocation; resolves with the report, or throws InvocationError. */
export async function runInvocation(
  event: Buffer | string | undefined,
  context: FcContext,
  deps: InvocationDeps = { clock: systemClock, env: process.env, log: (line) => console.log(line) },
): Promise<RunReport> {
  const fail = (message: string): never => {
    deps.log(JSON.stringify({ type: 'error', message }));
    throw new InvocationError(message);
  };
  const now = deps.clock.now();
  const deadline = Deadline.fromFunctionTimeout(now, context.function?.timeout ?? DEFAULT_TIMEOUT_SECONDS, deps.clock);
  try {
    const settings = readSettings(deps.env, { schedules: resolve(process.cwd(), 'schedules') });
    const { rules, accounts } = await loadRules(settings.schedules, now);
    const request = parseEvent(event);
    const at = request.at ?? now;
    for (const notice of calendarNotices(rules, at, settings.tick)) deps.log(calendarLogLine(notice, at));
    const credentials = context.credentials ? fcCredentials(context) : ({ kind: 'chain' } as const);
    const connect = accountConnector({
      credentials,
      settings,
      deadline,
      clock: deps.clock,
      ...(context.region ? { region: context.region } : {}),
    });
    // Each resource is logged as it finishes: a run cut short by FC still leaves what it did.
    const onResult = (result: ResourceResult, run: RunMark) => deps.log(resourceLogLine(result, run));
    // Messages sign with the clock's time, never the event's `at` (robots refuse a timestamp an hour off).
    const notifier = createNotifier({ env: deps.env, now: () => deps.clock.now(), allows: (ms) => deadline.allows(ms) });
    const dispatch = accounts.size > 0 ? shardDispatcher(context, credentials, settings) : undefined;
    const report = await runFleet(request, settings, {
      rules,
      accounts,
      connect,
      ...(dispatch ? { dispatch } : {}),
      clock: deps.clock,
      deadline,
      onResult,
      notifier,
    });
    for (const line of closingLogLines(report)) deps.log(line);
    if (!report.ok) fail(failureLine(report));
    return report;
  } catch (error) {
    const message = inputMessage(error);
    if (message === undefined) throw error;
    return fail(message);
  } finally {
    deadline.dispose();
  }
}

/** The one line for a mistake in the function's input; undefined for anything else. */
function inputMessage(error: unknown): string | undefined {
  if (error instanceof SettingsError) return `settings: ${error.message}`;
  if (error instanceof SchedulesInvalid) return error.message;
  if (error instanceof EventError) return `event: ${error.message}`;
  if (error instanceof RequestError) return `event: field "${error.field}": ${error.message}`;
  if (error instanceof CredentialsError) return error.message;
  if (error instanceof WakeError) return `event: field "wake": ${error.message}`;
  return undefined;
}

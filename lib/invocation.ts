import { resolve } from 'node:path';
import { fcCredentials } from './cloud/credentials.js';
import { readSettings } from './config.js';
import { OffpeakError } from './errors.js';
import { connect } from './connect.js';
import { EventError, parseEvent } from './event.js';
import { Deadline } from './execute/deadline.js';
import { systemClock, type Clock } from './execute/clock.js';
import { failureLine, reportLogLines } from './report/run.js';
import { runTick, type RunReport } from './run.js';
import { formatDiagnostic, hasErrors, sortDiagnostics } from './schedule/diagnostics.js';
import { loadSchedules } from './schedule/files.js';

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
  const startedAt = deps.clock.now();
  const fail = (message: string): never => {
    deps.log(JSON.stringify({ type: 'error', message }));
    throw new InvocationError(message);
  };
  let settings;
  try {
    settings = readSettings(deps.env, { schedules: resolve(process.cwd(), 'schedules') });
  } catch (error) {
    return fail(`settings: ${(error as Error).message}`);
  }
  // A scheduled run needs only the errors: the DST look-ahead of the warnings is validate's job.
  const loaded = await loadSchedules([settings.schedules], { at: startedAt, warnings: false });
  const diagnostics = sortDiagnostics(loaded.diagnostics).filter((d) => d.severity === 'error');
  if (hasErrors(diagnostics)) return fail(`the schedules have errors, nothing was done:\n${diagnostics.map(formatDiagnostic).join('\n')}`);

  let request;
  try {
    request = parseEvent(
      event,
      loaded.rules.map((r) => r.name),
    );
  } catch (error) {
    if (error instanceof EventError) return fail(`event: ${error.message}`);
    throw error;
  }
  let credentials;
  try {
    credentials = context.credentials ? fcCredentials(context) : ({ kind: 'chain' } as const);
  } catch (error) {
    return fail((error as Error).message);
  }
  const deadline = Deadline.fromFunctionTimeout(startedAt, context.function?.timeout ?? DEFAULT_TIMEOUT_SECONDS, deps.clock);
  try {
    const { apis } = connect({ credentials, settings, deadline, clock: deps.clock });
    const report = await runTick({
      at: request.at ?? startedAt,
      tick: settings.tick,
      rules: loaded.rules,
      apis,
      deadline,
      dryRun: request.dryRun,
      narrowing: {
        manual: request.trigger === 'manual',
        ...(request.rules ? { rules: request.rules } : {}),
        ...(request.action ? { action: request.action } : {}),
      },
      maxStopsPerRun: settings.maxStopsPerRun,
      force: request.force,
      saeBatch: settings.saeBatch,
      pollMs: settings.pollMs,
      sleep: (ms) => deps.clock.sleep(ms),
    });
    for (const line of reportLogLines(report)) deps.log(line);
    if (!report.ok) fail(failureLine(report));
    return report;
  } finally {
    deadline.dispose();
  }
}

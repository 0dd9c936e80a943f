import { OffpeakError, quoteList } from './errors.js';
import type { Narrowing } from './plan/intents.js';
import type { Action } from './schedule/rule.js';

/**
 * What a door asks of one run. The Function Compute event, `offpeak run` and the tests all become
 * a RunRequest; everything derived from it (the narrowing, "manual", the rule-name check) is worked
 * out here, once, so two doors can never read the same request differently.
 */
/** What a person asks of a wake (lib/wake.ts): which targets, for how long (ms), and why. */
export interface WakeAsk {
  readonly targets: readonly string[];
  readonly for: number;
  readonly reason?: string;
}

export interface RunRequest {
  /** `timer`: a timer trigger's tick; `manual`: a person (console, terminal, `offpeak run`). */
  readonly trigger: 'timer' | 'manual';
  /** The tick instant (epoch ms); absent means "now" by the run's clock. */
  readonly at?: number;
  readonly dryRun: boolean;
  /** Only these rules (names); never widens what the schedules allow. */
  readonly rules?: readonly string[];
  /** Only stops or only starts. */
  readonly action?: Action;
  /** Pass the blast-radius guard. */
  readonly force: boolean;
  /** Only the targets of these member accounts (schedule `accounts`); never fans out (lib/fleet.ts). */
  readonly accounts?: readonly string[];
  /** A self-service wake instead of a tick (lib/wake.ts): start these targets now and snooze them for a while. */
  readonly wake?: WakeAsk;
}

/** A request the schedules cannot serve; `field` names the request field for the door's message. */
export class RequestError extends OffpeakError {
  override readonly name = 'RequestError';
  constructor(
    readonly field: keyof RunRequest,
    message: string,
  ) {
    super(message, { code: 'RequestInvalid' });
  }
}

/**
 * The request's narrowing of the rules, after checking the rule names it gives.
 * A manual request with an action converges on each rule's state at `at` instead of waiting for an
 * edge ("stop the dev rule now"); a timer request only ever follows edges.
 * @throws RequestError when a named rule is not in the schedules.
 */
export function narrowingOf(request: RunRequest, known: readonly string[]): Narrowing {
  const names = new Set(known);
  const unknown = (request.rules ?? []).filter((r) => !names.has(r));
  if (unknown.length > 0) {
    throw new RequestError('rules', `no rule named ${quoteList(unknown)}; the schedules have ${quoteList(known, 20) || 'no rules'}`);
  }
  return {
    manual: request.trigger === 'manual' && request.action !== undefined,
    ...(request.rules ? { rules: request.rules } : {}),
    ...(request.action ? { action: request.action } : {}),
  };
}

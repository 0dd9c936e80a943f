import * as z from 'zod';
import { quote } from '../errors.js';
import type { ChangeOrderFault, Product } from './api.js';

/**
 * Injected faults: errors, latency, dropped connections, broken-gateway pages and SAE change orders
 * that fail or hang, per product, action and resource. Probabilities draw from a seeded generator so a run with the same calls
 * and the same seed fails the same way every time.
 */

/** The SAE actions that create a change order: only their calls have an order to shape. */
const ORDER_ACTIONS = ['StopApplication', 'StartApplication', 'BatchStopApplications', 'BatchStartApplications', 'RescaleApplication'];
/** The statuses a change order ends in (DescribeChangeOrder, docs/reference/alibaba-cloud-facts.md §1.5). */
const END_STATUSES = [2, 3, 6, 10];

const faultFields = z.strictObject({
  product: z.enum(['sae', 'swas']),
  action: z.string().min(1).default('*'),
  resourceId: z.string().min(1).optional(),
  /** Answer this error code instead of running the call. */
  code: z.string().min(1).optional(),
  httpStatus: z.number().int().min(400).max(599).optional(),
  message: z.string().optional(),
  /** Only the next K matching calls. */
  times: z.number().int().min(1).optional(),
  /** Each matching call with this probability. */
  probability: z.number().min(0).max(1).optional(),
  latencyMs: z.number().int().min(0).max(120_000).optional(),
  /** Close the connection without an answer. */
  drop: z.literal(true).optional(),
  /** Answer a non-JSON 502 page, as a broken gateway does. */
  html: z.literal(true).optional(),
  /** Run the call first, then delay, drop or fail its answer: the "it happened but you never heard" case. */
  afterExecute: z.literal(true).optional(),
  /** SAE only: errors use the numeric-Code shape `{"Code":"400","ErrorCode":"<real code>"}`. */
  numericCode: z.literal(true).optional(),
  /** SAE, an action that creates a change order: the order ends in this status (`message`: its ErrorMessage). */
  changeOrderStatus: z.number().int().optional(),
  /** SAE, likewise: the order never ends (Status 1, then SubStatus 1), as when SAE waits for a person. */
  stuck: z.literal(true).optional(),
});

/** A rule that shapes a change order must name a call that creates one, and let it run. */
const faultRule = faultFields.superRefine((rule, ctx) => {
  const field = rule.stuck ? 'stuck' : rule.changeOrderStatus !== undefined ? 'changeOrderStatus' : undefined;
  if (field === undefined) return;
  const problem = orderProblem(rule);
  if (problem) ctx.addIssue({ code: 'custom', path: [field], message: problem });
});

function orderProblem(rule: z.infer<typeof faultFields>): string | undefined {
  if (rule.stuck && rule.changeOrderStatus !== undefined) return 'cannot go with changeOrderStatus: a stuck order never ends';
  if (rule.changeOrderStatus !== undefined && !END_STATUSES.includes(rule.changeOrderStatus))
    return `must be a status a change order ends in: 2 succeeded, 3 failed, 6 terminated or 10 system failure (an order that never ends is stuck: true), got ${rule.changeOrderStatus}`;
  if (rule.product !== 'sae') return `is for SAE change orders: product must be sae`;
  if (!ORDER_ACTIONS.includes(rule.action))
    return `needs an action that creates a change order: ${ORDER_ACTIONS.join(', ')} (got ${quote(rule.action)})`;
  if ((rule.code !== undefined || rule.drop || rule.html) && !rule.afterExecute)
    return `shapes the order the call creates, but with code, drop or html the call never runs: add afterExecute: true`;
  return undefined;
}

export type FaultRule = z.infer<typeof faultRule>;

const faultList = z.array(faultRule);
const seededFaultList = z.strictObject({ seed: z.number().int().optional(), faults: z.array(faultRule) });

/** What the matching faults do to one call. */
export interface FaultEffect {
  latencyMs: number;
  drop: boolean;
  html: boolean;
  error?: { httpStatus: number; code: string; message: string };
  numericCode: boolean;
  afterExecute: boolean;
  /** How the change order the call creates ends, when a rule says. */
  changeOrder?: ChangeOrderFault;
}

/** The HTTP status a real service pairs with a code, for rules that give none. */
function statusOf(code: string): number {
  if (code === 'InternalError' || code === 'UnknownError') return 500;
  if (code === 'ServiceUnavailable') return 503;
  if (code === 'IncorrectInstanceStatus' || code.startsWith('Forbidden')) return 403;
  if (/NotFound$/.test(code)) return 404;
  return 400;
}

/** What a rule says of the change order its call creates, if anything. */
function changeOrderOf(rule: FaultRule): ChangeOrderFault | undefined {
  if (rule.stuck) return { stuck: true };
  if (rule.changeOrderStatus === undefined) return undefined;
  return { status: rule.changeOrderStatus, ...(rule.message !== undefined ? { errorMessage: rule.message } : {}) };
}

/** mulberry32: tiny, fast and good enough to make fault draws repeatable. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultInjector {
  private rules: Array<FaultRule & { left?: number }> = [];
  private random: () => number;

  /** @param startSeed the seed a reset returns to; `{seed, faults}` changes it only until then */
  constructor(private readonly startSeed = 1) {
    this.random = generator(startSeed);
  }

  /**
   * Replaces the rules with a JSON list (or `{seed, faults}`); throws Error with the field at fault.
   * Every call restarts the draws, so the same list over the same calls fails the same way.
   * @example injector.set([{ product: 'sae', action: 'StopApplication', code: 'System.Upgrading', times: 2 }])
   */
  set(value: unknown): void {
    // Chosen by shape rather than as a union, so an error names the rule's field, not "invalid input".
    const parsed = Array.isArray(value) ? faultList.safeParse(value) : seededFaultList.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new Error(`faults${issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}: ${issue.message}`);
    }
    const list = Array.isArray(parsed.data) ? parsed.data : parsed.data.faults;
    const seed = Array.isArray(parsed.data) ? this.startSeed : (parsed.data.seed ?? this.startSeed);
    this.random = generator(seed);
    this.rules = list.map((rule) => ({ ...rule, ...(rule.times !== undefined ? { left: rule.times } : {}) }));
  }

  /** The rules in force, with how many times each has left. */
  list(): ReadonlyArray<FaultRule & { left?: number }> {
    return this.rules;
  }

  /** The effect of every rule that fires for this call; undefined when none does. */
  draw(product: Product, action: string, resourceIds: readonly string[]): FaultEffect | undefined {
    let effect: FaultEffect | undefined;
    for (const rule of this.rules) {
      if (rule.product !== product || (rule.action !== '*' && rule.action !== action)) continue;
      if (rule.resourceId !== undefined && !resourceIds.includes(rule.resourceId)) continue;
      if (rule.left !== undefined && rule.left <= 0) continue;
      if (rule.probability !== undefined && this.random() >= rule.probability) continue;
      if (rule.left !== undefined) rule.left -= 1;
      effect ??= { latencyMs: 0, drop: false, html: false, numericCode: false, afterExecute: false };
      effect.latencyMs += rule.latencyMs ?? 0;
      effect.drop ||= rule.drop === true;
      effect.html ||= rule.html === true;
      effect.numericCode ||= rule.numericCode === true;
      effect.afterExecute ||= rule.afterExecute === true;
      effect.changeOrder ??= changeOrderOf(rule);
      if (rule.code !== undefined && effect.error === undefined) {
        effect.error = {
          httpStatus: rule.httpStatus ?? statusOf(rule.code),
          code: rule.code,
          message: rule.message ?? `Injected fault: ${rule.code}.`,
        };
      }
    }
    return effect;
  }
}

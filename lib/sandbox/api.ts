/**
 * What the sandbox's product models (SAE, SWAS) share with the HTTP server around them.
 *
 * A model never sees HTTP: the server has already verified the signature, routed the call to an
 * action, merged the query, form and JSON parameters into one flat map, and read the clock. A model
 * answers with a body or throws an ApiError; the server writes either in the product's own envelope.
 */

import { OffpeakError } from '../errors.js';

export type Product = 'sae' | 'swas';

/** One authenticated API call, as a model sees it. */
export interface ActionCall {
  readonly action: string;
  /** Query, form and JSON body parameters, flattened to text (`Tag.1.Key`, `InstanceIds` as JSON text). */
  readonly params: Readonly<Record<string, string>>;
  /** The account that signed the call: a model only ever sees and touches that account's resources. */
  readonly accountId: string;
  /** The region named by the endpoint host (`sae.cn-hangzhou.aliyuncs.com`), when the host says so. */
  readonly hostRegion?: string;
  /** Sandbox time in epoch milliseconds; models never read the clock themselves. */
  readonly now: number;
  /** An injected fault's word on the change order this call creates (SAE). */
  readonly changeOrderFault?: ChangeOrderFault;
}

/**
 * How the change order a call creates ends, by an injected fault: in `status` (3 failed,
 * 6 terminated, 10 system failure; the app stays where it was), or never (`stuck`).
 */
export interface ChangeOrderFault {
  readonly status?: number;
  readonly stuck?: boolean;
  /** The order's ErrorMessage. */
  readonly errorMessage?: string;
}

/** A model's answer to a call that succeeded. */
export interface ActionOutcome {
  /** The product-specific body without RequestId (the server adds it, and the SAE envelope). */
  readonly body: Record<string, unknown>;
  /** True only when the call changed state or created a change order (the call log's `executed`). */
  readonly executed: boolean;
}

/** An error the product returns on the wire: HTTP status, code and message. */
export class ApiError extends OffpeakError {
  override readonly name = 'ApiError';
  constructor(
    readonly httpStatus: number,
    code: string,
    message: string,
  ) {
    super(message, { code });
  }
}

/** The gateway's answer to a required parameter that is missing. */
export const missing = (name: string): ApiError => new ApiError(400, `Missing${name}`, `${name} is mandatory for this action.`);

/** The gateway's answer to a parameter whose value is wrong. */
export const invalid = (name: string, why: string): ApiError =>
  new ApiError(400, `InvalidParameter`, `The specified parameter ${name} is not valid: ${why}`);

/**
 * A parameter's text. Empty text counts as absent (SDKs drop unset fields, so '' only comes from
 * hand-made calls). Only own properties count, so `toString` or `__proto__` never read Object's.
 */
export function paramText(params: Readonly<Record<string, string>>, name: string): string | undefined {
  if (!Object.hasOwn(params, name)) return undefined;
  const value: unknown = params[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw invalid(name, 'must be text');
  return value;
}

/** Timings of a model, already divided by the sandbox's rate scale. */
export interface ModelTiming {
  /** How long an SAE change order runs (ms). */
  readonly changeOrderMs: number;
  /** How long a SWAS Starting/Stopping transition lasts (ms). */
  readonly transitionMs: number;
}

/** A product model: answers calls, and shows its state to the admin API. */
export interface ProductModel<State> {
  /** The actions this model answers, e.g. `StopInstance`. */
  readonly actions: ReadonlySet<string>;
  /** The resource ids a call names (for the call log and fault matching), read from its parameters. */
  resourceIds(action: string, params: Readonly<Record<string, string>>): string[];
  /** Answers one call; throws ApiError for an error the product would return. */
  handle(call: ActionCall): ActionOutcome;
  /** The state as `GET /_sandbox/state` shows it, at `now`. */
  snapshot(now: number): State;
}

/** A listing row without the fields a seed says it lacks. */
export function without(fields: readonly string[], row: Record<string, unknown>): Record<string, unknown> {
  if (fields.length === 0) return row;
  const out = { ...row };
  for (const field of fields) delete out[field];
  return out;
}

/**
 * Every failure of a cloud call becomes one typed CloudError whose `kind` alone decides what
 * happens next (retry, re-read, give up on the resource, or give up on the product and region).
 *
 * The Alibaba clients surface errors inconsistently (docs/reference/client-wire-facts.md §5): SAE bodies carry a
 * numeric `Code` with the real code in `ErrorCode`; a non-JSON gateway page arrives as a bare
 * SyntaxError; timeouts have a name but no code. All of that is undone here, in one place.
 */

import { boundedDetail, OffpeakError } from '../errors.js';

/** The products offpeak calls. */
export type Product = 'sae' | 'swas';

/** What a caller does about a failure; the code says what happened, the kind what to do. */
export type ErrorKind =
  /** Rate limited: wait and retry, and slow down. */
  | 'throttled'
  /** The resource or service is busy (a change order runs, an upgrade): retry later. */
  | 'busy'
  /** The resource is in a state the call does not accept: read its state again, then decide. */
  | 'state'
  /** A fault of the service or the network: retry. */
  | 'transient'
  /** The resource does not exist: report it, never retry. */
  | 'not-found'
  /** The request is wrong: report it, never retry. */
  | 'invalid'
  /** Credentials or RAM policy refuse the call: stop using this product and region for the run. */
  | 'permission';

export interface CloudErrorFields {
  readonly product: Product;
  readonly action: string;
  /** The cloud's own error code (e.g. 'Throttling.User'), or one of ours for a failure on the way ('Timeout', 'BadGateway'). */
  readonly code: string;
  readonly kind: ErrorKind;
  readonly message: string;
  readonly httpStatus?: number;
  readonly requestId?: string;
  /** What the client threw, kept for debugging. */
  readonly cause?: unknown;
}

/** A failed cloud call: the only error the cloud layer throws. Its `code` is the cloud's. */
export class CloudError extends OffpeakError {
  override readonly name = 'CloudError';
  readonly product: Product;
  readonly action: string;
  readonly kind: ErrorKind;
  readonly httpStatus?: number;
  readonly requestId?: string;

  constructor(fields: CloudErrorFields) {
    // The message goes into reports and logs: no URL query, no unbounded text, whatever the client said.
    super(boundedDetail(fields.message), { code: fields.code, cause: fields.cause });
    this.product = fields.product;
    this.action = fields.action;
    this.kind = fields.kind;
    this.httpStatus = fields.httpStatus;
    this.requestId = fields.requestId;
  }

  /** True when trying the same call again can succeed. */
  get retryable(): boolean {
    return this.kind === 'throttled' || this.kind === 'busy' || this.kind === 'transient';
  }
}

const BUSY = new Set(['Application.ChangerOrderRunning', 'System.Upgrading', 'ServiceUnavailable', 'Application.NotReady']);
const STATE = new Set(['Application.InvalidStatus', 'IncorrectInstanceStatus', 'IncorrectStatus']);
// MissingCredentials comes from credentials.ts, InvalidCredentials from openapi-client itself: no keys at all.
const PERMISSION =
  /^(Forbidden|NoPermission|InvalidAccessKeyId|SignatureDoesNotMatch|InvalidSecurityToken|MissingSecurityToken|IncompleteSignature|MissingCredentials|InvalidCredentials|Resouce\.no\.permission|Resource\.no\.permission|Unauthorized)|\.NoPermission$/;
const NETWORK = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
]);

/** The kind of an API error code with its HTTP status. */
export function kindOf(code: string, httpStatus?: number): ErrorKind {
  if (code.includes('Throttling')) return 'throttled';
  if (BUSY.has(code)) return 'busy';
  if (STATE.has(code)) return 'state';
  if (PERMISSION.test(code) || httpStatus === 401) return 'permission';
  if (/NotFound$|\.NotExist$|^NotFound/.test(code) || httpStatus === 404) return 'not-found';
  if (code === 'InternalError' || code === 'UnknownError' || (httpStatus ?? 0) >= 500) return 'transient';
  if (httpStatus === 403) return 'permission';
  return 'invalid';
}

interface ClientErrorShape {
  code?: unknown;
  name?: unknown;
  message?: unknown;
  statusCode?: unknown;
  requestId?: unknown;
  data?: { ErrorCode?: unknown; Code?: unknown; RequestId?: unknown; Message?: unknown; statusCode?: unknown } | null;
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined;

/**
 * Turns whatever a client threw into a CloudError.
 *
 * @example toCloudError(err, 'sae', 'StopApplication') // err.code "400", err.data.ErrorCode "Application.ChangerOrderRunning" → kind 'busy'
 */
export function toCloudError(error: unknown, product: Product, action: string): CloudError {
  if (error instanceof CloudError) return error;
  const e = (error ?? {}) as ClientErrorShape;
  const message = text(e.message) ?? String(error);
  const status = typeof e.statusCode === 'number' ? e.statusCode : typeof e.data?.statusCode === 'number' ? e.data.statusCode : undefined;
  const requestId = text(e.data?.RequestId) ?? text(e.requestId) ?? /request id: ([\w-]+)/i.exec(message)?.[1];

  const rawCode = text(e.code);
  const base = { product, action, cause: error, requestId };
  if (rawCode && NETWORK.has(rawCode))
    return new CloudError({ ...base, code: rawCode, kind: 'transient', message: `connection failed (${rawCode}): ${message}` });
  // openapi-client's RequestTimeoutError, and any other error whose name says timeout.
  if (/timeout/i.test(String(e.name)) || /^(Read|Connect)Timeout/.test(message)) {
    return new CloudError({ ...base, code: 'Timeout', kind: 'transient', message });
  }
  if (e.name === 'SyntaxError' || (error instanceof SyntaxError && rawCode === undefined)) {
    // A gateway error page instead of JSON: the tea clients lose the status; treat as a server fault.
    return new CloudError({
      ...base,
      code: 'BadGateway',
      kind: 'transient',
      message: 'the endpoint answered with something other than JSON (a gateway error page?)',
      httpStatus: status,
    });
  }
  // SAE error bodies put a numeric status in Code and the real code in ErrorCode.
  const code =
    (rawCode && !/^\d+$/.test(rawCode) ? rawCode : undefined) ?? text(e.data?.ErrorCode) ?? text(e.data?.Code) ?? rawCode ?? 'Unknown';
  const detail = text(e.data?.Message) ?? message;
  // A numeric code is an HTTP status when nothing else gave one.
  // Stryker: equivalent — for a missing code, any text that is not three digits does as well as ''.
  // Stryker disable next-line StringLiteral: equivalent (see the line above)
  const statusOfCode = /^\d{3}$/.test(rawCode ?? '') ? Number(rawCode) : undefined;
  return new CloudError({ ...base, code, kind: kindOf(code, status ?? statusOfCode), message: detail, httpStatus: status });
}

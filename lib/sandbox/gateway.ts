import { randomUUID } from 'node:crypto';
import { ApiError, type ActionOutcome, type Product, type ProductModel } from './api.js';
import { Authenticator, type Identity } from './auth.js';
import { FaultInjector, type FaultEffect } from './faults.js';
import { MINUTE, RateLimiter, limitFor } from './rate-limit.js';
import { parseRequest, regionOfHost } from './request.js';
import { SAE_ROUTES, createSaeModel, type SaeState } from './sae.js';
import type { Seed } from './seed.js';
import type { ReceivedRequest } from './signature.js';
import { createSwasModel, type SwasState } from './swas.js';
import { assumeRole, STS_VERSION } from './sts.js';

/**
 * The sandbox's API gateway and the world behind it: routes a received request to a product and
 * action, authenticates it, applies rate limits and injected faults, lets the product model answer,
 * and writes the answer in the product's envelope. No sockets here (server.ts does HTTP), so tests
 * and the fuzzer can drive it directly too.
 */

const VERSIONS: Record<string, Product> = { '2019-05-06': 'sae', '2020-06-01': 'swas' };

export interface GatewayOptions {
  readonly seed: Seed;
  /** Multiplies every rate limit and divides every duration (default 1). */
  readonly rateScale?: number;
  /** Off turns the rate limits off (benchmarks of the sandbox itself). Default on. */
  readonly rateLimits?: boolean;
  /** Seed of the fault generator (default 1). */
  readonly faultSeed?: number;
  /** The real clock, injectable for tests (default Date.now). */
  readonly wallClock?: () => number;
}

/** One API call as `GET /_sandbox/calls` lists it. */
export interface CallRecord {
  readonly at: string;
  /** 'fc' for the invocations of the hosted function (fc.ts), whose own calls follow as sae/swas; 'sts' for AssumeRole. */
  readonly product: Product | 'fc' | 'sts';
  /** The account that signed the call, or null when the signature named no known key or did not hold. */
  readonly accountId: string | null;
  /** The role ARN when the call was signed with a role session's keys (AssumeRole). */
  readonly role?: string;
  readonly action: string;
  readonly resourceIds: string[];
  readonly clientToken: string | null;
  /** The error code answered, or null for success. */
  readonly code: string | null;
  /** True only when the call changed state or created a change order. */
  readonly executed: boolean;
}

/** What the HTTP layer writes: an answer, after a delay, or a dropped connection. */
export interface GatewayAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly latencyMs: number;
  readonly drop: boolean;
}

export interface SandboxState {
  readonly sae: SaeState;
  readonly swas: SwasState;
}

const JSON_TYPE = 'application/json;charset=utf-8';
const BROKEN_GATEWAY =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n';

export class Gateway {
  private readonly rateScale: number;
  private readonly rateLimits: boolean;
  private readonly wallClock: () => number;
  private offsetMs = 0;
  private auth!: Authenticator;
  private current!: Seed;
  private models!: { sae: ProductModel<SaeState>; swas: ProductModel<SwasState> };
  private limiter!: RateLimiter;
  readonly faults: FaultInjector;
  private log: CallRecord[] = [];

  constructor(private readonly options: GatewayOptions) {
    this.rateScale = options.rateScale ?? 1;
    if (!(this.rateScale > 0) || !Number.isFinite(this.rateScale))
      throw new Error(`rate scale must be a positive number, got ${this.rateScale}`);
    this.rateLimits = options.rateLimits ?? true;
    this.wallClock = options.wallClock ?? Date.now;
    this.faults = new FaultInjector(options.faultSeed ?? 1);
    this.reset(options.seed);
  }

  /** Sandbox time: the real clock plus whatever `advance` added. */
  now(): number {
    return this.wallClock() + this.offsetMs;
  }

  /** Moves sandbox time forward (change orders and transitions complete, rate windows pass). */
  advance(ms: number): void {
    this.offsetMs += ms;
  }

  /** Starts over from a seed (the starting one by default): resources, calls, faults, limits, clock. */
  reset(seed: Seed = this.options.seed): void {
    const timing = {
      changeOrderMs: (seed.sae.changeOrderSeconds * 1000) / this.rateScale,
      transitionMs: (seed.swas.transitionSeconds * 1000) / this.rateScale,
    };
    this.current = seed;
    this.auth = new Authenticator(seed);
    this.models = {
      sae: createSaeModel(seed.sae.apps, timing),
      swas: createSwasModel(seed.swas.instances, timing, { tokenCachesFailures: seed.swas.tokenCachesFailures }),
    };
    this.limiter = new RateLimiter(MINUTE / this.rateScale);
    this.faults.set([]);
    this.log = [];
    this.offsetMs = 0;
  }

  state(): SandboxState {
    const now = this.now();
    return { sae: this.models.sae.snapshot(now), swas: this.models.swas.snapshot(now) };
  }

  calls(): readonly CallRecord[] {
    return this.log;
  }

  clearCalls(): void {
    this.log = [];
  }

  /** The seed of the last reset: the FC endpoints find their functions and role keys there. */
  seed(): Seed {
    return this.current;
  }

  /** Checks a request's signature against the key store (the FC endpoints share it); the signing account, or throws ApiError. */
  authenticate(req: ReceivedRequest): string {
    return this.auth.authenticate(req, this.wallClock());
  }

  /** Adds a call made outside dispatch (an FC invocation) to the call log. */
  record(call: CallRecord): void {
    this.log.push(call);
  }

  /** Answers one API request. Never throws. */
  dispatch(req: ReceivedRequest): GatewayAnswer {
    const requestId = randomUUID().toUpperCase();
    const parsed = parseRequest(req.url, req.headers['content-type'], req.body);
    if (typeof parsed === 'string')
      return gatewayError(requestId, new ApiError(400, 'InvalidParameter.Format', `The request is malformed: ${parsed}.`));
    const route = routeOf(req, parsed.path, parsed.params);
    if (route instanceof ApiError) return gatewayError(requestId, route);
    if (route.product === 'sts') return this.dispatchSts(req, requestId, route.action, apiParams(parsed.params));
    const { product, action } = route;
    const model = this.models[product];
    const params = apiParams(parsed.params);
    const resourceIds = model.resourceIds(action, params);
    let identity: Identity | undefined;
    const record = (code: string | null, executed: boolean) =>
      this.log.push({
        at: new Date(this.now()).toISOString(),
        product,
        action,
        resourceIds,
        clientToken: params.ClientToken ?? null,
        code,
        executed,
        ...signer(identity),
      });

    let accountId: string;
    try {
      identity = this.auth.identify(req, this.wallClock(), this.now());
      accountId = identity.accountId;
    } catch (error) {
      const apiError = asApiError(error);
      record(apiError.code, false);
      return gatewayError(requestId, apiError);
    }
    if (!model.actions.has(action)) {
      record('InvalidApi.NotFound', false);
      return gatewayError(requestId, notFoundApi());
    }
    const now = this.now();
    if (this.rateLimits) {
      const { key, limit } = limitFor(product, accountId, action);
      const admitted = this.limiter.admit(key, limit, now);
      if (!admitted.ok) {
        record('Throttling.User', false);
        return gatewayError(requestId, new ApiError(400, 'Throttling.User', 'Request was denied due to user flow control.'));
      }
    }

    const fault = this.faults.draw(product, action, resourceIds);
    if (fault && !fault.afterExecute && (fault.drop || fault.html || fault.error)) {
      record(fault.error?.code ?? (fault.drop ? 'ConnectionDropped' : 'BadGateway'), false);
      return this.faulted(requestId, product, fault);
    }

    let outcome: ActionOutcome | ApiError;
    try {
      const changeOrderFault = fault?.changeOrder;
      outcome = model.handle({ action, params, accountId, now, ...hostRegion(req), ...(changeOrderFault ? { changeOrderFault } : {}) });
    } catch (error) {
      outcome = asApiError(error);
    }
    const executed = !(outcome instanceof ApiError) && outcome.executed;
    if (fault && fault.afterExecute && (fault.drop || fault.html || fault.error)) {
      record(fault.error?.code ?? (fault.drop ? 'ConnectionDropped' : 'BadGateway'), executed);
      return this.faulted(requestId, product, fault);
    }
    record(outcome instanceof ApiError ? outcome.code : null, executed);
    const latencyMs = fault?.latencyMs ?? 0;
    if (outcome instanceof ApiError) {
      const answer = product === 'sae' ? saeError(requestId, outcome, fault?.numericCode ?? false) : gatewayError(requestId, outcome);
      return { ...answer, latencyMs };
    }
    const body =
      product === 'sae'
        ? { RequestId: requestId, Code: '200', Message: 'success', TraceId: traceId(requestId), Success: true, ...outcome.body }
        : { RequestId: requestId, ...outcome.body };
    return { status: 200, headers: headersFor(requestId), body: JSON.stringify(body), latencyMs, drop: false };
  }

  /** STS: AssumeRole only. Signed and authenticated like every call; no rate limit or faults of its own. */
  private dispatchSts(req: ReceivedRequest, requestId: string, action: string, params: Record<string, string>): GatewayAnswer {
    let identity: Identity | undefined;
    const record = (code: string | null) =>
      this.log.push({
        at: new Date(this.now()).toISOString(),
        product: 'sts',
        action,
        resourceIds: params.RoleArn ? [params.RoleArn] : [],
        clientToken: null,
        code,
        executed: code === null,
        ...signer(identity),
      });
    try {
      identity = this.auth.identify(req, this.wallClock(), this.now());
      if (action !== 'AssumeRole') throw notFoundApi();
      const body = assumeRole(this.current, this.auth, identity, params, this.now());
      record(null);
      return {
        status: 200,
        headers: headersFor(requestId),
        body: JSON.stringify({ RequestId: requestId, ...body }),
        latencyMs: 0,
        drop: false,
      };
    } catch (error) {
      const apiError = asApiError(error);
      record(apiError.code);
      return gatewayError(requestId, apiError);
    }
  }

  private faulted(requestId: string, product: Product, fault: FaultEffect): GatewayAnswer {
    const latencyMs = fault.latencyMs;
    if (fault.drop) return { status: 0, headers: {}, body: '', latencyMs, drop: true };
    if (fault.html) return { status: 502, headers: { 'content-type': 'text/html' }, body: BROKEN_GATEWAY, latencyMs, drop: false };
    const error = new ApiError(fault.error!.httpStatus, fault.error!.code, fault.error!.message);
    const answer = product === 'sae' ? saeError(requestId, error, fault.numericCode) : gatewayError(requestId, error);
    return { ...answer, latencyMs };
  }
}

/** Product and action: by x-acs-action (ACS3), else the Action parameter (V1 RPC), else method and path (ROA). */
function routeOf(
  req: ReceivedRequest,
  path: string,
  params: Readonly<Record<string, string>>,
): { product: Product | 'sts'; action: string } | ApiError {
  // V1 RPC signs the Action and Version parameters but not the headers pop-core sends beside
  // them, so a signed parameter wins, and a header that contradicts it is refused.
  const version = params.Version ?? req.headers['x-acs-version'];
  const named = params.Action ?? req.headers['x-acs-action'];
  const header = req.headers['x-acs-action'];
  if (header !== undefined && named !== header) return notFoundApi();
  const saeRoute = SAE_ROUTES.find((r) => r.method === req.method && r.path === path);
  if (saeRoute && (version === undefined || version === '2019-05-06') && (named === undefined || named === saeRoute.action)) {
    return { product: 'sae', action: saeRoute.action };
  }
  if (version === STS_VERSION && named !== undefined && path === '/' && (req.method === 'POST' || req.method === 'GET')) {
    return { product: 'sts', action: named };
  }
  const product = version === undefined ? undefined : VERSIONS[version];
  if (product === 'swas' && named !== undefined && path === '/' && (req.method === 'POST' || req.method === 'GET')) {
    return { product, action: named };
  }
  return notFoundApi();
}

/** The signing protocol's own parameters (V1 RPC puts them beside the API's): not the API's business. */
const PROTOCOL_PARAMS = new Set([
  'Action',
  'Version',
  'Format',
  'AccessKeyId',
  'SignatureMethod',
  'SignatureVersion',
  'SignatureNonce',
  'SignatureType',
  'Signature',
  'Timestamp',
  'SecurityToken',
]);

function apiParams(params: Readonly<Record<string, string>>): Record<string, string> {
  const api: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(params)) if (!PROTOCOL_PARAMS.has(k)) api[k] = v;
  return api;
}

/** The call log's word on who signed. */
const signer = (identity: Identity | undefined): { accountId: string | null; role?: string } =>
  identity ? { accountId: identity.accountId, ...(identity.roleArn ? { role: identity.roleArn } : {}) } : { accountId: null };

const notFoundApi = () => new ApiError(404, 'InvalidApi.NotFound', 'Specified api is not found, please check your url and method.');

function hostRegion(req: ReceivedRequest): { hostRegion?: string } {
  const region = regionOfHost(req.headers.host);
  return region === undefined ? {} : { hostRegion: region };
}

function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  // A model bug must not take the server down; it answers as the real service does for its own.
  return new ApiError(
    500,
    'InternalError',
    `The request processing has failed due to some unknown error: ${(error as Error)?.message ?? String(error)}`,
  );
}

const traceId = (requestId: string) => requestId.replace(/-/g, '').toLowerCase().slice(0, 30);

function headersFor(requestId: string): Record<string, string> {
  return { 'content-type': JSON_TYPE, 'x-acs-request-id': requestId };
}

/** RPC and gateway errors: `{RequestId, HostId, Code, Message, Recommend}`. */
function gatewayError(requestId: string, error: ApiError): GatewayAnswer {
  const body = {
    RequestId: requestId,
    HostId: 'sandbox',
    Code: error.code,
    Message: error.message,
    Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(error.code)}`,
  };
  return { status: error.httpStatus, headers: headersFor(requestId), body: JSON.stringify(body), latencyMs: 0, drop: false };
}

/** SAE errors carry the code as `Code` and `ErrorCode`; some SAE errors put the HTTP status in `Code` instead. */
function saeError(requestId: string, error: ApiError, numericCode: boolean): GatewayAnswer {
  const body = {
    RequestId: requestId,
    Code: numericCode ? String(error.httpStatus) : error.code,
    ErrorCode: error.code,
    Message: error.message,
    Success: false,
    TraceId: traceId(requestId),
  };
  return { status: error.httpStatus, headers: headersFor(requestId), body: JSON.stringify(body), latencyMs: 0, drop: false };
}

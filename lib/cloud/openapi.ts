import * as OpenApiModule from '@alicloud/openapi-client';
import type { Gate } from './api.js';
import { credentialFields, type CredentialFields, type CredentialSource } from './credentials.js';
import { endpointOf, parseEndpointOverride, type Endpoint } from './endpoints.js';
import { recordCall } from './ledger.js';
import { CloudError, toCloudError } from './errors.js';

/**
 * One way to call SAE and SWAS: `@alicloud/openapi-client`'s generic `callApi`, which signs every
 * request itself (ACS3-HMAC-SHA256 by default; docs/reference/client-wire-facts.md §1). SAE is ROA (method and
 * path per action), SWAS is RPC (POST /); both put every parameter in the query.
 */

/** How to reach and sign for one account. */
export interface CloudOptions {
  readonly credentials: CredentialSource;
  /** `OFFPEAK_ENDPOINT`: one base URL for every product and region (the sandbox). */
  readonly endpointOverride?: string;
  /** Use the `-vpc` endpoints (inside an Alibaba VPC, e.g. Function Compute with VPC access). */
  readonly vpc?: boolean;
  /** Runs each API call; pacing and retries live there. Default: directGate. */
  readonly gate?: Gate;
  /** Default 5000. Also the longest a connection may stay silent (the clients use it as the socket idle timer). */
  readonly connectTimeoutMs?: number;
  /** Default 10000. The longest a call may take from its start to the whole answer. */
  readonly readTimeoutMs?: number;
}

/** Query parameters, all text: the APIs take lists and tags as JSON text. */
export type Query = Readonly<Record<string, string>>;

/** A JSON response body. */
export type Body = Record<string, unknown>;

/** One API call, before signing. */
export type ApiCall =
  | {
      readonly product: 'sae';
      readonly region: string;
      readonly action: string;
      readonly method: 'GET' | 'PUT' | 'POST' | 'DELETE';
      readonly pathname: string;
      readonly query: Query;
    }
  | { readonly product: 'swas'; readonly region: string; readonly action: string; readonly query: Query };

/** Makes one API call; throws only CloudError. */
export type CallApi = (call: ApiCall) => Promise<Body>;

/** connectTimeoutMs when CloudOptions leaves it out. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/** readTimeoutMs when CloudOptions leaves it out. */
export const DEFAULT_READ_TIMEOUT_MS = 10_000;

// openapi-client is CommonJS with `exports.default = Client`. Plain Node's ESM import puts the whole
// exports object under `default`, while vitest's and esbuild's interop may unwrap it once more; so
// the class is `default.default` when that exists and `default` otherwise. The model classes are
// plain named exports, which all three resolve alike. (createRequire would break the bundle.)
type ClientClass = typeof OpenApiModule.default.default;
/** openapi-client's Client class, resolved the same way under Node, vitest and esbuild. */
export const Client: ClientClass =
  (OpenApiModule.default as { default?: ClientClass }).default ?? (OpenApiModule.default as unknown as ClientClass);
type Client = InstanceType<ClientClass>;
type Runtime = Parameters<Client['callApi']>[2];

// callApi only reads optional fields of its runtime argument; timeouts are set on the client's
// Config instead. A plain object spares a direct dependency on @alicloud/tea-util's RuntimeOptions.
const RUNTIME = {} as Runtime;

const callers = new WeakMap<CloudOptions, CallApi>();

/**
 * The caller for these options: one per options object, so the SAE and SWAS APIs made from the
 * same options share clients and one credential chain.
 */
export function callerFor(options: CloudOptions): CallApi {
  let caller = callers.get(options);
  if (!caller) {
    caller = createCaller(options);
    callers.set(options, caller);
  }
  return caller;
}

function timeout(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive whole number of milliseconds, got ${value}`);
  return value;
}

function createCaller(options: CloudOptions): CallApi {
  // Bad settings fail here, once, before any call: an unusable OFFPEAK_ENDPOINT, empty keys, a bad timeout.
  if (options.endpointOverride) parseEndpointOverride(options.endpointOverride);
  const fields: CredentialFields = credentialFields(options.credentials);
  // Both timeouts, always: the tea clients default each to 3 s, and connectTimeout is also the
  // socket's idle timer, so a readTimeout set alone still cuts every answer at 3 s (docs/reference/client-wire-facts.md §6).
  const connectTimeout = timeout(options.connectTimeoutMs, DEFAULT_CONNECT_TIMEOUT_MS, 'connectTimeoutMs');
  const readTimeout = timeout(options.readTimeoutMs, DEFAULT_READ_TIMEOUT_MS, 'readTimeoutMs');
  const clients = new Map<string, Client>();

  const clientFor = (endpoint: Endpoint): Client => {
    const key = `${endpoint.protocol}://${endpoint.host}`;
    let client = clients.get(key);
    if (!client) {
      const config = new OpenApiModule.Config({
        ...fields,
        endpoint: endpoint.host,
        protocol: endpoint.protocol,
        connectTimeout,
        readTimeout,
        userAgent: 'offpeak',
      });
      client = new Client(config);
      clients.set(key, client);
    }
    return client;
  };

  return async (call) => {
    let endpoint: Endpoint;
    try {
      endpoint = endpointOf(call.product, call.region, {
        vpc: options.vpc ?? false,
        ...(options.endpointOverride ? { override: options.endpointOverride } : {}),
      });
    } catch (error) {
      throw new CloudError({
        product: call.product,
        action: call.action,
        code: 'InvalidRegionId',
        kind: 'invalid',
        message: (error as Error).message,
      });
    }
    let response: { statusCode?: unknown; body?: unknown };
    try {
      const request = clientFor(endpoint).callApi(paramsOf(call), new OpenApiModule.OpenApiRequest({ query: { ...call.query } }), RUNTIME);
      response = await withDeadline(request, readTimeout);
    } catch (error) {
      const cloudError = toCloudError(error, call.product, call.action);
      recordCall(cloudError.requestId);
      throw cloudError;
    }
    recordCall(
      typeof (response.body as Body | undefined)?.RequestId === 'string' ? ((response.body as Body).RequestId as string) : undefined,
    );
    const body = response.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new CloudError({
        product: call.product,
        action: call.action,
        code: 'InvalidResponse',
        kind: 'invalid',
        message: `${call.action} answered with a body that is not a JSON object`,
      });
    }
    const record = body as Body;
    // SAE can answer 200 with Success:false; the client resolves it, so it is turned into the error it is.
    if (record.Success === false) {
      const statusCode = typeof response.statusCode === 'number' ? response.statusCode : undefined;
      throw toCloudError({ code: record.Code, message: `${call.action} failed`, data: record, statusCode }, call.product, call.action);
    }
    return record;
  };
}

/**
 * The client's own read timer cannot be relied on: on a reused keep-alive socket the previous
 * request's timer, when it fires, clears the current request's (httpx 2.3.3), so a call made soon
 * after another can wait past readTimeout. Each call gets its own deadline as well; the abandoned
 * request ends by itself when the connect timeout (the socket's idle timer) fires.
 */
export function withDeadline<T>(request: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error(`ReadTimeout(${ms}): no complete answer within ${ms} ms`), { name: 'RequestTimeoutError' })),
      ms,
    );
  });
  // Whatever the abandoned request does later, nobody waits for it any more.
  request.catch(() => undefined);
  return Promise.race([request, deadline]).finally(() => clearTimeout(timer));
}

function paramsOf(call: ApiCall): InstanceType<typeof OpenApiModule.Params> {
  const common = { action: call.action, protocol: 'HTTPS', authType: 'AK', bodyType: 'json' };
  if (call.product === 'sae') {
    return new OpenApiModule.Params({
      ...common,
      version: '2019-05-06',
      style: 'ROA',
      method: call.method,
      pathname: call.pathname,
      reqBodyType: 'json',
    });
  }
  return new OpenApiModule.Params({
    ...common,
    version: '2020-06-01',
    style: 'RPC',
    method: 'POST',
    pathname: '/',
    reqBodyType: 'formData',
  });
}

import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as OpenApiModule from '@alicloud/openapi-client';
import type * as OpenApiCoreModule from '@alicloud/openapi-core';
import type * as OpenApiUtilModule from '@alicloud/openapi-util';
import type * as SwasModule from '@alicloud/swas-open20200601';
import type * as TeaModule from '@alicloud/tea-typescript';
import type * as TeaUtilModule from '@alicloud/tea-util';
import type { CallRecord, SandboxState } from '../../../lib/sandbox/gateway.js';

/**
 * Alibaba's own clients, pointed at a sandbox URL. Loaded through require: vitest's default-import
 * interop unwraps `exports.default` and Node's does not; require gives the same object under both.
 * Under NodeNext, `typeof import * as X` of a CommonJS module puts module.exports at `X.default`,
 * which is the shape require returns.
 */
const require = createRequire(import.meta.url);
export const $OpenApi = require('@alicloud/openapi-client') as typeof OpenApiModule.default;
export const $Util = require('@alicloud/tea-util') as typeof TeaUtilModule;
/** openapi-core: the base of the generated v4 SDKs; Config and the error classes come from here. */
export const $Core = require('@alicloud/openapi-core') as typeof OpenApiCoreModule.default;
/** The official SWAS SDK (openapi-core based). */
export const $Swas = require('@alicloud/swas-open20200601') as typeof SwasModule.default;
/** openapi-client's signing helpers (ACS3 getAuthorization), and the tea Request they sign. */
const $OpenApiUtil = require('@alicloud/openapi-util') as typeof OpenApiUtilModule.default;
const $Tea = require('@alicloud/tea-typescript') as typeof TeaModule.default;

export type OpenApiClient = InstanceType<typeof $OpenApi.default>;
export type SwasClient = InstanceType<typeof $Swas.default>;

export interface Key {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly securityToken?: string;
}

export const DEMO_KEY: Key = { accessKeyId: 'sandbox-ak', accessKeySecret: 'sandbox-secret' };
export const DEMO_STS_KEY: Key = { accessKeyId: 'STS.sandbox', accessKeySecret: 'sts-secret', securityToken: 'sts-token' };
export const DEMO_ACCOUNT = '1234567890123456';

/** `@alicloud/openapi-client` configured for the sandbox (ACS3 unless told otherwise). */
export function openApiClient(url: string, key: Key = DEMO_KEY, extra: Record<string, unknown> = {}): OpenApiClient {
  const { host } = new URL(url);
  const config = new $OpenApi.Config({ ...key, endpoint: host, protocol: 'http', readTimeout: 5000, connectTimeout: 5000, ...extra });
  return new $OpenApi.default(config);
}

export interface CallResult {
  statusCode: number;
  body: Record<string, unknown>;
}

function asResult(value: unknown): CallResult {
  if (typeof value !== 'object' || value === null) throw new Error(`callApi answered ${String(value)}`);
  const { statusCode, body } = value as { statusCode?: unknown; body?: unknown };
  if (typeof statusCode !== 'number' || typeof body !== 'object' || body === null)
    throw new Error(`callApi answered ${JSON.stringify(value)}`);
  return { statusCode, body: body as Record<string, unknown> };
}

/** An SAE call through `callApi` with ROA params, as the product makes it. */
export async function sae(
  client: OpenApiClient,
  action: string,
  method: 'GET' | 'PUT' | 'POST' | 'DELETE',
  pathname: string,
  query: Record<string, string>,
): Promise<CallResult> {
  const params = new $OpenApi.Params({
    action,
    version: '2019-05-06',
    protocol: 'HTTP',
    pathname,
    method,
    authType: 'AK',
    style: 'ROA',
    reqBodyType: 'json',
    bodyType: 'json',
  });
  return asResult(await client.callApi(params, new $OpenApi.OpenApiRequest({ query }), new $Util.RuntimeOptions({})));
}

/** A SWAS call through `callApi` with RPC params. */
export async function swas(client: OpenApiClient, action: string, query: Record<string, string>): Promise<CallResult> {
  const params = new $OpenApi.Params({
    action,
    version: '2020-06-01',
    protocol: 'HTTP',
    pathname: '/',
    method: 'POST',
    authType: 'AK',
    style: 'RPC',
    reqBodyType: 'formData',
    bodyType: 'json',
  });
  return asResult(await client.callApi(params, new $OpenApi.OpenApiRequest({ query }), new $Util.RuntimeOptions({})));
}

/** The SAE actions the tests use, by their ROA method and path. */
export const SAE_API = {
  StopApplication: ['PUT', '/pop/v1/sam/app/stopApplication'],
  StartApplication: ['PUT', '/pop/v1/sam/app/startApplication'],
  DescribeApplicationStatus: ['GET', '/pop/v1/sam/app/describeApplicationStatus'],
  ListApplications: ['GET', '/pop/v1/sam/app/listApplications'],
  DescribeChangeOrder: ['GET', '/pop/v1/sam/changeorder/DescribeChangeOrder'],
  ListChangeOrders: ['GET', '/pop/v1/sam/changeorder/ListChangeOrders'],
  BatchStopApplications: ['PUT', '/pop/v1/sam/app/batchStopApplications'],
  BatchStartApplications: ['PUT', '/pop/v1/sam/app/batchStartApplications'],
  RescaleApplication: ['PUT', '/pop/v1/sam/app/rescaleApplication'],
} as const satisfies Record<string, readonly ['GET' | 'PUT', string]>;

/** `sae()` by action name. */
export function saeCall(client: OpenApiClient, action: keyof typeof SAE_API, query: Record<string, string>): Promise<CallResult> {
  const [method, pathname] = SAE_API[action];
  return sae(client, action, method, pathname, query);
}

/** `data.Data` of an SAE answer, narrowed. */
export function saeData(result: CallResult): Record<string, unknown> {
  const data = result.body.Data;
  if (typeof data !== 'object' || data === null) throw new Error(`no Data in ${JSON.stringify(result.body)}`);
  return data as Record<string, unknown>;
}

/** The official SWAS SDK pointed at the sandbox (Config from openapi-core, ACS3 by default). */
export function swasSdk(url: string, key: Key = DEMO_KEY, extra: Record<string, unknown> = {}): SwasClient {
  const { host } = new URL(url);
  const config = new $Core.$OpenApiUtil.Config({
    ...key,
    endpoint: host,
    protocol: 'http',
    regionId: 'cn-hangzhou',
    readTimeout: 5000,
    connectTimeout: 5000,
    ...extra,
  });
  return new $Swas.default(config);
}

/** pop-core ships a d.ts for RPCClient only (and an `export =` one); this is the part the tests use. */
export interface PopRpcClient {
  request(action: string, params: Record<string, unknown>, options?: { method?: 'GET' | 'POST'; timeout?: number }): Promise<unknown>;
}
export interface PopRoaClient {
  request(
    method: string,
    path: string,
    query?: Record<string, string>,
    body?: string,
    headers?: Record<string, string>,
    opts?: Record<string, unknown>,
  ): Promise<unknown>;
}
interface PopConfig {
  endpoint: string;
  apiVersion: string;
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}
const popCore = require('@alicloud/pop-core') as {
  RPCClient: new (config: PopConfig) => PopRpcClient;
  ROAClient: new (config: PopConfig) => PopRoaClient;
};

export function popRpc(url: string, key: Key = DEMO_KEY): PopRpcClient {
  return new popCore.RPCClient({ endpoint: url, apiVersion: '2020-06-01', ...key });
}

export function popRoa(url: string, key: Key = DEMO_KEY): PopRoaClient {
  return new popCore.ROAClient({ endpoint: url, apiVersion: '2019-05-06', ...key });
}

/** What a client threw, read without trusting its type. */
export interface Thrown {
  readonly error: unknown;
  readonly name: unknown;
  readonly code: unknown;
  readonly statusCode: unknown;
  readonly message: string;
  /** openapi-client: the body plus statusCode; openapi-core: the raw body; pop-core RPC: the body. */
  readonly data: Record<string, unknown> | undefined;
  /** pop-core ROA: the body. */
  readonly result: Record<string, unknown> | undefined;
}

const record = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;

/** Awaits a promise that must reject, and returns what it threw. */
export async function failure(promise: Promise<unknown>): Promise<Thrown> {
  try {
    await promise;
  } catch (error) {
    const o = record(error) ?? {};
    return {
      error,
      name: o.name,
      code: o.code,
      statusCode: o.statusCode,
      message: error instanceof Error ? error.message : String(error),
      data: record(o.data),
      result: record(o.result),
    };
  }
  throw new Error('expected the call to fail, and it succeeded');
}

/** The admin API, raw: status and parsed JSON. */
export async function adminRaw(url: string, method: string, path: string, body?: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${url}/_sandbox/${path}`, body === undefined ? { method } : { method, body });
  return { status: response.status, body: await response.json() };
}

/** The admin API; throws on a non-2xx answer. */
export async function admin<T = unknown>(url: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(
    `${url}/_sandbox/${path}`,
    body === undefined ? {} : { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) },
  );
  const value = (await response.json()) as T;
  if (!response.ok) throw new Error(`admin ${path}: ${response.status} ${JSON.stringify(value)}`);
  return value;
}

/** Resets to the starting seed, or to this seed (YAML text, or an object sent as JSON). */
export async function reset(url: string, seed?: string | object): Promise<void> {
  await admin(url, 'reset', seed === undefined ? '' : typeof seed === 'string' ? seed : JSON.stringify(seed));
}

export async function advance(url: string, seconds: number): Promise<void> {
  await admin(url, 'advance', { seconds });
}

export async function setFaults(url: string, faults: unknown): Promise<void> {
  await admin(url, 'faults', faults);
}

export const state = (url: string): Promise<SandboxState> => admin<SandboxState>(url, 'state');
export const calls = (url: string): Promise<CallRecord[]> => admin<CallRecord[]>(url, 'calls');

export async function appState(url: string, appId: string): Promise<SandboxState['sae']['apps'][number]> {
  const app = (await state(url)).sae.apps.find((a) => a.appId === appId);
  if (!app) throw new Error(`no app ${appId} in the state`);
  return app;
}

export async function instanceStatus(url: string, instanceId: string): Promise<string> {
  const instance = (await state(url)).swas.instances.find((i) => i.instanceId === instanceId);
  if (!instance) throw new Error(`no instance ${instanceId} in the state`);
  return instance.status;
}

/** x-acs-date as the tea clients write it. */
export const acsDate = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

const pct = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());

/**
 * A SWAS call (RPC, POST, no body) signed by hand with ACS3-HMAC-SHA256 through openapi-util's own
 * `getAuthorization`, ready for fetch. The host header is the one fetch will send (`127.0.0.1:PORT`).
 */
export function signedSwasRequest(
  url: string,
  action: string,
  query: Record<string, string>,
  options: { key?: Key; dateMs?: number; nonce?: string } = {},
): { url: string; init: RequestInit } {
  const key = options.key ?? DEMO_KEY;
  const request = new $Tea.Request();
  request.method = 'POST';
  request.pathname = '/';
  request.query = { ...query };
  request.headers = {
    host: new URL(url).host,
    'x-acs-action': action,
    'x-acs-version': '2020-06-01',
    'x-acs-date': acsDate(options.dateMs ?? Date.now()),
    'x-acs-signature-nonce': options.nonce ?? randomBytes(16).toString('hex'),
    accept: 'application/json',
    'x-acs-content-sha256': createHash('sha256').update('').digest('hex'),
    ...(key.securityToken ? { 'x-acs-security-token': key.securityToken } : {}),
  };
  const authorization = $OpenApiUtil.default.getAuthorization(
    request,
    'ACS3-HMAC-SHA256',
    request.headers['x-acs-content-sha256']!,
    key.accessKeyId,
    key.accessKeySecret,
  );
  const { host: _host, ...headers } = request.headers;
  const search = Object.entries(query)
    .map(([k, v]) => `${pct(k)}=${pct(v)}`)
    .join('&');
  return { url: `${url}/${search ? `?${search}` : ''}`, init: { method: 'POST', headers: { ...headers, authorization } } };
}

/** A seed with `n` Running SWAS instances in cn-hangzhou (and the demo account's keys). */
export function swasFleetSeed(n: number, extra: { transitionSeconds?: number } = {}): object {
  return {
    accounts: [{ id: DEMO_ACCOUNT, accessKeys: [{ id: DEMO_KEY.accessKeyId, secret: DEMO_KEY.accessKeySecret }] }],
    swas: {
      transitionSeconds: extra.transitionSeconds ?? 3,
      instances: Array.from({ length: n }, (_, i) => ({
        instanceId: `i-${String(i).padStart(4, '0')}`,
        instanceName: `box-${String(i).padStart(4, '0')}`,
        regionId: 'cn-hangzhou',
        status: 'Running',
      })),
    },
  };
}

/** One request as a recording proxy saw it. */
export interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string | string[] | undefined>;
}

/**
 * A pass-through HTTP proxy in front of the sandbox that remembers what clients sent, so a test
 * can check the wire shape (which signing scheme a config really produced) without mocking.
 */
export async function recordingProxy(target: string): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const { createServer, request } = await import('node:http');
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: { ...req.headers } });
    const upstream = request(`${target}${req.url ?? '/'}`, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

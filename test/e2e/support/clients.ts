import { createRequire } from 'node:module';
import type * as OpenApiModule from '@alicloud/openapi-client';
import type * as TeaUtilModule from '@alicloud/tea-util';

/**
 * Alibaba's own clients, pointed at a sandbox URL. Loaded through require: vitest's default-import
 * interop unwraps `exports.default` and Node's does not; require gives the same object under both.
 */
const require = createRequire(import.meta.url);
export const $OpenApi = require('@alicloud/openapi-client') as typeof OpenApiModule;
export const $Util = require('@alicloud/tea-util') as typeof TeaUtilModule;

export interface Key {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly securityToken?: string;
}

export const DEMO_KEY: Key = { accessKeyId: 'sandbox-ak', accessKeySecret: 'sandbox-secret' };
export const DEMO_STS_KEY: Key = { accessKeyId: 'STS.sandbox', accessKeySecret: 'sts-secret', securityToken: 'sts-token' };

/** `@alicloud/openapi-client` configured for the sandbox (ACS3 unless told otherwise). */
export function openApiClient(url: string, key: Key = DEMO_KEY, extra: Record<string, unknown> = {}): OpenApiModule.default {
  const { host } = new URL(url);
  const config = new $OpenApi.Config({ ...key, endpoint: host, protocol: 'http', readTimeout: 5000, connectTimeout: 5000, ...extra });
  return new $OpenApi.default(config);
}

/** An SAE call through `callApi` with ROA params, as the product makes it. */
export async function sae(client: OpenApiModule.default, action: string, method: 'GET' | 'PUT', pathname: string, query: Record<string, string>) {
  const params = new $OpenApi.Params({ action, version: '2019-05-06', protocol: 'HTTP', pathname, method, authType: 'AK', style: 'ROA', reqBodyType: 'json', bodyType: 'json' });
  return (await client.callApi(params, new $OpenApi.OpenApiRequest({ query }), new $Util.RuntimeOptions({}))) as { statusCode: number; body: Record<string, unknown> };
}

/** A SWAS call through `callApi` with RPC params. */
export async function swas(client: OpenApiModule.default, action: string, query: Record<string, string>) {
  const params = new $OpenApi.Params({ action, version: '2020-06-01', protocol: 'HTTP', pathname: '/', method: 'POST', authType: 'AK', style: 'RPC', reqBodyType: 'formData', bodyType: 'json' });
  return (await client.callApi(params, new $OpenApi.OpenApiRequest({ query }), new $Util.RuntimeOptions({}))) as { statusCode: number; body: Record<string, unknown> };
}

/** What a client threw, for assertions on code and status. */
export async function failure(promise: Promise<unknown>): Promise<{ code?: string; statusCode?: number; data?: Record<string, unknown>; name?: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; statusCode?: number; data?: Record<string, unknown>; message: string };
  }
  throw new Error('expected the call to fail, and it succeeded');
}

/** The admin API. */
export async function admin<T = unknown>(url: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${url}/_sandbox/${path}`, body === undefined ? {} : { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });
  const value = (await response.json()) as T;
  if (!response.ok) throw new Error(`admin ${path}: ${response.status} ${JSON.stringify(value)}`);
  return value;
}

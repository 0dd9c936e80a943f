import { Readable } from 'node:stream';
import * as OpenApiModule from '@alicloud/openapi-client';
import { OffpeakError, quote } from '../errors.js';
import { credentialFields, type CredentialSource } from './credentials.js';
import { parseEndpointOverride, REGION, type Endpoint } from './endpoints.js';
import { Client, withDeadline } from './openapi.js';

/**
 * Invoking a function through the FC 3.0 API (`POST /2023-03-30/functions/{name}/invocations`,
 * ACS3-signed through openapi-client's generic callApi, as the official fc20230330 SDK does):
 * `offpeak invoke`, and the function itself when it sends a member account's work to a run of its
 * own (an async invocation, lib/doors/fan-out.ts). docs/reference/alibaba-cloud-facts.md §4.4,
 * docs/reference/client-wire-facts.md §4. FC 2.0 (`@alicloud/fc2`) is fc.ts, for the CLI only.
 */

export interface InvokeOptions {
  readonly region: string;
  /** The account the function lives in: the invoke host is `<accountId>.<region>.fc.aliyuncs.com`. Optional only with endpointOverride. */
  readonly accountId?: string;
  readonly functionName: string;
  /** The event bytes; absent sends no body (the handler reads that as a manual run now). */
  readonly event?: Buffer | string;
  /** Async: FC queues the event and answers 202 with the request id only. */
  readonly async?: boolean;
  readonly credentials: CredentialSource;
  /** A base URL instead of the FC host (the sandbox): `http(s)://host[:port]`. */
  readonly endpointOverride?: string;
  /** A version or alias (LATEST by default). */
  readonly qualifier?: string;
  /** Ask for the last 4 KB of the function's log (`x-fc-log-type: Tail`). */
  readonly tailLog?: boolean;
  /** The longest a call may take: a sync call waits for the whole run. Default 10 minutes. */
  readonly timeoutMs?: number;
}

/** What an invocation answered. A function that threw still answers 200: errorType says so. */
export interface InvokeResult {
  readonly requestId: string;
  /** 200 for sync, 202 for async. */
  readonly status: number;
  /** `x-fc-error-type` (UnhandledInvocationError, HandledInvocationError): the function failed; body is `{errorMessage, errorType, stackTrace}`. */
  readonly errorType?: string;
  /** The function's output as text ('' for async). */
  readonly body: string;
  /** `x-fc-log-result` decoded, when tailLog asked for it. */
  readonly log?: string;
}

/** The platform refused or never answered the invocation (not the function failing: that is InvokeResult.errorType). */
export class InvokeError extends OffpeakError {
  override readonly name = 'InvokeError';
  constructor(
    code: string,
    message: string,
    readonly status?: number,
    readonly requestId?: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, { ...options, code });
  }
}

/**
 * Sync runs wait for the function to finish, and offpeak's function may run for minutes: both
 * timeouts are set, since the tea clients also use connectTimeout as the socket's idle timer
 * (docs/reference/client-wire-facts.md §6) and a quiet connection would otherwise be cut while the run goes on.
 */
export const DEFAULT_INVOKE_TIMEOUT_MS = 10 * 60_000;

type Runtime = Parameters<InstanceType<typeof Client>['callApi']>[2];

/** Function names are `[A-Za-z_][A-Za-z0-9_-]*` (service names too): anything else would only fail remotely, or change the path. */
const NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,127}$/;
const ACCOUNT = /^\d+$/;

/** The FC host of an account and region, or the override. */
export function endpointFor(options: InvokeOptions): Endpoint {
  if (options.endpointOverride) {
    try {
      return parseEndpointOverride(options.endpointOverride);
    } catch (error) {
      throw new InvokeError('InvalidEndpoint', (error as Error).message.replace(/^OFFPEAK_ENDPOINT/, 'the endpoint'));
    }
  }
  if (!options.accountId)
    throw new InvokeError(
      'MissingAccountId',
      'the account id is needed for the FC invoke host <accountId>.<region>.fc.aliyuncs.com: set ALIBABA_CLOUD_ACCOUNT_ID or pass --account',
    );
  return { protocol: 'https', host: `${options.accountId}.${options.region}.fc.aliyuncs.com` };
}

export function check(options: InvokeOptions, serviceName?: string): void {
  if (!NAME.test(options.functionName))
    throw new InvokeError(
      'InvalidArgument',
      `${quote(options.functionName)} is not a function name (letters, digits, _ and -, starting with a letter or _)`,
    );
  if (serviceName !== undefined && !NAME.test(serviceName))
    throw new InvokeError(
      'InvalidArgument',
      `${quote(serviceName)} is not a service name (letters, digits, _ and -, starting with a letter or _)`,
    );
  if (!REGION.test(options.region))
    throw new InvokeError('InvalidArgument', `${quote(options.region)} is not a region id (e.g. cn-hangzhou)`);
  if (options.accountId !== undefined && !ACCOUNT.test(options.accountId))
    throw new InvokeError(
      'InvalidArgument',
      `${quote(options.accountId)} is not an account id (digits only; the console shows it under the avatar)`,
    );
  if (options.qualifier !== undefined && !/^[A-Za-z0-9_-]+$/.test(options.qualifier))
    throw new InvokeError('InvalidArgument', `${quote(options.qualifier)} is not a version or alias`);
}

export function timeoutOf(options: InvokeOptions): number {
  const ms = options.timeoutMs ?? DEFAULT_INVOKE_TIMEOUT_MS;
  if (!Number.isInteger(ms) || ms <= 0) throw new InvokeError('InvalidArgument', `timeoutMs must be a positive whole number, got ${ms}`);
  return ms;
}

export type Headers = Readonly<Record<string, string | string[] | undefined>>;
const header = (headers: Headers, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

export function resultOf(status: number, headers: Headers, body: string): InvokeResult {
  const errorType = header(headers, 'x-fc-error-type');
  const log = header(headers, 'x-fc-log-result');
  return {
    requestId: header(headers, 'x-fc-request-id') ?? '',
    status,
    ...(errorType ? { errorType } : {}),
    body,
    ...(log ? { log: Buffer.from(log, 'base64').toString('utf8') } : {}),
  };
}

export function invokeHeaders(options: InvokeOptions): Record<string, string> {
  return { 'x-fc-invocation-type': options.async ? 'Async' : 'Sync', 'x-fc-log-type': options.tailLog && !options.async ? 'Tail' : 'None' };
}

/**
 * Invokes a function through the FC 3.0 API (2023-03-30) with openapi-client's callApi.
 * @example await invokeFc3({ region: 'cn-hangzhou', accountId: '123…', functionName: 'offpeak', event: '{"dryRun":true}', credentials: { kind: 'chain' } })
 */
export async function invokeFc3(options: InvokeOptions): Promise<InvokeResult> {
  check(options);
  const endpoint = endpointFor(options);
  const timeout = timeoutOf(options);
  const fields = credentialFields(options.credentials);
  const client = new Client(
    new OpenApiModule.Config({
      ...fields,
      endpoint: endpoint.host,
      protocol: endpoint.protocol,
      connectTimeout: timeout,
      readTimeout: timeout,
      userAgent: 'offpeak',
    }),
  );
  const params = new OpenApiModule.Params({
    action: 'InvokeFunction',
    version: '2023-03-30',
    protocol: 'HTTPS',
    method: 'POST',
    authType: 'AK',
    style: 'ROA',
    pathname: `/2023-03-30/functions/${encodeURIComponent(options.functionName)}/invocations`,
    reqBodyType: 'json',
    // 'byte': the whole answer as a Buffer, with statusCode and headers. 'json' would throw on an
    // async call's empty 202 body and on a function that returns text; 'string' would work as
    // well but decodes before we know what came; 'binary' hands back an unread stream.
    bodyType: 'byte',
  });
  const event =
    options.event === undefined ? undefined : Buffer.isBuffer(options.event) ? options.event : Buffer.from(options.event, 'utf8');
  const request = new OpenApiModule.OpenApiRequest({
    headers: invokeHeaders(options),
    ...(options.qualifier ? { query: { qualifier: options.qualifier } } : {}),
    // `stream` sends the bytes as they are, as application/octet-stream (what the fc20230330 SDK
    // does); `body` would re-encode them as JSON text or a form.
    ...(event && event.length > 0 ? { stream: Readable.from([event]) } : {}),
  });
  let response: { statusCode?: unknown; headers?: unknown; body?: unknown };
  try {
    response = await withDeadline(client.callApi(params, request, {} as Runtime), timeout);
  } catch (error) {
    throw fc3Error(error, options.functionName);
  }
  const body = Buffer.isBuffer(response.body) ? response.body.toString('utf8') : typeof response.body === 'string' ? response.body : '';
  return resultOf(typeof response.statusCode === 'number' ? response.statusCode : 0, (response.headers ?? {}) as Headers, body);
}

export interface TeaErrorShape {
  code?: unknown;
  name?: unknown;
  message?: unknown;
  statusCode?: unknown;
  data?: {
    Code?: unknown;
    Message?: unknown;
    RequestId?: unknown;
    errorCode?: unknown;
    errorMessage?: unknown;
    ErrorCode?: unknown;
    ErrorMessage?: unknown;
    statusCode?: unknown;
  } | null;
}

export const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' && value !== 'undefined' ? value : undefined;

/**
 * openapi-client throws a plain Error with code, statusCode and the body in data
 * (docs/reference/client-wire-facts.md §5); network errors carry only a code or a name. FC's
 * errors come in two shapes: `{Code, Message, RequestId}` (the 2023-03-30 API's Error) and
 * `{errorCode, errorMessage}` (FC's error-code page); openapi-client reads only the first, and
 * makes the code of the second the text "undefined".
 */
function fc3Error(error: unknown, functionName: string): InvokeError {
  const e = (error ?? {}) as TeaErrorShape;
  const status = typeof e.statusCode === 'number' ? e.statusCode : typeof e.data?.statusCode === 'number' ? e.data.statusCode : undefined;
  const code = text(e.data?.Code) ?? text(e.data?.errorCode) ?? text(e.data?.ErrorCode) ?? text(e.code) ?? text(e.name) ?? 'Error';
  const requestId = text(e.data?.RequestId);
  const message = text(e.data?.Message) ?? text(e.data?.errorMessage) ?? text(e.data?.ErrorMessage) ?? text(e.message) ?? String(error);
  return new InvokeError(code, describe('FC 3.0', functionName, code, message, status, requestId), status, requestId);
}

export function describe(
  api: string,
  functionName: string,
  code: string,
  message: string,
  status: number | undefined,
  requestId: string | undefined,
): string {
  const where = status === undefined ? '' : ` (HTTP ${status}${requestId ? `, request id ${requestId}` : ''})`;
  return `${api} InvokeFunction ${functionName}: ${code}${where}: ${message}`;
}

import { createRequire } from 'node:module';
import { credentialFields } from './credentials.js';
import { withDeadline } from './openapi.js';
import {
  check,
  describe,
  endpointFor,
  invokeHeaders,
  InvokeError,
  resultOf,
  text,
  timeoutOf,
  type Headers,
  type InvokeOptions,
  type InvokeResult,
  type TeaErrorShape,
} from './fc3.js';

/**
 * Invoking the deployed function by hand (`offpeak invoke`), through either invoke API: FC 3.0
 * (fc3.ts) and FC 2.0 (`@alicloud/fc2`, the FC signature). docs/reference/alibaba-cloud-facts.md §4.4,
 * docs/reference/client-wire-facts.md §4.
 *
 * CLI only: nothing on the function's import path may import this file. fc2 alone is 30 MB of
 * CommonJS (ali-oss, core-js 2, urllib) and is loaded only when an FC 2.0 call is made.
 */

export { DEFAULT_INVOKE_TIMEOUT_MS, InvokeError, invokeFc3, type InvokeOptions, type InvokeResult } from './fc3.js';

export interface Fc2InvokeOptions extends InvokeOptions {
  readonly serviceName: string;
}

/** The parts of `@alicloud/fc2` used here (the package ships no types). */
interface Fc2Client {
  invokeFunction(
    serviceName: string,
    functionName: string,
    event: Buffer | string | undefined,
    headers: Record<string, string>,
    qualifier?: string,
  ): Promise<{ headers: Headers; data: unknown }>;
}
type Fc2Class = new (
  accountId: string,
  config: { accessKeyID: string; accessKeySecret: string; securityToken?: string; region: string; endpoint: string; timeout: number },
) => Fc2Client;

let fc2Class: Fc2Class | undefined;
/** fc2 on first use only: it is CommonJS and heavy, and only FC 2.0 calls need it. */
function loadFc2(): Fc2Class {
  fc2Class ??= createRequire(import.meta.url)('@alicloud/fc2') as Fc2Class;
  return fc2Class;
}

/**
 * Invokes a function through the FC 2.0 API (2016-08-15) with `@alicloud/fc2`.
 * @example await invokeFc2({ region: 'cn-hangzhou', accountId: '123…', serviceName: 'offpeak', functionName: 'offpeak', credentials: { kind: 'chain' } })
 */
export async function invokeFc2(options: Fc2InvokeOptions): Promise<InvokeResult> {
  check(options, options.serviceName);
  const endpoint = endpointFor(options);
  const timeout = timeoutOf(options);
  const fields = credentialFields(options.credentials);
  // fc2 signs with static keys only: the default chain (environment, CLI profile, ECS role) is resolved here.
  const keys = 'credential' in fields ? await fields.credential.getCredential() : fields;
  if (!keys.accessKeyId || !keys.accessKeySecret) throw new InvokeError('MissingCredentials', 'the credential chain gave no access key');
  const FC = loadFc2();
  let client: Fc2Client;
  try {
    client = new FC(
      // fc2 refuses an empty account id, and sends it in x-fc-account-id; a base URL of your own (the sandbox) identifies the account by the key instead.
      options.accountId ?? '0',
      {
        accessKeyID: keys.accessKeyId,
        accessKeySecret: keys.accessKeySecret,
        // fc2 sends the token only for an AccessKeyID starting with "STS" (and then insists on one); STS keys always do.
        ...(keys.securityToken ? { securityToken: keys.securityToken } : {}),
        region: options.region,
        // Always explicit: without it fc2 builds an http:// URL unless told `secure: true`.
        endpoint: `${endpoint.protocol}://${endpoint.host}`,
        timeout,
      },
    );
  } catch (error) {
    throw new InvokeError('InvalidArgument', `FC 2.0 client: ${(error as Error).message}`);
  }
  let response: { headers: Headers; data: unknown };
  try {
    // fc2 puts the qualifier into the path as `{service}.{qualifier}`.
    response = await withDeadline(
      client.invokeFunction(
        options.serviceName,
        options.functionName,
        options.event === '' ? undefined : options.event,
        invokeHeaders(options),
        options.qualifier,
      ),
      timeout,
    );
  } catch (error) {
    throw fc2Error(error, options.functionName);
  }
  // fc2 resolves every 2xx (a function error too) and has already parsed a JSON body; it keeps no status.
  const body = typeof response.data === 'string' ? response.data : response.data === undefined ? '' : JSON.stringify(response.data);
  return resultOf(options.async ? 202 : 200, response.headers, body);
}

/**
 * fc2's errors: `FC<ErrorCode>Error` with code = ErrorCode, and status and request id only in the
 * message (`POST /services/.. failed with 404. requestid: X, message: M.`); network errors carry a code.
 * fc2 reads the message of an `{errorCode, errorMessage}` body but not its code (it throws
 * `FCundefinedError` without one): that code is lost before it reaches us, and is said to be unknown.
 */
function fc2Error(error: unknown, functionName: string): InvokeError {
  const e = (error ?? {}) as TeaErrorShape;
  const raw = text(e.message) ?? String(error);
  const m = /failed with (\d{3})\. requestid: ([^,]*), message: (.*)\.$/s.exec(raw);
  const status = m ? Number(m[1]) : undefined;
  const requestId = m && m[2] && m[2] !== 'undefined' ? m[2] : undefined;
  const code = text(e.code) ?? (e.name === 'FCundefinedError' ? 'Unknown' : text(e.name)) ?? 'Error';
  const message = m?.[3] ?? raw;
  return new InvokeError(code, describe('FC 2.0', functionName, code, message, status, requestId), status, requestId);
}

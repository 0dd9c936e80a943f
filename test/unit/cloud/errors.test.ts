import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CloudError, kindOf, toCloudError, type ErrorKind } from '../../../lib/cloud/errors.js';
import type { Sandbox } from '../../../lib/sandbox/server.js';
import { admin, DEMO_KEY, DEMO_STS_KEY, failure, openApiClient, sae, swas } from '../../e2e/support/clients.js';
import { saeApp, startWorld, swasInstance } from '../../e2e/support/cloud-world.js';

/**
 * toCloudError on what the real client (openapi-client) throws when the sandbox answers with each
 * kind of failure, over real HTTP: nothing here is a hand-made error object.
 */

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startWorld();
});
afterAll(() => sandbox.close());
beforeEach(() => admin(sandbox.url, 'reset', ''));

const APP = saeApp(0).appId;
const INSTANCE = swasInstance('cn-hangzhou', 0).instanceId;
const stopApp = (client = openApiClient(sandbox.url), appId = APP) =>
  sae(client, 'StopApplication', 'PUT', '/pop/v1/sam/app/stopApplication', { AppId: appId });
const stopInstance = (client = openApiClient(sandbox.url), id = INSTANCE) =>
  swas(client, 'StopInstances', { RegionId: 'cn-hangzhou', InstanceIds: JSON.stringify([id]), ClientToken: `t-${Math.random()}` });

async function caught(promise: Promise<unknown>, product: 'sae' | 'swas', action: string): Promise<CloudError> {
  return toCloudError(await failure(promise), product, action);
}
const faults = (list: unknown[]) => admin(sandbox.url, 'faults', list);

describe('toCloudError on SAE errors', () => {
  it('reads the real code from both SAE error shapes', async () => {
    await stopApp();
    const plain = await caught(stopApp(), 'sae', 'StopApplication');
    await faults([{ product: 'sae', action: '*', numericCode: true }]);
    const raw = await failure(stopApp());
    expect(raw.code).toBe('400'); // the client's own code is the HTTP status here (docs/reference/client-wire-facts.md §5)
    const numeric = toCloudError(raw, 'sae', 'StopApplication');
    for (const error of [plain, numeric]) {
      expect(error).toMatchObject({
        code: 'Application.ChangerOrderRunning',
        kind: 'busy',
        httpStatus: 400,
        product: 'sae',
        action: 'StopApplication',
      });
      expect(error.requestId).toMatch(/^[0-9A-F-]{36}$/);
      expect(error.message).toContain('change order in progress');
    }
  });

  it('not found, throttled and internal errors', async () => {
    expect(await caught(stopApp(undefined, 'missing'), 'sae', 'StopApplication')).toMatchObject({
      code: 'InvalidApplication.NotFound',
      kind: 'not-found',
    });
    await faults([{ product: 'sae', code: 'Throttling.User', times: 1 }]);
    expect(await caught(stopApp(), 'sae', 'StopApplication')).toMatchObject({
      code: 'Throttling.User',
      kind: 'throttled',
      retryable: true,
    });
    await faults([{ product: 'sae', code: 'InternalError', times: 1 }]);
    expect(await caught(stopApp(), 'sae', 'StopApplication')).toMatchObject({ code: 'InternalError', kind: 'transient', httpStatus: 500 });
  });
});

describe('toCloudError on SWAS errors', () => {
  it('state, not found and throttled', async () => {
    await stopInstance();
    const state = await caught(stopInstance(), 'swas', 'StopInstances');
    expect(state).toMatchObject({ code: 'IncorrectInstanceStatus', kind: 'state', httpStatus: 403 });
    expect(state.requestId).toMatch(/^[0-9A-F-]{36}$/);
    expect(await caught(stopInstance(undefined, 'missing'), 'swas', 'StopInstances')).toMatchObject({
      code: 'InvalidInstanceId.NotFound',
      kind: 'not-found',
      httpStatus: 404,
    });
    await faults([{ product: 'swas', code: 'Throttling.User', times: 1 }]);
    expect(await caught(stopInstance(), 'swas', 'StopInstances')).toMatchObject({ code: 'Throttling.User', kind: 'throttled' });
  });
});

describe('toCloudError on credential errors', () => {
  it('a wrong secret, an unknown key and a wrong STS token are permission errors', async () => {
    const wrongSecret = openApiClient(sandbox.url, { ...DEMO_KEY, accessKeySecret: 'wrong' });
    expect(await caught(stopApp(wrongSecret), 'sae', 'StopApplication')).toMatchObject({
      code: 'SignatureDoesNotMatch',
      kind: 'permission',
    });
    const unknownKey = openApiClient(sandbox.url, { accessKeyId: 'nobody', accessKeySecret: 'x' });
    expect(await caught(stopInstance(unknownKey), 'swas', 'StopInstances')).toMatchObject({
      code: 'InvalidAccessKeyId.NotFound',
      kind: 'permission',
      httpStatus: 404,
    });
    const wrongToken = openApiClient(sandbox.url, { ...DEMO_STS_KEY, securityToken: 'stale' });
    expect(await caught(stopApp(wrongToken), 'sae', 'StopApplication')).toMatchObject({
      code: 'InvalidSecurityToken.MismatchWithAccessKey',
      kind: 'permission',
    });
  });
});

describe('toCloudError on network failures', () => {
  it('a dropped connection is transient', async () => {
    await faults([{ product: 'sae', drop: true, times: 1 }]);
    const error = await caught(stopApp(), 'sae', 'StopApplication');
    expect(error).toMatchObject({ code: 'ECONNRESET', kind: 'transient' });
  });

  it('an HTML 502 page is transient', async () => {
    await faults([{ product: 'swas', html: true, times: 1 }]);
    const raw = await failure(stopInstance());
    expect(raw.name).toBe('SyntaxError'); // the status is lost on the way (docs/reference/client-wire-facts.md §5)
    expect(toCloudError(raw, 'swas', 'StopInstances')).toMatchObject({ code: 'BadGateway', kind: 'transient' });
  });

  it('a read timeout is transient, code Timeout', async () => {
    await faults([{ product: 'sae', latencyMs: 1500, times: 1 }]);
    const client = openApiClient(sandbox.url, DEMO_KEY, { readTimeout: 200, connectTimeout: 5000 });
    const started = Date.now();
    const raw = await failure(stopApp(client));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(raw.name).toBe('RequestTimeoutError');
    expect(raw.message).toMatch(/^ReadTimeout\(200\)/);
    expect(toCloudError(raw, 'sae', 'StopApplication')).toMatchObject({ code: 'Timeout', kind: 'transient' });
  });

  it('the connect timeout also bounds a silent server (it is the socket idle timer)', async () => {
    await faults([{ product: 'sae', latencyMs: 1500, times: 1 }]);
    const client = openApiClient(sandbox.url, DEMO_KEY, { readTimeout: 5000, connectTimeout: 200 });
    const raw = await failure(stopApp(client));
    expect(raw.message).toMatch(/^ConnectTimeout/);
    expect(toCloudError(raw, 'sae', 'StopApplication')).toMatchObject({ code: 'Timeout', kind: 'transient' });
  });

  it('a refused connection is transient', async () => {
    const closed = await startWorld();
    const url = closed.url;
    await closed.close();
    const error = await caught(stopApp(openApiClient(url)), 'sae', 'StopApplication');
    expect(error).toMatchObject({ code: 'ECONNREFUSED', kind: 'transient' });
  });
});

describe('kindOf', () => {
  const table: Array<[string, number | undefined, ErrorKind]> = [
    ['Throttling', 400, 'throttled'],
    ['Throttling.Api', undefined, 'throttled'],
    ['Application.ChangerOrderRunning', 400, 'busy'],
    ['System.Upgrading', 400, 'busy'],
    ['ServiceUnavailable', 503, 'busy'],
    ['Application.InvalidStatus', 400, 'state'],
    ['IncorrectInstanceStatus', 403, 'state'],
    ['Forbidden.RAM', 403, 'permission'],
    ['Resouce.no.permission', 400, 'permission'],
    ['MissingSecurityToken', 400, 'permission'],
    ['MissingCredentials', undefined, 'permission'],
    ['SomethingElse', 401, 'permission'],
    ['InvalidApplication.NotFound', 400, 'not-found'],
    ['InvalidNamespaceId.NotFound', 404, 'not-found'],
    ['InternalError', 500, 'transient'],
    // Named by its code alone, whatever the status (one lost on the way, or a 400 body saying so).
    ['InternalError', undefined, 'transient'],
    ['InternalError', 400, 'transient'],
    ['UnknownError', undefined, 'transient'],
    ['Whatever', 502, 'transient'],
    // An unknown code is read by its status: any 5xx, 500 included, is the service's fault, and
    // a 403 is a refusal of permission (a RAM policy or an account state the code does not name).
    ['Whatever', 500, 'transient'],
    ['Whatever', 599, 'transient'],
    ['Whatever', 403, 'permission'],
    ['Whatever', 400, 'invalid'],
    ['Whatever', undefined, 'invalid'],
    ['InvalidParameter', 400, 'invalid'],
    ['IdempotentParameterMismatch', 400, 'invalid'],
    // Each listed code, and the edges of each pattern: anchored where the pattern says so.
    ['Application.NotReady', 400, 'busy'],
    ['IncorrectStatus', 400, 'state'],
    ['Unauthorized', 400, 'permission'],
    ['InvalidAccessKeyId.NotFound', 404, 'permission'],
    ['SignatureDoesNotMatch', 400, 'permission'],
    ['Ram.NoPermission', 400, 'permission'],
    ['Ram.NoPermissionYet', 400, 'invalid'],
    ['NotForbidden', 400, 'invalid'],
    ['Image.NotFound', 400, 'not-found'],
    ['NotFoundAnywhere', 400, 'not-found'],
    ['Disk.NotExist', 400, 'not-found'],
    ['Disk.NotExistYet', 400, 'invalid'],
    ['AppNotFoundHere', 400, 'invalid'],
    ['Whatever', 404, 'not-found'],
    ['Whatever', 499, 'invalid'],
  ];
  it.each(table)('%s (%s) is %s', (code, status, kind) => {
    expect(kindOf(code, status)).toBe(kind);
  });

  it('passes a CloudError through and turns anything else into one', () => {
    const error = new CloudError({ product: 'sae', action: 'X', code: 'C', kind: 'busy', message: 'm' });
    expect(toCloudError(error, 'swas', 'Y')).toBe(error);
    expect(toCloudError('text', 'sae', 'X')).toMatchObject({ code: 'Unknown', kind: 'invalid', message: 'text' });
    expect(toCloudError(undefined, 'sae', 'X')).toBeInstanceOf(CloudError);
  });
});

/**
 * The shapes the clients throw, as docs/reference/client-wire-facts.md records them, made by hand
 * so that each branch of toCloudError is pinned: which field the code, the status and the request
 * id come from.
 */
describe('toCloudError on the shapes clients throw', () => {
  const from = (thrown: unknown) => toCloudError(thrown, 'sae', 'StopApplication');

  it.each([
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
  ])('a network failure %s is transient and keeps its code', (code) => {
    const error = from(Object.assign(new Error('socket closed'), { code }));
    expect(error).toMatchObject({ code, kind: 'transient', message: `connection failed (${code}): socket closed` });
    expect(error.retryable).toBe(true);
  });

  it('timeouts by name, by a name that says timeout, and by message; a message that only mentions one is not', () => {
    expect(from(Object.assign(new Error('x'), { name: 'RequestTimeoutError' }))).toMatchObject({ code: 'Timeout', kind: 'transient' });
    expect(from(Object.assign(new Error('x'), { name: 'SocketTimeoutThing' }))).toMatchObject({ code: 'Timeout', kind: 'transient' });
    expect(from(new Error('ReadTimeout(10000). GET http://x/ failed.'))).toMatchObject({ code: 'Timeout' });
    expect(from(new Error('ConnectTimeout: Connect http://x/ failed.'))).toMatchObject({ code: 'Timeout' });
    expect(from(new Error('the ReadTimeout setting was ignored'))).toMatchObject({ code: 'Unknown', kind: 'invalid' });
  });

  it('a body that is not JSON is a transient BadGateway, with the status when the client kept it', () => {
    expect(from(new SyntaxError('Unexpected token <'))).toMatchObject({ code: 'BadGateway', kind: 'transient' });
    expect(from(new SyntaxError('Unexpected token <')).httpStatus).toBeUndefined();
    expect(from({ name: 'SyntaxError', message: 'bad', statusCode: 502 })).toMatchObject({ code: 'BadGateway', httpStatus: 502 });
    expect(from({ name: 'SyntaxError', message: 'bad', statusCode: 502 }).message).toBe(
      'the endpoint answered with something other than JSON (a gateway error page?)',
    );
    // A SyntaxError under another name is one too, unless it carries a code of its own to read.
    class ParseError extends SyntaxError {
      override name = 'ParseError';
    }
    expect(from(new ParseError('Unexpected token <'))).toMatchObject({ code: 'BadGateway', kind: 'transient' });
    expect(from(Object.assign(new ParseError('Unexpected token <'), { code: 'Throttling.User' }))).toMatchObject({
      code: 'Throttling.User',
      kind: 'throttled',
    });
  });

  it('the status comes from statusCode, else data.statusCode, else a three-digit code', () => {
    expect(from({ code: 'Whatever', statusCode: 503, message: 'm' })).toMatchObject({ kind: 'transient', httpStatus: 503 });
    expect(from({ code: 'Whatever', data: { statusCode: 404 }, message: 'm' })).toMatchObject({ kind: 'not-found', httpStatus: 404 });
    expect(from({ code: 'Whatever', message: 'm' }).httpStatus).toBeUndefined();
    expect(from({ code: '503', message: 'm' })).toMatchObject({ code: '503', kind: 'transient' });
    expect(from({ code: 503, message: 'm' })).toMatchObject({ code: '503', kind: 'transient' });
    expect(from({ code: '5030', message: 'm' })).toMatchObject({ kind: 'invalid' });
    expect(from({ code: 'x503', message: 'm' })).toMatchObject({ kind: 'invalid' });
  });

  it("SAE's numeric Code gives way to ErrorCode, then to data.Code; a code with digits in it is a code", () => {
    expect(from({ code: '400', data: { ErrorCode: 'Application.InvalidStatus', Message: 'no' } })).toMatchObject({
      code: 'Application.InvalidStatus',
      kind: 'state',
      message: 'no',
    });
    expect(from({ code: '400', data: { Code: 'Throttling.User' } })).toMatchObject({ code: 'Throttling.User', kind: 'throttled' });
    expect(from({ code: 'Err400', data: { ErrorCode: 'Other' } })).toMatchObject({ code: 'Err400' });
    expect(from({ code: '400abc', data: { ErrorCode: 'Other' } })).toMatchObject({ code: '400abc' });
    expect(from({ code: '', message: 'm' })).toMatchObject({ code: 'Unknown' });
  });

  it('the request id comes from the body, the error, or the message', () => {
    expect(from({ code: 'X', data: { RequestId: 'R-BODY' } }).requestId).toBe('R-BODY');
    expect(from({ code: 'X', requestId: 'R-ERR' }).requestId).toBe('R-ERR');
    expect(from({ code: 'X', message: 'refused, request id: AB-12_cd then more' }).requestId).toBe('AB-12_cd');
    expect(from({ code: 'X', message: 'm' }).requestId).toBeUndefined();
  });
});

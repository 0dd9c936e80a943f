import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FcError, FcHost, fcRouteOf, isFcPath, type FunctionRunner, type SandboxFcContext } from '../../../lib/sandbox/fc.js';
import { Gateway } from '../../../lib/sandbox/gateway.js';
import { parseSeed } from '../../../lib/sandbox/seed.js';
import type { ReceivedRequest } from '../../../lib/sandbox/signature.js';

/**
 * The sandbox's FC endpoints with hand-built requests: path parsing, which signatures each API
 * accepts, the reply shapes, and the context the function gets. The function is a stand-in here
 * (test/e2e/invoke.test.ts runs the real one through the real clients). The FC 2.0 request is the
 * self-computed vector of docs/reference/alibaba-cloud-facts.md §4.4, at its own date.
 */

const VECTOR_DATE = 'Mon, 01 Jan 2024 00:00:00 GMT';
const VECTOR_NOW = Date.UTC(2024, 0, 1);
const ACCOUNT = '1234567890123456';

const SEED = parseSeed(
  JSON.stringify({
    accounts: [
      {
        id: ACCOUNT,
        accessKeys: [
          { id: 'testid', secret: 'testsecret' },
          { id: 'STS.role', secret: 'role-secret', securityToken: 'role-token' },
        ],
      },
      { id: '6543210987654321', accessKeys: [{ id: 'other', secret: 'other-secret' }] },
    ],
    fc: { functions: [{ name: 'fn', service: 'svc' }, { name: 'offpeak' }] },
  }),
);

const fcSign = (secret: string, method: string, path: string, headers: Record<string, string>): string => {
  const fcLines = Object.keys(headers)
    .filter((k) => k.startsWith('x-fc-'))
    .sort()
    .map((k) => `${k}:${headers[k]}\n`)
    .join('');
  const text = `${method}\n${headers['content-md5'] ?? ''}\n${headers['content-type'] ?? ''}\n${headers.date}\n${fcLines}${path}`;
  return createHmac('sha256', secret).update(text, 'utf8').digest('base64');
};

/** A request signed as @alicloud/fc2 signs it (content-md5 = base64 of the hex MD5). */
function fcRequest(options: {
  path: string;
  body?: string;
  headers?: Record<string, string>;
  key?: string;
  secret?: string;
  date?: string;
  method?: string;
}): ReceivedRequest {
  const body = options.body ?? '';
  const headers: Record<string, string> = {
    accept: 'application/json',
    date: options.date ?? VECTOR_DATE,
    host: '1234567890.cn-hangzhou.fc.aliyuncs.com',
    'x-fc-account-id': '1234567890',
    ...(body
      ? {
          'content-type': 'application/octet-stream',
          'content-md5': Buffer.from(createHash('md5').update(body).digest('hex')).toString('base64'),
        }
      : {}),
    ...options.headers,
  };
  const method = options.method ?? 'POST';
  headers.authorization = `FC ${options.key ?? 'testid'}:${fcSign(options.secret ?? 'testsecret', method, options.path.split('?')[0]!, headers)}`;
  return { method, url: options.path, headers, body: Buffer.from(body) };
}

/** A request signed with ACS3-HMAC-SHA256 as openapi-client signs it (docs/reference/client-wire-facts.md §1). */
function acs3Request(options: {
  url: string;
  body?: string;
  headers?: Record<string, string>;
  key?: string;
  secret?: string;
}): ReceivedRequest {
  const body = Buffer.from(options.body ?? '');
  const headers: Record<string, string> = {
    host: '1234567890123456.cn-shanghai.fc.aliyuncs.com',
    'x-acs-version': '2023-03-30',
    'x-acs-action': 'InvokeFunction',
    'x-acs-date': new Date(VECTOR_NOW).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'x-acs-signature-nonce': createHash('md5').update(String(Math.random())).digest('hex'),
    'x-acs-content-sha256': createHash('sha256').update(body).digest('hex'),
    ...(body.length ? { 'content-type': 'application/octet-stream' } : {}),
    ...options.headers,
  };
  const signed = Object.keys(headers)
    .filter((k) => k.startsWith('x-acs-') || k === 'host' || k === 'content-type')
    .sort();
  const [path, query = ''] = options.url.split('?');
  const canonicalQuery = query
    .split('&')
    .filter(Boolean)
    .map((p) => p.split('='))
    .sort((a, b) => (a[0]! < b[0]! ? -1 : 1))
    .map(([k, v]) => `${k}=${v ?? ''}`)
    .join('&');
  const canonical = [
    'POST',
    path,
    canonicalQuery,
    signed.map((k) => `${k}:${headers[k]!.trim()}\n`).join(''),
    signed.join(';'),
    headers['x-acs-content-sha256'],
  ].join('\n');
  const toSign = `ACS3-HMAC-SHA256\n${createHash('sha256').update(canonical).digest('hex')}`;
  const signature = createHmac('sha256', options.secret ?? 'testsecret')
    .update(toSign)
    .digest('hex');
  headers.authorization = `ACS3-HMAC-SHA256 Credential=${options.key ?? 'testid'},SignedHeaders=${signed.join(';')},Signature=${signature}`;
  return { method: 'POST', url: options.url, headers, body };
}

function host(runner: FunctionRunner = () => Promise.resolve({ ok: true })) {
  const gateway = new Gateway({ seed: SEED, wallClock: () => VECTOR_NOW });
  const contexts: SandboxFcContext[] = [];
  const events: string[] = [];
  const fc = new FcHost({
    world: gateway,
    rateScale: 1,
    runner: async (event, context, log) => {
      contexts.push(context);
      events.push(event.toString('utf8'));
      return runner(event, context, log);
    },
  });
  fc.attach('http://127.0.0.1:1');
  return { gateway, fc, contexts, events };
}

const json = (body: Buffer): Record<string, unknown> => JSON.parse(body.toString('utf8')) as Record<string, unknown>;
const FC2_PATH = '/2016-08-15/services/svc/functions/fn/invocations';

describe('FC paths', () => {
  it('routes both API versions and nothing else', () => {
    expect(isFcPath('/2023-03-30/functions/x/invocations')).toBe(true);
    expect(isFcPath('/2016-08-15/services/s/functions/x/invocations')).toBe(true);
    expect(isFcPath('/pop/v1/sam/app/stopApplication')).toBe(false);
    expect(isFcPath('/?Action=StopInstance')).toBe(false);
  });

  it.each([
    ['/2023-03-30/functions/offpeak/invocations', { api: 'fc3', functionName: 'offpeak' }],
    ['/2023-03-30/functions/offpeak/invocations?qualifier=LATEST', { api: 'fc3', functionName: 'offpeak', qualifier: 'LATEST' }],
    ['/2016-08-15/services/svc/functions/fn/invocations', { api: 'fc2', serviceName: 'svc', functionName: 'fn' }],
    [
      '/2016-08-15/services/svc.LATEST/functions/fn/invocations',
      { api: 'fc2', serviceName: 'svc', functionName: 'fn', qualifier: 'LATEST' },
    ],
    ['/2016-08-15/services/svc/functions/f%6E/invocations', { api: 'fc2', serviceName: 'svc', functionName: 'fn' }],
  ])('%s', (url, route) => {
    expect(fcRouteOf('POST', url)).toEqual(route);
  });

  it.each([
    ['POST', '/2023-03-30/functions/offpeak'],
    ['POST', '/2023-03-30/functions/offpeak/invocations/more'],
    ['POST', '/2023-03-30/functions//invocations'],
    ['POST', '/2016-08-15/services/svc/functions/fn'],
    ['POST', '/2016-08-15/functions/fn/invocations'],
    ['GET', '/2023-03-30/functions/offpeak/invocations'],
    ['PUT', '/2016-08-15/services/svc/functions/fn/invocations'],
    ['POST', '/2023-03-30/functions/%E0%A4%A/invocations'],
  ])('%s %s is PathNotSupported', (method, url) => {
    const route = fcRouteOf(method, url);
    expect(route).toBeInstanceOf(FcError);
    expect([(route as FcError).status, (route as FcError).code]).toEqual([400, 'PathNotSupported']);
  });
});

describe('FC 2.0 with the FC signature', () => {
  it('accepts the §4.4 vector as sent (Async): 202, a request id, an empty body without a content type', async () => {
    const { fc, gateway, events } = host();
    const req: ReceivedRequest = {
      method: 'POST',
      url: FC2_PATH,
      headers: {
        'content-md5': 'YmI2Y2I1YzY4ZGY0NjUyOTQxY2FmNjUyYTM2NmYyZDg=',
        'content-type': 'application/octet-stream',
        date: VECTOR_DATE,
        'x-fc-account-id': '1234567890',
        'x-fc-invocation-type': 'Async',
        'x-fc-log-type': 'None',
        authorization: 'FC testid:dIs3uCcPbC6ymKsjggw6y5ZT1h0M1ghfLTeOt9oNDkc=',
      },
      body: Buffer.from('{"a":1}'),
    };
    const answer = await fc.handle(req);
    expect(answer.status).toBe(202);
    expect(answer.body.length).toBe(0);
    expect(answer.headers['content-type']).toBeUndefined();
    expect(answer.headers['x-fc-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    await fc.idle(1_000);
    expect(events).toEqual(['{"a":1}']);
    expect(gateway.calls()).toEqual([
      expect.objectContaining({ product: 'fc', action: 'InvokeFunction', resourceIds: ['fn'], code: null, executed: true }),
    ]);
  });

  it('sync: 200 with the output as JSON, and the function gets an FC context with the role (STS) keys', async () => {
    const { fc, contexts } = host(() => Promise.resolve({ ok: true, n: 1 }));
    const answer = await fc.handle(fcRequest({ path: FC2_PATH, body: '{"dryRun":true}' }));
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json');
    expect(json(answer.body)).toEqual({ ok: true, n: 1 });
    expect(contexts[0]).toEqual({
      requestId: answer.headers['x-fc-request-id'],
      credentials: { accessKeyId: 'STS.role', accessKeySecret: 'role-secret', securityToken: 'role-token' },
      function: { name: 'fn', handler: 'index.handler', memory: 512, timeout: 60 },
      service: { name: 'svc', qualifier: 'LATEST' },
      region: 'cn-hangzhou',
      accountId: ACCOUNT,
    });
  });

  it('refuses a tampered body, a wrong secret, an unknown key, a stale date, and an ACS3 signature, as FC does ({ErrorCode, ErrorMessage})', async () => {
    const { fc, events } = host();
    const good = fcRequest({ path: FC2_PATH, body: '{"dryRun":true}' });
    const cases: Array<[ReceivedRequest, number, string]> = [
      [{ ...good, body: Buffer.from('{"dryRun":false}') }, 403, 'SignatureNotMatch'],
      [fcRequest({ path: FC2_PATH, secret: 'nope' }), 403, 'SignatureNotMatch'],
      [fcRequest({ path: FC2_PATH, key: 'ghost' }), 403, 'InvalidAccessKeyID'],
      [fcRequest({ path: FC2_PATH, date: 'Sun, 31 Dec 2023 23:44:59 GMT' }), 403, 'AccessDenied'],
      [fcRequest({ path: FC2_PATH, date: 'yesterday' }), 400, 'InvalidArgument'],
      [fcRequest({ path: FC2_PATH, key: 'STS.role', secret: 'role-secret' }), 403, 'AccessDenied'],
      [acs3Request({ url: FC2_PATH }), 403, 'AccessDenied'],
      [{ ...good, headers: { ...good.headers, authorization: undefined } }, 403, 'AccessDenied'],
    ];
    for (const [req, status, code] of cases) {
      const answer = await fc.handle(req);
      expect([answer.status, json(answer.body).ErrorCode], `${req.headers.authorization} ${req.headers.date}`).toEqual([status, code]);
      expect(Object.keys(json(answer.body))).toEqual(['ErrorCode', 'ErrorMessage']);
      expect(answer.headers['x-fc-request-id']).toBeTruthy();
    }
    // Within 15 minutes is fine; an STS key with its token too.
    expect((await fc.handle(fcRequest({ path: FC2_PATH, date: 'Sun, 31 Dec 2023 23:45:01 GMT' }))).status).toBe(200);
    expect(
      (
        await fc.handle(
          fcRequest({ path: FC2_PATH, key: 'STS.role', secret: 'role-secret', headers: { 'x-fc-security-token': 'role-token' } }),
        )
      ).status,
    ).toBe(200);
    expect(events).toHaveLength(2);
  });

  it('finds functions per service and per account', async () => {
    const { fc } = host();
    const noService = await fc.handle(fcRequest({ path: '/2016-08-15/services/nope/functions/fn/invocations' }));
    expect([noService.status, json(noService.body)]).toEqual([
      404,
      { ErrorCode: 'ServiceNotFound', ErrorMessage: "service 'nope' does not exist" },
    ]);
    const noFunction = await fc.handle(fcRequest({ path: '/2016-08-15/services/svc/functions/offpeak/invocations' }));
    expect([noFunction.status, json(noFunction.body).ErrorCode]).toEqual([404, 'FunctionNotFound']);
    // Another account's key sees none of the first account's functions.
    const other = await fc.handle(fcRequest({ path: FC2_PATH, key: 'other', secret: 'other-secret' }));
    expect([other.status, json(other.body).ErrorCode]).toEqual([404, 'ServiceNotFound']);
  });
});

describe('FC 3.0', () => {
  it('accepts ACS3 (and the FC scheme), answers errors as {Code, Message, RequestId}', async () => {
    const { fc, contexts } = host(() => Promise.resolve(Buffer.from('raw')));
    const answer = await fc.handle(acs3Request({ url: '/2023-03-30/functions/offpeak/invocations?qualifier=LATEST', body: '{}' }));
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/octet-stream');
    expect(answer.body.toString()).toBe('raw');
    expect(answer.headers['x-fc-request-id']).toMatch(/^1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    expect(contexts[0]?.region).toBe('cn-shanghai');
    expect(contexts[0]?.service.name).toBe('offpeak');
    expect((await fc.handle(fcRequest({ path: '/2023-03-30/functions/offpeak/invocations' }))).status).toBe(200);

    const tampered = await fc.handle({
      ...acs3Request({ url: '/2023-03-30/functions/offpeak/invocations', body: '{}' }),
      body: Buffer.from('{"x":1}'),
    });
    expect(tampered.status).toBe(403);
    const body = json(tampered.body);
    expect(Object.keys(body)).toEqual(['Code', 'Message', 'RequestId']);
    expect(body.Code).toBe('SignatureNotMatch');
    expect(body.RequestId).toBe(tampered.headers['x-fc-request-id']);
    const missing = await fc.handle(acs3Request({ url: '/2023-03-30/functions/fnx/invocations' }));
    expect([missing.status, json(missing.body).Code]).toEqual([404, 'FunctionNotFound']);
    const alias = await fc.handle(acs3Request({ url: '/2023-03-30/functions/offpeak/invocations?qualifier=prod' }));
    expect([alias.status, json(alias.body).Code]).toEqual([404, 'AliasNotFound']);
  });

  it('a function that throws: 200, x-fc-error-type, {errorMessage, errorType, stackTrace}; Tail returns the log', async () => {
    const { fc, gateway } = host((_event, _context, log) => {
      log('working');
      const error = new Error('no good');
      error.name = 'OffpeakError';
      error.stack = 'OffpeakError: no good';
      return Promise.reject(error);
    });
    const answer = await fc.handle(acs3Request({ url: '/2023-03-30/functions/offpeak/invocations', headers: { 'x-fc-log-type': 'Tail' } }));
    expect(answer.status).toBe(200);
    expect(answer.headers['x-fc-error-type']).toBe('UnhandledInvocationError');
    expect(answer.headers['content-type']).toBe('application/json');
    expect(json(answer.body)).toEqual({ errorMessage: 'no good', errorType: 'OffpeakError', stackTrace: ['OffpeakError: no good'] });
    const requestId = answer.headers['x-fc-request-id']!;
    expect(Buffer.from(answer.headers['x-fc-log-result']!, 'base64').toString()).toBe(
      `FC Invoke Start RequestId: ${requestId}\nworking\nFC Invoke End RequestId: ${requestId}\n`,
    );
    expect(gateway.calls().map((c) => c.code)).toEqual(['UnhandledInvocationError']);
  });

  it('no output is an empty body without a content type; a bad invocation type is refused', async () => {
    const { fc } = host(() => Promise.resolve(undefined));
    const empty = await fc.handle(acs3Request({ url: '/2023-03-30/functions/offpeak/invocations' }));
    expect([empty.status, empty.body.length, empty.headers['content-type']]).toEqual([200, 0, undefined]);
    const odd = await fc.handle(
      acs3Request({ url: '/2023-03-30/functions/offpeak/invocations', headers: { 'x-fc-invocation-type': 'Later' } }),
    );
    expect([odd.status, json(odd.body).Code]).toEqual([400, 'InvalidArgument']);
  });
});

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type OpenApiModule from '@alicloud/openapi-client';
import type TeaUtilModule from '@alicloud/tea-util';
import type OpenApiCoreModule from '@alicloud/openapi-core';
import type SwasModule from '@alicloud/swas-open20200601';
import {
  claimOf,
  claimTime,
  verifyAcs3,
  verifyFc,
  verifyRoaV1,
  verifyRpcV1,
  verifySignature,
  type ReceivedRequest,
  type Scheme,
} from '../../../lib/sandbox/signature.js';

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const ACS3_SIGNED = 'host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version';

function request(method: string, url: string, headers: Record<string, string>, body = ''): ReceivedRequest {
  return { method, url, headers, body: Buffer.from(body, 'utf8') };
}

function withUrl(req: ReceivedRequest, url: string): ReceivedRequest {
  return { ...req, url };
}

function withHeader(req: ReceivedRequest, name: string, value: string | undefined): ReceivedRequest {
  return { ...req, headers: { ...req.headers, [name]: value } };
}

function withBody(req: ReceivedRequest, body: string): ReceivedRequest {
  return { ...req, body: Buffer.from(body, 'utf8') };
}

interface Acs3Vector {
  method: string;
  path: string;
  query: string;
  host: string;
  action: string;
  version: string;
  date: string;
  nonce: string;
  accessKeyId: string;
  signature: string;
  extra?: Record<string, string>;
  signedHeaders?: string;
}

function acs3Request(v: Acs3Vector): ReceivedRequest {
  return request(v.method, `${v.path}?${v.query}`, {
    host: v.host,
    'x-acs-action': v.action,
    'x-acs-version': v.version,
    'x-acs-date': v.date,
    'x-acs-signature-nonce': v.nonce,
    'x-acs-content-sha256': EMPTY_SHA256,
    ...v.extra,
    authorization: `ACS3-HMAC-SHA256 Credential=${v.accessKeyId},SignedHeaders=${v.signedHeaders ?? ACS3_SIGNED},Signature=${v.signature}`,
  });
}

const officialRunInstances = acs3Request({
  method: 'POST',
  path: '/',
  query: 'ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai',
  host: 'ecs.cn-shanghai.aliyuncs.com',
  action: 'RunInstances',
  version: '2014-05-26',
  date: '2023-10-26T10:22:32Z',
  nonce: '3156853299f313e23d1673dc12e1703d',
  accessKeyId: 'YourAccessKeyId',
  signature: '06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0',
});

const saeStopApplication = acs3Request({
  method: 'PUT',
  path: '/pop/v1/sam/app/stopApplication',
  query: 'AppId=0099b7be-5f5b-4512-a7fc-56049ef1abcd',
  host: 'sae.cn-hangzhou.aliyuncs.com',
  action: 'StopApplication',
  version: '2019-05-06',
  date: '2024-01-01T00:00:00Z',
  nonce: '00000000000000000000000000000001',
  accessKeyId: 'testid',
  signature: '51eaa6e9f073099d57436cf53ce8034be2856849b848ed12ba55d0954ba3ee2d',
});

const swasStopInstanceSts = acs3Request({
  method: 'POST',
  path: '/',
  // Wire order as a client sends it; the canonical form sorts.
  query: 'InstanceId=ace0706b2ac4454d984295a94213abcd&RegionId=cn-hangzhou&ClientToken=123e4567-e89b-12d3-a456-426655440000',
  host: 'swas.cn-hangzhou.aliyuncs.com',
  action: 'StopInstance',
  version: '2020-06-01',
  date: '2024-01-01T00:00:00Z',
  nonce: '00000000000000000000000000000002',
  accessKeyId: 'STS.testid',
  signature: '9b8375224d95f73c9719296c6d14d20e7a5bb90b299e1896883e6f0c6c7dcba9',
  extra: { 'x-acs-security-token': 'test-sts-token' },
  signedHeaders: 'host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-security-token;x-acs-signature-nonce;x-acs-version',
});

const swasListInstances = acs3Request({
  method: 'POST',
  path: '/',
  query: `InstanceIds=${encodeURIComponent('["a","b"]')}&PageSize=100&RegionId=cn-hangzhou`,
  host: 'swas.cn-hangzhou.aliyuncs.com',
  action: 'ListInstances',
  version: '2020-06-01',
  date: '2024-01-01T00:00:00Z',
  nonce: '00000000000000000000000000000003',
  accessKeyId: 'testid',
  signature: '26c70863350d4296472802a0d91ae26d53279be628fd077e2288cfa3e3ec81ab',
});

const rpcDescribeRegionsParams: Array<[string, string]> = [
  ['AccessKeyId', 'testid'],
  ['Action', 'DescribeRegions'],
  ['Format', 'XML'],
  ['SignatureMethod', 'HMAC-SHA1'],
  ['SignatureNonce', '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf'],
  ['SignatureVersion', '1.0'],
  ['Timestamp', '2016-02-23T12:46:24Z'],
  ['Version', '2014-05-26'],
  ['Signature', 'OLeaidS1JvxuMvnyHOwuJ+uX5qY='],
];
const rpcDescribeRegions = request('GET', `/?${rpcDescribeRegionsParams.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`, {
  host: 'ecs.aliyuncs.com',
});

const fcInvoke = request(
  'POST',
  '/2016-08-15/services/svc/functions/fn/invocations',
  {
    host: '1234567890.cn-hangzhou.fc.aliyuncs.com',
    accept: 'application/json',
    date: 'Mon, 01 Jan 2024 00:00:00 GMT',
    'content-md5': 'YmI2Y2I1YzY4ZGY0NjUyOTQxY2FmNjUyYTM2NmYyZDg=',
    'content-type': 'application/octet-stream',
    'x-fc-account-id': '1234567890',
    'x-fc-invocation-type': 'Async',
    'x-fc-log-type': 'None',
    authorization: 'FC testid:dIs3uCcPbC6ymKsjggw6y5ZT1h0M1ghfLTeOt9oNDkc=',
  },
  '{"a":1}',
);

describe('published and self-computed vectors', () => {
  const acs3Vectors: Array<[string, ReceivedRequest, string, string, string]> = [
    ['official RunInstances', officialRunInstances, 'YourAccessKeySecret', 'RegionId=cn-shanghai', 'RegionId=cn-beijing'],
    ['SAE StopApplication', saeStopApplication, 'testsecret', 'AppId=0099b7be', 'AppId=0099b7bf'],
    ['SWAS StopInstance with STS', swasStopInstanceSts, 'testsecret', 'RegionId=cn-hangzhou', 'RegionId=cn-shanghai'],
    ['SWAS ListInstances with a JSON array', swasListInstances, 'testsecret', 'PageSize=100', 'PageSize=10'],
  ];

  for (const [name, req, secret, from, to] of acs3Vectors) {
    describe(`ACS3 ${name}`, () => {
      it('verifies with the right secret', () => {
        expect(verifyAcs3(req, secret)).toBe(true);
        const claim = claimOf(req);
        expect(claim?.scheme).toBe('acs3');
        expect(claim && verifySignature(req, claim, secret)).toBe(true);
      });
      it('fails with a wrong secret', () => {
        expect(verifyAcs3(req, `${secret}x`)).toBe(false);
      });
      it('fails with a tampered query value', () => {
        expect(req.url).toContain(from);
        expect(verifyAcs3(withUrl(req, req.url.replace(from, to)), secret)).toBe(false);
      });
      it('fails with a tampered body', () => {
        expect(verifyAcs3(withBody(req, 'x'), secret)).toBe(false);
      });
    });
  }

  it('ACS3: the SWAS STS vector carries its token, date and nonce in the claim', () => {
    expect(claimOf(swasStopInstanceSts)).toEqual({
      scheme: 'acs3',
      accessKeyId: 'STS.testid',
      securityToken: 'test-sts-token',
      dateText: '2024-01-01T00:00:00Z',
      nonce: '00000000000000000000000000000002',
    });
  });

  it('ACS3: a present x-acs-* header that is not signed fails', () => {
    expect(verifyAcs3(withHeader(saeStopApplication, 'x-acs-extra', '1'), 'testsecret')).toBe(false);
    expect(verifyAcs3(withHeader(saeStopApplication, 'content-type', 'application/json'), 'testsecret')).toBe(false);
    // Headers outside x-acs-*, host and content-type are not signed, and need not be.
    expect(verifyAcs3(withHeader(saeStopApplication, 'user-agent', 'x'), 'testsecret')).toBe(true);
  });

  it('ACS3: a tampered signed header or method fails', () => {
    expect(verifyAcs3(withHeader(saeStopApplication, 'x-acs-action', 'StartApplication'), 'testsecret')).toBe(false);
    expect(verifyAcs3(withHeader(saeStopApplication, 'host', 'sae.cn-shanghai.aliyuncs.com'), 'testsecret')).toBe(false);
    expect(verifyAcs3({ ...saeStopApplication, method: 'POST' }, 'testsecret')).toBe(false);
  });

  describe('V1 RPC DescribeRegions (GET)', () => {
    it('verifies with the right secret and gives the claim', () => {
      expect(verifyRpcV1(rpcDescribeRegions, 'testsecret')).toBe(true);
      const claim = claimOf(rpcDescribeRegions);
      expect(claim).toEqual({
        scheme: 'rpc-v1',
        accessKeyId: 'testid',
        dateText: '2016-02-23T12:46:24Z',
        nonce: '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf',
      });
      expect(claim && verifySignature(rpcDescribeRegions, claim, 'testsecret')).toBe(true);
    });
    it('fails with a wrong secret', () => {
      expect(verifyRpcV1(rpcDescribeRegions, 'testsecreT')).toBe(false);
    });
    it('fails with a tampered query value', () => {
      expect(verifyRpcV1(withUrl(rpcDescribeRegions, rpcDescribeRegions.url.replace('Format=XML', 'Format=JSON')), 'testsecret')).toBe(
        false,
      );
    });
    it('verifies the same parameters sent as a form body, `+` meaning space', () => {
      const body = rpcDescribeRegionsParams.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
      const form = request('POST', '/', { 'content-type': 'application/x-www-form-urlencoded' }, body);
      // The vector was signed for GET; a POST of the same parameters must not pass.
      expect(verifyRpcV1(form, 'testsecret')).toBe(false);
      expect(verifyRpcV1({ ...form, method: 'GET' }, 'testsecret')).toBe(true);
      const spaced = withBody({ ...form, method: 'GET' }, body.replace('Format=XML', 'Format=X+ML'));
      expect(verifyRpcV1(spaced, 'testsecret')).toBe(false);
    });
  });

  describe('FC invoke', () => {
    it('verifies with the right secret and gives the claim', () => {
      expect(verifyFc(fcInvoke, 'testsecret')).toBe(true);
      const claim = claimOf(fcInvoke);
      expect(claim).toEqual({ scheme: 'fc', accessKeyId: 'testid', dateText: 'Mon, 01 Jan 2024 00:00:00 GMT' });
      expect(claim && verifySignature(fcInvoke, claim, 'testsecret')).toBe(true);
    });
    it('fails with a wrong secret', () => {
      expect(verifyFc(fcInvoke, 'wrong')).toBe(false);
    });
    it('fails with a tampered path, x-fc header or body', () => {
      expect(verifyFc(withUrl(fcInvoke, fcInvoke.url.replace('/fn/', '/fm/')), 'testsecret')).toBe(false);
      expect(verifyFc(withHeader(fcInvoke, 'x-fc-invocation-type', 'Sync'), 'testsecret')).toBe(false);
      expect(verifyFc(withBody(fcInvoke, '{"a":2}'), 'testsecret')).toBe(false);
    });
    it('ignores the query, as the FC signature does not cover it', () => {
      expect(verifyFc(withUrl(fcInvoke, `${fcInvoke.url}?x=1`), 'testsecret')).toBe(true);
    });
  });
});

describe('robustness', () => {
  const garbage: ReceivedRequest[] = [
    withUrl(saeStopApplication, '/pop/v1/sam/app/stopApplication?AppId=%E0%A4%A'),
    withUrl(rpcDescribeRegions, `${rpcDescribeRegions.url}&Bad=%ZZ`),
    withUrl(fcInvoke, '/2016-08-15/services/%E0%A4%A/functions/fn/invocations'),
    request('GET', '/', { authorization: 'ACS3-HMAC-SHA256 Credential=a,SignedHeaders=host,Signature=00' }),
    request('GET', '/', { authorization: 'acs a:b' }),
    request('GET', '/', { authorization: 'FC a:b' }),
    request('GET', '/?AccessKeyId=a&Signature=b', {}),
    request('POST', '/', { 'content-type': 'application/x-www-form-urlencoded' }, 'AccessKeyId=a&Signature=%'),
    request('', '', {}),
    withUrl(saeStopApplication, '/pop/v1/sam/app/stopApplication?AppId=\uD800'),
    request('GET', '/?AccessKeyId=a&Signature=b&X=\uDC00', {}),
  ];

  it('never throws and never verifies garbage', () => {
    const schemes: Scheme[] = ['acs3', 'rpc-v1', 'roa-v1', 'fc'];
    for (const req of garbage) {
      for (const verify of [verifyAcs3, verifyRpcV1, verifyRoaV1, verifyFc]) expect(verify(req, 'testsecret')).toBe(false);
      for (const scheme of schemes) expect(verifySignature(req, { scheme, accessKeyId: 'a' }, 'testsecret')).toBe(false);
      expect(() => claimOf(req)).not.toThrow();
    }
  });

  it('finds no claim where there is no recognisable signature', () => {
    expect(claimOf(request('GET', '/?Action=DescribeRegions', {}))).toBeUndefined();
    expect(claimOf(request('GET', '/?AccessKeyId=a', {}))).toBeUndefined();
    expect(claimOf(request('GET', '/', { authorization: 'Bearer abc' }))).toBeUndefined();
    expect(claimOf(request('GET', '/?AccessKeyId=a&Signature=%ZZ', {}))).toBeUndefined();
    expect(claimOf(request('GET', '/?AccessKeyId=a&AccessKeyId=b&Signature=s', {}))).toBeUndefined();
  });

  it("refuses a claim that is not the request's own", () => {
    expect(verifySignature(saeStopApplication, { scheme: 'acs3', accessKeyId: 'other' }, 'testsecret')).toBe(false);
    expect(verifySignature(saeStopApplication, { scheme: 'roa-v1', accessKeyId: 'testid' }, 'testsecret')).toBe(false);
  });

  it('ACS3 fails when a signed header is missing or the body hash header is absent', () => {
    expect(verifyAcs3(withHeader(saeStopApplication, 'x-acs-signature-nonce', undefined), 'testsecret')).toBe(false);
    expect(verifyAcs3(withHeader(saeStopApplication, 'x-acs-content-sha256', undefined), 'testsecret')).toBe(false);
  });
});

describe('claimTime', () => {
  const at = (scheme: Scheme, dateText: string): number | undefined => claimTime({ scheme, accessKeyId: 'a', dateText });

  it('parses ISO times for acs3 and rpc-v1', () => {
    expect(at('acs3', '2024-01-01T00:00:00Z')).toBe(Date.UTC(2024, 0, 1));
    expect(at('rpc-v1', '2016-02-23T12:46:24Z')).toBe(Date.UTC(2016, 1, 23, 12, 46, 24));
  });

  it('parses RFC 1123 dates for roa-v1 and fc', () => {
    expect(at('fc', 'Mon, 01 Jan 2024 00:00:00 GMT')).toBe(Date.UTC(2024, 0, 1));
    expect(at('roa-v1', 'Tue, 2 Jan 2024 03:04:05 GMT')).toBe(Date.UTC(2024, 0, 2, 3, 4, 5));
  });

  it('rejects malformed or impossible times', () => {
    for (const text of [
      '',
      '2024-01-01 00:00:00Z',
      '2024-02-30T00:00:00Z',
      '2024-01-01T24:00:00Z',
      '2024-01-01T00:00:00.000Z',
      'Mon, 01 Jan 2024 00:00:00 GMT',
    ]) {
      expect(at('acs3', text)).toBeUndefined();
    }
    for (const text of [
      '',
      'Tue, 01 Jan 2024 00:00:00 GMT',
      'Mon, 32 Jan 2024 00:00:00 GMT',
      'Mon, 01 Jan 2024 00:00:00 UTC',
      '2024-01-01T00:00:00Z',
    ]) {
      expect(at('fc', text)).toBeUndefined();
    }
    expect(claimTime({ scheme: 'roa-v1', accessKeyId: 'a' })).toBeUndefined();
  });
});

// Requests signed by the real clients, captured on the wire.

interface PopRpcClient {
  request(action: string, params: object, options?: object): Promise<unknown>;
}
interface PopRoaClient {
  request(method: string, path: string, query?: object, body?: string, headers?: object): Promise<unknown>;
}
interface PopConfig {
  endpoint: string;
  apiVersion: string;
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}
// Loaded through require: vitest's default-import interop unwraps `exports.default`, Node's does not,
// and the types follow Node; require gives the same module.exports under both.
const require = createRequire(import.meta.url);
const $OpenApi = require('@alicloud/openapi-client') as typeof OpenApiModule;
const $Util = require('@alicloud/tea-util') as typeof TeaUtilModule;
const $OpenApiCore = require('@alicloud/openapi-core') as typeof OpenApiCoreModule;
const $Swas = require('@alicloud/swas-open20200601') as typeof SwasModule;
const popCore = require('@alicloud/pop-core') as {
  RPCClient: new (config: PopConfig) => PopRpcClient;
  ROAClient: new (config: PopConfig) => PopRoaClient;
};

const AK = 'LTAIrealclient';
const SECRET = 'real-client-secret';
const TOKEN = 'sts-token/with+odd=chars';

let server: Server;
let port = 0;
const captured: ReceivedRequest[] = [];

async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

beforeAll(async () => {
  server = createServer((req, res) => {
    void bodyOf(req).then((body) => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      captured.push({ method: req.method ?? '', url: req.url ?? '', headers, body });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ RequestId: 'x', Code: '200', Success: true, Data: {} }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function capture(call: () => Promise<unknown>): Promise<ReceivedRequest> {
  captured.length = 0;
  await call();
  expect(captured).toHaveLength(1);
  return captured[0]!;
}

function openApi(extra: { signatureAlgorithm?: string; securityToken?: string } = {}): InstanceType<typeof $OpenApi.default> {
  return new $OpenApi.default(
    new $OpenApi.Config({ accessKeyId: AK, accessKeySecret: SECRET, endpoint: `127.0.0.1:${port}`, protocol: 'http', ...extra }),
  );
}

function callRoa(client: InstanceType<typeof $OpenApi.default>): Promise<unknown> {
  return client.callApi(
    new $OpenApi.Params({
      action: 'StopApplication',
      version: '2019-05-06',
      protocol: 'HTTP',
      pathname: '/pop/v1/sam/app/stopApplication',
      method: 'PUT',
      authType: 'AK',
      style: 'ROA',
      reqBodyType: 'json',
      bodyType: 'json',
    }),
    new $OpenApi.OpenApiRequest({ query: { AppId: 'a b(c)*' } }),
    new $Util.RuntimeOptions({}),
  );
}

function callRpc(client: InstanceType<typeof $OpenApi.default>): Promise<unknown> {
  return client.callApi(
    new $OpenApi.Params({
      action: 'ListInstances',
      version: '2020-06-01',
      protocol: 'HTTP',
      pathname: '/',
      method: 'POST',
      authType: 'AK',
      style: 'RPC',
      reqBodyType: 'formData',
      bodyType: 'json',
    }),
    new $OpenApi.OpenApiRequest({ query: { InstanceIds: JSON.stringify(['a', 'b c']), RegionId: 'cn-hangzhou' } }),
    new $Util.RuntimeOptions({}),
  );
}

function pop(): PopConfig {
  return { endpoint: `http://127.0.0.1:${port}`, apiVersion: '2020-06-01', accessKeyId: AK, accessKeySecret: SECRET };
}

const realClients: Array<[string, () => Promise<unknown>, Scheme, string | undefined]> = [
  ['openapi-client ROA (ACS3)', () => callRoa(openApi()), 'acs3', undefined],
  ['openapi-client RPC (ACS3)', () => callRpc(openApi()), 'acs3', undefined],
  ['openapi-client ROA with STS (ACS3)', () => callRoa(openApi({ securityToken: TOKEN })), 'acs3', TOKEN],
  ['openapi-client RPC with STS (ACS3)', () => callRpc(openApi({ securityToken: TOKEN })), 'acs3', TOKEN],
  ['openapi-client ROA, signatureAlgorithm v2', () => callRoa(openApi({ signatureAlgorithm: 'v2' })), 'roa-v1', undefined],
  ['openapi-client RPC, signatureAlgorithm v2', () => callRpc(openApi({ signatureAlgorithm: 'v2' })), 'rpc-v1', undefined],
  ['openapi-client ROA v2 with STS', () => callRoa(openApi({ signatureAlgorithm: 'v2', securityToken: TOKEN })), 'roa-v1', TOKEN],
  ['openapi-client RPC v2 with STS', () => callRpc(openApi({ signatureAlgorithm: 'v2', securityToken: TOKEN })), 'rpc-v1', TOKEN],
  [
    'pop-core RPCClient GET',
    () => new popCore.RPCClient(pop()).request('StopInstance', { InstanceId: 'i-1', RegionId: 'cn-hangzhou', Note: "a b!'()*~" }),
    'rpc-v1',
    undefined,
  ],
  [
    'pop-core RPCClient POST',
    () => new popCore.RPCClient(pop()).request('StopInstance', { InstanceId: 'i-1', Note: 'a b+c&d=e' }, { method: 'POST' }),
    'rpc-v1',
    undefined,
  ],
  [
    'pop-core RPCClient with STS',
    () => new popCore.RPCClient({ ...pop(), securityToken: TOKEN }).request('StopInstance', { InstanceId: 'i-1' }),
    'rpc-v1',
    TOKEN,
  ],
  [
    'pop-core ROAClient PUT with query',
    () =>
      new popCore.ROAClient({ ...pop(), apiVersion: '2019-05-06' }).request('PUT', '/pop/v1/sam/app/stopApplication', {
        AppId: 'a b(c)*',
        CurrentPage: '1',
      }),
    'roa-v1',
    undefined,
  ],
  [
    'pop-core ROAClient PUT with a body and STS',
    () =>
      new popCore.ROAClient({ ...pop(), apiVersion: '2019-05-06', securityToken: TOKEN }).request(
        'PUT',
        '/pop/v1/sam/app/stopApplication',
        { AppId: 'x' },
        '{"k":"v"}',
        { 'content-type': 'application/json' },
      ),
    'roa-v1',
    TOKEN,
  ],
  [
    'swas-open20200601 stopInstance (openapi-core, ACS3)',
    () =>
      new $Swas.default(
        new $OpenApiCore.$OpenApiUtil.Config({ accessKeyId: AK, accessKeySecret: SECRET, endpoint: `127.0.0.1:${port}`, protocol: 'http' }),
      ).stopInstance(
        new $Swas.StopInstanceRequest({ instanceId: 'ace0706b2ac4454d984295a94213abcd', regionId: 'cn-hangzhou', clientToken: 'tok en*1' }),
      ),
    'acs3',
    undefined,
  ],
];

describe('requests signed by the real clients', () => {
  for (const [name, call, scheme, token] of realClients) {
    it(name, async () => {
      const req = await capture(call);
      const claim = claimOf(req);
      expect(claim?.scheme).toBe(scheme);
      expect(claim?.accessKeyId).toBe(AK);
      expect(claim?.securityToken).toBe(token);
      expect(claim?.dateText).toBeDefined();
      expect(claim && claimTime(claim)).toBeGreaterThan(Date.now() - 60_000);
      expect(claim && verifySignature(req, claim, SECRET)).toBe(true);
      expect(claim && verifySignature(req, claim, `${SECRET}x`)).toBe(false);
    });
  }

  it('a real ACS3 capture fails once its query or body is tampered with', async () => {
    const req = await capture(() => callRoa(openApi()));
    expect(verifyAcs3(req, SECRET)).toBe(true);
    expect(verifyAcs3(withUrl(req, req.url.replace('AppId=', 'AppId=z')), SECRET)).toBe(false);
    expect(verifyAcs3(withBody(req, '{}'), SECRET)).toBe(false);
  });

  it('a real pop-core ROA capture fails once its query or body is tampered with', async () => {
    const req = await capture(() =>
      new popCore.ROAClient({ ...pop(), apiVersion: '2019-05-06' }).request('PUT', '/p', { AppId: 'x' }, '{"k":"v"}'),
    );
    expect(verifyRoaV1(req, SECRET)).toBe(true);
    expect(verifyRoaV1(withUrl(req, '/p?AppId=y'), SECRET)).toBe(false);
    expect(verifyRoaV1(withBody(req, '{"k":"w"}'), SECRET)).toBe(false);
  });
});

import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { demoSeedPath, readSeed } from '../../lib/sandbox/seed.js';
import { startSandbox, type Sandbox } from '../../lib/sandbox/server.js';
import {
  DEMO_KEY,
  DEMO_STS_KEY,
  advance,
  appState,
  calls,
  failure,
  openApiClient,
  recordingProxy,
  reset,
  sae,
  saeCall,
  saeData,
  signedSwasRequest,
  swas,
  type CallResult,
  type Key,
} from './support/clients.js';

/**
 * Authentication over real HTTP: openapi-client signs with ACS3 (default) or the v1 schemes
 * (signatureAlgorithm 'v2'), and the sandbox checks keys, signatures, STS tokens, dates and nonces.
 */

const DEV_API = '0099b7be-5f5b-4512-a7fc-56049ef1aaaa';
const DEV_BOX = 'ace0706b2ac4454d984295a94213aaaa';

let sandbox: Sandbox;
let url: string;
beforeAll(async () => {
  sandbox = await startSandbox({ seed: await readSeed(demoSeedPath()), rateScale: 1 });
  url = sandbox.url;
});
afterAll(() => sandbox.close());
beforeEach(() => reset(url));

const listApps = (key: Key, extra: Record<string, unknown> = {}) =>
  saeCall(openApiClient(url, key, extra), 'ListApplications', { PageSize: '50' });
const listBoxes = (key: Key, extra: Record<string, unknown> = {}) =>
  swas(openApiClient(url, key, extra), 'ListInstances', { RegionId: 'cn-hangzhou' });

function appNames(result: CallResult): string[] {
  const apps = saeData(result).Applications;
  if (!Array.isArray(apps)) throw new Error('no Applications');
  return apps.map((a: unknown) => String((a as { AppName?: unknown }).AppName)).sort();
}

function instanceIds(result: { body: Record<string, unknown> }): string[] {
  const list = result.body.Instances;
  if (!Array.isArray(list)) throw new Error('no Instances');
  return list.map((i: unknown) => String((i as { InstanceId?: unknown }).InstanceId));
}

const DEMO_APP_NAMES = ['dev-api', 'dev-ci-runner', 'dev-web', 'prod-api', 'staging-api', 'staging-web'];

for (const [label, extra] of [
  ['ACS3 (default)', {}],
  ["signatureAlgorithm 'v2' (ROA v1 for SAE, RPC v1 for SWAS)", { signatureAlgorithm: 'v2' }],
] as const) {
  describe(`openapi-client, ${label}`, () => {
    it('is accepted with the right key, for SAE and SWAS', async () => {
      const apps = await listApps(DEMO_KEY, extra);
      expect(apps.statusCode).toBe(200);
      expect(apps.body.Success).toBe(true);
      expect(appNames(apps)).toEqual(DEMO_APP_NAMES);
      const boxes = await listBoxes(DEMO_KEY, extra);
      expect(boxes.statusCode).toBe(200);
      expect(boxes.body.TotalCount).toBe(1);
      expect(instanceIds(boxes)).toEqual([DEV_BOX]);
    });

    it('acts on the signing account: a stop changes the app', async () => {
      const stop = await saeCall(openApiClient(url, DEMO_KEY, extra), 'StopApplication', { AppId: DEV_API });
      expect(saeData(stop).ChangeOrderId).toEqual(expect.any(String));
      await advance(url, 3);
      expect((await appState(url, DEV_API)).status).toBe('STOPPED');
    });

    it('rejects a wrong secret with SignatureDoesNotMatch (400), and does nothing', async () => {
      const bad = { ...DEMO_KEY, accessKeySecret: 'not-the-secret' };
      for (const call of [
        () => listBoxes(bad, extra),
        () => saeCall(openApiClient(url, bad, extra), 'StopApplication', { AppId: DEV_API }),
      ]) {
        const err = await failure(call());
        expect(err.code).toBe('SignatureDoesNotMatch');
        expect(err.statusCode).toBe(400);
      }
      await advance(url, 3);
      expect((await appState(url, DEV_API)).status).toBe('RUNNING');
      const log = await calls(url);
      expect(log.map((c) => [c.product, c.action, c.code, c.executed])).toEqual([
        ['swas', 'ListInstances', 'SignatureDoesNotMatch', false],
        ['sae', 'StopApplication', 'SignatureDoesNotMatch', false],
      ]);
    });

    it('rejects an unknown key with InvalidAccessKeyId.NotFound (404)', async () => {
      const unknown = { accessKeyId: 'nobody-ak', accessKeySecret: 'sandbox-secret' };
      for (const promise of [listBoxes(unknown, extra), listApps(unknown, extra)]) {
        const err = await failure(promise);
        expect(err.code).toBe('InvalidAccessKeyId.NotFound');
        expect(err.statusCode).toBe(404);
      }
    });

    it('accepts the STS key with its token', async () => {
      expect(appNames(await listApps(DEMO_STS_KEY, extra))).toEqual(DEMO_APP_NAMES);
      expect(instanceIds(await listBoxes(DEMO_STS_KEY, extra))).toEqual([DEV_BOX]);
    });

    it('refuses the STS key with a wrong token (InvalidSecurityToken.MismatchWithAccessKey) or none (MissingSecurityToken)', async () => {
      const wrongToken = { ...DEMO_STS_KEY, securityToken: 'another-token' };
      const { securityToken: _dropped, ...noToken } = DEMO_STS_KEY;
      for (const [key, code] of [
        [wrongToken, 'InvalidSecurityToken.MismatchWithAccessKey'],
        [noToken, 'MissingSecurityToken'],
      ] as const) {
        for (const promise of [listBoxes(key, extra), listApps(key, extra)]) {
          const err = await failure(promise);
          expect(err.code).toBe(code);
          expect(err.statusCode).toBe(400);
        }
      }
    });
  });
}

describe("what signatureAlgorithm 'v2' puts on the wire", () => {
  it('signs SAE with ROA v1 (Authorization: acs AK:sig) and SWAS with RPC v1 (Signature parameter)', async () => {
    const proxy = await recordingProxy(url);
    try {
      const client = openApiClient(proxy.url, DEMO_KEY, { signatureAlgorithm: 'v2' });
      await saeCall(client, 'ListApplications', {});
      await swas(client, 'ListInstances', { RegionId: 'cn-hangzhou' });
      const [roa, rpc] = proxy.seen;
      expect(roa?.headers.authorization).toMatch(/^acs sandbox-ak:[A-Za-z0-9+/]+=*$/);
      expect(roa?.headers['x-acs-signature-method']).toBe('HMAC-SHA1');
      expect(rpc?.headers.authorization).toBeUndefined();
      const params = new URLSearchParams(rpc?.url.split('?')[1] ?? '');
      expect(params.get('Action')).toBe('ListInstances');
      expect(params.get('SignatureMethod')).toBe('HMAC-SHA1');
      expect(params.get('AccessKeyId')).toBe('sandbox-ak');
      expect(params.get('Signature')).toEqual(expect.any(String));
      // The default is ACS3 for both.
      const acs3 = openApiClient(proxy.url);
      await saeCall(acs3, 'ListApplications', {});
      await swas(acs3, 'ListInstances', { RegionId: 'cn-hangzhou' });
      for (const request of proxy.seen.slice(2)) expect(request.headers.authorization).toMatch(/^ACS3-HMAC-SHA256 Credential=sandbox-ak,/);
    } finally {
      await proxy.close();
    }
  });
});

describe('dates are checked against the real clock, not sandbox time', () => {
  it('still accepts fresh requests after sandbox time jumped an hour', async () => {
    await advance(url, 3600);
    expect(appNames(await listApps(DEMO_KEY))).toEqual(DEMO_APP_NAMES);
    expect(instanceIds(await listBoxes(DEMO_KEY))).toEqual([DEV_BOX]);
  });
});

describe('hand-signed ACS3 requests (openapi-util getAuthorization) sent with fetch', () => {
  const query = { RegionId: 'cn-hangzhou' };

  it('answers a hand-signed request, and refuses the very same request again with SignatureNonceUsed', async () => {
    const signed = signedSwasRequest(url, 'ListInstances', query);
    const first = await fetch(signed.url, signed.init);
    expect(first.status).toBe(200);
    expect(((await first.json()) as { TotalCount?: unknown }).TotalCount).toBe(1);
    const second = await fetch(signed.url, signed.init);
    expect(second.status).toBe(400);
    expect(((await second.json()) as { Code?: unknown }).Code).toBe('SignatureNonceUsed');
  });

  it('refuses an x-acs-date 20 minutes old or ahead with InvalidTimeStamp.Expired, and takes one 10 minutes old', async () => {
    for (const offsetMs of [-20 * 60_000, 20 * 60_000]) {
      const stale = signedSwasRequest(url, 'ListInstances', query, { dateMs: Date.now() + offsetMs });
      const response = await fetch(stale.url, stale.init);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { Code?: unknown }).Code).toBe('InvalidTimeStamp.Expired');
    }
    const older = signedSwasRequest(url, 'ListInstances', query, { dateMs: Date.now() - 10 * 60_000 });
    expect((await fetch(older.url, older.init)).status).toBe(200);
  });

  it('refuses a request whose query was changed after signing with SignatureDoesNotMatch', async () => {
    const signed = signedSwasRequest(url, 'ListInstances', query);
    const response = await fetch(signed.url.replace('cn-hangzhou', 'cn-shanghai'), signed.init);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { Code?: unknown }).Code).toBe('SignatureDoesNotMatch');
  });

  it('refuses an unsigned request with IncompleteSignature', async () => {
    const response = await fetch(`${url}/?RegionId=cn-hangzhou`, {
      method: 'POST',
      headers: { 'x-acs-action': 'ListInstances', 'x-acs-version': '2020-06-01', accept: 'application/json' },
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { Code?: unknown }).Code).toBe('IncompleteSignature');
  });
});

describe('routing and request size', () => {
  it('answers an unknown action with 404 InvalidApi.NotFound (SWAS RPC and SAE ROA)', async () => {
    const client = openApiClient(url);
    const rpc = await failure(swas(client, 'DeleteEverything', { RegionId: 'cn-hangzhou' }));
    expect(rpc.code).toBe('InvalidApi.NotFound');
    expect(rpc.statusCode).toBe(404);
    const roa = await failure(sae(client, 'DeleteApplication', 'PUT', '/pop/v1/sam/app/deleteApplication', { AppId: DEV_API }));
    expect(roa.code).toBe('InvalidApi.NotFound');
    expect(roa.statusCode).toBe(404);
    // A known path with the wrong method is no route either: SAE routes by method and path.
    const wrongMethod = await failure(sae(client, 'StopApplication', 'GET', '/pop/v1/sam/app/stopApplication', { AppId: DEV_API }));
    expect(wrongMethod.code).toBe('InvalidApi.NotFound');
    expect((await appState(url, DEV_API)).status).toBe('RUNNING');
  });

  it('refuses a body over 1 MB with 413, declared or chunked, and keeps serving', async () => {
    const declared = await fetch(`${url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: Buffer.alloc(1024 * 1024 + 1, 0x61),
    });
    expect(declared.status).toBe(413);
    expect(((await declared.json()) as { Code?: unknown }).Code).toBe('RequestEntityTooLarge');

    const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`${url}/`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      const chunk = Buffer.alloc(64 * 1024, 0x62);
      for (let i = 0; i < 20; i++) req.write(chunk); // 1.25 MB, no content-length: sent chunked
      req.end();
    });
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body)).toMatchObject({ Code: 'RequestEntityTooLarge' });

    expect(appNames(await listApps(DEMO_KEY))).toEqual(DEMO_APP_NAMES);
  });

  it('answers a request line over 8 KB with 414 and one over 16 KB with a reset, executing nothing, and keeps serving', async () => {
    const ids = (n: number) => Array.from({ length: n }, (_, i) => `app-${String(i).padStart(36, '0')}`).join(',');
    const long = await sae(openApiClient(url), 'ListApplications', 'GET', '/pop/v1/sam/app/listApplications', {
      FieldType: 'appIds',
      FieldValue: ids(240),
    }).then(
      () => 'answered',
      (error: unknown) => error,
    );
    // openapi-client reads the gateway's HTML page as a failure; the status is what a caller can see.
    expect(long).not.toBe('answered');
    const raw = await fetch(`${url}/pop/v1/sam/app/listApplications?FieldValue=${ids(240)}`);
    expect(raw.status).toBe(414);
    await expect(fetch(`${url}/pop/v1/sam/app/listApplications?FieldValue=${ids(500)}`)).rejects.toThrow();
    expect((await calls(url)).filter((c) => c.action === 'ListApplications' && c.resourceIds.length > 0)).toEqual([]);
    expect(appNames(await listApps(DEMO_KEY))).toEqual(DEMO_APP_NAMES);
  });
});

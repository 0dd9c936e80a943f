import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseSeed } from '../../lib/sandbox/seed.js';
import { startSandbox, type Sandbox } from '../../lib/sandbox/server.js';
import {
  DEMO_KEY,
  advance,
  appState,
  calls,
  failure,
  instanceStatus,
  openApiClient,
  reset,
  saeCall,
  swas,
  type Key,
  type OpenApiClient,
} from './support/clients.js';

/**
 * Rate limits over HTTP: SAE allows 60 calls a minute per account across its APIs, SWAS 10 a
 * minute per account and action. Sandbox time (`/_sandbox/advance`) moves the window; rate scale
 * 10 is the same sandbox with time running ten times faster.
 */

const OTHER_KEY: Key = { accessKeyId: 'other-ak', accessKeySecret: 'other-secret' };
const APP = 'app-a';
const OTHER_APP = 'app-b';
const box = (n: number) => `box-${String(n).padStart(2, '0')}`;

const SEED_TEXT = `
accounts:
  - id: "1111111111111111"
    accessKeys: [{ id: sandbox-ak, secret: sandbox-secret }]
  - id: "2222222222222222"
    accessKeys: [{ id: other-ak, secret: other-secret }]
sae:
  changeOrderSeconds: 10
  apps:
    - { appId: ${APP}, appName: a, regionId: cn-hangzhou, namespaceId: "cn-hangzhou:dev", instances: 2 }
    - { appId: ${OTHER_APP}, appName: b, regionId: cn-hangzhou, namespaceId: "cn-hangzhou:dev", account: "2222222222222222" }
swas:
  instances:
${Array.from({ length: 12 }, (_, n) => `    - { instanceId: ${box(n)}, instanceName: ${box(n)}, regionId: cn-hangzhou }`).join('\n')}
    - { instanceId: other-box, instanceName: other-box, regionId: cn-hangzhou, account: "2222222222222222" }
`;

let scale1: Sandbox;
let scale10: Sandbox;
beforeAll(async () => {
  const seed = parseSeed(SEED_TEXT, 'throttling seed');
  [scale1, scale10] = await Promise.all([startSandbox({ seed, rateScale: 1 }), startSandbox({ seed, rateScale: 10 })]);
});
afterAll(() => Promise.all([scale1.close(), scale10.close()]));
beforeEach(() => Promise.all([reset(scale1.url), reset(scale10.url)]));

/** 60 SAE calls spread over four APIs; every one must pass. */
async function spendSaeMinute(client: OpenApiClient): Promise<void> {
  for (let n = 0; n < 60; n++) {
    const action = (['ListApplications', 'DescribeApplicationStatus', 'ListChangeOrders'] as const)[n % 3]!;
    const result = await saeCall(client, action, action === 'ListApplications' ? {} : { AppId: APP });
    expect(result.statusCode).toBe(200);
  }
}

describe('SAE: 60 calls a minute per account, across APIs (rate scale 1)', () => {
  it('throttles the 61st call with Throttling.User, spares the other account, and admits again a minute later', async () => {
    const url = scale1.url;
    const client = openApiClient(url);
    await spendSaeMinute(client);
    const throttled = await failure(saeCall(client, 'StopApplication', { AppId: APP }));
    expect(throttled.code).toBe('Throttling.User');
    expect(throttled.statusCode).toBe(400);
    // The API gateway answers it, in its own envelope (no SAE ErrorCode/Success fields).
    expect(throttled.data).toMatchObject({ Code: 'Throttling.User', RequestId: expect.any(String) as unknown });
    // Refused before it ran.
    expect((await calls(url)).at(-1)).toMatchObject({ action: 'StopApplication', code: 'Throttling.User', executed: false });

    // Another account has its own budget.
    const other = openApiClient(url, OTHER_KEY);
    expect((await saeCall(other, 'DescribeApplicationStatus', { AppId: OTHER_APP })).statusCode).toBe(200);

    // Most of a minute is not enough; the full minute is.
    await advance(url, 50);
    expect((await failure(saeCall(client, 'ListApplications', {}))).code).toBe('Throttling.User');
    await advance(url, 10);
    expect((await saeCall(client, 'StopApplication', { AppId: APP })).statusCode).toBe(200);
    expect((await calls(url)).at(-1)).toMatchObject({ action: 'StopApplication', code: null, executed: true });
  });

  it('does not count calls that failed authentication', async () => {
    const url = scale1.url;
    const bad = openApiClient(url, { ...DEMO_KEY, accessKeySecret: 'wrong' });
    for (let n = 0; n < 5; n++) expect((await failure(saeCall(bad, 'ListApplications', {}))).code).toBe('SignatureDoesNotMatch');
    await spendSaeMinute(openApiClient(url));
  });
});

describe('SWAS: 10 calls a minute per account and action (rate scale 1)', () => {
  it('throttles the 11th StopInstance while ListInstances and StartInstance still pass', async () => {
    const url = scale1.url;
    const client = openApiClient(url);
    for (let n = 0; n < 10; n++)
      expect((await swas(client, 'StopInstance', { RegionId: 'cn-hangzhou', InstanceId: box(n) })).statusCode).toBe(200);
    const throttled = await failure(swas(client, 'StopInstance', { RegionId: 'cn-hangzhou', InstanceId: box(10) }));
    expect(throttled.code).toBe('Throttling.User');
    expect(throttled.statusCode).toBe(400);
    expect(await instanceStatus(url, box(10))).toBe('Running');

    expect((await swas(client, 'ListInstances', { RegionId: 'cn-hangzhou' })).body.TotalCount).toBe(12);
    // Another action has its own budget: StartInstance is judged on the instance, not throttled.
    expect((await failure(swas(client, 'StartInstance', { RegionId: 'cn-hangzhou', InstanceId: box(11) }))).code).toBe(
      'IncorrectInstanceStatus',
    );
    // Another account has its own budget for the same action.
    expect(
      (await swas(openApiClient(url, OTHER_KEY), 'StopInstance', { RegionId: 'cn-hangzhou', InstanceId: 'other-box' })).statusCode,
    ).toBe(200);

    await advance(url, 60);
    expect((await swas(client, 'StopInstance', { RegionId: 'cn-hangzhou', InstanceId: box(10) })).statusCode).toBe(200);
    expect(await instanceStatus(url, box(10))).toBe('Stopping');
  });
});

describe('rate scale 10', () => {
  it('admits 60 SAE calls, throttles the 61st, and admits again after 6 s (a scaled minute)', async () => {
    const url = scale10.url;
    const client = openApiClient(url);
    await spendSaeMinute(client);
    expect((await failure(saeCall(client, 'ListApplications', {}))).code).toBe('Throttling.User');
    await advance(url, 4);
    expect((await failure(saeCall(client, 'ListApplications', {}))).code).toBe('Throttling.User');
    await advance(url, 2);
    expect((await saeCall(client, 'ListApplications', {})).statusCode).toBe(200);
  });

  it('divides durations too: a 10 s change order takes 1 s', async () => {
    const url = scale10.url;
    const client = openApiClient(url);
    await saeCall(client, 'StopApplication', { AppId: APP });
    await advance(url, 0.3);
    expect(await appState(url, APP)).toMatchObject({ status: 'RUNNING', runningInstances: 2 });
    await advance(url, 0.7);
    expect(await appState(url, APP)).toMatchObject({ status: 'STOPPED', runningInstances: 0 });
  });
});

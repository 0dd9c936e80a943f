import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { demoSeedPath, readSeed } from '../../lib/sandbox/seed.js';
import { startSandbox, type Sandbox } from '../../lib/sandbox/server.js';
import {
  $Swas,
  adminRaw,
  appState,
  calls,
  advance,
  failure,
  instanceStatus,
  openApiClient,
  popRoa,
  popRpc,
  reset,
  saeCall,
  saeData,
  setFaults,
  signedSwasRequest,
  swas,
  swasSdk,
  type OpenApiClient,
} from './support/clients.js';

/**
 * Injected faults over HTTP, as the real clients see them: error codes for the next K calls,
 * seeded probabilities, latency, dropped connections, broken-gateway HTML pages, failures after
 * the call ran, and faults aimed at one resource.
 */

const DEV_API = '0099b7be-5f5b-4512-a7fc-56049ef1aaaa';
const DEV_WEB = '0099b7be-5f5b-4512-a7fc-56049ef1aaab';
const DEV_BOX = 'ace0706b2ac4454d984295a94213aaaa';
const SHOP = '2f6e1c0a9b8d4e7f8a6b5c4d3e2f1a01';
const BLOG = '2f6e1c0a9b8d4e7f8a6b5c4d3e2f1a02';

let sandbox: Sandbox;
let url: string;
let client: OpenApiClient;
beforeAll(async () => {
  sandbox = await startSandbox({ seed: await readSeed(demoSeedPath()), rateScale: 1 });
  url = sandbox.url;
  client = openApiClient(url);
});
afterAll(() => sandbox.close());
beforeEach(() => reset(url));

const stopBox = (instanceId = DEV_BOX) => swas(client, 'StopInstance', { RegionId: 'cn-hangzhou', InstanceId: instanceId });

describe('error codes', () => {
  it('answers the code for the next K calls, without running them, then runs normally', async () => {
    await setFaults(url, [{ product: 'swas', action: 'StopInstance', code: 'ServiceUnavailable', times: 2 }]);
    for (let n = 0; n < 2; n++) {
      const err = await failure(stopBox());
      expect(err.code).toBe('ServiceUnavailable');
      expect(err.statusCode).toBe(503);
    }
    expect(await instanceStatus(url, DEV_BOX)).toBe('Running');
    // Other actions and products were never affected.
    expect((await swas(client, 'ListInstances', { RegionId: 'cn-hangzhou' })).statusCode).toBe(200);
    expect((await saeCall(client, 'ListApplications', {})).statusCode).toBe(200);
    expect((await stopBox()).statusCode).toBe(200);
    expect(await instanceStatus(url, DEV_BOX)).toBe('Stopping');
    expect((await calls(url)).filter((c) => c.action === 'StopInstance').map((c) => [c.code, c.executed])).toEqual([
      ['ServiceUnavailable', false],
      ['ServiceUnavailable', false],
      [null, true],
    ]);
  });

  it('uses the given httpStatus and message', async () => {
    await setFaults(url, [
      { product: 'sae', action: 'ListApplications', code: 'System.Upgrading', httpStatus: 503, message: 'down for upgrade', times: 1 },
    ]);
    const err = await failure(saeCall(client, 'ListApplications', {}));
    expect(err.code).toBe('System.Upgrading');
    expect(err.statusCode).toBe(503);
    expect(err.data).toMatchObject({ ErrorCode: 'System.Upgrading', Message: 'down for upgrade' });
  });
});

describe('seeded probabilities', () => {
  const rule = { product: 'sae', action: 'ListApplications', code: 'InternalError', probability: 0.5 };
  const pattern = async (on: OpenApiClient = client): Promise<string> => {
    let out = '';
    for (let n = 0; n < 24; n++)
      out += await saeCall(on, 'ListApplications', {}).then(
        () => '.',
        (e: unknown) => ((e as { code?: unknown }).code === 'InternalError' ? 'X' : '?'),
      );
    return out;
  };

  it('fails the same calls across two resets with the same seed, and others with another seed', async () => {
    await setFaults(url, { seed: 7, faults: [rule] });
    const first = await pattern();
    await reset(url);
    await setFaults(url, { seed: 7, faults: [rule] });
    const second = await pattern();
    expect(second).toBe(first);
    expect(first).toMatch(/X/);
    expect(first).toMatch(/\./);
    expect(first).not.toMatch(/\?/);
    await reset(url);
    await setFaults(url, { seed: 8, faults: [rule] });
    expect(await pattern()).not.toBe(first);
  });

  it('after a reset, a seedless fault list draws as on a freshly started sandbox, whatever seed an earlier list set', async () => {
    // A reset starts over: the same calls with the same faults must fail the same way as on a new sandbox.
    const fresh = await startSandbox({ seed: await readSeed(demoSeedPath()), rateScale: 1 });
    let expected: string;
    try {
      await setFaults(fresh.url, [rule]);
      expected = await pattern(openApiClient(fresh.url));
    } finally {
      await fresh.close();
    }
    await setFaults(url, { seed: 8, faults: [rule] });
    await pattern();
    await reset(url);
    await setFaults(url, [rule]);
    expect(await pattern()).toBe(expected);
  });
});

describe('latency', () => {
  it('delays the answer by at least latencyMs, and the answer still arrives whole', async () => {
    await setFaults(url, [{ product: 'sae', action: 'DescribeApplicationStatus', latencyMs: 300 }]);
    const started = performance.now();
    const answer = await saeCall(client, 'DescribeApplicationStatus', { AppId: DEV_API });
    const elapsed = performance.now() - started;
    expect(saeData(answer)).toMatchObject({ AppId: DEV_API, CurrentStatus: 'RUNNING' });
    // Timers may fire a millisecond early against performance.now(); nothing tighter is asserted.
    expect(elapsed).toBeGreaterThanOrEqual(299);
  });
});

describe('dropped connections', () => {
  it('openapi-client (and the SWAS SDK and pop-core) see an Error with code ECONNRESET ("socket hang up"); nothing ran', async () => {
    await setFaults(url, [{ product: 'swas', action: 'StopInstance', drop: true, times: 1 }]);
    const err = await failure(stopBox());
    expect(err.error).toBeInstanceOf(Error);
    expect(err.code).toBe('ECONNRESET');
    expect(err.statusCode).toBeUndefined();
    expect(err.message).toMatch(/^socket hang up/);
    expect(await instanceStatus(url, DEV_BOX)).toBe('Running');
    expect((await calls(url)).at(-1)).toMatchObject({ action: 'StopInstance', code: 'ConnectionDropped', executed: false });

    await setFaults(url, [
      { product: 'swas', action: '*', drop: true, times: 2 },
      { product: 'sae', action: '*', drop: true, times: 2 },
    ]);
    expect((await failure(swasSdk(url).listInstances(new $Swas.ListInstancesRequest({ regionId: 'cn-hangzhou' })))).code).toBe(
      'ECONNRESET',
    );
    expect((await failure(popRpc(url).request('ListInstances', { RegionId: 'cn-hangzhou' }, { method: 'POST' }))).code).toBe('ECONNRESET');
    expect((await failure(popRoa(url).request('GET', '/pop/v1/sam/app/listApplications', {}))).code).toBe('ECONNRESET');
    expect((await failure(saeCall(client, 'StopApplication', { AppId: DEV_API }))).code).toBe('ECONNRESET');

    // The server keeps serving once the faults are spent.
    expect((await stopBox()).statusCode).toBe(200);
  });
});

describe('broken gateway (HTML 502)', () => {
  beforeEach(() =>
    setFaults(url, [
      { product: 'swas', action: '*', html: true },
      { product: 'sae', action: '*', html: true },
    ]),
  );

  it('answers a 502 text/html page', async () => {
    const signed = signedSwasRequest(url, 'ListInstances', { RegionId: 'cn-hangzhou' });
    const response = await fetch(signed.url, signed.init);
    expect(response.status).toBe(502);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const text = await response.text();
    expect(text).toContain('<h1>502 Bad Gateway</h1>');
    expect(() => JSON.parse(text) as unknown).toThrow();
  });

  it('openapi-client and the SWAS SDK throw a bare SyntaxError (the 502 status is lost)', async () => {
    for (const promise of [
      swas(client, 'ListInstances', { RegionId: 'cn-hangzhou' }),
      saeCall(client, 'ListApplications', {}),
      swasSdk(url).listInstances(new $Swas.ListInstancesRequest({ regionId: 'cn-hangzhou' })),
    ]) {
      const err = await failure(promise);
      expect(err.error).toBeInstanceOf(SyntaxError);
      expect(err.message).toMatch(/Unexpected token '<'/);
      expect(err.statusCode).toBeUndefined();
      expect(err.code).toBeUndefined();
    }
  });

  it('pop-core RPC throws a plain object named SyntaxError; pop-core ROA resolves with the HTML text', async () => {
    const rpc = await failure(popRpc(url).request('ListInstances', { RegionId: 'cn-hangzhou' }, { method: 'POST' }));
    expect(rpc.error).not.toBeInstanceOf(Error);
    expect(rpc.name).toBe('SyntaxError');
    const roa = await popRoa(url).request('GET', '/pop/v1/sam/app/listApplications', {});
    expect(roa).toEqual(expect.stringContaining('502 Bad Gateway'));
  });
});

describe('afterExecute: it happened, but the client never heard', () => {
  it('SWAS: the stop ran (Stopping) though the connection dropped', async () => {
    await setFaults(url, [{ product: 'swas', action: 'StopInstance', afterExecute: true, drop: true, times: 1 }]);
    expect((await failure(stopBox())).code).toBe('ECONNRESET');
    expect(await instanceStatus(url, DEV_BOX)).toBe('Stopping');
    expect((await calls(url)).at(-1)).toMatchObject({ action: 'StopInstance', code: 'ConnectionDropped', executed: true });
    // A retry now finds it no longer Running.
    expect((await failure(stopBox())).code).toBe('IncorrectInstanceStatus');
  });

  it('SAE: the change order exists though the client got an error', async () => {
    await setFaults(url, [{ product: 'sae', action: 'StopApplication', afterExecute: true, code: 'InternalError', times: 1 }]);
    const err = await failure(saeCall(client, 'StopApplication', { AppId: DEV_API }));
    expect(err.code).toBe('InternalError');
    expect(err.statusCode).toBe(500);
    expect(saeData(await saeCall(client, 'DescribeApplicationStatus', { AppId: DEV_API }))).toMatchObject({ LastChangeOrderRunning: true });
    expect((await calls(url)).find((c) => c.action === 'StopApplication')).toMatchObject({ code: 'InternalError', executed: true });
  });
});

describe('change orders that fail or hang', () => {
  const order = async (id: string) => saeData(await saeCall(client, 'DescribeChangeOrder', { ChangeOrderId: id }));
  const stop = async (appId: string) => String(saeData(await saeCall(client, 'StopApplication', { AppId: appId })).ChangeOrderId);

  it('changeOrderStatus: the next stop of the app is accepted, then its order fails with the message, and the app keeps running', async () => {
    await setFaults(url, [
      { product: 'sae', action: 'StopApplication', resourceId: DEV_API, changeOrderStatus: 3, message: 'instance did not stop', times: 1 },
    ]);
    const failed = await stop(DEV_API);
    const other = await stop(DEV_WEB);
    expect(await order(failed)).toMatchObject({ Status: 1, SubStatus: 0 });
    await advance(url, 5);
    expect(await order(failed)).toMatchObject({ Status: 3, SubStatus: 0, ErrorMessage: 'instance did not stop', CoTypeCode: 'CoStop' });
    expect(await order(other)).toMatchObject({ Status: 2, ErrorMessage: '' });
    expect(await appState(url, DEV_API)).toMatchObject({ status: 'RUNNING', runningInstances: 2 });
    expect((await appState(url, DEV_WEB)).status).toBe('STOPPED');
    expect(saeData(await saeCall(client, 'DescribeApplicationStatus', { AppId: DEV_API }))).toMatchObject({
      CurrentStatus: 'RUNNING',
      LastChangeOrderId: failed,
      LastChangeOrderStatus: 'FAIL',
    });
    // The rule is used up: the next stop succeeds.
    const again = await stop(DEV_API);
    await advance(url, 5);
    expect(await order(again)).toMatchObject({ Status: 2 });
  });

  it('stuck: the order stays executing, with SubStatus 1 once its time has passed, and the app takes no other change', async () => {
    await setFaults(url, [{ product: 'sae', action: 'StopApplication', stuck: true, times: 1 }]);
    const stuck = await stop(DEV_API);
    await advance(url, 600);
    expect(await order(stuck)).toMatchObject({ Status: 1, SubStatus: 1 });
    expect(saeData(await saeCall(client, 'DescribeApplicationStatus', { AppId: DEV_API }))).toMatchObject({
      CurrentStatus: 'RUNNING',
      LastChangeOrderRunning: true,
      SubStatus: 'RUNNING_BUT_HAS_ERROR',
    });
    expect((await failure(saeCall(client, 'StartApplication', { AppId: DEV_API }))).code).toBe('Application.ChangerOrderRunning');
  });
});

describe('faults aimed at one resource', () => {
  it('SAE: only the named app fails', async () => {
    await setFaults(url, [{ product: 'sae', action: 'StopApplication', resourceId: DEV_API, code: 'System.Upgrading' }]);
    expect((await failure(saeCall(client, 'StopApplication', { AppId: DEV_API }))).code).toBe('System.Upgrading');
    expect(saeData(await saeCall(client, 'StopApplication', { AppId: DEV_WEB })).ChangeOrderId).toEqual(expect.any(String));
    expect((await calls(url)).map((c) => [c.resourceIds, c.code, c.executed])).toEqual([
      [[DEV_API], 'System.Upgrading', false],
      [[DEV_WEB], null, true],
    ]);
    expect((await appState(url, DEV_API)).status).toBe('RUNNING');
  });

  it('SWAS: a batch that names the resource fails, one that does not passes', async () => {
    await setFaults(url, [{ product: 'swas', action: '*', resourceId: SHOP, code: 'InternalError' }]);
    const batch = (ids: string[]) => swas(client, 'StopInstances', { RegionId: 'cn-shanghai', InstanceIds: JSON.stringify(ids) });
    expect((await failure(batch([BLOG, SHOP]))).code).toBe('InternalError');
    expect(await instanceStatus(url, BLOG)).toBe('Running');
    expect((await batch([BLOG])).statusCode).toBe(200);
    expect(await instanceStatus(url, BLOG)).toBe('Stopping');
    expect(await instanceStatus(url, SHOP)).toBe('Running');
  });
});

describe('fault list in force', () => {
  it('GET /_sandbox/faults shows the rules with what they have left', async () => {
    await setFaults(url, [{ product: 'swas', action: 'StopInstance', code: 'InternalError', times: 2 }]);
    await failure(stopBox());
    const listed = await adminRaw(url, 'GET', 'faults');
    expect(listed.body).toEqual([{ product: 'swas', action: 'StopInstance', code: 'InternalError', times: 2, left: 1 }]);
  });
});

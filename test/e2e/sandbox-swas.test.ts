import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { demoSeedPath, readSeed } from '../../lib/sandbox/seed.js';
import { startSandbox, type Sandbox } from '../../lib/sandbox/server.js';
import {
  $Core,
  $Swas,
  DEMO_ACCOUNT,
  DEMO_KEY,
  DEMO_STS_KEY,
  advance,
  calls,
  failure,
  instanceStatus,
  popRpc,
  reset,
  swasSdk,
} from './support/clients.js';

/**
 * SWAS over HTTP through the official SDK (@alicloud/swas-open20200601, openapi-core) and pop-core's
 * RPCClient (v1 signatures, GET and POST). The world: 130 instances of our own, one of them Stopped.
 */

const COUNT = 130;
const STOPPED = 'i-0129';
const id = (n: number) => `i-${String(n).padStart(4, '0')}`;

const SEED = {
  accounts: [
    {
      id: DEMO_ACCOUNT,
      accessKeys: [
        { id: DEMO_KEY.accessKeyId, secret: DEMO_KEY.accessKeySecret },
        { id: DEMO_STS_KEY.accessKeyId, secret: DEMO_STS_KEY.accessKeySecret, securityToken: DEMO_STS_KEY.securityToken },
      ],
    },
  ],
  swas: {
    transitionSeconds: 2,
    instances: Array.from({ length: COUNT }, (_, n) => ({
      instanceId: id(n),
      instanceName: `box-${n}`,
      regionId: 'cn-hangzhou',
      status: id(n) === STOPPED ? 'Stopped' : 'Running',
      tags: { n: String(n) },
    })),
  },
};

let sandbox: Sandbox;
let url: string;
beforeAll(async () => {
  sandbox = await startSandbox({ seed: await readSeed(demoSeedPath()), rateScale: 1 });
  url = sandbox.url;
});
afterAll(() => sandbox.close());
beforeEach(() => reset(url, SEED));

const stopRequest = (instanceId: string, clientToken?: string) =>
  new $Swas.StopInstanceRequest({ regionId: 'cn-hangzhou', instanceId, ...(clientToken ? { clientToken } : {}) });

describe('@alicloud/swas-open20200601', () => {
  it('pages through 130 instances: 100, then 30, TotalCount 130', async () => {
    const sdk = swasSdk(url);
    const first = await sdk.listInstances(new $Swas.ListInstancesRequest({ regionId: 'cn-hangzhou', pageSize: 100, pageNumber: 1 }));
    expect(first.statusCode).toBe(200);
    expect(first.body?.totalCount).toBe(COUNT);
    expect(first.body?.pageNumber).toBe(1);
    expect(first.body?.pageSize).toBe(100);
    expect(first.body?.requestId).toEqual(expect.any(String));
    const second = await sdk.listInstances(new $Swas.ListInstancesRequest({ regionId: 'cn-hangzhou', pageSize: 100, pageNumber: 2 }));
    expect(second.body?.totalCount).toBe(COUNT);
    expect(second.body?.pageNumber).toBe(2);
    const ids = [...(first.body?.instances ?? []), ...(second.body?.instances ?? [])].map((i) => i.instanceId);
    expect(first.body?.instances).toHaveLength(100);
    expect(second.body?.instances).toHaveLength(30);
    expect(ids).toEqual(Array.from({ length: COUNT }, (_, n) => id(n)));
    // The SDK maps the wire fields onto its camelCase model.
    const last = second.body?.instances?.at(-1);
    expect(last).toMatchObject({ instanceId: STOPPED, instanceName: 'box-129', status: 'Stopped', regionId: 'cn-hangzhou' });
    expect(last?.tags?.[0]).toMatchObject({ key: 'n', value: '129' });
  });

  it('stops with a ClientToken; the replay succeeds without running again, and the instance settles Stopped', async () => {
    const sdk = swasSdk(url);
    const first = await sdk.stopInstance(stopRequest(id(0), 'token-1'));
    expect(first.statusCode).toBe(200);
    expect(await instanceStatus(url, id(0))).toBe('Stopping');
    const replay = await sdk.stopInstance(stopRequest(id(0), 'token-1'));
    expect(replay.statusCode).toBe(200);
    expect(replay.body?.requestId).toEqual(expect.any(String));
    expect(replay.body?.requestId).not.toBe(first.body?.requestId);
    await advance(url, 2);
    expect(await instanceStatus(url, id(0))).toBe('Stopped');
    // Once Stopped, a fresh stop is refused, but the replay of the first still answers success.
    const fresh = await failure(sdk.stopInstance(stopRequest(id(0))));
    expect(fresh.code).toBe('IncorrectInstanceStatus');
    expect((await sdk.stopInstance(stopRequest(id(0), 'token-1'))).statusCode).toBe(200);
    const log = await calls(url);
    expect(log.map((c) => [c.action, c.resourceIds, c.clientToken, c.code, c.executed])).toEqual([
      ['StopInstance', [id(0)], 'token-1', null, true],
      ['StopInstance', [id(0)], 'token-1', null, false],
      ['StopInstance', [id(0)], null, 'IncorrectInstanceStatus', false],
      ['StopInstance', [id(0)], 'token-1', null, false],
    ]);
  });

  it('refuses the same ClientToken for another instance with IdempotentParameterMismatch', async () => {
    const sdk = swasSdk(url);
    await sdk.stopInstance(stopRequest(id(0), 'token-2'));
    const err = await failure(sdk.stopInstance(stopRequest(id(1), 'token-2')));
    expect(err.error).toBeInstanceOf($Core.ClientError);
    expect(err.code).toBe('IdempotentParameterMismatch');
    expect(err.statusCode).toBe(400);
    expect(await instanceStatus(url, id(1))).toBe('Running');
  });

  it('surfaces IncorrectInstanceStatus as a ClientError with statusCode 403', async () => {
    const sdk = swasSdk(url);
    const err = await failure(sdk.stopInstance(stopRequest(STOPPED)));
    expect(err.error).toBeInstanceOf($Core.ClientError);
    expect(err.error).not.toBeInstanceOf($Core.ThrottlingError);
    expect(err.code).toBe('IncorrectInstanceStatus');
    expect(err.statusCode).toBe(403);
    expect((err.error as { requestId?: unknown }).requestId).toEqual(expect.any(String));
    // An instance already on its way down is not Running either.
    await sdk.stopInstance(stopRequest(id(3)));
    expect((await failure(sdk.stopInstance(stopRequest(id(3))))).statusCode).toBe(403);
  });

  it('throttles the 11th StopInstance in a minute with a ThrottlingError, while ListInstances still passes', async () => {
    const sdk = swasSdk(url);
    for (let n = 0; n < 10; n++) expect((await sdk.stopInstance(stopRequest(id(n)))).statusCode).toBe(200);
    const err = await failure(sdk.stopInstance(stopRequest(id(10))));
    expect(err.error).toBeInstanceOf($Core.ThrottlingError);
    expect(err.code).toBe('Throttling.User');
    expect(err.statusCode).toBe(400);
    expect(await instanceStatus(url, id(10))).toBe('Running');
    const list = await sdk.listInstances(new $Swas.ListInstancesRequest({ regionId: 'cn-hangzhou', pageSize: 5 }));
    expect(list.body?.totalCount).toBe(COUNT);
    // One request for the throttled call: openapi-core does not retry without retryOptions.
    const log = await calls(url);
    expect(log.filter((c) => c.code === 'Throttling.User')).toHaveLength(1);
    await advance(url, 60);
    expect((await sdk.stopInstance(stopRequest(id(10)))).statusCode).toBe(200);
  });

  it('goes Stopping, then Stopped after the transition; and Starting, then Running', async () => {
    const sdk = swasSdk(url);
    await sdk.stopInstance(stopRequest(id(5)));
    const status = async () => {
      const r = await sdk.listInstanceStatus(
        new $Swas.ListInstanceStatusRequest({ regionId: 'cn-hangzhou', instanceIds: JSON.stringify([id(5)]) }),
      );
      return r.body?.instanceStatuses?.map((s) => s.status);
    };
    expect(await status()).toEqual(['Stopping']);
    await advance(url, 1);
    expect(await status()).toEqual(['Stopping']);
    await advance(url, 1);
    expect(await status()).toEqual(['Stopped']);
    await sdk.startInstance(new $Swas.StartInstanceRequest({ regionId: 'cn-hangzhou', instanceId: id(5) }));
    expect(await status()).toEqual(['Starting']);
    await advance(url, 2);
    expect(await status()).toEqual(['Running']);
    expect(await instanceStatus(url, id(5))).toBe('Running');
  });
});

describe('@alicloud/pop-core RPCClient (v1 signature)', () => {
  it('lists with GET and stops with POST (everything in the form body)', async () => {
    const client = popRpc(url);
    const list = (await client.request(
      'ListInstances',
      { RegionId: 'cn-hangzhou', PageSize: 100, PageNumber: 2 },
      { method: 'GET' },
    )) as Record<string, unknown>;
    expect(list.TotalCount).toBe(COUNT);
    expect(Array.isArray(list.Instances) && list.Instances.length).toBe(30);
    const stop = (await client.request(
      'StopInstance',
      { RegionId: 'cn-hangzhou', InstanceId: id(7), ClientToken: 'pop-1' },
      { method: 'POST' },
    )) as Record<string, unknown>;
    expect(stop.RequestId).toEqual(expect.any(String));
    expect(await instanceStatus(url, id(7))).toBe('Stopping');
    const get = (await client.request('StopInstance', { RegionId: 'cn-hangzhou', InstanceId: id(8) }, { method: 'GET' })) as Record<
      string,
      unknown
    >;
    expect(get.RequestId).toEqual(expect.any(String));
    expect(await instanceStatus(url, id(8))).toBe('Stopping');
    expect((await calls(url)).map((c) => [c.action, c.resourceIds, c.clientToken, c.executed])).toEqual([
      ['ListInstances', [], null, false],
      ['StopInstance', [id(7)], 'pop-1', true],
      ['StopInstance', [id(8)], null, true],
    ]);
  });

  it('throws an Error named <Code>Error with err.code, for GET and POST alike', async () => {
    const client = popRpc(url);
    for (const method of ['GET', 'POST'] as const) {
      const err = await failure(client.request('StopInstance', { RegionId: 'cn-hangzhou', InstanceId: STOPPED }, { method }));
      expect(err.error).toBeInstanceOf(Error);
      expect(err.name).toBe('IncorrectInstanceStatusError');
      expect(err.code).toBe('IncorrectInstanceStatus');
      expect(err.data?.Code).toBe('IncorrectInstanceStatus');
      // pop-core RPC carries no statusCode: it decides by body.Code alone.
      expect(err.statusCode).toBeUndefined();
    }
    const missing = await failure(client.request('StopInstance', { RegionId: 'cn-hangzhou', InstanceId: 'i-nope' }, { method: 'POST' }));
    expect(missing.name).toBe('InvalidInstanceId.NotFoundError');
  });

  it('signs with the STS key (SecurityToken parameter), and refuses a wrong secret', async () => {
    const list = (await popRpc(url, DEMO_STS_KEY).request('ListInstances', { RegionId: 'cn-hangzhou' }, { method: 'POST' })) as Record<
      string,
      unknown
    >;
    expect(list.TotalCount).toBe(COUNT);
    const err = await failure(popRpc(url, { ...DEMO_KEY, accessKeySecret: 'wrong' }).request('ListInstances', { RegionId: 'cn-hangzhou' }));
    expect(err.name).toBe('SignatureDoesNotMatchError');
  });
});

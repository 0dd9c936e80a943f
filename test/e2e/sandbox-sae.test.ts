import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { demoSeedPath, readSeed } from '../../lib/sandbox/seed.js';
import { startSandbox, type Sandbox } from '../../lib/sandbox/server.js';
import {
  advance,
  appState,
  calls,
  failure,
  openApiClient,
  popRoa,
  reset,
  saeCall,
  saeData,
  setFaults,
  state,
  type OpenApiClient,
} from './support/clients.js';

/**
 * SAE over HTTP: change orders that take `changeOrderSeconds` of sandbox time, batch stops per
 * namespace, both SAE error shapes as openapi-client surfaces them, and pop-core's ROAClient, which
 * sends no x-acs-action and so is routed by method and path alone.
 */

const DEV_API = 'app-dev-api';
const DEV_WEB = 'app-dev-web';
const PROD_API = 'app-prod-api';

const SEED = `
accounts:
  - id: "1234567890123456"
    accessKeys: [{ id: sandbox-ak, secret: sandbox-secret }]
sae:
  changeOrderSeconds: 2
  apps:
    - { appId: ${DEV_API}, appName: dev-api, regionId: cn-hangzhou, namespaceId: "cn-hangzhou:dev", instances: 2, tags: { env: dev } }
    - { appId: ${DEV_WEB}, appName: dev-web, regionId: cn-hangzhou, namespaceId: "cn-hangzhou:dev", instances: 3 }
    - { appId: ${PROD_API}, appName: prod-api, regionId: cn-hangzhou, namespaceId: "cn-hangzhou:prod", instances: 4 }
`;

let sandbox: Sandbox;
let url: string;
let client: OpenApiClient;
beforeAll(async () => {
  sandbox = await startSandbox({ seed: await readSeed(demoSeedPath()), rateScale: 1 });
  url = sandbox.url;
  client = openApiClient(url);
});
afterAll(() => sandbox.close());
beforeEach(() => reset(url, SEED));

const status = async (appId: string) => saeData(await saeCall(client, 'DescribeApplicationStatus', { AppId: appId }));
const order = async (changeOrderId: string) => saeData(await saeCall(client, 'DescribeChangeOrder', { ChangeOrderId: changeOrderId }));

describe('change orders (changeOrderSeconds 2, rate scale 1)', () => {
  it('stop: RUNNING while the order runs, refused twice, STOPPED after 2 s, then InvalidStatus; start restores the instances', async () => {
    const stop = await saeCall(client, 'StopApplication', { AppId: DEV_API });
    expect(stop.body).toMatchObject({ Success: true, Code: '200' });
    const orderId = saeData(stop).ChangeOrderId;
    if (typeof orderId !== 'string') throw new Error('no ChangeOrderId');

    expect(await status(DEV_API)).toMatchObject({
      CurrentStatus: 'RUNNING',
      RunningInstances: 2,
      LastChangeOrderRunning: true,
      LastChangeOrderId: orderId,
      LastChangeOrderStatus: 'RUNNING',
    });
    expect(await order(orderId)).toMatchObject({ ChangeOrderId: orderId, AppId: DEV_API, CoTypeCode: 'CoStop', Status: 1 });

    const again = await failure(saeCall(client, 'StopApplication', { AppId: DEV_API }));
    expect(again.code).toBe('Application.ChangerOrderRunning');
    expect(again.statusCode).toBe(400);

    await advance(url, 1);
    expect(await status(DEV_API)).toMatchObject({ CurrentStatus: 'RUNNING', LastChangeOrderRunning: true });
    await advance(url, 1);
    expect(await status(DEV_API)).toMatchObject({
      CurrentStatus: 'STOPPED',
      RunningInstances: 0,
      LastChangeOrderRunning: false,
      LastChangeOrderStatus: 'SUCCESS',
    });
    expect(await order(orderId)).toMatchObject({ Status: 2 });
    expect(await appState(url, DEV_API)).toMatchObject({ status: 'STOPPED', runningInstances: 0 });

    const stopped = await failure(saeCall(client, 'StopApplication', { AppId: DEV_API }));
    expect(stopped.code).toBe('Application.InvalidStatus');
    expect(stopped.statusCode).toBe(400);

    const start = await saeCall(client, 'StartApplication', { AppId: DEV_API });
    const startId = saeData(start).ChangeOrderId;
    expect(startId).not.toBe(orderId);
    expect(await status(DEV_API)).toMatchObject({ CurrentStatus: 'STOPPED', LastChangeOrderRunning: true });
    await advance(url, 2);
    expect(await status(DEV_API)).toMatchObject({ CurrentStatus: 'RUNNING', RunningInstances: 2, LastChangeOrderRunning: false });
    expect(await appState(url, DEV_API)).toMatchObject({ status: 'RUNNING', runningInstances: 2 });

    // Only the calls that created a change order count as executed.
    expect((await calls(url)).filter((c) => c.executed).map((c) => c.action)).toEqual(['StopApplication', 'StartApplication']);
    // The other apps never moved.
    expect(await appState(url, PROD_API)).toMatchObject({ status: 'RUNNING', runningInstances: 4 });
  });

  it('lists the change orders of an app, newest first', async () => {
    await saeCall(client, 'StopApplication', { AppId: DEV_WEB });
    await advance(url, 2);
    await saeCall(client, 'StartApplication', { AppId: DEV_WEB });
    const list = saeData(await saeCall(client, 'ListChangeOrders', { AppId: DEV_WEB }));
    expect(list.TotalSize).toBe(2);
    expect(list.ChangeOrderList).toMatchObject([
      { CoTypeCode: 'CoStart', Status: 1 },
      { CoTypeCode: 'CoStop', Status: 2 },
    ]);
  });

  it('BatchStopApplications stops every named app of the namespace as one order; BatchStart brings them back', async () => {
    const batch = await saeCall(client, 'BatchStopApplications', { NamespaceId: 'cn-hangzhou:dev', AppIds: `${DEV_API},${DEV_WEB}` });
    const orderId = saeData(batch).ChangeOrderId;
    if (typeof orderId !== 'string') throw new Error('no ChangeOrderId');
    expect(await order(orderId)).toMatchObject({ CoTypeCode: 'CoBatchStopApplication', Status: 1 });
    expect((await failure(saeCall(client, 'StopApplication', { AppId: DEV_WEB }))).code).toBe('Application.ChangerOrderRunning');
    await advance(url, 2);
    expect((await state(url)).sae.apps.map((a) => [a.appId, a.status, a.runningInstances])).toEqual([
      [DEV_API, 'STOPPED', 0],
      [DEV_WEB, 'STOPPED', 0],
      [PROD_API, 'RUNNING', 4],
    ]);
    expect(await order(orderId)).toMatchObject({ Status: 2 });

    await saeCall(client, 'BatchStartApplications', { NamespaceId: 'cn-hangzhou:dev', AppIds: `${DEV_API},${DEV_WEB}` });
    await advance(url, 2);
    expect((await state(url)).sae.apps.map((a) => [a.appId, a.status, a.runningInstances])).toEqual([
      [DEV_API, 'RUNNING', 2],
      [DEV_WEB, 'RUNNING', 3],
      [PROD_API, 'RUNNING', 4],
    ]);
  });

  it('refuses a batch that names an app of another namespace, and changes none of them', async () => {
    const err = await failure(
      saeCall(client, 'BatchStopApplications', { NamespaceId: 'cn-hangzhou:dev', AppIds: `${DEV_API},${PROD_API}` }),
    );
    expect(err.code).toBe('InvalidApplication.NotFound');
    await advance(url, 2);
    expect(await appState(url, DEV_API)).toMatchObject({ status: 'RUNNING' });
    expect(await appState(url, PROD_API)).toMatchObject({ status: 'RUNNING' });
    expect((await calls(url)).map((c) => [c.action, c.resourceIds, c.executed])).toEqual([
      ['BatchStopApplications', [DEV_API, PROD_API], false],
    ]);
  });
});

describe('SAE error shapes through openapi-client', () => {
  it('default shape {Code: <code>, ErrorCode: <code>}: err.code is the real code', async () => {
    await saeCall(client, 'StopApplication', { AppId: DEV_API });
    const err = await failure(saeCall(client, 'StopApplication', { AppId: DEV_API }));
    expect(err.code).toBe('Application.ChangerOrderRunning');
    expect(err.statusCode).toBe(400);
    expect(err.data).toMatchObject({
      Code: 'Application.ChangerOrderRunning',
      ErrorCode: 'Application.ChangerOrderRunning',
      Success: false,
    });
    expect(err.data?.RequestId).toEqual(expect.any(String));
    expect(err.message).toContain('Application.ChangerOrderRunning');
  });

  it('numericCode fault {Code: "400", ErrorCode: <code>}: err.code is "400" and the real code is in data.ErrorCode', async () => {
    await setFaults(url, [{ product: 'sae', action: '*', numericCode: true }]);
    // The fault only reshapes errors: a call that succeeds still does.
    const stop = await saeCall(client, 'StopApplication', { AppId: DEV_API });
    expect(stop.body.Success).toBe(true);
    const err = await failure(saeCall(client, 'StopApplication', { AppId: DEV_API }));
    expect(err.code).toBe('400');
    expect(err.statusCode).toBe(400);
    expect(err.data).toMatchObject({ Code: '400', ErrorCode: 'Application.ChangerOrderRunning', Success: false });
    // The call log keeps the real code.
    expect((await calls(url)).at(-1)?.code).toBe('Application.ChangerOrderRunning');
  });
});

describe('@alicloud/pop-core ROAClient (no x-acs-action: routed by method and path)', () => {
  it('stops with PUT stopApplication and reads GET describeApplicationStatus', async () => {
    const roa = popRoa(url);
    const stop = (await roa.request('PUT', '/pop/v1/sam/app/stopApplication', { AppId: DEV_API })) as Record<string, unknown>;
    expect(stop).toMatchObject({ Success: true, Data: { ChangeOrderId: expect.any(String) as unknown } });
    const described = (await roa.request('GET', '/pop/v1/sam/app/describeApplicationStatus', { AppId: DEV_API })) as Record<
      string,
      unknown
    >;
    expect(described).toMatchObject({ Data: { AppId: DEV_API, CurrentStatus: 'RUNNING', LastChangeOrderRunning: true } });
    await advance(url, 2);
    const after = (await roa.request('GET', '/pop/v1/sam/app/describeApplicationStatus', { AppId: DEV_API })) as Record<string, unknown>;
    expect(after).toMatchObject({ Data: { CurrentStatus: 'STOPPED', RunningInstances: 0 } });
    expect((await calls(url)).map((c) => [c.product, c.action, c.executed])).toEqual([
      ['sae', 'StopApplication', true],
      ['sae', 'DescribeApplicationStatus', false],
      ['sae', 'DescribeApplicationStatus', false],
    ]);
  });

  it('throws an Error named <Code>Error with code and statusCode; numericCode puts "400" in code and the real one in result.ErrorCode', async () => {
    const roa = popRoa(url);
    await roa.request('PUT', '/pop/v1/sam/app/stopApplication', { AppId: DEV_API });
    const err = await failure(roa.request('PUT', '/pop/v1/sam/app/stopApplication', { AppId: DEV_API }));
    expect(err.error).toBeInstanceOf(Error);
    expect(err.name).toBe('Application.ChangerOrderRunningError');
    expect(err.code).toBe('Application.ChangerOrderRunning');
    expect(err.statusCode).toBe(400);
    await setFaults(url, [{ product: 'sae', action: '*', numericCode: true }]);
    const numeric = await failure(roa.request('PUT', '/pop/v1/sam/app/stopApplication', { AppId: DEV_API }));
    expect(numeric.name).toBe('400Error');
    expect(numeric.code).toBe('400');
    expect(numeric.result?.ErrorCode).toBe('Application.ChangerOrderRunning');
  });

  it('answers the wrong method on a known path with InvalidApi.NotFound, and does not stop', async () => {
    const err = await failure(popRoa(url).request('GET', '/pop/v1/sam/app/stopApplication', { AppId: DEV_API }));
    expect(err.code).toBe('InvalidApi.NotFound');
    expect(err.statusCode).toBe(404);
    await advance(url, 2);
    expect(await appState(url, DEV_API)).toMatchObject({ status: 'RUNNING' });
  });
});

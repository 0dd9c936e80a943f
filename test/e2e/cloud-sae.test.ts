import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Gate } from '../../lib/cloud/api.js';
import { CloudError } from '../../lib/cloud/errors.js';
import { createSaeApi } from '../../lib/cloud/index.js';
import type { Sandbox } from '../../lib/sandbox/server.js';
import { admin, DEMO_STS_KEY } from './support/clients.js';
import { recordingGate, rejection, saeApp, sandboxOptions, SAE_COUNT, startWorld } from './support/cloud-world.js';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startWorld();
});
afterAll(() => sandbox.close());
beforeEach(() => admin(sandbox.url, 'reset', ''));

const hangzhou = Array.from({ length: SAE_COUNT }, (_, i) => saeApp(i)).filter((a) => a.regionId === 'cn-hangzhou');
const ids = (apps: ReadonlyArray<{ appId: string }>) => apps.map((a) => a.appId).sort();

describe('SAE ListApplications', () => {
  it('reads every page, one gated call each, and keeps only the region asked for', async () => {
    const { gate, calls } = recordingGate();
    const apps = await createSaeApi(sandboxOptions(sandbox, { gate })).listApplications('cn-hangzhou', {});
    // The override serves all 230 apps of both regions from one URL: 3 pages of 100, 115 kept.
    expect(calls).toEqual(Array(3).fill({ product: 'sae', action: 'ListApplications' }));
    expect(ids(apps)).toEqual(ids(hangzhou));
    expect(apps.find((a) => a.appName === 'app-004')).toEqual({
      appId: saeApp(4).appId,
      appName: 'app-004',
      namespaceId: 'cn-hangzhou:dev',
      regionId: 'cn-hangzhou',
      tags: { env: 'dev', team: 'a' },
      instances: 2,
      runningInstances: 2,
      cpu: 500,
      memory: 1024,
    });
  });

  it('filters by namespace, name, tags and ids', async () => {
    const sae = createSaeApi(sandboxOptions(sandbox));
    const prod = await sae.listApplications('cn-hangzhou', { namespaceId: 'cn-hangzhou:prod' });
    expect(ids(prod)).toEqual(ids(hangzhou.filter((a) => a.namespaceId === 'cn-hangzhou:prod')));

    expect((await sae.listApplications('cn-hangzhou', { appName: 'app-042' })).map((a) => a.appName)).toEqual(['app-042']);

    const tagged = await sae.listApplications('cn-hangzhou', { tags: { env: 'dev', team: 'b' } });
    expect(ids(tagged)).toEqual(ids(hangzhou.filter((a) => a.tags.env === 'dev' && a.tags.team === 'b')));
    expect(tagged.length).toBeGreaterThan(0);

    // app-001 is in cn-shanghai: asked for in cn-hangzhou, it is dropped.
    const byId = await sae.listApplications('cn-hangzhou', { appIds: [saeApp(0).appId, saeApp(1).appId, saeApp(2).appId] });
    expect(ids(byId)).toEqual(ids([saeApp(0), saeApp(2)]));
  });

  it('asks nothing for an empty id list', async () => {
    const { gate, calls } = recordingGate();
    expect(await createSaeApi(sandboxOptions(sandbox, { gate })).listApplications('cn-hangzhou', { appIds: [] })).toEqual([]);
    expect(calls).toEqual([]);
  });
});

describe('SAE stop, start and change orders', () => {
  it('stops an app, waits out its change order and starts it again', async () => {
    const { gate, calls } = recordingGate();
    const sae = createSaeApi(sandboxOptions(sandbox, { gate }));
    const app = saeApp(6).appId;

    const stopOrder = await sae.stop('cn-hangzhou', app);
    expect(await sae.describeChangeOrder('cn-hangzhou', stopOrder)).toMatchObject({
      changeOrderId: stopOrder,
      status: 1,
      finished: false,
      succeeded: false,
      typeCode: 'CoStop',
    });
    // The pipeline's StartTime is epoch ms; the order began just now.
    expect(Math.abs((await sae.describeChangeOrder('cn-hangzhou', stopOrder)).createdAt! - Date.now())).toBeLessThan(60_000);
    expect(await sae.describeStatus('cn-hangzhou', app)).toMatchObject({
      appId: app,
      lastChangeOrderId: stopOrder,
      changeOrderRunning: true,
    });

    const busy = await rejection(sae.start('cn-hangzhou', app));
    expect(busy).toBeInstanceOf(CloudError);
    expect(busy).toMatchObject({
      code: 'Application.ChangerOrderRunning',
      kind: 'busy',
      product: 'sae',
      action: 'StartApplication',
      retryable: true,
    });

    await admin(sandbox.url, 'advance', { seconds: 5 });
    expect(await sae.describeChangeOrder('cn-hangzhou', stopOrder)).toMatchObject({
      changeOrderId: stopOrder,
      status: 2,
      finished: true,
      succeeded: true,
      typeCode: 'CoStop',
    });
    expect(await sae.describeStatus('cn-hangzhou', app)).toEqual({
      appId: app,
      status: 'STOPPED',
      runningInstances: 0,
      lastChangeOrderId: stopOrder,
      changeOrderRunning: false,
      stuck: false,
    });
    expect((await sae.listApplications('cn-hangzhou', { appIds: [app] }))[0]).toMatchObject({ instances: 1, runningInstances: 0 });

    const again = await rejection(sae.stop('cn-hangzhou', app));
    expect(again).toMatchObject({ code: 'Application.InvalidStatus', kind: 'state' });

    const startOrder = await sae.start('cn-hangzhou', app);
    await admin(sandbox.url, 'advance', { seconds: 5 });
    expect(await sae.describeChangeOrder('cn-hangzhou', startOrder)).toMatchObject({ finished: true, succeeded: true });
    expect(await sae.describeStatus('cn-hangzhou', app)).toMatchObject({ status: 'RUNNING', runningInstances: 1 });

    expect(calls.map((c) => c.action)).toEqual([
      'StopApplication',
      'DescribeChangeOrder',
      'DescribeChangeOrder',
      'DescribeApplicationStatus',
      'StartApplication',
      'DescribeChangeOrder',
      'DescribeApplicationStatus',
      'ListApplications',
      'StopApplication',
      'StartApplication',
      'DescribeChangeOrder',
      'DescribeApplicationStatus',
    ]);
    expect(calls.every((c) => c.product === 'sae')).toBe(true);
  });

  it('stops and starts a namespace batch under one change order', async () => {
    const sae = createSaeApi(sandboxOptions(sandbox));
    const batch = hangzhou
      .filter((a) => a.namespaceId === 'cn-hangzhou:prod')
      .slice(0, 3)
      .map((a) => a.appId);
    const order = await sae.batchStop('cn-hangzhou', 'cn-hangzhou:prod', batch);
    await admin(sandbox.url, 'advance', { seconds: 5 });
    expect(await sae.describeChangeOrder('cn-hangzhou', order)).toMatchObject({ changeOrderId: order, succeeded: true });
    const stopped = await sae.listApplications('cn-hangzhou', { appIds: batch });
    expect(stopped.map((a) => a.runningInstances)).toEqual([0, 0, 0]);

    await sae.batchStart('cn-hangzhou', 'cn-hangzhou:prod', batch);
    await admin(sandbox.url, 'advance', { seconds: 5 });
    expect((await sae.listApplications('cn-hangzhou', { appIds: batch })).every((a) => a.runningInstances === a.instances)).toBe(true);
  });

  it('reads an order that failed, with its message, and one that is stuck, from its order and from the app', async () => {
    const sae = createSaeApi(sandboxOptions(sandbox));
    const [failing, hanging] = [saeApp(10).appId, saeApp(12).appId];
    await admin(sandbox.url, 'faults', [
      { product: 'sae', action: 'StopApplication', resourceId: failing, changeOrderStatus: 3, message: 'instance did not stop' },
      { product: 'sae', action: 'StopApplication', resourceId: hanging, stuck: true },
    ]);
    const failed = await sae.stop('cn-hangzhou', failing);
    const stuck = await sae.stop('cn-hangzhou', hanging);
    expect(await sae.describeChangeOrder('cn-hangzhou', stuck)).toMatchObject({ status: 1, finished: false, stuck: false });
    await admin(sandbox.url, 'advance', { seconds: 5 });
    expect(await sae.describeChangeOrder('cn-hangzhou', failed)).toMatchObject({
      status: 3,
      finished: true,
      succeeded: false,
      stuck: false,
      errorMessage: 'instance did not stop',
    });
    expect(await sae.describeStatus('cn-hangzhou', failing)).toMatchObject({ status: 'RUNNING', changeOrderRunning: false, stuck: false });
    expect(await sae.describeChangeOrder('cn-hangzhou', stuck)).toMatchObject({
      status: 1,
      finished: false,
      succeeded: false,
      stuck: true,
    });
    expect(await sae.describeStatus('cn-hangzhou', hanging)).toMatchObject({ status: 'RUNNING', changeOrderRunning: true, stuck: true });
  });

  it('refuses an empty batch without calling', async () => {
    const { gate, calls } = recordingGate();
    const error = await rejection(createSaeApi(sandboxOptions(sandbox, { gate })).batchStop('cn-hangzhou', 'cn-hangzhou:dev', []));
    expect(error).toMatchObject({ kind: 'invalid', action: 'BatchStopApplications' });
    expect(calls).toEqual([]);
  });
});

describe('SAE errors through the API', () => {
  it('gives the same code for both SAE error shapes, with the request id', async () => {
    const sae = createSaeApi(sandboxOptions(sandbox));
    const app = saeApp(8).appId;
    await sae.stop('cn-hangzhou', app);
    const plain = await rejection(sae.stop('cn-hangzhou', app));
    await admin(sandbox.url, 'faults', [{ product: 'sae', action: '*', numericCode: true }]);
    const numeric = await rejection(sae.stop('cn-hangzhou', app));
    for (const error of [plain, numeric]) {
      expect(error).toMatchObject({ code: 'Application.ChangerOrderRunning', kind: 'busy', httpStatus: 400 });
      expect((error as CloudError).requestId).toMatch(/^[0-9A-F-]{36}$/);
    }
  });

  it('classifies a missing app, a missing order and an injected fault', async () => {
    const sae = createSaeApi(sandboxOptions(sandbox));
    expect(await rejection(sae.stop('cn-hangzhou', 'no-such-app'))).toMatchObject({
      code: 'InvalidApplication.NotFound',
      kind: 'not-found',
    });
    expect(await rejection(sae.describeStatus('cn-hangzhou', 'no-such-app'))).toMatchObject({
      code: 'InvalidAppId.NotFound',
      kind: 'not-found',
      httpStatus: 404,
    });
    expect(await rejection(sae.describeChangeOrder('cn-hangzhou', 'no-such-order'))).toMatchObject({
      code: 'InvalidChangeOrder.NotFound',
      kind: 'not-found',
    });
    await admin(sandbox.url, 'faults', [{ product: 'sae', action: 'ListApplications', code: 'System.Upgrading', times: 1 }]);
    expect(await rejection(sae.listApplications('cn-hangzhou', {}))).toMatchObject({
      code: 'System.Upgrading',
      kind: 'busy',
      action: 'ListApplications',
    });
  });

  it('fails a list as the page that failed, after the pages before it', async () => {
    const actions: string[] = [];
    // The gate breaks the service between page 1 and page 2.
    const gate: Gate = async (_product, action, call) => {
      actions.push(action);
      if (actions.length === 2) await admin(sandbox.url, 'faults', [{ product: 'sae', action: 'ListApplications', code: 'InternalError' }]);
      return call();
    };
    const error = await rejection(createSaeApi(sandboxOptions(sandbox, { gate })).listApplications('cn-hangzhou', {}));
    expect(error).toMatchObject({ code: 'InternalError', kind: 'transient', httpStatus: 500, retryable: true });
    expect(actions).toEqual(['ListApplications', 'ListApplications']);
  });

  it('turns a dropped connection, a gateway page and a slow answer into transient errors', async () => {
    const sae = createSaeApi(sandboxOptions(sandbox, { readTimeoutMs: 200 }));
    await admin(sandbox.url, 'faults', [{ product: 'sae', action: 'DescribeApplicationStatus', drop: true, times: 1 }]);
    expect(await rejection(sae.describeStatus('cn-hangzhou', saeApp(0).appId))).toMatchObject({ code: 'ECONNRESET', kind: 'transient' });
    await admin(sandbox.url, 'faults', [{ product: 'sae', action: 'DescribeApplicationStatus', html: true, times: 1 }]);
    expect(await rejection(sae.describeStatus('cn-hangzhou', saeApp(0).appId))).toMatchObject({ code: 'BadGateway', kind: 'transient' });
    await admin(sandbox.url, 'faults', [{ product: 'sae', action: 'DescribeApplicationStatus', latencyMs: 1000, times: 1 }]);
    const started = Date.now();
    expect(await rejection(sae.describeStatus('cn-hangzhou', saeApp(0).appId))).toMatchObject({ code: 'Timeout', kind: 'transient' });
    expect(Date.now() - started).toBeLessThan(900);
    // The same client answers normally once the faults are spent.
    expect(await sae.describeStatus('cn-hangzhou', saeApp(0).appId)).toMatchObject({ status: 'RUNNING' });
  });

  it('times out a slow answer that follows a quick one on the same connection', async () => {
    // openapi-client's own read timer is lost on a reused socket (the previous call's timer clears it).
    const sae = createSaeApi(sandboxOptions(sandbox, { readTimeoutMs: 200 }));
    await sae.describeStatus('cn-hangzhou', saeApp(0).appId);
    await admin(sandbox.url, 'faults', [{ product: 'sae', action: 'DescribeApplicationStatus', latencyMs: 1000, times: 1 }]);
    const started = Date.now();
    expect(await rejection(sae.describeStatus('cn-hangzhou', saeApp(0).appId))).toMatchObject({ code: 'Timeout', kind: 'transient' });
    expect(Date.now() - started).toBeLessThan(900);
  });

  it('signs with STS keys', async () => {
    const apps = await createSaeApi(sandboxOptions(sandbox, {}, DEMO_STS_KEY)).listApplications('cn-shanghai', {
      namespaceId: 'cn-shanghai:prod',
    });
    expect(apps.length).toBeGreaterThan(0);
    expect(apps.every((a) => a.regionId === 'cn-shanghai' && a.namespaceId === 'cn-shanghai:prod')).toBe(true);
    const noToken = sandboxOptions(sandbox, {}, { accessKeyId: DEMO_STS_KEY.accessKeyId, accessKeySecret: DEMO_STS_KEY.accessKeySecret });
    expect(await rejection(createSaeApi(noToken).describeStatus('cn-hangzhou', saeApp(0).appId))).toMatchObject({
      code: 'MissingSecurityToken',
      kind: 'permission',
    });
  });
});

import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiError, type ActionOutcome, type ChangeOrderFault, type ProductModel } from '../../../lib/sandbox/api.js';
import { SAE_ROUTES, createSaeModel, type SaeState } from '../../../lib/sandbox/sae.js';
import type { SeedApp } from '../../../lib/sandbox/seed.js';

const ACCOUNT = '1234567890123456';
const OTHER = '6543210987654321';
const MS = 3_000;
const T0 = Date.UTC(2025, 5, 2, 22, 0, 0);

const app = (appId: string, appName: string, extra: Partial<SeedApp> = {}): SeedApp => ({
  appId,
  appName,
  regionId: 'cn-hangzhou',
  namespaceId: 'cn-hangzhou:dev',
  status: 'RUNNING',
  instances: 2,
  cpu: 500,
  memory: 1024,
  tags: { env: 'dev' },
  accountId: ACCOUNT,
  omit: [],
  ...extra,
});

const APPS: SeedApp[] = [
  app('app-api', 'dev-api', { instances: 3 }),
  app('app-web', 'dev-web', { instances: 1 }),
  app('app-ci', 'Dev-CI-Runner', { tags: { env: 'dev', offpeak: 'never' } }),
  app('app-stg', 'staging-api', { regionId: 'cn-shanghai', namespaceId: 'cn-shanghai:staging', tags: { env: 'staging' } }),
  app('app-off', 'dev-off', { status: 'STOPPED' }),
  app('app-foreign', 'foreign-api', { accountId: OTHER }),
];
/** The apps and one SAE cannot tell the state of. */
const WITH_LOST: SeedApp[] = [...APPS, app('app-lost', 'dev-lost', { status: 'UNKNOWN' })];

const fresh = (apps: SeedApp[] = APPS) => createSaeModel(apps, { changeOrderMs: MS, transitionMs: 1_000 });

interface CallOptions {
  now?: number;
  accountId?: string;
  hostRegion?: string;
  changeOrderFault?: ChangeOrderFault;
}

function call(model: ProductModel<SaeState>, action: string, params: Record<string, string>, options: CallOptions = {}): ActionOutcome {
  const { now = T0, accountId = ACCOUNT, hostRegion, changeOrderFault } = options;
  return model.handle({
    action,
    params,
    accountId,
    now,
    ...(hostRegion === undefined ? {} : { hostRegion }),
    ...(changeOrderFault === undefined ? {} : { changeOrderFault }),
  });
}

/** The `Data` of a successful call, as a loose record for field checks. */
function data(
  model: ProductModel<SaeState>,
  action: string,
  params: Record<string, string>,
  options: CallOptions = {},
): Record<string, unknown> {
  return call(model, action, params, options).body.Data as Record<string, unknown>;
}

function failure(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    return error as ApiError;
  }
  throw new Error('expected an ApiError, but the call succeeded');
}

const expectError = (fn: () => unknown, httpStatus: number, code: string) => expect(failure(fn)).toMatchObject({ httpStatus, code });
const stateOf = (model: ProductModel<SaeState>, appId: string, now: number) => model.snapshot(now).apps.find((a) => a.appId === appId);
const orderId = (outcome: ActionOutcome) => (outcome.body.Data as { ChangeOrderId: string }).ChangeOrderId;
const listIds = (d: Record<string, unknown>) => (d.Applications as Array<{ AppId: string }>).map((a) => a.AppId);

describe('SAE routes', () => {
  it('routes every action once, and the model answers exactly those actions', () => {
    expect(SAE_ROUTES).toHaveLength(12);
    expect(new Set(SAE_ROUTES.map((r) => r.action))).toEqual(fresh().actions);
    expect(SAE_ROUTES).toContainEqual({ method: 'PUT', path: '/pop/v1/sam/app/stopApplication', action: 'StopApplication' });
    expect(SAE_ROUTES).toContainEqual({ method: 'DELETE', path: '/tags', action: 'UntagResources' });
  });

  it('answers an unknown action with InvalidApi.NotFound, including Object prototype names', () => {
    const model = fresh();
    expectError(() => call(model, 'DeleteApplication', {}), 404, 'InvalidApi.NotFound');
    expectError(() => call(model, 'constructor', {}), 404, 'InvalidApi.NotFound');
  });
});

describe('StopApplication and StartApplication', () => {
  it('stops through a change order that ends exactly changeOrderMs after it starts', () => {
    const model = fresh();
    const outcome = call(model, 'StopApplication', { AppId: 'app-api' });
    expect(outcome.executed).toBe(true);
    expect(orderId(outcome)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Object.keys(outcome.body)).toEqual(['Data']);
    expect(stateOf(model, 'app-api', T0 + MS - 1)).toMatchObject({ status: 'RUNNING', runningInstances: 3 });
    expect(stateOf(model, 'app-api', T0 + MS)).toMatchObject({ status: 'STOPPED', runningInstances: 0 });
  });

  it('refuses a second change while the first runs, and accepts it once the first ended', () => {
    const model = fresh();
    call(model, 'StopApplication', { AppId: 'app-api' });
    expectError(() => call(model, 'StopApplication', { AppId: 'app-api' }, { now: T0 + MS - 1 }), 400, 'Application.ChangerOrderRunning');
    expectError(() => call(model, 'StartApplication', { AppId: 'app-api' }, { now: T0 + 1 }), 400, 'Application.ChangerOrderRunning');
    expect(call(model, 'StartApplication', { AppId: 'app-api' }, { now: T0 + MS }).executed).toBe(true);
  });

  it('refuses to stop a stopped app or start a running one', () => {
    const model = fresh();
    expectError(() => call(model, 'StopApplication', { AppId: 'app-off' }), 400, 'Application.InvalidStatus');
    expectError(() => call(model, 'StartApplication', { AppId: 'app-api' }), 400, 'Application.InvalidStatus');
    call(model, 'StopApplication', { AppId: 'app-api' });
    expectError(() => call(model, 'StopApplication', { AppId: 'app-api' }, { now: T0 + MS }), 400, 'Application.InvalidStatus');
  });

  it('start restores the seeded instance count when its order ends', () => {
    const model = fresh();
    call(model, 'StopApplication', { AppId: 'app-api' });
    call(model, 'StartApplication', { AppId: 'app-api' }, { now: T0 + MS });
    expect(stateOf(model, 'app-api', T0 + 2 * MS - 1)).toMatchObject({ status: 'STOPPED', runningInstances: 0 });
    expect(stateOf(model, 'app-api', T0 + 2 * MS)).toMatchObject({ status: 'RUNNING', runningInstances: 3 });
    call(model, 'StartApplication', { AppId: 'app-off' });
    expect(stateOf(model, 'app-off', T0 + MS)).toMatchObject({ status: 'RUNNING', runningInstances: 2 });
  });

  it('needs an AppId and an app of the caller', () => {
    const model = fresh();
    expectError(() => call(model, 'StopApplication', {}), 400, 'MissingAppId');
    expectError(() => call(model, 'StopApplication', { AppId: 'nope' }), 400, 'InvalidApplication.NotFound');
  });
});

describe('DescribeApplicationStatus', () => {
  it('shows the last change order while it runs and after it succeeded', () => {
    const model = fresh();
    expect(data(model, 'DescribeApplicationStatus', { AppId: 'app-api' })).toEqual({
      AppId: 'app-api',
      CurrentStatus: 'RUNNING',
      RunningInstances: 3,
      LastChangeOrderId: '',
      LastChangeOrderRunning: false,
      LastChangeOrderStatus: '',
      SubStatus: 'NORMAL',
      CreateTime: expect.stringMatching(/^\d{13}$/) as unknown,
      ArmsAdvancedEnabled: 'false',
      EnableAgent: false,
      FileSizeLimit: 10240,
    });
    const id = orderId(call(model, 'StopApplication', { AppId: 'app-api' }));
    expect(data(model, 'DescribeApplicationStatus', { AppId: 'app-api' }, { now: T0 + 1 })).toMatchObject({
      CurrentStatus: 'RUNNING',
      RunningInstances: 3,
      LastChangeOrderId: id,
      LastChangeOrderRunning: true,
      LastChangeOrderStatus: 'RUNNING',
    });
    expect(data(model, 'DescribeApplicationStatus', { AppId: 'app-api' }, { now: T0 + MS })).toMatchObject({
      CurrentStatus: 'STOPPED',
      RunningInstances: 0,
      LastChangeOrderId: id,
      LastChangeOrderRunning: false,
      LastChangeOrderStatus: 'SUCCESS',
    });
    expect(call(model, 'DescribeApplicationStatus', { AppId: 'app-api' }).executed).toBe(false);
  });

  it('answers an unknown app with 404 InvalidAppId.NotFound', () => {
    expectError(() => call(fresh(), 'DescribeApplicationStatus', { AppId: 'nope' }), 404, 'InvalidAppId.NotFound');
    expectError(() => call(fresh(), 'DescribeApplicationStatus', {}), 400, 'MissingAppId');
  });
});

describe('change orders', () => {
  it('DescribeChangeOrder reports status 1 while executing and 2 once done', () => {
    const model = fresh();
    const id = orderId(call(model, 'StopApplication', { AppId: 'app-api' }));
    const during = data(model, 'DescribeChangeOrder', { ChangeOrderId: id }, { now: T0 + MS - 1 });
    expect(during).toMatchObject({
      ChangeOrderId: id,
      AppId: 'app-api',
      AppName: 'dev-api',
      CoTypeCode: 'CoStop',
      CoType: 'Stop application',
      CreateTime: '2025-06-03 06:00:00',
      Status: 1,
      SubStatus: 0,
      ErrorMessage: '',
      BatchCount: 1,
      SupportRollback: false,
    });
    expect(during.Pipelines).toEqual([expect.objectContaining({ Status: 1, StartTime: T0 })]);
    const after = data(model, 'DescribeChangeOrder', { ChangeOrderId: id }, { now: T0 + MS });
    expect(after).toMatchObject({ Status: 2 });
    expect(after.Pipelines).toEqual([expect.objectContaining({ Status: 2, UpdateTime: T0 + MS })]);
    expectError(() => call(model, 'DescribeChangeOrder', { ChangeOrderId: 'nope' }), 404, 'InvalidChangeOrder.NotFound');
    expectError(() => call(model, 'DescribeChangeOrder', {}), 400, 'MissingChangeOrderId');
  });

  it('ListChangeOrders lists an app newest first, filters by CoType and pages', () => {
    const model = fresh();
    const stop = orderId(call(model, 'StopApplication', { AppId: 'app-api' }));
    const start = orderId(call(model, 'StartApplication', { AppId: 'app-api' }, { now: T0 + MS }));
    const list = data(model, 'ListChangeOrders', { AppId: 'app-api' }, { now: T0 + MS + 1 });
    expect(list).toMatchObject({ CurrentPage: 1, PageSize: 10, TotalSize: 2 });
    expect(list.ChangeOrderList).toEqual([
      {
        ChangeOrderId: start,
        CoTypeCode: 'CoStart',
        CoType: 'Start application',
        CreateTime: '2025-06-03 06:00:03',
        FinishTime: '',
        Status: 1,
        Source: 'console',
      },
      {
        ChangeOrderId: stop,
        CoTypeCode: 'CoStop',
        CoType: 'Stop application',
        CreateTime: '2025-06-03 06:00:00',
        FinishTime: '2025-06-03 06:00:03',
        Status: 2,
        Source: 'console',
      },
    ]);
    expect(data(model, 'ListChangeOrders', { AppId: 'app-api', CoType: 'CoStop' }).TotalSize).toBe(1);
    expect(data(model, 'ListChangeOrders', { AppId: 'app-api', PageSize: '1', CurrentPage: '2' }).ChangeOrderList).toEqual([
      expect.objectContaining({ ChangeOrderId: stop }),
    ]);
    expectError(() => call(model, 'ListChangeOrders', { AppId: 'app-api', PageSize: '201' }), 400, 'InvalidParameter');
    expectError(() => call(model, 'ListChangeOrders', { AppId: 'nope' }), 400, 'InvalidApplication.NotFound');
  });
});

describe('change orders that fail or hang (injected faults)', () => {
  const stopWith = (model: ProductModel<SaeState>, changeOrderFault: ChangeOrderFault) =>
    orderId(call(model, 'StopApplication', { AppId: 'app-api' }, { changeOrderFault }));
  const order = (model: ProductModel<SaeState>, id: string, now: number) =>
    data(model, 'DescribeChangeOrder', { ChangeOrderId: id }, { now });
  const status = (model: ProductModel<SaeState>, now: number) => data(model, 'DescribeApplicationStatus', { AppId: 'app-api' }, { now });

  it('a failed stop executes for its time, then ends with Status 3 and an ErrorMessage, and the app keeps running', () => {
    const model = fresh();
    const id = stopWith(model, { status: 3 });
    expect(order(model, id, T0 + MS - 1)).toMatchObject({ Status: 1, SubStatus: 0, ErrorMessage: '' });
    const ended = order(model, id, T0 + MS);
    expect(ended).toMatchObject({ Status: 3, SubStatus: 0, ErrorMessage: expect.stringMatching(/failed/) as unknown });
    expect(ended.Pipelines).toEqual([expect.objectContaining({ Status: 3, UpdateTime: T0 + MS })]);
    expect(status(model, T0 + MS)).toMatchObject({
      CurrentStatus: 'RUNNING',
      RunningInstances: 3,
      LastChangeOrderId: id,
      LastChangeOrderRunning: false,
      LastChangeOrderStatus: 'FAIL',
      SubStatus: 'NORMAL',
    });
    expect(stateOf(model, 'app-api', T0 + 10 * MS)).toMatchObject({ status: 'RUNNING', runningInstances: 3 });
    expect(data(model, 'ListChangeOrders', { AppId: 'app-api' }, { now: T0 + MS }).ChangeOrderList).toEqual([
      expect.objectContaining({ ChangeOrderId: id, Status: 3, FinishTime: '2025-06-03 06:00:03' }),
    ]);
    // The failed order is over: the app takes another stop, which succeeds.
    call(model, 'StopApplication', { AppId: 'app-api' }, { now: T0 + MS });
    expect(stateOf(model, 'app-api', T0 + 2 * MS)).toMatchObject({ status: 'STOPPED' });
  });

  it('a terminated order (6) says ABORT and nothing more; a system failure (10) says SYSTEM_FAIL; a fault can give the ErrorMessage', () => {
    const model = fresh();
    const aborted = stopWith(model, { status: 6 });
    expect(order(model, aborted, T0 + MS)).toMatchObject({ Status: 6, ErrorMessage: '' });
    expect(status(model, T0 + MS)).toMatchObject({ LastChangeOrderStatus: 'ABORT', CurrentStatus: 'RUNNING' });
    const system = orderId(call(model, 'StopApplication', { AppId: 'app-api' }, { now: T0 + MS, changeOrderFault: { status: 10 } }));
    expect(order(model, system, T0 + 2 * MS)).toMatchObject({ Status: 10, ErrorMessage: expect.stringMatching(/system/) as unknown });
    expect(status(model, T0 + 2 * MS)).toMatchObject({ LastChangeOrderStatus: 'SYSTEM_FAIL' });
    const said = orderId(
      call(
        model,
        'StopApplication',
        { AppId: 'app-api' },
        { now: T0 + 2 * MS, changeOrderFault: { status: 3, errorMessage: 'disk full' } },
      ),
    );
    expect(order(model, said, T0 + 3 * MS)).toMatchObject({ Status: 3, ErrorMessage: 'disk full' });
  });

  it('a failed start leaves the app stopped; a failed batch leaves every app of it where it was', () => {
    const model = fresh();
    call(model, 'StartApplication', { AppId: 'app-off' }, { changeOrderFault: { status: 3 } });
    expect(stateOf(model, 'app-off', T0 + MS)).toMatchObject({ status: 'STOPPED', runningInstances: 0 });
    const id = orderId(
      call(
        model,
        'BatchStopApplications',
        { NamespaceId: 'cn-hangzhou:dev', AppIds: 'app-api,app-web' },
        { changeOrderFault: { status: 10 } },
      ),
    );
    expect(order(model, id, T0 + MS)).toMatchObject({ Status: 10, CoTypeCode: 'CoBatchStopApplication' });
    for (const appId of ['app-api', 'app-web']) expect(stateOf(model, appId, T0 + MS)).toMatchObject({ status: 'RUNNING' });
  });

  it('a stuck order executes for ever, with SubStatus 1 once its time has passed; the app does not move and takes no other change', () => {
    const model = fresh();
    const id = stopWith(model, { stuck: true });
    expect(order(model, id, T0 + MS - 1)).toMatchObject({ Status: 1, SubStatus: 0 });
    const later = T0 + 1000 * MS;
    expect(order(model, id, later)).toMatchObject({ Status: 1, SubStatus: 1, ErrorMessage: '' });
    expect(order(model, id, later).Pipelines).toEqual([expect.objectContaining({ Status: 1 })]);
    expect(status(model, later)).toMatchObject({
      CurrentStatus: 'RUNNING',
      RunningInstances: 3,
      LastChangeOrderRunning: true,
      LastChangeOrderStatus: 'RUNNING',
      SubStatus: 'RUNNING_BUT_HAS_ERROR',
    });
    expect(data(model, 'ListChangeOrders', { AppId: 'app-api' }, { now: later }).ChangeOrderList).toEqual([
      expect.objectContaining({ Status: 1, FinishTime: '' }),
    ]);
    expectError(() => call(model, 'StopApplication', { AppId: 'app-api' }, { now: later }), 400, 'Application.ChangerOrderRunning');
    expect(stateOf(model, 'app-api', later)).toMatchObject({ status: 'RUNNING', runningInstances: 3 });
  });
});

describe('an app in status UNKNOWN', () => {
  it('says UNKNOWN with its instances, lists them as running, refuses stops and starts and stays so', () => {
    const model = fresh(WITH_LOST);
    expect(data(model, 'DescribeApplicationStatus', { AppId: 'app-lost' })).toMatchObject({
      CurrentStatus: 'UNKNOWN',
      RunningInstances: 2,
      LastChangeOrderId: '',
    });
    expect(data(model, 'ListApplications', { FieldType: 'appIds', FieldValue: 'app-lost' }).Applications).toEqual([
      expect.objectContaining({ AppId: 'app-lost', Instances: 2, RunningInstances: 2 }),
    ]);
    for (const action of ['StopApplication', 'StartApplication']) {
      const error = failure(() => call(model, action, { AppId: 'app-lost' }));
      expect(error).toMatchObject({ httpStatus: 400, code: 'Application.InvalidStatus' });
      expect(error.message).toContain('UNKNOWN');
    }
    expectError(
      () => call(model, 'BatchStopApplications', { NamespaceId: 'cn-hangzhou:dev', AppIds: 'app-api,app-lost' }),
      400,
      'Application.InvalidStatus',
    );
    expect(stateOf(model, 'app-lost', T0 + 10 * MS)).toMatchObject({ status: 'UNKNOWN', runningInstances: 2 });
  });
});

describe('RescaleApplication', () => {
  it('scales a running app in (CoScaleIn) or out (CoScaleOut); the listing and a later start show the new count', () => {
    const model = fresh();
    const scaleIn = orderId(call(model, 'RescaleApplication', { AppId: 'app-api', Replicas: '2' }));
    expect(data(model, 'DescribeChangeOrder', { ChangeOrderId: scaleIn })).toMatchObject({ CoTypeCode: 'CoScaleIn', Status: 1 });
    expect(stateOf(model, 'app-api', T0 + MS - 1)).toMatchObject({ status: 'RUNNING', runningInstances: 3 });
    expect(stateOf(model, 'app-api', T0 + MS)).toMatchObject({ status: 'RUNNING', runningInstances: 2 });
    expect(data(model, 'ListApplications', { AppName: 'dev-api' }, { now: T0 + MS }).Applications).toEqual([
      expect.objectContaining({ Instances: 2, RunningInstances: 2 }),
    ]);
    const scaleOut = orderId(call(model, 'RescaleApplication', { AppId: 'app-api', Replicas: '4' }, { now: T0 + MS }));
    expect(data(model, 'DescribeChangeOrder', { ChangeOrderId: scaleOut })).toMatchObject({ CoTypeCode: 'CoScaleOut' });
    call(model, 'StopApplication', { AppId: 'app-api' }, { now: T0 + 2 * MS });
    call(model, 'StartApplication', { AppId: 'app-api' }, { now: T0 + 3 * MS });
    expect(stateOf(model, 'app-api', T0 + 4 * MS)).toMatchObject({ status: 'RUNNING', runningInstances: 4 });
  });

  it('refuses a stopped or UNKNOWN app, a missing or out-of-range Replicas; a failed rescale keeps the count', () => {
    const model = fresh(WITH_LOST);
    expectError(() => call(model, 'RescaleApplication', { AppId: 'app-off', Replicas: '1' }), 400, 'Application.InvalidStatus');
    expectError(() => call(model, 'RescaleApplication', { AppId: 'app-lost', Replicas: '1' }), 400, 'Application.InvalidStatus');
    expectError(() => call(model, 'RescaleApplication', { AppId: 'app-api' }), 400, 'MissingReplicas');
    expectError(() => call(model, 'RescaleApplication', { AppId: 'app-api', Replicas: '0' }), 400, 'InvalidParameter');
    expectError(() => call(model, 'RescaleApplication', { AppId: 'app-api', Replicas: '51' }), 400, 'InvalidParameter');
    call(model, 'RescaleApplication', { AppId: 'app-api', Replicas: '1' }, { changeOrderFault: { status: 3 } });
    expect(stateOf(model, 'app-api', T0 + MS)).toMatchObject({ status: 'RUNNING', runningInstances: 3 });
  });
});

describe('BatchStopApplications and BatchStartApplications', () => {
  it('stops several apps with one order that covers them all', () => {
    const model = fresh();
    const outcome = call(model, 'BatchStopApplications', { NamespaceId: 'cn-hangzhou:dev', AppIds: 'app-api, app-web,app-api' });
    expect(outcome.executed).toBe(true);
    const id = orderId(outcome);
    expect(data(model, 'DescribeChangeOrder', { ChangeOrderId: id })).toMatchObject({
      AppId: 'app-api',
      CoTypeCode: 'CoBatchStopApplication',
    });
    for (const appId of ['app-api', 'app-web']) {
      expect(data(model, 'DescribeApplicationStatus', { AppId: appId })).toMatchObject({
        LastChangeOrderId: id,
        LastChangeOrderRunning: true,
      });
      expect(stateOf(model, appId, T0 + MS)).toMatchObject({ status: 'STOPPED', runningInstances: 0 });
    }
    const start = call(model, 'BatchStartApplications', { NamespaceId: 'cn-hangzhou:dev', AppIds: 'app-api,app-web' }, { now: T0 + MS });
    expect(data(model, 'DescribeChangeOrder', { ChangeOrderId: orderId(start) })).toMatchObject({ CoTypeCode: 'CoBatchStartApplication' });
    expect(stateOf(model, 'app-web', T0 + 2 * MS)).toMatchObject({ status: 'RUNNING', runningInstances: 1 });
  });

  it('is all or nothing: one app mid-change-order fails the batch and changes nothing', () => {
    const model = fresh();
    const single = orderId(call(model, 'StopApplication', { AppId: 'app-web' }));
    const error = failure(() =>
      call(model, 'BatchStopApplications', { NamespaceId: 'cn-hangzhou:dev', AppIds: 'app-api,app-web' }, { now: T0 + 1 }),
    );
    expect(error).toMatchObject({ httpStatus: 400, code: 'Application.ChangerOrderRunning' });
    expect(error.message).toContain('app-web');
    expect(data(model, 'DescribeApplicationStatus', { AppId: 'app-api' }, { now: T0 + 1 })).toMatchObject({ LastChangeOrderId: '' });
    expect(data(model, 'DescribeApplicationStatus', { AppId: 'app-web' }, { now: T0 + 1 })).toMatchObject({ LastChangeOrderId: single });
    expect(stateOf(model, 'app-api', T0 + 10 * MS)).toMatchObject({ status: 'RUNNING', runningInstances: 3 });
  });

  it('names the app that is missing, foreign, in another namespace or already in the target state', () => {
    const model = fresh();
    const batchStop = (AppIds: string) => failure(() => call(model, 'BatchStopApplications', { NamespaceId: 'cn-hangzhou:dev', AppIds }));
    expect(batchStop('app-api,nope')).toMatchObject({
      code: 'InvalidApplication.NotFound',
      message: expect.stringContaining('nope') as unknown,
    });
    expect(batchStop('app-api,app-foreign')).toMatchObject({ code: 'InvalidApplication.NotFound' });
    expect(batchStop('app-api,app-stg')).toMatchObject({
      code: 'InvalidApplication.NotFound',
      message: expect.stringContaining('app-stg') as unknown,
    });
    expect(batchStop('app-api,app-off')).toMatchObject({
      code: 'Application.InvalidStatus',
      message: expect.stringContaining('app-off') as unknown,
    });
    expect(
      model
        .snapshot(T0 + MS)
        .apps.filter((a) => a.status === 'STOPPED')
        .map((a) => a.appId),
    ).toEqual(['app-off']);
    expectError(() => call(model, 'BatchStopApplications', { AppIds: 'app-api' }), 400, 'MissingNamespaceId');
    expectError(() => call(model, 'BatchStartApplications', { NamespaceId: 'cn-hangzhou:dev' }), 400, 'MissingAppIds');
    expectError(() => call(model, 'BatchStartApplications', { NamespaceId: 'cn-hangzhou:dev', AppIds: ' , ' }), 400, 'InvalidParameter');
  });
});

describe('ListApplications', () => {
  const many = Array.from({ length: 25 }, (_, i) => app(`id-${String(i).padStart(2, '0')}`, `app-${String(24 - i).padStart(2, '0')}`));

  it('pages by AppName order and checks the page size', () => {
    const model = fresh(many);
    const first = data(model, 'ListApplications', {});
    expect(first).toMatchObject({ CurrentPage: 1, PageSize: 10, TotalSize: 25 });
    expect((first.Applications as unknown[]).length).toBe(10);
    expect(listIds(first)[0]).toBe('id-24');
    const second = data(model, 'ListApplications', { CurrentPage: '2', PageSize: '10' });
    expect(listIds(second)).toEqual(Array.from({ length: 10 }, (_, i) => `id-${String(14 - i).padStart(2, '0')}`));
    expect(listIds(data(model, 'ListApplications', { CurrentPage: '4' }))).toEqual([]);
    expect(listIds(data(model, 'ListApplications', { PageSize: '200' }))).toHaveLength(25);
    const bads: Array<Record<string, string>> = [
      { PageSize: '201' },
      { PageSize: '0' },
      { CurrentPage: '0' },
      { CurrentPage: 'two' },
      { PageSize: '1.5' },
      { PageSize: '-1' },
    ];
    for (const bad of bads) {
      expectError(() => call(model, 'ListApplications', bad), 400, 'InvalidParameter');
    }
  });

  it('shows each app with target and running instances, cpu, memory and tags', () => {
    const model = fresh();
    call(model, 'StopApplication', { AppId: 'app-api' });
    const listed = data(model, 'ListApplications', { FieldType: 'appIds', FieldValue: 'app-api' }, { now: T0 + MS });
    expect(listed.Applications).toEqual([
      {
        AppId: 'app-api',
        AppName: 'dev-api',
        NamespaceId: 'cn-hangzhou:dev',
        RegionId: 'cn-hangzhou',
        AppDescription: '',
        AppDeletingStatus: false,
        Instances: 3,
        RunningInstances: 0,
        Cpu: 500,
        Mem: 1024,
        Tags: [{ Key: 'env', Value: 'dev' }],
      },
    ]);
  });

  it('filters by namespace, name, field and tags', () => {
    const model = fresh();
    expect(listIds(data(model, 'ListApplications', { NamespaceId: 'cn-shanghai:staging' }))).toEqual(['app-stg']);
    expect(listIds(data(model, 'ListApplications', { AppName: 'DEV-' }))).toEqual(['app-ci', 'app-api', 'app-off', 'app-web']);
    expect(listIds(data(model, 'ListApplications', { FieldType: 'appName', FieldValue: 'ci-run' }))).toEqual(['app-ci']);
    expect(listIds(data(model, 'ListApplications', { FieldType: 'appIds', FieldValue: 'app-web,app-stg,app-foreign' }))).toEqual([
      'app-web',
      'app-stg',
    ]);
    expect(listIds(data(model, 'ListApplications', { Tags: '[{"key":"offpeak","value":"never"}]' }))).toEqual(['app-ci']);
    expect(listIds(data(model, 'ListApplications', { Tags: '[{"key":"env","value":"dev"},{"key":"offpeak","value":"never"}]' }))).toEqual([
      'app-ci',
    ]);
    expect(listIds(data(model, 'ListApplications', { Tags: '[{"key":"env","value":"prod"}]' }))).toEqual([]);
    for (const Tags of ['{', '{"key":"env"}', '[{"key":"env"}]', '[1]', '[{"key":"","value":"x"}]']) {
      expectError(() => call(model, 'ListApplications', { Tags }), 400, 'InvalidParameter');
    }
    expectError(() => call(model, 'ListApplications', { FieldType: 'slbIps', FieldValue: '1.2.3.4' }), 400, 'InvalidParameter');
  });

  it('lists only the host region when the endpoint names one, else every region', () => {
    const model = fresh();
    expect(listIds(data(model, 'ListApplications', {}, { hostRegion: 'cn-shanghai' }))).toEqual(['app-stg']);
    expect(data(model, 'ListApplications', {}, { hostRegion: 'cn-hangzhou' }).TotalSize).toBe(4);
    expect(data(model, 'ListApplications', {}).TotalSize).toBe(5);
  });
});

describe('account isolation', () => {
  it('treats another account’s apps and change orders as missing', () => {
    const model = fresh();
    const foreign = { accountId: OTHER };
    expect(listIds(data(model, 'ListApplications', {}, foreign))).toEqual(['app-foreign']);
    expectError(() => call(model, 'StopApplication', { AppId: 'app-api' }, foreign), 400, 'InvalidApplication.NotFound');
    expectError(() => call(model, 'DescribeApplicationStatus', { AppId: 'app-api' }, foreign), 404, 'InvalidAppId.NotFound');
    expectError(() => call(model, 'ListChangeOrders', { AppId: 'app-api' }, foreign), 400, 'InvalidApplication.NotFound');
    const id = orderId(call(model, 'StopApplication', { AppId: 'app-api' }));
    expectError(() => call(model, 'DescribeChangeOrder', { ChangeOrderId: id }, foreign), 404, 'InvalidChangeOrder.NotFound');
    expectError(() => call(model, 'StopApplication', { AppId: 'app-foreign' }), 400, 'InvalidApplication.NotFound');
  });
});

describe('resourceIds', () => {
  it('names AppId, the split AppIds and ChangeOrderId, and never throws', () => {
    const model = fresh();
    expect(model.resourceIds('StopApplication', { AppId: 'a' })).toEqual(['a']);
    expect(model.resourceIds('BatchStopApplications', { NamespaceId: 'n', AppIds: 'a, b,,a' })).toEqual(['a', 'b']);
    expect(model.resourceIds('DescribeChangeOrder', { ChangeOrderId: 'c' })).toEqual(['c']);
    expect(model.resourceIds('ListApplications', {})).toEqual([]);
  });
});

describe('garbage parameters', () => {
  const actions = [...SAE_ROUTES.map((r) => r.action), 'Nope', 'toString', '__proto__'];
  const names = [
    'AppId',
    'AppIds',
    'NamespaceId',
    'ChangeOrderId',
    'AppName',
    'FieldType',
    'FieldValue',
    'Tags',
    'CurrentPage',
    'PageSize',
    'CoType',
    '__proto__',
    'constructor',
    'hasOwnProperty',
  ];
  const values = fc.oneof(
    fc.string(),
    fc.constantFrom(
      'app-api',
      'app-web,app-api',
      'app-off',
      'cn-hangzhou:dev',
      'appIds',
      'appName',
      '[{"key":"env","value":"dev"}]',
      '[{"key":{}}]',
      'null',
      '0',
      '-1',
      '1e3',
      '200',
      '9007199254740993',
      'CoStop',
      '00000000-0000-4000-8000-000000000001',
    ),
  );
  const step = fc.record({
    action: fc.constantFrom(...actions),
    entries: fc.array(fc.tuple(fc.constantFrom(...names), values), { maxLength: 6 }),
    advance: fc.nat({ max: 2 * MS }),
    accountId: fc.constantFrom(ACCOUNT, OTHER),
    hostRegion: fc.option(fc.constantFrom('cn-hangzhou', 'cn-shanghai', ''), { nil: undefined }),
  });

  it('only ever throws ApiError, whatever the calls and their order', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 12 }), (steps) => {
        const model = fresh();
        let now = T0;
        for (const s of steps) {
          now += s.advance;
          // A null-prototype map, as the gateway builds, so `__proto__` arrives as an ordinary key.
          const params = Object.create(null) as Record<string, string>;
          for (const [k, v] of s.entries) params[k] = v;
          expect(() => model.resourceIds(s.action, params)).not.toThrow();
          try {
            const outcome = model.handle({
              action: s.action,
              params,
              accountId: s.accountId,
              now,
              ...(s.hostRegion === undefined ? {} : { hostRegion: s.hostRegion }),
            });
            expect(Object.keys(outcome.body)).toEqual(['Data']);
          } catch (error) {
            expect(error).toBeInstanceOf(ApiError);
          }
          expect(model.snapshot(now).apps).toHaveLength(APPS.length);
        }
      }),
      { numRuns: 300 },
    );
  });
});

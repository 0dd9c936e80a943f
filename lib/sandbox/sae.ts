import {
  ApiError,
  invalid,
  missing,
  paramText,
  without,
  type ActionCall,
  type ActionOutcome,
  type ChangeOrderFault,
  type ModelTiming,
  type ProductModel,
} from './api.js';
import type { SeedApp } from './seed.js';
import { applyTags, jsonStrings, MAX_TAG_RESOURCES, removeTags } from './tags.js';

/**
 * The SAE (Serverless App Engine, 2019-05-06, ROA) model: lists, stops, starts and rescales
 * applications through change orders, which succeed unless an injected fault makes them fail or hang.
 *
 * Pure by design: time comes only from `call.now` and `snapshot(now)`. A change order is stored as
 * its target and the instant it ends; an app's status is resolved from its last order whenever it
 * is read, so no timer runs and tests can jump through time.
 */

/** `GET /_sandbox/state` for SAE; owners stay hidden so one tenant's view leaks nothing else. */
export interface SaeState {
  apps: Array<{
    appId: string;
    appName: string;
    namespaceId: string;
    regionId: string;
    status: SaeStatus;
    runningInstances: number;
    tags: Record<string, string>;
  }>;
}

/** ROA routes: a request without `x-acs-action` is routed by its method and path alone. */
export const SAE_ROUTES: ReadonlyArray<{ method: 'GET' | 'PUT' | 'POST' | 'DELETE'; path: string; action: string }> = [
  { method: 'PUT', path: '/pop/v1/sam/app/stopApplication', action: 'StopApplication' },
  { method: 'PUT', path: '/pop/v1/sam/app/startApplication', action: 'StartApplication' },
  { method: 'GET', path: '/pop/v1/sam/app/describeApplicationStatus', action: 'DescribeApplicationStatus' },
  { method: 'GET', path: '/pop/v1/sam/app/listApplications', action: 'ListApplications' },
  { method: 'GET', path: '/pop/v1/sam/changeorder/DescribeChangeOrder', action: 'DescribeChangeOrder' },
  { method: 'GET', path: '/pop/v1/sam/changeorder/ListChangeOrders', action: 'ListChangeOrders' },
  { method: 'PUT', path: '/pop/v1/sam/app/batchStopApplications', action: 'BatchStopApplications' },
  { method: 'PUT', path: '/pop/v1/sam/app/batchStartApplications', action: 'BatchStartApplications' },
  { method: 'PUT', path: '/pop/v1/sam/app/rescaleApplication', action: 'RescaleApplication' },
  // 标签管理: TagResources POST /tags, UntagResources DELETE /tags, ListTagResources GET /tags.
  { method: 'POST', path: '/tags', action: 'TagResources' },
  { method: 'DELETE', path: '/tags', action: 'UntagResources' },
  { method: 'GET', path: '/tags', action: 'ListTagResources' },
];

type Params = Readonly<Record<string, string>>;
/** DescribeApplicationStatus' CurrentStatus; UNKNOWN only ever comes from a seed, and no change moves an app out of it. */
export type SaeStatus = 'RUNNING' | 'STOPPED' | 'UNKNOWN';
/** Where a change order takes an app. */
type Target = 'RUNNING' | 'STOPPED';
type CoTypeCode = 'CoStop' | 'CoStart' | 'CoBatchStopApplication' | 'CoBatchStartApplication' | 'CoScaleIn' | 'CoScaleOut';

const CO_TYPES: Record<CoTypeCode, string> = {
  CoStop: 'Stop application',
  CoStart: 'Start application',
  CoBatchStopApplication: 'Batch stop applications',
  CoBatchStartApplication: 'Batch start applications',
  CoScaleIn: 'Scale in application',
  CoScaleOut: 'Scale out application',
};
/** Change-order Status (docs/reference/alibaba-cloud-facts.md §1.5): 1 executing, 2 succeeded; faults bring 3, 6 and 10. */
const EXECUTING = 1;
const SUCCEEDED = 2;
/** DescribeApplicationStatus' LastChangeOrderStatus for each order Status (§1.3). */
const LAST_ORDER_STATUS: Readonly<Record<number, string>> = { 1: 'RUNNING', 2: 'SUCCESS', 3: 'FAIL', 6: 'ABORT', 10: 'SYSTEM_FAIL' };
/** A failed order's ErrorMessage when the fault gives none; a terminated one (6) was aborted by a person and says nothing. */
const FAILURE_MESSAGES: Readonly<Record<number, string>> = {
  3: 'The change order failed: the application did not reach its target state.',
  10: 'The change order failed because of a system exception. Try again later.',
};
/** SAE's default quota of instances per application. */
const MAX_REPLICAS = 50;
const MAX_PAGE_SIZE = 200;
/** The seed carries no creation time, and reading the clock is not allowed: every app was "created" here. */
const APP_CREATED_AT = Date.UTC(2024, 0, 1);
const TAGS_SHAPE = 'must be JSON text like [{"key":"k","value":"v"}]';

interface ChangeOrder {
  readonly id: string;
  /** Creation order, to break ties between orders created at the same instant. */
  readonly seq: number;
  readonly accountId: string;
  readonly typeCode: CoTypeCode;
  readonly target: Target;
  /** RescaleApplication's instance count, taken on once the order succeeds. */
  readonly replicas?: number;
  readonly appIds: readonly string[];
  readonly startedAt: number;
  readonly endsAt: number;
  /** The Status it ends in: 2, or what a fault said (the app then stays where it was). */
  readonly endStatus: number;
  /** A fault's order that never ends: executing, with SubStatus 1 once its time has passed. */
  readonly stuck: boolean;
  readonly errorMessage: string;
}

interface App {
  /** A copy of the seed's app whose tags the tag APIs change (the seed itself stays as a reset needs it). */
  readonly seed: SeedApp & { readonly tags: Record<string, string> };
  /** The status and instance count before the last change order; a succeeded order's take over once it ends. */
  before: SaeStatus;
  replicasBefore: number;
  last?: ChangeOrder;
}

const running = (order: ChangeOrder, now: number): boolean => order.stuck || now < order.endsAt;
const orderStatus = (order: ChangeOrder, now: number): number => (running(order, now) ? EXECUTING : order.endStatus);
/** DescribeChangeOrder's SubStatus: 1 when the order hangs on an error, waiting for a person. */
const subStatus = (order: ChangeOrder, now: number): 0 | 1 => (order.stuck && now >= order.endsAt ? 1 : 0);
/** The last order, once it has succeeded: the one whose effect shows. */
const succeeded = (app: App, now: number): ChangeOrder | undefined =>
  app.last && orderStatus(app.last, now) === SUCCEEDED ? app.last : undefined;
const statusAt = (app: App, now: number): SaeStatus => succeeded(app, now)?.target ?? app.before;
const replicasAt = (app: App, now: number): number => succeeded(app, now)?.replicas ?? app.replicasBefore;
// An UNKNOWN app still has its instances: the listing, which carries no status, shows them running.
const instancesAt = (app: App, now: number): number => (statusAt(app, now) === 'STOPPED' ? 0 : replicasAt(app, now));
// Code-unit order rather than localeCompare, so the order never depends on the host's locale.
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** 'YYYY-MM-DD HH:mm:ss' in China Standard Time, as SAE writes change-order times; '' for a time that is not one. */
function wallTime(ms: number): string {
  // SAE writes these times in China Standard Time (UTC+8, no DST), whatever the region.
  const date = new Date(ms + 8 * 3_600_000);
  return Number.isNaN(date.getTime()) ? '' : date.toISOString().replace('T', ' ').slice(0, 19);
}

const text = paramText;

function fail(error: ApiError): never {
  throw error;
}

function required(params: Params, name: string): string {
  const value = text(params, name);
  if (value === undefined) throw missing(name);
  return value;
}

function integer(params: Params, name: string, fallback: number, min: number, max: number): number {
  const raw = text(params, name);
  if (raw === undefined) return fallback;
  const n = /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= min && n <= max)) throw invalid(name, `must be an integer from ${min} to ${max}`);
  return n;
}

function page<T>(params: Params, items: readonly T[]): { CurrentPage: number; PageSize: number; TotalSize: number; items: T[] } {
  const current = integer(params, 'CurrentPage', 1, 1, Number.MAX_SAFE_INTEGER);
  const size = integer(params, 'PageSize', 10, 1, MAX_PAGE_SIZE);
  const start = (current - 1) * size;
  return { CurrentPage: current, PageSize: size, TotalSize: items.length, items: items.slice(start, start + size) };
}

/** Comma-separated ids, trimmed, empties and duplicates dropped (a batch never trips on itself). */
const splitIds = (raw: string): string[] => [
  ...new Set(
    raw
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  ),
];

function parseTags(raw: string): Array<{ key: string; value: string }> {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw invalid('Tags', TAGS_SHAPE);
  }
  if (!Array.isArray(value)) throw invalid('Tags', TAGS_SHAPE);
  const list: unknown[] = value;
  return list.map((item) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw invalid('Tags', TAGS_SHAPE);
    const entry = item as Record<string, unknown>;
    const key = Object.hasOwn(entry, 'key') ? entry.key : undefined;
    const tagValue = Object.hasOwn(entry, 'value') ? entry.value : undefined;
    if (typeof key !== 'string' || key === '' || typeof tagValue !== 'string') throw invalid('Tags', TAGS_SHAPE);
    return { key, value: tagValue };
  });
}

const appNotFound = (id: string, where = '') =>
  new ApiError(400, 'InvalidApplication.NotFound', `The application ${id} does not exist${where}.`);
const orderRunning = (id: string) =>
  new ApiError(400, 'Application.ChangerOrderRunning', `The application has a change order in progress; try again later. (AppId: ${id})`);
const invalidStatus = (id: string, status: SaeStatus, verb: string) =>
  new ApiError(400, 'Application.InvalidStatus', `The application ${id} is ${status} and cannot be ${verb}.`);

/** The change a call asks for: where it takes the apps, from which status, and its order's type. */
interface Change {
  readonly typeCode: CoTypeCode;
  readonly from: SaeStatus;
  readonly target: Target;
  /** For the message of an app in another status: "stopped", "started", "rescaled". */
  readonly verb: string;
  readonly replicas?: number;
}

const STOP = { from: 'RUNNING', target: 'STOPPED', verb: 'stopped' } as const;
const START = { from: 'STOPPED', target: 'RUNNING', verb: 'started' } as const;

/** How an order created now ends: as a fault says, else succeeded once its time has passed. */
function ending(fault: ChangeOrderFault | undefined): Pick<ChangeOrder, 'endStatus' | 'stuck' | 'errorMessage'> {
  const endStatus = fault?.status ?? SUCCEEDED;
  return { endStatus, stuck: fault?.stuck === true, errorMessage: fault?.errorMessage ?? FAILURE_MESSAGES[endStatus] ?? '' };
}

/** The SAE model over the seed's apps; each change order lasts `timing.changeOrderMs`. */
export function createSaeModel(apps: ReadonlyArray<SeedApp>, timing: ModelTiming): ProductModel<SaeState> {
  const byId = new Map<string, App>(
    apps.map((seed) => [seed.appId, { seed: { ...seed, tags: { ...seed.tags } }, before: seed.status, replicasBefore: seed.instances }]),
  );
  const orders = new Map<string, ChangeOrder>();
  let counter = 0;

  /** An app the caller owns; another account's app is reported exactly like one that does not exist. */
  const own = (call: ActionCall, id: string): App | undefined => {
    const app = byId.get(id);
    return app && app.seed.accountId === call.accountId ? app : undefined;
  };

  /** Checks every app first and only then changes any: a batch is all or nothing. */
  function createOrder(call: ActionCall, targets: App[], { typeCode, from, target, verb, replicas }: Change): ActionOutcome {
    for (const app of targets) if (app.last && running(app.last, call.now)) throw orderRunning(app.seed.appId);
    for (const app of targets) {
      const status = statusAt(app, call.now);
      if (status !== from) throw invalidStatus(app.seed.appId, status, verb);
    }
    counter += 1;
    const order: ChangeOrder = {
      id: `00000000-0000-4000-8000-${counter.toString(16).padStart(12, '0')}`,
      seq: counter,
      accountId: call.accountId,
      typeCode,
      target,
      ...(replicas !== undefined ? { replicas } : {}),
      appIds: targets.map((a) => a.seed.appId),
      startedAt: call.now,
      endsAt: call.now + timing.changeOrderMs,
      ...ending(call.changeOrderFault),
    };
    orders.set(order.id, order);
    for (const app of targets) {
      app.before = statusAt(app, call.now);
      app.replicasBefore = replicasAt(app, call.now);
      app.last = order;
    }
    return { body: { Data: { ChangeOrderId: order.id } }, executed: true };
  }

  /** The caller's app named by AppId. */
  function ownApp(call: ActionCall): App {
    const id = required(call.params, 'AppId');
    const app = own(call, id);
    if (!app) throw appNotFound(id);
    return app;
  }

  function single(call: ActionCall, change: Change): ActionOutcome {
    return createOrder(call, [ownApp(call)], change);
  }

  /** RescaleApplication: a running app to `Replicas` instances, a CoScaleIn order when fewer, else CoScaleOut. */
  function rescale(call: ActionCall): ActionOutcome {
    const app = ownApp(call);
    required(call.params, 'Replicas');
    const replicas = integer(call.params, 'Replicas', 0, 1, MAX_REPLICAS);
    const typeCode = replicas < replicasAt(app, call.now) ? 'CoScaleIn' : 'CoScaleOut';
    return createOrder(call, [app], { typeCode, from: 'RUNNING', target: 'RUNNING', verb: 'rescaled', replicas });
  }

  function batch(call: ActionCall, change: Change): ActionOutcome {
    const namespaceId = required(call.params, 'NamespaceId');
    const ids = splitIds(required(call.params, 'AppIds'));
    if (ids.length === 0) throw invalid('AppIds', 'must name at least one application id');
    const targets = ids.map((id) => {
      const app = own(call, id);
      if (!app || app.seed.namespaceId !== namespaceId) throw appNotFound(id, ` in namespace ${namespaceId}`);
      return app;
    });
    return createOrder(call, targets, change);
  }

  function describeStatus(call: ActionCall): ActionOutcome {
    const id = required(call.params, 'AppId');
    const app = own(call, id);
    if (!app) throw new ApiError(404, 'InvalidAppId.NotFound', `The application ${id} does not exist.`);
    const last = app.last;
    const Data = {
      AppId: id,
      CurrentStatus: statusAt(app, call.now),
      RunningInstances: instancesAt(app, call.now),
      LastChangeOrderId: last?.id ?? '',
      LastChangeOrderRunning: last !== undefined && running(last, call.now),
      LastChangeOrderStatus: last === undefined ? '' : (LAST_ORDER_STATUS[orderStatus(last, call.now)] ?? ''),
      SubStatus: last !== undefined && subStatus(last, call.now) === 1 ? 'RUNNING_BUT_HAS_ERROR' : 'NORMAL',
      CreateTime: String(APP_CREATED_AT),
      ArmsAdvancedEnabled: 'false',
      EnableAgent: false,
      FileSizeLimit: 10240,
    };
    return { body: { Data }, executed: false };
  }

  function listApplications(call: ActionCall): ActionOutcome {
    const p = call.params;
    const namespaceId = text(p, 'NamespaceId');
    const appName = text(p, 'AppName')?.toLowerCase();
    const fieldType = text(p, 'FieldType');
    if (fieldType !== undefined && fieldType !== 'appName' && fieldType !== 'appIds')
      throw invalid('FieldType', 'must be appName or appIds');
    // A FieldType without a FieldValue filters nothing, as an empty search box would.
    const fieldValue = text(p, 'FieldValue');
    const nameLike = fieldType === 'appName' ? fieldValue?.toLowerCase() : undefined;
    const idSet = fieldType === 'appIds' && fieldValue !== undefined ? new Set(splitIds(fieldValue)) : undefined;
    const rawTags = text(p, 'Tags');
    const tags = rawTags === undefined ? [] : parseTags(rawTags);
    const matches = [...byId.values()]
      .filter(
        ({ seed: a }) =>
          a.accountId === call.accountId &&
          (call.hostRegion === undefined || a.regionId === call.hostRegion) &&
          (namespaceId === undefined || a.namespaceId === namespaceId) &&
          (appName === undefined || a.appName.toLowerCase().includes(appName)) &&
          (nameLike === undefined || a.appName.toLowerCase().includes(nameLike)) &&
          (idSet === undefined || idSet.has(a.appId)) &&
          tags.every((t) => Object.hasOwn(a.tags, t.key) && a.tags[t.key] === t.value),
      )
      .sort((x, y) => compare(x.seed.appName, y.seed.appName) || compare(x.seed.appId, y.seed.appId));
    const { items, ...paging } = page(p, matches);
    const Applications = items.map((app) =>
      without(app.seed.omit, {
        AppId: app.seed.appId,
        AppName: app.seed.appName,
        NamespaceId: app.seed.namespaceId,
        RegionId: app.seed.regionId,
        AppDescription: '',
        AppDeletingStatus: false,
        Instances: replicasAt(app, call.now),
        RunningInstances: instancesAt(app, call.now),
        Cpu: app.seed.cpu,
        Mem: app.seed.memory,
        Tags: Object.entries(app.seed.tags).map(([Key, Value]) => ({ Key, Value })),
      }),
    );
    return { body: { Data: { ...paging, Applications } }, executed: false };
  }

  function describeChangeOrder(call: ActionCall): ActionOutcome {
    const id = required(call.params, 'ChangeOrderId');
    const order = orders.get(id);
    if (!order || order.accountId !== call.accountId) {
      throw new ApiError(404, 'InvalidChangeOrder.NotFound', `The change order ${id} does not exist.`);
    }
    const status = orderStatus(order, call.now);
    const first = byId.get(order.appIds[0] ?? '');
    const Data = {
      ChangeOrderId: order.id,
      AppId: first?.seed.appId ?? '',
      AppName: first?.seed.appName ?? '',
      CoTypeCode: order.typeCode,
      CoType: CO_TYPES[order.typeCode],
      CreateTime: wallTime(order.startedAt),
      Status: status,
      SubStatus: subStatus(order, call.now),
      // Only an order that has ended says what went wrong.
      ErrorMessage: status === EXECUTING ? '' : order.errorMessage,
      // One batch, so one pipeline; its id shares the order's counter under another UUID variant.
      Pipelines: [
        {
          PipelineId: order.id.replace('-8000-', '-9000-'),
          PipelineName: 'Batch 1',
          Status: status,
          StartTime: order.startedAt,
          UpdateTime: status === EXECUTING ? order.startedAt : order.endsAt,
        },
      ],
      BatchCount: 1,
      SupportRollback: false,
    };
    return { body: { Data }, executed: false };
  }

  function listChangeOrders(call: ActionCall): ActionOutcome {
    const id = required(call.params, 'AppId');
    if (!own(call, id)) throw appNotFound(id);
    const coType = text(call.params, 'CoType');
    const list = [...orders.values()]
      .filter((o) => o.appIds.includes(id) && (coType === undefined || o.typeCode === coType))
      .sort((a, b) => b.startedAt - a.startedAt || b.seq - a.seq);
    const { items, ...paging } = page(call.params, list);
    const ChangeOrderList = items.map((o) => ({
      ChangeOrderId: o.id,
      CoTypeCode: o.typeCode,
      CoType: CO_TYPES[o.typeCode],
      CreateTime: wallTime(o.startedAt),
      FinishTime: running(o, call.now) ? '' : wallTime(o.endsAt),
      Status: orderStatus(o, call.now),
      Source: 'console',
    }));
    return { body: { Data: { ChangeOrderList, ...paging } }, executed: false };
  }

  /** The caller's apps a tag call names (ResourceType application, ResourceIds as JSON text). */
  function tagged(call: ActionCall, idsRequired: boolean): App[] | undefined {
    if (text(call.params, 'RegionId') === undefined) throw missing('RegionId');
    const type = required(call.params, 'ResourceType');
    if (type !== 'application') throw new ApiError(400, 'InvalidResourceType.NotFound', 'The specified resource type is not supported.');
    const ids = jsonStrings(call.params, 'ResourceIds', idsRequired);
    if (ids === undefined) return undefined;
    if (ids.length === 0 || ids.length > MAX_TAG_RESOURCES)
      throw invalid('ResourceIds', `must name 1 to ${MAX_TAG_RESOURCES} applications`);
    return ids.map((id) => own(call, id) ?? fail(appNotFound(id)));
  }

  function tagResources(call: ActionCall): ActionOutcome {
    const targets = tagged(call, true)!;
    const add = parseTags(required(call.params, 'Tags'));
    if (add.length === 0) throw new ApiError(400, 'Missing.TagKey', 'You must specify TagKey.');
    // All or nothing: every app is checked before any changes.
    for (const app of targets) applyTags({ ...app.seed.tags }, add);
    for (const app of targets) applyTags(app.seed.tags, add);
    return { body: { Data: true }, executed: true };
  }

  function untagResources(call: ActionCall): ActionOutcome {
    const targets = tagged(call, true)!;
    const keys = jsonStrings(call.params, 'TagKeys', false);
    const all = text(call.params, 'DeleteAll') === 'true';
    if (keys === undefined && !all) throw invalid('TagKeys', 'name the keys to remove, or set DeleteAll=true');
    for (const app of targets) removeTags(app.seed.tags, keys ?? [], keys === undefined && all);
    return { body: { Data: true }, executed: true };
  }

  function listTagResources(call: ActionCall): ActionOutcome {
    const named = tagged(call, false);
    const filter = text(call.params, 'Tags') === undefined ? [] : parseTags(required(call.params, 'Tags'));
    const apps = (named ?? [...byId.values()].filter((a) => a.seed.accountId === call.accountId)).filter((a) =>
      filter.every((t) => a.seed.tags[t.key] === t.value),
    );
    const TagResources = apps.flatMap((app) =>
      Object.entries(app.seed.tags).map(([TagKey, TagValue]) => ({
        ResourceType: 'ALIYUN::SAE::APPLICATION',
        ResourceId: app.seed.appId,
        TagKey,
        TagValue,
      })),
    );
    return { body: { Data: { NextToken: '', TagResources } }, executed: false };
  }

  const handlers: Record<string, (call: ActionCall) => ActionOutcome> = {
    TagResources: tagResources,
    UntagResources: untagResources,
    ListTagResources: listTagResources,
    StopApplication: (call) => single(call, { typeCode: 'CoStop', ...STOP }),
    StartApplication: (call) => single(call, { typeCode: 'CoStart', ...START }),
    RescaleApplication: rescale,
    DescribeApplicationStatus: describeStatus,
    ListApplications: listApplications,
    DescribeChangeOrder: describeChangeOrder,
    ListChangeOrders: listChangeOrders,
    BatchStopApplications: (call) => batch(call, { typeCode: 'CoBatchStopApplication', ...STOP }),
    BatchStartApplications: (call) => batch(call, { typeCode: 'CoBatchStartApplication', ...START }),
  };

  return {
    actions: new Set(SAE_ROUTES.map((r) => r.action)),
    resourceIds(_action, params) {
      // Reads leniently: a malformed parameter still names what it can, and the log never fails.
      const raw = (name: string): string | undefined => {
        const value: unknown = Object.hasOwn(params, name) ? params[name] : undefined;
        return typeof value === 'string' && value !== '' ? value : undefined;
      };
      let tagged: string[] = [];
      try {
        const list: unknown = JSON.parse(raw('ResourceIds') ?? '[]');
        if (Array.isArray(list)) tagged = list.filter((x): x is string => typeof x === 'string' && x !== '');
      } catch {
        // Malformed ids name no resource; handle() answers the 400.
      }
      const ids = [raw('AppId'), ...splitIds(raw('AppIds') ?? ''), raw('ChangeOrderId'), ...tagged];
      return ids.filter((id): id is string => id !== undefined);
    },
    handle(call) {
      const handler = Object.hasOwn(handlers, call.action) ? handlers[call.action] : undefined;
      if (!handler) throw new ApiError(404, 'InvalidApi.NotFound', 'Specified api is not found, please check your url and method.');
      return handler(call);
    },
    snapshot(now) {
      return {
        apps: [...byId.values()].map((app) => ({
          appId: app.seed.appId,
          appName: app.seed.appName,
          namespaceId: app.seed.namespaceId,
          regionId: app.seed.regionId,
          status: statusAt(app, now),
          runningInstances: instancesAt(app, now),
          tags: { ...app.seed.tags },
        })),
      };
    },
  };
}

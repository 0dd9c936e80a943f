import { directGate, type SaeApi, type SaeApp, type SaeAppFilter, type SaeAppStatus, type SaeChangeOrder } from './api.js';
import { chunks } from './chunks.js';
import { CloudError } from './errors.js';
import { callerFor, type Body, type CloudOptions, type Query } from './openapi.js';
import { ResponseReader } from './response.js';

/**
 * SaeApi over SAE's ROA API (2019-05-06; docs/reference/alibaba-cloud-facts.md §1). There is no SAE SDK package,
 * so each action is a method and path for callApi, with every parameter in the query.
 */

const ROUTES = {
  ListApplications: ['GET', '/pop/v1/sam/app/listApplications'],
  DescribeApplicationStatus: ['GET', '/pop/v1/sam/app/describeApplicationStatus'],
  StopApplication: ['PUT', '/pop/v1/sam/app/stopApplication'],
  StartApplication: ['PUT', '/pop/v1/sam/app/startApplication'],
  BatchStopApplications: ['PUT', '/pop/v1/sam/app/batchStopApplications'],
  BatchStartApplications: ['PUT', '/pop/v1/sam/app/batchStartApplications'],
  DescribeChangeOrder: ['GET', '/pop/v1/sam/changeorder/DescribeChangeOrder'],
  RescaleApplication: ['PUT', '/pop/v1/sam/app/rescaleApplication'],
  // Tags (标签管理): TagResources POST /tags, UntagResources DELETE /tags; RegionId, ResourceType
  // "application", ResourceIds and Tags/TagKeys as JSON text (AlibabaCloudDocs/sae: API参考/标签管理/).
  TagResources: ['POST', '/tags'],
  UntagResources: ['DELETE', '/tags'],
} as const satisfies Record<string, readonly ['GET' | 'PUT' | 'POST' | 'DELETE', string]>;

type Action = keyof typeof ROUTES;

const PAGE_SIZE = 100;
/** Resources per tag call: 50, as ListTagResources pages and the other products' TagResources take. */
const TAG_IDS = 50;
/**
 * DescribeChangeOrder's Status and SubStatus (the SDK's model, aliyun/alibabacloud-typescript-sdk
 * sae-20190506/src/models/DescribeChangeOrderResponseBodyData.ts; docs/reference/alibaba-cloud-facts.md §1.5):
 * after 2 succeeded, 3 failed, 6 terminated and 10 system failure nothing more happens. SubStatus 1
 * is "an exception occurred": the order cannot complete and stays at Status 1 until someone rolls it back.
 */
const FINISHED = new Set([2, 3, 6, 10]);
const EXECUTING = 1;
const SUB_STATUS_ERROR = 1;
/** DescribeApplicationStatus' SubStatus for the same case (…/DescribeApplicationStatusResponseBodyData.ts). */
const RUNNING_BUT_HAS_ERROR = 'RUNNING_BUT_HAS_ERROR';

/** SaeApi for one account; every call goes through `options.gate`. */
export function createSaeApi(options: CloudOptions): SaeApi {
  const callApi = callerFor(options);
  const gate = options.gate ?? directGate;

  /** One gated call; the body is read inside the gate so a malformed answer fails as that call. */
  const run = <T>(region: string, action: Action, query: Query, read: (data: Body, r: ResponseReader) => T): Promise<T> =>
    gate(
      'sae',
      action,
      async () => {
        const [method, pathname] = ROUTES[action];
        const body = await callApi({ product: 'sae', region, action, method, pathname, query });
        const r = new ResponseReader('sae', action);
        // The tag APIs answer `Data: true` rather than an object.
        if (action === 'TagResources' || action === 'UntagResources') return read({}, r);
        return read(r.object(body.Data, 'Data'), r);
      },
      region,
    );

  const changeOrderId = (data: Body, r: ResponseReader) => r.string(data, 'ChangeOrderId', 'Data');

  const batch = (
    region: string,
    action: 'BatchStopApplications' | 'BatchStartApplications',
    namespaceId: string,
    appIds: readonly string[],
  ) => {
    const ids = [...new Set(appIds)];
    if (ids.length === 0)
      return Promise.reject(
        new CloudError({
          product: 'sae',
          action,
          code: 'InvalidParameter',
          kind: 'invalid',
          message: `${action} needs at least one application id`,
        }),
      );
    return run(region, action, { NamespaceId: namespaceId, AppIds: ids.join(',') }, changeOrderId);
  };

  return {
    async listApplications(region, filter, unreadable) {
      // An empty id list selects nothing; sending it would select everything.
      if (filter.appIds?.length === 0) return [];
      const query = listQuery(filter);
      // Ids go in groups of 100, each listed on its own: the request line never grows with the fleet.
      const groups: Array<string | undefined> = filter.appIds
        ? chunks([...new Set(filter.appIds)]).map((ids) => ids.join(','))
        : [undefined];
      const apps = new Map<string, SaeApp>();
      for (const group of groups) {
        let read = 0;
        for (let page = 1; ; page += 1) {
          const pageQuery = {
            ...query,
            ...(group !== undefined ? { FieldType: 'appIds', FieldValue: group } : {}),
            CurrentPage: String(page),
          };
          const answer = await run(region, 'ListApplications', pageQuery, readPage);
          // One base URL may serve every region (OFFPEAK_ENDPOINT), so the region is checked here too.
          for (const app of answer.rows) if (app.regionId === region) apps.set(app.appId, app);
          for (const row of answer.unreadable) unreadable?.push({ product: 'sae', region, ...row });
          read += answer.seen;
          // Counting rows rather than pages stays right if the server caps the page size below ours.
          if (answer.seen === 0 || read >= answer.total) break;
        }
      }
      return [...apps.values()];
    },

    describeStatus(region, appId) {
      return run(region, 'DescribeApplicationStatus', { AppId: appId }, (data, r): SaeAppStatus => {
        const current = r.string(data, 'CurrentStatus', 'Data');
        const lastChangeOrderId = r.optionalString(data, 'LastChangeOrderId', 'Data');
        // Absent means no order on record, which is not a running one.
        const changeOrderRunning = data.LastChangeOrderRunning === undefined ? false : r.boolean(data, 'LastChangeOrderRunning', 'Data');
        return {
          appId: r.optionalString(data, 'AppId', 'Data') ?? appId,
          status: current === 'RUNNING' || current === 'STOPPED' ? current : 'UNKNOWN',
          runningInstances: r.number(data, 'RunningInstances', 'Data'),
          ...(lastChangeOrderId !== undefined ? { lastChangeOrderId } : {}),
          changeOrderRunning,
          stuck: changeOrderRunning && r.optionalString(data, 'SubStatus', 'Data') === RUNNING_BUT_HAS_ERROR,
        };
      });
    },

    stop: (region, appId) => run(region, 'StopApplication', { AppId: appId }, changeOrderId),
    start: (region, appId) => run(region, 'StartApplication', { AppId: appId }, changeOrderId),
    batchStop: (region, namespaceId, appIds) => batch(region, 'BatchStopApplications', namespaceId, appIds),
    batchStart: (region, namespaceId, appIds) => batch(region, 'BatchStartApplications', namespaceId, appIds),

    rescale: (region, appId, replicas) => run(region, 'RescaleApplication', { AppId: appId, Replicas: String(replicas) }, changeOrderId),

    async tag(region, appIds, tags) {
      const pairs = Object.entries(tags).map(([key, value]) => ({ key, value }));
      for (const ids of chunks([...new Set(appIds)], TAG_IDS))
        await run(
          region,
          'TagResources',
          { RegionId: region, ResourceType: 'application', ResourceIds: JSON.stringify(ids), Tags: JSON.stringify(pairs) },
          () => undefined,
        );
    },

    async untag(region, appIds, keys) {
      for (const ids of chunks([...new Set(appIds)], TAG_IDS))
        await run(
          region,
          'UntagResources',
          { RegionId: region, ResourceType: 'application', ResourceIds: JSON.stringify(ids), TagKeys: JSON.stringify(keys) },
          () => undefined,
        );
    },

    describeChangeOrder(region, id) {
      return run(region, 'DescribeChangeOrder', { ChangeOrderId: id }, (data, r): SaeChangeOrder => {
        const status = r.number(data, 'Status', 'Data');
        const subStatus = r.optionalNumber(data, 'SubStatus', 'Data');
        // SAE sends '' for no message; only a real one is worth a report's words.
        const errorMessage = r.optionalString(data, 'ErrorMessage', 'Data') || undefined;
        const typeCode = r.optionalString(data, 'CoTypeCode', 'Data');
        const createdAt = orderCreatedAt(data);
        return {
          changeOrderId: r.optionalString(data, 'ChangeOrderId', 'Data') ?? id,
          status,
          finished: FINISHED.has(status),
          succeeded: status === 2,
          stuck: status === EXECUTING && subStatus === SUB_STATUS_ERROR,
          ...(errorMessage !== undefined ? { errorMessage } : {}),
          ...(typeCode !== undefined ? { typeCode } : {}),
          ...(createdAt !== undefined ? { createdAt } : {}),
        };
      });
    },
  };
}

/**
 * When a change order began: its first pipeline's StartTime (epoch ms) when present, else its
 * CreateTime, which SAE writes as wall time in China Standard Time ('2020-12-17 21:06:45').
 */
function orderCreatedAt(data: Record<string, unknown>): number | undefined {
  const pipelines = data.Pipelines;
  const first: unknown = Array.isArray(pipelines) ? pipelines[0] : undefined;
  const start = first !== null && typeof first === 'object' ? (first as Record<string, unknown>).StartTime : undefined;
  if (typeof start === 'number' && Number.isFinite(start)) return start;
  const text = data.CreateTime;
  if (typeof text !== 'string' || !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(text)) return undefined;
  const ms = Date.parse(`${text.replace(' ', 'T')}+08:00`);
  return Number.isNaN(ms) ? undefined : ms;
}

/** ListApplications' filters; the name filter is AppName (ids go through FieldType=appIds, in groups). */
function listQuery(filter: SaeAppFilter): Record<string, string> {
  const query: Record<string, string> = { PageSize: String(PAGE_SIZE) };
  if (filter.namespaceId) query.NamespaceId = filter.namespaceId;
  if (filter.appName) query.AppName = filter.appName;
  const tags = Object.entries(filter.tags ?? {});
  if (tags.length > 0) query.Tags = JSON.stringify(tags.map(([key, value]) => ({ key, value })));
  return query;
}

function readPage(
  data: Body,
  r: ResponseReader,
): { total: number; seen: number; rows: SaeApp[]; unreadable: Array<{ id: string; problem: string }> } {
  const { rows, unreadable } = r.rows(data.Applications, 'Data.Applications', 'AppId', (a, where): SaeApp => {
    const cpu = r.optionalNumber(a, 'Cpu', where);
    const memory = r.optionalNumber(a, 'Mem', where);
    return {
      appId: r.string(a, 'AppId', where),
      appName: r.string(a, 'AppName', where),
      namespaceId: r.string(a, 'NamespaceId', where),
      regionId: r.string(a, 'RegionId', where),
      tags: r.tags(a, 'Tags', where),
      instances: r.number(a, 'Instances', where),
      runningInstances: r.number(a, 'RunningInstances', where),
      ...(cpu !== undefined ? { cpu } : {}),
      ...(memory !== undefined ? { memory } : {}),
    };
  });
  return { total: r.number(data, 'TotalSize', 'Data'), seen: rows.length + unreadable.length, rows, unreadable };
}

import { directGate, type SwasApi, type SwasInstance, type SwasInstanceFilter } from './api.js';
import { chunks, MAX_IDS_PER_CALL } from './chunks.js';
import { CloudError } from './errors.js';
import { callerFor, type Body, type CloudOptions, type Query } from './openapi.js';
import { ResponseReader } from './response.js';

/**
 * SwasApi over SWAS's RPC API (2020-06-01; docs/reference/alibaba-cloud-facts.md §2): POST / with every
 * parameter in the query, lists of ids as JSON text of at most 100.
 */

const MAX_IDS = MAX_IDS_PER_CALL;
const PAGE_SIZE = 100;
const MAX_TAGS = 20;

type Action = 'ListInstances' | 'StopInstances' | 'StartInstances' | 'TagResources' | 'UntagResources';

/** SwasApi for one account; every call goes through `options.gate`. */
export function createSwasApi(options: CloudOptions): SwasApi {
  const callApi = callerFor(options);
  const gate = options.gate ?? directGate;

  /** One gated call; the body is read inside the gate so a malformed answer fails as that call. */
  const run = <T>(region: string, action: Action, query: Query, read: (body: Body, r: ResponseReader) => T): Promise<T> =>
    gate(
      'swas',
      action,
      async () => read(await callApi({ product: 'swas', region, action, query }), new ResponseReader('swas', action)),
      region,
    );

  async function change(
    action: 'StopInstances' | 'StartInstances',
    region: string,
    instanceIds: readonly string[],
    clientToken: string,
  ): Promise<void> {
    const ids = [...new Set(instanceIds)];
    // Refused here rather than by the service: a call that cannot succeed should not use up the rate limit.
    if (ids.length === 0 || ids.length > MAX_IDS)
      throw new CloudError({
        product: 'swas',
        action,
        code: 'InvalidParameter',
        kind: 'invalid',
        message: `${action} takes 1 to ${MAX_IDS} instance ids, got ${ids.length}`,
      });
    if (!/^[\x20-\x7e]{1,64}$/.test(clientToken))
      throw new CloudError({
        product: 'swas',
        action,
        code: 'InvalidParameter',
        kind: 'invalid',
        message: `${action} needs a ClientToken of 1 to 64 printable ASCII characters`,
      });
    await run(region, action, { RegionId: region, InstanceIds: JSON.stringify(ids), ClientToken: clientToken }, () => undefined);
  }

  return {
    async listInstances(region, filter, unreadable) {
      // An empty id list selects nothing; sending it would select everything.
      if (filter.instanceIds?.length === 0) return [];
      const query = listQuery(region, filter);
      const ids = filter.instanceIds ? [...new Set(filter.instanceIds)] : undefined;
      // The API takes at most 100 ids per call: one paged listing per group of 100.
      const groups: Array<string | undefined> = ids ? chunks(ids, MAX_IDS).map((group) => JSON.stringify(group)) : [undefined];
      const found = new Map<string, SwasInstance>();
      for (const group of groups) {
        let read = 0;
        for (let page = 1; ; page += 1) {
          const pageQuery = { ...query, ...(group !== undefined ? { InstanceIds: group } : {}), PageNumber: String(page) };
          const answer = await run(region, 'ListInstances', pageQuery, (body, r) => readPage(body, r, region));
          for (const instance of answer.rows) found.set(instance.instanceId, instance);
          for (const row of answer.unreadable) unreadable?.push({ product: 'swas', region, ...row });
          read += answer.seen;
          // Counting rows rather than pages stays right if the server caps the page size below ours.
          if (answer.seen === 0 || read >= answer.total) break;
        }
      }
      return [...found.values()];
    },

    // Tags (2020-06-01 TagResources/UntagResources): ResourceType "instance", ResourceId.N, Tag.N.Key/Value or
    // TagKey.N, as @alicloud/swas-open20200601 flattens them; at most 50 resources and 20 tags a call.
    async tag(region, instanceIds, tags) {
      const query: Record<string, string> = { RegionId: region, ResourceType: 'instance' };
      Object.entries(tags).forEach(([key, value], i) => {
        query[`Tag.${i + 1}.Key`] = key;
        query[`Tag.${i + 1}.Value`] = value;
      });
      for (const ids of chunks([...new Set(instanceIds)], 50))
        await run(region, 'TagResources', { ...query, ...numbered('ResourceId', ids) }, () => undefined);
    },

    async untag(region, instanceIds, keys) {
      for (const ids of chunks([...new Set(instanceIds)], 50))
        await run(
          region,
          'UntagResources',
          { RegionId: region, ResourceType: 'instance', ...numbered('ResourceId', ids), ...numbered('TagKey', keys) },
          () => undefined,
        );
    },

    stopInstances: (region, instanceIds, clientToken) => change('StopInstances', region, instanceIds, clientToken),
    startInstances: (region, instanceIds, clientToken) => change('StartInstances', region, instanceIds, clientToken),
  };
}

/** A list as RPC's repeated parameters: `Name.1`, `Name.2`, … */
function numbered(name: string, values: readonly string[]): Record<string, string> {
  return Object.fromEntries(values.map((value, i) => [`${name}.${i + 1}`, value]));
}

function listQuery(region: string, filter: SwasInstanceFilter): Record<string, string> {
  const query: Record<string, string> = { RegionId: region, PageSize: String(PAGE_SIZE) };
  if (filter.instanceName) query.InstanceName = filter.instanceName;
  const tags = Object.entries(filter.tags ?? {});
  if (tags.length > MAX_TAGS)
    throw new CloudError({
      product: 'swas',
      action: 'ListInstances',
      code: 'InvalidParameter',
      kind: 'invalid',
      message: `ListInstances takes at most ${MAX_TAGS} tags, got ${tags.length}`,
    });
  for (const [i, [key, value]] of tags.entries()) {
    query[`Tag.${i + 1}.Key`] = key;
    query[`Tag.${i + 1}.Value`] = value;
  }
  return query;
}

function readPage(
  body: Body,
  r: ResponseReader,
  region: string,
): { total: number; seen: number; rows: SwasInstance[]; unreadable: Array<{ id: string; problem: string }> } {
  const { rows, unreadable } = r.rows(body.Instances, 'Instances', 'InstanceId', (s, where): SwasInstance => {
    const chargeType = r.optionalString(s, 'ChargeType', where);
    const planId = r.optionalString(s, 'PlanId', where);
    return {
      instanceId: r.string(s, 'InstanceId', where),
      instanceName: r.string(s, 'InstanceName', where),
      // The call names one region (RegionId), so an instance without its own is in that one.
      regionId: r.optionalString(s, 'RegionId', where) ?? region,
      status: r.string(s, 'Status', where),
      tags: r.tags(s, 'Tags', where),
      ...(chargeType !== undefined ? { chargeType } : {}),
      ...(planId !== undefined ? { planId } : {}),
    };
  });
  return { total: r.number(body, 'TotalCount', 'body'), seen: rows.length + unreadable.length, rows, unreadable };
}

import {
  ApiError,
  invalid,
  missing,
  paramText,
  without,
  type ActionCall,
  type ActionOutcome,
  type ModelTiming,
  type ProductModel,
} from './api.js';
import type { SeedInstance } from './seed.js';
import { applyTags, MAX_TAG_RESOURCES, MAX_TAGS_PER_RESOURCE, numbered, numberedTags, removeTags } from './tags.js';

/**
 * The SWAS (Simple Application Server, 2020-06-01) model: lists, stops and starts instances.
 *
 * Pure by design: time comes only from `call.now` and `snapshot(now)`, so a transition is stored
 * as its end status and the instant it arrives, and resolved whenever it is read. Nothing here
 * runs on a timer, which keeps runs repeatable and lets tests jump through time.
 */

/** `GET /_sandbox/state` for SWAS; owners stay hidden so one tenant's view leaks nothing else. */
export interface SwasState {
  instances: Array<{ instanceId: string; instanceName: string; regionId: string; status: string; tags: Record<string, string> }>;
}

type Params = Readonly<Record<string, string>>;

const STATUSES = new Set(['Pending', 'Starting', 'Running', 'Stopping', 'Stopped', 'Resetting', 'Upgrading', 'Disabled']);
const ACTIONS = new Set([
  'ListInstances',
  'ListInstanceStatus',
  'StopInstance',
  'StartInstance',
  'StopInstances',
  'StartInstances',
  'TagResources',
  'UntagResources',
  'ListTagResources',
]);
const MAX_IDS = 100;
const MAX_PAGE_SIZE = 100;
const MAX_TAGS = 20;
const IDS_SHAPE = 'must be a JSON array of instance ids, e.g. ["id1","id2"]';

interface Instance {
  readonly seed: SeedInstance;
  /** The status now, or while a transition runs, its transitional status (Stopping/Starting). */
  status: string;
  /** Where a running transition ends and when; read through statusAt, never by a timer. */
  settle?: { readonly status: string; readonly at: number };
}

/** The first answer to a ClientToken (a success; a refusal too with tokenCachesFailures), and what it was an answer to. */
interface Remembered {
  readonly action: string;
  readonly fingerprint: string;
  readonly answer: { readonly body: Record<string, unknown> } | { readonly error: ApiError };
}

/** Choices where the documentation leaves the real service's behaviour open. */
export interface SwasOptions {
  /**
   * Whether a ClientToken whose first call was refused (IncorrectInstanceStatus, an unknown id)
   * keeps that refusal: then a retry with the same token and parameters gets the same refusal,
   * and with other parameters IdempotentParameterMismatch. Default false: only successes are
   * remembered (see `idempotent`).
   */
  readonly tokenCachesFailures?: boolean;
}

const statusAt = (i: Instance, now: number): string => (i.settle && now >= i.settle.at ? i.settle.status : i.status);
const byId = (a: Instance, b: Instance): number => compare(a.seed.instanceId, b.seed.instanceId);
// Code-unit order rather than localeCompare, so the order never depends on the host's locale.
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const notFound = (id: string): ApiError => new ApiError(404, 'InvalidInstanceId.NotFound', `The specified instance ${id} does not exist.`);
const STATUS_MESSAGE = 'The current status of the resource does not support this operation.';

const text = paramText;

/** A JSON array of ids, at most 100 of them; duplicates collapse so a batch never trips on itself. */
function parseIds(raw: string, name: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw invalid(name, IDS_SHAPE);
  }
  if (!Array.isArray(value)) throw invalid(name, IDS_SHAPE);
  const list: unknown[] = value;
  if (!list.every((v): v is string => typeof v === 'string' && v !== '')) throw invalid(name, IDS_SHAPE);
  if (list.length > MAX_IDS) throw invalid(name, `at most ${MAX_IDS} ids are allowed, got ${list.length}`);
  return [...new Set(list)];
}

function integer(params: Params, name: string, fallback: number, max: number): number {
  const raw = text(params, name);
  if (raw === undefined) return fallback;
  const n = /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= max)) throw invalid(name, `must be an integer from 1 to ${max}`);
  return n;
}

/** `Tag.N.Key` / `Tag.N.Value` pairs; a key without a value matches any value of that key. */
function tagFilters(params: Params): Array<{ key: string; value: string | undefined }> {
  const byIndex = new Map<number, { key?: string; value?: string }>();
  for (const name of Object.keys(params)) {
    if (!name.startsWith('Tag.')) continue;
    const m = /^Tag\.([1-9]\d?)\.(Key|Value)$/.exec(name);
    if (!m || Number(m[1]) > MAX_TAGS) throw invalid(name, `tags are Tag.N.Key and Tag.N.Value with N from 1 to ${MAX_TAGS}`);
    const raw = text(params, name);
    if (raw === undefined) continue;
    const entry = byIndex.get(Number(m[1])) ?? {};
    if (m[2] === 'Key') entry.key = raw;
    else entry.value = raw;
    byIndex.set(Number(m[1]), entry);
  }
  return [...byIndex].map(([n, t]) => {
    if (t.key === undefined) throw invalid(`Tag.${n}.Key`, 'a tag value needs its key');
    return { key: t.key, value: t.value };
  });
}

/** `*` matches any run of characters. Hand-rolled rather than a RegExp so fuzzed patterns stay linear. */
function globMatch(pattern: string, s: string): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return s === pattern;
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (s.length < first.length + last.length || !s.startsWith(first) || !s.endsWith(last)) return false;
  let pos = first.length;
  const end = s.length - last.length;
  for (const mid of parts.slice(1, -1)) {
    const at = s.indexOf(mid, pos);
    if (at < 0 || at + mid.length > end) return false;
    pos = at + mid.length;
  }
  return true;
}

/** FNV-1a: made-up addresses and group ids that stay the same from run to run. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

function toWire(i: Instance, now: number): Record<string, unknown> {
  const s = i.seed;
  const h = hash(s.instanceId);
  return without(s.omit, {
    InstanceId: s.instanceId,
    InstanceName: s.instanceName,
    Status: statusAt(i, now),
    BusinessStatus: 'Normal',
    ChargeType: 'PrePaid',
    RegionId: s.regionId,
    PlanId: s.planId,
    CreationTime: '2025-01-01T00:00:00Z',
    ExpiredTime: '2099-12-31T16:00:00Z',
    PublicIpAddress: `47.${(h >>> 16) & 255}.${(h >>> 8) & 255}.${h & 255}`,
    InnerIpAddress: `172.16.${(h >>> 8) & 255}.${h & 255}`,
    ResourceGroupId: `rg-acfm${hash(s.accountId).toString(36)}`,
    Tags: Object.entries(s.tags).map(([Key, Value]) => ({ Key, Value })),
  });
}

export function createSwasModel(
  seed: ReadonlyArray<SeedInstance>,
  timing: ModelTiming,
  options: SwasOptions = {},
): ProductModel<SwasState> {
  const instances: Instance[] = seed.map((s) => ({ seed: { ...s, tags: { ...s.tags } }, status: s.status })).sort(byId);
  const cachesFailures = options.tokenCachesFailures ?? false;
  /** account -> ClientToken -> first answer. Tokens are per account, as on the real service. */
  const tokens = new Map<string, Map<string, Remembered>>();

  const visible = (call: ActionCall, regionId: string): Instance[] =>
    instances.filter((i) => i.seed.accountId === call.accountId && i.seed.regionId === regionId);

  /** The page of the caller's instances that match; ListInstanceStatus only filters by id. */
  function page(call: ActionCall, regionId: string, allFilters: boolean) {
    const p = call.params;
    const rawIds = text(p, 'InstanceIds');
    const ids = rawIds === undefined ? [] : parseIds(rawIds, 'InstanceIds');
    // `[]` filters nothing, like an absent list: SDKs send an empty list for "no ids given".
    const idSet = ids.length > 0 ? new Set(ids) : undefined;
    const name = allFilters ? text(p, 'InstanceName') : undefined;
    const status = allFilters ? text(p, 'Status') : undefined;
    if (status !== undefined && !STATUSES.has(status)) throw invalid('Status', `must be one of ${[...STATUSES].join(', ')}`);
    const tags = allFilters ? tagFilters(p) : [];
    const pageNumber = integer(p, 'PageNumber', 1, Number.MAX_SAFE_INTEGER);
    const pageSize = integer(p, 'PageSize', 10, MAX_PAGE_SIZE);
    const matches = visible(call, regionId).filter(
      (i) =>
        (!idSet || idSet.has(i.seed.instanceId)) &&
        (name === undefined || globMatch(name, i.seed.instanceName)) &&
        (status === undefined || statusAt(i, call.now) === status) &&
        tags.every((t) => Object.hasOwn(i.seed.tags, t.key) && (t.value === undefined || i.seed.tags[t.key] === t.value)),
    );
    const rows = matches.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
    return { head: { TotalCount: matches.length, PageNumber: pageNumber, PageSize: pageSize }, rows };
  }

  /**
   * Stops or starts every named instance, or none: all ids are checked for existence, then all
   * for status, before anything changes. `batch` only adds the id to the status message.
   */
  function transition(call: ActionCall, regionId: string, ids: string[], stop: boolean, batch: boolean): ActionOutcome {
    const [from, via, to] = stop ? ['Running', 'Stopping', 'Stopped'] : ['Stopped', 'Starting', 'Running'];
    const mine = new Map(visible(call, regionId).map((i) => [i.seed.instanceId, i]));
    const targets = ids.map((id) => mine.get(id) ?? fail(notFound(id)));
    const wrong = targets.find((i) => statusAt(i, call.now) !== from);
    if (wrong) {
      const detail = batch ? ` InstanceId: ${wrong.seed.instanceId} (${statusAt(wrong, call.now)}).` : '';
      throw new ApiError(403, 'IncorrectInstanceStatus', STATUS_MESSAGE + detail);
    }
    for (const i of targets) {
      i.status = via;
      i.settle = { status: to, at: call.now + timing.transitionMs };
    }
    return { body: {}, executed: true };
  }

  /**
   * Runs a mutating call under its ClientToken, as Alibaba Cloud documents tokens ("How to ensure
   * idempotence", https://www.alibabacloud.com/help/en/doc-detail/25693.html, which the SWAS API
   * pages link to for ClientToken; the VPC version, https://help.aliyun.com/document_detail/36569.html,
   * words it the same): the same token with the same parameters gets the first answer and changes
   * nothing; with other parameters, IdempotentParameterMismatch. What a refused first call leaves
   * is not documented: the pages only say that a retry after a 4xx "will not succeed" unless its
   * cause is fixed, which reads as being about the request. By default only successes are
   * remembered (the page speaks of the record a token stands for, which a refusal never made), so
   * a retry after a 4xx can still succeed; `tokenCachesFailures` replays the refusal instead.
   * Bodies never hold RequestId: the server adds a fresh one to every answer, replays included
   * (the real service's RequestId on a replay is undocumented).
   */
  function idempotent(call: ActionCall, run: () => ActionOutcome): ActionOutcome {
    const token = text(call.params, 'ClientToken');
    if (token === undefined) return run();
    if (token.length > 64 || !/^[\x20-\x7e]+$/.test(token)) throw invalid('ClientToken', 'must be at most 64 printable ASCII characters');
    // Sorted, so the same parameters in another order are the same request.
    const entries = Object.entries(call.params).filter(([k]) => k !== 'ClientToken');
    const fingerprint = JSON.stringify(entries.map(([k, v]) => [k, String(v)]).sort(([a], [b]) => compare(a!, b!)));
    const mine = tokens.get(call.accountId) ?? new Map<string, Remembered>();
    const first = mine.get(token);
    if (first) {
      if (first.action !== call.action || first.fingerprint !== fingerprint) {
        throw new ApiError(400, 'IdempotentParameterMismatch', 'The specified parameters are different from before.');
      }
      if ('error' in first.answer) throw new ApiError(first.answer.error.httpStatus, first.answer.error.code, first.answer.error.message);
      return { body: structuredClone(first.answer.body), executed: false };
    }
    tokens.set(call.accountId, mine);
    let outcome: ActionOutcome;
    try {
      outcome = run();
    } catch (error) {
      if (cachesFailures && error instanceof ApiError) mine.set(token, { action: call.action, fingerprint, answer: { error } });
      throw error;
    }
    mine.set(token, { action: call.action, fingerprint, answer: { body: structuredClone(outcome.body) } });
    return outcome;
  }

  /** The caller's instances a tag call names (ResourceType instance, ResourceId.N). */
  function tagged(call: ActionCall, regionId: string, required: boolean): Instance[] | undefined {
    const type = text(call.params, 'ResourceType');
    if (type === undefined) throw missing('ResourceType');
    if (type !== 'instance') throw invalid('ResourceType', 'the sandbox tags instances only');
    const ids = numbered(call.params, 'ResourceId', MAX_TAG_RESOURCES);
    if (ids.length === 0) {
      if (required) throw missing('ResourceId');
      return undefined;
    }
    const mine = new Map(visible(call, regionId).map((i) => [i.seed.instanceId, i]));
    return ids.map((id) => mine.get(id) ?? fail(notFound(id)));
  }

  function tagCall(call: ActionCall, regionId: string): ActionOutcome {
    const p = call.params;
    if (call.action === 'TagResources') {
      const targets = tagged(call, regionId, true)!;
      const add = numberedTags(p);
      if (add.length === 0) throw missing('Tag.1.Key');
      for (const i of targets) applyTags({ ...i.seed.tags }, add);
      for (const i of targets) applyTags(i.seed.tags, add);
      return { body: {}, executed: true };
    }
    if (call.action === 'UntagResources') {
      const targets = tagged(call, regionId, true)!;
      const keys = numbered(p, 'TagKey', MAX_TAGS_PER_RESOURCE);
      const all = text(p, 'All') === 'true';
      if (keys.length === 0 && !all) throw missing('TagKey.1');
      for (const i of targets) removeTags(i.seed.tags, keys, keys.length === 0 && all);
      return { body: {}, executed: true };
    }
    const named = tagged(call, regionId, false) ?? visible(call, regionId);
    const filter = numberedTags(p);
    const TagResource = named
      .filter((i) => filter.every((t) => i.seed.tags[t.key] === t.value))
      .flatMap((i) =>
        Object.entries(i.seed.tags).map(([TagKey, TagValue]) => ({
          ResourceId: i.seed.instanceId,
          ResourceType: 'instance',
          TagKey,
          TagValue,
        })),
      );
    return { body: { NextToken: '', TagResources: { TagResource } }, executed: false };
  }

  function batchIds(params: Params): string[] {
    const raw = text(params, 'InstanceIds');
    if (raw === undefined) throw missing('InstanceIds');
    const ids = parseIds(raw, 'InstanceIds');
    if (ids.length === 0) throw invalid('InstanceIds', 'name at least one instance');
    return ids;
  }

  return {
    actions: ACTIONS,

    resourceIds(_action, params) {
      const out: string[] = [];
      const id: unknown = Object.hasOwn(params, 'InstanceId') ? params['InstanceId'] : undefined;
      if (typeof id === 'string' && id !== '') out.push(id);
      for (let n = 1; n <= MAX_TAG_RESOURCES; n++) {
        const tagged: unknown = Object.hasOwn(params, `ResourceId.${n}`) ? params[`ResourceId.${n}`] : undefined;
        if (typeof tagged !== 'string') break;
        out.push(tagged);
      }
      const raw: unknown = Object.hasOwn(params, 'InstanceIds') ? params['InstanceIds'] : undefined;
      if (typeof raw === 'string') {
        try {
          const list: unknown = JSON.parse(raw);
          if (Array.isArray(list)) for (const x of list as unknown[]) if (typeof x === 'string' && x !== '') out.push(x);
        } catch {
          // Malformed ids name no resource; handle() answers the 400.
        }
      }
      return [...new Set(out)];
    },

    handle(call) {
      if (!ACTIONS.has(call.action)) throw new ApiError(404, 'InvalidApi.NotFound', `The specified api ${call.action} is not found.`);
      const p = call.params;
      // The RegionId parameter decides, not the endpoint host: SDK calls always send both, and agree.
      const regionId = text(p, 'RegionId');
      if (regionId === undefined) throw missing('RegionId');
      switch (call.action) {
        case 'ListInstances': {
          const { head, rows } = page(call, regionId, true);
          return { body: { ...head, Instances: rows.map((i) => toWire(i, call.now)) }, executed: false };
        }
        case 'ListInstanceStatus': {
          const { head, rows } = page(call, regionId, false);
          const statuses = rows.map((i) => ({ InstanceId: i.seed.instanceId, Status: statusAt(i, call.now) }));
          return { body: { ...head, InstanceStatuses: statuses }, executed: false };
        }
        case 'TagResources':
        case 'UntagResources':
        case 'ListTagResources':
          return tagCall(call, regionId);
        case 'StopInstance':
        case 'StartInstance': {
          const id = text(p, 'InstanceId');
          if (id === undefined) throw missing('InstanceId');
          return idempotent(call, () => transition(call, regionId, [id], call.action === 'StopInstance', false));
        }
        default: {
          const stop = call.action === 'StopInstances';
          const force = stop ? text(p, 'ForceStop') : undefined;
          if (force !== undefined && force !== 'true' && force !== 'false') throw invalid('ForceStop', "must be 'true' or 'false'");
          const ids = batchIds(p);
          return idempotent(call, () => transition(call, regionId, ids, stop, true));
        }
      }
    },

    snapshot(now) {
      return {
        instances: instances.map((i) => ({
          instanceId: i.seed.instanceId,
          instanceName: i.seed.instanceName,
          regionId: i.seed.regionId,
          status: statusAt(i, now),
          tags: { ...i.seed.tags },
        })),
      };
    },
  };
}

function fail(error: ApiError): never {
  throw error;
}

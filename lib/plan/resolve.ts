import type { CloudApis, SaeApp, SaeAppFilter, SwasInstance, SwasInstanceFilter, Unreadable } from '../cloud/api.js';
import { groupBy } from '../group-by.js';
import { CloudError } from '../cloud/errors.js';
import { failureOf } from '../errors.js';
import type { Resource, ResourceState } from './decide.js';
import type { RuleIntent } from './intents.js';
import { saeTargetMatches, swasTargetMatches } from './targets.js';

/**
 * Target resolution, the one I/O step before deciding: turns the selectors of the rules that have
 * something to do into concrete resources, with as few list calls as the rate limits deserve
 * (one listing per region and filter, shared by every rule).
 */

export interface Missing {
  readonly rule: string;
  readonly product: 'sae' | 'swas';
  readonly region: string;
  readonly id: string;
}

/** A product and region whose listing failed: its targets are unresolved this run. */
export interface ListingFailure {
  readonly product: 'sae' | 'swas';
  readonly region: string;
  readonly error: CloudError;
}

export interface Resolution {
  readonly selected: Map<string, Resource[]>;
  readonly missing: Missing[];
  readonly failures: ListingFailure[];
  /** Listing rows that could not be read: those resources are left alone this run. */
  readonly unreadable: Unreadable[];
}

/** Resolves the targets of the rules that have intents. Never throws for a cloud error. */
export async function resolveTargets(intents: readonly Pick<RuleIntent, 'rule'>[], apis: CloudApis): Promise<Resolution> {
  const rules = intents.map((i) => i.rule);
  const failures: ListingFailure[] = [];
  const unreadable: Unreadable[] = [];
  const sae = new Map<string, SaeApp[]>();
  const swas = new Map<string, SwasInstance[]>();

  const saeRegions = groupByRegion(rules.flatMap((r) => r.targets.sae));
  const swasRegions = groupByRegion(rules.flatMap((r) => r.targets.swas));
  await Promise.all([
    ...[...saeRegions].map(async ([region, targets]) => {
      const filters: SaeAppFilter[] = targets.some((t) => t.appId === undefined && t.namespaceId === undefined)
        ? [{}]
        : [
            ...[...new Set(targets.flatMap((t) => (t.appId === undefined && t.namespaceId !== undefined ? [t.namespaceId] : [])))].map(
              (namespaceId) => ({ namespaceId }),
            ),
            ...(targets.some((t) => t.appId !== undefined)
              ? [{ appIds: [...new Set(targets.flatMap((t) => (t.appId ? [t.appId] : [])))] }]
              : []),
          ];
      try {
        const lists = await Promise.all(filters.map((f) => apis.sae.listApplications(region, f, unreadable)));
        sae.set(
          region,
          unique(lists.flat(), (a) => a.appId),
        );
      } catch (error) {
        failures.push({ product: 'sae', region, error: asCloudError(error, 'sae', 'ListApplications') });
      }
    }),
    ...[...swasRegions].map(async ([region, targets]) => {
      const filter: SwasInstanceFilter = targets.some((t) => t.instanceIds === undefined)
        ? {}
        : { instanceIds: [...new Set(targets.flatMap((t) => t.instanceIds ?? []))] };
      try {
        swas.set(region, await apis.swas.listInstances(region, filter, unreadable));
      } catch (error) {
        failures.push({ product: 'swas', region, error: asCloudError(error, 'swas', 'ListInstances') });
      }
    }),
  ]);

  const selected = new Map<string, Resource[]>();
  const missing: Missing[] = [];
  for (const rule of rules) {
    const found: Resource[] = [];
    for (const target of rule.targets.sae) {
      const apps = sae.get(target.region);
      if (!apps) continue;
      const hits = apps.filter((a) => saeTargetMatches(target, a));
      if (target.appId !== undefined && hits.length === 0)
        missing.push({ rule: rule.name, product: 'sae', region: target.region, id: target.appId });
      found.push(...hits.map(saeResource));
    }
    for (const target of rule.targets.swas) {
      const instances = swas.get(target.region);
      if (!instances) continue;
      const hits = instances.filter((i) => swasTargetMatches(target, i));
      const hit = new Set(hits.map((h) => h.instanceId));
      for (const id of target.instanceIds ?? []) {
        if (!hit.has(id)) missing.push({ rule: rule.name, product: 'swas', region: target.region, id });
      }
      found.push(...hits.map(swasResource));
    }
    selected.set(
      rule.name,
      unique(found, (r) => `${r.product}:${r.id}`),
    );
  }
  // An explicit id whose row was unreadable is reported once, as unreadable, not also as missing.
  const unread = new Set(unreadable.map((u) => `${u.product}:${u.region}:${u.id}`));
  return {
    selected,
    missing: missing.filter((m) => !unread.has(`${m.product}:${m.region}:${m.id}`)),
    failures,
    unreadable: unique(unreadable, (u) => `${u.product}:${u.region}:${u.id}`),
  };
}

const groupByRegion = <T extends { readonly region: string }>(targets: readonly T[]): Map<string, T[]> => groupBy(targets, (t) => t.region);

function unique<T>(items: readonly T[], keyOf: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(keyOf(item))) seen.set(keyOf(item), item);
  return [...seen.values()];
}

/** A listing failure as a CloudError; one that is not the cloud's keeps offpeak's code, never a cloud-like one. */
function asCloudError(error: unknown, product: 'sae' | 'swas', action: string): CloudError {
  if (error instanceof CloudError) return error;
  return new CloudError({ product, action, kind: 'transient', ...failureOf(error), cause: error });
}

/** The SAE list has no status: running instances tell running from stopped; describe confirms later. */
function saeResource(app: SaeApp): Resource {
  const state: ResourceState = app.runningInstances > 0 ? 'running' : 'stopped';
  const size =
    app.cpu !== undefined && app.memory !== undefined ? { size: { instances: app.instances, cpu: app.cpu, memory: app.memory } } : {};
  return {
    product: 'sae',
    id: app.appId,
    name: app.appName,
    region: app.regionId,
    tags: app.tags,
    state,
    status: `${app.runningInstances}/${app.instances} instances running`,
    namespaceId: app.namespaceId,
    instances: app.instances,
    ...size,
  };
}

const SWAS_STATES: Record<string, ResourceState> = { Running: 'running', Stopped: 'stopped', Stopping: 'stopping', Starting: 'starting' };

function swasResource(instance: SwasInstance): Resource {
  return {
    product: 'swas',
    id: instance.instanceId,
    name: instance.instanceName,
    region: instance.regionId,
    tags: instance.tags,
    state: SWAS_STATES[instance.status] ?? 'unavailable',
    status: instance.status,
  };
}

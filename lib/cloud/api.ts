/**
 * What offpeak needs of Alibaba Cloud, as two small interfaces. `sae.ts` and `swas.ts` implement
 * them over `@alicloud/openapi-client`; the executor and the planner only ever see these shapes.
 * Every method throws only CloudError (errors.ts).
 */

/** Runs one API call: pacing, retries and the deadline live behind it (lib/execute). */
export type Gate = <T>(product: 'sae' | 'swas', action: string, call: () => Promise<T>, region?: string) => Promise<T>;

/** The identity gate: each call runs once, as it comes. */
export const directGate: Gate = (_product, _action, call) => call();

/**
 * A listing row that could not be read (a field missing or of the wrong type): that resource is
 * left alone and reported, and the rest of the listing goes on.
 */
export interface Unreadable {
  readonly product: 'sae' | 'swas';
  readonly region: string;
  /** The row's id when it has one, else its place in the answer (`Data.Applications[3]`). */
  readonly id: string;
  readonly problem: string;
}

/** An SAE application as ListApplications shows it. */
export interface SaeApp {
  readonly appId: string;
  readonly appName: string;
  readonly namespaceId: string;
  readonly regionId: string;
  readonly tags: Readonly<Record<string, string>>;
  /** The configured instance count. */
  readonly instances: number;
  /** Instances running now: 0 for a stopped app (the list carries no status field). */
  readonly runningInstances: number;
  /** Millicores and MiB per instance, when the API says. */
  readonly cpu?: number;
  readonly memory?: number;
}

export interface SaeAppFilter {
  readonly namespaceId?: string;
  readonly appName?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly appIds?: readonly string[];
}

/** DescribeApplicationStatus. */
export interface SaeAppStatus {
  readonly appId: string;
  readonly status: 'RUNNING' | 'STOPPED' | 'UNKNOWN';
  readonly runningInstances: number;
  readonly lastChangeOrderId?: string;
  readonly changeOrderRunning: boolean;
  /** The running order hit an error and waits for a person to roll it back (SubStatus RUNNING_BUT_HAS_ERROR). */
  readonly stuck: boolean;
}

/** DescribeChangeOrder, reduced to what a caller decides on. */
export interface SaeChangeOrder {
  readonly changeOrderId: string;
  /** SAE's numeric status: 0 preparing, 1 executing, 2 succeeded, 3 failed, 6 terminated, 8-12 waiting. */
  readonly status: number;
  readonly finished: boolean;
  readonly succeeded: boolean;
  /** Still executing, but hit an error it cannot pass without a person (Status 1, SubStatus 1): it will not end by itself. */
  readonly stuck: boolean;
  readonly errorMessage?: string;
  /** CoStop, CoStart, CoBatchStopApplication, CoDeploy, … */
  readonly typeCode?: string;
  /** When the order was created (epoch ms), when the API says. */
  readonly createdAt?: number;
}

export interface SaeApi {
  /** Every page of ListApplications in the region (apps of other regions are dropped); rows it cannot read go to `unreadable`. */
  listApplications(region: string, filter: SaeAppFilter, unreadable?: Unreadable[]): Promise<SaeApp[]>;
  describeStatus(region: string, appId: string): Promise<SaeAppStatus>;
  /** StopApplication; returns the change order id. */
  stop(region: string, appId: string): Promise<string>;
  start(region: string, appId: string): Promise<string>;
  /** BatchStopApplications for apps of one namespace; returns the change order id. */
  batchStop(region: string, namespaceId: string, appIds: readonly string[]): Promise<string>;
  batchStart(region: string, namespaceId: string, appIds: readonly string[]): Promise<string>;
  describeChangeOrder(region: string, changeOrderId: string): Promise<SaeChangeOrder>;
  /**
   * RescaleApplication: a running app to `replicas` instances; returns the change order id.
   * `serves` says which edge it serves, so a run whose stops are held refuses a scale-in only.
   */
  rescale(region: string, appId: string, replicas: number, serves: 'stop' | 'start'): Promise<string>;
  /** TagResources: sets tags on apps (ResourceType application). */
  tag(region: string, appIds: readonly string[], tags: Readonly<Record<string, string>>): Promise<void>;
  /** UntagResources: removes tag keys from apps. */
  untag(region: string, appIds: readonly string[], keys: readonly string[]): Promise<void>;
}

/** A SWAS instance as ListInstances shows it. */
export interface SwasInstance {
  readonly instanceId: string;
  readonly instanceName: string;
  readonly regionId: string;
  /** Pending, Starting, Running, Stopping, Stopped, Resetting, Upgrading, Disabled. */
  readonly status: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly chargeType?: string;
  readonly planId?: string;
}

export interface SwasInstanceFilter {
  readonly instanceIds?: readonly string[];
  readonly instanceName?: string;
  readonly tags?: Readonly<Record<string, string>>;
}

export interface SwasApi {
  /** Every page of ListInstances (ids in groups of 100, as the API allows). */
  listInstances(region: string, filter: SwasInstanceFilter, unreadable?: Unreadable[]): Promise<SwasInstance[]>;
  /** StopInstances (1 to 100 ids) with an idempotency token. */
  stopInstances(region: string, instanceIds: readonly string[], clientToken: string): Promise<void>;
  startInstances(region: string, instanceIds: readonly string[], clientToken: string): Promise<void>;
  /** TagResources: sets tags on instances (ResourceType instance). */
  tag(region: string, instanceIds: readonly string[], tags: Readonly<Record<string, string>>): Promise<void>;
  /** UntagResources: removes tag keys from instances. */
  untag(region: string, instanceIds: readonly string[], keys: readonly string[]): Promise<void>;
}

/** One account's clients. */
export interface CloudApis {
  readonly sae: SaeApi;
  readonly swas: SwasApi;
}

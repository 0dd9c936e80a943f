import type { CloudApis } from '../../../lib/cloud/api.js';
import type { Settings } from '../../../lib/config.js';
import { connect } from '../../../lib/doors/connect.js';
import { systemClock } from '../../../lib/execute/clock.js';
import { Deadline } from '../../../lib/execute/deadline.js';
import type { ResourceResult } from '../../../lib/execute/result.js';
import type { RunRequest } from '../../../lib/request.js';
import { runTick, type RunDeps, type RunReport } from '../../../lib/run.js';
import { createNotifier } from '../../../lib/notify/send.js';
import { runWake, type WakeAsk } from '../../../lib/wake.js';
import type { ReceivedMessage, Robot } from '../../../lib/sandbox/hooks.js';
import type { CallRecord, SandboxState } from '../../../lib/sandbox/gateway.js';
import type { SaeStatus } from '../../../lib/sandbox/sae.js';
import { parseSeed } from '../../../lib/sandbox/seed.js';
import { startSandbox, type Sandbox } from '../../../lib/sandbox/server.js';
import { compileSchedules } from '../../../lib/schedule/compile.js';
import { formatDiagnostic } from '../../../lib/schedule/diagnostics.js';
import type { Action, Rule } from '../../../lib/schedule/rule.js';
import { parseSource } from '../../../lib/schedule/source.js';
import { DEMO_ACCOUNT, DEMO_KEY, openApiClient, saeCall, saeData, swas, type OpenApiClient } from './clients.js';

/**
 * The run stories' world: a sandbox started from a seed, rules compiled from YAML text, and
 * runTick called the way the function calls it (connect → gate → runTick) at a chosen instant T.
 *
 * Sandbox time is moved to T before each run (a timer run for T happens at T), so change orders
 * carry the times a real run would see. The chosen instants lie in the future for that reason.
 */

export const MINUTE = 60_000;
const TICK = 5 * MINUTE;

/** Epoch ms of an ISO instant; refuses text that is not one. */
export function instant(iso: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`not an ISO instant: ${iso}`);
  return ms;
}

/** Compiles schedule text into rules; fails loudly with the diagnostics when it has an error. */
export function rulesFrom(yaml: string): Rule[] {
  const set = compileSchedules([parseSource('schedules/story.yaml', yaml)], new Map(), {
    at: Date.parse('2036-01-01T00:00:00Z'),
    warnings: false,
  });
  const errors = set.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(`the story's schedule has errors:\n${errors.map(formatDiagnostic).join('\n')}`);
  return set.rules;
}

export interface SeedApp {
  readonly appId: string;
  readonly appName: string;
  readonly namespaceId?: string;
  readonly regionId?: string;
  readonly status?: SaeStatus;
  readonly instances?: number;
  readonly tags?: Record<string, string>;
  /** Fields the listing leaves out of its row (a malformed row). */
  readonly omit?: readonly string[];
}

export interface SeedInstance {
  readonly instanceId: string;
  readonly instanceName: string;
  readonly regionId?: string;
  readonly status?: string;
  readonly tags?: Record<string, string>;
  /** Fields the listing leaves out of its row (a malformed row). */
  readonly omit?: readonly string[];
}

/** A seed of the demo account with these apps and instances (cn-hangzhou unless told). */
export function seedOf(world: {
  apps?: readonly SeedApp[];
  instances?: readonly SeedInstance[];
  changeOrderSeconds?: number;
  transitionSeconds?: number;
  /** The sandbox's reading of a refused ClientToken (docs/sandbox.md). */
  tokenCachesFailures?: boolean;
}): string {
  const seed = {
    accounts: [{ id: DEMO_ACCOUNT, accessKeys: [{ id: DEMO_KEY.accessKeyId, secret: DEMO_KEY.accessKeySecret }] }],
    sae: {
      changeOrderSeconds: world.changeOrderSeconds ?? 3,
      apps: (world.apps ?? []).map((a) => ({
        regionId: 'cn-hangzhou',
        namespaceId: `${a.regionId ?? 'cn-hangzhou'}:dev`,
        status: 'RUNNING',
        instances: 2,
        tags: {},
        ...a,
      })),
    },
    swas: {
      transitionSeconds: world.transitionSeconds ?? 3,
      tokenCachesFailures: world.tokenCachesFailures ?? false,
      instances: (world.instances ?? []).map((i) => ({ regionId: 'cn-hangzhou', status: 'Running', tags: {}, ...i })),
    },
  };
  return JSON.stringify(seed);
}

export interface RunOptions {
  /** The run's instant T, ISO with an offset. */
  readonly at: string;
  readonly rules: readonly Rule[];
  readonly dryRun?: boolean;
  /** A manual request's narrowing: only these rules, only stops or only starts. */
  readonly only?: { readonly rules?: readonly string[]; readonly action?: Action };
  readonly maxStopsPerRun?: number;
  readonly force?: boolean;
  readonly saeBatch?: boolean;
  /** Milliseconds from now until the run's deadline (real time). Default 15 s. */
  readonly deadlineMs?: number;
  /** Settings.rateScale; default the sandbox's. */
  readonly rateScale?: number;
  /** Settings.pollMs; default 5 s over the rate scale, as readSettings makes it. */
  readonly pollMs?: number;
  /**
   * The run begins this many ms after its instant, by its own clock (a retry by FC, an event
   * delivered twice): a late run. Default: it begins at its instant.
   */
  readonly lateBy?: number;
  /** Move sandbox time to T first (default true). */
  readonly align?: boolean;
  /** Replaces the run's waits between polls (e.g. to move sandbox time instead of waiting). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Wraps the run's clients: a test steps in between the run and the cloud (a person acting mid-run). */
  readonly wrap?: (apis: CloudApis) => CloudApis;
  /** The environment the run's notifier reads channel URLs and secrets from; without it no message is sent. */
  readonly env?: Readonly<Record<string, string>>;
  /** A self-service wake instead of a tick (the CLI's `offpeak wake`, the event's `wake`). */
  readonly wake?: WakeAsk;
  /** The notifier's per-attempt timeout (ms); default its own. */
  readonly noticeTimeoutMs?: number;
  /** Hears the run's progress (RunDeps.onProgress): what it waits for. */
  readonly onProgress?: RunDeps['onProgress'];
}

export interface World {
  readonly url: string;
  readonly sandbox: Sandbox;
  readonly rateScale: number;
  /** Alibaba's openapi-client, signed with the demo key: what a person's console or script does. */
  readonly client: OpenApiClient;
  run(options: RunOptions): Promise<RunReport>;
  state(): Promise<SandboxState>;
  calls(): Promise<CallRecord[]>;
  clearCalls(): Promise<void>;
  faults(rules: unknown): Promise<void>;
  /** Registers the group robots the sandbox's /_hooks/ receive for (POST /_sandbox/hooks). */
  robots(list: readonly Robot[]): Promise<void>;
  /** What the robots received (GET /_sandbox/messages). */
  messages(): Promise<ReceivedMessage[]>;
  /** Moves sandbox time forward; returns the new sandbox time (epoch ms). */
  advance(seconds: number): Promise<number>;
  /** Sandbox time now (epoch ms). */
  now(): Promise<number>;
  /** Moves sandbox time forward to `iso` (never back). */
  clockTo(iso: string): Promise<void>;
  appStatus(appId: string): Promise<SaeStatus>;
  instanceStatus(instanceId: string): Promise<string>;
  /** A person starts or stops an app by hand; returns the change order id. */
  byHandSae(action: 'StartApplication' | 'StopApplication', appId: string): Promise<string>;
  /** A person starts or stops an instance by hand. */
  byHandSwas(action: 'StartInstance' | 'StopInstance', instanceId: string, region?: string): Promise<void>;
  close(): Promise<void>;
}

/** Starts a sandbox with this seed (JSON or YAML text). */
export async function startWorld(seed: string, options: { rateScale?: number; rateLimits?: boolean } = {}): Promise<World> {
  const rateScale = options.rateScale ?? 100;
  const sandbox = await startSandbox({ seed: parseSeed(seed, 'story seed'), rateScale, rateLimits: options.rateLimits ?? true });
  const url = sandbox.url;
  const client = openApiClient(url);

  const adminCall = async <T>(path: string, method: 'GET' | 'POST' | 'DELETE' = 'GET', body?: unknown): Promise<T> => {
    const response = await fetch(`${url}/_sandbox/${path}`, body === undefined ? { method } : { method, body: JSON.stringify(body) });
    const value = (await response.json()) as T;
    if (!response.ok) throw new Error(`admin ${method} ${path}: ${response.status} ${JSON.stringify(value)}`);
    return value;
  };
  const advance = async (seconds: number): Promise<number> =>
    instant((await adminCall<{ now: string }>('advance', 'POST', { seconds })).now);
  const state = () => adminCall<SandboxState>('state');

  const world: World = {
    url,
    sandbox,
    rateScale,
    client,
    state,
    calls: () => adminCall<CallRecord[]>('calls'),
    clearCalls: async () => void (await adminCall('calls', 'DELETE')),
    faults: async (rules) => void (await adminCall('faults', 'POST', rules)),
    robots: async (list) => void (await adminCall('hooks', 'POST', list)),
    messages: () => adminCall<ReceivedMessage[]>('messages'),
    advance,
    now: () => advance(0),
    async clockTo(iso) {
      const target = instant(iso);
      const now = await advance(0);
      if (now < target) await advance((target - now) / 1000);
      else if (now - target > 24 * 3_600_000)
        throw new Error(`sandbox time ${new Date(now).toISOString()} is far past ${iso}: choose a later instant for this story`);
    },
    async appStatus(appId) {
      const app = (await state()).sae.apps.find((a) => a.appId === appId);
      if (!app) throw new Error(`no app ${appId}`);
      return app.status;
    },
    async instanceStatus(instanceId) {
      const found = (await state()).swas.instances.find((i) => i.instanceId === instanceId);
      if (!found) throw new Error(`no instance ${instanceId}`);
      return found.status;
    },
    async byHandSae(action, appId) {
      const id = saeData(await saeCall(client, action, { AppId: appId })).ChangeOrderId;
      if (typeof id !== 'string') throw new Error(`${action} gave no ChangeOrderId`);
      return id;
    },
    async byHandSwas(action, instanceId, region = 'cn-hangzhou') {
      await swas(client, action, { RegionId: region, InstanceId: instanceId });
    },
    async run(o) {
      if (o.align ?? true) await world.clockTo(o.at);
      const scale = o.rateScale ?? rateScale;
      const settings: Settings = {
        tick: TICK,
        endpoint: url,
        vpc: false,
        maxStopsPerRun: o.maxStopsPerRun ?? 200,
        saeBatch: o.saeBatch ?? false,
        schedules: 'schedules',
        rateScale: scale,
        pollMs: o.pollMs ?? 5000 / scale,
        fanOut: 'auto',
      };
      const deadline = new Deadline(systemClock.now() + (o.deadlineMs ?? 15_000), systemClock);
      try {
        const { apis: connected } = connect({
          credentials: { kind: 'static', accessKeyId: DEMO_KEY.accessKeyId, accessKeySecret: DEMO_KEY.accessKeySecret },
          settings,
          deadline,
          clock: systemClock,
        });
        // A timer's tick, or a person's narrowed request: the doors make nothing else.
        const request: RunRequest = {
          trigger: o.only || o.wake ? 'manual' : 'timer',
          at: instant(o.at),
          dryRun: o.dryRun ?? false,
          force: o.force ?? false,
          ...o.only,
          ...(o.wake ? { wake: o.wake } : {}),
        };
        const apis = o.wrap ? o.wrap(connected) : connected;
        // The run's own clock: real time, or (lateBy) its instant plus the delay and the time since.
        const began = systemClock.now();
        const now = o.lateBy === undefined ? () => systemClock.now() : () => instant(o.at) + o.lateBy! + (systemClock.now() - began);
        const clock = { ...systemClock, now, ...(o.sleep ? { sleep: o.sleep } : {}) };
        // Messages are signed with the real clock, never the run's instant.
        const notifier = o.env
          ? createNotifier({
              env: o.env,
              now: () => systemClock.now(),
              ...(o.noticeTimeoutMs !== undefined ? { timeoutMs: o.noticeTimeoutMs } : {}),
            })
          : undefined;
        const deps = {
          rules: o.rules,
          clock,
          deadline,
          ...(notifier ? { notifier } : {}),
          ...(o.onProgress ? { onProgress: o.onProgress } : {}),
        };
        // One account: a wake's every account is this one (the stories of many are in accounts-*.test.ts).
        return request.wake
          ? await runWake(request.wake, request, settings, { ...deps, connect: () => Promise.resolve(apis) })
          : await runTick(request, settings, { ...deps, apis });
      } finally {
        deadline.dispose();
      }
    },
    close: () => sandbox.close(),
  };
  return world;
}

/** The report's results as `name → outcome`, for exact comparisons. */
export function outcomes(report: RunReport): Record<string, string> {
  return Object.fromEntries(report.results.map((r) => [`${r.product}:${r.name}`, r.outcome]));
}

/** The one result for a resource name; fails when there is none or several. */
export function resultFor(report: RunReport, name: string): ResourceResult {
  const found = report.results.filter((r) => r.name === name);
  if (found.length !== 1) throw new Error(`expected one result for ${name}, got ${found.length}: ${JSON.stringify(report.results)}`);
  return found[0]!;
}

/** The ClientToken a SWAS resource's batch was first sent with (results name their batch). */
export function tokenOf(report: RunReport, name: string): string | undefined {
  const { batch } = resultFor(report, name);
  return report.batches.find((b) => b.id === batch)?.clientToken;
}

/** Calls of these actions (optionally naming a resource). */
export function callsOf(log: readonly CallRecord[], actions: string | readonly string[], resourceId?: string): CallRecord[] {
  const wanted = typeof actions === 'string' ? [actions] : actions;
  return log.filter((c) => wanted.includes(c.action) && (resourceId === undefined || c.resourceIds.includes(resourceId)));
}

/** Calls that changed state (a stop or start that created a change order or a transition). */
export const executed = (log: readonly CallRecord[]): CallRecord[] => log.filter((c) => c.executed);

/** Mutating actions of either product. */
export const MUTATING = [
  'StopApplication',
  'StartApplication',
  'BatchStopApplications',
  'BatchStartApplications',
  'StopInstance',
  'StartInstance',
  'StopInstances',
  'StartInstances',
] as const;

/** The dev world of the stories: three dev apps (one never to be touched), a prod app, a dev box and a prod box. */
export const DEV = {
  api: 'app-dev-api',
  web: 'app-dev-web',
  ci: 'app-dev-ci-runner',
  prod: 'app-prod-api',
  box: 'ace0706b2ac4454d984295a94213aaaa',
  prodBox: 'ace0706b2ac4454d984295a94213bbbb',
} as const;

export const DEV_APPS: readonly SeedApp[] = [
  { appId: DEV.api, appName: 'dev-api', namespaceId: 'cn-hangzhou:dev', tags: { env: 'dev' } },
  { appId: DEV.web, appName: 'dev-web', namespaceId: 'cn-hangzhou:dev', instances: 3, tags: { env: 'dev' } },
  { appId: DEV.ci, appName: 'dev-ci-runner', namespaceId: 'cn-hangzhou:dev', tags: { env: 'dev', offpeak: 'never' } },
  { appId: DEV.prod, appName: 'prod-api', namespaceId: 'cn-hangzhou:prod', instances: 4, tags: { env: 'prod' } },
];

export const DEV_INSTANCES: readonly SeedInstance[] = [
  { instanceId: DEV.box, instanceName: 'dev-box', tags: { env: 'dev' } },
  { instanceId: DEV.prodBox, instanceName: 'prod-box', tags: { env: 'prod' } },
];

export const DEV_SEED = seedOf({ apps: DEV_APPS, instances: DEV_INSTANCES });

/**
 * The dev-nights rule of the README: nights and weekends off, restored in the morning, the dev
 * namespace's env=dev apps and the dev box, never an app tagged offpeak=never.
 * `extra` adds rule lines (e.g. "catchUp: 15m").
 */
export function devNights(extra: readonly string[] = []): string {
  return `version: 1
timezone: Asia/Shanghai
rules:
  - name: dev-nights
    offPeak: ["daily 20:00-08:00", "Sat-Sun"]
    restore: true
${extra.map((line) => `    ${line}\n`).join('')}    targets:
      sae: [{ region: cn-hangzhou, namespaceId: "cn-hangzhou:dev", tags: { env: dev } }]
      swas: [{ region: cn-hangzhou, instanceIds: [${DEV.box}] }]
    exclude: { tags: { offpeak: never } }
`;
}

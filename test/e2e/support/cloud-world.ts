import type { Gate } from '../../../lib/cloud/api.js';
import type { CloudOptions } from '../../../lib/cloud/index.js';
import { parseSeed, type Seed } from '../../../lib/sandbox/seed.js';
import { startSandbox, type Sandbox } from '../../../lib/sandbox/server.js';
import { DEMO_KEY, type Key } from './clients.js';

/**
 * The worlds the cloud-layer tests run in, written inline so each count below is visible: enough
 * SAE apps and SWAS instances to need several pages, split over two regions.
 */

export const ACCOUNT = '1234567890123456';
export const SAE_COUNT = 230;
export const SWAS_HANGZHOU = 250;
export const SWAS_SHANGHAI = 20;

const pad = (i: number) => String(i).padStart(3, '0');

/** App i: even i in cn-hangzhou, odd in cn-shanghai; namespace dev unless i % 3 == 0 (prod); team a/b by i % 4 < 2. */
export const saeApp = (i: number) => {
  const regionId = i % 2 === 0 ? 'cn-hangzhou' : 'cn-shanghai';
  const env = i % 3 === 0 ? 'prod' : 'dev';
  return {
    appId: `app-${pad(i)}-0000-4000-8000-000000000000`,
    appName: `app-${pad(i)}`,
    regionId,
    namespaceId: `${regionId}:${env}`,
    instances: 1 + (i % 3),
    cpu: 500,
    memory: 1024,
    tags: { env, team: i % 4 < 2 ? 'a' : 'b' },
  };
};

/** Instance i of a region: web-NNN for even i, db-NNN for odd; tagged role=web/db. */
export const swasInstance = (regionId: string, i: number) => ({
  instanceId: `${regionId === 'cn-hangzhou' ? 'hz' : 'sh'}${pad(i)}00000000000000000000000000000`,
  instanceName: `${i % 2 === 0 ? 'web' : 'db'}-${pad(i)}`,
  regionId,
  tags: { role: i % 2 === 0 ? 'web' : 'db' },
});

/** The seed text, parsed as the sandbox parses any seed. */
export function worldSeed(): Seed {
  const seed = {
    accounts: [
      {
        id: ACCOUNT,
        accessKeys: [
          { id: DEMO_KEY.accessKeyId, secret: DEMO_KEY.accessKeySecret },
          { id: 'STS.sandbox', secret: 'sts-secret', securityToken: 'sts-token' },
        ],
      },
    ],
    sae: { changeOrderSeconds: 3, apps: Array.from({ length: SAE_COUNT }, (_, i) => saeApp(i)) },
    swas: {
      transitionSeconds: 3,
      instances: [
        ...Array.from({ length: SWAS_HANGZHOU }, (_, i) => swasInstance('cn-hangzhou', i)),
        ...Array.from({ length: SWAS_SHANGHAI }, (_, i) => swasInstance('cn-shanghai', i)),
      ],
    },
  };
  return parseSeed(JSON.stringify(seed), 'cloud-world');
}

/** The world's sandbox; rate limits only when a test is about them. */
export function startWorld(rateLimits = false): Promise<Sandbox> {
  return startSandbox({ seed: worldSeed(), rateLimits });
}

/** A gate that runs every call and remembers which product and action it was asked for. */
export function recordingGate(): { gate: Gate; calls: Array<{ product: string; action: string }> } {
  const calls: Array<{ product: string; action: string }> = [];
  const gate: Gate = (product, action, call) => {
    calls.push({ product, action });
    return call();
  };
  return { gate, calls };
}

/** CloudOptions pointed at the sandbox with static keys. */
export function sandboxOptions(sandbox: Sandbox, extra: Partial<CloudOptions> = {}, key: Key = DEMO_KEY): CloudOptions {
  return {
    credentials: {
      kind: 'static',
      accessKeyId: key.accessKeyId,
      accessKeySecret: key.accessKeySecret,
      ...(key.securityToken ? { securityToken: key.securityToken } : {}),
    },
    endpointOverride: sandbox.url,
    ...extra,
  };
}

/** What a promise rejected with (the test fails if it resolved). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, and the call succeeded');
}

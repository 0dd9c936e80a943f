import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInvocation } from '../../../lib/doors/invocation.js';
import type { CredentialSource } from '../../../lib/cloud/credentials.js';
import { parseSeed } from '../../../lib/sandbox/seed.js';
import { startSandbox, type Sandbox } from '../../../lib/sandbox/server.js';

/**
 * A world of four accounts for the multi-account stories: the home account, where the function
 * runs with its role `offpeak-fc`, and three members, each with a role `offpeak-member`:
 * - dev (2222…) trusts the function's role by its ARN;
 * - staging (3333…) trusts the home account as a whole, with an external id;
 * - broken (4444…) trusts some other account only, so assuming it is refused.
 * Each account has two SAE apps tagged env=dev in cn-hangzhou and one SWAS instance; the schedule
 * stops them all every night from 20:00 in Shanghai.
 */

export const HOME = '1111111111111111';
export const MEMBERS = { dev: '2222222222222222', staging: '3333333333333333', broken: '4444444444444444' } as const;
export const FUNCTION_ROLE = `acs:ram::${HOME}:role/offpeak-fc`;
export const memberRole = (name: keyof typeof MEMBERS) => `acs:ram::${MEMBERS[name]}:role/offpeak-member`;

/** The key a person of the home account invokes the function with. */
export const HOME_KEY: CredentialSource = { kind: 'static', accessKeyId: 'home-ak', accessKeySecret: 'home-secret' };
/** The function role's session keys, as FC hands them to the function. */
export const FUNCTION_KEY: CredentialSource = {
  kind: 'static',
  accessKeyId: 'STS.home-fc',
  accessKeySecret: 'fc-secret',
  securityToken: 'fc-token',
};

/** A stop edge of the schedule below: 20:00 in Shanghai. */
export const AT_STOP = '2031-11-24T20:00:00+08:00';

const apps = (account: string, prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({
    appId: `${prefix}-app-${i}`,
    appName: `${prefix}-app-${i}`,
    regionId: 'cn-hangzhou',
    namespaceId: 'cn-hangzhou:dev',
    tags: { env: 'dev' },
    account,
  }));
const box = (account: string, prefix: string) => ({
  instanceId: `${prefix}-box`,
  instanceName: `${prefix}-box`,
  regionId: 'cn-hangzhou',
  tags: { env: 'dev' },
  account,
});

export function fleetSeed(options: { asyncRetries?: number; appsPerAccount?: number } = {}): string {
  const n = options.appsPerAccount ?? 2;
  const member = (id: string, trusts: string[], extra: Record<string, unknown> = {}) => ({
    id,
    accessKeys: [{ id: `ak-${id}`, secret: `secret-${id}` }],
    roles: [{ name: 'offpeak-member', trusts, ...extra }],
  });
  return JSON.stringify({
    accounts: [
      {
        id: HOME,
        accessKeys: [
          { id: 'home-ak', secret: 'home-secret' },
          { id: 'STS.home-fc', secret: 'fc-secret', securityToken: 'fc-token', role: 'offpeak-fc' },
        ],
      },
      member(MEMBERS.dev, [FUNCTION_ROLE]),
      member(MEMBERS.staging, [HOME], { externalId: 'ext-staging' }),
      member(MEMBERS.broken, ['9999999999999999']),
    ],
    sae: {
      changeOrderSeconds: 3,
      apps: [
        ...apps(HOME, 'home', n),
        ...apps(MEMBERS.dev, 'dev', n),
        ...apps(MEMBERS.staging, 'staging', n),
        ...apps(MEMBERS.broken, 'broken', n),
      ],
    },
    swas: {
      transitionSeconds: 3,
      instances: [box(HOME, 'home'), box(MEMBERS.dev, 'dev'), box(MEMBERS.staging, 'staging'), box(MEMBERS.broken, 'broken')],
    },
    fc: { functions: [{ name: 'offpeak', account: HOME }], asyncRetries: options.asyncRetries ?? 1 },
  });
}

/** The schedule: every named account's env=dev apps and box stop at 20:00 (the function's own without `account`). */
export function fleetSchedule(accounts: ReadonlyArray<keyof typeof MEMBERS>): string {
  const declared = accounts
    .map((a) => `  ${a}: { roleArn: "${memberRole(a)}"${a === 'staging' ? ', externalId: ext-staging' : ''} }`)
    .join('\n');
  const sae = [
    '{ region: cn-hangzhou, tags: { env: dev } }',
    ...accounts.map((a) => `{ region: cn-hangzhou, tags: { env: dev }, account: ${a} }`),
  ];
  const swas = [
    '{ region: cn-hangzhou, instanceIds: [home-box] }',
    ...accounts.map((a) => `{ region: cn-hangzhou, instanceIds: [${a}-box], account: ${a} }`),
  ];
  return `version: 1
timezone: Asia/Shanghai
accounts:
${declared}
rules:
  - name: nights
    offPeak: ["daily 20:00-08:00"]
    targets:
      sae: [${sae.join(', ')}]
      swas: [${swas.join(', ')}]
`;
}

/** A sandbox hosting the function, whose schedules are `schedule`; `env` is the function's environment. */
export async function startFleet(options: {
  schedule: string;
  env?: Record<string, string>;
  rateScale?: number;
  asyncRetries?: number;
  appsPerAccount?: number;
}): Promise<{ sandbox: Sandbox; schedules: string }> {
  const schedules = await mkdtemp(join(tmpdir(), 'offpeak-fleet-'));
  await writeFile(join(schedules, 'fleet.yaml'), options.schedule);
  const sandbox = await startSandbox({
    seed: parseSeed(fleetSeed(options), 'fleet seed'),
    rateScale: options.rateScale ?? 50,
    functionEnv: { OFFPEAK_SCHEDULES: schedules, ...options.env },
    hosted: runInvocation,
  });
  return { sandbox, schedules };
}

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { invokeFc3 } from '../lib/cloud/fc3.js';
import { admin, startSandbox } from './execute.js';
import type { BenchSection } from './section.js';

/**
 * Many accounts: 8 accounts, each with 250 SAE apps and 100 SWAS instances due in one tick, under
 * each account's own rate limits (SAE 60 calls a minute, SWAS 10 a minute per action), with the
 * sandbox's time running RATE_SCALE times faster. The function runs in the sandbox (FC 3.0), and
 * every account is a member whose role it assumes. Three ways of doing the same work:
 * - one account alone: that account's run (a shard event naming it);
 * - fanned out: a timer event; the run sends each account to an async invocation of its own;
 * - one after another: the eight accounts' runs in turn, as one run walking the accounts would.
 * Wall time is from the first invocation until every run has finished and every app is stopped.
 */

const ACCOUNTS = 8;
const APPS = 250;
const INSTANCES = 100;
const RATE_SCALE = 30;
const HOME = '1000000000000000';
const AT = '2031-11-24T20:00:00+08:00';

const accountId = (i: number) => `${2000000000000000 + i}`;
const name = (i: number) => `a${i}`;

function seed(): string {
  const fnRole = `acs:ram::${HOME}:role/offpeak-fc`;
  const accounts = [
    {
      id: HOME,
      accessKeys: [
        { id: 'home-ak', secret: 'home-secret' },
        { id: 'STS.home-fc', secret: 'fc-secret', securityToken: 'fc-token', role: 'offpeak-fc' },
      ],
    },
    ...Array.from({ length: ACCOUNTS }, (_, i) => ({
      id: accountId(i),
      accessKeys: [{ id: `ak-${i}`, secret: `secret-${i}` }],
      roles: [{ name: 'offpeak-member', trusts: [fnRole] }],
    })),
  ];
  const apps = [];
  const instances = [];
  for (let a = 0; a < ACCOUNTS; a++) {
    for (let i = 0; i < APPS; i++)
      apps.push({
        appId: `a${a}-app-${i}`,
        appName: `a${a}-app-${i}`,
        regionId: 'cn-hangzhou',
        namespaceId: 'cn-hangzhou:fleet',
        account: accountId(a),
      });
    for (let i = 0; i < INSTANCES; i++)
      instances.push({
        instanceId: `a${a}-box-${i}`,
        instanceName: `a${a}-box-${i}`,
        regionId: 'cn-hangzhou',
        tags: { env: 'fleet' },
        account: accountId(a),
      });
  }
  return JSON.stringify({
    accounts,
    sae: { changeOrderSeconds: 3, apps },
    swas: { transitionSeconds: 3, instances },
    fc: { functions: [{ name: 'offpeak', account: HOME }], asyncRetries: 0 },
  });
}

function schedule(): string {
  const accounts = Array.from({ length: ACCOUNTS }, (_, i) => `  ${name(i)}: { roleArn: "acs:ram::${accountId(i)}:role/offpeak-member" }`);
  const sae = Array.from({ length: ACCOUNTS }, (_, i) => `{ region: cn-hangzhou, namespaceId: "cn-hangzhou:fleet", account: ${name(i)} }`);
  const swas = Array.from({ length: ACCOUNTS }, (_, i) => `{ region: cn-hangzhou, tags: { env: fleet }, account: ${name(i)} }`);
  return `version: 1
timezone: Asia/Shanghai
accounts:
${accounts.join('\n')}
rules:
  - name: fleet-nights
    offPeak: ["daily 20:00-08:00"]
    targets:
      sae: [${sae.join(', ')}]
      swas: [${swas.join(', ')}]
`;
}

interface Invocation {
  readonly status: string;
  readonly mode: string;
}

async function settled(url: string): Promise<Invocation[]> {
  for (;;) {
    const list = await admin<Invocation[]>(url, 'invocations');
    if (list.every((i) => i.status !== 'running')) return list;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function stoppedApps(url: string): Promise<number> {
  const state = await admin<{ sae: { apps: Array<{ status: string }> } }>(url, 'state');
  return state.sae.apps.filter((a) => a.status === 'STOPPED').length;
}

export async function benchAccounts(): Promise<BenchSection> {
  const dir = await mkdtemp(join(tmpdir(), 'offpeak-accounts-'));
  const schedules = join(dir, 'schedules');
  await mkdir(schedules);
  await writeFile(join(schedules, 'fleet.yaml'), schedule());
  await writeFile(join(dir, 'seed.json'), seed());
  // The sandbox hosts the function, with these schedules and settings.
  const sandbox = await startSandbox(join(dir, 'seed.json'), RATE_SCALE, {
    OFFPEAK_SCHEDULES: schedules,
    OFFPEAK_MAX_STOPS_PER_RUN: '1000',
    OFFPEAK_FAN_OUT: 'auto',
  });
  const invoke = (event: unknown) =>
    invokeFc3({
      region: 'cn-hangzhou',
      accountId: HOME,
      functionName: 'offpeak',
      credentials: { kind: 'static', accessKeyId: 'home-ak', accessKeySecret: 'home-secret' },
      endpointOverride: sandbox.url,
      event: JSON.stringify(event),
    });
  const shard = (i: number) => ({ at: AT, accounts: [name(i)] });
  const rows: Array<Record<string, string | number>> = [];
  const measure = async (label: string, work: () => Promise<void>) => {
    await admin(sandbox.url, 'reset', '');
    const started = performance.now();
    await work();
    const runs = await settled(sandbox.url);
    const seconds = (performance.now() - started) / 1000;
    rows.push({
      way: label,
      'wall time': `${seconds.toFixed(1)} s`,
      'SAE apps stopped': await stoppedApps(sandbox.url),
      runs: runs.length,
      'failed runs': runs.filter((r) => r.status !== 'succeeded').length,
    });
    return seconds;
  };
  try {
    const alone = await measure('one account alone (its run)', async () => {
      await invoke(shard(0));
    });
    const fanned = await measure(`fanned out: a timer event, ${ACCOUNTS} async runs`, async () => {
      await invoke({ triggerTime: new Date(Date.parse(AT)).toISOString() });
    });
    const inTurn = await measure(`one after another: ${ACCOUNTS} runs in turn`, async () => {
      for (let i = 0; i < ACCOUNTS; i++) await invoke(shard(i));
    });
    for (const row of rows) {
      const seconds = Number.parseFloat(String(row['wall time']));
      row['vs one account'] = `${(seconds / alone).toFixed(2)}x`;
    }
    return {
      title: `Many accounts: ${ACCOUNTS} accounts x (${APPS} SAE apps + ${INSTANCES} SWAS instances) due in one tick, each under its own limits (time x${RATE_SCALE})`,
      rows,
      notes: [
        `Fanned out, the ${ACCOUNTS} accounts took ${(fanned / alone).toFixed(2)}x the time of one account alone; one after another, ${(inTurn / alone).toFixed(2)}x.`,
        `Each account's run is paced under that account's own limits, so runs in different accounts do not slow each other down; what one run walking the accounts in turn would take grows with their number.`,
        `The sandbox's time runs ${RATE_SCALE}x faster with its limits scaled alike: at the real limits one account's ${APPS} apps take about ${((alone * RATE_SCALE) / 60).toFixed(1)} minutes, ${ACCOUNTS} in turn about ${((inTurn * RATE_SCALE) / 60).toFixed(0)} minutes, far past a 5-minute tick.`,
        'The sandbox and the function it hosts share one process: the fanned-out runs also share its CPU.',
      ],
    };
  } finally {
    sandbox.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { invokeFc3, type InvokeResult } from '../../lib/cloud/fc3.js';
import type { RunReport } from '../../lib/run.js';
import type { CallRecord } from '../../lib/sandbox/gateway.js';
import type { InvocationRecord } from '../../lib/sandbox/fc.js';
import type { Sandbox } from '../../lib/sandbox/server.js';
import { AT_STOP, FUNCTION_ROLE, fleetSchedule, HOME, HOME_KEY, MEMBERS, memberRole, startFleet } from './support/fleet-world.js';

/**
 * Many accounts on Function Compute, end to end over real HTTP: a timer event reaches the hosted
 * function, which keeps its own account's work and sends each member account to a run of its own
 * (an async invocation of itself, with `accounts: [name]`); each of those assumes the member's role
 * through STS and acts with the role's keys. The sandbox checks every signature, the trust of
 * every role, and counts every call against the account that made it.
 */

const TRIGGER_TIME = new Date(Date.parse(AT_STOP)).toISOString();

let sandbox: Sandbox;
beforeAll(async () => {
  ({ sandbox } = await startFleet({ schedule: fleetSchedule(['dev', 'staging', 'broken']), asyncRetries: 1 }));
});
afterAll(async () => {
  await sandbox?.close();
});
beforeEach(async () => {
  await sandbox.fc.idle(20_000);
  sandbox.gateway.reset();
  await fetch(`${sandbox.url}/_sandbox/reset`, { method: 'POST' });
});

const invoke = (event: unknown, async = false): Promise<InvokeResult> =>
  invokeFc3({
    region: 'cn-hangzhou',
    accountId: HOME,
    functionName: 'offpeak',
    credentials: HOME_KEY,
    endpointOverride: sandbox.url,
    event: JSON.stringify(event),
    async,
  });

const admin = async <T>(path: string): Promise<T> => (await (await fetch(`${sandbox.url}/_sandbox/${path}`)).json()) as T;
const calls = () => admin<CallRecord[]>('calls');
const invocations = () => admin<InvocationRecord[]>('invocations');

/** The status of every app and instance of an account, by name. */
function statesOf(account: string): Record<string, string> {
  const state = sandbox.gateway.state();
  const prefix = Object.entries({ home: HOME, ...MEMBERS }).find(([, id]) => id === account)![0];
  return Object.fromEntries<string>([
    ...state.sae.apps.filter((a) => a.appName.startsWith(`${prefix}-`)).map((a): [string, string] => [a.appName, a.status]),
    ...state.swas.instances.filter((i) => i.instanceName.startsWith(`${prefix}-`)).map((i): [string, string] => [i.instanceName, i.status]),
  ]);
}

const STOPPED = (prefix: string) => ({
  [`${prefix}-app-0`]: 'STOPPED',
  [`${prefix}-app-1`]: 'STOPPED',
  [`${prefix}-box`]: expect.stringMatching(/^Stopp(ing|ed)$/) as unknown as string,
});
const RUNNING = (prefix: string) => ({ [`${prefix}-app-0`]: 'RUNNING', [`${prefix}-app-1`]: 'RUNNING', [`${prefix}-box`]: 'Running' });

describe('a timer event over three accounts and one that does not trust the function', () => {
  it('stops every due resource of the accounts it can reach, sending each member to an async run of its own', async () => {
    const result = await invoke({ triggerTime: TRIGGER_TIME });
    // The timer's run does the home account's work and reports the shards it sent.
    expect(result.errorType).toBeUndefined();
    const report = JSON.parse(result.body) as RunReport;
    expect(report.ok).toBe(true);
    expect(report.shards?.map((s) => [s.account, s.sent])).toEqual([
      ['dev', true],
      ['staging', true],
      ['broken', true],
    ]);
    expect(report.results.map((r) => [r.account ?? 'home', r.name, r.outcome])).toEqual([
      ['home', 'home-app-0', 'stopped'],
      ['home', 'home-app-1', 'stopped'],
      ['home', 'home-box', 'stopping'],
    ]);

    await sandbox.fc.idle(30_000);
    const listed = await invocations();
    // Sent side by side, the shards reach FC in any order: listed here in the report's.
    const order = report.shards!.map((s) => s.account);
    const accountOf = (i: InvocationRecord) => (JSON.parse(i.event) as { accounts: string[] }).accounts[0]!;
    const shards = listed.filter((i) => i.mode === 'async').sort((a, b) => order.indexOf(accountOf(a)) - order.indexOf(accountOf(b)));
    // Each shard is the manual event plus its account, queued under the request id the report names.
    expect(shards.map((i) => [JSON.parse(i.event) as unknown, i.requestId])).toEqual(
      report.shards!.map((s) => [{ at: TRIGGER_TIME, accounts: [s.account] }, s.sent ? s.requestId : undefined]),
    );
    expect(shards.map((i) => [accountOf(i), i.status, i.attempts])).toEqual([
      ['dev', 'succeeded', 1],
      ['staging', 'succeeded', 1],
      // FC ran the failed shard again (asyncRetries: 1), and it failed again, alone.
      ['broken', 'failed', 2],
    ]);
    const broken = shards[2]!;
    expect(broken.error).toBe(
      `2 FAILED — run FAILED: account 'broken': AssumeRole of ${memberRole('broken')} refused (NoPermission: You are not authorized to do this action. You should be authorized by RAM.); ` +
        `the role's trust policy must trust the function's role (offpeak policy --account broken prints it), ` +
        `and the function's role needs sts:AssumeRole on it (offpeak policy)`,
    );

    expect(statesOf(HOME)).toEqual(STOPPED('home'));
    expect(statesOf(MEMBERS.dev)).toEqual(STOPPED('dev'));
    expect(statesOf(MEMBERS.staging)).toEqual(STOPPED('staging'));
    expect(statesOf(MEMBERS.broken)).toEqual(RUNNING('broken'));
  });

  it("signs each account's calls with its assumed role, assumed once per run, and counts them against that account", async () => {
    await invoke({ triggerTime: TRIGGER_TIME });
    await sandbox.fc.idle(30_000);
    const log = await calls();
    const assumed = log.filter((c) => c.product === 'sts');
    // The shards run side by side: their AssumeRole calls come in any order.
    expect(assumed.map((c) => [c.resourceIds[0], c.code, c.accountId, c.role]).sort()).toEqual([
      [memberRole('dev'), null, HOME, FUNCTION_ROLE],
      [memberRole('staging'), null, HOME, FUNCTION_ROLE],
      [memberRole('broken'), 'NoPermission', HOME, FUNCTION_ROLE],
      [memberRole('broken'), 'NoPermission', HOME, FUNCTION_ROLE],
    ]);
    const work = log.filter((c) => c.product === 'sae' || c.product === 'swas');
    // Every resource is acted on by its own account, with that account's role keys.
    const signer = (id: string) => {
      const signed = work.filter((c) => c.resourceIds.includes(id)).map((c) => [c.accountId, c.role]);
      return [...new Set(signed.map((s) => JSON.stringify(s)))].map((s) => JSON.parse(s) as unknown);
    };
    expect(signer('home-app-0')).toEqual([[HOME, FUNCTION_ROLE]]);
    expect(signer('dev-app-0')).toEqual([[MEMBERS.dev, memberRole('dev')]]);
    expect(signer('staging-box')).toEqual([[MEMBERS.staging, memberRole('staging')]]);
    // Nothing was signed in the broken account, nothing throttled, every call made by a known account.
    expect(work.filter((c) => c.accountId === MEMBERS.broken)).toEqual([]);
    expect(work.filter((c) => c.code === 'Throttling.User')).toEqual([]);
    expect(log.filter((c) => c.accountId === null)).toEqual([]);
    expect(log.filter((c) => c.product === 'fc').map((c) => c.accountId)).toEqual([HOME, HOME, HOME, HOME]);
  });

  it('a shard delivered twice executes nothing more the second time', async () => {
    const shard = { at: TRIGGER_TIME, accounts: ['dev'] };
    const first = JSON.parse((await invoke(shard)).body) as RunReport;
    expect(first.results.map((r) => [r.account, r.name, r.outcome])).toEqual([
      ['dev', 'dev-app-0', 'stopped'],
      ['dev', 'dev-app-1', 'stopped'],
      ['dev', 'dev-box', 'stopping'],
    ]);
    const executed = (await calls()).filter((c) => c.executed && c.product !== 'fc' && c.product !== 'sts').length;
    expect(executed).toBe(3);
    // The same event again, as FC's at-least-once delivery may bring it.
    const again = await invoke(shard, true);
    expect(again.status).toBe(202);
    await sandbox.fc.idle(30_000);
    const listed = await invocations();
    expect(listed.map((i) => [i.mode, i.status])).toEqual([
      ['sync', 'succeeded'],
      ['async', 'succeeded'],
    ]);
    expect((await calls()).filter((c) => c.executed && c.product !== 'fc' && c.product !== 'sts').length).toBe(executed);
    expect(statesOf(MEMBERS.dev)).toEqual(STOPPED('dev'));
    expect(statesOf(HOME)).toEqual(RUNNING('home'));
  });

  it('a shard never fans out again, and names only declared accounts', async () => {
    const result = await invoke({ at: TRIGGER_TIME, accounts: ['staging'] });
    const report = JSON.parse(result.body) as RunReport;
    expect(report.shards).toBeUndefined();
    expect(report.results.map((r) => r.account)).toEqual(['staging', 'staging', 'staging']);
    const wrong = await invoke({ at: TRIGGER_TIME, accounts: ['stagin'] });
    expect(wrong.errorType).toBe('UnhandledInvocationError');
    expect((JSON.parse(wrong.body) as { errorMessage: string }).errorMessage).toBe(
      `event: field "accounts": no account named 'stagin'; the schedules declare 'dev', 'staging', 'broken'`,
    );
    expect((await invocations()).filter((i) => i.mode === 'async')).toEqual([]);
  });
});

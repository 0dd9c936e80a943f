import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invokeFc3 } from '../../lib/cloud/fc3.js';
import { readSettings } from '../../lib/config.js';
import { accountConnector } from '../../lib/doors/accounts.js';
import { loadRules } from '../../lib/doors/schedule-files.js';
import { systemClock } from '../../lib/execute/clock.js';
import { Deadline } from '../../lib/execute/deadline.js';
import { runFleet } from '../../lib/fleet.js';
import type { Sandbox } from '../../lib/sandbox/server.js';
import { AT_STOP, FUNCTION_KEY, fleetSchedule, HOME, HOME_KEY, startFleet } from './support/fleet-world.js';

/**
 * Many accounts in one run (OFFPEAK_FAN_OUT=off, and `offpeak run`, which never fans out): every
 * account's part runs side by side in one process, each with its own keys, gate and guard; a
 * member whose role is refused fails its own targets and nothing else.
 */

let sandbox: Sandbox;
let schedules: string;
beforeAll(async () => {
  ({ sandbox, schedules } = await startFleet({
    schedule: fleetSchedule(['dev', 'staging', 'broken']),
    env: { OFFPEAK_FAN_OUT: 'off' },
  }));
});
afterAll(async () => {
  await sandbox?.close();
});

const TRIGGER_TIME = new Date(Date.parse(AT_STOP)).toISOString();

describe('every account in one run', () => {
  it('with fan-out off, the timer run does all accounts itself; the untrusting one fails alone and fails the run', async () => {
    sandbox.gateway.reset();
    const result = await invokeFc3({
      region: 'cn-hangzhou',
      accountId: HOME,
      functionName: 'offpeak',
      credentials: HOME_KEY,
      endpointOverride: sandbox.url,
      event: JSON.stringify({ triggerTime: TRIGGER_TIME }),
    });
    expect(result.errorType).toBe('UnhandledInvocationError');
    expect((JSON.parse(result.body) as { errorMessage: string }).errorMessage).toMatch(
      /^6 stopped, 3 stopping, 2 FAILED — run FAILED: account 'broken': AssumeRole of acs:ram::4444444444444444:role\/offpeak-member refused \(NoPermission: /,
    );
    const apps = sandbox.gateway.state().sae.apps.map((a) => [a.appName, a.status]);
    expect(apps.filter(([, status]) => status === 'STOPPED').map(([name]) => name)).toEqual([
      'home-app-0',
      'home-app-1',
      'dev-app-0',
      'dev-app-1',
      'staging-app-0',
      'staging-app-1',
    ]);
    expect((await (await fetch(`${sandbox.url}/_sandbox/invocations`)).json()) as unknown[]).toHaveLength(1);
  });

  it('the report names each result’s account and counts the guard per account', async () => {
    sandbox.gateway.reset();
    const settings = { ...readSettings({ OFFPEAK_ENDPOINT: sandbox.url, OFFPEAK_RATE_SCALE: '50' }, { schedules }), maxStopsPerRun: 2 };
    const { rules, accounts } = await loadRules(schedules, Date.now());
    const deadline = new Deadline(Date.now() + 30_000, systemClock);
    try {
      const report = await runFleet(
        { trigger: 'manual', at: Date.parse(AT_STOP), dryRun: false, force: false, accounts: ['dev', 'staging'] },
        settings,
        {
          rules,
          accounts,
          connect: accountConnector({ credentials: FUNCTION_KEY, settings, deadline, clock: systemClock }),
          clock: systemClock,
          deadline,
        },
      );
      // Three stops in each account, two allowed per run: the guard holds each account on its own.
      expect(report.guard).toMatch(/^account dev: .+; account staging: .+$/);
      expect(report.results.map((r) => [r.account, r.outcome])).toEqual([
        ['dev', 'held'],
        ['dev', 'held'],
        ['dev', 'held'],
        ['staging', 'held'],
        ['staging', 'held'],
        ['staging', 'held'],
      ]);
      expect(sandbox.gateway.state().sae.apps.filter((a) => a.status === 'STOPPED')).toEqual([]);
    } finally {
      deadline.dispose();
    }
  });
});

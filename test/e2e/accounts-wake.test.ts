import { afterEach, describe, expect, it } from 'vitest';
import { invokeFc3 } from '../../lib/cloud/fc3.js';
import { readSettings } from '../../lib/config.js';
import { accountConnector } from '../../lib/doors/accounts.js';
import { loadRules } from '../../lib/doors/schedule-files.js';
import { systemClock } from '../../lib/execute/clock.js';
import { Deadline } from '../../lib/execute/deadline.js';
import { runFleet } from '../../lib/fleet.js';
import type { RunRequest } from '../../lib/request.js';
import type { RunReport } from '../../lib/run.js';
import type { Sandbox } from '../../lib/sandbox/server.js';
import { WakeError } from '../../lib/wake.js';
import { AT_STOP, FUNCTION_KEY, fleetSchedule, HOME, HOME_KEY, startFleet } from './support/fleet-world.js';

/**
 * A wake reaches every account a waking rule names: each account's targets are listed and woken
 * with that account's clients (a member's through its role), and tagged there, so the member's own
 * runs leave them up. An account whose role is refused is reported; it fails the wake only when it
 * may hold something asked for (a rule with targets there, a name found nowhere else).
 */

const HOUR = 3_600_000;
/** An hour after the 20:00 stop edge, when everything is down. */
const AT_WAKE = Date.parse(AT_STOP) + HOUR;
const UNTIL = new Date(AT_WAKE + 2 * HOUR).toISOString();

/** The fleet schedule with `wake: 4h` on its one rule ("nights"), and `enforce`, so every run says what it leaves up. */
const waking = (accounts: Parameters<typeof fleetSchedule>[0]) =>
  fleetSchedule(accounts).replace(
    '    offPeak: ["daily 20:00-08:00"]\n',
    '    offPeak: ["daily 20:00-08:00"]\n    wake: 4h\n    enforce: true\n',
  );

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

/** Starts the fleet, stops everything at the edge in one run, and returns a runner of requests as `offpeak` does them. */
async function stoppedFleet(accounts: Parameters<typeof fleetSchedule>[0]) {
  const started = await startFleet({ schedule: waking(accounts), env: { OFFPEAK_FAN_OUT: 'off' } });
  sandbox = started.sandbox;
  const settings = readSettings({ OFFPEAK_ENDPOINT: sandbox.url, OFFPEAK_RATE_SCALE: '50' }, { schedules: started.schedules });
  const { rules, accounts: declared } = await loadRules(started.schedules, Date.now());
  const run = async (request: RunRequest): Promise<RunReport> => {
    const deadline = new Deadline(Date.now() + 30_000, systemClock);
    try {
      const connect = accountConnector({ credentials: FUNCTION_KEY, settings, deadline, clock: systemClock });
      return await runFleet(request, { ...settings, fanOut: 'off' }, { rules, accounts: declared, connect, clock: systemClock, deadline });
    } finally {
      deadline.dispose();
    }
  };
  await run({ trigger: 'timer', at: Date.parse(AT_STOP), dryRun: false, force: false });
  return run;
}

const wake = (targets: string[], extra: Partial<RunRequest> = {}): RunRequest => ({
  trigger: 'manual',
  at: AT_WAKE,
  dryRun: false,
  force: false,
  wake: { targets, for: 2 * HOUR },
  ...extra,
});

const app = (name: string) => sandbox!.gateway.state().sae.apps.find((a) => a.appName === name)!;
const snapshot = (name: string) => ({ status: app(name).status, snooze: app(name).tags['offpeak-snooze-until'] });

describe('a wake across accounts', () => {
  it('wakes an app of a member account with that account’s keys, and tags it there', async () => {
    const run = await stoppedFleet(['dev']);
    expect(snapshot('dev-app-0')).toEqual({ status: 'STOPPED', snooze: undefined });

    const report = await run(wake(['dev-app-0']));

    expect(report.ok).toBe(true);
    expect(report.results.map((r) => [r.account, r.name, r.outcome])).toEqual([['dev', 'dev-app-0', 'started']]);
    expect(snapshot('dev-app-0')).toEqual({ status: 'RUNNING', snooze: UNTIL });
    // The home account's apps are left as they were.
    expect(snapshot('home-app-0')).toEqual({ status: 'STOPPED', snooze: undefined });
    // The member's next run leaves it running: its snooze is read in its own account.
    const next = await run({ trigger: 'timer', at: AT_WAKE + 5 * 60_000, dryRun: false, force: false });
    expect(next.results.filter((r) => r.name === 'dev-app-0').map((r) => [r.account, r.outcome])).toEqual([['dev', 'snoozed']]);
    expect(snapshot('dev-app-0').status).toBe('RUNNING');
  });

  it('a rule’s name wakes its targets in every account, the home account’s first', async () => {
    const run = await stoppedFleet(['dev', 'staging']);

    const report = await run(wake(['nights']));

    expect(report.ok).toBe(true);
    expect(report.results.map((r) => [r.account ?? 'home', r.product, r.name, r.outcome])).toEqual([
      ['home', 'sae', 'home-app-0', 'started'],
      ['home', 'sae', 'home-app-1', 'started'],
      ['home', 'swas', 'home-box', 'starting'],
      ['dev', 'sae', 'dev-app-0', 'started'],
      ['dev', 'sae', 'dev-app-1', 'started'],
      ['dev', 'swas', 'dev-box', 'starting'],
      ['staging', 'sae', 'staging-app-0', 'started'],
      ['staging', 'sae', 'staging-app-1', 'started'],
      ['staging', 'swas', 'staging-box', 'starting'],
    ]);
    expect(['home-app-1', 'dev-app-1', 'staging-app-1'].map(snapshot)).toEqual(Array(3).fill({ status: 'RUNNING', snooze: UNTIL }));
  });

  it('an account out of reach is reported; it fails the wake of a rule with targets there, not of an app found elsewhere', async () => {
    const run = await stoppedFleet(['dev', 'broken']);

    const byName = await run(wake(['dev-app-1']));
    expect(byName.ok).toBe(true);
    expect(byName.results.map((r) => [r.account, r.name, r.outcome])).toEqual([['dev', 'dev-app-1', 'started']]);
    expect(byName.accountFailures?.map((f) => [f.account, f.code])).toEqual([['broken', 'NoPermission']]);

    const byRule = await run(wake(['nights']));
    expect(byRule.ok).toBe(false);
    expect(byRule.accountFailures?.map((f) => f.account)).toEqual(['broken']);
    expect(byRule.results.filter((r) => r.account === 'broken')).toEqual([]);
    expect(snapshot('broken-app-0').snooze).toBeUndefined();

    // A name found nowhere may be in the account that could not be read: reported, not called a typo.
    const nowhere = await run(wake(['no-such-app']));
    expect(nowhere.ok).toBe(false);
    expect(nowhere.results).toEqual([]);
  });

  it('a name found in no account that could be read is a wake error, before anything is woken', async () => {
    const run = await stoppedFleet(['dev']);
    await expect(run(wake(['no-such-app']))).rejects.toThrow(WakeError);
    await expect(run(wake(['no-such-app']))).rejects.toThrow(
      "'no-such-app' is not a rule, nor an app or instance that a rule lets people wake; rules with wake: 'nights'",
    );
    expect(['home-app-0', 'home-app-1', 'dev-app-0', 'dev-app-1'].map((name) => app(name).status)).toEqual(Array(4).fill('STOPPED'));
  });

  it('the function takes the wake event and wakes a member’s app', async () => {
    await stoppedFleet(['dev']);

    const result = await invokeFc3({
      region: 'cn-hangzhou',
      accountId: HOME,
      functionName: 'offpeak',
      credentials: HOME_KEY,
      endpointOverride: sandbox!.url,
      event: JSON.stringify({ at: new Date(AT_WAKE).toISOString(), wake: { targets: ['dev-box'], for: '2h' } }),
    });

    expect(result.errorType).toBeUndefined();
    const report = JSON.parse(result.body) as RunReport;
    expect(report.results.map((r) => [r.account, r.name, r.outcome])).toEqual([['dev', 'dev-box', 'starting']]);
    const box = sandbox!.gateway.state().swas.instances.find((i) => i.instanceName === 'dev-box')!;
    expect(box.tags['offpeak-snooze-until']).toBe(UNTIL);
  });
});

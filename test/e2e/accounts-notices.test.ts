import { afterEach, describe, expect, it } from 'vitest';
import { readSettings } from '../../lib/config.js';
import { accountConnector } from '../../lib/doors/accounts.js';
import { loadRules } from '../../lib/doors/schedule-files.js';
import { systemClock } from '../../lib/execute/clock.js';
import { Deadline } from '../../lib/execute/deadline.js';
import { runFleet } from '../../lib/fleet.js';
import { createNotifier } from '../../lib/notify/send.js';
import type { Sandbox } from '../../lib/sandbox/server.js';
import { AT_STOP, FUNCTION_KEY, fleetSchedule, startFleet } from './support/fleet-world.js';

/**
 * A rule whose targets span accounts is run in one part per account, and each part posts its own
 * notices: each names its account in the title (and in a webhook's `account`), so three summaries
 * of one rule are told apart; the function's own account's part names none.
 */

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

/** The fleet schedule with a generic webhook channel and a summary of every run. */
const notifying = (accounts: Parameters<typeof fleetSchedule>[0]) =>
  fleetSchedule(accounts)
    .replace('rules:\n', 'channels:\n  hook: { type: webhook, urlEnv: HOOK_URL }\nrules:\n')
    .replace(
      '    offPeak: ["daily 20:00-08:00"]\n',
      '    offPeak: ["daily 20:00-08:00"]\n    notify: { channels: [hook], on: [summary] }\n',
    );

interface WebhookMessage {
  readonly rule: string;
  readonly account?: string;
  readonly title: string;
  readonly lines: readonly string[];
}

describe('notices of a rule across accounts', () => {
  it('each account’s part posts its summary, titled with its account; the home account’s names none', async () => {
    const started = await startFleet({ schedule: notifying(['dev', 'staging']), env: { OFFPEAK_FAN_OUT: 'off' } });
    sandbox = started.sandbox;
    sandbox.hooks.setRobots([{ type: 'webhook', token: 'ops' }]);
    const settings = readSettings({ OFFPEAK_ENDPOINT: sandbox.url, OFFPEAK_RATE_SCALE: '50' }, { schedules: started.schedules });
    const { rules, accounts } = await loadRules(started.schedules, Date.now());
    const deadline = new Deadline(Date.now() + 30_000, systemClock);
    try {
      const report = await runFleet({ trigger: 'timer', at: Date.parse(AT_STOP), dryRun: false, force: false }, settings, {
        rules,
        accounts,
        connect: accountConnector({ credentials: FUNCTION_KEY, settings, deadline, clock: systemClock }),
        clock: systemClock,
        deadline,
        notifier: createNotifier({ env: { HOOK_URL: `${sandbox.url}/_hooks/webhook/ops` }, now: () => Date.now() }),
      });
      expect(report.ok).toBe(true);
    } finally {
      deadline.dispose();
    }

    const messages = sandbox.hooks.messages();
    expect(messages.every((m) => m.accepted)).toBe(true);
    const bodies = messages.map((m) => m.body as WebhookMessage).sort((a, b) => (a.account ?? '').localeCompare(b.account ?? ''));
    expect(bodies.map((b) => [b.rule, b.account, b.title])).toEqual([
      ['nights', undefined, 'offpeak: rule nights at Mon 2031-11-24 20:00 +08:00: 2 stopped, 1 stopping'],
      ['nights', 'dev', 'offpeak: rule nights in account dev at Mon 2031-11-24 20:00 +08:00: 2 stopped, 1 stopping'],
      ['nights', 'staging', 'offpeak: rule nights in account staging at Mon 2031-11-24 20:00 +08:00: 2 stopped, 1 stopping'],
    ]);
    expect(bodies[1]!.lines).toEqual([
      '- STOPPED stop SAE cn-hangzhou dev-app-0',
      '- STOPPED stop SAE cn-hangzhou dev-app-1',
      '- STOPPING stop SWAS cn-hangzhou dev-box',
    ]);
  });
});

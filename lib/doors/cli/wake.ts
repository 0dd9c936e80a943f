import { systemClock } from '../../execute/clock.js';
import { Deadline } from '../../execute/deadline.js';
import { createNotifier } from '../../notify/send.js';
import { reportText } from '../../report/run.js';
import type { RunRequest, WakeAsk } from '../../request.js';
import { runFleet } from '../../fleet.js';
import { WakeError } from '../../wake.js';
import { accountConnector } from '../accounts.js';
import { durationFlag, instantFlag, parseFlags, UsageError } from './args.js';
import { checkCloudTargetFlags, CLOUD_TARGET_FLAGS, cloudTarget } from './cloud-target.js';
import { readRunInputs } from './run-inputs.js';
import type { Io } from './io.js';

export const WAKE_USAGE = `usage: offpeak wake TARGET... --for DURATION [--reason TEXT] [--at ISO] [--dry-run] [--json]
                    [--schedules DIR] [--endpoint URL | --sandbox [--seed FILE] [--rate-scale X]]

Starts the targets now and leaves them running for DURATION: each is tagged
offpeak-snooze-until with the end instant, and the first run after it stops them again
while off-peak. TARGET is a rule's name (all its targets) or an app's or instance's name or id.
Only targets of rules with 'wake: DURATION' may be woken, for at most that long.
  --for D          how long, e.g. 2h (at most the rule's wake)
  --reason TEXT    said in the report and in the rule's channels
  --at ISO         wake as of this instant (the snooze ends at --at plus --for)
Exit 0 when every target is up (or on its way), 1 when one failed, 2 on bad input.`;

export async function wakeCommand(argv: string[], io: Io, now: number): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    {
      for: { type: 'string' },
      reason: { type: 'string' },
      at: { type: 'string' },
      'dry-run': { type: 'boolean' },
      json: { type: 'boolean' },
      schedules: { type: 'string' },
      ...CLOUD_TARGET_FLAGS,
    },
    true,
  );
  if (values.help) {
    io.out(WAKE_USAGE);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('name what to wake: a rule, an app or an instance');
  if (values.for === undefined) throw new UsageError('--for is required: how long to keep the targets up, e.g. --for 2h');
  const forMs = durationFlag('for', values.for);
  if (forMs <= 0) throw new UsageError('--for must be longer than 0');
  if (values.reason !== undefined && values.reason.length > 200) throw new UsageError('--reason takes at most 200 characters');
  checkCloudTargetFlags(values);

  const inputs = await readRunInputs({ schedules: values.schedules, endpoint: values.endpoint }, io, now);
  if (inputs === 2) return 2;
  let { settings } = inputs;
  const { rules, accounts } = inputs;
  const at = values.at === undefined ? now : instantFlag('at', values.at);
  const ask: WakeAsk = { targets: positionals, for: forMs, ...(values.reason ? { reason: values.reason } : {}) };
  const request: RunRequest = { trigger: 'manual', at, dryRun: values['dry-run'] ?? false, force: false, wake: ask };
  const target = await cloudTarget(settings, { sandbox: values.sandbox, seed: values.seed, rateScale: values['rate-scale'] }, io.cwd);
  ({ settings } = target);
  if (target.sandboxUrl) io.err(`sandbox at ${target.sandboxUrl} (rate scale ${settings.rateScale})`);
  const deadline = new Deadline(systemClock.now() + 5 * 60_000, systemClock);
  try {
    // Each account's targets with that account's clients (a member's through its role), as a run does.
    const connect = accountConnector({ credentials: target.credentials, settings, deadline, clock: systemClock });
    const report = await runFleet(request, settings, {
      rules,
      accounts,
      connect,
      clock: systemClock,
      deadline,
      // The announcement is signed with the real clock, whatever --at says.
      notifier: createNotifier({ env: io.env, now: () => systemClock.now(), allows: (ms) => deadline.allows(ms) }),
    });
    io.out(values.json ? JSON.stringify(report, null, 2) : reportText(report));
    return report.ok ? 0 : 1;
  } catch (error) {
    if (error instanceof WakeError) {
      io.err(`offpeak wake: ${error.message}`);
      return 2;
    }
    throw error;
  } finally {
    deadline.dispose();
    await target.close();
  }
}

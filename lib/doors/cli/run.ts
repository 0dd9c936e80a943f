import { accountConnector } from '../accounts.js';
import { Deadline } from '../../execute/deadline.js';
import { systemClock } from '../../execute/clock.js';
import { reportText } from '../../report/run.js';
import { narrowingOf, RequestError, type RunRequest } from '../../request.js';
import { checkAccounts, runFleet } from '../../fleet.js';
import { createNotifier } from '../../notify/send.js';
import { nextEdges } from '../../schedule/engine.js';
import type { Rule } from '../../schedule/rule.js';
import { formatLocal } from '../../schedule/zone.js';
import { quote } from '../../errors.js';
import type { Io } from './io.js';
import { durationFlag, instantFlag, parseFlags, UsageError } from './args.js';
import { checkCloudTargetFlags, CLOUD_TARGET_FLAGS, cloudTarget } from './cloud-target.js';
import { readRunInputs } from './run-inputs.js';

export const RUN_USAGE = `usage: offpeak run [--schedules DIR] [--at ISO|next-stop] [--tick 5m] [--dry-run]
                   [--rule NAME]... [--account NAME]... [--action stop|start] [--force] [--deadline 5m] [--json]
                   [--endpoint URL | --sandbox [--seed FILE] [--rate-scale X]]

Runs the main job once, as the function does: acts on the edges due at --at (default: now).
  --dry-run        decide and report, change nothing
  --rule NAME      only this rule (repeatable); --action only stops or only starts
                   (with either, the run acts on each rule's state at --at, never beyond it)
  --account NAME   only the targets in this member account (repeatable; schedule 'accounts')
  --force          pass the blast-radius guard (OFFPEAK_MAX_STOPS_PER_RUN, default 200)
  --deadline D     stop starting new work after D (default 5m); unfinished work is "deferred"
  --endpoint URL   send every call to this base URL (a sandbox you started), as OFFPEAK_ENDPOINT
  --sandbox        start the local sandbox (demo seed, or --seed FILE) and run against it
  --at next-stop   the next instant at which any rule stops its targets
Without --endpoint or --sandbox it acts on your real Alibaba Cloud account, with the keys of
ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET / _SECURITY_TOKEN. Exit 0 when the run succeeded, 1 when anything failed or was
deferred, 2 on bad input.`;

export async function runCommand(argv: string[], io: Io, now: number): Promise<number> {
  const { values } = parseFlags(argv, {
    schedules: { type: 'string' },
    at: { type: 'string' },
    tick: { type: 'string' },
    'dry-run': { type: 'boolean' },
    rule: { type: 'string', multiple: true },
    account: { type: 'string', multiple: true },
    action: { type: 'string' },
    force: { type: 'boolean' },
    deadline: { type: 'string' },
    json: { type: 'boolean' },
    ...CLOUD_TARGET_FLAGS,
  });
  if (values.help) {
    io.out(RUN_USAGE);
    return 0;
  }
  const action = values.action;
  if (action !== undefined && action !== 'stop' && action !== 'start')
    throw new UsageError(`--action ${quote(action)} must be stop or start`);
  checkCloudTargetFlags(values);
  const deadlineMs = durationFlag('deadline', values.deadline ?? '5m');

  const inputs = await readRunInputs({ tick: values.tick, schedules: values.schedules, endpoint: values.endpoint }, io, now);
  if (inputs === 2) return 2;
  let { settings } = inputs;
  const { rules, accounts } = inputs;

  const at = values.at === 'next-stop' ? nextStop(rules, now) : values.at === undefined ? now : instantFlag('at', values.at);
  if (at === undefined) {
    io.err('offpeak run: --at next-stop: no rule stops anything in the next 30 days');
    return 2;
  }
  if (values.at === 'next-stop')
    io.err(`running as of the next stop edge: ${new Date(at).toISOString()}${rules[0] ? ` (${formatLocal(at, rules[0].timezone)})` : ''}`);
  const request: RunRequest = {
    trigger: 'manual',
    at,
    dryRun: values['dry-run'] ?? false,
    force: values.force ?? false,
    ...(values.rule ? { rules: values.rule } : {}),
    ...(action ? { action } : {}),
    ...(values.account ? { accounts: values.account } : {}),
  };
  // Asked of the core before a sandbox starts, so a typo is one line and costs nothing.
  try {
    narrowingOf(
      request,
      rules.map((r) => r.name),
    );
  } catch (error) {
    if (error instanceof RequestError) throw new UsageError(`--rule: ${error.message}`);
    throw error;
  }
  try {
    checkAccounts(request, accounts);
  } catch (error) {
    if (error instanceof RequestError) throw new UsageError(`--account: ${error.message}`);
    throw error;
  }
  const target = await cloudTarget(settings, { sandbox: values.sandbox, seed: values.seed, rateScale: values['rate-scale'] }, io.cwd);
  ({ settings } = target);
  if (target.sandboxUrl) io.err(`sandbox at ${target.sandboxUrl} (rate scale ${settings.rateScale})`);
  const deadline = new Deadline(systemClock.now() + deadlineMs, systemClock);
  try {
    // Every account in this one process, side by side, each under its own limits: no fan-out here.
    const connect = accountConnector({ credentials: target.credentials, settings, deadline, clock: systemClock });
    const report = await runFleet(request, settings, {
      rules,
      accounts,
      connect,
      clock: systemClock,
      deadline,
      // Signed with the real clock, whatever --at says: the robots refuse a timestamp an hour off.
      notifier: createNotifier({ env: io.env, now: () => systemClock.now(), allows: (ms) => deadline.allows(ms) }),
      // Big runs take minutes under the rate limits: a terminal shows how far along they are.
      ...(io.interactive && io.status && !values.json
        ? { onProgress: ({ done, total, waitingFor }) => io.status?.(`[${done}/${total} done]${waitingFor ? ` ${waitingFor}` : ''}`) }
        : {}),
    });
    if (io.interactive && !values.json) io.status?.('');
    io.out(values.json ? JSON.stringify(report, null, 2) : reportText(report));
    return report.ok ? 0 : 1;
  } finally {
    deadline.dispose();
    await target.close();
  }
}

/** The earliest stop edge of any rule within 30 days after `now`. */
function nextStop(rules: readonly Rule[], now: number): number | undefined {
  const stops = rules.flatMap((rule) =>
    nextEdges(rule, now, now + 30 * 86_400_000)
      .filter((e) => e.action === 'stop')
      .map((e) => e.at),
  );
  return stops.length ? Math.min(...stops) : undefined;
}

import { resolve } from 'node:path';
import { readSettings, SettingsError, type Settings } from '../../config.js';
import { formatDiagnostic } from '../../schedule/diagnostics.js';
import type { Account } from '../../schedule/accounts.js';
import type { Rule } from '../../schedule/rule.js';
import { loadRules, SchedulesInvalid } from '../schedule-files.js';
import { UsageError } from './args.js';
import type { Io } from './io.js';

export interface RunInputs {
  readonly settings: Settings;
  readonly rules: readonly Rule[];
  readonly accounts: ReadonlyMap<string, Account>;
}

/**
 * What a command that acts reads before it acts (`offpeak run`, `offpeak wake`): the settings, from
 * the environment with the command's flags winning, and the schedules. Schedules with errors are
 * printed, one line each, and give exit code 2 instead: nothing is done until they are fixed.
 * @throws UsageError for a setting that is wrong (a flag's or the environment's).
 */
export async function readRunInputs(
  flags: { tick?: string | undefined; schedules?: string | undefined; endpoint?: string | undefined },
  io: Io,
  now: number,
): Promise<RunInputs | 2> {
  let settings: Settings;
  try {
    const overrides = {
      ...(flags.tick ? { OFFPEAK_TICK: flags.tick } : {}),
      ...(flags.schedules ? { OFFPEAK_SCHEDULES: flags.schedules } : {}),
      ...(flags.endpoint ? { OFFPEAK_ENDPOINT: flags.endpoint } : {}),
    };
    settings = readSettings({ ...io.env, ...overrides }, { schedules: resolve(io.cwd, 'schedules') });
  } catch (error) {
    if (error instanceof SettingsError) throw new UsageError(error.message);
    throw error;
  }
  try {
    const { rules, accounts } = await loadRules(settings.schedules, now);
    return { settings, rules, accounts };
  } catch (error) {
    if (!(error instanceof SchedulesInvalid)) throw error;
    for (const d of error.diagnostics) io.err(formatDiagnostic(d));
    io.err("the schedules have errors; nothing was done. Run 'offpeak validate' and fix them first");
    return 2;
  }
}

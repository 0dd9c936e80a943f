import { OffpeakError, quote } from './errors.js';
import { parseDuration } from './schedule/duration.js';

/**
 * The function's settings, from its environment (s.yaml sets them). Each wrong value is an error
 * naming the variable and the form it takes.
 */

export interface Settings {
  /** The timer's period: one setting feeds the trigger's cron and the run's interval. */
  readonly tick: number;
  /** Send every product and region to this base URL (the sandbox). */
  readonly endpoint?: string;
  /** Use the VPC endpoints (sae-vpc., swas-vpc.). */
  readonly vpc: boolean;
  readonly maxStopsPerRun: number;
  /** SAE stops and starts per namespace with the batch APIs. */
  readonly saeBatch: boolean;
  /** Where the schedule files are. */
  readonly schedules: string;
  /** The sandbox's --rate-scale, so pacing and polling run as fast as its time does. Never set it against the real cloud. */
  readonly rateScale: number;
  /** First interval for following change orders and transitions. */
  readonly pollMs: number;
  /**
   * Whether a timer run sends member accounts' work to runs of their own (async invocations):
   * `auto` when the work spans several accounts, `always`, or `off` (one run does everything).
   */
  readonly fanOut: FanOut;
}

export type FanOut = 'auto' | 'off' | 'always';
const FAN_OUTS: readonly FanOut[] = ['auto', 'off', 'always'];

export class SettingsError extends OffpeakError {
  override readonly name = 'SettingsError';

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, code: 'SettingsInvalid' });
  }
}

type Env = Readonly<Record<string, string | undefined>>;

function duration(env: Env, name: string, fallback: string): number {
  const text = env[name] || fallback;
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) throw new SettingsError(`${name}=${quote(text)} is not a positive duration such as 5m, 90s or 1h`);
  return ms;
}

function flag(env: Env, name: string): boolean {
  const text = (env[name] ?? 'false').toLowerCase();
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0' || text === '') return false;
  throw new SettingsError(`${name}=${quote(env[name] ?? '')} must be true or false`);
}

function positive(env: Env, name: string, fallback: number, integer: boolean): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const n = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
  if (!(n > 0) || !Number.isFinite(n) || (integer && !Number.isInteger(n)))
    throw new SettingsError(`${name}=${quote(text)} must be a positive ${integer ? 'whole ' : ''}number`);
  return n;
}

/** Reads the settings; throws SettingsError. */
export function readSettings(env: Env, defaults: { schedules: string }): Settings {
  const rateScale = positive(env, 'OFFPEAK_RATE_SCALE', 1, false);
  const endpoint = env.OFFPEAK_ENDPOINT || undefined;
  if (rateScale !== 1 && endpoint === undefined)
    throw new SettingsError(
      'OFFPEAK_RATE_SCALE is for the sandbox only: set OFFPEAK_ENDPOINT to the sandbox URL, or unset OFFPEAK_RATE_SCALE',
    );
  return {
    tick: duration(env, 'OFFPEAK_TICK', '5m'),
    ...(endpoint ? { endpoint } : {}),
    vpc: flag(env, 'OFFPEAK_VPC'),
    maxStopsPerRun: positive(env, 'OFFPEAK_MAX_STOPS_PER_RUN', 200, true),
    saeBatch: flag(env, 'OFFPEAK_SAE_BATCH'),
    schedules: env.OFFPEAK_SCHEDULES || defaults.schedules,
    rateScale,
    pollMs: duration(env, 'OFFPEAK_POLL', '5s') / rateScale,
    fanOut: fanOut(env),
  };
}

function fanOut(env: Env): FanOut {
  const text = (env.OFFPEAK_FAN_OUT || 'auto').toLowerCase();
  if (!(FAN_OUTS as readonly string[]).includes(text))
    throw new SettingsError(`OFFPEAK_FAN_OUT=${quote(env.OFFPEAK_FAN_OUT ?? '')} must be auto, off or always`);
  return text as FanOut;
}

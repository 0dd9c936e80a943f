import { describe, expect, it } from 'vitest';
import { readSettings, SettingsError, type Settings } from '../../lib/config.js';
import { OffpeakError } from '../../lib/errors.js';

/** readSettings: the function's environment, each variable parsed, each wrong value named. */

const DEFAULTS = { schedules: '/code/schedules' };
const read = (env: Record<string, string | undefined>): Settings => readSettings(env, DEFAULTS);

/** The SettingsError for `env`; fails when readSettings returns instead. */
function refusal(env: Record<string, string>): SettingsError {
  let settings: Settings | undefined;
  try {
    settings = read(env);
  } catch (error) {
    expect(error).toBeInstanceOf(SettingsError);
    expect((error as SettingsError).name).toBe('SettingsError');
    return error as SettingsError;
  }
  throw new Error(`expected a SettingsError for ${JSON.stringify(env)}, got ${JSON.stringify(settings)}`);
}

describe('readSettings: defaults', () => {
  it('an empty environment gives tick 5m, 200 stops, no VPC, no batch, poll 5s, rate scale 1', () => {
    const settings = read({});
    expect(settings).toEqual({
      tick: 300_000,
      vpc: false,
      maxStopsPerRun: 200,
      saeBatch: false,
      schedules: '/code/schedules',
      rateScale: 1,
      pollMs: 5_000,
      fanOut: 'auto',
    });
    expect('endpoint' in settings).toBe(false);
  });

  it('ignores unrelated variables', () => {
    expect(read({ PATH: '/usr/bin', OFFPEAK: 'x', offpeak_tick: '1m' }).tick).toBe(300_000);
  });

  it('treats empty values of the optional variables as unset', () => {
    const settings = read({
      OFFPEAK_ENDPOINT: '',
      OFFPEAK_SCHEDULES: '',
      OFFPEAK_MAX_STOPS_PER_RUN: '',
      OFFPEAK_VPC: '',
      OFFPEAK_SAE_BATCH: '',
      OFFPEAK_RATE_SCALE: '',
    });
    expect(settings).toEqual({
      tick: 300_000,
      vpc: false,
      maxStopsPerRun: 200,
      saeBatch: false,
      schedules: '/code/schedules',
      rateScale: 1,
      pollMs: 5_000,
      fanOut: 'auto',
    });
  });
});

describe('readSettings: each variable', () => {
  it('OFFPEAK_FAN_OUT is auto, off or always, in any case', () => {
    expect(read({ OFFPEAK_FAN_OUT: 'off' }).fanOut).toBe('off');
    expect(read({ OFFPEAK_FAN_OUT: 'Always' }).fanOut).toBe('always');
    expect(read({ OFFPEAK_FAN_OUT: '' }).fanOut).toBe('auto');
    expect(() => read({ OFFPEAK_FAN_OUT: 'sometimes' })).toThrow("OFFPEAK_FAN_OUT='sometimes' must be auto, off or always");
  });

  it('OFFPEAK_TICK is a duration', () => {
    expect(read({ OFFPEAK_TICK: '10m' }).tick).toBe(600_000);
    expect(read({ OFFPEAK_TICK: '90s' }).tick).toBe(90_000);
    expect(read({ OFFPEAK_TICK: '1h' }).tick).toBe(3_600_000);
  });

  it('OFFPEAK_ENDPOINT is kept as given', () => {
    expect(read({ OFFPEAK_ENDPOINT: 'http://127.0.0.1:8080' }).endpoint).toBe('http://127.0.0.1:8080');
  });

  it.each([
    ['true', true],
    ['TRUE', true],
    ['1', true],
    ['false', false],
    ['False', false],
    ['0', false],
  ])('OFFPEAK_VPC=%s and OFFPEAK_SAE_BATCH=%s are flags', (text, value) => {
    expect(read({ OFFPEAK_VPC: text }).vpc).toBe(value);
    expect(read({ OFFPEAK_SAE_BATCH: text }).saeBatch).toBe(value);
  });

  it('OFFPEAK_MAX_STOPS_PER_RUN is a whole number', () => {
    expect(read({ OFFPEAK_MAX_STOPS_PER_RUN: '5' }).maxStopsPerRun).toBe(5);
    expect(read({ OFFPEAK_MAX_STOPS_PER_RUN: '1000' }).maxStopsPerRun).toBe(1000);
  });

  it('OFFPEAK_SCHEDULES replaces the default folder', () => {
    expect(read({ OFFPEAK_SCHEDULES: '/mnt/schedules' }).schedules).toBe('/mnt/schedules');
  });

  it('OFFPEAK_POLL is a duration', () => {
    expect(read({ OFFPEAK_POLL: '2s' }).pollMs).toBe(2_000);
    expect(read({ OFFPEAK_POLL: '1m' }).pollMs).toBe(60_000);
  });

  it('OFFPEAK_RATE_SCALE with OFFPEAK_ENDPOINT scales the poll interval', () => {
    const settings = read({ OFFPEAK_ENDPOINT: 'http://127.0.0.1:9', OFFPEAK_RATE_SCALE: '50' });
    expect(settings.rateScale).toBe(50);
    expect(settings.pollMs).toBe(100);
    expect(read({ OFFPEAK_ENDPOINT: 'http://127.0.0.1:9', OFFPEAK_RATE_SCALE: '0.5', OFFPEAK_POLL: '2s' }).pollMs).toBe(4_000);
  });

  it('OFFPEAK_RATE_SCALE=1 needs no endpoint (it is the real cloud speed)', () => {
    expect(read({ OFFPEAK_RATE_SCALE: '1' }).rateScale).toBe(1);
  });

  it('reads every variable together', () => {
    expect(
      read({
        OFFPEAK_TICK: '15m',
        OFFPEAK_ENDPOINT: 'http://127.0.0.1:9',
        OFFPEAK_VPC: 'true',
        OFFPEAK_MAX_STOPS_PER_RUN: '7',
        OFFPEAK_SAE_BATCH: '1',
        OFFPEAK_SCHEDULES: '/s',
        OFFPEAK_RATE_SCALE: '10',
        OFFPEAK_POLL: '10s',
        OFFPEAK_FAN_OUT: 'off',
      }),
    ).toEqual({
      tick: 900_000,
      endpoint: 'http://127.0.0.1:9',
      vpc: true,
      maxStopsPerRun: 7,
      saeBatch: true,
      schedules: '/s',
      rateScale: 10,
      pollMs: 1_000,
      fanOut: 'off',
    });
  });
});

describe('readSettings: wrong values', () => {
  it.each([
    ['OFFPEAK_TICK', 'five minutes'],
    ['OFFPEAK_TICK', '0'],
    ['OFFPEAK_TICK', '-5m'],
    ['OFFPEAK_TICK', '5'],
    ['OFFPEAK_POLL', 'soon'],
    ['OFFPEAK_POLL', '0s'],
  ])('%s=%s is refused as not a positive duration', (name, value) => {
    const e = refusal({ [name]: value });
    expect(e.message).toBe(`${name}='${value}' is not a positive duration such as 5m, 90s or 1h`);
  });

  it.each(['yes', 'no', 'on', '2', 'truee'])('OFFPEAK_VPC=%s and OFFPEAK_SAE_BATCH=%s are refused: true or false', (value) => {
    expect(refusal({ OFFPEAK_VPC: value }).message).toBe(`OFFPEAK_VPC='${value}' must be true or false`);
    expect(refusal({ OFFPEAK_SAE_BATCH: value }).message).toBe(`OFFPEAK_SAE_BATCH='${value}' must be true or false`);
  });

  it.each(['0', '-1', '1.5', 'many', 'Infinity', 'NaN'])('OFFPEAK_MAX_STOPS_PER_RUN=%s is refused: a positive whole number', (value) => {
    expect(refusal({ OFFPEAK_MAX_STOPS_PER_RUN: value }).message).toBe(
      `OFFPEAK_MAX_STOPS_PER_RUN='${value}' must be a positive whole number`,
    );
  });

  it.each(['0', '-2', 'fast', 'Infinity'])('OFFPEAK_RATE_SCALE=%s is refused: a positive number', (value) => {
    expect(refusal({ OFFPEAK_ENDPOINT: 'http://127.0.0.1:9', OFFPEAK_RATE_SCALE: value }).message).toBe(
      `OFFPEAK_RATE_SCALE='${value}' must be a positive number`,
    );
  });

  it('refuses OFFPEAK_RATE_SCALE without OFFPEAK_ENDPOINT: it is for the sandbox only', () => {
    const e = refusal({ OFFPEAK_RATE_SCALE: '50' });
    expect(e.message).toContain('OFFPEAK_RATE_SCALE');
    expect(e.message).toContain('OFFPEAK_ENDPOINT');
    expect(e.message).toContain('sandbox');
    // An empty endpoint is no endpoint.
    expect(refusal({ OFFPEAK_RATE_SCALE: '50', OFFPEAK_ENDPOINT: '' }).message).toContain('OFFPEAK_ENDPOINT');
  });
});

describe('readSettings: messages stay short', () => {
  it.each(['OFFPEAK_TICK', 'OFFPEAK_POLL', 'OFFPEAK_VPC', 'OFFPEAK_MAX_STOPS_PER_RUN'])('%s: a 4,000-character value is cut', (name) => {
    const e = refusal({ [name]: 'z'.repeat(4000) });
    expect(e.message).toContain(`${name}='${'z'.repeat(80)}…' (4,000 characters)`);
    expect(e.message.length).toBeLessThan(250);
  });

  it('is an OffpeakError with the code SettingsInvalid', () => {
    const e = refusal({ OFFPEAK_VPC: 'maybe' });
    expect(e).toBeInstanceOf(OffpeakError);
    expect(e.code).toBe('SettingsInvalid');
  });
});

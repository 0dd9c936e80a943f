import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, ensureBuilt, offpeak } from './support/cli.js';
import { DEMO_KEY } from './support/clients.js';
import { DEV, DEV_SEED, devNights, rulesFrom, startWorld, type World } from './support/run.js';

/** `offpeak wake` as a person runs it, against a sandbox: the built CLI, real HTTP. */

let world: World;
let schedules: string;
beforeAll(async () => {
  await ensureBuilt();
  world = await startWorld(DEV_SEED, { rateScale: 100 });
  schedules = mkdtempSync(join(tmpdir(), 'offpeak-wake-'));
  writeFileSync(join(schedules, 'dev.yaml'), devNights(['wake: 4h']));
}, 120_000);
afterAll(() => world?.close());

const env = () => ({
  ...cleanEnv,
  ALIBABA_CLOUD_ACCESS_KEY_ID: DEMO_KEY.accessKeyId,
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: DEMO_KEY.accessKeySecret,
  OFFPEAK_RATE_SCALE: '100',
});

describe('offpeak wake', () => {
  it('dev-api --for 2h at 21:00 starts the stopped app, tags its snooze end, and exits 0', async () => {
    await world.run({ at: '2036-11-25T20:00:00+08:00', rules: rulesFrom(devNights(['wake: 4h'])) });
    await world.clockTo('2036-11-25T21:00:00+08:00');

    const done = await offpeak(
      [
        'wake',
        'dev-api',
        '--for',
        '2h',
        '--reason',
        'demo',
        '--at',
        '2036-11-25T21:00:00+08:00',
        '--endpoint',
        world.url,
        '--schedules',
        schedules,
      ],
      env(),
    );

    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    expect(done.stdout).toContain('offpeak wake at 2036-11-25T13:00:00.000Z until 2036-11-25T15:00:00.000Z (2h)');
    expect(done.stdout).toMatch(/started\s+start SAE cn-hangzhou dev-api\s+woken until Tue 2036-11-25 23:00 \+08:00 \(2h\): demo/);
    const app = (await world.state()).sae.apps.find((a) => a.appId === DEV.api)!;
    expect([app.status, app.tags['offpeak-snooze-until']]).toEqual(['RUNNING', '2036-11-25T15:00:00.000Z']);
  });

  it('refuses a wake longer than the rule allows with exit 2 and one line', async () => {
    const done = await offpeak(['wake', 'dev-api', '--for', '5h', '--endpoint', world.url, '--schedules', schedules], env());
    expect(done.code).toBe(2);
    expect(done.stderr).toBe('offpeak wake: --for 5h is longer than dev-api may be woken (rule dev-nights: wake 4h)\n');
  });

  it('wants --for', async () => {
    const done = await offpeak(['wake', 'dev-api', '--schedules', schedules], env());
    expect(done.code).toBe(2);
    expect(done.stderr).toBe(
      "offpeak wake: --for is required: how long to keep the targets up, e.g. --for 2h; run 'offpeak wake --help' for usage\n",
    );
  });
});

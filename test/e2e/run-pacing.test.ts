import { afterEach, describe, expect, it } from 'vitest';
import { callsOf, executed, rulesFrom, seedOf, startWorld, type SeedApp, type SeedInstance, type World } from './support/run.js';

/**
 * Pacing by design: 130 SAE apps and 25 SWAS instances due at once, under the sandbox's documented
 * limits (SAE 60 calls a minute per account, SWAS 10 a minute per action) at rate scale 100 on both
 * sides. offpeak paces itself under them: everything is stopped and the cloud never says Throttling.
 */

const T = '2036-11-25T20:00:00+08:00';
const apps: SeedApp[] = Array.from({ length: 130 }, (_, i) => ({
  appId: `app-${String(i).padStart(3, '0')}`,
  appName: `dev-${String(i).padStart(3, '0')}`,
  namespaceId: 'cn-hangzhou:dev',
  instances: 1,
  tags: { env: 'dev' },
}));
const instances: SeedInstance[] = Array.from({ length: 25 }, (_, i) => ({
  instanceId: `i-box-${String(i).padStart(2, '0')}`,
  instanceName: `dev-box-${String(i).padStart(2, '0')}`,
  tags: { env: 'dev' },
}));
const rules = rulesFrom(`version: 1
timezone: Asia/Shanghai
rules:
  - name: dev-nights
    offPeak: ["daily 20:00-08:00"]
    targets:
      sae: [{ region: cn-hangzhou, namespaceId: "cn-hangzhou:dev" }]
      swas: [{ region: cn-hangzhou, tags: { env: dev } }]
`);

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('pacing under the documented limits (rate scale 100, limits on)', () => {
  it('130 apps and 25 instances at once: all stopped or stopping, zero Throttling.User', async () => {
    world = await startWorld(seedOf({ apps, instances }), { rateScale: 100, rateLimits: true });

    const report = await world.run({ at: T, rules, rateScale: 100 });

    expect(report.ok).toBe(true);
    expect(report.counts.stopped).toBe(130);
    expect(report.counts.stopping).toBe(25);
    const log = await world.calls();
    expect(log.filter((c) => c.code === 'Throttling.User')).toEqual([]);
    expect(log.filter((c) => c.code !== null)).toEqual([]);
    expect(executed(callsOf(log, 'StopApplication'))).toHaveLength(130);
    expect(callsOf(log, 'StopInstances')).toHaveLength(1);
    const state = await world.state();
    expect(state.sae.apps.every((a) => a.status === 'STOPPED')).toBe(true);
    expect(state.swas.instances.every((i) => i.status === 'Stopping' || i.status === 'Stopped')).toBe(true);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import {
  callsOf,
  executed,
  MUTATING,
  outcomes,
  resultFor,
  rulesFrom,
  seedOf,
  startWorld,
  type SeedApp,
  type World,
} from './support/run.js';

/**
 * SAE batch mode (OFFPEAK_SAE_BATCH=true): one BatchStopApplications per namespace; when a batch
 * fails, it is split in halves until the app that fails is alone, and the others are still stopped.
 * Four dev apps in cn-hangzhou:dev and two in cn-hangzhou:test, all env=dev.
 */

const T = '2036-11-25T20:00:00+08:00';
const DEV_IDS = ['app-dev-a', 'app-dev-b', 'app-dev-c', 'app-dev-d'];
const TEST_IDS = ['app-test-a', 'app-test-b'];
const apps: SeedApp[] = [
  ...DEV_IDS.map((appId) => ({ appId, appName: appId.replace('app-', ''), namespaceId: 'cn-hangzhou:dev', tags: { env: 'dev' } })),
  ...TEST_IDS.map((appId) => ({ appId, appName: appId.replace('app-', ''), namespaceId: 'cn-hangzhou:test', tags: { env: 'dev' } })),
];
const RULES = `version: 1
timezone: Asia/Shanghai
rules:
  - name: dev-nights
    offPeak: ["daily 20:00-08:00"]
    targets:
      sae: [{ region: cn-hangzhou, tags: { env: dev } }]
`;
const rules = rulesFrom(RULES);

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('SAE batch mode', () => {
  it('one BatchStopApplications per namespace, and no single stops', async () => {
    world = await startWorld(seedOf({ apps }), { rateScale: 100 });

    const report = await world.run({ at: T, rules, saeBatch: true });

    expect(report.ok).toBe(true);
    expect(Object.values(outcomes(report))).toEqual(Array(6).fill('stopped'));
    const log = await world.calls();
    const batches = callsOf(log, 'BatchStopApplications');
    expect(batches.map((c) => [...c.resourceIds].sort()).sort()).toEqual([DEV_IDS, TEST_IDS]);
    expect(batches.every((c) => c.executed && c.code === null)).toBe(true);
    expect(callsOf(log, 'StopApplication')).toEqual([]);
    expect((await world.state()).sae.apps.every((a) => a.status === 'STOPPED')).toBe(true);
    // Each batch is stated once, with its call; its members name it and made no call of their own.
    expect(report.batches.map((b) => [b.id, b.product, b.region, b.action, b.size, b.attempts, b.requestIds?.length])).toEqual([
      ['sae-1', 'sae', 'cn-hangzhou', 'stop', 4, 1, 1],
      ['sae-2', 'sae', 'cn-hangzhou', 'stop', 2, 1, 1],
    ]);
    expect(report.results.map((r) => [r.id, r.batch, r.attempts])).toEqual([
      ...DEV_IDS.map((id) => [id, 'sae-1', 0]),
      ...TEST_IDS.map((id) => [id, 'sae-2', 0]),
    ]);
  });

  it('one app whose change order never ends: its batches are split until it is alone; the other five are stopped', async () => {
    world = await startWorld(seedOf({ apps }), { rateScale: 100 });
    const bad = 'app-dev-c';
    await world.faults([
      { product: 'sae', action: 'BatchStopApplications', resourceId: bad, code: 'Application.ChangerOrderRunning', times: 1000 },
      { product: 'sae', action: 'StopApplication', resourceId: bad, code: 'Application.ChangerOrderRunning', times: 1000 },
    ]);

    const report = await world.run({ at: T, rules, saeBatch: true });

    expect(report.ok).toBe(false);
    expect(outcomes(report)).toEqual({
      'sae:dev-a': 'stopped',
      'sae:dev-b': 'stopped',
      'sae:dev-c': 'failed',
      'sae:dev-d': 'stopped',
      'sae:test-a': 'stopped',
      'sae:test-b': 'stopped',
    });
    expect(report.results.find((r) => r.id === bad)?.code).toBe('Application.ChangerOrderRunning');
    const state = Object.fromEntries((await world.state()).sae.apps.map((a) => [a.appId, a.status]));
    expect(state).toEqual({
      'app-dev-a': 'STOPPED',
      'app-dev-b': 'STOPPED',
      'app-dev-c': 'RUNNING',
      'app-dev-d': 'STOPPED',
      'app-test-a': 'STOPPED',
      'app-test-b': 'STOPPED',
    });

    const log = await world.calls();
    // Every call that named the bad app was refused; the test namespace's batch went through whole.
    expect(
      log
        .filter((c) => c.resourceIds.includes(bad) && c.action !== 'ListApplications' && c.action !== 'DescribeApplicationStatus')
        .every((c) => c.code === 'Application.ChangerOrderRunning'),
    ).toBe(true);
    // Halved: [a b c d] refused, [a b] stopped as a batch, [c d] refused, then c and d alone.
    const tried = (c: { action: string; resourceIds: string[] }) => `${c.action} ${[...c.resourceIds].sort().join(',')}`;
    expect(executed(log).map(tried).sort()).toEqual([
      'BatchStopApplications app-dev-a,app-dev-b',
      'BatchStopApplications app-test-a,app-test-b',
      'StopApplication app-dev-d',
    ]);
    const refusedBatches = new Set(
      callsOf(log, 'BatchStopApplications')
        .filter((c) => c.code !== null)
        .map(tried),
    );
    expect(refusedBatches).toEqual(
      new Set(['BatchStopApplications app-dev-a,app-dev-b,app-dev-c,app-dev-d', 'BatchStopApplications app-dev-c,app-dev-d']),
    );
    // Every batch call is stated, the refused ones too; a result names the batch that took it, and
    // the apps that went alone carry their own calls.
    const sizeOf = new Map(report.batches.map((b) => [b.id, b.size]));
    expect(report.batches.map((b) => b.size).sort()).toEqual([2, 2, 2, 4]);
    expect(new Set(report.batches.map((b) => b.id))).toEqual(new Set(['sae-1', 'sae-2', 'sae-3', 'sae-4']));
    expect(report.batches.every((b) => b.product === 'sae' && b.attempts >= 1 && b.requestIds?.length === b.attempts)).toBe(true);
    const byName = Object.fromEntries(report.results.map((r) => [r.name, r]));
    expect(byName['dev-a']!.batch).toBe(byName['dev-b']!.batch);
    expect(byName['test-a']!.batch).toBe(byName['test-b']!.batch);
    expect([sizeOf.get(byName['dev-a']!.batch!), sizeOf.get(byName['test-a']!.batch!)]).toEqual([2, 2]);
    expect(byName['dev-a']!.batch).not.toBe(byName['test-a']!.batch);
    for (const name of ['dev-c', 'dev-d']) {
      expect(byName[name]!.batch).toBeUndefined();
      expect(byName[name]!.attempts).toBeGreaterThanOrEqual(1);
      // dev-c's calls were all refused: their request ids are on its result all the same.
      expect(byName[name]!.requestIds).toHaveLength(byName[name]!.attempts!);
    }
  });
});

describe('SAE batch mode, permission refused', () => {
  it('one namespace is refused permission: its batch is not split, and the halves of a batch split after it are not sent', async () => {
    // cn-hangzhou:dev's batch fails late (an invalid request, not retried) and is split; by then
    // cn-hangzhou:test's batch has been refused permission, which holds for every app in the region.
    const three = apps.filter((a) => a.appId !== 'app-dev-d');
    world = await startWorld(seedOf({ apps: three }), { rateScale: 100 });
    await world.faults([
      { product: 'sae', action: 'BatchStopApplications', resourceId: 'app-dev-a', code: 'InvalidParameter', latencyMs: 1500, times: 1 },
      { product: 'sae', action: 'BatchStopApplications', resourceId: 'app-test-a', code: 'Forbidden.RAM', httpStatus: 403, times: 1000 },
      { product: 'sae', action: 'StopApplication', code: 'Forbidden.RAM', httpStatus: 403, times: 1000 },
    ]);

    const report = await world.run({ at: T, rules, saeBatch: true });

    expect(report.ok).toBe(false);
    const notTried = 'not tried: sae in cn-hangzhou refused permission earlier in this run (Forbidden.RAM)';
    const byId = Object.fromEntries(report.results.map((r) => [r.id, r]));
    for (const id of ['app-dev-a', 'app-dev-b', 'app-dev-c']) {
      expect(byId[id]).toMatchObject({ id, outcome: 'failed', code: 'Forbidden.RAM', detail: notTried, attempts: 0 });
      expect(byId[id]).not.toHaveProperty('requestIds');
    }
    for (const id of TEST_IDS) {
      expect(byId[id]).toMatchObject({
        id,
        outcome: 'failed',
        code: 'Forbidden.RAM',
        detail: 'BatchStopApplications: Injected fault: Forbidden.RAM.',
      });
    }
    const log = await world.calls();
    const tried = (c: { action: string; resourceIds: string[]; code: string | null }) =>
      `${c.action} ${[...c.resourceIds].sort().join(',')} ${c.code}`;
    expect(callsOf(log, ['BatchStopApplications', 'StopApplication']).map(tried).sort()).toEqual([
      'BatchStopApplications app-dev-a,app-dev-b,app-dev-c InvalidParameter',
      'BatchStopApplications app-test-a,app-test-b Forbidden.RAM',
    ]);
    expect(executed(log)).toEqual([]);
  });
});

describe('SAE batch mode, dry run', () => {
  it.each([
    ['stop', 'RUNNING', T, 'would-stop', 'BatchStopApplications'],
    ['start', 'STOPPED', '2036-11-26T08:00:00+08:00', 'would-start', 'BatchStartApplications'],
  ] as const)(
    'a %s: each namespace would go by its batch, nothing is sent, and the batch is not split',
    async (_a, status, at, outcome, call) => {
      world = await startWorld(seedOf({ apps: apps.map((a) => ({ ...a, status })) }), { rateScale: 100 });

      const withRestore = rulesFrom(RULES.replace('    targets:', '    restore: true\n    targets:'));
      const report = await world.run({ at, rules: withRestore, saeBatch: true, dryRun: true });

      expect(report.results.map((r) => [r.id, r.outcome, r.detail])).toEqual(
        [...DEV_IDS, ...TEST_IDS].map((id) => [id, outcome, `dry run: ${call} not sent`]),
      );
      expect(callsOf(await world.calls(), MUTATING)).toEqual([]);
    },
  );
});

describe('SAE batch mode, catch-up', () => {
  it('a stop that sees its edge again goes app by app: apps a person started after the edge stay running', async () => {
    world = await startWorld(seedOf({ apps }), { rateScale: 100 });
    const withCatchUp = rulesFrom(RULES.replace('    targets:', '    catchUp: 15m\n    targets:'));
    const first = await world.run({ at: T, rules: withCatchUp, saeBatch: true });
    expect(Object.values(outcomes(first))).toEqual(Array(6).fill('stopped'));

    // 20:05: someone needs two apps of one namespace back (a batch would carry both).
    await world.clockTo('2036-11-25T20:05:00+08:00');
    await world.byHandSae('StartApplication', 'app-dev-a');
    await world.byHandSae('StartApplication', 'app-dev-b');
    await world.advance(60);
    await world.clearCalls();

    const second = await world.run({ at: '2036-11-25T20:10:00+08:00', rules: withCatchUp, saeBatch: true });

    expect(second.ok).toBe(true);
    expect(outcomes(second)).toEqual({
      'sae:dev-a': 'skipped',
      'sae:dev-b': 'skipped',
      'sae:dev-c': 'already-stopped',
      'sae:dev-d': 'already-stopped',
      'sae:test-a': 'already-stopped',
      'sae:test-b': 'already-stopped',
    });
    expect(resultFor(second, 'dev-a').detail).toBe(
      'started (CoStart) after the stop edge; a run that sees the edge again leaves it running',
    );
    expect([await world.appStatus('app-dev-a'), await world.appStatus('app-dev-b')]).toEqual(['RUNNING', 'RUNNING']);
    const log = await world.calls();
    expect(callsOf(log, MUTATING)).toEqual([]);
    // Each running app's status was read, then its last change order: the person's start.
    expect(
      callsOf(log, ['DescribeApplicationStatus', 'DescribeChangeOrder'])
        .map((c) => c.action)
        .sort(),
    ).toEqual(['DescribeApplicationStatus', 'DescribeApplicationStatus', 'DescribeChangeOrder', 'DescribeChangeOrder']);
  });
});

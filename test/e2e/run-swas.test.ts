import { afterEach, describe, expect, it } from 'vitest';
import type { CloudApis } from '../../lib/cloud/api.js';
import type { RunReport } from '../../lib/run.js';
import type { CallRecord } from '../../lib/sandbox/gateway.js';
import { clientToken } from '../../lib/execute/token.js';
import {
  executed,
  instant,
  outcomes,
  resultFor,
  rulesFrom,
  seedOf,
  startWorld,
  tokenOf,
  type SeedInstance,
  type World,
} from './support/run.js';

/**
 * SWAS batches over real HTTP: a run that sees an edge again (a catch-up, FC's retry) sends the
 * first run's batch under its ClientToken, so SWAS does not act twice and what a person did in
 * between stays done; a refusal gets the next request a token of its own; batches of instances
 * in every state end with each in a true outcome. Each story runs under both readings of a
 * refused token (the sandbox's tokenCachesFailures), where the reading could matter.
 * Tuesday 2036-11-25 in Shanghai; boxes: off 20:00-08:00, restored in the morning, catchUp 15m.
 */

const AT_20_00 = '2036-11-25T20:00:00+08:00';
const AT_20_05 = '2036-11-25T20:05:00+08:00';
const AT_20_10 = '2036-11-25T20:10:00+08:00';
const AT_20_15 = '2036-11-25T20:15:00+08:00';
const WED_08_00 = '2036-11-26T08:00:00+08:00';
const WED_08_05 = '2036-11-26T08:05:00+08:00';
const WED_08_10 = '2036-11-26T08:10:00+08:00';
const WED_20_00 = '2036-11-26T20:00:00+08:00';
const READINGS = [false, true];

const rules = rulesFrom(`version: 1
timezone: Asia/Shanghai
rules:
  - name: boxes
    offPeak: ["daily 20:00-08:00"]
    restore: true
    catchUp: 15m
    targets:
      swas: [{ region: cn-hangzhou, tags: { env: dev } }]
`);

/** box-N's instance id. */
const BOX = (n: number): string => `ace0706b2ac4454d984295a9421300${String(n).padStart(2, '0')}`;
const box = (n: number, status = 'Running'): SeedInstance => ({
  instanceId: BOX(n),
  instanceName: `box-${n}`,
  status,
  tags: { env: 'dev' },
});
const FIVE = [1, 2, 3, 4, 5];

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function start(instances: readonly SeedInstance[], options: { tokenCachesFailures?: boolean; transitionSeconds?: number } = {}) {
  world = await startWorld(seedOf({ instances, ...options }), { rateScale: 100 });
  return world;
}

/** The call log as [action, resource ids, ClientToken, code, executed]. */
const log = (calls: readonly CallRecord[]) => calls.map((c) => [c.action, c.resourceIds, c.clientToken, c.code, c.executed]);

/** Every box's outcome, `swas:box-N` → outcome. */
const each = (ns: readonly number[], outcome: string) => Object.fromEntries(ns.map((n) => [`swas:box-${n}`, outcome]));

async function statuses(w: World): Promise<Record<string, string>> {
  return Object.fromEntries((await w.state()).swas.instances.map((i) => [i.instanceName, i.status]));
}

/** The first batch's ClientToken, and its later ones. */
const tokensOf = (report: RunReport) => [report.batches[0]?.clientToken, ...(report.batches[0]?.laterTokens ?? [])];

describe('a stop seen again never undoes a person', () => {
  it.each(READINGS)(
    'five boxes stopped at 20:00; a person starts box-3 at 20:05; the 20:10 catch-up sends the 20:00 batch again and stops nothing (tokenCachesFailures %s)',
    async (tokenCachesFailures) => {
      const w = await start(
        FIVE.map((n) => box(n)),
        { tokenCachesFailures },
      );
      const first = await w.run({ at: AT_20_00, rules });
      expect(outcomes(first)).toEqual(each(FIVE, 'stopping'));
      expect(first.batches).toHaveLength(1);
      const token = tokenOf(first, 'box-1')!;

      await w.clockTo(AT_20_05);
      await w.byHandSwas('StartInstance', BOX(3));
      await w.advance(60);
      expect((await statuses(w))['box-3']).toBe('Running');
      await w.clearCalls();

      const second = await w.run({ at: AT_20_10, rules });

      expect(second.ok).toBe(true);
      expect(outcomes(second)).toEqual({ ...each([1, 2, 4, 5], 'already-stopped'), 'swas:box-3': 'skipped' });
      expect(resultFor(second, 'box-3').detail).toBe(
        'Running: started after the stop edge was applied by an earlier run (SWAS knows this batch by its ClientToken); left running',
      );
      expect(tokenOf(second, 'box-3')).toBe(token);
      // The batch is the 20:00 one (all five, whatever their state now), so its token is too; the
      // instances that need a stop now differ, and SWAS says so instead of stopping box-3.
      const calls = await w.calls();
      expect(log(calls)).toEqual([
        ['ListInstances', [], null, null, false],
        ['StopInstances', [BOX(3)], token, 'IdempotentParameterMismatch', false],
      ]);
      expect(executed(calls)).toEqual([]);
      expect(await statuses(w)).toEqual({
        'box-1': 'Stopped',
        'box-2': 'Stopped',
        'box-3': 'Running',
        'box-4': 'Stopped',
        'box-5': 'Stopped',
      });
    },
  );

  it('a person starts all five again: the catch-up repeats the 20:00 request, SWAS answers it from its token, and the read-back reports them left running', async () => {
    const w = await start(FIVE.map((n) => box(n)));
    const first = await w.run({ at: AT_20_00, rules });
    await w.clockTo(AT_20_05);
    for (const n of FIVE) await w.byHandSwas('StartInstance', BOX(n));
    await w.advance(60);
    await w.clearCalls();

    const second = await w.run({ at: AT_20_10, rules });

    expect(outcomes(second)).toEqual(each(FIVE, 'skipped'));
    expect(resultFor(second, 'box-1').detail).toBe('Running: started after the stop edge was applied; left running');
    const token = tokenOf(first, 'box-1');
    expect(log(await w.calls())).toEqual([
      ['ListInstances', [], null, null, false],
      ['StopInstances', FIVE.map(BOX), token, null, false],
      ['ListInstances', FIVE.map(BOX), null, null, false],
    ]);
    expect(Object.values(await statuses(w))).toEqual(FIVE.map(() => 'Running'));
  });

  it('FC delivers the 20:00 event again after a person started box-3: the retry is the same batch, and box-3 keeps running', async () => {
    const w = await start(FIVE.map((n) => box(n)));
    const first = await w.run({ at: AT_20_00, rules });
    await w.advance(60);
    await w.byHandSwas('StartInstance', BOX(3));
    await w.advance(60);
    await w.clearCalls();

    const retry = await w.run({ at: AT_20_00, rules });

    expect(outcomes(retry)).toEqual({ ...each([1, 2, 4, 5], 'already-stopped'), 'swas:box-3': 'skipped' });
    expect(log(await w.calls())).toEqual([
      ['ListInstances', [], null, null, false],
      ['StopInstances', [BOX(3)], tokenOf(first, 'box-1'), 'IdempotentParameterMismatch', false],
    ]);
    expect((await statuses(w))['box-3']).toBe('Running');
  });

  it('a box a person is starting when the catch-up lists it is left alone without a call', async () => {
    // Long transitions, so box-3 is still Starting when the 20:10 run lists it.
    const w = await start(
      FIVE.map((n) => box(n)),
      { transitionSeconds: 600 },
    );
    await w.run({ at: AT_20_00, rules });
    await w.clockTo(AT_20_10);
    await w.byHandSwas('StartInstance', BOX(3));
    await w.clearCalls();

    const second = await w.run({ at: AT_20_10, rules });

    expect(outcomes(second)).toEqual({ ...each([1, 2, 4, 5], 'already-stopped'), 'swas:box-3': 'skipped' });
    expect(resultFor(second, 'box-3').detail).toBe('Starting: started after the stop edge; left running');
    expect(log(await w.calls())).toEqual([['ListInstances', [], null, null, false]]);
  });

  it('no run at 20:00 and box-2 stopped by hand at 19:00: the 20:10 catch-up stops the other four; box-4 started at 20:12 is left alone at 20:15', async () => {
    const w = await start([box(1), box(2, 'Stopped'), box(3), box(4), box(5)]);

    const caught = await w.run({ at: AT_20_10, rules });

    expect(outcomes(caught)).toEqual({ ...each([1, 3, 4, 5], 'stopping'), 'swas:box-2': 'already-stopped' });
    const token = tokenOf(caught, 'box-1')!;
    // Named by the edge's instant (not the run's) and by all five members, box-2 included.
    expect(token).toBe(clientToken({ rules: ['boxes'], action: 'stop', at: instant(AT_20_00), ids: FIVE.map(BOX), round: 0 }));
    expect(log(executed(await w.calls()))).toEqual([['StopInstances', [1, 3, 4, 5].map(BOX), token, null, true]]);

    // The batch of this edge holds box-2 as well, so the next catch-up forms the same one.
    await w.advance(60);
    await w.byHandSwas('StartInstance', BOX(4));
    await w.advance(60);
    await w.clearCalls();
    const later = await w.run({ at: AT_20_15, rules });

    expect(outcomes(later)).toEqual({ ...each([1, 2, 3, 5], 'already-stopped'), 'swas:box-4': 'skipped' });
    expect(tokenOf(later, 'box-4')).toBe(token);
    expect(executed(await w.calls())).toEqual([]);
    expect((await statuses(w))['box-4']).toBe('Running');
  });

  it.each(READINGS)(
    'restored at 08:00; a person stops box-4 at 08:05; the 08:10 catch-up starts nothing (tokenCachesFailures %s)',
    async (tokenCachesFailures) => {
      const w = await start(
        FIVE.map((n) => box(n, 'Stopped')),
        { tokenCachesFailures },
      );
      const morning = await w.run({ at: WED_08_00, rules });
      expect(outcomes(morning)).toEqual(each(FIVE, 'starting'));
      await w.clockTo(WED_08_05);
      await w.byHandSwas('StopInstance', BOX(4));
      await w.advance(60);
      await w.clearCalls();

      const caught = await w.run({ at: WED_08_10, rules });

      expect(outcomes(caught)).toEqual({ ...each([1, 2, 3, 5], 'already-running'), 'swas:box-4': 'skipped' });
      expect(resultFor(caught, 'box-4').detail).toBe(
        'Stopped: stopped after the start edge was applied by an earlier run (SWAS knows this batch by its ClientToken); left stopped',
      );
      expect(log(await w.calls())).toEqual([
        ['ListInstances', [], null, null, false],
        ['StartInstances', [BOX(4)], tokenOf(morning, 'box-1'), 'IdempotentParameterMismatch', false],
      ]);
      expect((await statuses(w))['box-4']).toBe('Stopped');
    },
  );

  it("each edge is a request of its own: Wednesday's 20:00 stop after the 08:00 start stops the same five again", async () => {
    const w = await start(FIVE.map((n) => box(n)));
    const tuesday = await w.run({ at: AT_20_00, rules });
    await w.run({ at: WED_08_00, rules });
    await w.clearCalls();

    const wednesday = await w.run({ at: WED_20_00, rules });

    expect(outcomes(wednesday)).toEqual(each(FIVE, 'stopping'));
    expect(tokenOf(wednesday, 'box-1')).not.toBe(tokenOf(tuesday, 'box-1'));
    expect(log(executed(await w.calls()))).toEqual([['StopInstances', FIVE.map(BOX), tokenOf(wednesday, 'box-1'), null, true]]);
  });
});

describe('tokens after a failure', () => {
  /** Clients through which a person acts just before the run's first StopInstances reaches SWAS. */
  const before =
    (act: () => Promise<void>) =>
    (apis: CloudApis): CloudApis => {
      let done = false;
      return {
        ...apis,
        swas: {
          ...apis.swas,
          async stopInstances(region, ids, token) {
            if (!done) {
              done = true;
              await act();
            }
            return apis.swas.stopInstances(region, ids, token);
          },
        },
      };
    };

  it.each(READINGS)(
    'box-2 stopped by hand as the batch goes out: refused, read again, the other two sent under a new token (tokenCachesFailures %s)',
    async (tokenCachesFailures) => {
      // Boxes take a minute to stop (0.6 s at this scale): box-2 is still Stopping when read again.
      const w = await start([box(1), box(2), box(3)], { tokenCachesFailures, transitionSeconds: 60 });

      const report = await w.run({ at: AT_20_00, rules, wrap: before(() => w.byHandSwas('StopInstance', BOX(2))) });

      expect(report.ok).toBe(true);
      expect(outcomes(report)).toEqual(each([1, 2, 3], 'stopping'));
      const [t0, t1] = tokensOf(report);
      expect(t1).toBeDefined();
      expect(t1).not.toBe(t0);
      expect(log(await w.calls())).toEqual([
        ['ListInstances', [], null, null, false],
        ['StopInstance', [BOX(2)], null, null, true],
        ['StopInstances', [1, 2, 3].map(BOX), t0, 'IncorrectInstanceStatus', false],
        ['ListInstances', [1, 2, 3].map(BOX), null, null, false],
        ['StopInstances', [1, 3].map(BOX), t1, null, true],
      ]);
    },
  );

  it.each(READINGS)(
    'the same box again after a refusal (it was starting): waited for, then sent under a new token (tokenCachesFailures %s)',
    async (tokenCachesFailures) => {
      // Long transitions, moved on by the run's own waits.
      const w = await start([box(1)], { tokenCachesFailures, transitionSeconds: 600 });
      const restart = async () => {
        await w.byHandSwas('StopInstance', BOX(1));
        await w.advance(600);
        await w.byHandSwas('StartInstance', BOX(1));
      };

      const report = await w.run({ at: AT_20_00, rules, wrap: before(restart), sleep: async () => void (await w.advance(600)) });

      expect(report.ok).toBe(true);
      expect(outcomes(report)).toEqual({ 'swas:box-1': 'stopping' });
      const [t0, t1] = tokensOf(report);
      expect(t1).not.toBe(t0);
      expect(log((await w.calls()).filter((c) => c.action !== 'StopInstance' && c.action !== 'StartInstance'))).toEqual([
        ['ListInstances', [], null, null, false],
        ['StopInstances', [BOX(1)], t0, 'IncorrectInstanceStatus', false],
        ['ListInstances', [BOX(1)], null, null, false],
        ['ListInstances', [BOX(1)], null, null, false],
        ['StopInstances', [BOX(1)], t1, null, true],
      ]);
      expect((await statuses(w))['box-1']).toBe('Stopping');
    },
  );

  it.each(
    READINGS.flatMap((tokenCachesFailures) => [
      { tokenCachesFailures, fault: { drop: true }, code: 'ConnectionDropped' },
      { tokenCachesFailures, fault: { html: true }, code: 'BadGateway' },
      { tokenCachesFailures, fault: { code: 'InternalError' }, code: 'InternalError' },
    ]),
  )(
    'an answer lost after the stop ran ($code): the retry carries the same token and SWAS replays it (tokenCachesFailures $tokenCachesFailures)',
    async ({ tokenCachesFailures, fault, code }) => {
      const w = await start([box(1), box(2)], { tokenCachesFailures });
      await w.faults([{ product: 'swas', action: 'StopInstances', times: 1, afterExecute: true, ...fault }]);

      const report = await w.run({ at: AT_20_00, rules });

      expect(outcomes(report)).toEqual(each([1, 2], 'stopping'));
      const token = tokenOf(report, 'box-1');
      expect(tokensOf(report)).toEqual([token]);
      expect(log((await w.calls()).filter((c) => c.action === 'StopInstances'))).toEqual([
        ['StopInstances', [1, 2].map(BOX), token, code, true],
        ['StopInstances', [1, 2].map(BOX), token, null, false],
      ]);
    },
  );
});

describe('batches of instances in every state', () => {
  const STATES = ['Pending', 'Upgrading', 'Disabled', 'Resetting'];
  /** box-1..4 as the story makes them, box-5..8 in states that cannot be moved. */
  const mixed = (first: readonly string[]) => [...first.map((status, i) => box(i + 1, status)), ...STATES.map((s, i) => box(i + 5, s))];
  const unmovable = (report: RunReport) =>
    [5, 6, 7, 8].map((n) => {
      const r = resultFor(report, `box-${n}`);
      return [r.outcome, r.reason];
    });

  it('a stop: Running is sent, Starting waited for and sent next, Stopped and Stopping need nothing, the rest are left alone', async () => {
    // Long transitions, moved on by the run's own waits; box-3 and box-4 are put in transition by hand.
    const w = await start(mixed(['Running', 'Stopped', 'Stopped', 'Running']), { transitionSeconds: 600 });
    await w.clockTo(AT_20_00);
    await w.byHandSwas('StartInstance', BOX(3));
    await w.byHandSwas('StopInstance', BOX(4));
    await w.clearCalls();

    const report = await w.run({ at: AT_20_00, rules, sleep: async () => void (await w.advance(600)) });

    expect(report.ok).toBe(true);
    expect(outcomes(report)).toEqual({
      'swas:box-1': 'stopping',
      'swas:box-2': 'already-stopped',
      'swas:box-3': 'stopping',
      'swas:box-4': 'stopping',
      ...each([5, 6, 7, 8], 'skipped'),
    });
    expect(unmovable(report)).toEqual(STATES.map((s) => ['skipped', `in state ${s}; left alone`]));
    const [t0, t1] = tokensOf(report);
    // Every member of the edge names the token, whatever its state; the second request is round 1.
    const members = [1, 2, 3, 4, 5, 6, 7, 8].map(BOX);
    expect([t0, t1]).toEqual(
      [0, 1].map((round) => clientToken({ rules: ['boxes'], action: 'stop', at: instant(AT_20_00), ids: members, round })),
    );
    expect(report.batches).toMatchObject([{ size: 2, laterTokens: [t1] }]);
    expect(log(await w.calls())).toEqual([
      ['ListInstances', [], null, null, false],
      ['StopInstances', [BOX(1)], t0, null, true],
      ['ListInstances', [BOX(3)], null, null, false],
      ['StopInstances', [BOX(3)], t1, null, true],
    ]);
    expect(await statuses(w)).toMatchObject({ 'box-1': 'Stopped', 'box-2': 'Stopped', 'box-3': 'Stopping', 'box-4': 'Stopped' });
    expect(await statuses(w)).toMatchObject(Object.fromEntries(STATES.map((s, i) => [`box-${i + 5}`, s])));
  });

  it('a start: Stopped is sent, Stopping waited for and sent next, Running and Starting need nothing, the rest are left alone', async () => {
    const w = await start(mixed(['Stopped', 'Running', 'Stopped', 'Running']), { transitionSeconds: 600 });
    await w.clockTo(WED_08_00);
    await w.byHandSwas('StartInstance', BOX(3));
    await w.byHandSwas('StopInstance', BOX(4));
    await w.clearCalls();

    const report = await w.run({ at: WED_08_00, rules, sleep: async () => void (await w.advance(600)) });

    expect(report.ok).toBe(true);
    expect(outcomes(report)).toEqual({
      'swas:box-1': 'starting',
      'swas:box-2': 'already-running',
      'swas:box-3': 'starting',
      'swas:box-4': 'starting',
      ...each([5, 6, 7, 8], 'skipped'),
    });
    expect(unmovable(report)).toEqual(STATES.map((s) => ['skipped', `in state ${s}; left alone`]));
    const [t0, t1] = tokensOf(report);
    expect(log(await w.calls())).toEqual([
      ['ListInstances', [], null, null, false],
      ['StartInstances', [BOX(1)], t0, null, true],
      ['ListInstances', [BOX(4)], null, null, false],
      ['StartInstances', [BOX(4)], t1, null, true],
    ]);
  });
});

/** Clients through which a person acts just before the run's first StopInstances or StartInstances reaches SWAS. */
const personFirst =
  (act: () => Promise<void>) =>
  (apis: CloudApis): CloudApis => {
    let done = false;
    const once = async () => {
      if (done) return;
      done = true;
      await act();
    };
    return {
      ...apis,
      swas: {
        ...apis.swas,
        async stopInstances(region, ids, token) {
          await once();
          return apis.swas.stopInstances(region, ids, token);
        },
        async startInstances(region, ids, token) {
          await once();
          return apis.swas.startInstances(region, ids, token);
        },
      },
    };
  };

/** The round-N token of the 20:00 stop (or 08:00 start) batch of these boxes. */
const tokenFor = (action: 'stop' | 'start', ns: readonly number[], round: number) =>
  clientToken({ rules: ['boxes'], action, at: instant(action === 'stop' ? AT_20_00 : WED_08_00), ids: ns.map(BOX), round });

describe('what a refusal leaves, read again', () => {
  it.each([
    { action: 'stop' as const, seed: 'Running', hand: 'StopInstance' as const, settle: 600, outcome: 'already-stopped' },
    { action: 'stop' as const, seed: 'Running', hand: 'StopInstance' as const, settle: 0, outcome: 'stopping' },
    { action: 'start' as const, seed: 'Stopped', hand: 'StartInstance' as const, settle: 600, outcome: 'already-running' },
    { action: 'start' as const, seed: 'Stopped', hand: 'StartInstance' as const, settle: 0, outcome: 'starting' },
  ])(
    'a $action refused because a person did it first (${settle} s before): read again and reported $outcome',
    async ({ action, seed, hand, settle, outcome }) => {
      const w = await start([box(1, seed)], { transitionSeconds: 600 });
      const report = await w.run({
        at: action === 'stop' ? AT_20_00 : WED_08_00,
        rules,
        wrap: personFirst(async () => {
          await w.byHandSwas(hand, BOX(1));
          if (settle) await w.advance(settle);
        }),
      });

      expect(report.ok).toBe(true);
      expect(resultFor(report, 'box-1')).toMatchObject({ outcome, batch: 'swas-1' });
      expect(resultFor(report, 'box-1').detail).toBeUndefined();
      expect(tokensOf(report)).toEqual([tokenFor(action, [1], 0)]);
      expect(log(await w.calls())).toEqual([
        ['ListInstances', [], null, null, false],
        [hand, [BOX(1)], null, null, true],
        [action === 'stop' ? 'StopInstances' : 'StartInstances', [BOX(1)], tokenFor(action, [1], 0), 'IncorrectInstanceStatus', false],
        ['ListInstances', [BOX(1)], null, null, false],
      ]);
    },
  );

  it('a catch-up refused because a person stopped box-1 and started it again: left starting; box-2 sent under a new token and read back', async () => {
    const w = await start([box(1), box(2)], { transitionSeconds: 600 });
    const restart = async () => {
      await w.byHandSwas('StopInstance', BOX(1));
      await w.advance(600);
      await w.byHandSwas('StartInstance', BOX(1));
    };

    const report = await w.run({ at: AT_20_10, rules, wrap: personFirst(restart) });

    expect(outcomes(report)).toEqual({ 'swas:box-1': 'skipped', 'swas:box-2': 'stopping' });
    expect(resultFor(report, 'box-1').detail).toBe('Starting: started after the stop edge; left running');
    const [t0, t1] = [0, 1].map((round) => tokenFor('stop', [1, 2], round));
    expect(tokensOf(report)).toEqual([t0, t1]);
    expect(log((await w.calls()).filter((c) => c.action !== 'StopInstance' && c.action !== 'StartInstance'))).toEqual([
      ['ListInstances', [], null, null, false],
      ['StopInstances', [1, 2].map(BOX), t0, 'IncorrectInstanceStatus', false],
      ['ListInstances', [1, 2].map(BOX), null, null, false],
      ['StopInstances', [BOX(2)], t1, null, true],
      ['ListInstances', [BOX(2)], null, null, false],
    ]);
  });

  it('read again after a refusal: an instance gone from the listing fails, one in another state is left alone, one still running is sent', async () => {
    const w = await start([box(1), box(2), box(3)]);
    await w.faults([{ product: 'swas', action: 'StopInstances', times: 1, code: 'IncorrectInstanceStatus' }]);
    // What SWAS says when read again: box-2 released, box-3 being upgraded.
    const reread = (apis: CloudApis): CloudApis => ({
      ...apis,
      swas: {
        ...apis.swas,
        async listInstances(region, filter) {
          const listed = await apis.swas.listInstances(region, filter);
          if (!filter?.instanceIds?.length) return listed;
          return listed.filter((i) => i.instanceId !== BOX(2)).map((i) => (i.instanceId === BOX(3) ? { ...i, status: 'Upgrading' } : i));
        },
      },
    });

    const report = await w.run({ at: AT_20_00, rules, wrap: reread });

    expect(report.results.filter((r) => r.product === 'swas').map((r) => [r.name, r.outcome, r.code, r.detail])).toEqual([
      ['box-1', 'stopping', undefined, undefined],
      ['box-2', 'failed', 'InvalidInstanceId.NotFound', 'the instance no longer exists'],
      ['box-3', 'skipped', undefined, 'in state Upgrading; left alone'],
    ]);
    const [t0, t1] = [0, 1].map((round) => tokenFor('stop', [1, 2, 3], round));
    expect(log(await w.calls())).toEqual([
      ['ListInstances', [], null, null, false],
      ['StopInstances', [1, 2, 3].map(BOX), t0, 'IncorrectInstanceStatus', false],
      ['ListInstances', [1, 2, 3].map(BOX), null, null, false],
      ['StopInstances', [BOX(1)], t1, null, true],
    ]);
  });

  it('a not-found refusal is read again like a state one; any other refusal fails the batch without a second call', async () => {
    const w = await start([box(1), box(2)]);
    await w.faults([{ product: 'swas', action: 'StopInstances', times: 1, code: 'InvalidInstanceId.NotFound' }]);
    const found = await w.run({ at: AT_20_00, rules });
    expect(outcomes(found)).toEqual(each([1, 2], 'stopping'));
    expect(log(await w.calls()).map((c) => c.slice(0, 4))).toEqual([
      ['ListInstances', [], null, null],
      ['StopInstances', [1, 2].map(BOX), tokenFor('stop', [1, 2], 0), 'InvalidInstanceId.NotFound'],
      ['ListInstances', [1, 2].map(BOX), null, null],
      ['StopInstances', [1, 2].map(BOX), tokenFor('stop', [1, 2], 1), null],
    ]);

    await w.run({ at: WED_08_00, rules });
    await w.faults([{ product: 'swas', action: 'StopInstances', times: 1, code: 'InvalidParameter' }]);
    await w.clearCalls();
    const refused = await w.run({ at: WED_20_00, rules });
    expect(refused.results.map((r) => [r.name, r.outcome, r.code, r.detail])).toEqual(
      [1, 2].map((n) => [`box-${n}`, 'failed', 'InvalidParameter', 'StopInstances: Injected fault: InvalidParameter.']),
    );
    expect(log(await w.calls()).map((c) => c[0])).toEqual(['ListInstances', 'StopInstances']);
  });
});

describe('rounds end', () => {
  it.each([
    { action: 'stop' as const, at: AT_20_00, seed: 'Stopped', hand: 'StartInstance' as const },
    { action: 'start' as const, at: WED_08_00, seed: 'Running', hand: 'StopInstance' as const },
  ])('a $action waits for an instance in transition four times, each a poll longer, then fails it', async ({ action, at, seed, hand }) => {
    const w = await start([box(1, seed)], { transitionSeconds: 600 });
    await w.clockTo(at);
    await w.byHandSwas(hand, BOX(1));
    await w.clearCalls();
    const waits: number[] = [];

    // Sandbox time stands still: box-1 stays in transition.
    const report = await w.run({ at, rules, pollMs: 100, sleep: (ms) => Promise.resolve(void waits.push(ms)) });

    expect(waits).toEqual([100, 200, 300, 400]);
    expect(resultFor(report, 'box-1')).toMatchObject({
      outcome: 'failed',
      code: 'IncorrectInstanceStatus',
      detail: `${action === 'stop' ? 'Stop' : 'Start'}Instances: instances did not reach a state that accepts ${action} after 4 tries`,
    });
    expect(log(await w.calls())).toEqual([
      ['ListInstances', [], null, null, false],
      ...waits.map(() => ['ListInstances', [BOX(1)], null, null, false]),
    ]);
  });

  it('a wait the deadline does not allow defers the instance, naming the wait', async () => {
    const w = await start([box(1, 'Stopped')], { transitionSeconds: 600 });
    await w.clockTo(AT_20_00);
    await w.byHandSwas('StartInstance', BOX(1));
    await w.clearCalls();

    const report = await w.run({ at: AT_20_00, rules, pollMs: 60_000 });

    expect(resultFor(report, 'box-1')).toMatchObject({
      outcome: 'deferred',
      detail: 'the deadline came while waiting for instances in transition before stop',
    });
    expect(log(await w.calls())).toEqual([['ListInstances', [], null, null, false]]);
  });

  it('refused four times in a row, each time under a new token: the fifth request is not sent', async () => {
    const w = await start([box(1)]);
    await w.faults([{ product: 'swas', action: 'StopInstances', times: 5, code: 'IncorrectInstanceStatus' }]);

    const report = await w.run({ at: AT_20_00, rules });

    expect(resultFor(report, 'box-1')).toMatchObject({
      outcome: 'failed',
      code: 'IncorrectInstanceStatus',
      detail: 'StopInstances: instances did not reach a state that accepts stop after 4 tries',
    });
    const tokens = [0, 1, 2, 3].map((round) => tokenFor('stop', [1], round));
    expect(tokensOf(report)).toEqual(tokens);
    expect(log(await w.calls())).toEqual([
      ['ListInstances', [], null, null, false],
      ...tokens.flatMap((t) => [
        ['StopInstances', [BOX(1)], t, 'IncorrectInstanceStatus', false],
        ['ListInstances', [BOX(1)], null, null, false],
      ]),
    ]);
  });
});

describe('batches formed', () => {
  it('members go by id, whatever their names: the request lists them in that order', async () => {
    const w = await start([
      { ...box(1), instanceName: 'zeta' },
      { ...box(2), instanceName: 'beta' },
      { ...box(3), instanceName: 'alpha' },
    ]);

    const report = await w.run({ at: AT_20_00, rules });

    expect(report.results.map((r) => [r.name, r.outcome])).toEqual([
      ['alpha', 'stopping'],
      ['beta', 'stopping'],
      ['zeta', 'stopping'],
    ]);
    expect(log(executed(await w.calls()))).toEqual([['StopInstances', [1, 2, 3].map(BOX), tokenFor('stop', [1, 2, 3], 0), null, true]]);
  });

  it.each([
    { transitionSeconds: 600, status: 'Stopping' },
    { transitionSeconds: 0.001, status: 'Stopped' },
  ])('a catch-up reads back what it sent: instances found $status keep their outcome', async ({ transitionSeconds, status }) => {
    const w = await start([box(1), box(2)], { transitionSeconds });
    const report = await w.run({ at: AT_20_10, rules });
    expect(outcomes(report)).toEqual(each([1, 2], 'stopping'));
    expect(log(await w.calls())).toEqual([
      ['ListInstances', [], null, null, false],
      ['StopInstances', [1, 2].map(BOX), tokenFor('stop', [1, 2], 0), null, true],
      ['ListInstances', [1, 2].map(BOX), null, null, false],
    ]);
    expect(await statuses(w)).toEqual({ 'box-1': status, 'box-2': status });
  });
});

describe('one batch per edge', () => {
  const three = rulesFrom(`version: 1
timezone: Asia/Shanghai
rules:
  - name: boxes
    offPeak: ["daily 20:00-08:00"]
    targets:
      swas: [{ region: cn-hangzhou, tags: { env: dev } }]
  - name: lab
    offPeak: ["daily 20:00-08:00"]
    targets:
      swas: [{ region: cn-hangzhou, tags: { env: lab } }]
  - name: kiosk
    offPeak: ["daily 08:00-20:00"]
    restore: true
    targets:
      swas: [{ region: cn-hangzhou, tags: { env: kiosk } }]
`);

  it('two rules stopping at 20:00 and one starting: three batches, each with its own rules, action and token', async () => {
    const w = await start([
      box(1),
      box(2),
      { ...box(3), instanceName: 'lab-3', tags: { env: 'lab' } },
      { ...box(4, 'Stopped'), instanceName: 'kiosk-4', tags: { env: 'kiosk' } },
    ]);

    const report = await w.run({ at: AT_20_00, rules: three });

    expect(report.results.map((r) => [r.name, r.outcome, r.batch])).toEqual([
      ['box-1', 'stopping', 'swas-1'],
      ['box-2', 'stopping', 'swas-1'],
      ['kiosk-4', 'starting', 'swas-2'],
      ['lab-3', 'stopping', 'swas-3'],
    ]);
    const token = (rule: string, action: 'stop' | 'start', ns: readonly number[]) =>
      clientToken({ rules: [rule], action, at: instant(AT_20_00), ids: ns.map(BOX), round: 0 });
    expect([...report.batches].sort((a, b) => a.id.localeCompare(b.id)).map((b) => [b.id, b.action, b.size, b.clientToken])).toEqual([
      ['swas-1', 'stop', 2, token('boxes', 'stop', [1, 2])],
      ['swas-2', 'start', 1, token('kiosk', 'start', [4])],
      ['swas-3', 'stop', 1, token('lab', 'stop', [3])],
    ]);
  });
});

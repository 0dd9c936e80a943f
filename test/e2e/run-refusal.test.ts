import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readOnly, refusing } from '../../lib/cloud/refuse.js';
import { connect } from '../../lib/doors/connect.js';
import { systemClock } from '../../lib/execute/clock.js';
import type { ExecuteContext } from '../../lib/execute/context.js';
import { Deadline } from '../../lib/execute/deadline.js';
import { executeSae } from '../../lib/execute/sae.js';
import { executeSwas } from '../../lib/execute/swas.js';
import type { Decision, Resource } from '../../lib/plan/decide.js';
import type { CloudApis } from '../../lib/cloud/api.js';
import { DEMO_KEY } from './support/clients.js';
import { callsOf, DEV, DEV_SEED, MUTATING, startWorld, type World } from './support/run.js';

/**
 * Dry run and the guard by construction: the executors are handed `act` decisions directly, as
 * if a bug in deciding had let them through, and still no mutating call reaches the sandbox,
 * because the run's client itself refuses it. The refusal becomes the result.
 */

const AT = Date.parse('2036-11-25T12:00:00Z');

let world: World;
let deadline: Deadline;
beforeEach(async () => {
  world = await startWorld(DEV_SEED, { rateScale: 100 });
  deadline = new Deadline(systemClock.now() + 15_000, systemClock);
});
afterEach(async () => {
  deadline.dispose();
  await world.close();
});

function gated(): CloudApis {
  const settings = {
    tick: 300_000,
    endpoint: world.url,
    vpc: false,
    maxStopsPerRun: 200,
    saeBatch: false,
    schedules: '',
    rateScale: 100,
    pollMs: 50,
    fanOut: 'auto' as const,
  };
  const credentials = { kind: 'static', accessKeyId: DEMO_KEY.accessKeyId, accessKeySecret: DEMO_KEY.accessKeySecret } as const;
  return connect({ credentials, settings, deadline, clock: systemClock }).apis;
}

function context(apis: CloudApis, saeBatch = false): ExecuteContext {
  return {
    apis,
    deadline,
    sleep: (ms) => systemClock.sleep(ms),
    pollMs: 50,
    at: AT,
    late: false,
    saeBatch,
    denied: new Map(),
    batches: [],
  };
}

const resource = (product: 'sae' | 'swas', id: string, name: string): Resource => ({
  product,
  id,
  name,
  region: 'cn-hangzhou',
  tags: {},
  state: 'running',
  status: product === 'sae' ? 'RUNNING' : 'Running',
  ...(product === 'sae' ? { namespaceId: 'cn-hangzhou:dev' } : {}),
});

const act = (r: Resource, action: 'stop' | 'start' = 'stop', catchUp = false): Decision => ({
  resource: r,
  action,
  rules: ['dev-nights'],
  verdict: 'act',
  reason: 'asked for by the test',
  catchUp,
  kind: 'edge',
  edgeAt: AT,
});

const apps = [resource('sae', DEV.api, 'dev-api'), resource('sae', DEV.web, 'dev-web')];
const boxes = [resource('swas', DEV.box, 'dev-box')];

describe('a client that refuses mutations', () => {
  it.each([false, true])(
    'dry run (SAE batch %s): every stop and start asked for is refused, reported would-*, and never sent',
    async (saeBatch) => {
      const ctx = context(readOnly(gated()), saeBatch);
      const results = [
        ...(await executeSae(
          apps.map((r) => act(r)),
          ctx,
        )),
        ...(await executeSae([act(resource('sae', DEV.prod, 'prod-api'), 'start')], ctx)),
        ...(await executeSwas(
          boxes.map((r) => act(r)),
          ctx,
        )),
        ...(await executeSae([act(apps[0]!, 'stop', true)], ctx)),
      ];
      expect(results.map((r) => `${r.name} ${r.outcome}`)).toEqual([
        'dev-api would-stop',
        'dev-web would-stop',
        'prod-api would-start',
        'dev-box would-stop',
        'dev-api would-stop',
      ]);
      // The SWAS batch is stated once, with the token it would have been sent with.
      expect(ctx.batches.map((b) => [b.id, b.size, b.attempts])).toEqual([['swas-1', 1, 0]]);
      expect(ctx.batches[0]?.clientToken).toMatch(/^offpeak-stop-/);
      expect(results.find((r) => r.product === 'swas')?.batch).toBe('swas-1');
      expect(callsOf(await world.calls(), MUTATING)).toEqual([]);
      expect((await world.state()).sae.apps.every((a) => a.status === 'RUNNING')).toBe(true);
    },
  );

  it('guard: stops are refused and reported held; starts still go through', async () => {
    const ctx = context(refusing(gated(), ['stop'], 'guard'));
    const stops = [
      ...(await executeSae(
        apps.map((r) => act(r)),
        ctx,
      )),
      ...(await executeSwas(
        boxes.map((r) => act(r)),
        ctx,
      )),
    ];
    expect(stops.map((r) => r.outcome)).toEqual(['held', 'held', 'held']);
    expect(callsOf(await world.calls(), MUTATING)).toEqual([]);

    const [started] = await executeSae([act(resource('sae', DEV.prod, 'prod-api'), 'start')], ctx);
    // prod-api runs already: SAE refuses the start with InvalidStatus, which the executor reads back.
    expect(started?.outcome).toBe('already-running');
    expect(callsOf(await world.calls(), MUTATING).map((c) => c.action)).toEqual(['StartApplication']);
  });

  it('the refusal happens in the client, before the gate: nothing is paced, retried or logged', async () => {
    const apis = readOnly(gated());
    await expect(apis.sae.stop('cn-hangzhou', DEV.api)).rejects.toThrow('dry run: StopApplication not sent');
    await expect(apis.sae.batchStart('cn-hangzhou', 'cn-hangzhou:dev', [DEV.api])).rejects.toThrow(
      'dry run: BatchStartApplications not sent',
    );
    await expect(apis.swas.startInstances('cn-hangzhou', [DEV.box], 'token')).rejects.toThrow('dry run: StartInstances not sent');
    expect(await world.calls()).toEqual([]);
    // Reads pass through.
    expect((await apis.swas.listInstances('cn-hangzhou', { instanceIds: [DEV.box] })).map((i) => i.status)).toEqual(['Running']);
  });
});

describe('a product and region that refused permission', () => {
  it('SWAS: a later batch of the same run in that region is not sent, and says why', async () => {
    await world.faults([{ product: 'swas', action: 'StopInstances', times: 1, code: 'Forbidden.RAM' }]);
    const ctx = context(gated());

    const [stop] = await executeSwas(
      boxes.map((r) => act(r)),
      ctx,
    );
    const [start] = await executeSwas(
      boxes.map((r) => act(r, 'start')),
      ctx,
    );

    expect([stop?.outcome, stop?.code]).toEqual(['failed', 'Forbidden.RAM']);
    expect(start).toMatchObject({
      name: 'dev-box',
      outcome: 'failed',
      code: 'Forbidden.RAM',
      detail: 'not tried: swas in cn-hangzhou refused permission earlier in this run (Forbidden.RAM)',
    });
    expect(callsOf(await world.calls(), MUTATING).map((c) => [c.action, c.code])).toEqual([['StopInstances', 'Forbidden.RAM']]);
  });
});

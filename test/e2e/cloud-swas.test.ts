import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CloudError } from '../../lib/cloud/errors.js';
import { createSwasApi } from '../../lib/cloud/index.js';
import type { Sandbox } from '../../lib/sandbox/server.js';
import { admin, DEMO_STS_KEY } from './support/clients.js';
import { recordingGate, rejection, sandboxOptions, startWorld, swasInstance, SWAS_HANGZHOU, SWAS_SHANGHAI } from './support/cloud-world.js';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startWorld();
});
afterAll(() => sandbox.close());
beforeEach(() => admin(sandbox.url, 'reset', ''));

const hz = (i: number) => swasInstance('cn-hangzhou', i).instanceId;
const hzIds = (n: number) => Array.from({ length: n }, (_, i) => hz(i));
const calls = () => admin<Array<{ action: string; executed: boolean; clientToken: string | null }>>(sandbox.url, 'calls');

describe('SWAS ListInstances', () => {
  it('reads every page of a region, one gated call each', async () => {
    const { gate, calls: gated } = recordingGate();
    const swas = createSwasApi(sandboxOptions(sandbox, { gate }));
    const all = await swas.listInstances('cn-hangzhou', {});
    expect(all.map((i) => i.instanceId).sort()).toEqual(hzIds(SWAS_HANGZHOU).sort());
    expect(gated).toEqual(Array(3).fill({ product: 'swas', action: 'ListInstances' }));
    expect(all.find((i) => i.instanceId === hz(2))).toEqual({
      instanceId: hz(2),
      instanceName: 'web-002',
      regionId: 'cn-hangzhou',
      status: 'Running',
      tags: { role: 'web' },
      chargeType: 'PrePaid',
      planId: 'swas.s2.c2m4s80b4t1',
    });
    expect(await swas.listInstances('cn-shanghai', {})).toHaveLength(SWAS_SHANGHAI);
  });

  it('sends ids in groups of at most 100', async () => {
    const { gate, calls: gated } = recordingGate();
    const swas = createSwasApi(sandboxOptions(sandbox, { gate }));
    // 250 ids, one of them twice and one from another region: 3 groups (100, 100, 50), one page each.
    const asked = [...hzIds(249), hz(0), swasInstance('cn-shanghai', 0).instanceId];
    const found = await swas.listInstances('cn-hangzhou', { instanceIds: asked });
    expect(found.map((i) => i.instanceId).sort()).toEqual(hzIds(249).sort());
    expect(gated).toHaveLength(3);
    const sent = (await calls()).map((c) => c.action);
    expect(sent).toEqual(['ListInstances', 'ListInstances', 'ListInstances']);
  });

  it('filters by name and tags', async () => {
    const swas = createSwasApi(sandboxOptions(sandbox));
    const webs = await swas.listInstances('cn-hangzhou', { instanceName: 'web-*' });
    expect(webs).toHaveLength(SWAS_HANGZHOU / 2);
    expect(webs.every((i) => i.instanceName.startsWith('web-'))).toBe(true);
    const dbs = await swas.listInstances('cn-hangzhou', { tags: { role: 'db' } });
    expect(dbs).toHaveLength(SWAS_HANGZHOU / 2);
    expect(dbs.every((i) => i.tags.role === 'db')).toBe(true);
    expect(await swas.listInstances('cn-hangzhou', { instanceName: 'db-01*', tags: { role: 'db' } })).toHaveLength(5);
  });

  it('asks nothing for an empty id list', async () => {
    const { gate, calls: gated } = recordingGate();
    expect(await createSwasApi(sandboxOptions(sandbox, { gate })).listInstances('cn-hangzhou', { instanceIds: [] })).toEqual([]);
    expect(gated).toEqual([]);
  });
});

describe('SWAS stop and start', () => {
  it('stops and starts instances with a client token, replays safely, and reports state errors', async () => {
    const { gate, calls: gated } = recordingGate();
    const swas = createSwasApi(sandboxOptions(sandbox, { gate }));
    const ids = [hz(0), hz(1)];
    await swas.stopInstances('cn-hangzhou', ids, 'stop-1');
    expect((await swas.listInstances('cn-hangzhou', { instanceIds: ids })).map((i) => i.status)).toEqual(['Stopping', 'Stopping']);
    // The same token again is the same request: answered, not executed twice.
    await swas.stopInstances('cn-hangzhou', ids, 'stop-1');
    await admin(sandbox.url, 'advance', { seconds: 5 });
    expect((await swas.listInstances('cn-hangzhou', { instanceIds: ids })).map((i) => i.status)).toEqual(['Stopped', 'Stopped']);

    const again = await rejection(swas.stopInstances('cn-hangzhou', ids, 'stop-2'));
    expect(again).toBeInstanceOf(CloudError);
    expect(again).toMatchObject({
      code: 'IncorrectInstanceStatus',
      kind: 'state',
      httpStatus: 403,
      product: 'swas',
      action: 'StopInstances',
    });
    expect((again as CloudError).requestId).toBeTruthy();

    await swas.startInstances('cn-hangzhou', ids, 'start-1');
    await admin(sandbox.url, 'advance', { seconds: 5 });
    expect((await swas.listInstances('cn-hangzhou', { instanceIds: ids })).map((i) => i.status)).toEqual(['Running', 'Running']);

    const log = (await calls()).filter((c) => c.action !== 'ListInstances');
    expect(log.map((c) => [c.action, c.clientToken, c.executed])).toEqual([
      ['StopInstances', 'stop-1', true],
      ['StopInstances', 'stop-1', false],
      ['StopInstances', 'stop-2', false],
      ['StartInstances', 'start-1', true],
    ]);
    expect(gated.map((c) => c.action)).toEqual([
      'StopInstances',
      'ListInstances',
      'StopInstances',
      'ListInstances',
      'StopInstances',
      'StartInstances',
      'ListInstances',
    ]);
  });

  it('refuses 0 or more than 100 ids, and a bad token, without calling', async () => {
    const { gate, calls: gated } = recordingGate();
    const swas = createSwasApi(sandboxOptions(sandbox, { gate }));
    expect(await rejection(swas.stopInstances('cn-hangzhou', [], 't'))).toMatchObject({ kind: 'invalid', action: 'StopInstances' });
    expect(await rejection(swas.startInstances('cn-hangzhou', hzIds(101), 't'))).toMatchObject({
      kind: 'invalid',
      action: 'StartInstances',
    });
    expect(await rejection(swas.stopInstances('cn-hangzhou', [hz(0)], ''))).toMatchObject({ kind: 'invalid' });
    expect(gated).toEqual([]);
    expect(await calls()).toEqual([]);
    // Exactly 100 is allowed.
    await swas.stopInstances('cn-hangzhou', hzIds(100), 'hundred');
    expect(gated).toHaveLength(1);
  });

  it('reports an unknown instance as not found', async () => {
    const swas = createSwasApi(sandboxOptions(sandbox));
    expect(await rejection(swas.stopInstances('cn-hangzhou', ['nope'], 't'))).toMatchObject({
      code: 'InvalidInstanceId.NotFound',
      kind: 'not-found',
    });
  });

  it('signs with STS keys', async () => {
    const swas = createSwasApi(sandboxOptions(sandbox, {}, DEMO_STS_KEY));
    await swas.stopInstances('cn-shanghai', [swasInstance('cn-shanghai', 3).instanceId], 'sts-stop');
    expect((await swas.listInstances('cn-shanghai', { instanceIds: [swasInstance('cn-shanghai', 3).instanceId] }))[0]?.status).toBe(
      'Stopping',
    );
  });
});

describe('SWAS throttling', () => {
  it('the eleventh ListInstances in a minute is throttled', async () => {
    const limited = await startWorld(true);
    try {
      const swas = createSwasApi(sandboxOptions(limited));
      for (let i = 0; i < 10; i += 1) await swas.listInstances('cn-shanghai', {});
      const error = await rejection(swas.listInstances('cn-shanghai', {}));
      expect(error).toMatchObject({ code: 'Throttling.User', kind: 'throttled', retryable: true, action: 'ListInstances' });
    } finally {
      await limited.close();
    }
  });
});

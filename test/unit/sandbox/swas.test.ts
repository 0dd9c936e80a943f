import { describe, expect, it } from 'vitest';
import { ApiError, type ActionOutcome } from '../../../lib/sandbox/api.js';
import type { SeedInstance } from '../../../lib/sandbox/seed.js';
import { createSwasModel, type SwasOptions } from '../../../lib/sandbox/swas.js';

const A = '1000000000000001';
const B = '1000000000000002';
const HZ = 'cn-hangzhou';
const T0 = Date.parse('2026-01-01T00:00:00Z');
const MS = 3000;

function inst(instanceId: string, over: Partial<SeedInstance> = {}): SeedInstance {
  return {
    instanceId,
    instanceName: `web-${instanceId}`,
    regionId: HZ,
    status: 'Running',
    planId: 'swas.s2.c2m4s80b4t1',
    tags: {},
    accountId: A,
    omit: [],
    ...over,
  };
}

const defaultSeed = (): SeedInstance[] => [
  inst('i-1', { instanceName: 'web-prod-1', tags: { env: 'prod', team: 'a' } }),
  inst('i-2', { instanceName: 'web-dev-1', tags: { env: 'dev', team: 'a' } }),
  inst('i-3', { instanceName: 'db-prod', status: 'Stopped', tags: { env: 'prod' } }),
  inst('i-sh', { regionId: 'cn-shanghai' }),
  inst('i-b', { accountId: B }),
];

/** A fresh model and helpers that default the region, account and time. */
function world(seed: SeedInstance[] = defaultSeed(), options: SwasOptions = {}) {
  const model = createSwasModel(seed, { changeOrderMs: 1, transitionMs: MS }, options);
  const call = (action: string, params: Record<string, string> = {}, at = T0, accountId = A): ActionOutcome =>
    model.handle({ action, params: { RegionId: HZ, ...params }, accountId, now: at });
  const status = (id: string, at: number): string | undefined => model.snapshot(at).instances.find((i) => i.instanceId === id)?.status;
  const list = (params: Record<string, string> = {}, at = T0, accountId = A) => {
    const body = call('ListInstances', params, at, accountId).body as {
      TotalCount: number;
      PageNumber: number;
      PageSize: number;
      Instances: Array<{ InstanceId: string }>;
    };
    return { ...body, ids: body.Instances.map((i) => i.InstanceId) };
  };
  return { model, call, status, list };
}

/** The ApiError a call throws; anything else (or no error) fails the test. */
function failure(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected an ApiError');
}

describe('SWAS state machine', () => {
  it('stops: Running -> Stopping -> Stopped exactly at now + transitionMs', () => {
    const { call, status } = world();
    const out = call('StopInstance', { InstanceId: 'i-1' });
    expect(out).toEqual({ body: {}, executed: true });
    expect(status('i-1', T0)).toBe('Stopping');
    expect(status('i-1', T0 + MS - 1)).toBe('Stopping');
    expect(status('i-1', T0 + MS)).toBe('Stopped');
  });

  it('starts back: Stopped -> Starting -> Running', () => {
    const { call, status } = world();
    call('StopInstance', { InstanceId: 'i-1' });
    call('StartInstance', { InstanceId: 'i-1' }, T0 + MS);
    expect(status('i-1', T0 + 2 * MS - 1)).toBe('Starting');
    expect(status('i-1', T0 + 2 * MS)).toBe('Running');
  });

  it('refuses stop of Stopped/Stopping and start of Running/Starting with 403 IncorrectInstanceStatus', () => {
    const { call } = world();
    const expectStatusError = (action: string, id: string, at: number) => {
      const e = failure(() => call(action, { InstanceId: id }, at));
      expect([e.httpStatus, e.code, e.message]).toEqual([
        403,
        'IncorrectInstanceStatus',
        'The current status of the resource does not support this operation.',
      ]);
    };
    expectStatusError('StopInstance', 'i-3', T0);
    expectStatusError('StartInstance', 'i-1', T0);
    call('StopInstance', { InstanceId: 'i-1' });
    expectStatusError('StopInstance', 'i-1', T0 + 1);
    expectStatusError('StartInstance', 'i-1', T0 + 1);
    call('StartInstance', { InstanceId: 'i-3' });
    expectStatusError('StartInstance', 'i-3', T0 + 1);
  });

  it('answers 404 InvalidInstanceId.NotFound for unknown ids, other accounts and other regions', () => {
    const { call, status } = world();
    for (const [id, region, account] of [
      ['nope', HZ, A],
      ['i-b', HZ, A],
      ['i-sh', HZ, A],
      ['i-1', 'cn-shanghai', A],
      ['i-1', HZ, B],
    ] as const) {
      const e = failure(() => call('StopInstance', { InstanceId: id, RegionId: region }, T0, account));
      expect([e.httpStatus, e.code]).toEqual([404, 'InvalidInstanceId.NotFound']);
      expect(e.message).toContain(id);
    }
    expect(status('i-1', T0 + MS)).toBe('Running');
  });

  it('requires RegionId on every action, and InstanceId/InstanceIds where they apply', () => {
    const { model } = world();
    for (const action of model.actions) {
      const e = failure(() => model.handle({ action, params: { InstanceId: 'i-1', InstanceIds: '["i-1"]' }, accountId: A, now: T0 }));
      expect([e.httpStatus, e.code]).toEqual([400, 'MissingRegionId']);
    }
    const { call } = world();
    expect(failure(() => call('StopInstance')).code).toBe('MissingInstanceId');
    expect(failure(() => call('StopInstances')).code).toBe('MissingInstanceIds');
    expect(failure(() => call('StopInstances', { InstanceIds: '[]' })).code).toBe('InvalidParameter');
  });

  it('throws InvalidApi.NotFound for an unknown action', () => {
    const e = failure(() => world().call('DeleteInstance', { InstanceId: 'i-1' }));
    expect([e.httpStatus, e.code]).toEqual([404, 'InvalidApi.NotFound']);
  });
});

describe('SWAS batch actions', () => {
  it('stops and starts several instances at once', () => {
    const { call, status } = world();
    expect(call('StopInstances', { InstanceIds: '["i-1","i-2"]', ForceStop: 'true' }).executed).toBe(true);
    expect([status('i-1', T0 + MS), status('i-2', T0 + MS)]).toEqual(['Stopped', 'Stopped']);
    call('StartInstances', { InstanceIds: '["i-1","i-2","i-3"]' }, T0 + MS);
    expect(['i-1', 'i-2', 'i-3'].map((id) => status(id, T0 + 2 * MS))).toEqual(['Running', 'Running', 'Running']);
  });

  it('is all or nothing: one unknown id (404) or one wrong status (403) changes nothing, naming the id', () => {
    const { call, status } = world();
    const missingOne = failure(() => call('StopInstances', { InstanceIds: '["i-1","i-b"]' }));
    expect([missingOne.httpStatus, missingOne.code]).toEqual([404, 'InvalidInstanceId.NotFound']);
    expect(missingOne.message).toContain('i-b');
    const wrongOne = failure(() => call('StopInstances', { InstanceIds: '["i-1","i-3","i-2"]' }));
    expect([wrongOne.httpStatus, wrongOne.code]).toEqual([403, 'IncorrectInstanceStatus']);
    expect(wrongOne.message).toContain('i-3');
    expect(['i-1', 'i-2'].map((id) => status(id, T0 + MS))).toEqual(['Running', 'Running']);
  });

  it('validates ForceStop and the id list', () => {
    const { call } = world();
    expect(failure(() => call('StopInstances', { InstanceIds: '["i-1"]', ForceStop: 'yes' })).code).toBe('InvalidParameter');
    expect(failure(() => call('StopInstances', { InstanceIds: '["i-1"' })).code).toBe('InvalidParameter');
    expect(failure(() => call('StopInstances', { InstanceIds: '{"i-1":1}' })).code).toBe('InvalidParameter');
    const ids = JSON.stringify(Array.from({ length: 101 }, (_, n) => `i-${n}`));
    expect(failure(() => call('StopInstances', { InstanceIds: ids })).message).toMatch(/at most 100/);
  });
});

describe('SWAS ClientToken', () => {
  it('replays the first answer without a second transition, even after the instance was started again', () => {
    const { call, status } = world();
    const first = call('StopInstance', { InstanceId: 'i-1', ClientToken: 'tok-stop' });
    expect(first.executed).toBe(true);
    call('StartInstance', { InstanceId: 'i-1', ClientToken: 'tok-start' }, T0 + MS);
    expect(status('i-1', T0 + 2 * MS)).toBe('Running');
    // Same parameters in another order: still the same request.
    const replay = call('StopInstance', { ClientToken: 'tok-stop', InstanceId: 'i-1' }, T0 + 2 * MS);
    expect(replay).toEqual({ body: first.body, executed: false });
    expect(status('i-1', T0 + 10 * MS)).toBe('Running');
  });

  it('answers IdempotentParameterMismatch for other parameters or another action', () => {
    const { call } = world();
    call('StopInstance', { InstanceId: 'i-1', ClientToken: 'tok' });
    for (const [action, params] of [
      ['StopInstance', { InstanceId: 'i-2' }],
      ['StartInstance', { InstanceId: 'i-1' }],
      ['StopInstances', { InstanceIds: '["i-1"]' }],
    ] as const) {
      const e = failure(() => call(action, { ...params, ClientToken: 'tok' }));
      expect([e.httpStatus, e.code, e.message]).toEqual([
        400,
        'IdempotentParameterMismatch',
        'The specified parameters are different from before.',
      ]);
    }
  });

  it('does not reserve a token on failure, and scopes tokens per account', () => {
    const { call, status } = world();
    expect(failure(() => call('StartInstance', { InstanceId: 'i-1', ClientToken: 'tok' })).code).toBe('IncorrectInstanceStatus');
    call('StopInstance', { InstanceId: 'i-1' });
    // Retried with the same token once the status allows it: runs for real.
    expect(call('StartInstance', { InstanceId: 'i-1', ClientToken: 'tok' }, T0 + MS).executed).toBe(true);
    expect(status('i-1', T0 + 2 * MS)).toBe('Running');
    // Account B's identical token is its own and does not collide with A's.
    expect(call('StopInstance', { InstanceId: 'i-b', ClientToken: 'tok' }, T0, B).executed).toBe(true);
  });

  it('with tokenCachesFailures, keeps a refusal: the same token and ids get it again once the status allows, other ids a mismatch', () => {
    const { call, status } = world(defaultSeed(), { tokenCachesFailures: true });
    const refusal = failure(() => call('StopInstances', { InstanceIds: '["i-1","i-3"]', ClientToken: 'tok' }));
    expect([refusal.httpStatus, refusal.code]).toEqual([403, 'IncorrectInstanceStatus']);
    call('StartInstance', { InstanceId: 'i-3' });
    expect(status('i-3', T0 + MS)).toBe('Running');
    // Both could be stopped now, but the token stands for the refusal.
    const again = failure(() => call('StopInstances', { InstanceIds: '["i-1","i-3"]', ClientToken: 'tok' }, T0 + MS));
    expect([again.httpStatus, again.code, again.message]).toEqual([403, refusal.code, refusal.message]);
    expect(failure(() => call('StopInstances', { InstanceIds: '["i-1"]', ClientToken: 'tok' }, T0 + MS)).code).toBe(
      'IdempotentParameterMismatch',
    );
    expect(['i-1', 'i-3'].map((id) => status(id, T0 + 3 * MS))).toEqual(['Running', 'Running']);
    // A new token acts; an unknown id's refusal is kept as well; successes are replayed as always.
    const stop = call('StopInstances', { InstanceIds: '["i-1","i-3"]', ClientToken: 'tok-2' }, T0 + MS);
    expect(stop.executed).toBe(true);
    expect(call('StopInstances', { InstanceIds: '["i-1","i-3"]', ClientToken: 'tok-2' }, T0 + 3 * MS)).toEqual({
      ...stop,
      executed: false,
    });
    expect(failure(() => call('StopInstance', { InstanceId: 'i-9', ClientToken: 'tok-3' })).code).toBe('InvalidInstanceId.NotFound');
    expect(failure(() => call('StopInstance', { InstanceId: 'i-9', ClientToken: 'tok-3' })).code).toBe('InvalidInstanceId.NotFound');
  });

  it('without tokenCachesFailures (the default), the same token and ids succeed once the status allows', () => {
    const { call, status } = world();
    expect(failure(() => call('StopInstances', { InstanceIds: '["i-1","i-3"]', ClientToken: 'tok' })).code).toBe('IncorrectInstanceStatus');
    call('StartInstance', { InstanceId: 'i-3' });
    expect(call('StopInstances', { InstanceIds: '["i-1","i-3"]', ClientToken: 'tok' }, T0 + MS).executed).toBe(true);
    expect(['i-1', 'i-3'].map((id) => status(id, T0 + 3 * MS))).toEqual(['Stopped', 'Stopped']);
  });

  it('rejects tokens over 64 characters or with non-printable characters', () => {
    const { call } = world();
    expect(call('StopInstance', { InstanceId: 'i-1', ClientToken: 'x'.repeat(64) }).executed).toBe(true);
    for (const token of ['x'.repeat(65), 'tab\there', 'ünïcode']) {
      expect(failure(() => call('StopInstance', { InstanceId: 'i-2', ClientToken: token })).code).toBe('InvalidParameter');
    }
  });
});

describe('SWAS ListInstances', () => {
  const many = (): SeedInstance[] => Array.from({ length: 125 }, (_, n) => inst(`i-${String(n).padStart(3, '0')}`));

  it('pages by id with defaults 1/10, up to 100 per page', () => {
    const { list } = world(many());
    const first = list();
    expect([first.TotalCount, first.PageNumber, first.PageSize, first.ids.length, first.ids[0]]).toEqual([125, 1, 10, 10, 'i-000']);
    expect(list({ PageSize: '100' }).ids).toHaveLength(100);
    const second = list({ PageSize: '100', PageNumber: '2' });
    expect([second.TotalCount, second.ids.length, second.ids[0], second.ids[24]]).toEqual([125, 25, 'i-100', 'i-124']);
    expect(list({ PageNumber: '99' }).ids).toEqual([]);
  });

  it('rejects page sizes outside 1..100 and non-numeric paging with 400 InvalidParameter', () => {
    const { call } = world();
    for (const params of <Array<Record<string, string>>>[
      { PageSize: '101' },
      { PageSize: '0' },
      { PageSize: 'ten' },
      { PageNumber: '0' },
      { PageNumber: '-1' },
      { PageNumber: '1.5' },
    ]) {
      const e = failure(() => call('ListInstances', params));
      expect([e.httpStatus, e.code]).toEqual([400, 'InvalidParameter']);
    }
  });

  it('describes each instance in full', () => {
    const [row] = world().call('ListInstances', { InstanceIds: '["i-1"]' }).body['Instances'] as Array<Record<string, unknown>>;
    expect(row).toMatchObject({
      InstanceId: 'i-1',
      InstanceName: 'web-prod-1',
      Status: 'Running',
      BusinessStatus: 'Normal',
      ChargeType: 'PrePaid',
      RegionId: HZ,
      PlanId: 'swas.s2.c2m4s80b4t1',
    });
    expect(row!['Tags']).toEqual([
      { Key: 'env', Value: 'prod' },
      { Key: 'team', Value: 'a' },
    ]);
    for (const field of ['CreationTime', 'ExpiredTime', 'PublicIpAddress', 'InnerIpAddress', 'ResourceGroupId'])
      expect(typeof row![field]).toBe('string');
  });

  it('filters by InstanceName with * wildcard, exact otherwise', () => {
    const { list } = world();
    expect(list({ InstanceName: 'web-*' }).ids).toEqual(['i-1', 'i-2']);
    expect(list({ InstanceName: '*prod*' }).ids).toEqual(['i-1', 'i-3']);
    expect(list({ InstanceName: '*-1' }).ids).toEqual(['i-1', 'i-2']);
    expect(list({ InstanceName: 'web' }).ids).toEqual([]);
    expect(list({ InstanceName: 'db-prod' }).ids).toEqual(['i-3']);
  });

  it('filters by tags (all must match; a key alone matches any value) and status at now', () => {
    const { list, call } = world();
    expect(list({ 'Tag.1.Key': 'env', 'Tag.1.Value': 'prod' }).ids).toEqual(['i-1', 'i-3']);
    expect(list({ 'Tag.1.Key': 'env', 'Tag.1.Value': 'prod', 'Tag.2.Key': 'team', 'Tag.2.Value': 'a' }).ids).toEqual(['i-1']);
    expect(list({ 'Tag.1.Key': 'team' }).ids).toEqual(['i-1', 'i-2']);
    expect(failure(() => list({ 'Tag.21.Key': 'env' })).code).toBe('InvalidParameter');
    expect(failure(() => list({ 'Tag.1.Value': 'prod' })).code).toBe('InvalidParameter');
    call('StopInstance', { InstanceId: 'i-1' });
    expect(list({ Status: 'Stopping' }).ids).toEqual(['i-1']);
    expect(list({ Status: 'Stopped' }, T0 + MS).ids).toEqual(['i-1', 'i-3']);
  });

  it('filters by InstanceIds, rejecting more than 100 ids and malformed JSON', () => {
    const { list, call } = world();
    expect(list({ InstanceIds: '["i-3","i-1","i-b","i-sh"]' }).ids).toEqual(['i-1', 'i-3']);
    const ids = JSON.stringify(Array.from({ length: 101 }, (_, n) => `i-${n}`));
    expect(failure(() => call('ListInstances', { InstanceIds: ids })).httpStatus).toBe(400);
    expect(failure(() => call('ListInstances', { InstanceIds: 'i-1,i-2' })).code).toBe('InvalidParameter');
  });

  it('shows each account only its own instances in the asked region', () => {
    const { list } = world();
    expect(list().ids).toEqual(['i-1', 'i-2', 'i-3']);
    expect(list({}, T0, B).ids).toEqual(['i-b']);
    expect(list({ RegionId: 'cn-shanghai' }).ids).toEqual(['i-sh']);
    expect(list({}, T0, '1000000000000003').TotalCount).toBe(0);
  });

  it('answers ListInstanceStatus with ids and statuses', () => {
    const { call } = world();
    expect(call('ListInstanceStatus', { InstanceIds: '["i-1","i-3"]' }).body).toEqual({
      TotalCount: 2,
      PageNumber: 1,
      PageSize: 10,
      InstanceStatuses: [
        { InstanceId: 'i-1', Status: 'Running' },
        { InstanceId: 'i-3', Status: 'Stopped' },
      ],
    });
  });
});

describe('SWAS resourceIds and snapshot', () => {
  it('reads InstanceId or the InstanceIds list, never throwing', () => {
    const { model } = world();
    expect(model.resourceIds('StopInstance', { InstanceId: 'i-1' })).toEqual(['i-1']);
    expect(model.resourceIds('StopInstances', { InstanceIds: '["i-1","i-2",3]' })).toEqual(['i-1', 'i-2']);
    expect(model.resourceIds('StopInstances', { InstanceIds: '["i-1"' })).toEqual([]);
    expect(model.resourceIds('ListInstances', {})).toEqual([]);
  });

  it("shows every account's instances, ordered by id, without owners", () => {
    const snap = world().model.snapshot(T0);
    expect(snap.instances.map((i) => i.instanceId)).toEqual(['i-1', 'i-2', 'i-3', 'i-b', 'i-sh']);
    expect(snap.instances[0]).toEqual({
      instanceId: 'i-1',
      instanceName: 'web-prod-1',
      regionId: HZ,
      status: 'Running',
      tags: { env: 'prod', team: 'a' },
    });
  });
});

describe('SWAS under garbage input', () => {
  it('only ever throws ApiError, and read-only calls never change state', () => {
    // mulberry32, seeded: the same garbage every run, so a failure reproduces.
    let a = 20260101;
    const rand = (): number => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = Math.imul(a ^ (a >>> 15), a | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const keys = [
      'RegionId',
      'InstanceId',
      'InstanceIds',
      'InstanceName',
      'Status',
      'PageNumber',
      'PageSize',
      'Tag.1.Key',
      'Tag.1.Value',
      'Tag.20.Key',
      'Tag.21.Key',
      'Tag.0.Key',
      'Tag.x.Value',
      'Tag.',
      'ClientToken',
      'ForceStop',
      '__proto__',
      'constructor',
      'toString',
      '',
    ];
    const values = [
      '',
      ' ',
      HZ,
      'cn-shanghai',
      'i-1',
      'i-2',
      'i-3',
      'i-b',
      '[',
      '[]',
      '["i-1"]',
      '["i-1","i-2","i-3"]',
      '[1,2]',
      '[null]',
      '{"a":1}',
      'null',
      'true',
      'false',
      '1e400',
      '-1',
      '0',
      '1',
      '100',
      '101',
      'NaN',
      '*',
      '**a*',
      '*'.repeat(50),
      'x'.repeat(300),
      '\u0000',
      '\uD800',
      'Running',
      'Stopped',
      'env',
      'prod',
      '__proto__',
      JSON.stringify(Array.from({ length: 101 }, (_, n) => `i-${n}`)),
    ];
    const actions = [
      'ListInstances',
      'ListInstanceStatus',
      'StopInstance',
      'StartInstance',
      'StopInstances',
      'StartInstances',
      '',
      'DeleteInstance',
      '__proto__',
      'constructor',
    ];
    const readOnly = new Set(['ListInstances', 'ListInstanceStatus']);
    const { model } = world();
    let now = T0;
    let answered = 0;
    for (let n = 0; n < 3000; n++) {
      now += Math.floor(rand() * 2 * MS);
      // Mostly in the right region, so calls get past the first check and into the filters.
      const base: [string, string][] = rand() < 0.8 ? [['RegionId', HZ]] : [];
      const params = Object.fromEntries([
        ...base,
        ...Array.from({ length: Math.floor(rand() * 6) }, (): [string, string] => [pick(keys), pick(values)]),
      ]);
      const action = pick(actions);
      const accountId = pick([A, A, B]);
      const before = JSON.stringify(model.snapshot(now));
      expect(() => model.resourceIds(action, params)).not.toThrow();
      try {
        model.handle({ action, params, accountId, now });
        answered++;
      } catch (error) {
        expect(error, `${action} ${JSON.stringify(params)}`).toBeInstanceOf(ApiError);
      }
      if (!readOnly.has(action) && model.actions.has(action)) continue;
      expect(JSON.stringify(model.snapshot(now))).toBe(before);
    }
    // Some calls must get through, or the loop tested nothing but the first validation.
    expect(answered).toBeGreaterThan(200);
  });
});

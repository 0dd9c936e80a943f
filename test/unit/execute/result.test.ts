import { describe, expect, it } from 'vitest';
import { OUTCOMES, identity, skipOutcome, skippedResult, succeeded } from '../../../lib/execute/result.js';
import type { Decision, ResourceState, SkipKind } from '../../../lib/plan/decide.js';

const decision = (fields: { skip?: SkipKind; action?: 'stop' | 'start'; state?: ResourceState }): Decision => ({
  resource: {
    product: 'swas',
    id: 'i-1',
    name: 'dev-box',
    region: 'cn-hangzhou',
    tags: { team: 'dev' },
    state: fields.state ?? 'running',
    status: 'Running',
  },
  action: fields.action ?? 'stop',
  rules: ['dev-nights', 'weekends'],
  verdict: 'skip',
  ...(fields.skip ? { skip: fields.skip } : {}),
  reason: 'already stopped',
  catchUp: false,
  kind: 'edge',
});

const fields = {
  product: 'swas',
  region: 'cn-hangzhou',
  id: 'i-1',
  name: 'dev-box',
  action: 'stop',
  rules: ['dev-nights', 'weekends'],
  reason: 'already stopped',
};

describe('identity', () => {
  it('is the resource and the decision as the report names them, and nothing else', () => {
    expect(identity(decision({}))).toEqual(fields);
  });
});

describe('skipOutcome', () => {
  it('names why a decision was skipped', () => {
    expect(skipOutcome('already', 'stop')).toBe('already-stopped');
    expect(skipOutcome('already', 'start')).toBe('already-running');
    expect(skipOutcome('snoozed', 'stop')).toBe('snoozed');
    expect(skipOutcome('excluded', 'start')).toBe('excluded');
    expect(skipOutcome('conflict', 'stop')).toBe('conflict');
    expect(skipOutcome('guard', 'stop')).toBe('held');
    expect(skipOutcome('unavailable', 'stop')).toBe('skipped');
    expect(skipOutcome(undefined, 'start')).toBe('skipped');
  });
});

describe('skippedResult', () => {
  it('a resource already on its way says so: stopping is not stopped yet', () => {
    expect(skippedResult(decision({ skip: 'already', state: 'stopping' }))).toEqual({ ...fields, outcome: 'stopping' });
    expect(skippedResult(decision({ skip: 'already', action: 'start', state: 'starting' }))).toEqual({
      ...fields,
      action: 'start',
      outcome: 'starting',
    });
  });

  it('otherwise the skip names the outcome', () => {
    expect(skippedResult(decision({ skip: 'already', state: 'stopped' }))).toEqual({ ...fields, outcome: 'already-stopped' });
    expect(skippedResult(decision({ skip: 'already', action: 'start', state: 'running' }))).toEqual({
      ...fields,
      action: 'start',
      outcome: 'already-running',
    });
    // Only 'already' reads the state: a snoozed resource that is stopping is snoozed.
    expect(skippedResult(decision({ skip: 'snoozed', state: 'stopping' }))).toEqual({ ...fields, outcome: 'snoozed' });
    expect(skippedResult(decision({ skip: 'unavailable', state: 'starting' }))).toEqual({ ...fields, outcome: 'skipped' });
  });
});

describe('succeeded', () => {
  it('is false for failed and deferred only', () => {
    expect(OUTCOMES.filter((o) => !succeeded(o))).toEqual(['failed', 'deferred']);
  });
});

describe('OUTCOMES', () => {
  it('lists every outcome once, in the order reports count them', () => {
    expect(OUTCOMES).toEqual([
      'stopped',
      'started',
      'stopping',
      'starting',
      'scaled-in',
      'scaled-out',
      'already-stopped',
      'already-running',
      'would-stop',
      'would-start',
      'snoozed',
      'excluded',
      'conflict',
      'held',
      'skipped',
      'failed',
      'deferred',
    ]);
  });
});

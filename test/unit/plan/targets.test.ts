import { describe, expect, it } from 'vitest';
import type { SaeApp, SwasInstance } from '../../../lib/cloud/api.js';
import { globMatches, holdReason, saeTargetMatches, SNOOZE_TAG, swasTargetMatches } from '../../../lib/plan/targets.js';
import type { Exclusions } from '../../../lib/schedule/rule.js';

const t = (iso: string) => Date.parse(iso);

describe('globMatches', () => {
  it('`*` matches any run of characters, including none', () => {
    expect(globMatches('api-*', 'api-')).toBe(true);
    expect(globMatches('api-*', 'api-orders')).toBe(true);
    expect(globMatches('*-prod', 'orders-prod')).toBe(true);
    expect(globMatches('*-prod', 'orders-prod-2')).toBe(false);
    expect(globMatches('a*b*c', 'aXXbYYc')).toBe(true);
    expect(globMatches('a*b*c', 'aXXcYYb')).toBe(false);
    expect(globMatches('*', '')).toBe(true);
    expect(globMatches('*', 'anything at all')).toBe(true);
    expect(globMatches('**', 'x')).toBe(true);
  });

  it('`?` matches exactly one character', () => {
    expect(globMatches('web-?', 'web-1')).toBe(true);
    expect(globMatches('web-?', 'web-')).toBe(false);
    expect(globMatches('web-?', 'web-12')).toBe(false);
    expect(globMatches('???', 'abc')).toBe(true);
    expect(globMatches('???', 'ab')).toBe(false);
  });

  it('everything else is literal: dots, brackets, plus signs', () => {
    expect(globMatches('api.v1', 'api.v1')).toBe(true);
    expect(globMatches('api.v1', 'apixv1')).toBe(false); // a dot is not a RegExp wildcard
    expect(globMatches('a+b', 'aab')).toBe(false);
    expect(globMatches('[ab]', 'a')).toBe(false);
    expect(globMatches('[ab]', '[ab]')).toBe(true);
    expect(globMatches('Demo', 'demo')).toBe(false); // case-sensitive
  });

  it('an empty pattern matches only an empty name', () => {
    expect(globMatches('', '')).toBe(true);
    expect(globMatches('', 'a')).toBe(false);
    expect(globMatches('a', '')).toBe(false);
    expect(globMatches('?', '')).toBe(false);
  });

  it('a `*` in the pattern matches a name that itself contains `*`', () => {
    // The pattern's `*` is a wildcard even where the name holds a literal `*` at that position.
    expect(globMatches('*', '*x')).toBe(true);
    expect(globMatches('a*', 'a*b')).toBe(true);
    expect(globMatches('*b', '*ab')).toBe(true);
  });

  it('a pathological pattern against a 5,000-character name returns (no exponential backtracking)', () => {
    const pattern = `${'a*'.repeat(30)}b`;
    const name = 'a'.repeat(5_000);
    expect(globMatches(pattern, name)).toBe(false);
    expect(globMatches(pattern, `${name}b`)).toBe(true);
  });
});

const app = (over: Partial<SaeApp> = {}): SaeApp => ({
  appId: 'app-1',
  appName: 'api-orders',
  namespaceId: 'cn-hangzhou:dev',
  regionId: 'cn-hangzhou',
  tags: { env: 'dev', team: 'pay' },
  instances: 2,
  runningInstances: 2,
  ...over,
});

describe('saeTargetMatches (one entry)', () => {
  it('requires the region to match, whatever the selectors', () => {
    expect(saeTargetMatches({ region: 'cn-hangzhou', appId: 'app-1' }, app())).toBe(true);
    expect(saeTargetMatches({ region: 'cn-shanghai', appId: 'app-1' }, app())).toBe(false);
    expect(saeTargetMatches({ region: 'cn-shanghai', appName: '*' }, app())).toBe(false);
  });

  it('matches appId exactly', () => {
    expect(saeTargetMatches({ region: 'cn-hangzhou', appId: 'app-1' }, app())).toBe(true);
    expect(saeTargetMatches({ region: 'cn-hangzhou', appId: 'app-10' }, app())).toBe(false);
    expect(saeTargetMatches({ region: 'cn-hangzhou', appId: 'app-*' }, app())).toBe(false); // not a glob
  });

  it('matches namespaceId exactly', () => {
    expect(saeTargetMatches({ region: 'cn-hangzhou', namespaceId: 'cn-hangzhou:dev' }, app())).toBe(true);
    expect(saeTargetMatches({ region: 'cn-hangzhou', namespaceId: 'cn-hangzhou:prod' }, app())).toBe(false);
  });

  it('matches appName as a glob', () => {
    expect(saeTargetMatches({ region: 'cn-hangzhou', appName: 'api-*' }, app())).toBe(true);
    expect(saeTargetMatches({ region: 'cn-hangzhou', appName: 'api-order?' }, app())).toBe(true);
    expect(saeTargetMatches({ region: 'cn-hangzhou', appName: 'web-*' }, app())).toBe(false);
    expect(saeTargetMatches({ region: 'cn-hangzhou', appName: 'api' }, app())).toBe(false);
  });

  it('requires every tag of the entry (AND), extra tags on the app do not matter', () => {
    expect(saeTargetMatches({ region: 'cn-hangzhou', tags: { env: 'dev' } }, app())).toBe(true);
    expect(saeTargetMatches({ region: 'cn-hangzhou', tags: { env: 'dev', team: 'pay' } }, app())).toBe(true);
    expect(saeTargetMatches({ region: 'cn-hangzhou', tags: { env: 'dev', team: 'ops' } }, app())).toBe(false);
    expect(saeTargetMatches({ region: 'cn-hangzhou', tags: { owner: 'x' } }, app())).toBe(false);
    expect(saeTargetMatches({ region: 'cn-hangzhou', tags: { env: 'DEV' } }, app())).toBe(false);
  });

  it('requires every selector of the entry (AND)', () => {
    const all = { region: 'cn-hangzhou', namespaceId: 'cn-hangzhou:dev', appName: 'api-*', tags: { env: 'dev' } };
    expect(saeTargetMatches(all, app())).toBe(true);
    expect(saeTargetMatches(all, app({ namespaceId: 'cn-hangzhou:prod' }))).toBe(false);
    expect(saeTargetMatches(all, app({ appName: 'web-orders' }))).toBe(false);
    expect(saeTargetMatches(all, app({ tags: { env: 'prod' } }))).toBe(false);
    expect(saeTargetMatches(all, app({ regionId: 'cn-beijing' }))).toBe(false);
  });
});

const instance = (over: Partial<SwasInstance> = {}): SwasInstance => ({
  instanceId: 'i-1',
  instanceName: 'demo-web',
  regionId: 'cn-shanghai',
  status: 'Running',
  tags: { env: 'dev' },
  ...over,
});

describe('swasTargetMatches (one entry)', () => {
  it('requires the region to match', () => {
    expect(swasTargetMatches({ region: 'cn-shanghai', instanceIds: ['i-1'] }, instance())).toBe(true);
    expect(swasTargetMatches({ region: 'cn-hangzhou', instanceIds: ['i-1'] }, instance())).toBe(false);
    expect(swasTargetMatches({ region: 'cn-hangzhou', instanceName: '*' }, instance())).toBe(false);
  });

  it('matches any of the listed instanceIds, exactly', () => {
    expect(swasTargetMatches({ region: 'cn-shanghai', instanceIds: ['i-0', 'i-1'] }, instance())).toBe(true);
    expect(swasTargetMatches({ region: 'cn-shanghai', instanceIds: ['i-0', 'i-2'] }, instance())).toBe(false);
    expect(swasTargetMatches({ region: 'cn-shanghai', instanceIds: ['i-*'] }, instance())).toBe(false);
  });

  it('matches instanceName as a glob', () => {
    expect(swasTargetMatches({ region: 'cn-shanghai', instanceName: 'demo-*' }, instance())).toBe(true);
    expect(swasTargetMatches({ region: 'cn-shanghai', instanceName: 'demo-we?' }, instance())).toBe(true);
    expect(swasTargetMatches({ region: 'cn-shanghai', instanceName: 'prod-*' }, instance())).toBe(false);
  });

  it('requires every tag, and every selector', () => {
    expect(swasTargetMatches({ region: 'cn-shanghai', tags: { env: 'dev' } }, instance())).toBe(true);
    expect(swasTargetMatches({ region: 'cn-shanghai', tags: { env: 'dev', team: 'x' } }, instance())).toBe(false);
    expect(swasTargetMatches({ region: 'cn-shanghai', instanceName: 'demo-*', tags: { env: 'dev' } }, instance())).toBe(true);
    expect(swasTargetMatches({ region: 'cn-shanghai', instanceName: 'demo-*', tags: { env: 'prod' } }, instance())).toBe(false);
    expect(swasTargetMatches({ region: 'cn-shanghai', instanceName: 'prod-*', tags: { env: 'dev' } }, instance())).toBe(false);
  });
});

describe('holdReason', () => {
  const AT = t('2026-11-24T20:00:00+08:00');
  const none: Exclusions = { tags: {}, ids: [] };
  const res = (id: string, tags: Record<string, string> = {}) => ({ id, tags });

  it('lets an ordinary resource be acted on', () => {
    expect(holdReason(res('i-1', { env: 'dev' }), none, AT)).toBeUndefined();
    expect(holdReason(res('i-1', { env: 'dev' }), { tags: { keep: 'yes' }, ids: ['i-2'] }, AT)).toBeUndefined();
  });

  it('holds a resource excluded by id', () => {
    expect(holdReason(res('i-1'), { tags: {}, ids: ['i-0', 'i-1'] }, AT)).toEqual({ kind: 'excluded', detail: 'excluded by id' });
  });

  it('holds a resource excluded by tag (key and value must both match)', () => {
    const exclude: Exclusions = { tags: { keep: 'yes' }, ids: [] };
    expect(holdReason(res('i-1', { keep: 'yes' }), exclude, AT)).toEqual({ kind: 'excluded', detail: 'excluded by tag keep=yes' });
    expect(holdReason(res('i-1', { keep: 'no' }), exclude, AT)).toBeUndefined();
  });

  it('holds a resource snoozed until a future instant', () => {
    const hold = holdReason(res('i-1', { [SNOOZE_TAG]: '2026-11-25T09:00:00+08:00' }), none, AT);
    expect(hold).toEqual({ kind: 'snoozed', detail: 'snoozed until 2026-11-25T01:00:00.000Z' });
  });

  it('does not hold a resource whose snooze has passed (or ends exactly now)', () => {
    expect(SNOOZE_TAG).toBe('offpeak-snooze-until');
    expect(holdReason(res('i-1', { [SNOOZE_TAG]: '2026-11-24T19:59:00+08:00' }), none, AT)).toBeUndefined();
    expect(holdReason(res('i-1', { [SNOOZE_TAG]: '2026-11-24T20:00:00+08:00' }), none, AT)).toBeUndefined();
  });

  it('holds a resource with a malformed snooze value, to be safe', () => {
    const hold = holdReason(res('i-1', { [SNOOZE_TAG]: 'until friday' }), none, AT);
    expect(hold?.kind).toBe('snoozed');
    expect(hold?.detail).toContain("'until friday' is not an ISO instant");
    expect(hold?.detail).toContain('left alone to be safe');
    expect(holdReason(res('i-1', { [SNOOZE_TAG]: '' }), none, AT)?.kind).toBe('snoozed');
  });

  it('reports an exclusion before a snooze', () => {
    const hold = holdReason(res('i-1', { [SNOOZE_TAG]: '2027-01-01T00:00:00Z' }), { tags: {}, ids: ['i-1'] }, AT);
    expect(hold?.kind).toBe('excluded');
  });
});

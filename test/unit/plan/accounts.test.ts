import { describe, expect, it } from 'vitest';
import { accountsOf, rulesInAccount } from '../../../lib/plan/accounts.js';
import type { Rule, SaeTarget, SwasTarget } from '../../../lib/schedule/rule.js';
import { ruleFrom, ruleYaml } from '../schedule/compile-text.js';

const base = ruleFrom(ruleYaml('offPeak: ["daily 20:00-08:00"]'));
const rule = (name: string, sae: SaeTarget[], swas: SwasTarget[] = []): Rule => ({ ...base, name, targets: { sae, swas } });
const app = (account?: string): SaeTarget => ({ region: 'cn-hangzhou', tags: { env: 'dev' }, ...(account ? { account } : {}) });
const box = (id: string, account?: string): SwasTarget => ({ region: 'cn-hangzhou', instanceIds: [id], ...(account ? { account } : {}) });

describe('accountsOf', () => {
  it('puts the function’s own account first, then members in the order of their first target, each once', () => {
    const rules = [rule('a', [app('staging'), app('dev')]), rule('b', [app('dev')], [box('b1', 'prod'), box('b2')])];
    expect(accountsOf(rules)).toEqual([undefined, 'staging', 'dev', 'prod']);
  });

  it('leaves out the own account when no target is in it, and is empty without targets', () => {
    expect(accountsOf([rule('a', [app('dev')], [box('x', 'dev')])])).toEqual(['dev']);
    expect(accountsOf([rule('a', [])])).toEqual([]);
  });
});

describe('rulesInAccount', () => {
  it('keeps every rule, with only the targets of the account', () => {
    const rules = [rule('a', [app('dev'), app()], [box('own'), box('d', 'dev')]), rule('b', [app('staging')])];
    expect(rulesInAccount(rules, 'dev').map((r) => [r.name, r.targets])).toEqual([
      ['a', { sae: [app('dev')], swas: [box('d', 'dev')] }],
      ['b', { sae: [], swas: [] }],
    ]);
    expect(rulesInAccount(rules, undefined).map((r) => [r.name, r.targets])).toEqual([
      ['a', { sae: [app()], swas: [box('own')] }],
      ['b', { sae: [], swas: [] }],
    ]);
  });
});

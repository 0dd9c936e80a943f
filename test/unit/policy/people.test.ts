import { describe, expect, it } from 'vitest';
import { buildPolicy } from '../../../lib/policy/build.js';
import { compileText } from '../schedule/compile-text.js';

/** Tag and rescale permissions come only with the rules that use them: wake and offPeakInstances. */

const rule = (extra: string) =>
  compileText(`version: 1
timezone: Asia/Shanghai
rules:
  - name: dev
    offPeak: ["daily 20:00-08:00"]
${extra}    targets:
      sae: [{ region: cn-hangzhou, appId: a1 }]
`).rules;

const actions = (extra: string) => buildPolicy(rule(extra), { account: '1234567890123456' }).document.Statement.flatMap((s) => s.Action);

describe('policy for people in the loop', () => {
  it('a plain rule gets no tag, rescale or start permission', () => {
    expect(actions('')).toEqual([
      'sae:ListApplications',
      'sae:DescribeApplicationStatus',
      'sae:DescribeChangeOrder',
      'sae:StopApplication',
    ]);
  });

  it('wake adds the tag actions and the start a wake needs', () => {
    const got = actions('    wake: 4h\n');
    expect(got).toContain('sae:TagResources');
    expect(got).toContain('sae:UntagResources');
    expect(got).toContain('sae:StartApplication');
    expect(got).not.toContain('sae:RescaleApplication');
  });

  it('offPeakInstances adds RescaleApplication and the tag actions', () => {
    const got = actions('    offPeakInstances: 1\n');
    expect(got).toContain('sae:RescaleApplication');
    expect(got).toContain('sae:TagResources');
    expect(got).toContain('sae:UntagResources');
  });
});

import { describe, expect, it } from 'vitest';
import { canFanOut, FUNCTION_ROLE_PLACEHOLDER, homePolicy, memberPolicies } from '../../../lib/policy/accounts.js';
import type { PolicyDocument } from '../../../lib/policy/build.js';
import { compileText } from '../schedule/compile-text.js';

const HOME = '1111111111111111';
const STAGING_ROLE = 'acs:ram::2222222222222222:role/offpeak-member';
const PROD_ROLE = 'acs:ram::3333333333333333:role/offpeak-member';

function compiled(targets: string) {
  const { rules, accounts, lines } = compileText(`version: 1
timezone: Asia/Shanghai
accounts:
  staging: { roleArn: "${STAGING_ROLE}", externalId: ext-1 }
  prod: { roleArn: "${PROD_ROLE}" }
rules:
  - name: nights
    offPeak: ["daily 20:00-08:00"]
    targets:
${targets}
`);
  if (lines.length) throw new Error(lines.join('\n'));
  return { rules, accounts };
}

function grants(document: PolicyDocument): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const s of document.Statement) for (const a of s.Action) out[a] = [...(out[a] ?? []), ...s.Resource];
  return out;
}

const PLACE = { region: 'cn-hangzhou', name: 'offpeak' };
const BOTH = `      sae: [{ region: cn-hangzhou, appId: home-app }, { region: cn-hangzhou, appId: staging-app, account: staging }]`;

describe("the function role's policy with member accounts", () => {
  it('grants its own targets, sts:AssumeRole on exactly the declared roles, and itself to invoke', () => {
    const { rules, accounts } = compiled(BOTH);
    const { document } = homePolicy(rules, accounts, { account: HOME, fanOut: 'auto', function: PLACE });
    const g = grants(document);
    expect(g['sae:StopApplication']).toEqual([`acs:sae:cn-hangzhou:${HOME}:application/*/home-app`]);
    expect(g['sts:AssumeRole']).toEqual([STAGING_ROLE, PROD_ROLE]);
    expect(g['fc:InvokeFunction']).toEqual([`acs:fc:cn-hangzhou:${HOME}:functions/offpeak`]);
  });

  it('grants no invoke when runs cannot fan out', () => {
    const { rules, accounts } = compiled(BOTH);
    expect(
      grants(homePolicy(rules, accounts, { account: HOME, fanOut: 'off', function: PLACE }).document)['fc:InvokeFunction'],
    ).toBeUndefined();
    // auto with one account's targets only: every run is one run.
    const single = compiled(`      sae: [{ region: cn-hangzhou, appId: staging-app, account: staging }]`);
    expect(canFanOut(single.rules, 'auto')).toBe(false);
    expect(canFanOut(single.rules, 'always')).toBe(true);
    expect(
      grants(homePolicy(single.rules, single.accounts, { account: HOME, fanOut: 'auto', function: PLACE }).document)['sae:StopApplication'],
    ).toBeUndefined();
  });
});

describe("a member account's role", () => {
  it("trusts the function's role with the external id, and may act on its own targets in its own account", () => {
    const { rules, accounts } = compiled(BOTH);
    const functionRole = `acs:ram::${HOME}:role/offpeak-scheduler`;
    const policies = memberPolicies(rules, accounts.get('staging')!, { functionRole });
    expect(policies.trustPolicy).toEqual({
      Version: '1',
      Statement: [
        {
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { RAM: [functionRole] },
          Condition: { StringEquals: { 'sts:ExternalId': 'ext-1' } },
        },
      ],
    });
    expect(grants(policies.permissionPolicy)['sae:StopApplication']).toEqual([
      'acs:sae:cn-hangzhou:2222222222222222:application/*/staging-app',
    ]);
    expect(policies.warnings.filter((w) => w.message.includes(FUNCTION_ROLE_PLACEHOLDER))).toEqual([]);
  });

  it('without an external id the trust has no condition; without --function-role a warning says what to fill in', () => {
    const { rules, accounts } = compiled(BOTH);
    const policies = memberPolicies(rules, accounts.get('prod')!, { functionRole: FUNCTION_ROLE_PLACEHOLDER });
    expect(policies.trustPolicy.Statement[0]!.Condition).toBeUndefined();
    expect(policies.warnings.map((w) => w.message).filter((m) => m.includes('--function-role'))).toHaveLength(1);
  });
});

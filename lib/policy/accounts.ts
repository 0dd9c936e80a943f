import type { FanOut } from '../config.js';
import { rulesInAccount } from '../plan/accounts.js';
import type { Account } from '../schedule/accounts.js';
import type { Rule } from '../schedule/rule.js';
import { buildPolicy, type Policy, type PolicyDocument, type PolicyOptions, type PolicyStatement, type PolicyWarning } from './build.js';

/**
 * The policies of member accounts. The function's role gets what its own account's targets need,
 * plus `sts:AssumeRole` on exactly the member roles the schedules declare, plus `fc:InvokeFunction`
 * on the function itself when a timer run may send members to runs of their own (OFFPEAK_FAN_OUT
 * not `off`). Each member's role gets a trust policy that trusts the function's role (and requires
 * the external id when the schedules give one), and the permission policy its targets need, with
 * that account's id in every ARN. Pure: rules and accounts in, documents out.
 */

/** Where the function is, for its own ARN: `acs:fc:<region>:<account>:functions/<name>`. */
export interface FunctionPlace {
  readonly region: string;
  readonly name: string;
}

/** The function's role ARN when none is given: s.yaml's default role, with a placeholder for the account. */
export const FUNCTION_ROLE_PLACEHOLDER = 'acs:ram::ACCOUNT_ID:role/offpeak-scheduler';

/**
 * The function role's policy: its own account's targets, the roles it assumes, and itself to invoke.
 * @example homePolicy(rules, accounts, { account: '1234567890123456', fanOut: 'auto', function: { region: 'cn-hangzhou', name: 'offpeak' } })
 */
export function homePolicy(
  rules: readonly Rule[],
  accounts: ReadonlyMap<string, Account>,
  options: PolicyOptions & { fanOut: FanOut; function: FunctionPlace },
): Policy {
  const own = buildPolicy(rulesInAccount(rules, undefined), options);
  if (accounts.size === 0) return own;
  const account = options.account ?? '*';
  const roles = [...new Set([...accounts.values()].map((a) => a.roleArn))].sort();
  const statements: PolicyStatement[] = [{ Effect: 'Allow', Action: ['sts:AssumeRole'], Resource: roles }];
  const warnings: PolicyWarning[] = own.warnings.filter((w) => w.kind !== 'empty');
  if (canFanOut(rules, options.fanOut)) {
    statements.push({
      Effect: 'Allow',
      Action: ['fc:InvokeFunction'],
      Resource: [`acs:fc:${options.function.region}:${account}:functions/${options.function.name}`],
    });
    if (options.function.region === '*')
      warnings.push({
        kind: 'account',
        message:
          'fc:InvokeFunction is granted on the function in any region: pass --region (the region of s.yaml) to name the one it runs in',
      });
  }
  const document: PolicyDocument = { Version: '1', Statement: [...own.document.Statement, ...statements] };
  return { document, warnings };
}

/** Whether a timer run of these rules may send members to runs of their own (lib/fleet.ts decides the same way). */
export function canFanOut(rules: readonly Rule[], fanOut: FanOut): boolean {
  const used = new Set(rules.flatMap((r) => [...r.targets.sae, ...r.targets.swas].map((t) => t.account)));
  const members = [...used].filter((a) => a !== undefined).length;
  if (fanOut === 'off' || members === 0) return false;
  return fanOut === 'always' || used.size >= 2;
}

/** What a member account's role needs: whom it trusts, and what it may do. */
export interface MemberPolicies {
  readonly account: string;
  readonly roleArn: string;
  /** The role's trust policy (RAM: the role's "trust policy" / AssumeRolePolicyDocument). */
  readonly trustPolicy: TrustPolicy;
  /** The policy to attach to the role: what the account's targets need, in that account. */
  readonly permissionPolicy: PolicyDocument;
  readonly warnings: PolicyWarning[];
}

export interface TrustPolicy {
  readonly Version: '1';
  readonly Statement: Array<{
    readonly Action: 'sts:AssumeRole';
    readonly Effect: 'Allow';
    readonly Principal: { readonly RAM: string[] };
    readonly Condition?: { readonly StringEquals: { readonly 'sts:ExternalId': string } };
  }>;
}

/**
 * A member account's role: trusted by the function's role only, allowed what its targets need.
 * @example memberPolicies(rules, accounts.get('staging')!, { functionRole: 'acs:ram::1234567890123456:role/offpeak-scheduler' })
 */
export function memberPolicies(
  rules: readonly Rule[],
  account: Account,
  options: { functionRole: string; saeBatch?: boolean },
): MemberPolicies {
  const own = buildPolicy(rulesInAccount(rules, account.name), { account: account.accountId, saeBatch: options.saeBatch ?? false });
  const trust: TrustPolicy = {
    Version: '1',
    Statement: [
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { RAM: [options.functionRole] },
        ...(account.externalId !== undefined ? { Condition: { StringEquals: { 'sts:ExternalId': account.externalId } } } : {}),
      },
    ],
  };
  const warnings = [...own.warnings];
  if (options.functionRole === FUNCTION_ROLE_PLACEHOLDER)
    warnings.push({
      kind: 'account',
      message: `the trust policy names ${FUNCTION_ROLE_PLACEHOLDER}: pass --function-role with the ARN of the function's role (s.yaml vars.role) before you paste it`,
    });
  return { account: account.name, roleArn: account.roleArn, trustPolicy: trust, permissionPolicy: own.document, warnings };
}

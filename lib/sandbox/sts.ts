import { randomBytes } from 'node:crypto';
import { ApiError } from './api.js';
import type { Authenticator, Identity } from './auth.js';
import type { Seed } from './seed.js';

/**
 * STS in the sandbox: AssumeRole (RPC, version 2015-04-01), as `@alicloud/credentials`' RAM-role-ARN
 * provider calls it (POST /, Action and signature in the query, RoleArn, RoleSessionName,
 * DurationSeconds and ExternalId in a form body; HMAC-SHA1). The role must exist in the seed and
 * trust the caller (its account id or its role's ARN, and the external id when the role requires
 * one); the keys it returns sign as the role's account until they expire. Error codes and messages
 * as Alibaba documents them (docs/reality.md, STS).
 */

export const STS_VERSION = '2015-04-01';

const ROLE_ARN = /^acs:ram::(\d+):role\/([A-Za-z0-9.-]{1,64})$/;
const SESSION_NAME = /^[A-Za-z0-9.@_-]{2,64}$/;
const MIN_DURATION_SECONDS = 900;
const DEFAULT_DURATION_SECONDS = 3600;

/** A role ARN as RAM writes it: the role name in lower case (RAM matches role names regardless of case). */
export const roleArnOf = (accountId: string, roleName: string): string => `acs:ram::${accountId}:role/${roleName.toLowerCase()}`;

/** STS's `Expiration`: UTC to the second, `2015-04-09T11:52:19Z`. */
const expiration = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * One AssumeRole call: the answer's body (without RequestId), or an ApiError as STS words it.
 * @param now sandbox time: the session expires DurationSeconds after it
 */
export function assumeRole(
  seed: Seed,
  auth: Authenticator,
  caller: Identity,
  params: Readonly<Record<string, string>>,
  now: number,
): Record<string, unknown> {
  const arn = params.RoleArn;
  if (arn === undefined || arn === '') throw new ApiError(400, 'MissingRoleArn', 'RoleArn is mandatory for this action.');
  const session = params.RoleSessionName;
  if (session === undefined || session === '')
    throw new ApiError(400, 'MissingRoleSessionName', 'RoleSessionName is mandatory for this action.');
  if (!SESSION_NAME.test(session))
    throw new ApiError(400, 'InvalidParameter.RoleSessionName', 'The parameter RoleSessionName is wrongly formed.');
  const parts = ROLE_ARN.exec(arn);
  if (!parts) throw new ApiError(400, 'InvalidParameter.RoleArn', 'The parameter RoleArn is wrongly formed.');
  const [, accountId, roleName] = parts as unknown as [string, string, string];
  const role = seed.accounts.find((a) => a.id === accountId)?.roles.find((r) => r.name.toLowerCase() === roleName.toLowerCase());
  if (!role) throw new ApiError(404, 'EntityNotExist.Role', 'The specified Role not exists .');
  const durationText = params.DurationSeconds;
  const duration = durationText === undefined || durationText === '' ? DEFAULT_DURATION_SECONDS : Number(durationText);
  if (!Number.isInteger(duration) || duration < MIN_DURATION_SECONDS || duration > role.maxSessionDuration) {
    throw new ApiError(
      400,
      'InvalidParameter.DurationSeconds',
      `The Min/Max value of DurationSeconds is ${MIN_DURATION_SECONDS}/${role.maxSessionDuration} seconds.`,
    );
  }
  const trusted = role.trusts.some(
    (principal) => principal === caller.accountId || (caller.roleArn !== undefined && principal.toLowerCase() === caller.roleArn),
  );
  const externalIdHolds = role.externalId === undefined || role.externalId === params.ExternalId;
  // STS says no more than this whichever part is missing (the trust policy's principal, its
  // external id, or the caller's own sts:AssumeRole permission): the caller cannot tell which.
  if (!trusted || !externalIdHolds)
    throw new ApiError(403, 'NoPermission', 'You are not authorized to do this action. You should be authorized by RAM.');

  const key = {
    accessKeyId: `STS.${randomBytes(12).toString('base64url')}`,
    accessKeySecret: randomBytes(24).toString('base64url'),
    securityToken: `CAIS${randomBytes(48).toString('base64')}`,
    expiresAt: Math.floor((now + duration * 1000) / 1000) * 1000,
  };
  const roleArn = roleArnOf(accountId, role.name);
  auth.issue(key, accountId, roleArn);
  return {
    AssumedRoleUser: { Arn: `${roleArn}/${session}`, AssumedRoleId: `3${randomBytes(8).readBigUInt64BE() % 10n ** 17n}:${session}` },
    Credentials: {
      AccessKeyId: key.accessKeyId,
      AccessKeySecret: key.accessKeySecret,
      SecurityToken: key.securityToken,
      Expiration: expiration(key.expiresAt),
    },
  };
}

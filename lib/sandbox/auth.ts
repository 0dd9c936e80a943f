import { ApiError } from './api.js';
import type { Seed } from './seed.js';
import { claimOf, claimTime, verifySignature, type ReceivedRequest } from './signature.js';

/**
 * The gateway's authentication, with its real error codes: who signed (access key -> account),
 * whether the signature, the STS token, the date and the nonce hold.
 */

/** How far a request's date may be from the server's clock, as at the real gateway. */
export const MAX_SKEW_MS = 15 * 60_000;

interface KnownKey {
  readonly accountId: string;
  readonly secret: string;
  readonly securityToken?: string;
  /** The role whose session the key is: its ARN (`acs:ram::<id>:role/<name>`). */
  readonly roleArn?: string;
  /** Sandbox time after which the key is refused (keys issued by AssumeRole). */
  readonly expiresAt?: number;
}

/** Who signed a request: the account, the key, and the role when the key is a role's session. */
export interface Identity {
  readonly accountId: string;
  readonly accessKeyId: string;
  readonly roleArn?: string;
}

/** A role session's keys, as AssumeRole hands them out. */
export interface TemporaryKey {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly securityToken: string;
  readonly expiresAt: number;
}

export class Authenticator {
  private readonly keys = new Map<string, KnownKey>();
  /** Nonces seen per access key with when they were seen; forgotten once their dates would be stale anyway. */
  private readonly nonces = new Map<string, number>();

  constructor(seed: Seed) {
    for (const account of seed.accounts) {
      for (const key of account.accessKeys) {
        this.keys.set(key.id, {
          accountId: account.id,
          secret: key.secret,
          ...(key.securityToken ? { securityToken: key.securityToken } : {}),
          ...(key.role ? { roleArn: `acs:ram::${account.id}:role/${key.role.toLowerCase()}` } : {}),
        });
      }
    }
  }

  /** Adds the keys of a role session (AssumeRole): they sign as the role's account until they expire. */
  issue(key: TemporaryKey, accountId: string, roleArn: string): void {
    this.keys.set(key.accessKeyId, {
      accountId,
      secret: key.accessKeySecret,
      securityToken: key.securityToken,
      roleArn,
      expiresAt: key.expiresAt,
    });
  }

  /** The account that signed the request; throws ApiError as the gateway would. */
  authenticate(req: ReceivedRequest, wallNow: number): string {
    return this.identify(req, wallNow).accountId;
  }

  /**
   * Who signed the request; throws ApiError as the gateway would.
   * @param wallNow the real time (dates are checked against the client's clock, never the sandbox's)
   * @param now sandbox time, which role sessions expire by (so `advance` can outlive them)
   */
  identify(req: ReceivedRequest, wallNow: number, now: number = wallNow): Identity {
    const claim = claimOf(req);
    if (!claim) throw new ApiError(400, 'IncompleteSignature', 'The request signature does not conform to Aliyun standards.');
    const key = this.keys.get(claim.accessKeyId);
    if (!key) throw new ApiError(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');
    if (!verifySignature(req, claim, key.secret)) {
      throw new ApiError(400, 'SignatureDoesNotMatch', 'Specified signature is not matched with our calculation.');
    }
    if (key.securityToken !== undefined) {
      if (claim.securityToken === undefined)
        throw new ApiError(400, 'MissingSecurityToken', 'SecurityToken is mandatory for this access key.');
      if (claim.securityToken !== key.securityToken) {
        throw new ApiError(400, 'InvalidSecurityToken.MismatchWithAccessKey', 'Specified SecurityToken mismatch with the AccessKey.');
      }
      // The documented code for an STS token past its Expiration (docs/reality.md, STS).
      if (key.expiresAt !== undefined && now >= key.expiresAt)
        throw new ApiError(400, 'InvalidSecurityToken.Expired', 'Specified SecurityToken is expired.');
    }
    const sentAt = claimTime(claim);
    if (sentAt === undefined)
      throw new ApiError(400, 'InvalidTimeStamp.Format', 'Specified time stamp or date value is not well formatted.');
    if (Math.abs(wallNow - sentAt) > MAX_SKEW_MS)
      throw new ApiError(400, 'InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.');
    if (claim.nonce !== undefined) {
      this.forgetStaleNonces(wallNow);
      const id = `${claim.accessKeyId}\n${claim.nonce}`;
      if (this.nonces.has(id)) throw new ApiError(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.');
      this.nonces.set(id, wallNow);
    }
    return { accountId: key.accountId, accessKeyId: claim.accessKeyId, ...(key.roleArn ? { roleArn: key.roleArn } : {}) };
  }

  private forgetStaleNonces(wallNow: number): void {
    // A nonce older than twice the skew can only come with a date that is refused anyway. The map
    // keeps insertion order, which is time order, so the stale ones are at its front.
    for (const [id, at] of this.nonces) {
      if (wallNow - at <= 2 * MAX_SKEW_MS) break;
      this.nonces.delete(id);
    }
  }
}

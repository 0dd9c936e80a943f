import * as z from 'zod';

/**
 * Member accounts: a schedule file may declare `accounts`, each a RAM role in another Alibaba Cloud
 * account that the function assumes (STS AssumeRole) to act there; a target entry says
 * `account: NAME` to be looked for in that account, and without it stays in the function's own.
 * Names are unique across all files, and a target may name an account declared in any file.
 */

/** An account name: as rule names are written. */
export const ACCOUNT_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * A RAM role ARN: `acs:ram::<account id>:role/<role name>`. Account ids are 16 digits; role names
 * are letters, digits, '.' and '-', at most 64 (RAM CreateRole). RAM shows the name in lower case
 * in ARNs, and matches them regardless of case.
 */
export const ROLE_ARN = /^acs:ram::(\d{16}):role\/([A-Za-z0-9.-]{1,64})$/;

export const ROLE_ARN_FORM = 'a RAM role ARN acs:ram::<16-digit account id>:role/<role name>, e.g. acs:ram::1234567890123456:role/offpeak';

export const accountSchema = z
  .strictObject({
    roleArn: z.string().regex(ROLE_ARN).meta({ description: ROLE_ARN_FORM }),
    externalId: z
      .string()
      .min(2)
      .max(1224)
      .meta({ description: "the external id the role's trust policy requires (sts:ExternalId), if it requires one" })
      .optional(),
    description: z.string().meta({ description: 'free text for people' }).optional(),
  })
  .meta({ description: 'a member account: { roleArn: acs:ram::<account id>:role/<role>, externalId?: ..., description?: ... }' });

/** The `accounts` block of a schedule file. */
export const accountsSchema = z
  .record(z.string().regex(ACCOUNT_NAME), accountSchema)
  .meta({ description: 'member accounts by name, e.g. { staging: { roleArn: acs:ram::1234567890123456:role/offpeak } }' });

/** What a target entry says to be looked for in a member account. */
export const accountRef = z
  .string()
  .regex(ACCOUNT_NAME)
  .meta({ description: "the name of an account declared under 'accounts' (in any file); leave out for the function's own account" });

/** A declared member account. */
export interface Account {
  readonly name: string;
  readonly roleArn: string;
  /** The member account's id, from the ARN. */
  readonly accountId: string;
  /** The role's name, from the ARN. */
  readonly roleName: string;
  readonly externalId?: string;
  readonly description?: string;
  /** Where it is declared, for messages. */
  readonly file: string;
  readonly line: number;
}

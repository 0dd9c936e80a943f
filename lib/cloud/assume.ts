import * as CredentialsModule from '@alicloud/credentials';
import { boundedDetail, DETAIL_MAX, OffpeakError, quote } from '../errors.js';
import { credentialFields, type CredentialSource } from './credentials.js';
import { parseEndpointOverride, REGION, type Endpoint } from './endpoints.js';

/**
 * A member account's keys: the function's own credentials assume the member's RAM role through
 * `@alicloud/credentials`' RAM-role-ARN provider (STS AssumeRole, RPC 2015-04-01, HMAC-SHA1; the
 * provider's source, dist/src/providers/ram_role_arn.js). The provider keeps the session and asks
 * STS again 15 minutes before it expires, so a long run never signs with stale keys; one provider
 * per account per run means one AssumeRole per account per run.
 */

const { RAMRoleARNCredentialsProvider, StaticAKCredentialsProvider, StaticSTSCredentialsProvider } = pick();

// The package is CommonJS: its named exports sit on the module under Node, and under `default`
// with some interop (see credentials.ts for the same dance around the Credential class).
function pick() {
  const m = CredentialsModule as unknown as Record<string, unknown> & { default?: Record<string, unknown> };
  const get = <T>(name: string): T => (m[name] ?? m.default?.[name]) as T;
  return {
    RAMRoleARNCredentialsProvider: get<typeof CredentialsModule.RAMRoleARNCredentialsProvider>('RAMRoleARNCredentialsProvider'),
    StaticAKCredentialsProvider: get<typeof CredentialsModule.StaticAKCredentialsProvider>('StaticAKCredentialsProvider'),
    StaticSTSCredentialsProvider: get<typeof CredentialsModule.StaticSTSCredentialsProvider>('StaticSTSCredentialsProvider'),
  };
}

type Provider = CredentialsModule.CredentialsProvider;

/** What to assume, from where. */
export interface RoleOptions {
  /** The keys that call AssumeRole: the function's role (or the CLI's chain). */
  readonly base: CredentialSource;
  readonly roleArn: string;
  readonly externalId?: string;
  /** Names the session in the member's ActionTrail: `offpeak-<account>`. */
  readonly sessionName: string;
  /** OFFPEAK_ENDPOINT: STS is served there too (the sandbox). */
  readonly endpointOverride?: string;
  /** The function's region and VPC setting: STS's VPC endpoint is regional. */
  readonly region?: string;
  readonly vpc?: boolean;
}

/** A role the run could not assume: the account's targets fail, the others go on. */
export class AccountAccessError extends OffpeakError {
  override readonly name = 'AccountAccessError';
  constructor(
    code: string,
    message: string,
    readonly account: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, { ...options, code });
  }
}

/** The STS host for these options. */
export function stsEndpoint(options: Pick<RoleOptions, 'endpointOverride' | 'region' | 'vpc'>): Endpoint {
  if (options.endpointOverride) return parseEndpointOverride(options.endpointOverride);
  if (options.vpc && options.region !== undefined && REGION.test(options.region))
    return { protocol: 'https', host: `sts-vpc.${options.region}.aliyuncs.com` };
  return { protocol: 'https', host: 'sts.aliyuncs.com' };
}

/** The provider for the base keys, which the role provider asks for keys to sign AssumeRole with. */
function baseProvider(base: CredentialSource): Provider {
  const fields = credentialFields(base);
  if ('credential' in fields) {
    // The chain (CLI): a provider over the Credential that reads it.
    return {
      getProviderName: () => 'default',
      getCredentials: async () => {
        const c = await fields.credential.getCredential();
        return { accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret, securityToken: c.securityToken, providerName: 'default' };
      },
    } as unknown as Provider;
  }
  return fields.securityToken
    ? StaticSTSCredentialsProvider.builder()
        .withAccessKeyId(fields.accessKeyId)
        .withAccessKeySecret(fields.accessKeySecret)
        .withSecurityToken(fields.securityToken)
        .build()
    : StaticAKCredentialsProvider.builder().withAccessKeyId(fields.accessKeyId).withAccessKeySecret(fields.accessKeySecret).build();
}

interface RequestShape {
  protocol: string;
}

/**
 * The role's keys as a CredentialSource: a Credential over the RAM-role-ARN provider, which every
 * client built from it shares.
 */
export function assumedRole(options: RoleOptions): CredentialSource {
  const endpoint = stsEndpoint(options);
  const builder = RAMRoleARNCredentialsProvider.builder()
    .withCredentialsProvider(baseProvider(options.base))
    .withRoleArn(options.roleArn)
    .withRoleSessionName(options.sessionName)
    .withDurationSeconds(3600)
    .withStsEndpoint(endpoint.host)
    .withReadTimeout(10_000)
    .withConnectTimeout(5_000);
  if (options.externalId !== undefined) builder.withExternalId(options.externalId);
  const provider = builder.build();
  if (endpoint.protocol === 'http') {
    // The provider always sends https (its request builder hard-codes it); an http override (the
    // sandbox on loopback) gets its scheme here, on the request the provider built and signed.
    const internals = provider as unknown as { doRequest: (req: RequestShape) => Promise<unknown> };
    const send = internals.doRequest;
    internals.doRequest = (req) => {
      req.protocol = 'http';
      return send(req);
    };
  }
  return { kind: 'provider', provider, label: options.roleArn };
}

/**
 * Asks STS for the role's keys now, so that a refusal is found once, before any call, and said
 * with what to fix. Throws AccountAccessError.
 */
export async function checkAssumed(source: CredentialSource, account: { name: string; roleArn: string }): Promise<void> {
  const fields = credentialFields(source);
  if (!('credential' in fields)) return;
  try {
    await fields.credential.getCredential();
  } catch (error) {
    throw accessError(error, account);
  }
}

/** What STS answered, out of the provider's error (`refresh session token failed: {json}`), and the fix for it. */
export function accessError(error: unknown, account: { name: string; roleArn: string }): AccountAccessError {
  const text = error instanceof Error ? error.message : String(error);
  const json = /\{.*\}/s.exec(text)?.[0];
  let code = (error as { code?: unknown } | null)?.code;
  let said = text;
  if (json) {
    try {
      const body = JSON.parse(json) as { Code?: unknown; Message?: unknown };
      if (typeof body.Code === 'string') code = body.Code;
      if (typeof body.Message === 'string') said = body.Message;
    } catch {
      // Not JSON after all: the provider's text stands.
    }
  }
  const name = typeof code === 'string' && code !== '' ? code : 'AssumeRoleFailed';
  const arn = account.roleArn;
  const fix =
    name === 'NoPermission'
      ? `the role's trust policy must trust the function's role (offpeak policy --account ${account.name} prints it), and the function's role needs sts:AssumeRole on it (offpeak policy)`
      : name === 'EntityNotExist.Role'
        ? `no such role in account ${arn.split(':')[3] ?? ''}: create it as docs/operating.md says (offpeak policy --account ${account.name})`
        : name.startsWith('InvalidParameter')
          ? `check the account's roleArn and externalId in the schedules`
          : name.startsWith('InvalidAccessKeyId') || name.startsWith('InvalidSecurityToken') || name === 'SignatureDoesNotMatch'
            ? "the function's own keys were refused; check its role in s.yaml"
            : 'STS could not be reached or failed; the next run tries again';
  return new AccountAccessError(
    name,
    // Twice the usual bound: the role's ARN, STS's own words and the fix all matter here.
    boundedDetail(`account ${quote(account.name)}: AssumeRole of ${arn} refused (${name}: ${said}); ${fix}`, 2 * DETAIL_MAX),
    account.name,
    { cause: error },
  );
}

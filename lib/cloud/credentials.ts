import * as CredentialsModule from '@alicloud/credentials';
import { OffpeakError } from '../errors.js';

/**
 * Where the access keys come from. In Function Compute the runtime hands the function's role
 * keys (STS) to each invocation in `context.credentials`; everywhere else the `@alicloud/credentials`
 * default chain reads ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET / _SECURITY_TOKEN (then the CLI and
 * credentials-file profiles, OIDC, the ECS RAM role).
 */

// The package is CommonJS with `exports.default = Credential`. Plain Node's ESM import puts the
// whole exports object under `default`; vitest's and esbuild's interop may unwrap it once more.
// Taking `default.default` when present and `default` otherwise gets the class under all three.
type CredentialClass = typeof CredentialsModule.default.default;
const Credential: CredentialClass =
  (CredentialsModule.default as { default?: CredentialClass }).default ?? (CredentialsModule.default as unknown as CredentialClass);
const DefaultCredentialsProvider = CredentialsModule.DefaultCredentialsProvider ?? CredentialsModule.default.DefaultCredentialsProvider;

/** A `@alicloud/credentials` Credential, as openapi-client's Config takes it. */
export type Credential = InstanceType<CredentialClass>;

/**
 * Keys given outright (Function Compute, tests), the standard chain of the Alibaba SDKs, or a
 * provider of `@alicloud/credentials` (a member account's assumed role, assume.ts).
 */
export type CredentialSource =
  | { readonly kind: 'static'; readonly accessKeyId: string; readonly accessKeySecret: string; readonly securityToken?: string }
  | { readonly kind: 'chain' }
  | { readonly kind: 'provider'; readonly provider: CredentialsModule.CredentialsProvider; readonly label: string };

/** What openapi-client's Config needs to sign: static keys, or a Credential that finds them. */
export type CredentialFields =
  { readonly accessKeyId: string; readonly accessKeySecret: string; readonly securityToken?: string } | { readonly credential: Credential };

/** The one line a person needs when no keys are found. */
export const CREDENTIALS_HELP =
  'set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET (plus ALIBABA_CLOUD_SECURITY_TOKEN for an STS key), or configure an Alibaba Cloud CLI profile';

/** No usable keys. `code` lets toCloudError classify it as 'permission' when it surfaces from a call. */
export class CredentialsError extends OffpeakError {
  override readonly name = 'CredentialsError';

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, code: 'MissingCredentials' });
  }
}

/**
 * The keys Function Compute passes to a handler, as a static source.
 * @example fcCredentials(context) // context.credentials = { accessKeyId, accessKeySecret, securityToken }
 */
export function fcCredentials(context: { readonly credentials?: unknown } | undefined): CredentialSource {
  const c = (context?.credentials ?? {}) as Record<string, unknown>;
  const text = (name: string) => (typeof c[name] === 'string' && c[name] !== '' ? c[name] : undefined);
  const accessKeyId = text('accessKeyId');
  const accessKeySecret = text('accessKeySecret');
  if (accessKeyId === undefined || accessKeySecret === undefined) {
    throw new CredentialsError(
      'Function Compute passed no credentials: give the function a RAM role (role: in s.yaml) that may call SAE and SWAS',
    );
  }
  const securityToken = text('securityToken');
  return { kind: 'static', accessKeyId, accessKeySecret, ...(securityToken !== undefined ? { securityToken } : {}) };
}

/**
 * The Config fields for a source. Static keys go in as they are (openapi-client picks STS when a
 * token is set); the chain becomes one Credential, shared by every client built from these fields.
 */
export function credentialFields(source: CredentialSource): CredentialFields {
  if (source.kind === 'chain') return { credential: new Credential(null, new ChainProvider()) };
  if (source.kind === 'provider') return { credential: new Credential(null, source.provider) };
  if (source.accessKeyId === '' || source.accessKeySecret === '')
    throw new CredentialsError(`the access key is empty: ${CREDENTIALS_HELP}`);
  return {
    accessKeyId: source.accessKeyId,
    accessKeySecret: source.accessKeySecret,
    ...(source.securityToken ? { securityToken: source.securityToken } : {}),
  };
}

/** Resolves the keys once, so a missing key fails before any API call; throws CredentialsError. */
export async function checkCredentials(fields: CredentialFields): Promise<void> {
  if ('credential' in fields) await fields.credential.getCredential();
}

type Keys = Awaited<ReturnType<InstanceType<typeof DefaultCredentialsProvider>['getCredentials']>>;

/**
 * The default chain with two fixes. Its failure lists every provider's complaint on one long line;
 * this says which variables to set. And after a failure the stock chain keeps asking only the last
 * provider it tried, so keys set later would never be found: a failed chain is rebuilt instead.
 */
class ChainProvider {
  private chain: InstanceType<typeof DefaultCredentialsProvider> | undefined;

  async getCredentials(): Promise<Keys> {
    this.chain ??= DefaultCredentialsProvider.builder().build();
    try {
      return await this.chain.getCredentials();
    } catch (error) {
      this.chain = undefined;
      throw new CredentialsError(`no Alibaba Cloud credentials found: ${CREDENTIALS_HELP}`, { cause: error });
    }
  }

  getProviderName(): string {
    return 'default';
  }
}

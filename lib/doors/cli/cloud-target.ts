import { resolve } from 'node:path';
import type { CredentialSource } from '../../cloud/credentials.js';
import type { Settings } from '../../config.js';
import { quote } from '../../errors.js';
import { UsageError } from './args.js';

/** The flags that choose where a command that acts sends its calls (`run`, `wake`). */
export const CLOUD_TARGET_FLAGS = {
  endpoint: { type: 'string' },
  sandbox: { type: 'boolean' },
  seed: { type: 'string' },
  'rate-scale': { type: 'string' },
} as const;

/** The cloud-target flags make sense together; throws UsageError saying which do not. */
export function checkCloudTargetFlags(values: { endpoint?: string; sandbox?: boolean; seed?: string; 'rate-scale'?: string }): void {
  if (!values.sandbox && (values.seed !== undefined || values['rate-scale'] !== undefined))
    throw new UsageError('--seed and --rate-scale go with --sandbox');
  if (values.sandbox && values.endpoint !== undefined)
    throw new UsageError('--endpoint and --sandbox exclude each other: --sandbox runs against its own endpoint');
}

/**
 * The sandbox in this process, for `run --sandbox`, `plan --resolve --sandbox` and `npm start`:
 * the demo seed (or `--seed FILE`), time scaled so waits are short, and the seed's first key as the
 * credentials. Loaded lazily by its callers: commands without --sandbox never pay for its imports,
 * and it never reaches the function.
 */
async function startEmbeddedSandbox(seedPath: string | undefined, rateScaleText?: string) {
  const { demoSeedPath, readSeed, SeedError } = await import('../../sandbox/seed.js');
  const { startSandbox } = await import('../../sandbox/server.js');
  const rateScale = Number(rateScaleText ?? '10');
  if (!(rateScale > 0) || !Number.isFinite(rateScale))
    throw new UsageError(`--rate-scale ${quote(rateScaleText ?? '')} must be a positive number such as 10`);
  let seed;
  try {
    seed = await readSeed(seedPath ?? demoSeedPath());
  } catch (error) {
    if (error instanceof SeedError) throw new UsageError(error.message, { cause: error });
    throw error;
  }
  const key = seed.accounts[0]!.accessKeys[0]!;
  const sandbox = await startSandbox({ seed, rateScale });
  const credentials: CredentialSource = {
    kind: 'static',
    accessKeyId: key.id,
    accessKeySecret: key.secret,
    ...(key.securityToken ? { securityToken: key.securityToken } : {}),
  };
  return { url: sandbox.url, rateScale, credentials, close: () => sandbox.close() };
}

/** Where a command's cloud calls go, and with which keys. */
export interface CloudTarget {
  readonly settings: Settings;
  readonly credentials: CredentialSource;
  /** The embedded sandbox's URL, when `--sandbox` started one. */
  readonly sandboxUrl?: string;
  close(): Promise<void>;
}

/**
 * `--sandbox [--seed FILE] [--rate-scale X]` starts the embedded sandbox and points the settings at
 * it (time scaled, so polls shrink too) with its seed's key; otherwise the settings stand and the
 * keys come from the Alibaba Cloud credentials chain.
 */
export async function cloudTarget(
  settings: Settings,
  flags: { sandbox?: boolean | undefined; seed?: string | undefined; rateScale?: string | undefined },
  cwd: string,
): Promise<CloudTarget> {
  if (!flags.sandbox) return { settings, credentials: { kind: 'chain' }, close: async () => {} };
  const sandbox = await startEmbeddedSandbox(flags.seed === undefined ? undefined : resolve(cwd, flags.seed), flags.rateScale);
  return {
    settings: { ...settings, endpoint: sandbox.url, rateScale: sandbox.rateScale, pollMs: settings.pollMs / sandbox.rateScale },
    credentials: sandbox.credentials,
    sandboxUrl: sandbox.url,
    close: sandbox.close,
  };
}

import { readFile } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import * as z from 'zod';
import { OffpeakError, quote, QUOTE_MAX, shorten } from '../errors.js';

/**
 * The sandbox's starting world: accounts with their access keys, SAE applications, SWAS
 * instances and the Function Compute functions it hosts (offpeak's own handler). Read from YAML
 * or JSON (`offpeak sandbox --seed FILE`, `POST /_sandbox/reset`). Resources belong to the first
 * account unless they name another.
 */

const tags = z.record(z.string().min(1), z.string()).default({});

const accessKey = z.strictObject({
  id: z.string().min(1),
  secret: z.string().min(1),
  /** STS keys carry a token that must come with every call they sign. */
  securityToken: z.string().min(1).optional(),
  /** The RAM role of the account whose session this STS key is (the function's role): trust naming the role's ARN accepts it. */
  role: z.string().min(1).optional(),
});

/**
 * A RAM role others may assume (STS AssumeRole): `trusts` lists its trust policy's principals,
 * account ids (any RAM user or role of that account) or role ARNs (`acs:ram::<id>:role/<name>`).
 */
const role = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9.-]{1,64}$/, "a role name is letters, digits, '.' and '-', at most 64"),
  trusts: z.array(z.string().min(1)).default([]),
  /** The trust policy's condition sts:ExternalId, when it has one. */
  externalId: z.string().min(1).optional(),
  /** The longest session AssumeRole grants, in seconds (RAM's MaxSessionDuration: 3600 to 43200). */
  maxSessionDuration: z.number().int().min(3600).max(43200).default(3600),
});

const account = z.strictObject({
  id: z.string().regex(/^\d{16}$/, 'an account id is 16 digits'),
  accessKeys: z.array(accessKey).min(1),
  roles: z.array(role).default([]),
});

const app = z.strictObject({
  appId: z.string().min(1),
  appName: z.string().min(1),
  regionId: z.string().min(1),
  namespaceId: z.string().min(1),
  /** UNKNOWN: SAE cannot tell its state; stops and starts answer Application.InvalidStatus, and it stays so. */
  status: z.enum(['RUNNING', 'STOPPED', 'UNKNOWN']).default('RUNNING'),
  /** The app's instance count when it runs (a start restores it). */
  instances: z.number().int().min(1).default(1),
  /** vCPU in millicores and memory in MiB per instance, as SAE reports them. */
  cpu: z.number().int().positive().default(500),
  memory: z.number().int().positive().default(1024),
  tags,
  account: z.string().optional(),
  /** Fields its ListApplications row leaves out (AppName, Instances, …): a malformed row, for tests. */
  omit: z.array(z.string().min(1)).default([]),
});

const SWAS_STATES = ['Running', 'Stopped', 'Starting', 'Stopping', 'Pending', 'Resetting', 'Upgrading', 'Disabled'] as const;

const instance = z.strictObject({
  instanceId: z.string().min(1),
  instanceName: z.string().min(1),
  regionId: z.string().min(1),
  status: z.enum(SWAS_STATES).default('Running'),
  planId: z.string().default('swas.s2.c2m4s80b4t1'),
  tags,
  account: z.string().optional(),
  /** Fields its ListInstances row leaves out (InstanceName, Status, …): a malformed row, for tests. */
  omit: z.array(z.string().min(1)).default([]),
});

/**
 * A function the sandbox's FC endpoints answer for; every one runs offpeak's handler. FC 2.0 calls
 * name it by service and function, FC 3.0 calls by function name alone.
 */
const fcFunction = z.strictObject({
  name: z.string().min(1),
  service: z.string().min(1).default('offpeak'),
  account: z.string().optional(),
});

const DEFAULT_FUNCTIONS = [{ name: 'offpeak', service: 'offpeak' }];

const seedSchema = z.strictObject({
  accounts: z.array(account).min(1),
  sae: z
    .strictObject({ changeOrderSeconds: z.number().positive().default(3), apps: z.array(app).default([]) })
    .default({ changeOrderSeconds: 3, apps: [] }),
  swas: z
    .strictObject({
      transitionSeconds: z.number().positive().default(3),
      // Whether a ClientToken keeps a refusal as well as a success (lib/sandbox/swas.ts SwasOptions).
      tokenCachesFailures: z.boolean().default(false),
      instances: z.array(instance).default([]),
    })
    .default({ transitionSeconds: 3, tokenCachesFailures: false, instances: [] }),
  // Optional so that every existing seed keeps working: one function named as s.yaml deploys it.
  // errorBody: the shape of FC's own errors (lib/sandbox/fc.ts platformError).
  // asyncRetries: how often a failed async invocation is run again (FC's maxAsyncRetryAttempts, default 3).
  fc: z
    .strictObject({
      functions: z.array(fcFunction).default(DEFAULT_FUNCTIONS),
      errorBody: z.enum(['api', 'errorCode']).default('api'),
      asyncRetries: z.number().int().min(0).max(8).default(3),
    })
    .default({ functions: DEFAULT_FUNCTIONS, errorBody: 'api', asyncRetries: 3 }),
});

type Parsed = z.infer<typeof seedSchema>;
export type SwasStatus = (typeof SWAS_STATES)[number];
export type AccessKey = z.infer<typeof accessKey>;
export type SeedRole = z.infer<typeof role>;

/** A seed with every resource's owning account filled in. */
export interface Seed {
  readonly accounts: Parsed['accounts'];
  readonly sae: { readonly changeOrderSeconds: number; readonly apps: ReadonlyArray<SeedApp> };
  readonly swas: {
    readonly transitionSeconds: number;
    readonly tokenCachesFailures: boolean;
    readonly instances: ReadonlyArray<SeedInstance>;
  };
  readonly fc: { readonly functions: ReadonlyArray<SeedFunction>; readonly errorBody: 'api' | 'errorCode'; readonly asyncRetries: number };
}
export type SeedApp = Omit<Parsed['sae']['apps'][number], 'account'> & { readonly accountId: string };
export type SeedInstance = Omit<Parsed['swas']['instances'][number], 'account'> & { readonly accountId: string };
export type SeedFunction = Omit<Parsed['fc']['functions'][number], 'account'> & { readonly accountId: string };

/** A seed that cannot be used; the message names the field and what is expected. */
export class SeedError extends OffpeakError {
  override readonly name = 'SeedError';

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, code: 'SeedInvalid' });
  }
}

/** Checks a parsed YAML/JSON value and fills in defaults and owners. Throws SeedError. */
export function toSeed(value: unknown, source = 'seed'): Seed {
  const result = seedSchema.safeParse(value);
  if (!result.success) {
    const first = result.error.issues[0]!;
    const path = first.path
      .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
      .join('')
      .replace(/^\./, '');
    throw new SeedError(`${source}: ${path || '(top)'}: ${first.message}`);
  }
  const parsed = result.data;
  const unique = (where: string, ids: string[]) => {
    const dup = ids.find((id, i) => ids.indexOf(id) !== i);
    if (dup) throw new SeedError(`${source}: ${where} ${quote(dup)} appears twice`);
  };
  const accountIds = new Set(parsed.accounts.map((a) => a.id));
  const keyIds = parsed.accounts.flatMap((a) => a.accessKeys.map((k) => k.id));
  const duplicateKey = keyIds.find((id, i) => keyIds.indexOf(id) !== i);
  if (duplicateKey) throw new SeedError(`${source}: access key ${quote(duplicateKey)} appears twice`);
  for (const [i, a] of parsed.accounts.entries()) {
    unique(
      `accounts[${i}].roles name`,
      a.roles.map((r) => r.name.toLowerCase()),
    );
    for (const [k, key] of a.accessKeys.entries()) {
      if (key.role !== undefined && key.securityToken === undefined)
        throw new SeedError(
          `${source}: accounts[${i}].accessKeys[${k}].role: only an STS key (one with a securityToken) is a role's session`,
        );
    }
  }
  const owner = (where: string, named: string | undefined): string => {
    if (named === undefined) return parsed.accounts[0]!.id;
    if (!accountIds.has(named)) throw new SeedError(`${source}: ${where}.account ${quote(named)} is not one of the seed's accounts`);
    return named;
  };
  unique(
    'sae.apps appId',
    parsed.sae.apps.map((a) => a.appId),
  );
  unique(
    'swas.instances instanceId',
    parsed.swas.instances.map((i) => i.instanceId),
  );
  // FC 3.0 names a function by name alone, so a name is unique within its account (whatever its service).
  const functionKeys = parsed.fc.functions.map((f) => `${f.account ?? parsed.accounts[0]!.id}\n${f.name}`);
  const dupFunction = functionKeys.findIndex((k, i) => functionKeys.indexOf(k) !== i);
  if (dupFunction >= 0)
    throw new SeedError(`${source}: fc.functions name ${quote(parsed.fc.functions[dupFunction]!.name)} appears twice in one account`);
  for (const [i, a] of parsed.sae.apps.entries()) {
    if (!a.namespaceId.startsWith(`${a.regionId}:`) && a.namespaceId !== a.regionId) {
      throw new SeedError(
        `${source}: sae.apps[${i}].namespaceId ${quote(a.namespaceId)} must start with its region, e.g. '${a.regionId}:dev'`,
      );
    }
  }
  return {
    accounts: parsed.accounts,
    sae: {
      changeOrderSeconds: parsed.sae.changeOrderSeconds,
      apps: parsed.sae.apps.map(({ account: named, ...a }, i) => ({ ...a, accountId: owner(`sae.apps[${i}]`, named) })),
    },
    swas: {
      transitionSeconds: parsed.swas.transitionSeconds,
      tokenCachesFailures: parsed.swas.tokenCachesFailures,
      instances: parsed.swas.instances.map(({ account: named, ...s }, i) => ({ ...s, accountId: owner(`swas.instances[${i}]`, named) })),
    },
    fc: {
      functions: parsed.fc.functions.map(({ account: named, ...f }, i) => ({ ...f, accountId: owner(`fc.functions[${i}]`, named) })),
      errorBody: parsed.fc.errorBody,
      asyncRetries: parsed.fc.asyncRetries,
    },
  };
}

/** Parses seed text (YAML, of which JSON is a subset). Throws SeedError. */
export function parseSeed(text: string, source = 'seed'): Seed {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    throw new SeedError(`${source}: not valid YAML or JSON: ${shorten((error as Error).message.split('\n')[0] ?? '', 2 * QUOTE_MAX)}`, {
      cause: error,
    });
  }
  return toSeed(value, source);
}

/** Reads a seed file. Throws SeedError. */
export async function readSeed(path: string): Promise<Seed> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new SeedError(`${path}: cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
  }
  return parseSeed(text, path);
}

/**
 * The demo seed that matches the example schedules. It lives beside this file's source; built code
 * runs from dist/ (dist/lib/sandbox/ from tsc, dist/cli/ as one bundle), so from there the path is
 * taken back to the source tree.
 */
export function demoSeedPath(): string {
  const here = fileURLToPath(import.meta.url);
  const dist = here.lastIndexOf(`${sep}dist${sep}`);
  return dist === -1 ? join(dirname(here), 'seeds', 'demo.yaml') : join(here.slice(0, dist), 'lib', 'sandbox', 'seeds', 'demo.yaml');
}

import { resolve } from 'node:path';
import { demoSeedPath, readSeed, SeedError } from '../../sandbox/seed.js';
import { startSandbox } from '../../sandbox/server.js';
import { runInvocation } from '../invocation.js';
import { quote } from '../../errors.js';
import type { Io } from './io.js';
import { integerFlag, parseFlags, UsageError } from './args.js';

export const SANDBOX_USAGE = `usage: offpeak sandbox [--port N] [--seed FILE] [--rate-scale X] [--no-limits]

Serves a local SAE, SWAS and FC-invoke look-alike on 127.0.0.1 until stopped (Ctrl-C). Alibaba's own clients
work against it: point them (or OFFPEAK_ENDPOINT) at the URL it prints.
  --port N          port to listen on (default 0: any free port)
  --seed FILE       accounts, apps and instances (YAML or JSON; default: the demo seed)
  --rate-scale X    multiply rate limits and divide durations by X (default 1)
  --no-limits       turn rate limits off`;

export async function sandboxCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags(argv, {
    port: { type: 'string' },
    seed: { type: 'string' },
    'rate-scale': { type: 'string' },
    'no-limits': { type: 'boolean' },
  });
  if (values.help) {
    io.out(SANDBOX_USAGE);
    return 0;
  }
  const port = integerFlag('port', values.port ?? '0', 0, 65535);
  const rateScale = Number(values['rate-scale'] ?? '1');
  if (!(rateScale > 0) || !Number.isFinite(rateScale))
    throw new UsageError(`--rate-scale ${quote(values['rate-scale'] ?? '')} must be a positive number such as 10`);
  const seedPath = values.seed === undefined ? demoSeedPath() : resolve(io.cwd, values.seed);
  let seed;
  try {
    seed = await readSeed(seedPath);
  } catch (error) {
    if (error instanceof SeedError) {
      io.err(`offpeak sandbox: ${error.message}`);
      return 2;
    }
    throw error;
  }
  let sandbox;
  try {
    sandbox = await startSandbox({ port, seed, rateScale, rateLimits: !values['no-limits'], hosted: runInvocation });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    io.err(
      `offpeak sandbox: cannot listen on port ${port}: ${code === 'EADDRINUSE' ? 'the port is in use; try --port 0' : (error as Error).message}`,
    );
    return 1;
  }
  const keys = seed.accounts.flatMap((a) => a.accessKeys.map((k) => `${k.id}${k.securityToken ? ' (STS)' : ''}`));
  io.out(`offpeak sandbox listening on ${sandbox.url}`);
  io.out(
    `  seed ${seedPath}: ${seed.sae.apps.length} SAE apps, ${seed.swas.instances.length} SWAS instances; access keys: ${keys.join(', ')}`,
  );
  io.out(`  rate limits ${values['no-limits'] ? 'off' : `x${rateScale}`}; admin API ${sandbox.url}/_sandbox/state; stop with Ctrl-C`);
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  await sandbox.close();
  return 0;
}

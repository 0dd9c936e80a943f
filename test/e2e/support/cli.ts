import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * The built CLI, as a person runs it: `node bin/offpeak.js` from the repository root. Tests that
 * spawn it first make sure dist/ is not older than the sources they test.
 */

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const BIN = join(ROOT, 'bin/offpeak.js');

/** The CLI's bundle (scripts/build-cli.mjs), which bin/offpeak.js runs. */
const CLI_BUNDLE = join(ROOT, 'dist', 'cli', 'main.js');

/** Sources under lib/ and functions/ with no output in dist/, or one older than the source or than the CLI's bundle. */
function staleOutputs(): string[] {
  const stale: string[] = [];
  const bundled = existsSync(CLI_BUNDLE) ? statSync(CLI_BUNDLE).mtimeMs : 0;
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) {
        const out = join(ROOT, 'dist', relative(ROOT, path)).replace(/\.ts$/, '.js');
        const changed = statSync(path).mtimeMs;
        if (!existsSync(out) || statSync(out).mtimeMs < changed || bundled < changed) stale.push(relative(ROOT, path));
      }
    }
  };
  walk(join(ROOT, 'lib'));
  walk(join(ROOT, 'functions'));
  return stale;
}

/** Rebuilds dist/ when a source is newer than its output; throws if it stays stale. */
export async function ensureBuilt(): Promise<void> {
  if (staleOutputs().length === 0) return;
  // tsc emits even with type errors elsewhere; what matters here is fresh output, then the bundle.
  await promisify(execFile)('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT }).catch(() => undefined);
  await promisify(execFile)(process.execPath, ['scripts/build-cli.mjs'], { cwd: ROOT });
  const still = staleOutputs();
  if (still.length > 0) throw new Error(`dist/ is still stale after \`npm run build\`: ${still.slice(0, 5).join(', ')}`);
}

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment without any OFFPEAK_* setting of the shell that runs the tests. */
export const cleanEnv: Record<string, string | undefined> = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !name.startsWith('OFFPEAK_')),
);

/** Runs `offpeak ARGS` to its end; resolves with its exit code and output. */
export function offpeak(args: string[], env: Record<string, string | undefined> = cleanEnv): Promise<Finished> {
  return new Promise((resolve, reject) => {
    execFile('node', [BIN, ...args], { cwd: ROOT, env, timeout: 15_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') reject(new Error(`offpeak ${args.join(' ')}: ${error.message}\n${stderr}`));
      else resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

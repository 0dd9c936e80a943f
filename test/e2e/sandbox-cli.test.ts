import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advance, appState, openApiClient, saeCall, saeData } from './support/clients.js';

/**
 * `offpeak sandbox` as a user runs it: a real process, the URL it prints, one signed call, SIGTERM.
 * The CLI runs from dist/, so a stale build (sources newer than their output) is rebuilt first.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/offpeak.js');
const DEV_API = '0099b7be-5f5b-4512-a7fc-56049ef1aaaa';

/** True when some source the sandbox command runs has no output, or one newer than it. */
function distIsStale(): boolean {
  for (const dir of ['lib/doors/cli', 'lib/sandbox']) {
    for (const name of readdirSync(join(ROOT, dir))) {
      if (!name.endsWith('.ts')) continue;
      const out = join(ROOT, 'dist', dir, name.replace(/\.ts$/, '.js'));
      if (!existsSync(out) || statSync(out).mtimeMs < statSync(join(ROOT, dir, name)).mtimeMs) return true;
    }
  }
  return false;
}

let scratch: string;
beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'offpeak-cli-'));
  if (distIsStale()) {
    // tsc emits even when unrelated files have type errors; what matters is that the output is fresh.
    await promisify(execFile)('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT }).catch(() => undefined);
    if (distIsStale()) throw new Error('dist/ is still stale after `tsc -p tsconfig.build.json`');
  }
}, 60_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function run(args: string[]): Promise<Finished> {
  return new Promise((resolve, reject) => {
    execFile('node', [BIN, ...args], { cwd: scratch, timeout: 10_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      if (error && code === null && !error.signal) {
        // execFile's error is an Error; its declared type (an intersection of Omits) does not say so.
        const failure: Error = error;
        reject(failure);
      } else resolve({ code, signal: error?.signal ?? null, stdout, stderr });
    });
  });
}

/** Resolves with the first http://127.0.0.1:PORT the process prints on stdout. */
function urlFrom(child: ChildProcessWithoutNullStreams): Promise<{ url: string; firstLine: string; output: () => string }> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no URL printed within 10 s; stdout so far: ${seen}`)), 10_000);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      seen += chunk;
      const line = seen.split('\n').find((l) => /http:\/\/127\.0\.0\.1:\d+/.test(l));
      const match = line ? /http:\/\/127\.0\.0\.1:(\d+)/.exec(line) : null;
      if (line && match) {
        clearTimeout(timer);
        resolve({ url: match[0], firstLine: line, output: () => seen });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before printing a URL; stdout: ${seen}`));
    });
  });
}

describe('offpeak sandbox', () => {
  it('prints its URL, serves signed calls at rate scale 10, and exits 0 on SIGTERM', async () => {
    const child = spawn('node', [BIN, 'sandbox', '--port', '0', '--rate-scale', '10'], { cwd: scratch });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    try {
      const { url, firstLine, output } = await urlFrom(child);
      expect(firstLine).toBe(`offpeak sandbox listening on ${url}`);
      expect(Number(new URL(url).port)).toBeGreaterThan(0);

      const client = openApiClient(url);
      const list = saeData(await saeCall(client, 'ListApplications', { PageSize: '50' }));
      expect(list.TotalSize).toBe(6);
      // --rate-scale 10 reached the gateway: the demo's 3 s change order lasts 0.3 s.
      await saeCall(client, 'StopApplication', { AppId: DEV_API });
      await advance(url, 0.3);
      expect(await appState(url, DEV_API)).toMatchObject({ status: 'STOPPED', runningInstances: 0 });
      expect(output()).toContain('rate limits x10');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(stderr).toBe('');
  });

  it('exits 2 with one line and no stack for a seed file that does not exist', async () => {
    const result = await run(['sandbox', '--seed', 'missing.yaml']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^offpeak sandbox: .*missing\.yaml: cannot read: ENOENT$/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 with a one-line message naming the field for a seed that is not valid', async () => {
    writeFileSync(join(scratch, 'bad.yaml'), 'accounts:\n  - id: "123"\n    accessKeys: [{ id: a, secret: b }]\n');
    const result = await run(['sandbox', '--seed', 'bad.yaml']);
    expect(result.code).toBe(2);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('accounts[0].id');
  });

  it('exits 2 for a rate scale that is not a positive number', async () => {
    // A negative number goes in the --flag=value form: parseArgs reads `--rate-scale -1` as two options.
    for (const scale of ['0', '-1', 'fast']) {
      const result = await run(['sandbox', `--rate-scale=${scale}`]);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(result.stderr).toContain(`--rate-scale '${scale}'`);
    }
  });
});

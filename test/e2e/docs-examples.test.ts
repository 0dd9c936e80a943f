import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cleanEnv, ensureBuilt, ROOT } from './support/cli.js';

/**
 * The shell examples of README.md and docs/*.md, run against the built CLI, so the docs cannot
 * drift from what offpeak does. The conventions (what runs, how output is compared, the
 * `<!-- docs-test: ... -->` directives) are described in docs/development.md, "Examples in the docs".
 *
 * Each page runs in its own scratch folder holding a copy of schedules/; pages run side by side,
 * the blocks of a page one after another, in document order.
 */

const PAGES = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
];

/** A command line the docs test runs: optional NAME=value assignments, then the CLI or `npm start`. */
const RUNNABLE = /^(?:[A-Z_][A-Z0-9_]*=\S+\s+)*(?:(?:npx offpeak|offpeak|node bin\/offpeak\.js)(?:\s|$)|npm start\s*(?:#|$))/;
const NOT_RUN = /(?:^|\s)#\s*not run:\s*(\S.*)$/;
const EXITS = /(?:^|\s)#\s*exits (\d+)\b/;
const SERVER = /^(?:[A-Z_][A-Z0-9_]*=\S+\s+)*(?:npx offpeak|offpeak|node bin\/offpeak\.js) sandbox(?:\s|$)(?!.*--help)/;
/** package.json's start script begins with the build, which the test has done already. */
const START_BUILD = 'npm run build --silent && ';

interface Fence {
  readonly page: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly lang: string;
  readonly body: string;
  readonly directives: Directives;
  /** The fenced block right after a sh block (blank lines between, nothing else): its output. */
  output?: Fence;
}

interface Directives {
  now?: string;
  file?: string;
  shows?: string;
}

interface Command {
  /** The command as written, continuation lines included. */
  readonly text: string;
  readonly exits: number;
}

interface ShBlock {
  readonly fence: Fence;
  /** Set when the whole block is marked `# not run: ...` on its first line. */
  readonly notRun?: string;
  readonly commands: Command[];
  readonly skipped: { text: string; reason: string }[];
  /** Lines that neither run nor carry a mark: each one fails the test. */
  readonly unmarked: string[];
  readonly server: boolean;
}

interface Outcome {
  readonly output: string;
  readonly statuses: number[];
}

function parseDirectives(text: string, where: string): Directives {
  const d: Directives = {};
  for (const part of text
    .split(';')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [key, value] = part.split('=', 2).map((s) => s.trim());
    if ((key === 'now' || key === 'file' || key === 'shows') && value) d[key] = value;
    else throw new Error(`${where}: unknown docs-test directive '${part}' (now=ISO, file=PATH, shows=PATH)`);
  }
  return d;
}

/** The fenced blocks of a page, each sh block with the output block that follows it. */
function fences(page: string): Fence[] {
  const lines = readFileSync(join(ROOT, page), 'utf8').split('\n');
  const found: Fence[] = [];
  let pending: Directives | undefined;
  let previous: { fence: Fence; end: number } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const directive = /^<!--\s*docs-test:(.*)-->\s*$/.exec(line);
    if (directive) {
      pending = parseDirectives(directive[1]!, `${page}:${i + 1}`);
      continue;
    }
    const open = /^(`{3,})([\w-]*)\s*$/.exec(line);
    if (!open) {
      if (line.trim() !== '' && pending) throw new Error(`${page}:${i + 1}: a docs-test directive must come right before a fenced block`);
      continue;
    }
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== open[1]; i++) body.push(lines[i]!);
    if (i >= lines.length) throw new Error(`${page}:${start + 1}: unclosed fence`);
    const fence: Fence = { page, line: start + 1, lang: open[2]!, body: body.join('\n'), directives: pending ?? {} };
    const adjacent = previous !== undefined && lines.slice(previous.end + 1, start).every((l) => l.trim() === '');
    if (adjacent && previous!.fence.lang === 'sh' && fence.lang !== 'sh' && pending === undefined) previous!.fence.output = fence;
    else found.push(fence);
    pending = undefined;
    previous = { fence, end: i };
  }
  return found;
}

/** Markdown text without its fenced blocks, where `#` lines are not headings. */
function withoutFences(text: string): string {
  return text.replace(/^(`{3,})[\w-]*\n[\s\S]*?^\1$/gm, '');
}

/** The anchors GitHub gives a Markdown file's headings. */
function anchors(file: string): Set<string> {
  const found = new Set<string>();
  for (const [, heading] of withoutFences(readFileSync(file, 'utf8')).matchAll(/^#{1,6} (.+)$/gm))
    found.add(
      heading!
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-'),
    );
  return found;
}

/** Logical lines: a line ending in a backslash continues on the next. */
function logicalLines(body: string): string[] {
  const out: string[] = [];
  let current = '';
  for (const line of body.split('\n')) {
    current += (current ? '\n' : '') + line;
    if (!line.endsWith('\\')) {
      out.push(current);
      current = '';
    }
  }
  if (current) out.push(current);
  return out;
}

function classify(fence: Fence): ShBlock {
  const lines = logicalLines(fence.body).filter((l) => l.trim() !== '');
  const first = lines[0]?.trim() ?? '';
  const whole = first.startsWith('#') ? NOT_RUN.exec(first) : null;
  const commands: Command[] = [];
  const skipped: { text: string; reason: string }[] = [];
  const unmarked: string[] = [];
  for (const text of lines) {
    const flat = text.replace(/\\\n\s*/g, ' ').trim();
    if (flat.startsWith('#')) continue;
    const mark = whole ?? NOT_RUN.exec(flat);
    if (mark) skipped.push({ text: flat, reason: mark[1]! });
    else if (RUNNABLE.test(flat)) commands.push({ text, exits: Number(EXITS.exec(flat)?.[1] ?? 0) });
    else unmarked.push(flat);
  }
  const server = commands.some((c) => SERVER.test(c.text.replace(/\\\n\s*/g, ' ').trim()));
  if (server && commands.length !== 1)
    unmarked.push(`${fence.page}:${fence.line}: a block that starts a sandbox must hold that one command`);
  return { fence, ...(whole ? { notRun: whole[1]! } : {}), commands, skipped, unmarked, server };
}

/** What varies from run to run, written the same way in the docs and in the actual output. */
function normalise(text: string): string {
  return text
    .replace(/\b(127\.0\.0\.1|localhost):\d+/g, '$1:PORT')
    .replace(/\b[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\b/g, 'REQUEST-ID')
    .replace(/\b1-[0-9a-f]{8}-[0-9a-f]{24}\b/g, 'REQUEST-ID')
    .replace(/(change order |"changeOrderId": ?")[0-9a-f-]{36}/g, '$1CHANGE-ORDER-ID')
    .replace(/"ms": ?\d+/g, '"ms": MS')
    .replace(/\S*\/lib\/sandbox\/seeds\//g, '.../lib/sandbox/seeds/')
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
    .replace(/\n+$/, '');
}

/** One expected line against an actual one: `...` inside a line stands for any text. */
function lineMatches(expected: string, actual: string): boolean {
  if (!expected.includes('...')) return expected === actual;
  const pattern = expected
    .split('...')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*?');
  return new RegExp(`^${pattern}$`).test(actual);
}

/** Expected lines against actual ones, where a line `...` stands for any number of lines. */
function matches(expected: string[], actual: string[]): boolean {
  const seen = new Set<string>();
  const go = (i: number, j: number): boolean => {
    if (i === expected.length) return j === actual.length;
    const key = `${i},${j}`;
    if (seen.has(key)) return false;
    seen.add(key);
    if (expected[i] === '...') return go(i + 1, j) || (j < actual.length && go(i, j + 1));
    return j < actual.length && lineMatches(expected[i]!, actual[j]!) && go(i + 1, j + 1);
  };
  return go(0, 0);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Runs `offpeak`, `npx offpeak` and `npm start` as the built CLI from the repository. */
function prelude(): string {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
  if (!pkg.scripts.start.startsWith(START_BUILD))
    throw new Error(`package.json's start script no longer begins with '${START_BUILD}': update the docs test`);
  const start = pkg.scripts.start.slice(START_BUILD.length);
  const bin = quote(BIN);
  return [
    'exec 2>&1',
    `offpeak() { node ${bin} "$@"; }`,
    `npx() { if [ "$1" = offpeak ]; then shift; node ${bin} "$@"; else echo "docs test: only npx offpeak runs"; return 127; fi; }`,
    `npm() { if [ "$*" = start ]; then ${start}; else echo "docs test: only npm start runs"; return 127; fi; }`,
    '',
  ].join('\n');
}

/** The command's script: each command followed by its exit status on fd 3. */
function script(commands: Command[], ports: Map<string, string>): string {
  let text = prelude();
  for (const c of commands) text += `${withPorts(c.text, ports)}\necho "$?" >&3\n`;
  return text;
}

function withPorts(text: string, ports: Map<string, string>): string {
  let out = text;
  for (const [from, to] of ports) out = out.replace(new RegExp(`(--port |127\\.0\\.0\\.1:|localhost:)${from}\\b`, 'g'), `$1${to}`);
  return out;
}

/** The environment of the examples: no OFFPEAK_* or ALIBABA_CLOUD_* of the shell, a home with no keys in it. */
function exampleEnv(scratch: string, now: string | undefined): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = Object.fromEntries(
    Object.entries(cleanEnv).filter(([name]) => !name.startsWith('ALIBABA_CLOUD_') && name !== 'NODE_OPTIONS'),
  );
  env.HOME = scratch;
  if (now) {
    env.NODE_OPTIONS = `--import=${join(scratch, '.docs-test-now.mjs')}`;
    env.DOCS_TEST_NOW = now;
  }
  return env;
}

/** Fixes "now" for commands that take no --at: Date runs on from the given instant. */
const NOW_MODULE = `const Real = globalThis.Date;
const offset = Real.parse(process.env.DOCS_TEST_NOW) - Real.now();
if (Number.isNaN(offset)) throw new Error('DOCS_TEST_NOW is not an instant: ' + process.env.DOCS_TEST_NOW);
globalThis.Date = class extends Real {
  constructor(...args) { if (args.length === 0) super(Real.now() + offset); else super(...args); }
  static now() { return Real.now() + offset; }
};
`;

function start(
  text: string,
  cwd: string,
  env: Record<string, string | undefined>,
): { child: ChildProcess; out: () => string; statuses: () => number[] } {
  const child = spawn('bash', ['-c', text], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
  let out = '';
  let status = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  (child.stdio[3] as NodeJS.ReadableStream).on('data', (d: Buffer) => (status += d.toString()));
  return { child, out: () => out, statuses: () => status.split('\n').filter(Boolean).map(Number) };
}

function kill(child: ChildProcess): void {
  try {
    if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
  } catch {
    // gone already
  }
}

async function runBlock(block: ShBlock, scratch: string, ports: Map<string, string>): Promise<Outcome> {
  const env = exampleEnv(scratch, block.fence.directives.now);
  const run = start(script(block.commands, ports), scratch, env);
  const timer = setTimeout(() => kill(run.child), 60_000);
  const code = await new Promise<number | null>((resolve) => run.child.once('close', resolve));
  clearTimeout(timer);
  const statuses = run.statuses();
  if (code !== 0 && statuses.length < block.commands.length) statuses.push(code ?? -1);
  return { output: run.out(), statuses };
}

/** Starts a sandbox block and waits until it listens and has printed the lines its output block shows. */
async function startServer(
  block: ShBlock,
  scratch: string,
  ports: Map<string, string>,
): Promise<{ child: ChildProcess; outcome: Outcome }> {
  const env = exampleEnv(scratch, block.fence.directives.now);
  const command = block.commands[0]!;
  const run = start(script([command], ports), scratch, env);
  const port = /--port (\d+)/.exec(withPorts(command.text, ports))?.[1];
  const shown = block.fence.output?.body.split('\n').filter((l) => l.trim() !== '' && l !== '...').length ?? 1;
  const printed = () =>
    run
      .out()
      .split('\n')
      .filter((l) => l.trim() !== '').length;
  for (let waited = 0; waited < 15_000 && run.child.exitCode === null; waited += 50) {
    if ((port === undefined || (await listening(Number(port)))) && printed() >= shown) break;
    await sleep(50);
  }
  return { child: run.child, outcome: { output: run.out(), statuses: [] } };
}

interface PageRun {
  readonly blocks: ShBlock[];
  /** By the line of the sh block. */
  readonly outcomes: Map<number, Outcome>;
}

async function runPage(page: string): Promise<PageRun> {
  const all = fences(page);
  const blocks = all.filter((f) => f.lang === 'sh').map(classify);
  const outcomes = new Map<number, Outcome>();
  const scratch = mkdtempSync(join(tmpdir(), 'offpeak-docs-'));
  const servers: ChildProcess[] = [];
  try {
    cpSync(join(ROOT, 'schedules'), join(scratch, 'schedules'), { recursive: true });
    symlinkSync(join(ROOT, 'bin'), join(scratch, 'bin'));
    writeFileSync(join(scratch, '.docs-test-now.mjs'), NOW_MODULE);
    // A sandbox the page starts on a fixed port gets a free one instead, in every block of the page.
    const ports = new Map<string, string>();
    for (const b of blocks)
      for (const c of b.commands) {
        const port = b.server ? /--port (\d+)/.exec(c.text)?.[1] : undefined;
        if (port && port !== '0' && !ports.has(port)) ports.set(port, String(await freePort()));
      }
    for (const fence of all) {
      if (fence.directives.file) {
        if (fence.directives.file.startsWith('/') || fence.directives.file.split('/').includes('..'))
          throw new Error(`${page}:${fence.line}: file=${fence.directives.file} must stay inside the scratch folder`);
        const path = join(scratch, fence.directives.file);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, `${fence.body}\n`);
      }
      if (fence.lang !== 'sh') continue;
      const block = blocks.find((b) => b.fence === fence)!;
      if (block.notRun !== undefined || block.commands.length === 0 || block.unmarked.length > 0) continue;
      if (block.server) {
        const server = await startServer(block, scratch, ports);
        servers.push(server.child);
        outcomes.set(fence.line, server.outcome);
      } else outcomes.set(fence.line, await runBlock(block, scratch, ports));
    }
  } finally {
    for (const s of servers) kill(s);
    await Promise.all(servers.filter((s) => s.exitCode === null).map((s) => new Promise((r) => s.once('close', r))));
    rmSync(scratch, { recursive: true, force: true });
  }
  return { blocks, outcomes };
}

const runs = new Map<string, PageRun>();

beforeAll(async () => {
  await ensureBuilt();
  const done = await Promise.all(PAGES.map(async (page) => [page, await runPage(page)] as const));
  for (const [page, run] of done) runs.set(page, run);
}, 120_000);

afterAll(() => {
  const blocks = [...runs.values()].flatMap((r) => r.blocks);
  const ran = blocks.reduce((n, b) => n + (b.notRun === undefined ? b.commands.length : 0), 0);
  const notRun = blocks.reduce((n, b) => n + b.skipped.length, 0);
  console.log(`docs examples: ${ran} commands run, ${notRun} marked not run, in ${blocks.length} sh blocks`);
});

describe('shell examples in the docs', () => {
  it('every sh block runs or is marked not run, and no shell block hides under another name', () => {
    const problems: string[] = [];
    for (const page of PAGES) {
      const text = readFileSync(join(ROOT, page), 'utf8');
      for (const m of text.matchAll(/^```(bash|shell|console|zsh)\s*$/gm))
        problems.push(`${page}: a \`\`\`${m[1]} block; write \`\`\`sh so it is run`);
      for (const block of runs.get(page)!.blocks) {
        for (const line of block.unmarked) problems.push(`${page}:${block.fence.line}: neither run nor marked '# not run: why': ${line}`);
        if (block.commands.length === 0 && block.skipped.length === 0)
          problems.push(`${page}:${block.fence.line}: a sh block without a command`);
        if (block.notRun !== undefined && block.fence.output)
          problems.push(`${page}:${block.fence.line}: a block marked not run shows output nobody checks`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('every docs page is linked from the README, and every relative link leads to a file and heading that exist', () => {
    const problems: string[] = [];
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const pages = [...PAGES.slice(1), ...readdirSync(join(ROOT, 'docs/reference')).map((name) => `docs/reference/${name}`)];
    for (const page of pages) if (!readme.includes(`](${page})`)) problems.push(`README.md does not link ${page}`);
    for (const page of [...PAGES, ...pages.filter((p) => !PAGES.includes(p))]) {
      const text = withoutFences(readFileSync(join(ROOT, page), 'utf8'));
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue;
        const [path, anchor] = target!.split('#', 2);
        const file = path ? join(dirname(join(ROOT, page)), path) : join(ROOT, page);
        if (!existsSync(file)) problems.push(`${page}: link to ${target} (no such file)`);
        else if (anchor && !anchors(file).has(anchor)) problems.push(`${page}: link to ${target} (no such heading)`);
      }
    }
    expect(problems).toEqual([]);
  });

  for (const page of PAGES) {
    const isRun = (f: Fence) => f.lang === 'sh' && classify(f).notRun === undefined && classify(f).commands.length > 0;
    const checked = fences(page).filter((f) => f.directives.shows || isRun(f));
    if (checked.length === 0) continue;
    describe(page, () => {
      for (const fence of checked) {
        if (fence.directives.shows)
          it(`line ${fence.line} shows lines of ${fence.directives.shows} as they are`, () => {
            const file = readFileSync(join(ROOT, fence.directives.shows!), 'utf8').trimEnd();
            expect(`\n${file}\n`).toContain(`\n${fence.body.trimEnd()}\n`);
          });
        if (fence.lang !== 'sh') continue;
        const block = classify(fence);
        if (block.notRun !== undefined || block.commands.length === 0) continue;
        const names = block.commands.map((c) => c.text.replace(/\\\n\s*/g, ' ').trim());
        it(`line ${fence.line}: ${names.join('; ').slice(0, 100)}`, () => {
          const outcome = runs.get(page)!.outcomes.get(fence.line);
          expect(outcome, 'the block did not run (see the first test)').toBeDefined();
          const output = normalise(outcome!.output);
          if (!block.server) expect(outcome!.statuses, `exit statuses\n${output}`).toEqual(block.commands.map((c) => c.exits));
          if (fence.output) {
            const expected = normalise(fence.output.body);
            if (!matches(expected.split('\n'), output.split('\n'))) expect(output).toBe(expected);
          }
        });
      }
    });
  }
});

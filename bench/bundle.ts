import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, ms, type BenchSection } from './section.js';

/**
 * The Function Compute bundle (`npm run bundle`, dist/function/index.js): its size, and how long a
 * fresh Node process takes to load it, against the unbundled handler as tsc leaves it
 * (dist/functions/scheduler/index.js, which reads its dependencies from node_modules) and against
 * an empty `node -e ""`, which is Node's own start-up. Each run is a new process, timed by wall
 * clock from spawn to exit; the three commands take turns in every round. The loading processes
 * also time the require/import itself from inside (performance.now) and report their RSS.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FUNCTION_DIR = join(ROOT, 'dist', 'function');
const BUNDLE = join(FUNCTION_DIR, 'index.js');
const UNBUNDLED = join(ROOT, 'dist', 'functions', 'scheduler', 'index.js');
/** A second package, of schedules that name countries (test/fixtures/holidays: DE-BY and JP). */
const HOLIDAYS_DIR = join(ROOT, 'dist', 'bench-holidays', 'function');
const RUNS = 15;
const WARMUP = 2;
const MAX_BYTES = 2_000_000;

// fs.writeSync to fd 1 reports without creating process.stdout, which would add its own start-up.
const REPORT = `require('node:fs').writeSync(1,JSON.stringify({load:performance.now()-t,rss:process.memoryUsage().rss}))`;

interface Command {
  readonly name: string;
  readonly cwd: string;
  readonly script: string;
}

const COMMANDS = {
  empty: { name: 'node -e ""', cwd: ROOT, script: '' },
  unbundled: {
    name: `import('./dist/functions/scheduler/index.js')`,
    cwd: ROOT,
    script: `const t=performance.now();import('./dist/functions/scheduler/index.js').then(()=>{${REPORT}})`,
  },
  bundle: { name: `require('./index.js')`, cwd: FUNCTION_DIR, script: `const t=performance.now();require('./index.js');${REPORT}` },
  // What the first run of a function whose schedules name countries adds: the holiday library and one year's holidays.
  holidays: {
    name: `require('./index.js') + holiday-book.js + DE-BY 2027`,
    cwd: HOLIDAYS_DIR,
    script: `const t=performance.now();require('./index.js');require('./holiday-book.js').holidayBook().holidays({country:'DE',state:'BY'},['public'],2027);${REPORT}`,
  },
} satisfies Record<string, Command>;
type Name = keyof typeof COMMANDS;

interface Sample {
  readonly wall: number;
  readonly load?: number;
  readonly rss?: number;
}

function runOnce(command: Command): Sample {
  const start = process.hrtime.bigint();
  const child = spawnSync(process.execPath, ['-e', command.script], { cwd: command.cwd, encoding: 'utf8' });
  const wall = Number(process.hrtime.bigint() - start) / 1e6;
  if (child.status !== 0)
    throw new Error(`bench bundle: ${command.name} exited ${child.status}: ${child.stderr.trim().split('\n')[0] ?? ''}`);
  if (!child.stdout) return { wall };
  const { load, rss } = JSON.parse(child.stdout) as { load: number; rss: number };
  return { wall, load, rss };
}

export function benchBundle(): BenchSection {
  // Always bundle afresh: it takes well under a second, and a stale dist/function would time old code.
  const bundle = (...args: string[]) =>
    execFileSync('npm', ['run', '--silent', 'bundle', ...(args.length ? ['--', ...args] : [])], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  bundle();
  bundle('--schedules', 'test/fixtures/holidays', '--out', HOLIDAYS_DIR);
  if (!existsSync(UNBUNDLED)) throw new Error(`bench bundle: ${UNBUNDLED} is missing; run it with npm run bench, which builds first`);
  const bytes = statSync(BUNDLE).size;
  const bookBytes = statSync(join(FUNCTION_DIR, 'holiday-book.js')).size;
  const holidaysBookBytes = statSync(join(HOLIDAYS_DIR, 'holiday-book.js')).size;
  const meta = JSON.parse(readFileSync(join(FUNCTION_DIR, '..', 'function-meta.json'), 'utf8')) as {
    inputs: Record<string, { bytes: number }>;
  };
  const inputs = Object.values(meta.inputs);
  const inputBytes = inputs.reduce((sum, input) => sum + input.bytes, 0);

  const names = Object.keys(COMMANDS) as Name[];
  for (let i = 0; i < WARMUP; i++) for (const name of names) runOnce(COMMANDS[name]);
  const samples: Record<Name, Sample[]> = { empty: [], unbundled: [], bundle: [], holidays: [] };
  for (let round = 0; round < RUNS; round++) {
    // Rotate the order so no command always runs right after the same one.
    for (let k = 0; k < names.length; k++) {
      const name = names[(round + k) % names.length]!;
      samples[name].push(runOnce(COMMANDS[name]));
    }
  }

  const wall = (name: Name): number => median(samples[name].map((s) => s.wall));
  const load = (name: Name): number => median(samples[name].map((s) => s.load ?? 0));
  const rss = (name: Name): string => `${(median(samples[name].map((s) => s.rss ?? 0)) / 2 ** 20).toFixed(1)} MiB`;
  const empty = wall('empty');
  const net = (name: Name): number => wall(name) - empty;
  const rawRatio = wall('bundle') / wall('unbundled');
  const netRatio = net('bundle') / net('unbundled');
  const loadRatio = load('bundle') / load('unbundled');
  const x = (ratio: number): string => `${ratio.toFixed(2)}x`;

  return {
    title: `Function bundle: size and cold load in a fresh process (median of ${RUNS} after ${WARMUP} warm-up runs each)`,
    rows: [
      {
        measure: 'bundle size, dist/function/index.js',
        median: `${bytes.toLocaleString('en-US')} bytes (${(bytes / 1e6).toFixed(2)} MB)`,
        'minus node -e ""': '',
        'load in-process': '',
        'RSS after load': '',
        target: '< 2 MB',
        'bundle / unbundled': '',
      },
      {
        measure: 'holiday-book.js beside it (no country named; DE and JP: the second package)',
        median: `${bookBytes.toLocaleString('en-US')} bytes; ${holidaysBookBytes.toLocaleString('en-US')} bytes`,
        'minus node -e ""': '',
        'load in-process': '',
        'RSS after load': '',
        target: `index.js + holiday-book.js < 2 MB: ${((bytes + holidaysBookBytes) / 1e6).toFixed(2)} MB`,
        'bundle / unbundled': '',
      },
      {
        measure: `bundled inputs (${inputs.length} files)`,
        median: `${inputBytes.toLocaleString('en-US')} bytes (${(inputBytes / 1e6).toFixed(2)} MB) of source`,
        'minus node -e ""': '',
        'load in-process': '',
        'RSS after load': '',
        target: '',
        'bundle / unbundled': '',
      },
      {
        measure: `${COMMANDS.empty.name} (Node start-up)`,
        median: ms(empty),
        'minus node -e ""': '(baseline)',
        'load in-process': '',
        'RSS after load': '',
        target: '',
        'bundle / unbundled': '',
      },
      {
        measure: `unbundled: ${COMMANDS.unbundled.name} (repo root)`,
        median: ms(wall('unbundled')),
        'minus node -e ""': ms(net('unbundled')),
        'load in-process': ms(load('unbundled')),
        'RSS after load': rss('unbundled'),
        target: '',
        'bundle / unbundled': '',
      },
      {
        measure: `bundle: ${COMMANDS.bundle.name} (dist/function)`,
        median: ms(wall('bundle')),
        'minus node -e ""': ms(net('bundle')),
        'load in-process': ms(load('bundle')),
        'RSS after load': rss('bundle'),
        target: '≤ 0.5x unbundled',
        'bundle / unbundled': `${x(rawRatio)} raw, ${x(netRatio)} minus node -e "", ${x(loadRatio)} in-process`,
      },
      {
        measure: `countries: ${COMMANDS.holidays.name} (dist/bench-holidays/function)`,
        median: ms(wall('holidays')),
        'minus node -e ""': ms(net('holidays')),
        'load in-process': ms(load('holidays')),
        'RSS after load': rss('holidays'),
        target: '',
        'bundle / unbundled': `${x(load('holidays') / load('bundle'))} of the bundle's load, in-process`,
      },
    ],
    notes: [
      `size: ${bytes <= MAX_BYTES ? 'under' : 'OVER'} the 2 MB target (${(bytes / MAX_BYTES).toFixed(2)} of it).`,
      `cold load: the bundle takes ${x(netRatio)} of the unbundled time once Node's own start-up (${ms(empty)}) is subtracted, ${x(rawRatio)} of the whole process; target at most 0.5x: ${netRatio <= 0.5 ? 'met' : 'NOT met'} (net), ${rawRatio <= 0.5 ? 'met' : 'not met'} (raw).`,
      'median = wall time of the whole process, spawn to exit, as the parent sees it; "load in-process" = performance.now() around the require/import inside the child.',
    ],
  };
}

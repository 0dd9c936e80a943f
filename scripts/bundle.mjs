// `npm run bundle`: the Function Compute code package in dist/function/, ready to upload.
//
//   index.js          functions/scheduler/index.ts and everything it imports, one minified CommonJS
//                     file (FC loads `index.handler`; CJS needs no createRequire banner for the
//                     Alibaba packages' inner require('stream') and friends)
//   package.json      {"type":"commonjs"}, so Node reads index.js as CommonJS whatever lies above it
//   schedules/        the schedule files (*.yaml, *.yml) and calendars/**, read from ./schedules
//                     relative to the process cwd (FC's /code) unless OFFPEAK_SCHEDULES says otherwise
//   index.js.LEGAL.txt  the licence comments esbuild found in the bundled code (legalComments: 'external')
// and beside the folder, not in the upload: dist/function-meta.json, esbuild's metafile (every input and its bytes)
//
// Fails (exit 1, one line) when esbuild errors or warns, when a sandbox, CLI, fc2, pop-core or
// dev-only input got into the bundle, or when the bundle is over 2 MB. Prints one line otherwise.
import { build } from 'esbuild';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'dist', 'function');
const OUTFILE = join(OUT, 'index.js');
const META = join(ROOT, 'dist', 'function-meta.json');
const ENTRY = join(ROOT, 'functions', 'scheduler', 'index.ts');
const SCHEDULES = join(ROOT, 'schedules');
/** 2 MB in decimal megabytes (2,000,000 bytes), the stricter reading of "2 MB". */
const MAX_BYTES = 2_000_000;
/** Inputs that must never reach the function: the sandbox, the CLI, the FC 2.0 client and dev-only packages. */
const FORBIDDEN = ['lib/sandbox/', 'lib/doors/cli/', '@alicloud/fc2', '@alicloud/pop-core', 'vitest', 'esbuild', 'fast-check'];

function fail(message) {
  console.error(`bundle: ${message}`);
  process.exit(1);
}

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });

let result;
try {
  result = await build({
    absWorkingDir: ROOT,
    entryPoints: [ENTRY],
    outfile: OUTFILE,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    // Licence comments go to index.js.LEGAL.txt: they stay with the deployed code without being
    // parsed on every cold start.
    legalComments: 'external',
    metafile: true,
    logLevel: 'silent',
  });
} catch (error) {
  const first = error?.errors?.[0];
  fail(
    first
      ? `esbuild: ${first.text}${first.location ? ` (${first.location.file}:${first.location.line})` : ''}${error.errors.length > 1 ? ` and ${error.errors.length - 1} more` : ''}`
      : `esbuild: ${error?.message ?? error}`,
  );
}
// A warning here (import.meta in CJS, a require esbuild cannot follow) is a handler that breaks at
// run time, so it fails the bundle like an error.
if (result.warnings.length) {
  const w = result.warnings[0];
  fail(
    `esbuild warned: ${w.text}${w.location ? ` (${w.location.file}:${w.location.line})` : ''}${result.warnings.length > 1 ? ` and ${result.warnings.length - 1} more` : ''}`,
  );
}

writeFileSync(META, JSON.stringify(result.metafile));
const inputs = Object.keys(result.metafile.inputs);
const forbidden = inputs.filter((path) => FORBIDDEN.some((f) => path.replaceAll('\\', '/').includes(f)));
if (forbidden.length)
  fail(
    `forbidden inputs in the bundle: ${forbidden.slice(0, 3).join(', ')}${forbidden.length > 3 ? ` and ${forbidden.length - 3} more` : ''} (see dist/function-meta.json)`,
  );

writeFileSync(join(OUT, 'package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);

// The schedules as the function reads them: the files directly in schedules/ and the calendars they
// point to. schema.json stays behind: only editors read it, never the function.
mkdirSync(join(OUT, 'schedules'), { recursive: true });
for (const name of readdirSync(SCHEDULES)) {
  if (/\.ya?ml$/.test(name) && statSync(join(SCHEDULES, name)).isFile()) cpSync(join(SCHEDULES, name), join(OUT, 'schedules', name));
}
if (existsSync(join(SCHEDULES, 'calendars')))
  cpSync(join(SCHEDULES, 'calendars'), join(OUT, 'schedules', 'calendars'), { recursive: true });

const bytes = statSync(OUTFILE).size;
if (bytes > MAX_BYTES)
  fail(`${relative(ROOT, OUTFILE)} is ${(bytes / 1e6).toFixed(2)} MB, over the 2 MB limit (see dist/function-meta.json)`);
console.log(`bundle: ${relative(ROOT, OUTFILE)} ${(bytes / 1e6).toFixed(2)} MB (${bytes} bytes), ${inputs.length} inputs`);

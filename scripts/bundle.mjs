// `npm run bundle`: the Function Compute code package in dist/function/, ready to upload
// (`node scripts/bundle.mjs --schedules DIR --out DIR` packages other schedules, elsewhere).
//
//   index.js          functions/scheduler/index.ts and everything it imports, one minified CommonJS
//                     file (FC loads `index.handler`; CJS needs no createRequire banner for the
//                     Alibaba packages' inner require('stream') and friends), but for:
//   holiday-book.js   the holiday library (lib/doors/holiday-book.ts, date-holidays-parser) with the
//                     data of only the countries the schedules name, and the codes and names of the
//                     others; index.js requires it only when a schedule names a country, so a
//                     function whose calendars are all files never loads it
//   package.json      {"type":"commonjs"}, so Node reads index.js as CommonJS whatever lies above it
//   schedules/        the schedule files (*.yaml, *.yml) and calendars/**, read from ./schedules
//                     relative to the process cwd (FC's /code) unless OFFPEAK_SCHEDULES says otherwise
//   index.js.LEGAL.txt  the licence comments esbuild found in the bundled code (legalComments: 'external')
// and beside the folder, not in the upload: dist/function-meta.json and dist/function-holiday-book-meta.json,
// esbuild's metafiles (every input and its bytes)
//
// Fails (exit 1, one line) when esbuild errors or warns, when a sandbox, CLI, fc2, pop-core or
// dev-only input got into the bundle, or when index.js and holiday-book.js together are over 2 MB.
// Prints one line otherwise.
import { build } from 'esbuild';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { parse } from 'yaml';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
// --schedules DIR: the schedules to package (default schedules/); --out DIR: where (default dist/function).
const { values: args } = parseArgs({ options: { schedules: { type: 'string' }, out: { type: 'string' } } });
const OUT = resolve(ROOT, args.out ?? join('dist', 'function'));
const OUTFILE = join(OUT, 'index.js');
const META = `${OUT}-meta.json`;
const BOOK_META = `${OUT}-holiday-book-meta.json`;
const ENTRY = join(ROOT, 'functions', 'scheduler', 'index.ts');
const BOOK_ENTRY = join(ROOT, 'lib', 'doors', 'holiday-book.ts');
const BOOK_FILE = join(OUT, 'holiday-book.js');
const SCHEDULES = resolve(ROOT, args.schedules ?? 'schedules');
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

const common = {
  absWorkingDir: ROOT,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  // Licence comments go to *.LEGAL.txt: they stay with the deployed code without being parsed on
  // every cold start.
  legalComments: 'external',
  metafile: true,
  logLevel: 'silent',
};

/** index.js leaves the holiday library to holiday-book.js beside it, required on demand. */
const holidayBookApart = {
  name: 'holiday-book-apart',
  setup(b) {
    b.onResolve({ filter: /^\.\/holiday-book\.js$/ }, () => ({ path: './holiday-book.js', external: true }));
  },
};

/** The countries the schedules name as calendar sources (`{ country: DE, ... }`, alone or in a list). */
function scheduleCountries() {
  const countries = new Set();
  for (const name of readdirSync(SCHEDULES)) {
    if (!/\.ya?ml$/.test(name) || !statSync(join(SCHEDULES, name)).isFile()) continue;
    let file;
    try {
      file = parse(readFileSync(join(SCHEDULES, name), 'utf8'));
    } catch {
      continue; // offpeak validate reports it; the function refuses it in the same words
    }
    for (const entry of Object.values(file?.calendars ?? {}))
      for (const source of Array.isArray(entry) ? entry : [entry]) if (typeof source?.country === 'string') countries.add(source.country);
  }
  return [...countries].sort();
}

/**
 * holiday-data.js as the code package has it: the data of the named countries and of those their
 * data refers to (`_days` borrows another country's days), the shared names, and every country's
 * code and name, so a schedule naming another country is told to bundle again rather than that the
 * country does not exist.
 */
async function holidayDataModule(countries) {
  const { data } = await import('date-holidays/data');
  const { default: Holidays } = await import('date-holidays-parser');
  const kept = {};
  const keep = (code) => {
    if (kept[code] || !data.holidays[code]) return;
    kept[code] = data.holidays[code];
    JSON.stringify(kept[code], (key, value) => {
      if (key === '_days') keep(Array.isArray(value) ? value[0] : value);
      return value;
    });
  };
  countries.forEach(keep);
  const subset = { version: data.version, license: data.license, holidays: kept, names: data.names };
  const names = new Holidays(data).getCountries('en');
  const json = JSON.stringify({ data: subset, countries: names });
  // JSON.parse of a string reads faster than the same object as a JavaScript literal.
  return `export const holidayData = JSON.parse(${JSON.stringify(json)});\n`;
}

function holidayDataSubset(contents) {
  return {
    name: 'holiday-data-subset',
    setup(b) {
      b.onResolve({ filter: /^\.\/holiday-data\.js$/ }, () => ({ path: 'holiday-data', namespace: 'offpeak' }));
      b.onLoad({ filter: /.*/, namespace: 'offpeak' }, () => ({ contents, loader: 'js' }));
    },
  };
}

const countries = scheduleCountries();
let result;
let bookResult;
try {
  result = await build({ ...common, entryPoints: [ENTRY], outfile: OUTFILE, plugins: [holidayBookApart] });
  bookResult = await build({
    ...common,
    entryPoints: [BOOK_ENTRY],
    outfile: BOOK_FILE,
    plugins: [holidayDataSubset(await holidayDataModule(countries))],
    // The packages' ES modules, so esbuild keeps only the parts of astronomia the parser calls.
    mainFields: ['module', 'main'],
    alias: { 'moment-timezone': './lib/doors/moment-offset.ts' },
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
const warnings = [...result.warnings, ...bookResult.warnings];
if (warnings.length) {
  const w = warnings[0];
  fail(
    `esbuild warned: ${w.text}${w.location ? ` (${w.location.file}:${w.location.line})` : ''}${warnings.length > 1 ? ` and ${warnings.length - 1} more` : ''}`,
  );
}

writeFileSync(META, JSON.stringify(result.metafile));
writeFileSync(BOOK_META, JSON.stringify(bookResult.metafile));
const inputs = Object.keys(result.metafile.inputs);
const forbidden = [...inputs, ...Object.keys(bookResult.metafile.inputs)].filter((path) =>
  FORBIDDEN.some((f) => path.replaceAll('\\', '/').includes(f)),
);
if (forbidden.length)
  fail(
    `forbidden inputs in the bundle: ${forbidden.slice(0, 3).join(', ')}${forbidden.length > 3 ? ` and ${forbidden.length - 3} more` : ''} (see ${relative(ROOT, META)})`,
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
const bookBytes = statSync(BOOK_FILE).size;
if (bytes + bookBytes > MAX_BYTES)
  fail(
    `${relative(ROOT, OUTFILE)} and holiday-book.js are ${((bytes + bookBytes) / 1e6).toFixed(2)} MB, over the 2 MB limit (see ${relative(ROOT, META)} and ${relative(ROOT, BOOK_META)})`,
  );
console.log(
  `bundle: ${relative(ROOT, OUTFILE)} ${(bytes / 1e6).toFixed(2)} MB (${bytes} bytes), ${inputs.length} inputs; holiday-book.js ${(bookBytes / 1e6).toFixed(2)} MB (${bookBytes} bytes), holiday data of ${countries.length ? countries.join(', ') : 'no country'}`,
);

// The last step of `npm run build`: the command line as one ES module graph in dist/cli/, which
// bin/offpeak.js runs. tsc has already type-checked and written dist/lib (the benchmarks and the
// tests of the compiled code use that); this step bundles lib/doors/cli/main.ts with its packages so
// that a command loads a few files instead of about 300, which is most of a short command's start-up
// and about 16 MB of a long run's memory (docs/benchmarks.md, "Fleet scale").
//
//   main.js      the entry; each command stays a separate chunk (splitting), loaded when it is named,
//                so `offpeak validate` never loads the cloud clients or the sandbox
//   chunk-*.js   the code the commands share
//   *.map        source maps, used when OFFPEAK_DEBUG is set (bin/offpeak.js)
//
// Fails (exit 1, one line) when esbuild errors or warns.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'dist', 'cli');

rmSync(OUT, { recursive: true, force: true });
try {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [join(ROOT, 'lib', 'doors', 'cli', 'main.ts')],
    outdir: OUT,
    bundle: true,
    splitting: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    minify: true,
    sourcemap: true,
    legalComments: 'none',
    // The Alibaba packages are CommonJS and require Node's own modules; an ES module has no
    // `require`, so each chunk makes one for them.
    banner: { js: "import { createRequire as __offpeakRequire } from 'node:module'; const require = __offpeakRequire(import.meta.url);" },
    logLevel: 'silent',
  });
  if (result.warnings.length) {
    const w = result.warnings[0];
    console.error(`build-cli: esbuild warned: ${w.text}${w.location ? ` (${w.location.file}:${w.location.line})` : ''}`);
    process.exit(1);
  }
} catch (error) {
  const first = error?.errors?.[0];
  console.error(
    `build-cli: esbuild: ${first ? `${first.text}${first.location ? ` (${first.location.file}:${first.location.line})` : ''}` : (error?.message ?? error)}`,
  );
  process.exit(1);
}

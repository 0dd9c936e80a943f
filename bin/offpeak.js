#!/usr/bin/env node
// The CLI is built by `npm install` (the `prepare` script) into dist/cli/: one bundled module graph
// (scripts/build-cli.mjs), so a command loads a few files rather than hundreds.
if (process.env.OFFPEAK_DEBUG) process.setSourceMapsEnabled(true);
const { main, preferSmallHeap } = await import('../dist/cli/main.js');

preferSmallHeap();
process.exitCode = await main(process.argv.slice(2));

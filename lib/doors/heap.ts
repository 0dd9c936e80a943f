import { setFlagsFromString } from 'node:v8';

/**
 * Asks V8 to keep the heap close to what is live. A run spends its time waiting on the cloud, yet
 * allocates quickly while it does (every request and answer is a burst of short-lived objects); with
 * V8's defaults on a large host the old generation is allowed to grow to about four times the live
 * set before it is collected and the young generation grows to 32 MB, so peak RSS measures garbage
 * rather than work: a 10,000-resource run held about 30 MB live and peaked above 180 MB.
 *
 * Both flags are heap-sizing policy that V8 reads at each collection, so setting them after start-up
 * takes effect from the next one: `--optimize-for-size` caps the growing factor, and a semi-space
 * growth factor of 1 keeps the young generation at its starting size. The cost is more, shorter
 * collections, a few percent of a run's time (docs/benchmarks.md, "Fleet scale").
 *
 * Called by the two entry points, bin/offpeak.js and the function's handler module (a test that
 * imports the handler gets it too: it changes when V8 collects, never what the code does).
 */
export function preferSmallHeap(): void {
  setFlagsFromString('--optimize-for-size');
  setFlagsFromString('--semi-space-growth-factor=1');
}

import { defineConfig } from 'vitest/config';

// Mutation testing (`npm run mutate`) runs the tests that exercise lib/ in this process: the unit
// tests and the run and cloud stories over HTTP against the sandbox. Tests of the built CLI and
// bundle (dist/) would only ever see the unmutated build, so they are left out here.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/e2e/run-*.test.ts', 'test/e2e/cloud-*.test.ts', 'test/e2e/handler.test.ts'],
    exclude: ['test/output/**', 'node_modules/**'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});

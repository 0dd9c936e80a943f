import { defineConfig } from 'vitest/config';

// The JSON report is what `.ci/run` counts; the default reporter is for people.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // test/output holds what runs leave behind (mutation testing copies the project there).
    exclude: ['test/output/**', 'node_modules/**'],
    reporters: ['default', 'json'],
    outputFile: { json: 'test/output/vitest-report.json' },
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});

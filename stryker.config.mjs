// @ts-check
/**
 * Mutation testing of the code that decides and classifies (`npm run mutate`; not part of
 * `npm test`): a surviving mutant is a behaviour no test would notice breaking. The score and every
 * survivor's account are in docs/development.md ("Mutation testing").
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.ts' },
  coverageAnalysis: 'perTest',
  mutate: ['lib/cloud/errors.ts', 'lib/execute/*.ts', 'lib/plan/decide.ts', 'lib/schedule/engine.ts'],
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'test/output/mutation.json' },
  concurrency: 2,
  timeoutMS: 20_000,
  tempDirName: 'test/output/stryker-tmp',
  cleanTempDir: true,
};

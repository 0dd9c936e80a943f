// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Lint: typescript-eslint's type-checked rules over everything TypeScript, plus the purity rule:
 * the deciding folders (schedule, plan, report) import no I/O, so they stay pure functions of their
 * arguments and the doors (cli, functions, invocation) do the reading and writing.
 */

const IO_MODULES = [
  'node:fs',
  'node:fs/promises',
  'fs',
  'fs/promises',
  'node:http',
  'node:https',
  'http',
  'https',
  'node:net',
  'node:child_process',
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test/output/**', 'bin/**', 'scripts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      // This file is JavaScript outside tsconfig.json: the project service checks it on its own.
      parserOptions: {
        projectService: { allowDefaultProject: ['eslint.config.js', 'stryker.config.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'max-len': ['error', { code: 160, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true }],
    },
  },
  {
    files: ['lib/schedule/**/*.ts', 'lib/plan/**/*.ts', 'lib/report/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: IO_MODULES.map((name) => ({
            name,
            message: 'schedule/, plan/ and report/ are pure: read and write files at the edge (cli/, invocation.ts).',
          })),
          patterns: [{ group: ['@alicloud/*'], message: 'schedule/, plan/ and report/ are pure: only lib/cloud talks to Alibaba Cloud.' }],
        },
      ],
      'no-restricted-globals': ['error', { name: 'fetch', message: 'schedule/, plan/ and report/ are pure: no network.' }],
    },
  },
);

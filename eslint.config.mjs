// ESLint for tsprof's TypeScript: typescript-eslint's recommended rules with type information, for src/ (the
// product), and without type information for the tests and benchmarks. Formatting is Prettier's job.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'fixtures/', 'templates/', 'test/golden/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['src/**/*.ts', 'src/**/*.cts'],
    ignores: ['src/page/**'],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // An async function that does not await still turns a throw into a rejection, which interfaces that
      // return promises (a sink's send) rely on.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    rules: {
      // Unused names are tsc's to report (noUnusedLocals); `_` marks one left out on purpose.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      // Prettier wraps code at 160 columns but not text: long messages are split by hand.
      'max-len': ['error', { code: 160, ignoreUrls: true, ignoreRegExpLiterals: true }],
      // tsprof matches control characters on purpose: to show them as escapes, never to pass them through.
      'no-control-regex': 'off',
    },
  },
  {
    // Plain JavaScript run by Node: the launcher, the build script, benchmark workloads.
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['bench/workloads/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['src/preload/**/*.cts', 'src/continuous/from-environment.cts'],
    // The preload is CommonJS: `require` of an optional addon is how it loads one.
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);

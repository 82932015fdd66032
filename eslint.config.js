// ESLint: TypeScript everywhere, Svelte in the renderer, and the import rules that keep runtimes apart:
// the renderer may take only types from the engine's contract (and values from its run config field table, which
// is pure data), and the engine never imports Electron.
import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const rendererImports = {
  patterns: [
    {
      // Anything under engine/ but the contract's api.ts (types) and its run config field table (pure data).
      regex: '(^|/)engine/(?!contract/(api|config-fields)(\\.[jt]s)?$)',
      message:
        'The renderer talks to the lab only through the LabApi contract: import types from engine/contract/api.ts ' +
        '(and the run config field table from engine/contract/config-fields.ts).',
    },
    { group: ['electron', 'node:*', 'better-sqlite3', '@tensorflow/*'], message: 'The renderer runs in a browser.' },
  ],
};

export default tseslint.config(
  {
    ignores: ['dist/**', 'release/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', '.cache/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-explicit-any': 'error',
      eqeqeq: ['error', 'always'],
      'no-console': 'off',
    },
  },
  {
    files: ['engine/**/*.ts', 'bench/**/*.ts', 'test/**/*.ts', 'scripts/**/*.mjs', 'bin/**/*.js', '*.js', '*.ts'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['engine/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['electron', 'electron/*'], message: 'engine/ is plain Node: Electron lives in electron/.' },
            { group: ['**/renderer/**', '**/electron/**'], message: 'engine/ must not depend on a front end.' },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.svelte', 'renderer/**/*.svelte.ts'],
    languageOptions: {
      globals: { ...globals.browser },
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] },
    },
    rules: {
      'no-restricted-imports': ['error', rendererImports],
      // Only `import type` may reach engine/contract/api.ts from the renderer: a value import would pull engine code in.
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/engine/contract/api', '**/engine/contract/api.js', '**/engine/contract/api.ts'],
              allowTypeImports: true,
              message: 'Import only types from the contract (import type { ... }).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/vite.config.ts'],
    languageOptions: { globals: { ...globals.node } },
    rules: { 'no-restricted-imports': 'off', '@typescript-eslint/no-restricted-imports': 'off' },
  },
  {
    files: ['electron/**/*.ts'],
    languageOptions: { globals: { ...globals.node } },
  },
);

// Lint: TypeScript rules plus the import rules that keep each folder inside its runtime
// (../shared/DESIGN.md, "Layout"). A wrong import is a lint error, and lint fails the build.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

const nodeBuiltins = [...new Set(builtinModules.flatMap((name) => [name, `node:${name}`, `${name}/*`, `node:${name}/*`]))];

const electronImport = {
  group: ['electron', 'electron/*'],
  message: 'Only electron/main and electron/preload may import electron (../shared/DESIGN.md, "Layout").',
};
const nodeImport = {
  group: nodeBuiltins,
  message: 'This folder runs outside Node: no node:* or Node built-in modules.',
};
const folder = (name) => ({
  group: [`**/${name}`, `**/${name}/**`],
  message: `This folder may not import from ${name} (../shared/DESIGN.md, "Layout").`,
});

/** One `no-restricted-imports` rule per runtime folder. */
const importRules = [
  {
    files: ['electron/shared/**/*.ts'],
    patterns: [electronImport, nodeImport, folder('core'), folder('gateway'), folder('server'), folder('cli'), folder('main'), folder('preload'), folder('renderer')],
  },
  { files: ['electron/core/**/*.ts'], patterns: [electronImport, folder('gateway'), folder('server'), folder('cli'), folder('main'), folder('preload'), folder('renderer')] },
  { files: ['electron/gateway/**/*.ts'], patterns: [electronImport, folder('core'), folder('server'), folder('cli'), folder('main'), folder('preload'), folder('renderer')] },
  { files: ['electron/server/**/*.ts'], patterns: [electronImport, folder('gateway'), folder('cli'), folder('main'), folder('preload'), folder('renderer')] },
  { files: ['electron/cli/**/*.ts'], patterns: [electronImport, folder('main'), folder('preload'), folder('renderer')] },
  { files: ['electron/main/**/*.ts'], patterns: [folder('core'), folder('gateway'), folder('server'), folder('cli'), folder('renderer')] },
  { files: ['electron/preload/**/*.ts'], patterns: [folder('core'), folder('gateway'), folder('server'), folder('cli'), folder('main'), folder('renderer')] },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    patterns: [electronImport, nodeImport, folder('electron/core'), folder('electron/gateway'), folder('electron/server'), folder('electron/cli'), folder('electron/main'), folder('electron/preload')],
  },
].map(({ files, patterns }) => ({ files, rules: { 'no-restricted-imports': ['error', { patterns }] } }));

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'node_modules/**', 'test-results/**', 'coverage/**', 'test/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'off',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['electron/{core,gateway,server,cli,main}/**/*.ts', 'scripts/**/*.{js,mjs,cjs,ts}', 'test/**/*.{ts,mjs,cjs,js}', 'bin/**/*.cjs', '*.config.{js,ts}'],
    languageOptions: { globals: { ...globals.node } },
  },
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs' }, rules: { '@typescript-eslint/no-require-imports': 'off' } },
  { files: ['renderer/**/*.{ts,tsx}'], languageOptions: { globals: { ...globals.browser } }, plugins: { 'react-hooks': reactHooks }, rules: reactHooks.configs.recommended.rules },
  ...importRules,
);

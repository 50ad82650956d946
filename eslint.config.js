// Lint: TypeScript rules plus the import rules that keep each folder inside its runtime
// (../shared/DESIGN.md, "Layout"). A wrong import is a lint error, and lint fails the build.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const builtinNames = [...new Set(builtinModules.map((name) => name.replace(/^node:/, '')))].map(escape).join('|');

// Anchored regular expressions (not gitignore globs, which also match inside relative paths).
const electronImport = {
  regex: '^electron(/.*)?$',
  message: 'Only electron/main and electron/preload may import electron (../shared/DESIGN.md, "Layout").',
};
const nodeImport = {
  regex: `^(node:.*|(${builtinNames})(/.*)?)$`,
  message: 'This folder runs outside Node: no node:* or Node built-in modules.',
};
/** A relative import that reaches into electron/<name> from a sibling folder or from renderer/. */
const folder = (name) => ({
  regex: `^(\\.\\./)+(electron/)?${escape(name)}(/.*)?$`,
  message: `This folder may not import from electron/${name} (../shared/DESIGN.md, "Layout").`,
});
const zodImport = {
  regex: '^zod(/.*)?$',
  message: 'Import z from electron/shared/zod: it configures zod for the UI\'s CSP before any schema exists.',
};
const rendererImport = { regex: '^(\\.\\./)+renderer(/.*)?$', message: 'electron/* may not import the renderer.' };
/** From renderer/: only a path through electron/ reaches another runtime (renderer features may share a name, e.g. gateway). */
const electronFolder = (name) => ({
  regex: `^(\\.\\./)+electron/${escape(name)}(/.*)?$`,
  message: `The renderer may not import from electron/${name} (../shared/DESIGN.md, "Layout").`,
});

/** One `no-restricted-imports` rule per runtime folder. */
const importRules = [
  {
    files: ['electron/shared/**/*.ts'],
    patterns: [electronImport, nodeImport, zodImport, folder('core'), folder('gateway'), folder('server'), folder('cli'), folder('main'), folder('preload'), rendererImport],
  },
  // The one file that may import zod itself.
  { files: ['electron/shared/zod.ts'], patterns: [electronImport, nodeImport] },
  { files: ['electron/core/**/*.ts'], patterns: [electronImport, folder('gateway'), folder('server'), folder('cli'), folder('main'), folder('preload'), rendererImport] },
  { files: ['electron/gateway/**/*.ts'], patterns: [electronImport, folder('core'), folder('server'), folder('cli'), folder('main'), folder('preload'), rendererImport] },
  { files: ['electron/server/**/*.ts'], patterns: [electronImport, folder('gateway'), folder('cli'), folder('main'), folder('preload'), rendererImport] },
  { files: ['electron/cli/**/*.ts'], patterns: [electronImport, folder('main'), folder('preload'), rendererImport] },
  { files: ['electron/main/**/*.ts'], patterns: [folder('core'), folder('gateway'), folder('server'), folder('cli'), rendererImport] },
  { files: ['electron/preload/**/*.ts'], patterns: [folder('core'), folder('gateway'), folder('server'), folder('cli'), folder('main'), rendererImport] },
  {
    files: ['renderer/src/**/*.{ts,tsx}'],
    patterns: [electronImport, nodeImport, zodImport, ...['core', 'gateway', 'server', 'cli', 'main', 'preload'].map(electronFolder)],
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
  { files: ['renderer/vite.config.ts'], languageOptions: { globals: { ...globals.node } } },
  { files: ['renderer/src/**/*.{ts,tsx}'], languageOptions: { globals: { ...globals.browser } }, plugins: { 'react-hooks': reactHooks }, rules: reactHooks.configs.recommended.rules },
  ...importRules,
);

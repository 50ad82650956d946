// Builds everything Airlock runs: the Node bundles (CLI with core and console, the core's desktop
// entry, Electron main and preload) with esbuild, and the renderer with Vite, into dist/.
// `--if-stale` skips the build when dist/ is newer than every source file (npm start uses it).
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build as esbuild } from 'esbuild';
import { build as viteBuild } from 'vite';
import { readBuildInfo } from './build-info.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const stampFile = join(dist, '.build-stamp');
const sourceRoots = ['electron', 'renderer', 'resources', 'package.json', 'package-lock.json', 'scripts/build.mjs'];

/** Newest modification time among the sources. */
function newestSource(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules') continue;
    newest = Math.max(newest, newestSource(join(path, entry)));
  }
  return newest;
}

export function isBuildStale() {
  if (!existsSync(stampFile)) return true;
  const built = statSync(stampFile).mtimeMs;
  return sourceRoots.some((path) => existsSync(join(root, path)) && newestSource(join(root, path)) > built);
}

export async function buildAll({ quiet = false } = {}) {
  const started = Date.now();
  const info = readBuildInfo(root);
  const common = {
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    sourcemap: 'linked',
    logLevel: 'warning',
    define: { __AIRLOCK_BUILD__: JSON.stringify(info) },
    // Native modules load their own .node files; ws's optional accelerators may be absent.
    external: ['better-sqlite3', 'node-pty', 'electron', 'bufferutil', 'utf-8-validate'],
  };
  await Promise.all([
    esbuild({ ...common, entryPoints: { 'cli/main': 'electron/cli/main.ts' }, outdir: dist, outExtension: { '.js': '.cjs' } }),
    esbuild({ ...common, entryPoints: { 'core/desktop-entry': 'electron/core/desktop-entry.ts' }, outdir: dist, outExtension: { '.js': '.cjs' } }),
    // The gateway is its own program (DESIGN.md "Processes"): the core starts it, never imports it.
    esbuild({ ...common, entryPoints: { 'gateway/main': 'electron/gateway/main.ts' }, outdir: dist, outExtension: { '.js': '.cjs' } }),
    esbuild({ ...common, entryPoints: { 'main/index': 'electron/main/index.ts' }, outdir: dist, outExtension: { '.js': '.cjs' } }),
    // Worker threads load their own file: one bundle per worker.
    esbuild({ ...common, entryPoints: { 'workers/log-index-worker': 'electron/core/logs/log-index-worker.ts' }, outdir: dist, outExtension: { '.js': '.cjs' } }),
    esbuild({ ...common, entryPoints: { 'workers/request-log-worker': 'electron/gateway/request-log/request-log-worker.ts' }, outdir: dist, outExtension: { '.js': '.cjs' } }),
    // A sandboxed preload can require only 'electron': everything else must be inside the bundle.
    esbuild({ ...common, entryPoints: { 'preload/index': 'electron/preload/index.ts' }, outdir: dist, outExtension: { '.js': '.cjs' }, platform: 'browser', target: 'chrome140', external: ['electron'] }),
  ]);
  await viteBuild({ configFile: join(root, 'renderer', 'vite.config.ts'), logLevel: quiet ? 'warn' : 'info' });
  mkdirSync(dist, { recursive: true });
  writeFileSync(join(dist, 'build-info.json'), `${JSON.stringify(info, null, 2)}\n`);
  writeFileSync(stampFile, `${new Date().toISOString()}\n`);
  if (!quiet) console.log(`build: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const ifStale = process.argv.includes('--if-stale');
  if (ifStale && !isBuildStale()) {
    console.log('build: dist/ is up to date');
  } else {
    await buildAll({ quiet: process.argv.includes('--quiet') });
  }
}

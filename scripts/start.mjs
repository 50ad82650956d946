// `npm start`: builds what is stale, then opens the desktop app where Electron's runtime is
// installed; where it is not (Electron downloads it from GitHub on first use, which an offline
// machine cannot reach), starts the browser console instead and says why.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAll, isBuildStale } from './build.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
const passThrough = process.argv.slice(2);

/** Path of Electron's binary if it is installed. Never calls require('electron'): that would download it. */
function findElectronBinary() {
  let packageDir;
  try {
    packageDir = dirname(require.resolve('electron/package.json', { paths: [root] }));
  } catch {
    return { reason: 'the electron package is not installed (run npm ci)' };
  }
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) {
    const binary = join(process.env.ELECTRON_OVERRIDE_DIST_PATH, 'electron');
    return existsSync(binary) ? { binary } : { reason: `ELECTRON_OVERRIDE_DIST_PATH has no electron binary (${binary})` };
  }
  const pathFile = join(packageDir, 'path.txt');
  if (!existsSync(pathFile)) {
    return { reason: "Electron's runtime is not downloaded (node_modules/electron/dist is missing; it comes from GitHub, which this machine cannot reach)" };
  }
  const binary = join(packageDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? { binary } : { reason: `Electron's runtime is missing at ${binary}` };
}

/** Electron needs a display on Linux. */
function hasDisplay() {
  return process.platform !== 'linux' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
}

function run(command, args) {
  const child = spawn(command, args, { stdio: 'inherit', cwd: root });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

if (isBuildStale()) {
  console.log('Airlock: building…');
  await buildAll({ quiet: true });
}

const electron = findElectronBinary();
if (electron.binary && hasDisplay()) {
  console.log('Airlock: opening the desktop app.');
  run(electron.binary, [root, ...passThrough]);
} else {
  const why = electron.binary ? 'there is no display (DISPLAY and WAYLAND_DISPLAY are unset)' : electron.reason;
  console.log(`Airlock: not opening the desktop app: ${why}.`);
  console.log('Airlock: starting the browser console instead (airlock serve).');
  run(process.execPath, [join(root, 'bin', 'airlock.cjs'), 'serve', ...passThrough]);
}

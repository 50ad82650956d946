import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, matchesGlob } from 'node:path';
import { describe, expect, it } from 'vitest';
import { childNodeCommand, findBundledNode, preferUnpacked, unpackedPath } from '../../../electron/core/packaging';

const APP = '/opt/Airlock/resources/app.asar';
const UNPACKED = '/opt/Airlock/resources/app.asar.unpacked';

describe('paths in the packaged app', () => {
  it('maps a path inside app.asar to its unpacked copy, and leaves every other path alone', () => {
    expect(unpackedPath(`${APP}/dist/gateway/main.cjs`)).toBe(`${UNPACKED}/dist/gateway/main.cjs`);
    expect(unpackedPath(APP)).toBe(UNPACKED);
    expect(unpackedPath(`${UNPACKED}/dist/x.cjs`)).toBe(`${UNPACKED}/dist/x.cjs`);
    expect(unpackedPath('/work/main/dist/gateway/main.cjs')).toBe('/work/main/dist/gateway/main.cjs');
    expect(unpackedPath('/srv/my-app.asar-files/x')).toBe('/srv/my-app.asar-files/x');
  });

  it('prefers the unpacked copy only when it exists', () => {
    const exists = (path: string) => path === `${UNPACKED}/resources`;
    expect(preferUnpacked(`${APP}/resources`, exists)).toBe(`${UNPACKED}/resources`);
    expect(preferUnpacked(`${APP}/dist/core`, exists)).toBe(`${APP}/dist/core`);
  });

  it('finds the bundled Node: unpacked in the packaged app (never the copy inside the archive), in node_modules of a checkout', () => {
    const packaged = new Set([`${APP}/node_modules/node/bin/node`, `${UNPACKED}/node_modules/node/bin/node`]);
    expect(findBundledNode(`${APP}/dist/core`, (path) => packaged.has(path))).toBe(`${UNPACKED}/node_modules/node/bin/node`);
    // Packed without the unpacked copy: there is no Node that can run, rather than one inside the archive.
    expect(findBundledNode(`${APP}/dist/core`, (path) => path === `${APP}/node_modules/node/bin/node`)).toBeNull();
    const checkout = join(process.cwd(), 'dist', 'core');
    expect(findBundledNode(checkout)).toBe(join(process.cwd(), 'node_modules', 'node', 'bin', 'node'));
    expect(findBundledNode('/nonexistent/deep/dir', () => false)).toBeNull();
  });

  it('runs a Node child with the core\'s Node, or inside Electron with the bundled Node, else Electron as Node', () => {
    const unused = () => {
      throw new Error('plain Node never looks for the bundled binary');
    };
    expect(childNodeCommand({ execPath: '/usr/bin/node24', isElectron: false, findBundledNode: unused })).toEqual({ command: '/usr/bin/node24', env: {} });
    expect(childNodeCommand({ execPath: '/opt/Airlock/airlock', isElectron: true, findBundledNode: () => `${UNPACKED}/node_modules/node/bin/node` })).toEqual({
      command: `${UNPACKED}/node_modules/node/bin/node`,
      env: {},
    });
    expect(childNodeCommand({ execPath: '/opt/Airlock/airlock', isElectron: true, findBundledNode: () => null })).toEqual({ command: '/opt/Airlock/airlock', env: { ELECTRON_RUN_AS_NODE: '1' } });
  });
});

describe('electron-builder.yml', () => {
  const yml = readFileSync(join(process.cwd(), 'electron-builder.yml'), 'utf8');
  const listAfter = (key: string): string[] => {
    const block = new RegExp(`^${key}:\\n((?:  - .*\\n)+)`, 'm').exec(yml);
    return block ? block[1]!.split('\n').filter(Boolean).map((line) => line.replace(/^ {2}- /, '').replace(/^"(.*)"$/, '$1')) : [];
  };
  const unpack = listAfter('asarUnpack');
  const isUnpacked = (path: string) => unpack.some((glob) => matchesGlob(path, glob));

  it('keeps the runAsNode fuse off (reliability.md E6): the gateway must not depend on ELECTRON_RUN_AS_NODE', () => {
    expect(yml).toMatch(/^ {2}runAsNode: false$/m);
  });

  it('unpacks every file the app executes or loads from plain Node or a worker thread', () => {
    const mustBeReal = [
      'dist/gateway/main.cjs',
      ...readdirSync(join(process.cwd(), 'dist', 'workers')).filter((name) => name.endsWith('.cjs')).map((name) => `dist/workers/${name}`),
      'resources/bin/airlock-run',
      'resources/catalog/models.json',
      'node_modules/node/bin/node',
      'node_modules/better-sqlite3/package.json',
      'node_modules/better-sqlite3/lib/index.js',
      'node_modules/node-pty/build/Release/pty.node',
    ];
    expect(mustBeReal.filter((path) => !isUnpacked(path))).toEqual([]);
    // …and the files named are the ones that exist here (a rename would otherwise slip through).
    expect(mustBeReal.filter((path) => !existsSync(join(process.cwd(), path)) && !path.endsWith('.node'))).toEqual([]);
    // better-sqlite3 loads its addon from prebuilds/ or build/Release/: both come along.
    expect(isUnpacked('node_modules/better-sqlite3/prebuilds/linux-x64.node')).toBe(true);
    expect(isUnpacked('node_modules/better-sqlite3/build/Release/better_sqlite3.node')).toBe(true);
  });

  it('leaves the renderer, the main process and the core in the archive', () => {
    expect(isUnpacked('dist/renderer/index.html')).toBe(false);
    expect(isUnpacked('dist/main/index.cjs')).toBe(false);
    expect(isUnpacked('dist/core/desktop-entry.cjs')).toBe(false);
  });
});

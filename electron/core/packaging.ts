/**
 * Paths in the packaged desktop app. electron-builder packs the app into `resources/app.asar`, a file
 * that only Electron's own fs can read. What is executed (the pty wrapper, the Node binary) or loaded
 * by a plain Node program (the gateway, its worker, better-sqlite3 under it) is unpacked beside it, to
 * `resources/app.asar.unpacked/…` (`asarUnpack` in electron-builder.yml; test/unit/core/packaging.test.ts
 * checks the two agree). Outside the packaged app these functions change nothing.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

const ASAR_SEGMENT = /([\\/])app\.asar(?=[\\/]|$)/;

/** `…/app.asar/dist/x.cjs` → `…/app.asar.unpacked/dist/x.cjs`; any other path as it is. */
export function unpackedPath(path: string): string {
  return path.replace(ASAR_SEGMENT, '$1app.asar.unpacked');
}

/** The unpacked copy of `path` when there is one, else `path`. */
export function preferUnpacked(path: string, exists: (path: string) => boolean = existsSync): string {
  const unpacked = unpackedPath(path);
  return unpacked !== path && exists(unpacked) ? unpacked : path;
}

/**
 * The Node binary the project brings (the `node` npm package, Node 24 like Electron's), found by
 * walking up from `from`; its unpacked copy inside the packaged app. Null when there is none.
 */
export function findBundledNode(from: string, exists: (path: string) => boolean = existsSync): string | null {
  let dir = from;
  for (let i = 0; i < 8; i += 1) {
    const candidate = preferUnpacked(join(dir, 'node_modules', 'node', 'bin', 'node'), exists);
    if (exists(candidate) && !ASAR_SEGMENT.test(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return null;
}

/**
 * How to run a Node program (the gateway) as a child: under plain Node, the core's own executable;
 * inside Electron, the bundled Node binary, because the packaged app's `runAsNode` fuse is off
 * (reliability.md E6) so ELECTRON_RUN_AS_NODE is ignored there. Without a bundled binary (a
 * development checkout run by an unfused Electron) Electron runs as Node.
 */
export function childNodeCommand(options: { execPath: string; isElectron: boolean; findBundledNode: () => string | null }): { command: string; env: Record<string, string> } {
  if (!options.isElectron) return { command: options.execPath, env: {} };
  const bundledNode = options.findBundledNode();
  if (bundledNode) return { command: bundledNode, env: {} };
  return { command: options.execPath, env: { ELECTRON_RUN_AS_NODE: '1' } };
}

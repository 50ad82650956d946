#!/usr/bin/env node
// The `airlock` command. Airlock runs on Node 24 (the Node major of its Electron runtime; its
// native modules need it), which the project brings as the `node` npm package. Under any other
// Node this shim re-runs the CLI with that one, so `npx airlock` works with the system's Node.
'use strict';
const { spawn } = require('node:child_process');
const { existsSync } = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const cli = path.join(root, 'dist', 'cli', 'main.cjs');
if (!existsSync(cli)) {
  process.stderr.write(`airlock: ${cli} is missing. Build Airlock first: npm run build\n`);
  process.exit(1);
}

// The core (serve) moves children's output at up to ~100 MiB/s. Two start-time settings keep its
// memory flat in such a flood (scripts/bench-flood.mjs): a small V8 young generation, and at most
// two glibc malloc arenas (each thread — the log index worker, libuv's — otherwise gets its own, up
// to 64 MiB, and keeps it). Both are read only at start, so `serve` runs in a child with them.
// Supervised units do not inherit either: their environment is rebuilt (core/appliance.ts).
// The same settings start the gateway (resources/node-runtime.json says why).
const { nodeFlags: CORE_V8_FLAGS, env: CORE_ENV } = require(path.join(root, 'resources', 'node-runtime.json'));
const isServe = process.argv[2] === 'serve';
const major = Number(process.versions.node.split('.')[0]);
if (major === 24 && !isServe) {
  require(cli);
} else {
  let node = process.execPath;
  if (major !== 24) {
    try {
      node = require.resolve('node/bin/node', { paths: [root] });
    } catch {
      process.stderr.write(`airlock: needs Node 24 (this is ${process.version}) and the bundled runtime is missing. Run: npm ci\n`);
      process.exit(1);
    }
  }
  const child = spawn(node, [...(isServe ? CORE_V8_FLAGS : []), cli, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: isServe ? { ...process.env, ...CORE_ENV } : process.env,
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + 1 : 1)));
}

#!/usr/bin/env node
// The log pipeline under a flood (issue 5): a unit prints N MiB as fast as it can.
//
//   npm run build && npx node scripts/bench-flood.mjs [--mib 200]
//
// Runs the same child (test/doubles/fake-vllm with FAKE_VLLM_FLOOD_MB) three ways and reports its
// own throughput (it prints "FAKE_VLLM_FLOOD_DONE bytes= ms=" when done):
//   1. stdout to /dev/null through a pipe        — the ceiling, no terminal at all;
//   2. in a bare node-pty whose output is read and dropped — "without Airlock": the terminal alone;
//   3. as a unit of `airlock serve`               — batching, replay ring, rotating files, FTS index.
// During 3 it samples the core's RSS (/proc), the log files' size on disk, and reads the core's
// event-loop delay (app.metrics). Targets: RSS growth < 100 MB, loop p99 < 50 ms, files never over
// their cap, throughput of 3 ≥ 80 % of 2. Exit 1 when a target is missed.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
const pty = require('node-pty');
const NODE_RUNTIME = require('../resources/node-runtime.json');
const { values } = parseArgs({ options: { mib: { type: 'string', default: '200' } } });
const mib = Number(values.mib);
const FAKE = join(root, 'test/doubles/fake-vllm');
const CLI = join(root, 'dist/cli/main.cjs');
/** Per unit: 5 files of 10 MiB (supervisor-service.ts). */
const LOG_CAP_BYTES = 5 * 10 * 1024 * 1024;
const floodEnv = { ...process.env, FAKE_VLLM_FLOOD_MB: String(mib), FAKE_VLLM_CRASH_AFTER_MS: '1', FAKE_VLLM_MAX_LIFETIME_MS: '300000' };
const fakeArgs = (port) => ['serve', '/srv/models/flood', '--host', '127.0.0.1', '--port', String(port)];

const rate = (bytes, ms) => bytes / 1024 / 1024 / (ms / 1000);
const parseDone = (text) => {
  const match = /FAKE_VLLM_FLOOD_DONE bytes=(\d+) ms=(\d+)/.exec(text);
  return match ? { bytes: Number(match[1]), ms: Number(match[2]) } : undefined;
};

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function viaPipe() {
  const child = spawn(FAKE, fakeArgs(await freePort()), { env: floodEnv, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  await new Promise((resolve) => child.on('close', resolve));
  return parseDone(stderr);
}

async function viaBarePty() {
  const term = pty.spawn('/bin/bash', ['-c', `stty -opost -echo; exec ${FAKE} ${fakeArgs(await freePort()).join(' ')}`], { env: floodEnv, cols: 160, rows: 48 });
  let tail = '';
  term.onData((data) => {
    tail = (tail + data).slice(-4096);
  });
  await new Promise((resolve) => term.onExit(resolve));
  await new Promise((resolve) => setTimeout(resolve, 200));
  return parseDone(tail);
}

/** A minimal client of the core's control socket (NDJSON frames of the contract). */
function coreClient(socketPath) {
  const socket = connect(socketPath);
  socket.setEncoding('utf8');
  let buffer = '';
  let nextId = 1;
  const pending = new Map();
  socket.on('data', (chunk) => {
    buffer += chunk;
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const message = JSON.parse(buffer.slice(0, newline));
      buffer = buffer.slice(newline + 1);
      if (message.t !== 'result') continue;
      const waiter = pending.get(message.id);
      pending.delete(message.id);
      if (message.ok) waiter?.resolve(message.value);
      else waiter?.reject(new Error(message.error.message));
    }
  });
  return {
    ready: new Promise((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    }),
    call: (name, input = {}) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        socket.write(`${JSON.stringify({ t: 'call', id, name, input })}\n`);
      }),
    close: () => socket.end(),
  };
}

const rssOf = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
const dirBytes = (dir) => {
  try {
    return readdirSync(dir).reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);
  } catch {
    return 0;
  }
};

async function viaAirlock() {
  const dataDir = mkdtempSync(join(tmpdir(), 'al-flood-'));
  // Started as bin/airlock.cjs starts it (resources/node-runtime.json).
  const serve = spawn(process.execPath, [...NODE_RUNTIME.nodeFlags, CLI, 'serve', '--data-dir', dataDir, '--port', '0', '--log-level', 'warn'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...NODE_RUNTIME.env },
  });
  await new Promise((resolve) => serve.stdout.on('data', (chunk) => String(chunk).includes('Token:') && resolve()));
  const core = coreClient(join(dataDir, 'airlock.sock'));
  await core.ready;
  try {
    await core.call('services.add', {
      definition: {
        preset: 'custom',
        name: 'flood',
        command: FAKE,
        args: fakeArgs(await freePort()),
        env: { FAKE_VLLM_FLOOD_MB: String(mib), FAKE_VLLM_CRASH_AFTER_MS: '1', FAKE_VLLM_MAX_LIFETIME_MS: '300000' },
        restart: 'never',
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const rssBefore = rssOf(serve.pid);
    await core.call('app.metrics', { reset: true });
    await core.call('services.start', { name: 'flood' });
    let rssMax = rssBefore;
    let heapMax = 0;
    let atPeak = {};
    let diskMax = 0;
    for (;;) {
      const rss = rssOf(serve.pid);
      const sample = await core.call('app.metrics', { reset: false });
      if (rss > rssMax) atPeak = { ...sample, rss, anon: Number(/RssAnon:\s+(\d+)/.exec(readFileSync(`/proc/${serve.pid}/status`, 'utf8'))?.[1] ?? 0) * 1024 };
      rssMax = Math.max(rssMax, rss);
      heapMax = Math.max(heapMax, sample.heapUsedBytes);
      diskMax = Math.max(diskMax, dirBytes(join(dataDir, 'logs')));
      const [unit] = await core.call('services.list');
      if (['exited', 'fatal', 'stopped'].includes(unit.state) && unit.generation > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const metrics = await core.call('app.metrics', { reset: false });
    const [unit] = await core.call('services.list');
    // The index may drop lines in a flood (counted, never blocking): read the end of the replay ring.
    const end = unit.output.endOffset;
    const slice = await core.call('services.output', { name: 'flood', fromOffset: Math.max(0, end - 256 * 1024), maxBytes: 256 * 1024 });
    const done = parseDone(slice.text);
    const indexStats = await core.call('logs.search', { text: 'FAKE_VLLM_FLOOD_DONE', unit: 'flood', limit: 1 });
    return { done, rssBefore, rssMax, heapMax, atPeak, diskMax, loop: metrics.eventLoopDelayMs, output: unit.output, logFile: unit.logFile, isDoneIndexed: indexStats.length > 0 };
  } finally {
    core.close();
    serve.kill('SIGTERM');
    await new Promise((resolve) => serve.on('exit', resolve));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

console.log(`Flood of ${mib} MiB`);
const pipe = await viaPipe();
console.log(`  1. pipe to /dev/null:     ${rate(pipe.bytes, pipe.ms).toFixed(1)} MiB/s`);
const bare = await viaBarePty();
console.log(`  2. bare node-pty:         ${rate(bare.bytes, bare.ms).toFixed(1)} MiB/s`);
const airlock = await viaAirlock();
if (!airlock.done) {
  console.log('  3. under airlock serve:   the FLOOD_DONE line was not found at the end of the output');
  process.exit(1);
}
const ratio = rate(airlock.done.bytes, airlock.done.ms) / rate(bare.bytes, bare.ms);
// The target is in MB (10^6 bytes): 100 MB is 95.4 MiB.
const rssGrowthMb = (airlock.rssMax - airlock.rssBefore) / 1e6;
console.log(`  3. under airlock serve:   ${rate(airlock.done.bytes, airlock.done.ms).toFixed(1)} MiB/s (${(ratio * 100).toFixed(0)} % of the bare pty; target ≥ 80 %)`);
console.log(`     core RSS: ${(airlock.rssBefore / 1024 / 1024).toFixed(0)} → max ${(airlock.rssMax / 1024 / 1024).toFixed(0)} MiB (growth ${((airlock.rssMax - airlock.rssBefore) / 1024 / 1024).toFixed(0)} MiB = ${rssGrowthMb.toFixed(0)} MB; target < 100 MB)`);
const mb = (b) => `${((b ?? 0) / 1024 / 1024).toFixed(0)} MiB`;
console.log(`     at the RSS peak: anon ${mb(airlock.atPeak.anon)}, JS heap used/total ${mb(airlock.atPeak.heapUsedBytes)}/${mb(airlock.atPeak.heapTotalBytes)}, external ${mb(airlock.atPeak.externalBytes)}`);
console.log(`     main-thread JS heap at most ${(airlock.heapMax / 1024 / 1024).toFixed(0)} MiB (the rest of RSS: buffers, the index worker, the allocator)`);
console.log(`     event-loop delay: p50 ${airlock.loop.p50} ms, p99 ${airlock.loop.p99} ms, max ${airlock.loop.max} ms (target p99 < 50)`);
console.log(`     log files on disk: max ${(airlock.diskMax / 1024 / 1024).toFixed(1)} MiB (cap ${LOG_CAP_BYTES / 1024 / 1024} MiB); written ${(airlock.logFile.writtenBytes / 1024 / 1024).toFixed(0)} MiB, dropped ${(airlock.logFile.droppedBytes / 1024 / 1024).toFixed(1)} MiB`);
console.log(`     full-text index: the last line ${airlock.isDoneIndexed ? 'was' : 'was NOT'} indexed (lines beyond the index's backlog are dropped and counted)`);
console.log(`     replay ring: ${(airlock.output.endOffset / 1024 / 1024).toFixed(0)} MiB through, ${(airlock.output.droppedBytes / 1024 / 1024).toFixed(0)} MiB rolled out`);
const ok = ratio >= 0.8 && rssGrowthMb < 100 && airlock.loop.p99 < 50 && airlock.diskMax <= LOG_CAP_BYTES;
console.log(ok ? 'OK: every target met' : 'MISSED: a target above was not met');
process.exitCode = ok ? 0 : 1;

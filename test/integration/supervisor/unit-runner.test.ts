import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../electron/core/logger';
import { createLaunchLedger } from '../../../electron/core/supervisor/launch-ledger';
import { createProcessTable, findTagged } from '../../../electron/core/supervisor/process-table';
import { findRunWrapper } from '../../../electron/core/supervisor/pty-process';
import { DEFAULT_RESTART_POLICY } from '../../../electron/core/supervisor/restart-policy';
import type { UnitState } from '../../../electron/core/supervisor/state';
import { defaultStopDeps } from '../../../electron/core/supervisor/stop-protocol';
import { type UnitSpec, UnitRunner } from '../../../electron/core/supervisor/unit-runner';
import { useTempDir } from '../../helpers/temp-dir';
import { freePort } from '../../helpers/net';

const table = createProcessTable();
const wrapper = findRunWrapper(join(process.cwd(), 'resources'));


describe('unit runner (real processes under node-pty)', () => {
  const tempDir = useTempDir();
  const runners: UnitRunner[] = [];
  afterEach(async () => {
    for (const runner of runners.splice(0)) await runner.dispose();
  });

  function start(spec: Partial<UnitSpec> & Pick<UnitSpec, 'command' | 'args'>, extra: { waitForGpuRelease?: (pids: readonly number[]) => Promise<number[]> } = {}) {
    const prefix = `test-${process.pid}-${Math.random().toString(36).slice(2)}:`;
    const states: UnitState[] = [];
    let output = '';
    const runner = new UnitRunner(
      {
        name: 'unit',
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
        cwd: '/',
        ports: [],
        health: null,
        restart: { ...DEFAULT_RESTART_POLICY, initialDelayMs: 100, maxDelayMs: 400 },
        stopTimeoutMs: 1000,
        startTimeoutMs: null,
        ...spec,
      },
      {
        now: () => Date.now(),
        logger: silentLogger,
        runTagPrefix: prefix,
        ledger: createLaunchLedger(join(tempDir(), 'ledger.jsonl')),
        table,
        stopDeps: defaultStopDeps(table),
        wrapper,
        onOutput: (text) => (output += text),
        onStateChange: (state) => states.push(state),
        healthIntervalsMs: { starting: 100, running: 200 },
        ...extra,
      },
    );
    runners.push(runner);
    return { runner, states, prefix, output: () => output };
  }

  it('crash loop: a child that exits 1 after 200 ms is spawned exactly K times, then fatal, then never again', async () => {
    const { runner, states } = start({ command: '/bin/sh', args: ['-c', 'sleep 0.2; echo boom; exit 1'] });
    runner.dispatch({ type: 'start' });
    await expect.poll(() => runner.current.name, { timeout: 15_000 }).toBe('fatal');
    const spawns = () => new Set(states.filter((s) => s.pid !== null).map((s) => s.generation)).size;
    expect(spawns()).toBe(DEFAULT_RESTART_POLICY.maxFailures);
    expect(runner.current.fatal).toMatchObject({ reason: 'too-many-failures', failuresInWindow: DEFAULT_RESTART_POLICY.maxFailures });
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(spawns()).toBe(DEFAULT_RESTART_POLICY.maxFailures);
    expect(runner.current.name).toBe('fatal');
  }, 30_000);

  it('a configuration-error exit (2) goes fatal at once, with the output captured', async () => {
    const { runner, output } = start({ command: '/bin/sh', args: ['-c', 'echo "usage: vllm serve: error: unrecognized arguments: --bogus" >&2; exit 2'] });
    runner.dispatch({ type: 'start' });
    await expect.poll(() => runner.current.name, { timeout: 5000 }).toBe('fatal');
    expect(runner.current.fatal?.reason).toBe('permanent-exit-code');
    expect(output()).toContain('unrecognized arguments');
  });

  it('is running only once its health check passes', async () => {
    const port = await freePort();
    const server = `require('http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1', () => console.log('listening'))`;
    const { runner } = start({
      command: process.execPath,
      args: ['-e', `setTimeout(() => { ${server} }, 500)`],
      ports: [port],
      health: { url: `http://127.0.0.1:${port}/health`, expectStatus: 200 },
    });
    runner.dispatch({ type: 'start' });
    await expect.poll(() => runner.current.name, { timeout: 3000 }).toBe('starting');
    await expect.poll(() => runner.current.name, { timeout: 10_000 }).toBe('running');
    expect(runner.current.readyAt).not.toBeNull();
  });

  it('a port already in use is found before spawning and the holder is named', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as AddressInfo).port;
    try {
      const { runner, states } = start({ command: '/bin/sleep', args: ['300'], ports: [port] });
      runner.dispatch({ type: 'start' });
      await expect.poll(() => runner.current.lastExit ?? states.find((s) => s.name === 'backoff'), { timeout: 5000 }).toBeTruthy();
      const failed = states.find((s) => s.history.failureTimes.length > 0);
      expect(failed).toBeDefined();
      expect(states.every((s) => s.pid === null)).toBe(true);
      expect(runner.lastProblem?.summary).toContain(`pid ${process.pid}`);
      expect(runner.lastProblem?.action).toContain(String(port));
      runner.dispatch({ type: 'stop' });
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });

  it('stop: a child ignoring SIGTERM and its setsid grandchild are gone within stop timeout + 1 s', async () => {
    const script = `trap '' TERM; setsid sh -c "trap '' TERM HUP; exec sleep 300" & echo ready; while :; do sleep 1; done`;
    const { runner, prefix, output } = start({ command: '/bin/bash', args: ['-c', script] });
    runner.dispatch({ type: 'start' });
    await expect.poll(() => runner.current.name === 'running' && output().includes('ready'), { timeout: 5000 }).toBe(true);
    expect(findTagged(table, prefix).length).toBeGreaterThanOrEqual(3);
    const started = Date.now();
    runner.dispatch({ type: 'stop' });
    await runner.whenSettled();
    expect(Date.now() - started).toBeLessThan(1000 + 1000);
    expect(runner.current.name).toBe('stopped');
    expect(findTagged(table, prefix)).toEqual([]);
  });

  it('kill storm (short): SIGKILLs of random members of the tree; healthy again after each, no survivors of old runs', async () => {
    const port = await freePort();
    const server = `require('http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1')`;
    const script = `setsid sleep 300 & sleep 300 & exec ${process.execPath} -e "${server}"`;
    const { runner, prefix } = start({
      command: '/bin/bash',
      args: ['-c', script],
      ports: [port],
      health: { url: `http://127.0.0.1:${port}/`, expectStatus: 200 },
      restart: { ...DEFAULT_RESTART_POLICY, initialDelayMs: 50, maxDelayMs: 200, maxFailures: 1000 },
    });
    runner.dispatch({ type: 'start' });
    for (let kill = 0; kill < 10; kill += 1) {
      await expect.poll(() => runner.current.name, { timeout: 10_000 }).toBe('running');
      const generation = runner.current.generation;
      const members = findTagged(table, `${prefix}unit:${generation}`);
      const victim = members[Math.floor(Math.random() * members.length)]!;
      process.kill(victim.pid, 'SIGKILL');
      // Killing a leaf (a sleep) does not end the server; killing the server or the wrapper does.
      await new Promise((resolve) => setTimeout(resolve, 300));
      for (const older of Array.from({ length: runner.current.generation - 1 }, (_, i) => i + 1)) {
        if (runner.current.generation !== older) expect(findTagged(table, `${prefix}unit:${older}`)).toEqual([]);
      }
    }
    await expect.poll(() => runner.current.name, { timeout: 10_000 }).toBe('running');
  }, 60_000);

  it('a GPU unit is stopped only once its memory is released; memory that stays held makes it fatal, naming the pid', async () => {
    let polls = 0;
    const released = start({ command: '/bin/sleep', args: ['300'] }, {
      waitForGpuRelease: async () => {
        polls += 1;
        return [];
      },
    });
    released.runner.dispatch({ type: 'start' });
    await expect.poll(() => released.runner.current.name, { timeout: 5000 }).toBe('running');
    released.runner.dispatch({ type: 'stop' });
    await released.runner.whenSettled();
    expect(released.runner.current.name).toBe('stopped');
    expect(polls).toBe(1);

    const held = start({ command: '/bin/sleep', args: ['300'] }, { waitForGpuRelease: async (pids) => [pids[0]!] });
    held.runner.dispatch({ type: 'start' });
    await expect.poll(() => held.runner.current.name, { timeout: 5000 }).toBe('running');
    held.runner.dispatch({ type: 'stop' });
    await held.runner.whenSettled();
    expect(held.runner.current.name).toBe('fatal');
    expect(held.runner.current.fatal?.reason).toBe('cleanup-failed');
    expect(held.runner.lastProblem?.summary).toMatch(/GPU memory is still held by pid \d+/);
  });
});

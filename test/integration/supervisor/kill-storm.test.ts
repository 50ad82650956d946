import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../electron/core/logger';
import { createLaunchLedger } from '../../../electron/core/supervisor/launch-ledger';
import { createProcessTable, findTagged } from '../../../electron/core/supervisor/process-table';
import { findRunWrapper } from '../../../electron/core/supervisor/pty-process';
import { DEFAULT_RESTART_POLICY } from '../../../electron/core/supervisor/restart-policy';
import { defaultStopDeps } from '../../../electron/core/supervisor/stop-protocol';
import { httpStatus, UnitRunner } from '../../../electron/core/supervisor/unit-runner';
import { useTempDir } from '../../helpers/temp-dir';
import { freePort } from '../../helpers/net';

const FAKE_VLLM = join(process.cwd(), 'test/doubles/fake-vllm');
const KILLS = Number(process.env.AIRLOCK_KILL_STORM_KILLS ?? 200);
const table = createProcessTable();


describe('kill storm (reliability.md S1)', () => {
  const tempDir = useTempDir();

  it(`${KILLS} SIGKILLs of random members of the fake vLLM's tree: healthy again within backoff + ready + 2 s each, no survivor of an earlier run, no port-in-use`, async () => {
    const port = await freePort();
    const prefix = `storm-${process.pid}-${Date.now()}:`;
    const policy = { ...DEFAULT_RESTART_POLICY, initialDelayMs: 100, maxDelayMs: 400, jitterRatio: 0, maxFailures: 100_000 };
    const problems: string[] = [];
    const runner = new UnitRunner(
      {
        name: 'vllm',
        command: FAKE_VLLM,
        args: ['serve', '/srv/models/qwen', '--host', '127.0.0.1', '--port', String(port), '--served-model-name', 'qwen'],
        env: { PATH: process.env.PATH ?? '', FAKE_VLLM_STARTUP_MS: '150', FAKE_VLLM_WORKERS: '2', FAKE_VLLM_SETSID_GRANDCHILD: '1', FAKE_VLLM_MAX_LIFETIME_MS: '600000' },
        cwd: '/',
        ports: [port],
        health: { url: `http://127.0.0.1:${port}/health`, expectStatus: 200 },
        restart: policy,
        stopTimeoutMs: 2000,
        startTimeoutMs: 30_000,
      },
      {
        now: () => Date.now(),
        logger: { ...silentLogger, child: () => silentLogger },
        runTagPrefix: prefix,
        ledger: createLaunchLedger(join(tempDir(), 'ledger.jsonl')),
        table,
        stopDeps: defaultStopDeps(table),
        wrapper: findRunWrapper(join(process.cwd(), 'resources')),
        onOutput: () => undefined,
        onStateChange: () => undefined,
        checkHealth: httpStatus,
        healthIntervalsMs: { starting: 50, running: 250 },
      },
    );
    const recoveries: number[] = [];
    let leftovers = 0;
    try {
      runner.dispatch({ type: 'start' });
      await expect.poll(() => runner.current.name, { timeout: 10_000 }).toBe('running');
      for (let kill = 0; kill < KILLS; kill += 1) {
        const generation = runner.current.generation;
        const members = findTagged(table, `${prefix}vllm:${generation}`);
        const victim = members[Math.floor(Math.random() * members.length)];
        if (!victim) continue;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 100));
        const killedAt = Date.now();
        try {
          process.kill(victim.pid, 'SIGKILL');
        } catch {
          // Gone already.
        }
        // A worker's or the server's death ends the run; a grandchild's does not (nothing to recover).
        await new Promise((resolve) => setTimeout(resolve, 30));
        const deadline = killedAt + 400 + 150 + 2000 + 5000;
        while (!(runner.current.name === 'running' && (runner.current.generation === generation || runner.current.readyAt! > killedAt))) {
          if (Date.now() > deadline) throw new Error(`not healthy again after kill ${kill} (state ${runner.current.name})`);
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        if (runner.current.generation !== generation) {
          recoveries.push(Date.now() - killedAt);
          for (let g = 1; g < runner.current.generation; g += 1) leftovers += findTagged(table, `${prefix}vllm:${g}`).length;
        }
        if (runner.lastProblem?.summary.includes('already in use')) problems.push(runner.lastProblem.summary);
      }
    } finally {
      await runner.dispose();
    }
    const sorted = [...recoveries].sort((a, b) => a - b);
    const p = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
    console.log(`kill storm: ${KILLS} kills, ${recoveries.length} restarts; recovery p50 ${p(0.5)} ms, p99 ${p(0.99)} ms, max ${sorted.at(-1)} ms; leftovers ${leftovers}; port-in-use ${problems.length}`);
    // Bound per kill: the longest backoff (400 ms) + ready (startup 150 ms + polling) + 2 s.
    expect(sorted.at(-1) ?? 0).toBeLessThan(400 + 150 + 2000 + 500);
    expect(leftovers).toBe(0);
    expect(problems).toEqual([]);
    expect(findTagged(table, prefix)).toEqual([]);
  }, 600_000);
});

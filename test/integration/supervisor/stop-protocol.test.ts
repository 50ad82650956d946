import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RUN_TAG_ENV, createProcessTable, findTagged } from '../../../electron/core/supervisor/process-table';
import { findRunWrapper, spawnPtyProcess } from '../../../electron/core/supervisor/pty-process';
import { defaultStopDeps, reapSurvivors, stopUnitProcesses } from '../../../electron/core/supervisor/stop-protocol';
import { createLaunchLedger } from '../../../electron/core/supervisor/launch-ledger';
import { useTempDir } from '../../helpers/temp-dir';

const table = createProcessTable();
const deps = defaultStopDeps(table);
const wrapper = findRunWrapper(join(process.cwd(), 'resources'));
const uniqueTag = (name: string) => `test-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}:${name}:1`;

/** A unit that ignores SIGTERM and leaves a setsid grandchild that ignores it too. */
const STUBBORN = `
trap '' TERM
setsid sh -c "trap '' TERM HUP; echo grandchild \\$\\$; exec sleep 300" &
echo ready
while :; do sleep 1; done
`;

describe('stop protocol', () => {
  const tempDir = useTempDir();

  it('a child ignoring SIGTERM and its setsid grandchild are gone within stop timeout + 1 s', async () => {
    const runTag = uniqueTag('stubborn');
    const child = spawnPtyProcess({ command: '/bin/bash', args: ['-c', STUBBORN], env: { PATH: process.env.PATH ?? '', [RUN_TAG_ENV]: runTag }, cwd: '/', wrapper });
    let output = '';
    child.onData((text) => (output += text));
    await expect.poll(() => output.includes('ready') && output.includes('grandchild'), { timeout: 5000 }).toBe(true);
    const tagged = findTagged(table, runTag);
    // wrapper, bash, the loop's sleep, and the grandchild in its own session
    expect(tagged.some((p) => p.sid !== child.pid)).toBe(true);

    const timeoutMs = 1000;
    const outcome = await stopUnitProcesses({ pgid: child.pid, runTag, timeoutMs }, deps);
    expect(outcome.didEscalate).toBe(true);
    expect(outcome.sweptPids.length).toBeGreaterThanOrEqual(1);
    expect(outcome.survivors).toEqual([]);
    expect(outcome.durationMs).toBeLessThan(timeoutMs + 1000);
    expect(findTagged(table, runTag)).toEqual([]);
  });

  it('a well-behaved child stops on SIGTERM without escalation', async () => {
    const runTag = uniqueTag('polite');
    const child = spawnPtyProcess({ command: '/bin/sh', args: ['-c', 'echo ready; exec sleep 300'], env: { PATH: process.env.PATH ?? '', [RUN_TAG_ENV]: runTag }, cwd: '/', wrapper });
    let output = '';
    child.onData((text) => (output += text));
    await expect.poll(() => output.includes('ready'), { timeout: 5000 }).toBe(true);
    const outcome = await stopUnitProcesses({ pgid: child.pid, runTag, timeoutMs: 5000 }, deps);
    expect(outcome).toMatchObject({ didEscalate: false, sweptPids: [], survivors: [] });
  });

  it('reaps every tagged survivor of an earlier run (detached, in other sessions) and ledger entries that cleared their environment', async () => {
    const prefix = `test-reap-${process.pid}-${Date.now()}:`;
    const detached = [1, 2, 3].map((i) =>
      spawn('/bin/sh', ['-c', 'exec sleep 300'], { detached: true, stdio: 'ignore', env: { PATH: process.env.PATH, [RUN_TAG_ENV]: `${prefix}unit${i}:1` } }),
    );
    // One that scrubbed its environment: only the ledger knows it.
    const scrubbed = spawn('/bin/sh', ['-c', 'exec sleep 300'], { detached: true, stdio: 'ignore', env: {} });
    for (const child of [...detached, scrubbed]) child.unref();
    await expect.poll(() => findTagged(table, prefix).length, { timeout: 5000 }).toBe(3);
    const ledger = createLaunchLedger(join(tempDir(), 'ledger.jsonl'));
    const stat = table.stat(scrubbed.pid!)!;
    ledger.record({ runTag: `${prefix}scrubbed:1`, unit: 'scrubbed', pid: stat.pid, startTime: stat.startTime, at: new Date().toISOString() });
    // A stale entry whose pid now belongs to someone else (start time differs) must be left alone.
    ledger.record({ runTag: `${prefix}old:1`, unit: 'old', pid: process.pid, startTime: 1, at: new Date().toISOString() });

    const reaped = await reapSurvivors(prefix, ledger.read(), deps);
    expect(reaped.sort()).toEqual([...detached.map((c) => c.pid!), scrubbed.pid!].sort());
    expect(findTagged(table, prefix)).toEqual([]);
    expect(table.stat(scrubbed.pid!)?.state ?? 'gone').toMatch(/gone|Z/);
  });
});

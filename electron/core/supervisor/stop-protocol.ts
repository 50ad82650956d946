import type { LedgerEntry } from './launch-ledger';
import { type ProcessTable, findTagged, groupMembers, isGone } from './process-table';

export interface StopOutcome {
  /** The group was still there after the stop timeout and got SIGKILL. */
  didEscalate: boolean;
  /** Tagged processes outside the group (setsid, detached) killed by the sweep. */
  sweptPids: number[];
  /** Anything still alive at the end (should be empty; reported, never hidden). */
  survivors: number[];
  durationMs: number;
}

export interface StopDeps {
  table: ProcessTable;
  /** process.kill, injectable. */
  kill: (pid: number, signal: NodeJS.Signals) => void;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

export const defaultStopDeps = (table: ProcessTable): StopDeps => ({
  table,
  kill: (pid, signal) => {
    try {
      process.kill(pid, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  },
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
});

const POLL_MS = 50;
/** After SIGKILL the kernel needs a moment to tear processes down (large CUDA contexts take longest). */
const KILL_SETTLE_MS = 5000;

async function waitUntil(deps: StopDeps, isDone: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = deps.now() + timeoutMs;
  while (!isDone()) {
    if (deps.now() >= deadline) return false;
    await deps.sleep(POLL_MS);
  }
  return true;
}

/**
 * Makes sure nothing of a run survives: waits up to `graceMs` for its process group and every
 * process carrying its run tag to exit on their own, SIGKILLs what is left (children that called
 * setsid or were spawned detached escape the group, not the environment they inherited), and waits
 * until they are gone. Returns what would not die.
 */
export async function sweepRun(input: { pgid: number; runTag: string; graceMs: number }, deps: StopDeps): Promise<{ killedPids: number[]; survivors: number[] }> {
  const alive = () => [...new Set([...groupMembers(deps.table, input.pgid), ...findTagged(deps.table, input.runTag)].map((p) => p.pid))];
  if (input.graceMs > 0) {
    // Escapees (setsid, detached) never saw the group's SIGTERM: give them theirs, and the same grace.
    for (const p of findTagged(deps.table, input.runTag)) if (p.pgid !== input.pgid) deps.kill(p.pid, 'SIGTERM');
  }
  if (alive().length > 0) await waitUntil(deps, () => alive().length === 0, input.graceMs);
  const left = alive();
  if (left.length > 0) {
    deps.kill(-input.pgid, 'SIGKILL');
    for (const pid of left) deps.kill(pid, 'SIGKILL');
    await waitUntil(deps, () => alive().length === 0, KILL_SETTLE_MS);
  }
  return { killedPids: left, survivors: alive() };
}

/**
 * The stop protocol (HOUSE-STYLE "Stopping is a protocol"): SIGTERM to the process group, wait up to
 * `timeoutMs`, SIGKILL what is left of the group, then SIGKILL every process that still carries the
 * unit's run tag, and wait until they are gone.
 */
export async function stopUnitProcesses(input: { pgid: number; runTag: string; timeoutMs: number }, deps: StopDeps): Promise<StopOutcome> {
  const started = deps.now();
  const groupAlive = () => groupMembers(deps.table, input.pgid).length > 0;
  let didEscalate = false;
  if (groupAlive()) {
    deps.kill(-input.pgid, 'SIGTERM');
    if (!(await waitUntil(deps, () => !groupAlive(), input.timeoutMs))) {
      didEscalate = true;
      deps.kill(-input.pgid, 'SIGKILL');
      await waitUntil(deps, () => !groupAlive(), KILL_SETTLE_MS);
    }
  }
  const { killedPids, survivors } = await sweepRun({ pgid: input.pgid, runTag: input.runTag, graceMs: 0 }, deps);
  return { didEscalate, sweptPids: killedPids, survivors, durationMs: deps.now() - started };
}

/**
 * Kills every process left by an earlier run of this appliance (tag prefix `applianceId:`), before
 * anything new is spawned: a killed Airlock never leads to two vLLMs on one GPU.
 */
export async function reapSurvivors(tagPrefix: string, ledger: readonly LedgerEntry[], deps: StopDeps): Promise<number[]> {
  const fromLedger = ledger.filter((e) => !isGone(deps.table, e.pid, e.startTime)).map((e) => e.pid);
  const pids = [...new Set([...findTagged(deps.table, tagPrefix).map((p) => p.pid), ...fromLedger])];
  for (const pid of pids) deps.kill(pid, 'SIGKILL');
  const allGone = () => findTagged(deps.table, tagPrefix).length === 0 && ledger.every((e) => isGone(deps.table, e.pid, e.startTime));
  if (pids.length > 0) await waitUntil(deps, allGone, KILL_SETTLE_MS);
  return pids;
}

import type { Disposable } from '../../shared/disposable';
import type { Logger } from '../logger';
import { OutputBatcher } from '../logs/output-batcher';
import type { LaunchLedger } from './launch-ledger';
import { type ProcessTable, RUN_TAG_ENV, findTagged, groupMembers } from './process-table';
import { findPortHolder, isPortFree } from './port-check';
import { type PtyProcess, spawnPtyProcess } from './pty-process';
import type { RestartPolicy } from './restart-policy';
import { DEFAULT_UNIT_TIMING, type Diagnosis, INITIAL_UNIT_STATE, KILL_TIMEOUT_MS, type TimerName, type UnitEffect, type UnitEvent, type UnitState, transition } from './state';
import { type StopDeps, sweepRun } from './stop-protocol';

/** What a unit runs and how it is judged healthy. */
export interface UnitSpec {
  name: string;
  command: string;
  args: readonly string[];
  env: Readonly<Record<string, string>>;
  cwd: string;
  /** Ports it will bind: checked before every spawn, with the holder named when taken. */
  ports: readonly number[];
  /** Readiness: this URL answering `expectStatus` (vLLM: /health 200). Without one, spawned = ready. */
  health: { url: string; expectStatus: number } | null;
  restart: RestartPolicy;
  stopTimeoutMs: number;
  startTimeoutMs: number | null;
}

export interface UnitRunnerDeps {
  now: () => number;
  logger: Logger;
  /** `applianceId:`; the run tag is `applianceId:unit:generation`. */
  runTagPrefix: string;
  ledger: LaunchLedger;
  table: ProcessTable;
  stopDeps: StopDeps;
  /** resources/bin/airlock-run, or null to run bare. */
  wrapper: string | null;
  /** Batched output of the current child: raw bytes, UTF-8 possibly split between batches. */
  onOutput: (batch: Buffer, at: number) => void;
  onStateChange: (state: UnitState) => void;
  /** Reads the cause of an exit from the child's last lines (vLLM's classifier for vLLM units). */
  diagnose?: (lastLines: readonly string[]) => Diagnosis | null;
  /** One health check; resolves with the HTTP status, or null when nothing answered. */
  checkHealth?: (url: string) => Promise<number | null>;
  random?: () => number;
  /**
   * GPU units: resolves with the pids among `pids` that still hold GPU memory once the wait is over
   * (empty = released). Without it (no GPU unit, no nvidia-smi) the sweep ends when the processes do.
   */
  waitForGpuRelease?: (pids: readonly number[]) => Promise<number[]>;
  /** Without a health check, how long a child must stay up to count as ready. */
  startSecsMs?: number;
  /** Health poll intervals: quick while starting, relaxed once running. */
  healthIntervalsMs?: { starting: number; running: number };
}

/** supervisord's `startsecs` default: a unit without a health check is ready after 1 s up. */
export const DEFAULT_START_SECS_MS = 1000;

/** Lines of output kept for diagnosing an exit (tracebacks are long), and the characters looked at for them. */
const TAIL_LINES = 200;
const TAIL_CHARS = 64 * 1024;

/** The default health check: GET with a 2 s deadline. Only loopback or configured endpoints are asked. */
export async function httpStatus(url: string): Promise<number | null> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000), redirect: 'manual' });
    await response.body?.cancel();
    return response.status;
  } catch {
    return null;
  }
}

/**
 * Runs one unit: feeds events to the pure transition function and carries out its effects, in
 * order, in this one place — spawning under node-pty, signalling the group, sweeping the run tag,
 * polling health, timers. Outcomes come back as events stamped with their generation.
 */
export class UnitRunner implements Disposable {
  private state: UnitState = INITIAL_UNIT_STATE;
  private child: { generation: number; process: PtyProcess; runTag: string; batcher: OutputBatcher; subscriptions: Disposable[] } | undefined;
  private readonly timers = new Map<TimerName, NodeJS.Timeout>();
  private healthTimer: NodeJS.Timeout | undefined;
  private healthGeneration: number | undefined;
  private tail: string[] = [];
  private partialLine = '';
  private readonly settledWaiters: (() => void)[] = [];
  private problem: { at: number; summary: string; action: string | null } | null = null;

  constructor(
    readonly spec: UnitSpec,
    private readonly deps: UnitRunnerDeps,
  ) {}

  get current(): UnitState {
    return this.state;
  }

  /** The latest failure explained in words (spawn refused, exit diagnosed), for the UI and CLI. */
  get lastProblem(): { at: number; summary: string; action: string | null } | null {
    return this.problem;
  }

  get runTag(): string | undefined {
    return this.child?.runTag;
  }

  /** The ports and pid of the current child, for the UI. */
  get pid(): number | null {
    return this.state.pid;
  }

  write(text: string): void {
    this.child?.process.write(text);
  }

  dispatch(event: UnitEvent): void {
    if (event.type === 'spawn-failed') this.problem = { at: this.deps.now(), summary: event.diagnosis?.summary ?? event.message, action: event.diagnosis?.action ?? null };
    if (event.type === 'exited' && event.diagnosis) this.problem = { at: this.deps.now(), summary: event.diagnosis.summary, action: event.diagnosis.action };
    const result = transition(this.state, event, {
      now: this.deps.now(),
      policy: this.spec.restart,
      stopTimeoutMs: this.spec.stopTimeoutMs,
      startTimeoutMs: this.spec.startTimeoutMs,
      unhealthyThreshold: DEFAULT_UNIT_TIMING.unhealthyThreshold,
      random: this.deps.random ?? Math.random,
    });
    if (result.ignored) {
      this.deps.logger.debug('event ignored', { unit: this.spec.name, event: event.type, reason: result.ignored });
      return;
    }
    const previous = this.state;
    this.state = result.state;
    for (const effect of result.effects) this.run(effect);
    if (previous !== this.state) {
      if (previous.name !== this.state.name) this.deps.logger.info('unit state', { unit: this.spec.name, from: previous.name, to: this.state.name });
      this.deps.onStateChange(this.state);
      if (this.isSettled()) for (const resolve of this.settledWaiters.splice(0)) resolve();
    }
  }

  /** Resolves when the unit is stopped, exited or fatal with nothing left running or being swept. */
  whenSettled(): Promise<void> {
    if (this.isSettled()) return Promise.resolve();
    return new Promise((resolve) => this.settledWaiters.push(resolve));
  }

  /** Stops the unit (full protocol) and waits until nothing of it runs. */
  async dispose(): Promise<void> {
    this.dispatch({ type: 'stop' });
    await this.whenSettled();
    this.clearTimers();
  }

  private isSettled(): boolean {
    return ['stopped', 'exited', 'fatal'].includes(this.state.name) && !this.state.isCleanupPending && this.child === undefined;
  }

  private run(effect: UnitEffect): void {
    switch (effect.type) {
      case 'spawn':
        void this.spawn(effect.generation);
        return;
      case 'kill-group':
        if (this.child?.generation === effect.generation) this.child.process.signalGroup(effect.signal);
        return;
      case 'sweep-run-tag':
        void this.sweep(effect.generation, effect.graceMs);
        return;
      case 'start-health-polling':
        this.startHealth(effect.generation);
        return;
      case 'stop-health-polling':
        this.stopHealth();
        return;
      case 'schedule-timer': {
        clearTimeout(this.timers.get(effect.timer));
        const timer = setTimeout(() => {
          this.timers.delete(effect.timer);
          this.dispatch({ type: effect.timer });
        }, effect.delayMs);
        timer.unref();
        this.timers.set(effect.timer, timer);
        return;
      }
      case 'cancel-timer':
        clearTimeout(this.timers.get(effect.timer));
        this.timers.delete(effect.timer);
        return;
      case 'record-exit':
        this.deps.logger.info('unit exited', {
          unit: this.spec.name,
          generation: effect.exit.generation,
          code: effect.exit.code,
          signal: effect.exit.signal,
          isExpected: effect.exit.isExpected,
          diagnosis: effect.exit.diagnosis?.id,
        });
        return;
      case 'abandon-child': {
        const child = this.child?.generation === effect.generation ? this.child : undefined;
        if (!child) return;
        this.deps.logger.error('unit child would not exit after SIGKILL: giving up on it', {
          unit: this.spec.name,
          generation: effect.generation,
          pid: child.process.pid,
          hint: 'a process in uninterruptible sleep (state D in ps) waits on a driver or a mount; it goes once that returns, or at reboot',
        });
        this.problem = {
          at: this.deps.now(),
          summary: `pid ${child.process.pid} did not exit within ${KILL_TIMEOUT_MS / 1000} s of SIGKILL (uninterruptible sleep: a hung GPU driver or mount).`,
          action: 'Check `ps -o pid,stat,wchan -p PID` and the kernel log (dmesg); start the unit again once the process is gone.',
        };
        for (const subscription of child.subscriptions) void subscription.dispose();
        child.process.dispose();
        this.child = undefined;
        return;
      }
      case 'mark-fatal':
        this.deps.logger.error('unit fatal', { unit: this.spec.name, reason: effect.cause.reason, failures: effect.cause.failuresInWindow });
        return;
    }
  }

  private async spawn(generation: number): Promise<void> {
    for (const port of this.spec.ports) {
      if (await isPortFree(port)) continue;
      const holder = findPortHolder(port);
      const who = holder ? `pid ${holder.pid} (${holder.command.slice(0, 120) || 'unknown command'})` : 'a process Airlock cannot see (another user?)';
      const message = `Port ${port} is already in use by ${who}.`;
      this.dispatch({
        type: 'spawn-failed',
        generation,
        message,
        diagnosis: { id: 'port-in-use', summary: message, action: `Stop that process or give this unit another port than ${port}.`, isPermanent: false },
      });
      return;
    }
    const runTag = `${this.deps.runTagPrefix}${this.spec.name}:${generation}`;
    let process: PtyProcess;
    try {
      process = spawnPtyProcess({
        command: this.spec.command,
        args: this.spec.args,
        env: { ...this.spec.env, [RUN_TAG_ENV]: runTag },
        cwd: this.spec.cwd,
        wrapper: this.deps.wrapper,
      });
    } catch (error) {
      this.dispatch({ type: 'spawn-failed', generation, message: `Could not start ${this.spec.command}: ${(error as Error).message}` });
      return;
    }
    const stat = this.deps.table.stat(process.pid);
    this.deps.ledger.record({ runTag, unit: this.spec.name, pid: process.pid, startTime: stat?.startTime ?? 0, at: new Date(this.deps.now()).toISOString() });
    this.tail = [];
    this.partialLine = '';
    const batcher = new OutputBatcher(
      (batch) => {
        this.keepTail(batch);
        this.deps.onOutput(batch, this.deps.now());
      },
      { set: (fn, ms) => setTimeout(fn, ms), clear: (handle) => clearTimeout(handle as NodeJS.Timeout) },
    );
    const subscriptions = [
      process.onData((text) => batcher.push(text)),
      process.onExit((exit) => {
        batcher.flush();
        if (this.partialLine) this.tail.push(this.partialLine);
        const diagnosis = this.deps.diagnose?.(this.tail) ?? null;
        if (!exit.isOutputComplete) this.deps.logger.warn('exit marker missing: output may be incomplete', { unit: this.spec.name, generation });
        this.dispatch({ type: 'exited', generation, code: exit.code, signal: exit.signal, diagnosis });
      }),
    ];
    this.child = { generation, process, runTag, batcher, subscriptions };
    this.dispatch({ type: 'spawned', generation, pid: process.pid });
  }

  private async sweep(generation: number, graceMs: number): Promise<void> {
    const child = this.child?.generation === generation ? this.child : undefined;
    const runTag = child?.runTag ?? `${this.deps.runTagPrefix}${this.spec.name}:${generation}`;
    const pgid = child?.process.pid ?? this.state.pid ?? -1;
    // The run's processes before they go: the GPU check below asks about exactly these.
    const runPids = pgid > 0 ? [...new Set([pgid, ...findTagged(this.deps.table, runTag).map((p) => p.pid), ...groupMembers(this.deps.table, pgid).map((p) => p.pid)])] : [];
    const swept = pgid > 0 ? await sweepRun({ pgid, runTag, graceMs }, this.deps.stopDeps) : { survivors: [] };
    let survivors = swept.survivors;
    if (survivors.length === 0 && this.deps.waitForGpuRelease && runPids.length > 0) {
      // A GPU unit is stopped only when the memory its processes held is free again (vllm.md §6).
      const holding = await this.deps.waitForGpuRelease(runPids);
      if (holding.length > 0) {
        this.problem = { at: this.deps.now(), summary: `GPU memory is still held by pid ${holding.join(', ')} after the unit's processes were killed.`, action: 'Check nvidia-smi; the driver may need the processes reaped or a GPU reset before a new start.' };
        survivors = holding;
      }
    }
    if (child && this.child === child) {
      for (const subscription of child.subscriptions) void subscription.dispose();
      child.process.dispose();
      this.child = undefined;
    }
    this.dispatch({ type: 'cleanup-done', generation, survivors });
  }

  private startHealth(generation: number): void {
    this.stopHealth();
    this.healthGeneration = generation;
    const health = this.spec.health;
    if (!health) {
      // No health check: ready once it stayed up `startSecs` (supervisord's rule, default 1 s), so a
      // command that dies at once with a usage error never counts as having been ready.
      this.healthTimer = setTimeout(() => {
        if (this.healthGeneration === generation) this.dispatch({ type: 'health-ok', generation });
      }, this.deps.startSecsMs ?? DEFAULT_START_SECS_MS);
      this.healthTimer.unref();
      return;
    }
    const check = this.deps.checkHealth ?? httpStatus;
    const intervals = this.deps.healthIntervalsMs ?? { starting: 1000, running: 5000 };
    const poll = async () => {
      if (this.healthGeneration !== generation) return;
      const status = await check(health.url);
      if (this.healthGeneration !== generation) return;
      this.dispatch({ type: status === health.expectStatus ? 'health-ok' : 'health-failed', generation });
      if (this.healthGeneration !== generation) return;
      this.healthTimer = setTimeout(() => void poll(), this.state.name === 'running' ? intervals.running : intervals.starting);
      this.healthTimer.unref();
    };
    this.healthTimer = setTimeout(() => void poll(), Math.min(250, intervals.starting));
    this.healthTimer.unref();
  }

  private stopHealth(): void {
    clearTimeout(this.healthTimer);
    this.healthTimer = undefined;
    this.healthGeneration = undefined;
  }

  private keepTail(batch: Buffer): void {
    // Only the end of a big batch can hold the last lines: decode just that much.
    const recent = batch.length > TAIL_CHARS ? batch.subarray(-TAIL_CHARS).toString('utf8') : this.partialLine + batch.toString('utf8');
    const parts = recent.split(/\r?\n/);
    this.partialLine = parts.pop() ?? '';
    this.tail.push(...parts);
    if (this.tail.length > TAIL_LINES) this.tail.splice(0, this.tail.length - TAIL_LINES);
  }

  private clearTimers(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.stopHealth();
  }
}

/**
 * The supervisor's state machine for one unit: named states (supervisord's `states.py`: stopped,
 * starting, running, backoff, stopping, exited, fatal) and one pure {@link transition} that maps
 * (state, event, context) to the next state and the effects to run. It spawns, kills and schedules
 * nothing itself; the unit runner (unit.ts) runs the effects in order, in one place, and feeds the
 * outcomes back as events.
 *
 * Rules worth knowing (../shared/HOUSE-STYLE.md "The supervisor is a state machine";
 * ../shared/reference/reliability.md §1):
 * - `running` means healthy: the health check passed (vLLM: `/health` 200 and the served name in
 *   `/v1/models`, vllm.md §3.2), never a log line alone.
 * - Every child event carries the generation (spawn number) it belongs to; an event from an earlier
 *   generation is stale and ignored, so a late exit or health answer can never touch a newer child.
 * - After every exit, expected or not, the run is swept (`sweep-run-tag`): its process group and
 *   every process carrying its run tag are killed, and for a GPU unit the VRAM must be back, before
 *   anything new is spawned. vLLM's engine outlives a killed API server and keeps the GPU
 *   (vllm.md §6, vllm-project/vllm#55510), so "the leader exited" is never "stopped".
 * - Events that make no sense in a state are ignored, never thrown: the result says `ignored` with
 *   a reason, the state object is returned unchanged and there are no effects. Commands race with
 *   exits (a stop clicked as the child dies), so refusing them would only add error paths; the
 *   runner logs ignored events at debug level.
 */
import {
  decideRestart,
  EMPTY_RESTART_HISTORY,
  type GiveUpReason,
  type RestartHistory,
  type RestartPolicy,
} from './restart-policy';

/** The named states of a unit. `running` = the health check passes. */
export type UnitStateName = 'stopped' | 'starting' | 'running' | 'backoff' | 'stopping' | 'exited' | 'fatal';

/** Every state name, in display order. */
export const UNIT_STATE_NAMES: readonly UnitStateName[] = ['stopped', 'starting', 'running', 'backoff', 'stopping', 'exited', 'fatal'];

/** Timers the machine schedules; when one fires the runner dispatches an event of the same type. */
export type TimerName = 'backoff-elapsed' | 'stop-timeout' | 'kill-timeout' | 'start-timeout';

/**
 * How long a SIGKILLed child may take to exit before the unit gives up on it: tearing down a large
 * CUDA context takes seconds; a process in uninterruptible sleep (a hung driver or NFS mount) never
 * exits, and the unit must not stay `stopping` forever (nor the core's shutdown wait for it).
 */
export const KILL_TIMEOUT_MS = 30_000;

/** A cause found in the child's output (e.g. by vllm-classifier.ts); `isPermanent` = a restart would fail the same way. */
export interface Diagnosis {
  readonly id: string;
  readonly summary: string;
  readonly action: string | null;
  readonly isPermanent: boolean;
}

/** One exit of a child, as shown in the UI ("last exit") and kept in the launch ledger. */
export interface ExitRecord {
  readonly generation: number;
  readonly code: number | null;
  readonly signal: string | null;
  readonly at: number;
  /** Milliseconds from spawn to exit, or null if the spawn time is unknown. */
  readonly uptimeMs: number | null;
  readonly wasReady: boolean;
  /** The supervisor had asked it to stop (state `stopping`). */
  readonly isExpected: boolean;
  readonly diagnosis: Diagnosis | null;
}

/** Why a run counted as failed. */
export type Failure =
  | { readonly kind: 'exit'; readonly exit: ExitRecord }
  | { readonly kind: 'spawn-failed'; readonly message: string; readonly diagnosis: Diagnosis | null }
  | { readonly kind: 'unhealthy'; readonly consecutiveFailures: number }
  | { readonly kind: 'start-timeout'; readonly afterMs: number }
  | { readonly kind: 'cleanup-failed'; readonly survivors: readonly number[] };

/** Why a unit is fatal: the rule that fired and the failure that made it fire. */
export interface FatalCause {
  readonly reason: GiveUpReason | 'cleanup-failed';
  readonly failure: Failure;
  readonly failuresInWindow: number;
  readonly at: number;
}

/** What `stopping` leads to once the child and its run are gone: `stopped`, a fresh start, or the restart policy. */
export type StopIntent = 'stop' | 'restart' | 'recover';

/** The whole state of one unit. Immutable; {@link transition} returns a new object when anything changes. */
export interface UnitState {
  readonly name: UnitStateName;
  /** Number of spawns so far; the current (or last) child's generation. */
  readonly generation: number;
  readonly pid: number | null;
  readonly spawnedAt: number | null;
  readonly readyAt: number | null;
  readonly consecutiveHealthFailures: number;
  readonly history: RestartHistory;
  /** Automatic restarts scheduled since the last manual start (the UI's restart count). */
  readonly restarts: number;
  /** In `backoff`: when the next spawn is due. */
  readonly nextStartAt: number | null;
  /** A sweep of the last run is under way; nothing is spawned until `cleanup-done`. */
  readonly isCleanupPending: boolean;
  /** In `starting`: the spawn waits for the sweep of the previous run. */
  readonly isSpawnDeferred: boolean;
  /** In `stopping`: what follows once the run is gone. */
  readonly stopIntent: StopIntent | null;
  /** In `stopping` with intent `recover`: the failure to hand to the restart policy. */
  readonly pendingFailure: Failure | null;
  /** In `stopping`: when the stop timeout ends (the sweep's grace is what is left of it). */
  readonly stopDeadline: number | null;
  readonly lastExit: ExitRecord | null;
  readonly fatal: FatalCause | null;
}

/** A unit that has never run. */
export const INITIAL_UNIT_STATE: UnitState = {
  name: 'stopped',
  generation: 0,
  pid: null,
  spawnedAt: null,
  readyAt: null,
  consecutiveHealthFailures: 0,
  history: EMPTY_RESTART_HISTORY,
  restarts: 0,
  nextStartAt: null,
  isCleanupPending: false,
  isSpawnDeferred: false,
  stopIntent: null,
  pendingFailure: null,
  stopDeadline: null,
  lastExit: null,
  fatal: null,
};

/** What can happen to a unit: commands, child outcomes (with their generation) and timers. */
export type UnitEvent =
  /** Operator or auto-start: start it. */
  | { readonly type: 'start' }
  /** Operator: stop it. */
  | { readonly type: 'stop' }
  /** Operator: stop it if it runs, then start it again without a backoff delay. */
  | { readonly type: 'restart' }
  /** Operator: acknowledge a fatal unit; it becomes `stopped`. */
  | { readonly type: 'reset' }
  | { readonly type: 'spawned'; readonly generation: number; readonly pid: number }
  /** The spawn itself failed (executable missing, port held by another process…). */
  | { readonly type: 'spawn-failed'; readonly generation: number; readonly message: string; readonly diagnosis?: Diagnosis | null }
  | { readonly type: 'health-ok'; readonly generation: number }
  | { readonly type: 'health-failed'; readonly generation: number }
  /** The child (the process group leader) exited; `diagnosis` comes from classifying its last lines. */
  | { readonly type: 'exited'; readonly generation: number; readonly code: number | null; readonly signal: string | null; readonly diagnosis?: Diagnosis | null }
  /** The sweep of `generation` finished; `survivors` are pids that would not die (empty = clean). */
  | { readonly type: 'cleanup-done'; readonly generation: number; readonly survivors: readonly number[] }
  | { readonly type: 'backoff-elapsed' }
  | { readonly type: 'stop-timeout' }
  /** The child was SIGKILLed KILL_TIMEOUT_MS ago and has still not exited. */
  | { readonly type: 'kill-timeout' }
  | { readonly type: 'start-timeout' };

/** Every event type, for exhaustive tests. */
export const UNIT_EVENT_TYPES: readonly UnitEvent['type'][] = [
  'start',
  'stop',
  'restart',
  'reset',
  'spawned',
  'spawn-failed',
  'health-ok',
  'health-failed',
  'exited',
  'cleanup-done',
  'backoff-elapsed',
  'stop-timeout',
  'kill-timeout',
  'start-timeout',
];

/** Side effects for the runner, in the order it must run them. */
export type UnitEffect =
  /** Spawn the child as `generation`, with a fresh run tag; report `spawned` or `spawn-failed`. */
  | { readonly type: 'spawn'; readonly generation: number }
  /** Signal the process group of `generation` (node-pty's child leads its own group: `kill(-pid, signal)`). */
  | { readonly type: 'kill-group'; readonly generation: number; readonly signal: 'SIGTERM' | 'SIGKILL' }
  /**
   * Make sure nothing of `generation` survives: wait up to `graceMs` for its group and every process
   * with its run tag to exit on their own, SIGKILL the rest, wait until they are gone (and, for a GPU
   * unit, until the VRAM they held is released), then report `cleanup-done`.
   */
  | { readonly type: 'sweep-run-tag'; readonly generation: number; readonly graceMs: number }
  | { readonly type: 'start-health-polling'; readonly generation: number }
  | { readonly type: 'stop-health-polling' }
  /** Schedule (or re-schedule) the timer; at most one of each name is pending. */
  | { readonly type: 'schedule-timer'; readonly timer: TimerName; readonly delayMs: number }
  | { readonly type: 'cancel-timer'; readonly timer: TimerName }
  /** Persist the exit (ledger, last-exit display). */
  | { readonly type: 'record-exit'; readonly exit: ExitRecord }
  /** Stop waiting for `generation`'s child, which would not exit after SIGKILL: let go of its pty and listeners. */
  | { readonly type: 'abandon-child'; readonly generation: number }
  /** Persist and announce the fatal cause. */
  | { readonly type: 'mark-fatal'; readonly cause: FatalCause };

/** What a transition needs besides the state and the event. */
export interface TransitionContext {
  readonly now: number;
  readonly policy: RestartPolicy;
  /** Grace between SIGTERM and SIGKILL (supervisord's stopwaitsecs 10 s, systemd's TimeoutStopSec 90 s). */
  readonly stopTimeoutMs: number;
  /** Longest time from spawn to the first passing health check, or null for no limit. */
  readonly startTimeoutMs: number | null;
  /** Consecutive failed health checks of a running child before it is restarted. */
  readonly unhealthyThreshold: number;
  /** Uniform in [0, 1): the backoff jitter. */
  readonly random: () => number;
}

/** The outcome of one event. `ignored` is null when the event was valid (even if nothing changed). */
export interface TransitionResult {
  readonly state: UnitState;
  readonly effects: readonly UnitEffect[];
  readonly ignored: string | null;
}

/**
 * Defaults for the fields of {@link TransitionContext} that are not time or policy:
 * - stop timeout 10 s: supervisord's stopwaitsecs (reliability.md §1 Anchors); vLLM shuts down in seconds.
 * - start timeout: none by default; vLLM loading "can take minutes" (vllm.md §3.2), so a unit sets its own.
 * - 3 failed checks in a row: one lost answer under load is not a dead server; vLLM's own watchdog
 *   exits within 5 s of engine death (vllm.md §3.2), so the exit usually comes first anyway.
 */
export const DEFAULT_UNIT_TIMING = { stopTimeoutMs: 10_000, startTimeoutMs: null, unhealthyThreshold: 3 } as const;

/** The one transition function: the next state and the effects for `event` in `state`. */
export function transition(state: UnitState, event: UnitEvent, context: TransitionContext): TransitionResult {
  if ('generation' in event && event.generation !== state.generation) {
    return ignore(state, `stale: event for generation ${event.generation}, current is ${state.generation}`);
  }
  switch (state.name) {
    case 'stopped':
      return fromStopped(state, event, context);
    case 'starting':
      return fromStarting(state, event, context);
    case 'running':
      return fromRunning(state, event, context);
    case 'backoff':
      return fromBackoff(state, event, context);
    case 'stopping':
      return fromStopping(state, event, context);
    case 'exited':
      return fromExited(state, event, context);
    case 'fatal':
      return fromFatal(state, event, context);
  }
}

// ---------------------------------------------------------------------------------------------
// One function per state
// ---------------------------------------------------------------------------------------------

function fromStopped(state: UnitState, event: UnitEvent, _context: TransitionContext): TransitionResult {
  switch (event.type) {
    case 'start':
    case 'restart':
      return beginStart(freshStart(state), []);
    case 'stop':
      return ignore(state, 'already stopped');
    default:
      return ignore(state, `${event.type} while stopped`);
  }
}

function fromStarting(state: UnitState, event: UnitEvent, context: TransitionContext): TransitionResult {
  // Deferred: the previous run is still being swept and nothing of this start is spawned yet.
  const hasChild = !state.isSpawnDeferred;
  if (!hasChild && CHILD_EVENTS.has(event.type)) return ignore(state, `${event.type} before anything was spawned`);
  switch (event.type) {
    case 'start':
      return ignore(state, 'already starting');
    case 'restart':
      return hasChild ? beginStop(state, 'restart', null, context) : ignore(state, 'already starting');
    case 'stop':
      if (hasChild) return beginStop(state, 'stop', null, context);
      // Nothing spawned yet: wait for the previous run's sweep in `stopping`, or stop at once.
      if (state.isCleanupPending) return ok({ ...state, name: 'stopping', isSpawnDeferred: false, stopIntent: 'stop', stopDeadline: context.now });
      return ok({ ...state, name: 'stopped', isSpawnDeferred: false });
    case 'spawned': {
      const effects: UnitEffect[] = [{ type: 'start-health-polling', generation: state.generation }];
      if (context.startTimeoutMs !== null) effects.push({ type: 'schedule-timer', timer: 'start-timeout', delayMs: context.startTimeoutMs });
      return ok({ ...state, pid: event.pid, spawnedAt: context.now }, effects);
    }
    case 'spawn-failed':
      // No process exists, so there is nothing to sweep and no timer or poller was started.
      return afterFailure(
        { ...state, pid: null },
        { kind: 'spawn-failed', message: event.message, diagnosis: event.diagnosis ?? null },
        { exitCode: null, isPermanent: event.diagnosis?.isPermanent ?? false },
        [],
        context,
      );
    case 'health-ok':
      return ok({ ...state, name: 'running', readyAt: context.now, consecutiveHealthFailures: 0 }, cancelStartTimer(context));
    case 'health-failed':
      // Connection refused while loading is normal: vLLM listens only once it is ready (vllm.md §3.2).
      return ok(state);
    case 'exited':
      return unexpectedExit(state, event, context);
    case 'cleanup-done':
      if (!state.isCleanupPending) return ignore(state, 'no sweep under way');
      if (event.survivors.length > 0) return cleanupFailed(state, event.survivors, context);
      return spawnNow({ ...state, isCleanupPending: false }, []);
    case 'start-timeout':
      return beginStop(state, 'recover', { kind: 'start-timeout', afterMs: context.startTimeoutMs ?? 0 }, context);
    default:
      return ignore(state, `${event.type} while starting`);
  }
}

function fromRunning(state: UnitState, event: UnitEvent, context: TransitionContext): TransitionResult {
  switch (event.type) {
    case 'start':
      return ignore(state, 'already running');
    case 'restart':
      return beginStop(state, 'restart', null, context);
    case 'stop':
      return beginStop(state, 'stop', null, context);
    case 'health-ok':
      return state.consecutiveHealthFailures === 0 ? ok(state) : ok({ ...state, consecutiveHealthFailures: 0 });
    case 'health-failed': {
      const failures = state.consecutiveHealthFailures + 1;
      if (failures < context.unhealthyThreshold) return ok({ ...state, consecutiveHealthFailures: failures });
      return beginStop({ ...state, consecutiveHealthFailures: failures }, 'recover', { kind: 'unhealthy', consecutiveFailures: failures }, context);
    }
    case 'exited':
      return unexpectedExit(state, event, context);
    default:
      return ignore(state, `${event.type} while running`);
  }
}

function fromBackoff(state: UnitState, event: UnitEvent, context: TransitionContext): TransitionResult {
  const cancel: UnitEffect[] = [{ type: 'cancel-timer', timer: 'backoff-elapsed' }];
  switch (event.type) {
    case 'start':
    case 'restart':
      // "Retry now": skip the wait but keep the failure history, so clicking cannot hide a crash loop.
      return beginStart({ ...state, nextStartAt: null }, cancel);
    case 'backoff-elapsed':
      return beginStart({ ...state, nextStartAt: null }, []);
    case 'stop':
      if (state.isCleanupPending) return ok({ ...state, name: 'stopping', nextStartAt: null, stopIntent: 'stop', stopDeadline: context.now }, cancel);
      return ok({ ...state, name: 'stopped', nextStartAt: null }, cancel);
    case 'cleanup-done':
      if (!state.isCleanupPending) return ignore(state, 'no sweep under way');
      if (event.survivors.length > 0) return cleanupFailed({ ...state, nextStartAt: null }, event.survivors, context, cancel);
      return ok({ ...state, isCleanupPending: false });
    default:
      return ignore(state, `${event.type} while in backoff`);
  }
}

function fromStopping(state: UnitState, event: UnitEvent, context: TransitionContext): TransitionResult {
  // The child is alive until its exit starts the sweep; `stopping` entered from `backoff` or a
  // deferred start has no child, only a sweep to wait for.
  const hasChild = !state.isCleanupPending;
  if (!hasChild && CHILD_EVENTS.has(event.type)) return ignore(state, `${event.type} after the child exited`);
  switch (event.type) {
    case 'stop':
      return state.stopIntent === 'stop' ? ignore(state, 'already stopping') : ok({ ...state, stopIntent: 'stop', pendingFailure: null });
    case 'start':
    case 'restart':
      // Start again once the run is gone; an operator's restart does not count as a failure.
      return state.stopIntent === 'restart' ? ignore(state, 'already restarting') : ok({ ...state, stopIntent: 'restart', pendingFailure: null });
    case 'stop-timeout':
      if (!hasChild) return ignore(state, 'stop timeout after the child exited');
      return ok({ ...state, stopDeadline: context.now }, [
        { type: 'kill-group', generation: state.generation, signal: 'SIGKILL' },
        { type: 'schedule-timer', timer: 'kill-timeout', delayMs: KILL_TIMEOUT_MS },
      ]);
    case 'kill-timeout': {
      if (!hasChild) return ignore(state, 'kill timeout after the child exited');
      // It would not die: report it and let go, rather than wait (and block the core's shutdown) forever.
      const survivors = state.pid === null ? [] : [state.pid];
      return cleanupFailed({ ...state, pid: null }, survivors, context, [{ type: 'abandon-child', generation: state.generation }]);
    }
    case 'exited': {
      const exit = exitRecord(state, event, true, context);
      // The sweep gets what is left of the stop timeout: workers may still be shutting down cleanly.
      return ok({ ...state, pid: null, isCleanupPending: true, lastExit: exit }, [
        { type: 'cancel-timer', timer: 'stop-timeout' },
        { type: 'cancel-timer', timer: 'kill-timeout' },
        { type: 'record-exit', exit },
        { type: 'sweep-run-tag', generation: state.generation, graceMs: Math.max(0, (state.stopDeadline ?? context.now) - context.now) },
      ]);
    }
    case 'spawn-failed':
      // Stopped between the spawn and its outcome, and the spawn failed: there is no run to wait for.
      return finishStop({ ...state, pid: null, stopDeadline: null }, [{ type: 'cancel-timer', timer: 'stop-timeout' }], context);
    case 'cleanup-done':
      if (!state.isCleanupPending) return ignore(state, 'no sweep under way');
      if (event.survivors.length > 0) return cleanupFailed(state, event.survivors, context);
      return finishStop({ ...state, isCleanupPending: false, stopDeadline: null }, [], context);
    default:
      return ignore(state, `${event.type} while stopping`);
  }
}

function fromExited(state: UnitState, event: UnitEvent, context: TransitionContext): TransitionResult {
  switch (event.type) {
    case 'start':
    case 'restart':
      return beginStart(freshStart(state), []);
    case 'cleanup-done':
      if (!state.isCleanupPending) return ignore(state, 'no sweep under way');
      if (event.survivors.length > 0) return cleanupFailed(state, event.survivors, context);
      return ok({ ...state, isCleanupPending: false });
    default:
      return ignore(state, `${event.type} after the child exited`);
  }
}

function fromFatal(state: UnitState, event: UnitEvent, context: TransitionContext): TransitionResult {
  switch (event.type) {
    case 'start':
    case 'restart':
      // A manual start after the operator changed something: a fresh history, the cause cleared.
      return beginStart(freshStart(state), []);
    case 'reset':
      if (state.isCleanupPending) return ignore(state, 'the last run is still being swept');
      return ok({ ...state, name: 'stopped', fatal: null });
    case 'cleanup-done':
      if (!state.isCleanupPending) return ignore(state, 'no sweep under way');
      // Leftover processes matter more than the earlier cause: they may hold the GPU.
      if (event.survivors.length > 0) return cleanupFailed(state, event.survivors, context);
      return ok({ ...state, isCleanupPending: false });
    default:
      return ignore(state, `${event.type} while fatal`);
  }
}

// ---------------------------------------------------------------------------------------------
// Shared steps
// ---------------------------------------------------------------------------------------------

/** Forget the failures of earlier runs: a manual start is a new beginning. */
function freshStart(state: UnitState): UnitState {
  return { ...state, history: EMPTY_RESTART_HISTORY, restarts: 0, fatal: null };
}

/** Enter `starting`: spawn now, or once the sweep of the previous run is done. */
function beginStart(state: UnitState, before: UnitEffect[]): TransitionResult {
  const starting: UnitState = { ...state, name: 'starting', stopIntent: null, pendingFailure: null, stopDeadline: null, nextStartAt: null };
  if (state.isCleanupPending) return ok({ ...starting, isSpawnDeferred: true }, before);
  return spawnNow(starting, before);
}

function spawnNow(state: UnitState, before: UnitEffect[]): TransitionResult {
  const generation = state.generation + 1;
  return ok(
    { ...state, name: 'starting', generation, pid: null, spawnedAt: null, readyAt: null, consecutiveHealthFailures: 0, isSpawnDeferred: false },
    [...before, { type: 'spawn', generation }],
  );
}

/** SIGTERM to the group and a bounded wait (reliability.md §1 S4: SIGKILL at grace + ≤ 1 s). */
function beginStop(state: UnitState, intent: StopIntent, failure: Failure | null, context: TransitionContext): TransitionResult {
  return ok(
    { ...state, name: 'stopping', stopIntent: intent, pendingFailure: failure, stopDeadline: context.now + context.stopTimeoutMs, isSpawnDeferred: false },
    [
      { type: 'stop-health-polling' },
      { type: 'cancel-timer', timer: 'start-timeout' },
      { type: 'kill-group', generation: state.generation, signal: 'SIGTERM' },
      { type: 'schedule-timer', timer: 'stop-timeout', delayMs: context.stopTimeoutMs },
    ],
  );
}

/** The run is gone: go where the stop intent says. */
function finishStop(state: UnitState, before: UnitEffect[], context: TransitionContext): TransitionResult {
  const cleared: UnitState = { ...state, stopIntent: null, pendingFailure: null };
  if (state.stopIntent === 'restart') return spawnNow(freshStart(cleared), before);
  if (state.stopIntent === 'recover' && state.pendingFailure !== null) {
    // readyAt is still the stopped child's: a unit that ran stably before it hung starts a new streak.
    return afterFailure(cleared, state.pendingFailure, { exitCode: null, isPermanent: false }, before, context);
  }
  return ok({ ...cleared, name: 'stopped', readyAt: null }, before);
}

/** The child died without being asked: record it, sweep what it left, and let the policy decide. */
function unexpectedExit(
  state: UnitState,
  event: Extract<UnitEvent, { type: 'exited' }>,
  context: TransitionContext,
): TransitionResult {
  const exit = exitRecord(state, event, false, context);
  const swept: UnitState = { ...state, pid: null, isCleanupPending: true, lastExit: exit };
  const effects: UnitEffect[] = [
    { type: 'stop-health-polling' },
    ...cancelStartTimer(context),
    { type: 'record-exit', exit },
    // No grace: whatever the leader left behind (EngineCore, TP workers) holds the GPU (vllm.md §6).
    { type: 'sweep-run-tag', generation: state.generation, graceMs: 0 },
  ];
  return afterFailure(swept, { kind: 'exit', exit }, { exitCode: event.code, isPermanent: event.diagnosis?.isPermanent ?? false }, effects, context);
}

/** Ask the restart policy about one failure and enter `backoff`, `exited` or `fatal`. */
function afterFailure(
  state: UnitState,
  failure: Failure,
  facts: { exitCode: number | null; isPermanent: boolean },
  effects: UnitEffect[],
  context: TransitionContext,
): TransitionResult {
  const decision = decideRestart(state.history, { at: context.now, readyAt: state.readyAt, ...facts }, context.policy, context.random);
  const settled: UnitState = { ...state, readyAt: null, consecutiveHealthFailures: 0, isSpawnDeferred: false, history: decision.history };
  switch (decision.action) {
    case 'none':
      return ok({ ...settled, name: 'exited' }, effects);
    case 'restart':
      return ok({ ...settled, name: 'backoff', restarts: state.restarts + 1, nextStartAt: context.now + decision.delayMs }, [
        ...effects,
        { type: 'schedule-timer', timer: 'backoff-elapsed', delayMs: decision.delayMs },
      ]);
    case 'give-up': {
      const cause: FatalCause = { reason: decision.reason, failure, failuresInWindow: decision.failuresInWindow, at: context.now };
      return ok({ ...settled, name: 'fatal', nextStartAt: null, fatal: cause }, [...effects, { type: 'mark-fatal', cause }]);
    }
  }
}

/** Processes of the run would not die: never spawn next to them (two vLLMs on one GPU), go fatal. */
function cleanupFailed(state: UnitState, survivors: readonly number[], context: TransitionContext, before: UnitEffect[] = []): TransitionResult {
  const cause: FatalCause = {
    reason: 'cleanup-failed',
    failure: { kind: 'cleanup-failed', survivors },
    failuresInWindow: state.history.failureTimes.length,
    at: context.now,
  };
  return ok(
    { ...state, name: 'fatal', isCleanupPending: false, isSpawnDeferred: false, stopIntent: null, pendingFailure: null, stopDeadline: null, nextStartAt: null, fatal: cause },
    [...before, { type: 'mark-fatal', cause }],
  );
}

function exitRecord(state: UnitState, event: Extract<UnitEvent, { type: 'exited' }>, isExpected: boolean, context: TransitionContext): ExitRecord {
  return {
    generation: state.generation,
    code: event.code,
    signal: event.signal,
    at: context.now,
    uptimeMs: state.spawnedAt === null ? null : context.now - state.spawnedAt,
    wasReady: state.readyAt !== null,
    isExpected,
    diagnosis: event.diagnosis ?? null,
  };
}

function cancelStartTimer(context: TransitionContext): UnitEffect[] {
  return context.startTimeoutMs === null ? [] : [{ type: 'cancel-timer', timer: 'start-timeout' }];
}

/** Events that come from the child (or its start timer) and need a child to make sense. */
const CHILD_EVENTS: ReadonlySet<UnitEvent['type']> = new Set(['spawned', 'spawn-failed', 'health-ok', 'health-failed', 'exited', 'start-timeout']);

function ok(state: UnitState, effects: readonly UnitEffect[] = []): TransitionResult {
  return { state, effects, ignored: null };
}

function ignore(state: UnitState, reason: string): TransitionResult {
  return { state, effects: [], ignored: reason };
}

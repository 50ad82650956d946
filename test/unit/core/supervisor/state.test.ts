import { describe, expect, it } from 'vitest';
import { DEFAULT_RESTART_POLICY, EMPTY_RESTART_HISTORY, type RestartHistory } from '../../../../electron/core/supervisor/restart-policy';
import {
  type Diagnosis,
  type ExitRecord,
  INITIAL_UNIT_STATE,
  transition,
  type TransitionContext,
  type UnitEffect,
  type UnitEvent,
  UNIT_EVENT_TYPES,
  UNIT_STATE_NAMES,
  type UnitState,
  type UnitStateName,
} from '../../../../electron/core/supervisor/state';

const T0 = Date.parse('2026-11-21T12:00:00Z');
const PID = 4242;

const context: TransitionContext = {
  now: T0,
  policy: { ...DEFAULT_RESTART_POLICY, jitterRatio: 0 },
  stopTimeoutMs: 10_000,
  startTimeoutMs: 60_000,
  unhealthyThreshold: 3,
  random: () => 0.5,
};

const oneFailure: RestartHistory = { failureTimes: [T0 - 20_000], streak: 1 };
const fourFailures: RestartHistory = { failureTimes: [T0 - 40_000, T0 - 30_000, T0 - 20_000, T0 - 10_000], streak: 4 };
const oom: Diagnosis = { id: 'cuda-oom', summary: 'out of memory', action: 'lower it', isPermanent: false };
const kvTooSmall: Diagnosis = { id: 'kv-cache-too-small', summary: 'KV cache too small', action: 'Set --max-model-len 77824', isPermanent: true };

function unit(name: UnitStateName, overrides: Partial<UnitState> = {}): UnitState {
  return { ...INITIAL_UNIT_STATE, name, generation: 3, ...overrides };
}

function exitOf(overrides: Partial<ExitRecord> = {}): ExitRecord {
  return { generation: 3, code: 1, signal: null, at: T0, uptimeMs: null, wasReady: false, isExpected: false, diagnosis: null, ...overrides };
}

// Fixtures: one (or more) per state, generation 3 unless noted.
const S = {
  stopped: unit('stopped', { generation: 2 }),
  startingSpawning: unit('starting', { history: oneFailure, restarts: 1 }),
  startingUp: unit('starting', { pid: PID, spawnedAt: T0 - 5_000, history: oneFailure, restarts: 1 }),
  startingDeferred: unit('starting', { generation: 2, isSpawnDeferred: true, isCleanupPending: true, history: oneFailure }),
  startingDeferredClean: unit('starting', { generation: 2, isSpawnDeferred: true }),
  running: unit('running', { pid: PID, spawnedAt: T0 - 20_000, readyAt: T0 - 10_000, history: oneFailure, restarts: 1 }),
  runningUnwell: unit('running', { pid: PID, spawnedAt: T0 - 20_000, readyAt: T0 - 10_000, consecutiveHealthFailures: 2 }),
  runningStable: unit('running', { pid: PID, spawnedAt: T0 - 70_000, readyAt: T0 - 60_000, history: fourFailures, restarts: 4 }),
  runningFragile: unit('running', { pid: PID, spawnedAt: T0 - 20_000, readyAt: T0 - 10_000, history: fourFailures, restarts: 4 }),
  backoff: unit('backoff', { history: oneFailure, restarts: 1, nextStartAt: T0 + 1_000, lastExit: exitOf() }),
  backoffSweeping: unit('backoff', { history: oneFailure, restarts: 1, nextStartAt: T0 + 1_000, isCleanupPending: true, lastExit: exitOf() }),
  stoppingUp: unit('stopping', { pid: PID, readyAt: T0 - 10_000, stopIntent: 'stop', stopDeadline: T0 + 4_000 }),
  stoppingUpRestart: unit('stopping', { pid: PID, stopIntent: 'restart', stopDeadline: T0 + 4_000 }),
  stoppingUpRecover: unit('stopping', { pid: PID, stopIntent: 'recover', pendingFailure: { kind: 'unhealthy', consecutiveFailures: 3 }, stopDeadline: T0 + 4_000 }),
  stoppingSwept: unit('stopping', { isCleanupPending: true, stopIntent: 'stop', lastExit: exitOf({ isExpected: true }) }),
  stoppingSweptRestart: unit('stopping', { isCleanupPending: true, stopIntent: 'restart', history: fourFailures, restarts: 4 }),
  stoppingSweptRecover: unit('stopping', {
    isCleanupPending: true,
    stopIntent: 'recover',
    pendingFailure: { kind: 'unhealthy', consecutiveFailures: 3 },
    readyAt: T0 - 10_000,
    history: oneFailure,
    restarts: 1,
  }),
  stoppingSweptRecoverStable: unit('stopping', {
    isCleanupPending: true,
    stopIntent: 'recover',
    pendingFailure: { kind: 'unhealthy', consecutiveFailures: 3 },
    readyAt: T0 - 3_600_000,
    history: fourFailures,
  }),
  exited: unit('exited', { lastExit: exitOf({ code: 0 }) }),
  exitedSweeping: unit('exited', { isCleanupPending: true, lastExit: exitOf({ code: 0 }) }),
  fatal: unit('fatal', { history: fourFailures, fatal: { reason: 'too-many-failures', failure: { kind: 'exit', exit: exitOf() }, failuresInWindow: 5, at: T0 - 1 } }),
  fatalSweeping: unit('fatal', {
    isCleanupPending: true,
    fatal: { reason: 'permanent-exit-code', failure: { kind: 'exit', exit: exitOf({ code: 2 }) }, failuresInWindow: 1, at: T0 - 1 },
  }),
} satisfies Record<string, UnitState>;

/** An event of `type` for the fixture's current generation. */
function event(type: UnitEvent['type'], generation: number, extra: Record<string, unknown> = {}): UnitEvent {
  switch (type) {
    case 'spawned':
      return { type, generation, pid: PID + 1, ...extra };
    case 'spawn-failed':
      return { type, generation, message: 'spawn ENOENT', ...extra };
    case 'health-ok':
    case 'health-failed':
      return { type, generation };
    case 'exited':
      return { type, generation, code: 1, signal: null, ...extra };
    case 'cleanup-done':
      return { type, generation, survivors: [], ...extra };
    default:
      return { type } as UnitEvent;
  }
}

const beginStop = (generation = 3): UnitEffect[] => [
  { type: 'stop-health-polling' },
  { type: 'cancel-timer', timer: 'start-timeout' },
  { type: 'kill-group', generation, signal: 'SIGTERM' },
  { type: 'schedule-timer', timer: 'stop-timeout', delayMs: 10_000 },
];
const crashEffects = (exit: ExitRecord): UnitEffect[] => [
  { type: 'stop-health-polling' },
  { type: 'cancel-timer', timer: 'start-timeout' },
  { type: 'record-exit', exit },
  { type: 'sweep-run-tag', generation: 3, graceMs: 0 },
];

interface Row {
  label: string;
  from: UnitState;
  event: UnitEvent;
  to: UnitStateName;
  effects?: UnitEffect[];
  ignored?: boolean;
  state?: Partial<UnitState>;
}

/** Rows for events that are ignored in `from`: same state object, no effects, a reason. */
function ignoredRows(fixture: keyof typeof S, types: readonly UnitEvent['type'][], generation = S[fixture].generation): Row[] {
  return types.map((type) => ({ label: `${fixture}: ${type} is ignored`, from: S[fixture], event: event(type, generation), to: S[fixture].name, ignored: true }));
}

const rows: Row[] = [
  // --- stopped ---------------------------------------------------------------------------------
  { label: 'stopped: start spawns generation 3', from: S.stopped, event: event('start', 2), to: 'starting', effects: [{ type: 'spawn', generation: 3 }], state: { generation: 3, pid: null } },
  { label: 'stopped: restart is a start', from: S.stopped, event: event('restart', 2), to: 'starting', effects: [{ type: 'spawn', generation: 3 }] },
  ...ignoredRows('stopped', ['stop', 'reset', 'spawned', 'spawn-failed', 'health-ok', 'health-failed', 'exited', 'cleanup-done', 'backoff-elapsed', 'stop-timeout', 'kill-timeout', 'start-timeout']),

  // --- starting, spawn issued / child up ------------------------------------------------------
  {
    label: 'starting: spawned records the pid, starts health polling and the start timer',
    from: S.startingSpawning,
    event: event('spawned', 3),
    to: 'starting',
    effects: [
      { type: 'start-health-polling', generation: 3 },
      { type: 'schedule-timer', timer: 'start-timeout', delayMs: 60_000 },
    ],
    state: { pid: PID + 1, spawnedAt: T0 },
  },
  {
    label: 'starting: spawn-failed backs off (2nd failure: 2 s)',
    from: S.startingSpawning,
    event: event('spawn-failed', 3),
    to: 'backoff',
    effects: [{ type: 'schedule-timer', timer: 'backoff-elapsed', delayMs: 2_000 }],
    state: { restarts: 2, nextStartAt: T0 + 2_000, isCleanupPending: false },
  },
  {
    label: 'starting: spawn-failed with a permanent diagnosis is fatal at once',
    from: S.startingSpawning,
    event: event('spawn-failed', 3, { diagnosis: kvTooSmall }),
    to: 'fatal',
    effects: [
      {
        type: 'mark-fatal',
        cause: { reason: 'permanent-cause', failure: { kind: 'spawn-failed', message: 'spawn ENOENT', diagnosis: kvTooSmall }, failuresInWindow: 2, at: T0 },
      },
    ],
  },
  {
    label: 'starting: health-ok → running, start timer cancelled',
    from: S.startingUp,
    event: event('health-ok', 3),
    to: 'running',
    effects: [{ type: 'cancel-timer', timer: 'start-timeout' }],
    state: { readyAt: T0 },
  },
  { label: 'starting: health-failed while loading is normal', from: S.startingUp, event: event('health-failed', 3), to: 'starting', effects: [] },
  {
    label: 'starting: exit 1 before readiness → sweep, backoff 2 s',
    from: S.startingUp,
    event: event('exited', 3),
    to: 'backoff',
    effects: [...crashEffects(exitOf({ uptimeMs: 5_000 })), { type: 'schedule-timer', timer: 'backoff-elapsed', delayMs: 2_000 }],
    state: { pid: null, isCleanupPending: true, restarts: 2, nextStartAt: T0 + 2_000 },
  },
  {
    label: 'starting: exit 2 (argparse) → fatal at once, still swept',
    from: S.startingUp,
    event: event('exited', 3, { code: 2 }),
    to: 'fatal',
    effects: [
      ...crashEffects(exitOf({ code: 2, uptimeMs: 5_000 })),
      { type: 'mark-fatal', cause: { reason: 'permanent-exit-code', failure: { kind: 'exit', exit: exitOf({ code: 2, uptimeMs: 5_000 }) }, failuresInWindow: 2, at: T0 } },
    ],
    state: { isCleanupPending: true },
  },
  {
    label: 'starting: exit with a permanent diagnosis (KV cache too small) → fatal',
    from: S.startingUp,
    event: event('exited', 3, { diagnosis: kvTooSmall }),
    to: 'fatal',
    state: { fatal: { reason: 'permanent-cause', failure: { kind: 'exit', exit: exitOf({ uptimeMs: 5_000, diagnosis: kvTooSmall }) }, failuresInWindow: 2, at: T0 } },
  },
  {
    label: 'starting: exit with a transient diagnosis (OOM) backs off',
    from: S.startingUp,
    event: event('exited', 3, { diagnosis: oom }),
    to: 'backoff',
    state: { lastExit: exitOf({ uptimeMs: 5_000, diagnosis: oom }) },
  },
  { label: 'starting: stop → SIGTERM to the group, stop timer', from: S.startingUp, event: event('stop', 3), to: 'stopping', effects: beginStop(), state: { stopIntent: 'stop', stopDeadline: T0 + 10_000 } },
  { label: 'starting: restart → stop first, intent restart', from: S.startingUp, event: event('restart', 3), to: 'stopping', effects: beginStop(), state: { stopIntent: 'restart' } },
  {
    label: 'starting: start timeout → stop, then the restart policy',
    from: S.startingUp,
    event: event('start-timeout', 3),
    to: 'stopping',
    effects: beginStop(),
    state: { stopIntent: 'recover', pendingFailure: { kind: 'start-timeout', afterMs: 60_000 } },
  },
  { label: 'starting: an event from generation 2 is stale', from: S.startingUp, event: event('exited', 2), to: 'starting', ignored: true },
  { label: 'starting: an event from a future generation is stale', from: S.startingUp, event: event('health-ok', 4), to: 'starting', ignored: true },
  ...ignoredRows('startingUp', ['start', 'reset', 'cleanup-done', 'backoff-elapsed', 'stop-timeout', 'kill-timeout']),

  // --- starting, waiting for the previous run's sweep -------------------------------------------
  { label: 'starting (deferred): cleanup-done spawns', from: S.startingDeferred, event: event('cleanup-done', 2), to: 'starting', effects: [{ type: 'spawn', generation: 3 }], state: { isCleanupPending: false, isSpawnDeferred: false } },
  {
    label: 'starting (deferred): survivors → fatal, nothing spawned',
    from: S.startingDeferred,
    event: event('cleanup-done', 2, { survivors: [991, 992] }),
    to: 'fatal',
    effects: [{ type: 'mark-fatal', cause: { reason: 'cleanup-failed', failure: { kind: 'cleanup-failed', survivors: [991, 992] }, failuresInWindow: 1, at: T0 } }],
  },
  { label: 'starting (deferred): stop waits for the sweep in stopping', from: S.startingDeferred, event: event('stop', 2), to: 'stopping', effects: [], state: { stopIntent: 'stop', isCleanupPending: true } },
  { label: 'starting (deferred, nothing to sweep): stop → stopped', from: S.startingDeferredClean, event: event('stop', 2), to: 'stopped', effects: [] },
  ...ignoredRows('startingDeferred', ['start', 'restart', 'reset', 'spawned', 'spawn-failed', 'health-ok', 'health-failed', 'exited', 'start-timeout', 'backoff-elapsed', 'stop-timeout', 'kill-timeout']),

  // --- running ---------------------------------------------------------------------------------
  { label: 'running: health-ok keeps running', from: S.running, event: event('health-ok', 3), to: 'running', effects: [] },
  { label: 'running: health-ok clears failed checks', from: S.runningUnwell, event: event('health-ok', 3), to: 'running', effects: [], state: { consecutiveHealthFailures: 0 } },
  { label: 'running: 1 failed check is tolerated', from: S.running, event: event('health-failed', 3), to: 'running', effects: [], state: { consecutiveHealthFailures: 1 } },
  {
    label: 'running: the 3rd failed check in a row → stop and recover',
    from: S.runningUnwell,
    event: event('health-failed', 3),
    to: 'stopping',
    effects: beginStop(),
    state: { stopIntent: 'recover', pendingFailure: { kind: 'unhealthy', consecutiveFailures: 3 } },
  },
  {
    label: 'running: exit 1 after a short run → backoff 2 s (streak 2)',
    from: S.running,
    event: event('exited', 3),
    to: 'backoff',
    effects: [...crashEffects(exitOf({ uptimeMs: 20_000, wasReady: true })), { type: 'schedule-timer', timer: 'backoff-elapsed', delayMs: 2_000 }],
    state: { readyAt: null, history: { failureTimes: [T0 - 20_000, T0], streak: 2 } },
  },
  {
    label: 'running: SIGKILLed after a stable run → the delay is back to 1 s',
    from: S.runningStable,
    event: event('exited', 3, { code: null, signal: 'SIGKILL' }),
    to: 'backoff',
    effects: [...crashEffects(exitOf({ code: null, signal: 'SIGKILL', uptimeMs: 70_000, wasReady: true })), { type: 'schedule-timer', timer: 'backoff-elapsed', delayMs: 1_000 }],
    state: { history: { failureTimes: [T0], streak: 1 } },
  },
  { label: 'running: the 5th failure in the window → fatal', from: S.runningFragile, event: event('exited', 3), to: 'fatal', state: { fatal: { reason: 'too-many-failures', failure: { kind: 'exit', exit: exitOf({ uptimeMs: 20_000, wasReady: true }) }, failuresInWindow: 5, at: T0 } } },
  { label: 'running: exit 2 after readiness is not a config error', from: S.running, event: event('exited', 3, { code: 2 }), to: 'backoff' },
  { label: 'running: stop', from: S.running, event: event('stop', 3), to: 'stopping', effects: beginStop(), state: { stopIntent: 'stop' } },
  { label: 'running: restart', from: S.running, event: event('restart', 3), to: 'stopping', effects: beginStop(), state: { stopIntent: 'restart' } },
  ...ignoredRows('running', ['start', 'reset', 'spawned', 'spawn-failed', 'cleanup-done', 'backoff-elapsed', 'stop-timeout', 'kill-timeout', 'start-timeout']),

  // --- backoff ---------------------------------------------------------------------------------
  { label: 'backoff: the delay elapsed → spawn generation 4, history kept', from: S.backoff, event: event('backoff-elapsed', 3), to: 'starting', effects: [{ type: 'spawn', generation: 4 }], state: { generation: 4, history: oneFailure, restarts: 1, nextStartAt: null } },
  { label: 'backoff: start = retry now (timer cancelled, history kept)', from: S.backoff, event: event('start', 3), to: 'starting', effects: [{ type: 'cancel-timer', timer: 'backoff-elapsed' }, { type: 'spawn', generation: 4 }], state: { history: oneFailure } },
  { label: 'backoff: restart = retry now', from: S.backoff, event: event('restart', 3), to: 'starting', effects: [{ type: 'cancel-timer', timer: 'backoff-elapsed' }, { type: 'spawn', generation: 4 }] },
  { label: 'backoff: stop → stopped, timer cancelled', from: S.backoff, event: event('stop', 3), to: 'stopped', effects: [{ type: 'cancel-timer', timer: 'backoff-elapsed' }], state: { nextStartAt: null } },
  { label: 'backoff (sweeping): the delay elapsed → wait for the sweep before spawning', from: S.backoffSweeping, event: event('backoff-elapsed', 3), to: 'starting', effects: [], state: { isSpawnDeferred: true, generation: 3 } },
  { label: 'backoff (sweeping): start waits for the sweep too', from: S.backoffSweeping, event: event('start', 3), to: 'starting', effects: [{ type: 'cancel-timer', timer: 'backoff-elapsed' }], state: { isSpawnDeferred: true } },
  { label: 'backoff (sweeping): stop waits for the sweep in stopping', from: S.backoffSweeping, event: event('stop', 3), to: 'stopping', effects: [{ type: 'cancel-timer', timer: 'backoff-elapsed' }], state: { stopIntent: 'stop' } },
  { label: 'backoff (sweeping): cleanup-done, clean', from: S.backoffSweeping, event: event('cleanup-done', 3), to: 'backoff', effects: [], state: { isCleanupPending: false, nextStartAt: T0 + 1_000 } },
  {
    label: 'backoff (sweeping): survivors → fatal, timer cancelled',
    from: S.backoffSweeping,
    event: event('cleanup-done', 3, { survivors: [5150] }),
    to: 'fatal',
    effects: [{ type: 'cancel-timer', timer: 'backoff-elapsed' }, { type: 'mark-fatal', cause: { reason: 'cleanup-failed', failure: { kind: 'cleanup-failed', survivors: [5150] }, failuresInWindow: 1, at: T0 } }],
  },
  ...ignoredRows('backoff', ['reset', 'spawned', 'spawn-failed', 'health-ok', 'health-failed', 'exited', 'cleanup-done', 'stop-timeout', 'kill-timeout', 'start-timeout']),

  // --- stopping, child still up ----------------------------------------------------------------
  {
    label: 'stopping: stop timeout → SIGKILL to the group',
    from: S.stoppingUp,
    event: event('stop-timeout', 3),
    to: 'stopping',
    effects: [
      { type: 'kill-group', generation: 3, signal: 'SIGKILL' },
      { type: 'schedule-timer', timer: 'kill-timeout', delayMs: 30_000 },
    ],
    state: { stopDeadline: T0 },
  },
  {
    label: 'stopping: still there 30 s after SIGKILL (uninterruptible sleep) → fatal, the child let go, never stopping forever',
    from: S.stoppingUp,
    event: event('kill-timeout', 3),
    to: 'fatal',
    effects: [
      { type: 'abandon-child', generation: 3 },
      { type: 'mark-fatal', cause: { reason: 'cleanup-failed', failure: { kind: 'cleanup-failed', survivors: [S.stoppingUp.pid!] }, failuresInWindow: 0, at: T0 } },
    ],
    state: { pid: null, isCleanupPending: false, stopIntent: null },
  },
  {
    label: 'stopping: exit → expected, sweep with what is left of the stop timeout',
    from: S.stoppingUp,
    event: event('exited', 3, { code: 0 }),
    to: 'stopping',
    effects: [
      { type: 'cancel-timer', timer: 'stop-timeout' },
      { type: 'cancel-timer', timer: 'kill-timeout' },
      { type: 'record-exit', exit: exitOf({ code: 0, isExpected: true, wasReady: true }) },
      { type: 'sweep-run-tag', generation: 3, graceMs: 4_000 },
    ],
    state: { pid: null, isCleanupPending: true },
  },
  { label: 'stopping: spawn-failed (stopped before the spawn finished) → stopped', from: S.stoppingUp, event: event('spawn-failed', 3), to: 'stopped', effects: [{ type: 'cancel-timer', timer: 'stop-timeout' }] },
  { label: 'stopping: start → restart once gone', from: S.stoppingUp, event: event('start', 3), to: 'stopping', effects: [], state: { stopIntent: 'restart' } },
  { label: 'stopping: restart → restart once gone', from: S.stoppingUp, event: event('restart', 3), to: 'stopping', effects: [], state: { stopIntent: 'restart' } },
  { label: 'stopping (restart): stop → just stop', from: S.stoppingUpRestart, event: event('stop', 3), to: 'stopping', effects: [], state: { stopIntent: 'stop' } },
  { label: 'stopping (recover): stop → just stop, the failure forgotten', from: S.stoppingUpRecover, event: event('stop', 3), to: 'stopping', effects: [], state: { stopIntent: 'stop', pendingFailure: null } },
  { label: 'stopping (recover): restart → an operator restart', from: S.stoppingUpRecover, event: event('restart', 3), to: 'stopping', effects: [], state: { stopIntent: 'restart', pendingFailure: null } },
  ...ignoredRows('stoppingUp', ['stop', 'reset', 'spawned', 'health-ok', 'health-failed', 'cleanup-done', 'backoff-elapsed', 'start-timeout']),
  ...ignoredRows('stoppingUpRestart', ['start', 'restart']),

  // --- stopping, child gone, sweep under way ---------------------------------------------------
  { label: 'stopping (swept, stop): cleanup-done → stopped', from: S.stoppingSwept, event: event('cleanup-done', 3), to: 'stopped', effects: [], state: { isCleanupPending: false, stopIntent: null } },
  {
    label: 'stopping (swept, restart): cleanup-done → spawn generation 4 with a fresh history',
    from: S.stoppingSweptRestart,
    event: event('cleanup-done', 3),
    to: 'starting',
    effects: [{ type: 'spawn', generation: 4 }],
    state: { history: EMPTY_RESTART_HISTORY, restarts: 0 },
  },
  {
    label: 'stopping (swept, recover): cleanup-done → the policy: backoff 2 s',
    from: S.stoppingSweptRecover,
    event: event('cleanup-done', 3),
    to: 'backoff',
    effects: [{ type: 'schedule-timer', timer: 'backoff-elapsed', delayMs: 2_000 }],
    state: { restarts: 2, pendingFailure: null, stopIntent: null, readyAt: null },
  },
  {
    label: 'stopping (swept, recover) after an hour of health: the streak starts over',
    from: S.stoppingSweptRecoverStable,
    event: event('cleanup-done', 3),
    to: 'backoff',
    effects: [{ type: 'schedule-timer', timer: 'backoff-elapsed', delayMs: 1_000 }],
  },
  {
    label: 'stopping (swept): survivors → fatal',
    from: S.stoppingSwept,
    event: event('cleanup-done', 3, { survivors: [7] }),
    to: 'fatal',
    effects: [{ type: 'mark-fatal', cause: { reason: 'cleanup-failed', failure: { kind: 'cleanup-failed', survivors: [7] }, failuresInWindow: 0, at: T0 } }],
  },
  { label: 'stopping (swept): start → restart once swept', from: S.stoppingSwept, event: event('start', 3), to: 'stopping', effects: [], state: { stopIntent: 'restart' } },
  ...ignoredRows('stoppingSwept', ['stop', 'reset', 'spawned', 'spawn-failed', 'health-ok', 'health-failed', 'exited', 'backoff-elapsed', 'stop-timeout', 'kill-timeout', 'start-timeout']),

  // --- exited ----------------------------------------------------------------------------------
  { label: 'exited: start spawns generation 4', from: S.exited, event: event('start', 3), to: 'starting', effects: [{ type: 'spawn', generation: 4 }] },
  { label: 'exited: restart spawns generation 4', from: S.exited, event: event('restart', 3), to: 'starting', effects: [{ type: 'spawn', generation: 4 }] },
  { label: 'exited (sweeping): start waits for the sweep', from: S.exitedSweeping, event: event('start', 3), to: 'starting', effects: [], state: { isSpawnDeferred: true } },
  { label: 'exited (sweeping): cleanup-done', from: S.exitedSweeping, event: event('cleanup-done', 3), to: 'exited', effects: [], state: { isCleanupPending: false } },
  { label: 'exited (sweeping): survivors → fatal', from: S.exitedSweeping, event: event('cleanup-done', 3, { survivors: [8] }), to: 'fatal' },
  ...ignoredRows('exited', ['stop', 'reset', 'spawned', 'spawn-failed', 'health-ok', 'health-failed', 'exited', 'cleanup-done', 'backoff-elapsed', 'stop-timeout', 'kill-timeout', 'start-timeout']),

  // --- fatal -----------------------------------------------------------------------------------
  { label: 'fatal: start after a change → spawn with a fresh history', from: S.fatal, event: event('start', 3), to: 'starting', effects: [{ type: 'spawn', generation: 4 }], state: { fatal: null, history: EMPTY_RESTART_HISTORY } },
  { label: 'fatal: restart likewise', from: S.fatal, event: event('restart', 3), to: 'starting', effects: [{ type: 'spawn', generation: 4 }] },
  { label: 'fatal: reset → stopped', from: S.fatal, event: event('reset', 3), to: 'stopped', effects: [], state: { fatal: null } },
  { label: 'fatal (sweeping): reset waits for the sweep', from: S.fatalSweeping, event: event('reset', 3), to: 'fatal', ignored: true },
  { label: 'fatal (sweeping): start waits for the sweep', from: S.fatalSweeping, event: event('start', 3), to: 'starting', effects: [], state: { isSpawnDeferred: true, fatal: null } },
  { label: 'fatal (sweeping): cleanup-done keeps the cause', from: S.fatalSweeping, event: event('cleanup-done', 3), to: 'fatal', effects: [], state: { isCleanupPending: false, fatal: S.fatalSweeping.fatal } },
  {
    label: 'fatal (sweeping): survivors replace the cause (they may hold the GPU)',
    from: S.fatalSweeping,
    event: event('cleanup-done', 3, { survivors: [9] }),
    to: 'fatal',
    effects: [{ type: 'mark-fatal', cause: { reason: 'cleanup-failed', failure: { kind: 'cleanup-failed', survivors: [9] }, failuresInWindow: 0, at: T0 } }],
  },
  ...ignoredRows('fatal', ['stop', 'spawned', 'spawn-failed', 'health-ok', 'health-failed', 'exited', 'cleanup-done', 'backoff-elapsed', 'stop-timeout', 'kill-timeout', 'start-timeout']),
];

describe('transition: every (state, event) row', () => {
  it.each(rows.map((row) => [row.label, row] as const))('%s', (_label, row) => {
    const result = transition(row.from, row.event, context);
    expect(result.state.name).toBe(row.to);
    if (row.ignored === true) {
      expect(result.ignored).toEqual(expect.any(String));
      expect(result.state).toBe(row.from);
      expect(result.effects).toEqual([]);
      return;
    }
    expect(result.ignored).toBeNull();
    if (row.effects !== undefined) expect(result.effects).toEqual(row.effects);
    if (row.state !== undefined) expect(result.state).toMatchObject(row.state);
  });

  it('has at least one row for every event in every state', () => {
    const covered = new Set(rows.map((row) => `${row.from.name}/${row.event.type}`));
    const missing = UNIT_STATE_NAMES.flatMap((state) => UNIT_EVENT_TYPES.filter((type) => !covered.has(`${state}/${type}`)).map((type) => `${state}/${type}`));
    expect(missing).toEqual([]);
  });

  it('never mutates the state it is given', () => {
    for (const row of rows) {
      const before = JSON.stringify(row.from);
      transition(row.from, row.event, context);
      expect(JSON.stringify(row.from)).toBe(before);
    }
  });

  it('skips the start timer when the unit has none', () => {
    const result = transition(S.startingSpawning, event('spawned', 3), { ...context, startTimeoutMs: null });
    expect(result.effects).toEqual([{ type: 'start-health-polling', generation: 3 }]);
  });
});

// ---------------------------------------------------------------------------------------------
// Scenarios: the machine driven by a fake runner and a clock the test moves.
// ---------------------------------------------------------------------------------------------

interface Child {
  /** ms after spawn at which the child exits (null = never on its own). */
  exitAfterMs: number | null;
  exitCode?: number | null;
  /** ms after spawn at which /health first answers 200 (null = never). */
  readyAfterMs?: number | null;
  ignoresSigterm?: boolean;
}

/**
 * A deterministic runner: runs effects like unit.ts will, with a timeline instead of real time.
 * `child(generation)` describes each spawned child.
 */
function simulate(child: (generation: number) => Child, commands: Array<{ at: number; event: UnitEvent }>, untilMs: number) {
  let state = INITIAL_UNIT_STATE;
  let now = T0;
  const queue: Array<{ at: number; seq: number; event: UnitEvent; timer?: string }> = [];
  let seq = 0;
  const timers = new Map<string, number>(); // name → seq of the pending firing
  const spawns: number[] = [];
  const kills: Array<{ at: number; signal: string }> = [];
  const trace: string[] = [];
  const push = (at: number, event: UnitEvent, timer?: string) => {
    seq += 1;
    queue.push({ at, seq, event, ...(timer === undefined ? {} : { timer }) });
    return seq;
  };
  for (const command of commands) push(T0 + command.at, command.event);
  const exitsPending = new Map<number, number>(); // generation → seq of its exit

  const run = (effect: UnitEffect) => {
    switch (effect.type) {
      case 'spawn': {
        spawns.push(now - T0);
        const spec = child(effect.generation);
        state = transition(state, { type: 'spawned', generation: effect.generation, pid: 1000 + effect.generation }, { ...context, now }).state;
        if (spec.readyAfterMs !== undefined && spec.readyAfterMs !== null) push(now + spec.readyAfterMs, { type: 'health-ok', generation: effect.generation });
        if (spec.exitAfterMs !== null) exitsPending.set(effect.generation, push(now + spec.exitAfterMs, { type: 'exited', generation: effect.generation, code: spec.exitCode ?? 1, signal: null }));
        break;
      }
      case 'kill-group': {
        kills.push({ at: now - T0, signal: effect.signal });
        const spec = child(effect.generation);
        if (effect.signal === 'SIGKILL' || !spec.ignoresSigterm) {
          const pending = exitsPending.get(effect.generation);
          if (pending !== undefined) queue.splice(queue.findIndex((item) => item.seq === pending), 1);
          exitsPending.set(effect.generation, push(now + 5, { type: 'exited', generation: effect.generation, code: null, signal: effect.signal }));
        }
        break;
      }
      case 'sweep-run-tag':
        push(now + 50, { type: 'cleanup-done', generation: effect.generation, survivors: [] });
        break;
      case 'schedule-timer':
        timers.set(effect.timer, push(now + effect.delayMs, { type: effect.timer } as UnitEvent, effect.timer));
        break;
      case 'cancel-timer':
        timers.delete(effect.timer);
        break;
      default:
        break;
    }
  };

  while (queue.length > 0) {
    queue.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const next = queue.shift();
    if (next === undefined || next.at > T0 + untilMs) break;
    // A cancelled or replaced timer does not fire (clearTimeout in the real runner).
    if (next.timer !== undefined && timers.get(next.timer) !== next.seq) continue;
    if (next.timer !== undefined) timers.delete(next.timer);
    now = next.at;
    const before = state.name;
    const result = transition(state, next.event, { ...context, now });
    state = result.state;
    trace.push(`${now - T0} ${next.event.type} ${before}→${state.name}${result.ignored ? ' (ignored)' : ''}`);
    for (const effect of result.effects) run(effect);
  }
  return { state, spawns, kills, trace, pendingTimers: [...timers.keys()], now: now - T0 };
}

describe('scenarios through the state machine', () => {
  it('crash loop: a child that exits 1 after 200 ms is spawned exactly 5 times, then fatal, then nothing for 60 s (reliability.md S2)', () => {
    const result = simulate(() => ({ exitAfterMs: 200 }), [{ at: 0, event: { type: 'start' } }], 10 * 60_000);
    expect(result.spawns).toEqual([0, 1_200, 3_400, 7_600, 15_800]);
    expect(result.state.name).toBe('fatal');
    expect(result.state.fatal).toMatchObject({ reason: 'too-many-failures', failuresInWindow: 5, at: T0 + 16_000 });
    // The last event was the final sweep at 16.05 s; the clock ran to 10 min and nothing was pending or spawned.
    expect(result.pendingTimers).toEqual([]);
    expect(result.spawns.filter((at) => at > 16_000)).toEqual([]);
    expect(result.state.isCleanupPending).toBe(false);
  });

  it('config error: exit 2 is spawned once and fatal within 1 s (reliability.md S3)', () => {
    const result = simulate(() => ({ exitAfterMs: 300, exitCode: 2 }), [{ at: 0, event: { type: 'start' } }], 60_000);
    expect(result.spawns).toEqual([0]);
    expect(result.state).toMatchObject({ name: 'fatal', fatal: { reason: 'permanent-exit-code', at: T0 + 300 } });
  });

  it('stop escalation: a child ignoring SIGTERM gets SIGKILL at the stop timeout, then the sweep, then stopped', () => {
    const result = simulate(
      () => ({ exitAfterMs: null, readyAfterMs: 1_000, ignoresSigterm: true }),
      [
        { at: 0, event: { type: 'start' } },
        { at: 5_000, event: { type: 'stop' } },
      ],
      60_000,
    );
    expect(result.kills).toEqual([
      { at: 5_000, signal: 'SIGTERM' },
      { at: 15_000, signal: 'SIGKILL' },
    ]);
    expect(result.state).toMatchObject({ name: 'stopped', pid: null, isCleanupPending: false, lastExit: { signal: 'SIGKILL', isExpected: true } });
    expect(result.spawns).toEqual([0]);
  });

  it('kill storm step: a child SIGKILLed while healthy is swept before the next spawn and healthy again', () => {
    let generation = 0;
    const result = simulate(
      (g) => {
        generation = g;
        return g === 1 ? { exitAfterMs: 40_000, exitCode: null, readyAfterMs: 2_000 } : { exitAfterMs: null, readyAfterMs: 2_000 };
      },
      [{ at: 0, event: { type: 'start' } }],
      120_000,
    );
    expect(generation).toBe(2);
    // Exit at 40 s, sweep done at 40.05 s, 1 s delay (ran 38 s healthy: stable) → spawn at 41 s.
    expect(result.spawns).toEqual([0, 41_000]);
    expect(result.state).toMatchObject({ name: 'running', restarts: 1, history: { streak: 1 } });
    const sweepDone = result.trace.findIndex((line) => line.includes('cleanup-done'));
    const secondSpawn = result.trace.findIndex((line) => line.startsWith('41000 backoff-elapsed'));
    expect(sweepDone).toBeGreaterThan(-1);
    expect(sweepDone).toBeLessThan(secondSpawn);
  });

  it('a restart click while running stops, sweeps, and starts again without a backoff', () => {
    const result = simulate(
      () => ({ exitAfterMs: null, readyAfterMs: 500 }),
      [
        { at: 0, event: { type: 'start' } },
        { at: 10_000, event: { type: 'restart' } },
      ],
      60_000,
    );
    // SIGTERM at 10 s, exit 5 ms later, sweep 50 ms → spawn at 10.055 s.
    expect(result.spawns).toEqual([0, 10_055]);
    expect(result.state).toMatchObject({ name: 'running', generation: 2, restarts: 0 });
  });

  it('late events from the previous generation change nothing', () => {
    const running = transition(S.backoff, event('backoff-elapsed', 3), context).state;
    expect(running.generation).toBe(4);
    for (const late of [event('exited', 3), event('health-ok', 3), event('cleanup-done', 3), event('spawned', 3)]) {
      const result = transition(running, late, context);
      expect(result.state).toBe(running);
      expect(result.ignored).toMatch(/stale/);
    }
  });
});

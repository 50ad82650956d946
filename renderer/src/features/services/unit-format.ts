import type { UnitView } from '../../../../electron/shared/services';
import { formatDuration } from '../../lib/format';

export type UnitState = UnitView['state'];

/** How a state reads on the card, and the colour it gets (a `pill-*` tone). */
export const stateLabels: Record<UnitState, { label: string; tone: 'ok' | 'warn' | 'bad' | 'muted' | 'busy' }> = {
  stopped: { label: 'Stopped', tone: 'muted' },
  starting: { label: 'Starting', tone: 'busy' },
  running: { label: 'Running', tone: 'ok' },
  backoff: { label: 'Waiting to retry', tone: 'warn' },
  stopping: { label: 'Stopping', tone: 'busy' },
  exited: { label: 'Exited', tone: 'warn' },
  fatal: { label: 'Fatal', tone: 'bad' },
};

/** The operator actions a card offers. */
export type UnitAction = 'start' | 'stop' | 'restart' | 'reset';

/**
 * Which actions make sense in a state. The core decides in the end (and may refuse, e.g. for the
 * license); this only keeps buttons that would do nothing from looking clickable.
 */
export function availableActions(state: UnitState): Record<UnitAction, boolean> {
  const isIdle = state === 'stopped' || state === 'exited' || state === 'fatal';
  return {
    // In backoff, start means "retry now" (services.start's summary).
    start: isIdle || state === 'backoff',
    stop: state === 'starting' || state === 'running' || state === 'backoff',
    restart: state !== 'stopping',
    reset: state === 'fatal',
  };
}

/** The label of the start button: in backoff it retries now instead of waiting. */
export function startLabel(state: UnitState): string {
  return state === 'backoff' ? 'Retry now' : state === 'fatal' ? 'Start again' : 'Start';
}

/** "exit code 2", "signal SIGKILL", "exit code 1 (SIGTERM)". */
export function describeExit(exit: NonNullable<UnitView['lastExit']>): string {
  if (exit.signal && exit.code !== null && exit.code !== 0) return `exit code ${exit.code} (${exit.signal})`;
  if (exit.signal) return `signal ${exit.signal}`;
  if (exit.code !== null) return `exit code ${exit.code}`;
  return 'ended (no exit status)';
}

/** Seconds until `nextStartAt`, never negative; null when no retry is planned. */
export function secondsUntil(iso: string | null, now: number): number | null {
  if (!iso) return null;
  return Math.max(0, Math.ceil((Date.parse(iso) - now) / 1000));
}

/** "in 4 s", "now". */
export function describeCountdown(seconds: number): string {
  return seconds <= 0 ? 'now' : `in ${formatDuration(seconds)}`;
}

/**
 * How long the current process has run, for states where one runs. `now` ticks once a second, so it
 * can lag the core's own readiness stamp; the uptime is never shown below the time it took to be ready.
 */
export function uptimeSeconds(unit: Pick<UnitView, 'state' | 'startedAt' | 'readyAt'>, now: number): number | null {
  if (!unit.startedAt || !(unit.state === 'running' || unit.state === 'starting' || unit.state === 'stopping')) return null;
  const startedAt = Date.parse(unit.startedAt);
  const atLeast = unit.readyAt ? Date.parse(unit.readyAt) : startedAt;
  return Math.max(0, (Math.max(now, atLeast) - startedAt) / 1000);
}

/** The phases of a vLLM start, in order, as the classifier names them, with the words shown. */
export const vllmPhases = [
  { id: 'launching', label: 'Launching' },
  { id: 'loading-weights', label: 'Loading weights' },
  { id: 'profiling', label: 'Profiling memory' },
  { id: 'capturing-graphs', label: 'Capturing CUDA graphs' },
  { id: 'starting-server', label: 'Starting server' },
  { id: 'ready', label: 'Ready' },
] as const;

export type StepStatus = 'done' | 'current' | 'todo' | 'failed';

/**
 * The progress steps for a phase: those before it done, it current (or done when it is "ready"),
 * the rest to do. A failed start marks the step after the last one reached as failed; the phase
 * alone does not say which, so it is the first step not known to be done.
 */
export function progressSteps(phase: string, lastReached?: string): { id: string; label: string; status: StepStatus }[] {
  if (phase === 'failed') {
    const reached = vllmPhases.findIndex((p) => p.id === lastReached);
    return vllmPhases.map((p, i) => ({ ...p, status: i < reached ? 'done' : i === Math.max(reached, 0) ? 'failed' : 'todo' }));
  }
  const index = vllmPhases.findIndex((p) => p.id === phase);
  return vllmPhases.map((p, i) => ({
    ...p,
    status: i < index || (phase === 'ready' && i === index) ? 'done' : i === index ? 'current' : 'todo',
  }));
}

/** The label of a phase the classifier reported, or the phase itself for one this build does not know. */
export function phaseLabel(phase: string): string {
  if (phase === 'failed') return 'Failed';
  return vllmPhases.find((p) => p.id === phase)?.label ?? phase;
}

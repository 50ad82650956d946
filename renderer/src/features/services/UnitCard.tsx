import { Suspense, lazy, useState } from 'react';
import type { UnitView } from '../../../../electron/shared/services';
import { useApi, useConnectionState } from '../../api/api-context';
import { formatDuration } from '../../lib/format';
import {
  type UnitAction,
  availableActions,
  describeCountdown,
  describeExit,
  phaseLabel,
  progressSteps,
  secondsUntil,
  startLabel,
  stateLabels,
  uptimeSeconds,
} from './unit-format';

/** The terminal (xterm.js, most of this page's code) loads with the first card that shows output. */
const UnitOutput = lazy(() => import('./UnitOutput').then((module) => ({ default: module.UnitOutput })));

const presetLabels: Record<UnitView['preset'], string> = { vllm: 'vLLM', 'airlock-gateway': 'Airlock AI gateway', 'gitlab-gateway': 'GitLab AI gateway', custom: 'Custom' };

const actionCalls = { start: 'services.start', stop: 'services.stop', restart: 'services.restart', reset: 'services.reset' } as const;

type Refusal = { message: string; code?: string };

/** One supervised unit: state, last exit, vLLM progress, actions, and its live output. */
export function UnitCard({ unit, now, onChange, onRemoved }: { unit: UnitView; now: number; onChange: (view: UnitView) => void; onRemoved: (name: string) => void }) {
  const api = useApi();
  const connection = useConnectionState();
  const [busy, setBusy] = useState<UnitAction | 'remove' | null>(null);
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const [isConfirmingRemove, setIsConfirmingRemove] = useState(false);
  const [isOutputOpen, setIsOutputOpen] = useState(true);
  const state = stateLabels[unit.state];
  const actions = availableActions(unit.state);
  const isConnected = connection.status === 'connected';
  const uptime = uptimeSeconds(unit, now);
  const retryIn = unit.state === 'backoff' ? secondsUntil(unit.nextStartAt, now) : null;

  const run = async (action: UnitAction) => {
    setBusy(action);
    setRefusal(null);
    try {
      onChange(await api.call(actionCalls[action], { name: unit.name }));
    } catch (error) {
      setRefusal({ message: (error as Error).message, code: (error as { code?: string }).code });
    } finally {
      setBusy(null);
    }
  };

  const remove = async () => {
    setBusy('remove');
    setRefusal(null);
    try {
      await api.call('services.remove', { name: unit.name });
      onRemoved(unit.name);
    } catch (error) {
      setRefusal({ message: (error as Error).message, code: (error as { code?: string }).code });
      setBusy(null);
      setIsConfirmingRemove(false);
    }
  };

  const titleId = `unit-${unit.name}-title`;
  return (
    <article className={`card unit-card unit-card-${state.tone}`} aria-labelledby={titleId} data-testid="unit-card" data-unit={unit.name} data-state={unit.state}>
      <header className="unit-card-header">
        <div className="unit-card-title">
          <h3 id={titleId}>{unit.name}</h3>
          <span className="chip">{presetLabels[unit.preset]}</span>
          {!unit.autoStart && <span className="chip">no auto-start</span>}
        </div>
        <p className={`pill pill-small pill-state pill-state-${state.tone}`} data-testid="unit-state" data-state={unit.state}>
          {state.label}
          {unit.pid !== null ? ` · pid ${unit.pid}` : ''}
        </p>
      </header>

      <dl className="unit-facts">
        <dt>Uptime</dt>
        <dd data-testid="unit-uptime">
          {uptime !== null ? formatDuration(uptime) : '—'}
          {unit.state === 'running' && unit.readyAt && unit.startedAt ? <span className="muted"> · ready after {formatDuration((Date.parse(unit.readyAt) - Date.parse(unit.startedAt)) / 1000)}</span> : null}
        </dd>
        <dt>Restarts</dt>
        <dd data-testid="unit-restarts">{unit.restarts}</dd>
        {retryIn !== null && (
          <>
            <dt>Next retry</dt>
            <dd className="warn-text" data-testid="unit-next-retry">
              {describeCountdown(retryIn)}
            </dd>
          </>
        )}
        <dt>Last exit</dt>
        <dd data-testid="unit-last-exit">
          {unit.lastExit ? (
            <>
              {describeExit(unit.lastExit)} at {new Date(unit.lastExit.at).toLocaleTimeString()}
              {unit.lastExit.isExpected ? <span className="muted"> (asked for)</span> : null}
              {unit.lastExit.reason && <span className="unit-reason">{unit.lastExit.reason}</span>}
              {unit.lastExit.action && <span className="unit-action-hint">→ {unit.lastExit.action}</span>}
            </>
          ) : (
            '—'
          )}
        </dd>
        <dt>Command</dt>
        <dd>
          <code className="unit-command" data-testid="unit-command">
            {unit.commandLine || '—'}
          </code>
        </dd>
      </dl>

      {unit.progress && <VllmProgressView progress={unit.progress} />}

      {unit.cannotStart && (
        <div className="unit-problem" role="alert" data-testid="unit-cannot-start">
          <strong>Cannot start as defined</strong> (checked at {new Date(unit.cannotStart.at).toLocaleTimeString()}): {unit.cannotStart.reason}
        </div>
      )}
      {unit.fatal && (
        <div className="unit-problem unit-problem-fatal" role="alert" data-testid="unit-fatal">
          <strong>Stopped for good at {new Date(unit.fatal.at).toLocaleTimeString()}.</strong> {unit.fatal.summary}
        </div>
      )}
      {unit.lastProblem && !unit.fatal && (
        <div className="unit-problem" data-testid="unit-problem">
          <strong>{new Date(unit.lastProblem.at).toLocaleTimeString()}:</strong> {unit.lastProblem.summary}
          {unit.lastProblem.action && <span className="unit-action-hint">→ {unit.lastProblem.action}</span>}
        </div>
      )}

      <div className="unit-buttons">
        <button type="button" onClick={() => void run('start')} disabled={!isConnected || busy !== null || !actions.start}>
          {busy === 'start' ? 'Starting…' : startLabel(unit.state)}
        </button>
        <button type="button" onClick={() => void run('stop')} disabled={!isConnected || busy !== null || !actions.stop}>
          {busy === 'stop' ? 'Stopping…' : 'Stop'}
        </button>
        <button type="button" onClick={() => void run('restart')} disabled={!isConnected || busy !== null || !actions.restart}>
          {busy === 'restart' ? 'Restarting…' : 'Restart'}
        </button>
        {actions.reset && (
          <button type="button" onClick={() => void run('reset')} disabled={!isConnected || busy !== null} title="Acknowledge the failure: the unit becomes stopped">
            {busy === 'reset' ? 'Resetting…' : 'Reset'}
          </button>
        )}
        <span className="unit-buttons-spacer" />
        <button type="button" className="link" onClick={() => setIsOutputOpen((open) => !open)} aria-expanded={isOutputOpen}>
          {isOutputOpen ? 'Hide output' : 'Show output'}
        </button>
        {isConfirmingRemove ? (
          <span className="unit-confirm" role="group" aria-label={`Confirm removing ${unit.name}`}>
            Remove {unit.name}? It is stopped first.
            <button type="button" className="danger" onClick={() => void remove()} disabled={!isConnected || busy !== null}>
              {busy === 'remove' ? 'Removing…' : 'Remove'}
            </button>
            <button type="button" onClick={() => setIsConfirmingRemove(false)} disabled={busy === 'remove'}>
              Cancel
            </button>
          </span>
        ) : (
          <button type="button" onClick={() => setIsConfirmingRemove(true)} disabled={!isConnected || busy !== null}>
            Remove…
          </button>
        )}
      </div>
      {refusal && (
        <p className="error unit-refusal" role="alert" data-testid="unit-refusal" data-code={refusal.code}>
          {refusal.message}
        </p>
      )}

      {isOutputOpen && (
        <Suspense fallback={<p className="muted small">Loading the terminal…</p>}>
          <UnitOutput unit={unit} />
        </Suspense>
      )}
    </article>
  );
}

/** vLLM's start as steps (weights, memory profiling, graphs, server), with the classifier's detail. */
function VllmProgressView({ progress }: { progress: NonNullable<UnitView['progress']> }) {
  // The phase becomes "failed" without saying where; remember the last phase reached to mark that step.
  const [lastReached, setLastReached] = useState(progress.phase);
  if (progress.phase !== 'failed' && progress.phase !== lastReached) setLastReached(progress.phase);
  const steps = progressSteps(progress.phase, lastReached);
  return (
    <div className="vllm-progress" data-testid="unit-progress" data-phase={progress.phase}>
      <ol className="vllm-steps" aria-label="vLLM start-up">
        {steps.map((step) => (
          <li key={step.id} className={`vllm-step vllm-step-${step.status}`} aria-current={step.status === 'current' ? 'step' : undefined}>
            {step.label}
          </li>
        ))}
      </ol>
      <p className="small">
        <strong data-testid="unit-progress-phase">{phaseLabel(progress.phase)}</strong>
        {progress.detail && <span className="muted"> · {progress.detail}</span>}
      </p>
    </div>
  );
}

import { useState } from 'react';
import type { GatewayView } from '../../../../electron/shared/gateway/channel';
import { unitStateNames } from '../../../../electron/shared/services';
import { type CallState, useApi, useConnectionState } from '../../api/api-context';
import { formatBytes } from '../../lib/format';
import { type CallRefusal, describeCallError } from '../models/call-error';
import { type UnitState, availableActions, startLabel } from '../services/unit-format';
import { countKeys, describeChannel, describeRequestCounters, describeRequestLog, describeUnitState, formatAge, reportAgeSeconds, summarizeGitlabKeys } from './gateway-format';
import { useNow } from '../../lib/use-now';

/** The unit `Set up the gateway` adds: one gateway per host, started with the core. */
const GATEWAY_UNIT = { preset: 'airlock-gateway', name: 'gateway', autoStart: true } as const;

const actionCalls = { start: 'services.start', stop: 'services.stop', restart: 'services.restart' } as const;
type Action = keyof typeof actionCalls | 'setup';

/** `gateway.status` types the unit's state as a string: the buttons follow it only when it is one the supervisor has. */
const isUnitState = (state: string): state is UnitState => (unitStateNames as readonly string[]).includes(state);

/** The gateway's unit and what the gateway last reported, or the one action that sets it up. */
export function GatewayStateCard({ view, onChanged }: { view: CallState<GatewayView>; onChanged: () => void }) {
  const api = useApi();
  const connection = useConnectionState();
  const [busy, setBusy] = useState<Action | null>(null);
  const [refusal, setRefusal] = useState<CallRefusal | null>(null);
  const isConnected = connection.status === 'connected';

  const run = async (action: Action, name: string) => {
    setBusy(action);
    setRefusal(null);
    try {
      if (action === 'setup') {
        await api.call('services.add', { definition: GATEWAY_UNIT });
        await api.call('services.start', { name: GATEWAY_UNIT.name });
      } else {
        await api.call(actionCalls[action], { name });
      }
    } catch (error) {
      setRefusal(describeCallError(error));
    } finally {
      setBusy(null);
      onChanged();
    }
  };

  const refusalNote = refusal && (
    <p className="error unit-refusal" role="alert" data-testid="gateway-refusal" data-code={refusal.code ?? undefined}>
      {refusal.message}
    </p>
  );

  if (view.status !== 'ok')
    return (
      <article className="card card-wide" aria-labelledby="gateway-state-title">
        <h2 id="gateway-state-title">Gateway</h2>
        {view.status === 'loading' ? (
          <p className="muted">{isConnected ? 'Asking the core…' : 'Waiting for the connection to the core…'}</p>
        ) : (
          <p className="error" role="alert" data-testid="gateway-status-error">
            {view.message}
          </p>
        )}
      </article>
    );

  const { unit } = view.value;
  if (!unit)
    return (
      <article className="card card-wide gateway-setup" aria-labelledby="gateway-state-title" data-testid="gateway-setup">
        <h2 id="gateway-state-title">Gateway</h2>
        <p>
          The gateway is not set up on this appliance. Setting it up adds the supervised unit <code>{GATEWAY_UNIT.name}</code> (preset <code>{GATEWAY_UNIT.preset}</code>), which starts with
          Airlock, and starts it. It listens where the <a href="#/settings">gateway settings</a> say (<code>gateway.host</code>, <code>gateway.port</code>).
        </p>
        <button type="button" onClick={() => void run('setup', GATEWAY_UNIT.name)} disabled={!isConnected || busy !== null}>
          {busy === 'setup' ? 'Setting up…' : 'Set up the gateway'}
        </button>
        {refusalNote}
      </article>
    );

  const state = describeUnitState(unit.state);
  const actions = isUnitState(unit.state) ? availableActions(unit.state) : { start: true, stop: true, restart: true, reset: false };
  return (
    <article className={`card card-wide unit-card unit-card-${state.tone}`} aria-labelledby="gateway-state-title" data-testid="gateway-state-card">
      <div className="unit-card-header">
        <div className="unit-card-title">
          <h2 id="gateway-state-title" className="gateway-card-title">
            Gateway
          </h2>
          <span className="muted">
            unit <code>{unit.name}</code>
          </span>
          <p className={`pill pill-small pill-state-${state.tone}`} data-testid="gateway-unit-state" data-state={unit.state}>
            {state.label}
          </p>
        </div>
        <div className="unit-buttons">
          <button type="button" className="small-button" onClick={() => void run('start', unit.name)} disabled={!isConnected || busy !== null || !actions.start}>
            {busy === 'start' ? 'Starting…' : isUnitState(unit.state) ? startLabel(unit.state) : 'Start'}
          </button>
          <button type="button" className="small-button" onClick={() => void run('stop', unit.name)} disabled={!isConnected || busy !== null || !actions.stop}>
            {busy === 'stop' ? 'Stopping…' : 'Stop'}
          </button>
          <button type="button" className="small-button" onClick={() => void run('restart', unit.name)} disabled={!isConnected || busy !== null || !actions.restart}>
            {busy === 'restart' ? 'Restarting…' : 'Restart'}
          </button>
          <a href="#/services">Output and logs</a>
        </div>
      </div>
      {refusalNote}
      <GatewayReport view={view.value} onRestart={() => void run('restart', unit.name)} isRestartDisabled={!isConnected || busy !== null} />
    </article>
  );
}

/** The channel and the gateway's own report, with its age when it is not fresh. */
function GatewayReport({ view, onRestart, isRestartDisabled }: { view: GatewayView; onRestart: () => void; isRestartDisabled: boolean }) {
  const now = useNow();
  const channel = describeChannel(view.channel);
  const status = view.status;
  const age = reportAgeSeconds(view.channel.statusAt, now);
  const keys = status ? summarizeGitlabKeys(status.gitlabKeys, now) : null;

  return (
    <>
      {status && !view.isStatusFresh && age !== null && (
        <p className="stale-note" data-testid="gateway-report-age">
          This report is {formatAge(age)} old: {view.channel.isConnected ? 'the gateway has not reported since' : 'the gateway is not connected'}, so these figures may be out of date.
        </p>
      )}
      {status?.needsRestart && (
        <div className="unit-problem" role="status" data-testid="gateway-needs-restart">
          <strong>Restart needed.</strong> A setting the gateway is bound with (address, TLS, limits) changed; it still runs with the old one.{' '}
          <button type="button" className="small-button" onClick={onRestart} disabled={isRestartDisabled}>
            Restart now
          </button>
        </div>
      )}
      <dl className="gateway-facts">
        <dt>Channel</dt>
        <dd data-testid="gateway-channel" data-connected={view.channel.isConnected}>
          <span className={view.channel.isConnected ? undefined : 'warn-text'}>{channel.text}</span>
          {channel.isBehind && <span className="muted small"> (the gateway has not applied the latest configuration yet)</span>}
        </dd>
        {view.channel.rejection && (
          <>
            <dt>Configuration</dt>
            <dd className="error" role="alert" data-testid="gateway-rejection">
              The latest configuration is not in force: {view.channel.rejection}
            </dd>
          </>
        )}
        {status && (
          <>
            <dt>Listening on</dt>
            <dd>{status.listening ? <code data-testid="gateway-listening-url">{status.listening.url}</code> : <span className="muted">not listening</span>}</dd>
            <dt>Metrics</dt>
            <dd>{status.listening?.metricsUrl ? <code data-testid="gateway-metrics-url">{status.listening.metricsUrl}</code> : <span className="muted">off (gateway.metricsPort is 0)</span>}</dd>
            <dt>Requests</dt>
            <dd data-testid="gateway-requests">{describeRequestCounters(status)}</dd>
            <dt>Request log</dt>
            <dd data-testid="gateway-request-log">
              {describeRequestLog(status.requestLog)}
              {status.requestLog && status.requestLog.dropped > 0 && <span className="warn-text"> — some requests were not logged: the log fell behind.</span>}
              {status.requestLog?.lastError && <span className="error unit-reason">Last error: {status.requestLog.lastError}</span>}
            </dd>
            <dt>GitLab keys</dt>
            <dd data-testid="gateway-gitlab-keys">
              {keys && keys.isConfigured ? (
                <>
                  {countKeys(keys.keyCount)} from <code>{keys.url ?? '—'}</code>, {keys.fetched}
                  {keys.lastError && <span className="error unit-reason">Last error: {keys.lastError}</span>}
                </>
              ) : (
                <span className="warn-text">
                  GitLab tokens are refused: set <code>gateway.gitlabUrl</code> in <a href="#/settings">Settings</a>.
                </span>
              )}
            </dd>
            <dt>Process</dt>
            <dd>
              pid {status.pid} · version {status.version} · started {new Date(status.startedAt).toLocaleString()} · {formatBytes(status.rssBytes)} resident
            </dd>
          </>
        )}
      </dl>
      {status === null && (
        <p className="muted" data-testid="gateway-no-report">
          The gateway has not reported yet{view.channel.isConnected ? '' : ': it reports over its channel once it runs'}.
        </p>
      )}
    </>
  );
}

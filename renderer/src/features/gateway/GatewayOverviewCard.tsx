import { useCall, useConnectionState } from '../../api/api-context';
import { countRequests, formatCount, formatPercentile } from '../requests/request-format';
import { describeUnitState } from './gateway-format';
import './gateway.css';

/** The Overview's window: the last 24 hours. */
const DAY_MINUTES = 24 * 60;

/** The Overview card: the gateway's unit and address, and what it served in the last 24 h. */
export function GatewayOverviewCard() {
  const connection = useConnectionState();
  const [view] = useCall('gateway.status', {}, 10_000);
  const [stats] = useCall('requests.stats', { sinceMinutes: DAY_MINUTES }, 30_000);
  const waiting = <p className="muted">{connection.status === 'connected' ? 'Asking the core…' : 'Waiting for the connection to the core…'}</p>;

  return (
    <article className="card" aria-labelledby="card-gateway" data-testid="overview-gateway">
      <h2 id="card-gateway">AI gateway</h2>
      {view.status === 'loading' && waiting}
      {view.status === 'error' && (
        <p className="error" role="alert">
          {view.message}
        </p>
      )}
      {view.status === 'ok' &&
        (view.value.unit ? (
          <dl>
            <dt>Unit</dt>
            <dd>
              <code>{view.value.unit.name}</code>{' '}
              <span className={`pill pill-small pill-state-${describeUnitState(view.value.unit.state).tone}`} data-testid="overview-gateway-state" data-state={view.value.unit.state}>
                {describeUnitState(view.value.unit.state).label}
              </span>
            </dd>
            <dt>Listening on</dt>
            <dd>
              {view.value.status?.listening ? <code>{view.value.status.listening.url}</code> : <span className="muted">—</span>}
              {view.value.status && !view.value.isStatusFresh && <span className="muted small"> (last report)</span>}
            </dd>
          </dl>
        ) : (
          <p className="muted">
            Not set up. <a href="#/gateway">Set up the gateway</a>
          </p>
        ))}

      <h4>Last 24 hours</h4>
      {stats.status === 'loading' && waiting}
      {stats.status === 'error' && (
        <p className="error" role="alert">
          {stats.message}
        </p>
      )}
      {stats.status === 'ok' &&
        (stats.value.isAvailable ? (
          <dl>
            <dt>Requests</dt>
            <dd data-testid="overview-gateway-requests" data-count={stats.value.total}>
              {countRequests(stats.value.total)}
            </dd>
            <dt>Errors</dt>
            <dd data-testid="overview-gateway-errors">
              {formatCount(stats.value.clientErrors + stats.value.serverErrors)} ({formatCount(stats.value.clientErrors)} 4xx, {formatCount(stats.value.serverErrors)} 5xx)
            </dd>
            <dt>Latency p95</dt>
            <dd>{formatPercentile(stats.value.latencyMs.p95, stats.value.latencyMs.isUpperBound)}</dd>
            <dt>Tokens</dt>
            <dd>
              {formatCount(stats.value.tokensIn)} in · {formatCount(stats.value.tokensOut)} out
            </dd>
          </dl>
        ) : (
          <p className="muted">No request log yet: the gateway has not run on this appliance.</p>
        ))}
      <a href="#/requests">Requests</a>
    </article>
  );
}

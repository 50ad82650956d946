import type { RequestStats } from '../../../../electron/shared/gateway/requests';
import type { CallState } from '../../api/api-context';
import { formatCount, formatPercentile } from './request-format';

/** The figures for the chosen window, from `requests.stats`. */
export function RequestStatsBar({ stats, windowLabel }: { stats: CallState<RequestStats>; windowLabel: string }) {
  if (stats.status === 'loading') return <p className="muted">Asking the core…</p>;
  if (stats.status === 'error')
    return (
      <p className="error" role="alert" data-testid="requests-stats-error">
        {stats.message}
      </p>
    );
  const s = stats.value;
  if (!s.isAvailable)
    return (
      <p className="notice-inline" data-testid="requests-unavailable">
        The gateway has not run yet on this appliance: there is no request log. Set it up on the <a href="#/gateway">AI gateway</a> page.
      </p>
    );
  const figures: { label: string; value: string; tone?: string; testId: string }[] = [
    { label: 'Requests', value: formatCount(s.total), testId: 'stat-total' },
    { label: 'OK (2xx)', value: formatCount(s.ok), tone: 'ok', testId: 'stat-ok' },
    { label: 'Client errors (4xx)', value: formatCount(s.clientErrors), tone: s.clientErrors > 0 ? 'warn-text' : undefined, testId: 'stat-4xx' },
    { label: 'Server errors (5xx)', value: formatCount(s.serverErrors), tone: s.serverErrors > 0 ? 'error' : undefined, testId: 'stat-5xx' },
    { label: 'Latency p50', value: formatPercentile(s.latencyMs.p50, s.latencyMs.isUpperBound), testId: 'stat-p50' },
    { label: 'Latency p95', value: formatPercentile(s.latencyMs.p95, s.latencyMs.isUpperBound), testId: 'stat-p95' },
    { label: 'Tokens in / out', value: `${formatCount(s.tokensIn)} / ${formatCount(s.tokensOut)}`, testId: 'stat-tokens' },
  ];
  return (
    <div className="card request-stats" aria-label={`Figures for the ${windowLabel.toLowerCase()}`} data-testid="requests-stats">
      <dl className="request-figures">
        {figures.map((figure) => (
          <div key={figure.label} className="request-figure">
            <dt>{figure.label}</dt>
            <dd className={figure.tone} data-testid={figure.testId}>
              {figure.value}
            </dd>
          </div>
        ))}
      </dl>
      {s.latencyMs.isUpperBound && <p className="muted small">Latency percentiles over this window come from per-minute buckets: each is the upper edge of its bucket.</p>}
      {s.dropped > 0 && (
        <p className="warn-text small" role="status" data-testid="stat-dropped">
          {countRows(s.dropped)} not logged in this window: the request log fell behind. The figures above miss them.
        </p>
      )}
      {s.byFeature.length > 0 && (
        <ul className="chips request-features" aria-label="Requests per feature">
          {s.byFeature.map((f) => (
            <li key={f.feature} className={`chip${f.errors > 0 ? ' chip-warn' : ''}`}>
              {f.feature}: {formatCount(f.count)}
              {f.errors > 0 ? ` (${formatCount(f.errors)} ${f.errors === 1 ? 'error' : 'errors'})` : ''}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function countRows(n: number): string {
  return `${formatCount(n)} ${n === 1 ? 'request was' : 'requests were'}`;
}

import { useState } from 'react';
import { statusClasses } from '../../../../electron/shared/gateway/requests';
import { useCall, useConnectionState } from '../../api/api-context';
import { useNow } from '../../lib/use-now';
import { RequestDetailPanel } from './RequestDetailPanel';
import { RequestStatsBar } from './RequestStatsBar';
import {
  type RequestFilters,
  type StatusClass,
  type TimeRangeId,
  emptyFilters,
  filterChoices,
  formatMs,
  formatRequestTime,
  formatTokenPair,
  rangeMinutes,
  statusTone,
  timeRanges,
} from './request-format';
import { useRequestLog } from './use-request-log';
import './requests.css';

/** How often the list and the figures refresh while auto-refresh is on. */
const AUTO_REFRESH_MS = 5000;

/** The gateway's request log: figures for a window, a filtered table with older pages, and one request in detail. */
export function RequestsPage() {
  const connection = useConnectionState();
  const [filters, setFilters] = useState<RequestFilters>(emptyFilters);
  const [isAutoRefresh, setIsAutoRefresh] = useState(true);
  const [selectedId, setSelectedId] = useState<number | null>(null);
  const refreshMs = isAutoRefresh ? AUTO_REFRESH_MS : undefined;
  const log = useRequestLog(filters, refreshMs);
  const [stats, refreshStats] = useCall('requests.stats', { sinceMinutes: rangeMinutes(filters.range) }, refreshMs);
  const [features] = useCall('features.list', {});
  const [models] = useCall('models.list', {});
  const now = useNow(30_000);
  const windowLabel = timeRanges.find((r) => r.id === filters.range)!.label;

  const featureChoices = filterChoices(features.status === 'ok' ? features.value.map((f) => f.feature.id) : [], log.rows, (row) => row.feature, filters.feature);
  const featureTitles = new Map(features.status === 'ok' ? features.value.map((f) => [f.feature.id, f.feature.title] as const) : []);
  const deploymentChoices = filterChoices(models.status === 'ok' ? models.value.map((m) => m.name) : [], log.rows, (row) => row.deployment, filters.deployment);
  const set = <K extends keyof RequestFilters>(field: K, value: RequestFilters[K]) => setFilters((current) => ({ ...current, [field]: value }));

  return (
    <section aria-labelledby="requests-title" className="requests">
      <div className="page-header">
        <h1 id="requests-title">Requests</h1>
        <div className="page-header-actions">
          <a href="#/gateway">AI gateway</a>
        </div>
      </div>
      <p className="muted">Every request the AI gateway answered or refused, newest first, from its request log (requests.db).</p>

      <form className="card requests-filters" aria-label="Filters" onSubmit={(event) => event.preventDefault()}>
        <div className="field">
          <label htmlFor="requests-feature">Feature</label>
          <select id="requests-feature" value={filters.feature} onChange={(event) => set('feature', event.target.value)}>
            <option value="">All features</option>
            {featureChoices.map((id) => (
              <option key={id} value={id}>
                {featureTitles.has(id) ? `${featureTitles.get(id)} (${id})` : id}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="requests-deployment">Deployment</label>
          <select id="requests-deployment" value={filters.deployment} onChange={(event) => set('deployment', event.target.value)}>
            <option value="">All deployments</option>
            {deploymentChoices.map((name) => (
              <option key={name}>{name}</option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="requests-status">Status</label>
          <select id="requests-status" value={filters.status} onChange={(event) => set('status', event.target.value as StatusClass | '')}>
            <option value="">Any status</option>
            {statusClasses.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="requests-range">Time</label>
          <select id="requests-range" value={filters.range} onChange={(event) => set('range', event.target.value as TimeRangeId)}>
            {timeRanges.map((r) => (
              <option key={r.id} value={r.id}>
                {r.label}
              </option>
            ))}
          </select>
        </div>
        <div className="requests-refresh">
          <label className="checkbox-inline">
            <input type="checkbox" checked={isAutoRefresh} onChange={(event) => setIsAutoRefresh(event.target.checked)} /> Refresh every 5 s
          </label>
          <button
            type="button"
            className="small-button"
            onClick={() => {
              log.refresh();
              refreshStats();
            }}
            disabled={connection.status !== 'connected'}
          >
            Refresh now
          </button>
          <span className="muted small" data-testid="requests-updated">
            {log.at !== null ? `Updated ${new Date(log.at).toLocaleTimeString()}` : ''}
            {log.at !== null && connection.status !== 'connected' ? ' (not connected: this is the last answer)' : ''}
          </span>
        </div>
      </form>

      <RequestStatsBar stats={stats} windowLabel={windowLabel} />

      {log.error && (
        <p className="error" role="alert" data-testid="requests-error">
          {log.error}
        </p>
      )}

      <div className={`requests-body${selectedId !== null ? ' has-detail' : ''}`}>
        <div className="card card-flush requests-table-card">
          {log.at === null && !log.error && <p className="muted card-flush-text requests-first">Asking the core…</p>}
          {log.at !== null && log.rows.length === 0 && (
            <p className="muted card-flush-text requests-first" data-testid="requests-empty">
              No request in the {windowLabel.toLowerCase()}
              {filters.feature || filters.deployment || filters.status ? ' for these filters' : ''}.
            </p>
          )}
          {log.rows.length > 0 && (
            <table className="table requests-table" data-testid="requests-table">
              <thead>
                <tr>
                  <th>Time</th>
                  <th>Status</th>
                  <th>Endpoint</th>
                  <th>Feature</th>
                  <th>Deployment</th>
                  <th className="num">Latency</th>
                  <th className="num">TTFB</th>
                  <th className="num">Tokens in / out</th>
                  <th>Client</th>
                  <th>Error</th>
                </tr>
              </thead>
              <tbody>
                {log.rows.map((row) => (
                  <tr
                    key={row.id}
                    className={row.id === selectedId ? 'is-selected' : undefined}
                    onClick={() => setSelectedId(row.id)}
                    data-testid="request-row"
                    data-id={row.id}
                    data-status={row.status}
                  >
                    <td className="nowrap">
                      <button type="button" className="link request-open" title={new Date(row.ts).toISOString()} aria-label={`Request ${row.id} at ${new Date(row.ts).toLocaleString()}: show details`}>
                        {formatRequestTime(row.ts, now)}
                      </button>
                    </td>
                    <td>
                      <span className={`pill pill-small pill-state-${statusTone(row.status)}`} data-testid="request-status">
                        {row.status}
                      </span>
                    </td>
                    <td>
                      <code>
                        {row.method} {row.endpoint}
                      </code>
                      {row.isStream && <span className="muted small"> stream</span>}
                    </td>
                    <td data-testid="request-feature">{row.feature ?? <span className="muted">—</span>}</td>
                    <td data-testid="request-deployment">{row.deployment ?? <span className="muted">—</span>}</td>
                    <td className="num">{formatMs(row.latencyMs)}</td>
                    <td className="num">{formatMs(row.ttfbMs)}</td>
                    <td className="num">{formatTokenPair(row.tokensIn, row.tokensOut)}</td>
                    <td className="request-client">{row.client}</td>
                    <td className="request-error">{row.error ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {log.hasMore && (
            <p className="card-flush-text requests-more">
              <button type="button" className="small-button" onClick={log.loadOlder} disabled={log.isLoadingOlder || connection.status !== 'connected'} data-testid="requests-load-older">
                {log.isLoadingOlder ? 'Loading…' : 'Load older'}
              </button>
            </p>
          )}
        </div>
        {selectedId !== null && <RequestDetailPanel key={selectedId} id={selectedId} onClose={() => setSelectedId(null)} />}
      </div>
    </section>
  );
}

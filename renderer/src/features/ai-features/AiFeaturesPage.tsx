import { useState } from 'react';
import { useApi, useCall, useConnectionState } from '../../api/api-context';
import { type CallRefusal, describeCallError } from '../models/call-error';
import { DISABLED_VALUE, type FeatureRowView, deploymentOptions, describeFlag, emptyPickerReason, releaseStateLabels } from './feature-format';

type RowOutcome = { ok: true; text: string } | { ok: false; refusal: CallRefusal };

/** The AI features page: each GitLab Duo feature, its release state, and the deployment that serves it. */
export function AiFeaturesPage() {
  const api = useApi();
  const connection = useConnectionState();
  const [listed, refresh] = useCall('features.list', {});
  // The answer of features.set is the whole new plan; it replaces the listed one until the next list.
  const [latest, setLatest] = useState<{ rows: FeatureRowView[]; at: number } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [outcomes, setOutcomes] = useState<Record<string, RowOutcome>>({});
  const listedRows = listed.status === 'ok' ? listed.value : null;
  const rows = latest && (listed.status !== 'ok' || latest.at >= listed.at) ? latest.rows : listedRows;
  const isConnected = connection.status === 'connected';

  const assign = async (row: FeatureRowView, value: string) => {
    const deploymentName = value === DISABLED_VALUE ? null : value;
    setBusy(row.feature.id);
    try {
      const plan = await api.call('features.set', { featureId: row.feature.id, deploymentName });
      setLatest({ rows: plan, at: Date.now() });
      setOutcomes((o) => ({ ...o, [row.feature.id]: { ok: true, text: deploymentName === null ? 'Disabled.' : `Served by “${deploymentName}”.` } }));
    } catch (error) {
      setOutcomes((o) => ({ ...o, [row.feature.id]: { ok: false, refusal: describeCallError(error) } }));
      setLatest(null);
      refresh();
    } finally {
      setBusy(null);
    }
  };

  const flagged = rows?.filter((row) => row.flags.length > 0).length ?? 0;
  const mapped = rows?.filter((row) => row.deploymentName !== null).length ?? 0;

  return (
    <section aria-labelledby="ai-features-title" className="ai-features">
      <div className="page-header">
        <h1 id="ai-features-title">AI features</h1>
        <div className="page-header-actions">
          <a href="#/models">Models</a>
          <a href="#/gitlab-setup">GitLab setup</a>
        </div>
      </div>
      <p className="muted">
        Which self-hosted model serves each GitLab Duo feature, as on GitLab&apos;s “AI-native features” tab. Only deployments of a family the feature accepts are offered.
      </p>
      {rows && (
        <p className="muted" data-testid="features-summary">
          {mapped} of {rows.length} features mapped{flagged > 0 ? `, ${flagged} with a problem` : ''}.
        </p>
      )}
      {listed.status === 'error' && !latest && (
        <p className="error" role="alert">
          {listed.message}
        </p>
      )}
      {!rows && listed.status === 'loading' && <p className="muted">Asking the core…</p>}
      {rows && (
        <article className="card card-flush">
          <table className="table features-table" data-testid="features">
            <thead>
              <tr>
                <th>Feature</th>
                <th>Group</th>
                <th>Release</th>
                <th>Model deployment</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => {
                const outcome = outcomes[row.feature.id];
                const reason = emptyPickerReason(row);
                const selectId = `feature-${row.feature.id}`;
                return (
                  <tr key={row.feature.id} data-testid="feature-row" data-feature={row.feature.id} className={row.flags.length > 0 ? 'feature-flagged' : undefined}>
                    <td>
                      <label htmlFor={selectId} className="feature-title">
                        {row.feature.title}
                      </label>
                      <div className="muted small">
                        <code>{row.feature.id}</code>
                        {row.feature.since ? ` · GitLab ${row.feature.since}+` : ''}
                      </div>
                    </td>
                    <td>{row.feature.group}</td>
                    <td>
                      <span className={`pill pill-small release-${row.feature.state}`}>{releaseStateLabels[row.feature.state]}</span>
                    </td>
                    <td className="feature-pick">
                      <select
                        id={selectId}
                        value={row.deploymentName ?? DISABLED_VALUE}
                        onChange={(event) => void assign(row, event.target.value)}
                        disabled={!isConnected || busy !== null || (!row.isSelectable && row.deploymentName === null)}
                        data-testid="feature-select"
                      >
                        {deploymentOptions(row).map((option) => (
                          <option key={option.value} value={option.value} disabled={option.isUnavailable}>
                            {option.label}
                          </option>
                        ))}
                      </select>
                      {reason && row.deploymentName === null && <div className="muted small">{reason}</div>}
                      {row.flags.map((flag) => (
                        <div key={flag} className="feature-flag" role="note" data-testid="feature-flag" data-flag={flag}>
                          ⚠ {describeFlag(flag, row)}
                        </div>
                      ))}
                      {outcome &&
                        (outcome.ok ? (
                          <div className="ok small" role="status" data-testid="feature-outcome">
                            {outcome.text}
                          </div>
                        ) : (
                          <div className="error small" role="alert" data-testid="feature-refusal" data-code={outcome.refusal.code ?? undefined}>
                            {outcome.refusal.message}
                          </div>
                        ))}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </article>
      )}
    </section>
  );
}

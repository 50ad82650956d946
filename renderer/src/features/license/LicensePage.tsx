import { type DragEvent, useState } from 'react';
import { type LicenseUsage, type LicenseView, describeLimits } from '../../../../electron/shared/license';
import { useApi, useCall } from '../../api/api-context';

/** Largest file the page reads: a license is a few KB (the core caps it too). */
const MAX_FILE_BYTES = 256 * 1024;

const stateLabels: Record<LicenseView['state'], string> = {
  missing: 'No license',
  evaluation: 'Evaluation',
  valid: 'Valid',
  'expiring-soon': 'Expiring soon',
  'in-grace': 'In grace period',
  expired: 'Expired',
  'not-yet-valid': 'Not yet valid',
  'clock-rollback-suspected': 'Clock rollback suspected',
  'hardware-mismatch': 'Hardware mismatch',
  'bad-signature': 'Bad signature',
  'unknown-key': 'Unknown signing key',
  'test-key-in-production': 'Test key refused',
  'unsupported-algorithm': 'Unsupported algorithm',
  'unsupported-version': 'Unsupported version',
  malformed: 'Malformed',
};

const tone = (view: LicenseView) => (view.state === 'valid' ? 'ok' : view.isEntitled ? 'warn' : 'bad');
const day = (iso: string) => iso.slice(0, 10);

/** The License page: status, details, install by drop, pick or paste, history. */
export function LicensePage() {
  const api = useApi();
  const [status, refreshStatus] = useCall('license.status', {});
  const [history, refreshHistory] = useCall('license.history', {});
  const [usage, refreshUsage] = useCall('license.usage', {});
  const [pasted, setPasted] = useState('');
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | undefined>();
  const [isBusy, setIsBusy] = useState(false);
  const [isDragging, setIsDragging] = useState(false);

  const install = async (text: string) => {
    setIsBusy(true);
    setOutcome(undefined);
    try {
      const view = await api.call('license.install', { text });
      setOutcome({ ok: true, text: `Installed license ${view.details?.licenseId ?? ''}. ${view.message}` });
      setPasted('');
      refreshStatus();
      refreshHistory();
      refreshUsage();
    } catch (error) {
      setOutcome({ ok: false, text: (error as Error).message });
    } finally {
      setIsBusy(false);
    }
  };

  const installFile = async (file: File | undefined) => {
    if (!file) return;
    if (file.size > MAX_FILE_BYTES) {
      setOutcome({ ok: false, text: `${file.name} is ${file.size} bytes; a license file is a few KB. Pick the file your vendor sent.` });
      return;
    }
    await install(await file.text());
  };

  const onDrop = (event: DragEvent) => {
    // Never let the window navigate to a dropped file.
    event.preventDefault();
    setIsDragging(false);
    void installFile(event.dataTransfer.files[0]);
  };

  return (
    <section aria-labelledby="license-title">
      <h1 id="license-title">License</h1>
      <div className="cards">
        <article className="card" aria-labelledby="card-license-status">
          <h2 id="card-license-status">Status</h2>
          {status.status === 'ok' ? (
            <>
              <p className={`pill pill-${tone(status.value)}`} data-testid="license-state" data-state={status.value.state}>
                {stateLabels[status.value.state]}
                {status.value.daysLeft !== null ? ` · ${status.value.daysLeft} days left` : ''}
              </p>
              <p data-testid="license-message">{status.value.message}</p>
              {status.value.missingHardware.length > 0 && <p className="error">Missing hardware: {status.value.missingHardware.join(', ')}</p>}
              <LicenseDetails view={status.value} usage={usage.status === 'ok' ? usage.value : undefined} />
            </>
          ) : status.status === 'error' ? (
            <p className="error" role="alert">
              {status.message}
            </p>
          ) : (
            <p className="muted">Asking the core…</p>
          )}
        </article>

        <article className="card" aria-labelledby="card-license-install">
          <h2 id="card-license-install">Install a license</h2>
          <div
            className={`dropzone${isDragging ? ' dropzone-active' : ''}`}
            onDragOver={(event) => {
              event.preventDefault();
              setIsDragging(true);
            }}
            onDragLeave={() => setIsDragging(false)}
            onDrop={onDrop}
            data-testid="license-dropzone"
          >
            <p>Drop the license file here, or</p>
            <label className="button-like">
              Choose file…
              <input type="file" accept=".airlock-license,.lic,.txt,text/plain" className="visually-hidden" onChange={(event) => void installFile(event.target.files?.[0])} data-testid="license-file" />
            </label>
          </div>
          <label htmlFor="license-text">…or paste its text</label>
          <textarea id="license-text" rows={6} spellCheck={false} value={pasted} onChange={(event) => setPasted(event.target.value)} placeholder="-----BEGIN AIRLOCK LICENSE-----" />
          <button type="button" disabled={isBusy || pasted.trim() === ''} onClick={() => void install(pasted)}>
            {isBusy ? 'Verifying…' : 'Install pasted license'}
          </button>
          {outcome && (
            <p className={outcome.ok ? 'ok' : 'error'} role={outcome.ok ? 'status' : 'alert'} data-testid="license-install-outcome">
              {outcome.text}
            </p>
          )}
          <p className="muted small">The file is verified on this appliance with no network access. Its text is stored in config.db and never shown again.</p>
        </article>
      </div>

      <article className="card card-wide" aria-labelledby="card-license-history">
        <h2 id="card-license-history">History</h2>
        {history.status === 'ok' && history.value.length > 0 ? (
          <table className="table" data-testid="license-history">
            <thead>
              <tr>
                <th>Installed</th>
                <th>License</th>
                <th>Licensee</th>
                <th>Plan</th>
                <th>Expires</th>
                <th>File (sha256)</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {history.value.map((entry) => (
                <tr key={entry.id}>
                  <td>{new Date(entry.installedAt).toLocaleString()}</td>
                  <td>{entry.licenseId}</td>
                  <td>{entry.licensee}</td>
                  <td>{entry.plan}</td>
                  <td>{day(entry.expiresAt)}</td>
                  <td>
                    <code>{entry.sha256.slice(0, 12)}…</code>
                  </td>
                  <td>{entry.isActive ? 'active' : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="muted">{history.status === 'ok' ? 'No license has been installed on this appliance.' : 'Asking the core…'}</p>
        )}
      </article>
    </section>
  );
}

function LicenseDetails({ view, usage }: { view: LicenseView; usage: LicenseUsage | undefined }) {
  const d = view.details;
  if (!d) {
    return view.evaluation ? (
      <dl>
        <dt>Evaluation</dt>
        <dd>
          {day(view.evaluation.startedAt)} → {day(view.evaluation.endsAt)}
        </dd>
      </dl>
    ) : null;
  }
  return (
    <dl data-testid="license-details">
      <dt>License</dt>
      <dd>{d.licenseId}</dd>
      <dt>Licensee</dt>
      <dd>
        {d.licensee.name}, {d.licensee.company} ({d.licensee.email})
      </dd>
      <dt>Plan</dt>
      <dd>{d.plan}</dd>
      {d.addOns.map((addOn) => (
        <div key={addOn.id} className="dl-row">
          <dt>Add-on</dt>
          <dd>
            {addOn.id}: {addOn.seats} seats, {day(addOn.startsAt)} → {day(addOn.expiresAt)}
          </dd>
        </div>
      ))}
      <dt>Valid</dt>
      <dd>
        {day(d.startsAt)} → {day(d.expiresAt)}, then {d.graceDays} days of grace
      </dd>
      <dt>Limits</dt>
      <dd data-testid="license-limits">{describeLimits(d.limits, usage)}</dd>
      <dt>Hardware</dt>
      <dd>{d.binding ? `Bound to this host (${d.binding.required} of ${d.binding.total} components must match)` : 'Not bound'}</dd>
      <dt>Signed by</dt>
      <dd>
        {d.kid}
        {d.isTestKey ? ' — TEST KEY (development builds only)' : ''}
      </dd>
      <dt>File</dt>
      <dd>
        <code>sha256 {d.sha256.slice(0, 16)}…</code>
      </dd>
    </dl>
  );
}

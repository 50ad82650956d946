import { type FormEvent, useState } from 'react';
import { useApi, useCall } from '../../api/api-context';
import { type CallRefusal, describeCallError } from '../models/call-error';
import { releaseStateLabels } from '../ai-features/feature-format';
import { CopyButton } from './CopyButton';
import { SECRET_NOTE, type SheetFieldView, checkGatewayUrl, copyableText, sheetValueText } from './sheet-format';

/** The GitLab setup page: what to enter in GitLab, page by page, with a copy button per field. */
export function GitlabSheetPage() {
  const [username, setUsername] = useState('');
  const trimmed = username.trim();
  const [sheet, refreshSheet] = useCall('gitlab.sheet', trimmed === '' ? {} : { username: trimmed });

  return (
    <section aria-labelledby="gitlab-sheet-title" className="gitlab-sheet">
      <div className="page-header">
        <h1 id="gitlab-sheet-title">GitLab setup</h1>
        <div className="page-header-actions">
          <a href="#/models">Models</a>
          <a href="#/ai-features">AI features</a>
        </div>
      </div>
      <p className="muted">
        Exactly what the GitLab administrator enters for GitLab to use this appliance, in the order GitLab&apos;s admin pages ask for it. The same sheet prints with{' '}
        <code>airlock gitlab-sheet</code>.
      </p>
      {sheet.status === 'error' && (
        <p className="error" role="alert">
          {sheet.message}
        </p>
      )}
      {sheet.status === 'loading' && <p className="muted">Asking the core…</p>}
      {sheet.status === 'ok' && (
        <ol className="sheet-sections">
          <li className="card sheet-section" data-testid="sheet-gateway">
            <h2>{sheet.value.gateway.title}</h2>
            <FieldRows fields={sheet.value.gateway.fields} />
            <GatewayUrlEditor onSaved={refreshSheet} />
          </li>

          <li className="card sheet-section" data-testid="sheet-models">
            <h2>{sheet.value.models.title}</h2>
            {sheet.value.models.deployments.length === 0 && (
              <p className="muted">
                No deployment is registered yet: add one on the <a href="#/models">Models</a> page.
              </p>
            )}
            {sheet.value.models.deployments.map((deployment) => (
              <div key={deployment.deploymentName} className="sheet-deployment" data-testid="sheet-deployment" data-name={deployment.deploymentName}>
                <h3>{deployment.deploymentName}</h3>
                <FieldRows fields={deployment.fields} />
              </div>
            ))}
            <p className="small">{sheet.value.models.after}</p>
          </li>

          <li className="card sheet-section" data-testid="sheet-features">
            <h2>{sheet.value.features.title}</h2>
            <table className="table sheet-features">
              <thead>
                <tr>
                  <th>Feature</th>
                  <th>Group</th>
                  <th>Release</th>
                  <th>Select in GitLab</th>
                </tr>
              </thead>
              <tbody>
                {sheet.value.features.features.map((feature) => (
                  <tr key={feature.featureId} data-testid="sheet-feature" data-feature={feature.featureId}>
                    <td>{feature.title}</td>
                    <td>{feature.group}</td>
                    <td>
                      <span className={`pill pill-small release-${feature.state}`}>{releaseStateLabels[feature.state]}</span>
                    </td>
                    <td>
                      <span className={feature.value === 'Disabled' ? 'muted' : undefined}>{feature.value}</span>
                      {feature.note && <div className="warn-text small">⚠ {feature.note}</div>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </li>

          <li className="card sheet-section" data-testid="sheet-verify">
            <h2>{sheet.value.verify.title}</h2>
            <div className="field sheet-username">
              <label htmlFor="sheet-username">GitLab username to check as</label>
              <input id="sheet-username" value={username} onChange={(event) => setUsername(event.target.value)} placeholder="root" spellCheck={false} autoComplete="off" />
            </div>
            <div className="sheet-command">
              <code data-testid="sheet-verify-command">{sheet.value.verify.command}</code>
              <CopyButton text={sheet.value.verify.command} label="the verification command" />
            </div>
            {sheet.value.verify.note && <p className="muted small">{sheet.value.verify.note}</p>}
          </li>
        </ol>
      )}
    </section>
  );
}

/** Label, value and copy button per field, in GitLab's order. */
function FieldRows({ fields }: { fields: readonly SheetFieldView[] }) {
  return (
    <dl className="sheet-fields">
      {fields.map((field) => {
        const copyable = copyableText(field.value);
        return (
          <div key={field.label} className="sheet-field" data-testid="sheet-field" data-label={field.label} data-kind={field.value.kind}>
            <dt>{field.label}</dt>
            <dd>
              <span className={`sheet-value sheet-value-${field.value.kind}`} data-testid="sheet-value">
                {sheetValueText(field.value)}
              </span>
              {copyable !== null && <CopyButton text={copyable} label={field.label} />}
              {field.note && <span className="muted small sheet-note">{field.note}</span>}
              {field.value.kind === 'secret' && <span className="muted small sheet-note">{SECRET_NOTE}</span>}
            </dd>
          </div>
        );
      })}
    </dl>
  );
}

/** The "Local AI Gateway URL" setting (gateway.url), edited where it is needed. */
function GatewayUrlEditor({ onSaved }: { onSaved: () => void }) {
  const api = useApi();
  const [settings, refreshSettings] = useCall('settings.list', {});
  const stored = settings.status === 'ok' ? String(settings.value.find((s) => s.key === 'gateway.url')?.value ?? '') : null;
  const [draft, setDraft] = useState<string | null>(null);
  const [isBusy, setIsBusy] = useState(false);
  const [outcome, setOutcome] = useState<{ ok: true; text: string } | { ok: false; refusal: CallRefusal } | null>(null);
  const value = draft ?? stored ?? '';
  const check = checkGatewayUrl(value);
  const isChanged = stored !== null && value.trim() !== stored;

  const save = async (event: FormEvent) => {
    event.preventDefault();
    if (check.error) return;
    setIsBusy(true);
    setOutcome(null);
    try {
      const entry = await api.call('settings.set', { key: 'gateway.url', value: value.trim() });
      setDraft(null);
      setOutcome({ ok: true, text: entry.value === '' ? 'Gateway URL cleared.' : 'Gateway URL saved.' });
      refreshSettings();
      onSaved();
    } catch (error) {
      setOutcome({ ok: false, refusal: describeCallError(error) });
    } finally {
      setIsBusy(false);
    }
  };

  return (
    <form className="gateway-url" onSubmit={(event) => void save(event)} data-testid="gateway-url-form" noValidate>
      <div className={`field${check.error ? ' field-invalid' : ''}`}>
        <label htmlFor="gateway-url">Gateway URL setting (what GitLab should call)</label>
        <div className="gateway-url-row">
          <input
            id="gateway-url"
            value={value}
            placeholder="https://airlock.example.internal:5052"
            onChange={(event) => setDraft(event.target.value)}
            aria-invalid={check.error !== null}
            aria-describedby="gateway-url-msg"
            spellCheck={false}
            autoComplete="off"
            disabled={stored === null}
          />
          <button type="submit" className="small-button" disabled={isBusy || !isChanged || check.error !== null}>
            {isBusy ? 'Saving…' : 'Save'}
          </button>
        </div>
        <div id="gateway-url-msg" className="field-feedback">
          {check.error && <span className="field-error">{check.error}</span>}
          {check.warning && <span className="field-warning">{check.warning}</span>}
          {outcome?.ok === true && (
            <span className="ok small" role="status">
              {outcome.text}
            </span>
          )}
          {outcome?.ok === false && (
            <span className="field-error" role="alert" data-code={outcome.refusal.code ?? undefined}>
              {outcome.refusal.message}
            </span>
          )}
        </div>
      </div>
    </form>
  );
}

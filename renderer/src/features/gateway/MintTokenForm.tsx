import { type FormEvent, useState } from 'react';
import type { CallOutput } from '../../../../electron/shared/contract';
import { useApi, useConnectionState } from '../../api/api-context';
import { DEFAULT_EXPIRY, DEFAULT_SCOPES, type ExpiryChoice, type MintRefusal, describeMintError, expiresInput, expiryChoices, expiryDateBounds, scopeGroups, toggleScope } from './token-form';

export type MintedToken = CallOutput<'tokens.mint'>;

/**
 * Label, scopes and lifetime of a new token. The core checks every field; a refusal is shown under
 * the form in its words, and the field it names is marked.
 */
export function MintTokenForm({ onMinted }: { onMinted: (minted: MintedToken) => void }) {
  const api = useApi();
  const connection = useConnectionState();
  const [label, setLabel] = useState('');
  const [scopes, setScopes] = useState<string[]>([...DEFAULT_SCOPES]);
  const [expiry, setExpiry] = useState<ExpiryChoice>(DEFAULT_EXPIRY);
  const [date, setDate] = useState('');
  const [isBusy, setIsBusy] = useState(false);
  const [refusal, setRefusal] = useState<MintRefusal | null>(null);
  // The date picker's bounds; the core checks the date again when the token is minted.
  const [bounds] = useState(() => expiryDateBounds(Date.now()));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setIsBusy(true);
    setRefusal(null);
    try {
      const minted = await api.call('tokens.mint', { label, scopes, expires: expiresInput(expiry, date) });
      setLabel('');
      onMinted(minted);
    } catch (error) {
      setRefusal(describeMintError(error));
    } finally {
      setIsBusy(false);
    }
  };

  const invalid = (field: MintRefusal['field']) => refusal?.field === field;

  return (
    <form className="token-form" onSubmit={(event) => void submit(event)} data-testid="mint-form" aria-labelledby="mint-title" noValidate>
      <h3 id="mint-title">Mint a token</h3>
      <div className="token-form-grid">
        <div className={`field${invalid('label') ? ' field-invalid' : ''}`}>
          <label htmlFor="token-label">Label</label>
          <input
            id="token-label"
            type="text"
            value={label}
            onChange={(event) => setLabel(event.target.value)}
            placeholder="alice laptop, ci-pipeline…"
            maxLength={200}
            spellCheck={false}
            autoComplete="off"
            aria-invalid={invalid('label') || undefined}
            aria-describedby={refusal ? 'mint-refusal' : undefined}
          />
          <span className="muted small">Who or what uses it; shown in the request log as the client.</span>
        </div>
        <div className={`field${invalid('expires') ? ' field-invalid' : ''}`}>
          <label htmlFor="token-expiry">Expires</label>
          <select id="token-expiry" value={expiry} onChange={(event) => setExpiry(event.target.value as ExpiryChoice)} aria-invalid={invalid('expires') || undefined}>
            {expiryChoices.map((choice) => (
              <option key={choice.id} value={choice.id}>
                {choice.label}
              </option>
            ))}
          </select>
          {expiry === 'date' && (
            <>
              <label htmlFor="token-expiry-date" className="visually-hidden">
                Expiry date
              </label>
              <input
                id="token-expiry-date"
                type="date"
                value={date}
                min={bounds.min}
                max={bounds.max}
                onChange={(event) => setDate(event.target.value)}
                aria-invalid={invalid('expires') || undefined}
              />
              <span className="muted small">Valid to the end of that day (UTC).</span>
            </>
          )}
        </div>
      </div>
      <fieldset className={`token-scopes${invalid('scopes') ? ' field-invalid' : ''}`} aria-describedby={refusal ? 'mint-refusal' : undefined}>
        <legend>Scopes</legend>
        {scopeGroups.map((group) => (
          <div key={group.title} className="token-scope-group">
            <p className="small">
              {group.title} <span className="muted">— {group.hint}</span>
            </p>
            <div className="token-scope-list">
              {group.scopes.map((scope) => (
                <label key={scope} className="checkbox-inline token-scope">
                  <input type="checkbox" checked={scopes.includes(scope)} onChange={(event) => setScopes((current) => toggleScope(current, scope, event.target.checked))} /> <code>{scope}</code>
                </label>
              ))}
            </div>
          </div>
        ))}
      </fieldset>
      <div className="token-form-footer">
        <button type="submit" disabled={connection.status !== 'connected' || isBusy}>
          {isBusy ? 'Minting…' : 'Mint token'}
        </button>
      </div>
      {refusal && (
        <p id="mint-refusal" className="error" role="alert" data-testid="mint-refusal" data-code={refusal.code ?? undefined} data-field={refusal.field ?? undefined}>
          {refusal.message}
        </p>
      )}
    </form>
  );
}

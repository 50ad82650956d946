import { useState } from 'react';
import { useApi, useCall, useConnectionState } from '../../api/api-context';
import { type CallRefusal, describeCallError } from '../models/call-error';
import { MintedTokenNotice } from './MintedTokenNotice';
import { type MintedToken, MintTokenForm } from './MintTokenForm';
import { describeExpiry, describeScopes, tokenStateTones } from './token-form';
import { useNow } from '../../lib/use-now';

const day = (iso: string) => new Date(iso).toLocaleString();

/** Airlock-issued tokens: the list (never the tokens themselves), revoke with a confirm step, and minting. */
export function TokensSection() {
  const api = useApi();
  const connection = useConnectionState();
  const [tokens, refresh] = useCall('tokens.list', {});
  // The minted token lives here only until Done (or until the page is left): never stored anywhere else.
  const [minted, setMinted] = useState<MintedToken | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [revoking, setRevoking] = useState<string | null>(null);
  const [notice, setNotice] = useState<{ ok: true; text: string } | { ok: false; refusal: CallRefusal } | null>(null);
  const now = useNow(60_000);
  const isConnected = connection.status === 'connected';

  const revoke = async (id: string) => {
    setConfirming(null);
    setRevoking(id);
    setNotice(null);
    try {
      const view = await api.call('tokens.revoke', { id });
      setNotice({ ok: true, text: `Revoked “${view.label}” (…${view.last4}): the gateway refuses it from now on.` });
    } catch (error) {
      setNotice({ ok: false, refusal: describeCallError(error) });
    } finally {
      setRevoking(null);
      refresh();
    }
  };

  return (
    <article className="card card-wide" aria-labelledby="tokens-title" data-testid="tokens-section">
      <h2 id="tokens-title">Tokens</h2>
      <p className="muted">
        Tokens for IDEs, scripts and OpenAI clients that call the gateway directly. GitLab itself presents its own instance tokens, checked against the keys of <code>gateway.gitlabUrl</code>.
        Airlock keeps only each token&apos;s last 4 characters.
      </p>

      {minted ? (
        <MintedTokenNotice
          minted={minted}
          onDone={() => {
            setMinted(null);
            refresh();
          }}
        />
      ) : (
        <MintTokenForm
          onMinted={(result) => {
            setNotice(null);
            setMinted(result);
            refresh();
          }}
        />
      )}

      {notice && (
        <p className={notice.ok ? 'ok' : 'error'} role={notice.ok ? 'status' : 'alert'} data-testid="tokens-notice" data-code={notice.ok ? undefined : (notice.refusal.code ?? undefined)}>
          {notice.ok ? notice.text : notice.refusal.message}
        </p>
      )}

      {tokens.status === 'loading' && <p className="muted">Asking the core…</p>}
      {tokens.status === 'error' && (
        <p className="error" role="alert">
          {tokens.message}
        </p>
      )}
      {tokens.status === 'ok' && tokens.value.length === 0 && <p className="muted">No token yet.</p>}
      {tokens.status === 'ok' && tokens.value.length > 0 && (
        <div className="table-scroll">
          <table className="table tokens-table" data-testid="tokens">
            <thead>
              <tr>
                <th>Label</th>
                <th>ID</th>
                <th>Scopes</th>
                <th>State</th>
                <th>Expires</th>
                <th>Token</th>
                <th>Created</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {tokens.value.map((token) => (
                <tr key={token.id} data-testid="token-row" data-id={token.id} data-label={token.label}>
                  <td className="token-label">{token.label}</td>
                  <td>
                    <code>{token.id}</code>
                  </td>
                  <td title={token.scopes.join(', ')}>{describeScopes(token.scopes)}</td>
                  <td>
                    <span className={`pill pill-small pill-state-${tokenStateTones[token.state]}`} data-testid="token-state" data-state={token.state}>
                      {token.state}
                    </span>
                    {token.revokedAt && <span className="muted small unit-reason">{day(token.revokedAt)}</span>}
                  </td>
                  <td className="nowrap">
                    {day(token.expiresAt)}
                    <span className="muted small unit-reason">{describeExpiry(token.expiresAt, now)}</span>
                  </td>
                  <td className="nowrap">
                    <code>…{token.last4}</code>
                  </td>
                  <td className="small">
                    {token.createdBy}
                    <span className="muted unit-reason">{day(token.createdAt)}</span>
                  </td>
                  <td>
                    {token.state !== 'revoked' && (
                      <div className="row-actions">
                        {confirming === token.id ? (
                          <span className="unit-confirm" role="group" aria-label={`Confirm revoking ${token.label}`}>
                            Revoke?
                            <button type="button" className="small-button danger" onClick={() => void revoke(token.id)}>
                              Yes, revoke
                            </button>
                            <button type="button" className="small-button" onClick={() => setConfirming(null)}>
                              Cancel
                            </button>
                          </span>
                        ) : (
                          <button type="button" className="small-button" onClick={() => setConfirming(token.id)} disabled={!isConnected || revoking !== null}>
                            {revoking === token.id ? 'Revoking…' : 'Revoke'}
                          </button>
                        )}
                      </div>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </article>
  );
}

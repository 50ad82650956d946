import { CopyButton } from '../gitlab-sheet/CopyButton';
import type { MintedToken } from './MintTokenForm';

/**
 * The one place a token is ever shown: read-only, with Copy, until the operator presses Done — the
 * parent then drops it from its state. Nothing here logs it or keeps a copy.
 */
export function MintedTokenNotice({ minted, onDone }: { minted: MintedToken; onDone: () => void }) {
  const { token, view } = minted;
  return (
    <div className="minted-token" role="status" aria-labelledby="minted-title" data-testid="minted-token">
      <h3 id="minted-title">
        Token “{view.label}” minted <span className="muted small">({view.id})</span>
      </h3>
      <label htmlFor="minted-token-value">New token</label>
      <div className="minted-token-row">
        <input id="minted-token-value" type="text" readOnly value={token} spellCheck={false} autoComplete="off" onFocus={(event) => event.target.select()} data-testid="minted-token-value" />
        <CopyButton text={token} label="the new token" />
      </div>
      <p className="warn-text" data-testid="minted-token-note">
        <strong>Store it now: it is never shown again.</strong> Airlock keeps only its last 4 characters (…{view.last4}); a lost token cannot be recovered, only revoked and replaced.
      </p>
      <p className="muted small">
        Scopes {view.scopes.join(', ')} · valid until {new Date(view.expiresAt).toLocaleString()}. Clients send it as <code>Authorization: Bearer &lt;token&gt;</code> (an OpenAI client&apos;s API key).
      </p>
      <button type="button" onClick={onDone}>
        Done, I stored it
      </button>
    </div>
  );
}

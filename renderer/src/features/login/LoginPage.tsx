import { type FormEvent, useState } from 'react';
import type { WireError } from '../../../../electron/shared/errors';
import { login } from '../../api/session';

/** The console's login: the token `airlock serve` printed at start. */
export function LoginPage({ onLoggedIn }: { onLoggedIn: () => void }) {
  const [token, setToken] = useState('');
  const [refusal, setRefusal] = useState<WireError | undefined>();
  const [isBusy, setIsBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setIsBusy(true);
    try {
      const error = await login(token.trim());
      if (error) setRefusal(error);
      else onLoggedIn();
    } catch {
      setRefusal({ code: 'INTERNAL', message: 'The console server did not answer. Is "airlock serve" still running?', data: {} });
    } finally {
      setIsBusy(false);
    }
  };

  return (
    <main className="login">
      <form className="login-card" onSubmit={submit} aria-label="Log in">
        <h1>
          <span className="brand-mark" aria-hidden="true" /> Airlock
        </h1>
        <p className="muted">Enter the login token that <code>airlock serve</code> printed when it started.</p>
        <label htmlFor="token">Login token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="off"
          spellCheck={false}
          value={token}
          onChange={(event) => setToken(event.target.value)}
          autoFocus
        />
        {refusal && (
          <p className="error" role="alert" data-code={refusal.code}>
            {refusal.message}
          </p>
        )}
        <button type="submit" disabled={isBusy || token.trim() === ''}>
          {isBusy ? 'Checking…' : 'Log in'}
        </button>
      </form>
    </main>
  );
}

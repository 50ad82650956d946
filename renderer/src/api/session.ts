import type { WireError } from '../../../electron/shared/errors';

/** Asks the console server whether this browser holds a valid session. */
export async function fetchSession(): Promise<boolean> {
  const response = await fetch('api/session', { credentials: 'same-origin', cache: 'no-store' });
  if (!response.ok) throw new Error(`session check failed with HTTP ${response.status}`);
  const body = (await response.json()) as { isAuthenticated?: unknown };
  return body.isAuthenticated === true;
}

/** Exchanges the printed token for a session cookie. Resolves with the refusal, if any. */
export async function login(token: string): Promise<WireError | undefined> {
  const response = await fetch('api/login', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  if (response.status === 204) return undefined;
  try {
    const body = (await response.json()) as { error?: WireError };
    if (body.error) return body.error;
  } catch {
    // Fall through to the generic message.
  }
  return { code: 'INTERNAL', message: `Login failed with HTTP ${response.status}.`, data: {} };
}

export async function logout(): Promise<void> {
  await fetch('api/logout', { method: 'POST', credentials: 'same-origin' });
}

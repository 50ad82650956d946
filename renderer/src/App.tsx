import { useEffect, useMemo, useState } from 'react';
import { ApiContext } from './api/api-context';
import type { CoreApi } from './api/core-api';
import { createIpcCoreApi } from './api/ipc-core-api';
import { fetchSession, logout } from './api/session';
import { createWsCoreApi } from './api/ws-core-api';
import { Shell } from './components/Shell';
import { LoginPage } from './features/login/LoginPage';

/** Desktop app: the preload's bridge. Browser console: login, then the WebSocket. */
export function App() {
  if (window.airlock) return <DesktopApp />;
  return <ConsoleApp />;
}

function DesktopApp() {
  const api = useMemo(() => createIpcCoreApi(window.airlock!), []);
  return (
    <ApiContext.Provider value={api}>
      <Shell />
    </ApiContext.Provider>
  );
}

type SessionState = 'checking' | 'logged-out' | 'logged-in' | 'unreachable';

function ConsoleApp() {
  const [session, setSession] = useState<SessionState>('checking');
  const [api, setApi] = useState<CoreApi | undefined>();

  useEffect(() => {
    fetchSession().then(
      (isAuthenticated) => setSession(isAuthenticated ? 'logged-in' : 'logged-out'),
      () => setSession('unreachable'),
    );
  }, []);

  useEffect(() => {
    if (session !== 'logged-in') return;
    const created = createWsCoreApi();
    // The client opens a WebSocket, a side effect: it is made in an effect and disposed in its cleanup.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    setApi(created);
    const subscription = created.onStateChange((state) => {
      if (state.status === 'logged-out') setSession('logged-out');
    });
    return () => {
      void subscription.dispose();
      created.dispose();
      setApi(undefined);
    };
  }, [session]);

  if (session === 'checking') return <p className="muted centered">Connecting to Airlock…</p>;
  if (session === 'unreachable')
    return (
      <p className="error centered" role="alert">
        The Airlock console server does not answer. Check that <code>airlock serve</code> is running, then reload.
      </p>
    );
  if (session === 'logged-out') return <LoginPage onLoggedIn={() => setSession('logged-in')} />;
  if (!api) return null;
  return (
    <ApiContext.Provider value={api}>
      <Shell onLogout={() => void logout().then(() => setSession('logged-out'))} />
    </ApiContext.Provider>
  );
}

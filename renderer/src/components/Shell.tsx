import { useEffect, useState } from 'react';
import { useConnectionState } from '../api/api-context';
import { routes } from '../routes';
import { LicenseBanner } from '../features/license/LicenseBanner';
import { ConnectionBanner } from './ConnectionBanner';

function currentPath(): string {
  const path = window.location.hash.replace(/^#\/?/, '');
  return routes.some((route) => route.path === path) ? path : routes[0]!.path;
}

/** Navigation, connection state and the current page. */
export function Shell({ onLogout }: { onLogout?: () => void }) {
  const [path, setPath] = useState(currentPath);
  const connection = useConnectionState();
  useEffect(() => {
    const onHash = () => setPath(currentPath());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  const route = routes.find((r) => r.path === path) ?? routes[0]!;

  return (
    <div className="shell">
      <nav className="sidebar" aria-label="Main">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true" /> Airlock
        </div>
        <ul>
          {routes.map((r) => (
            <li key={r.path}>
              <a href={`#/${r.path}`} aria-current={r.path === route.path ? 'page' : undefined}>
                {r.label}
              </a>
            </li>
          ))}
        </ul>
        <div className="sidebar-footer">
          <span className={`dot dot-${connection.status}`} aria-hidden="true" />
          <span data-testid="connection-status">{connection.status === 'connected' ? 'Connected to core' : connection.status === 'reconnecting' ? 'Reconnecting…' : 'Connecting…'}</span>
          {onLogout && (
            <button type="button" className="link" onClick={onLogout}>
              Log out
            </button>
          )}
        </div>
      </nav>
      <div className="content">
        <ConnectionBanner />
        <LicenseBanner />
        <main>{route.render()}</main>
      </div>
    </div>
  );
}

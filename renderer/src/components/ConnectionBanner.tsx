import { useEffect, useState } from 'react';
import { reconnectDelayMs } from '../api/ws-core-api';
import { useConnectionState } from '../api/api-context';

/** Says, while it lasts, that the core cannot be reached and that reconnecting is under way. */
export function ConnectionBanner() {
  const state = useConnectionState();
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (state.status !== 'reconnecting') return;
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, [state.status]);

  if (state.status !== 'reconnecting') return null;
  const lostFor = Math.max(0, Math.round((now - state.since) / 1000));
  return (
    <div className="banner banner-error" role="status" data-testid="connection-banner">
      Connection to the Airlock core lost {lostFor > 0 ? `${lostFor} s ago` : 'just now'} ({state.reason ?? 'unknown reason'}). Reconnecting — attempt{' '}
      {state.attempt}, next in {Math.round(reconnectDelayMs(state.attempt) / 1000)} s.
    </div>
  );
}

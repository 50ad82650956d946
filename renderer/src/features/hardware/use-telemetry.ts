import { useEffect, useState } from 'react';
import type { TelemetryTick } from '../../../../electron/shared/hardware';
import { useApi, useConnectionState } from '../../api/api-context';
import { mergeTicks } from './telemetry-window';

/** Live telemetry as the page holds it. */
export interface TelemetryState {
  /** Oldest first, at most the last 10 minutes. */
  ticks: TelemetryTick[];
  /** The core's tick interval (ms), once the history has answered. */
  intervalMs: number | null;
  /** Why the history could not be read, if it could not. */
  historyError: string | null;
}

/**
 * The last 10 minutes of GPU telemetry: seeded from `hardware.history` on every (re)connect, so the
 * ticks the core took while the page was cut off are filled in, and extended by the
 * `hardware.telemetry` event. The subscription is disposed on unmount.
 */
export function useTelemetry(): TelemetryState {
  const api = useApi();
  const connection = useConnectionState();
  const [state, setState] = useState<TelemetryState>({ ticks: [], intervalMs: null, historyError: null });

  useEffect(() => {
    const subscription = api.on('hardware.telemetry', (tick) => setState((s) => ({ ...s, ticks: mergeTicks(s.ticks, [tick]) })));
    return () => void subscription.dispose();
  }, [api]);

  useEffect(() => {
    if (connection.status !== 'connected') return;
    let isCurrent = true;
    api.call('hardware.history', {}).then(
      (history) => isCurrent && setState((s) => ({ ticks: mergeTicks(s.ticks, history.ticks), intervalMs: history.intervalMs, historyError: null })),
      (error: unknown) => isCurrent && setState((s) => ({ ...s, historyError: (error as Error).message })),
    );
    return () => {
      isCurrent = false;
    };
  }, [api, connection.status]);

  return state;
}

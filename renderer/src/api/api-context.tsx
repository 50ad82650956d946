import { createContext, useCallback, useContext, useEffect, useState, useSyncExternalStore } from 'react';
import type { CallInput, CallName, CallOutput } from '../../../electron/shared/contract';
import type { ConnectionState, CoreApi } from './core-api';

export const ApiContext = createContext<CoreApi | undefined>(undefined);

/** The contract client of this window. */
export function useApi(): CoreApi {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi outside <ApiContext.Provider>');
  return api;
}

/**
 * The live connection state. useSyncExternalStore reads the state at subscription time too, so a
 * change between the first render and the subscription (a local WebSocket opens within
 * milliseconds) is never missed — the bug an effect-based subscription had.
 */
export function useConnectionState(): ConnectionState {
  const api = useApi();
  const subscribe = useCallback(
    (onChange: () => void) => {
      const subscription = api.onStateChange(onChange);
      return () => void subscription.dispose();
    },
    [api],
  );
  return useSyncExternalStore(subscribe, () => api.state);
}

export type CallState<T> = { status: 'loading' } | { status: 'ok'; value: T; at: number } | { status: 'error'; message: string; code?: string };

/**
 * Runs a call and re-runs it on reconnect and every `refreshMs`. What it shows is what the core
 * answered, with the time of the answer; a failed refresh shows the error, never the old value.
 */
export function useCall<K extends CallName>(name: K, input: CallInput<K>, refreshMs?: number): [CallState<CallOutput<K>>, () => void] {
  const api = useApi();
  const connection = useConnectionState();
  const [state, setState] = useState<CallState<CallOutput<K>>>({ status: 'loading' });
  const [nonce, setNonce] = useState(0);
  const key = JSON.stringify(input);
  useEffect(() => {
    if (connection.status !== 'connected') return;
    let isCurrent = true;
    const run = () =>
      api.call(name, JSON.parse(key) as CallInput<K>).then(
        (value) => isCurrent && setState({ status: 'ok', value, at: Date.now() }),
        (error: unknown) => isCurrent && setState({ status: 'error', message: (error as Error).message, code: (error as { code?: string }).code }),
      );
    void run();
    const timer = refreshMs ? window.setInterval(() => void run(), refreshMs) : undefined;
    return () => {
      isCurrent = false;
      window.clearInterval(timer);
    };
  }, [api, name, key, refreshMs, connection.status, nonce]);
  return [state, () => setNonce((n) => n + 1)];
}

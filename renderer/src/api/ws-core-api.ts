import type { CallInput, CallName, CallOutput, EventName, EventPayload } from '../../../electron/shared/contract';
import { type Disposable, toDisposable } from '../../../electron/shared/disposable';
import { RpcClient } from '../../../electron/shared/rpc-client';
import type { ConnectionState, CoreApi } from './core-api';
import { fetchSession } from './session';

const browserTimers = { set: (fn: () => void, ms: number) => window.setTimeout(fn, ms), clear: (handle: unknown) => window.clearTimeout(handle as number) };

/** Delay before reconnect attempt `n` (1-based): 0.5 s, 1 s, 2 s, then every 5 s. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(500 * 2 ** Math.max(0, attempt - 1), 5000);
}

/**
 * The browser console's connection: the contract over a WebSocket to `airlock serve`, reconnecting
 * by itself. Before each reconnect it asks whether the session still stands (a restarted core
 * forgets sessions), and shows the login page when it does not.
 */
export function createWsCoreApi(): CoreApi {
  let socket: WebSocket | undefined;
  let state: ConnectionState = { status: 'connecting', attempt: 0, since: Date.now() };
  let retryTimer: number | undefined;
  let isDisposed = false;
  const stateListeners = new Set<(state: ConnectionState) => void>();

  const setState = (next: Omit<ConnectionState, 'since'>) => {
    state = { ...next, since: next.status === state.status ? state.since : Date.now() };
    for (const listener of [...stateListeners]) listener(state);
  };

  const client = new RpcClient({
    send: (text) => {
      if (!socket || socket.readyState !== WebSocket.OPEN) throw new Error('not connected');
      socket.send(text);
    },
    timers: browserTimers,
  });

  const scheduleReconnect = (reason: string) => {
    if (isDisposed) return;
    const attempt = state.attempt + 1;
    setState({ status: 'reconnecting', attempt, reason });
    retryTimer = window.setTimeout(() => {
      void fetchSession().then(
        (isAuthenticated) => (isAuthenticated ? open() : setState({ status: 'logged-out', attempt: 0, reason: 'session ended' })),
        () => scheduleReconnect('the console server does not answer'),
      );
    }, reconnectDelayMs(attempt));
  };

  const open = () => {
    if (isDisposed) return;
    const url = new URL('api/ws', window.location.href);
    url.protocol = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(url);
    socket = ws;
    let didOpen = false;
    ws.onopen = () => {
      didOpen = true;
      setState({ status: 'connected', attempt: 0 });
      client.resubscribe();
    };
    ws.onmessage = (event) => {
      if (typeof event.data === 'string') client.receive(event.data);
    };
    ws.onclose = (event) => {
      if (socket !== ws) return;
      socket = undefined;
      client.failPending();
      scheduleReconnect(didOpen ? `connection closed (code ${event.code})` : 'could not connect');
    };
  };

  open();

  return {
    call: <K extends CallName>(name: K, input: CallInput<K>): Promise<CallOutput<K>> => client.call(name, input),
    on: <K extends EventName>(name: K, listener: (payload: EventPayload<K>) => void): Disposable => client.on(name, listener),
    get state() {
      return state;
    },
    onStateChange(listener) {
      stateListeners.add(listener);
      return toDisposable(() => {
        stateListeners.delete(listener);
      });
    },
    dispose() {
      isDisposed = true;
      window.clearTimeout(retryTimer);
      socket?.close();
      client.failPending();
    },
  };
}

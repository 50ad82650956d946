import type { CallInput, CallName, CallOutput, EventName, EventPayload } from '../../../electron/shared/contract';
import type { Disposable } from '../../../electron/shared/disposable';

/** Connection to the core as the UI sees it. */
export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'logged-out';

export interface ConnectionState {
  status: ConnectionStatus;
  /** Reconnect attempts since the connection was lost. */
  attempt: number;
  /** When the current status began (ms epoch). */
  since: number;
  /** Why the last connection closed, when known. */
  reason?: string;
}

/** The one client of the contract in the UI. Pages use this, never a transport directly. */
export interface CoreApi {
  call<K extends CallName>(name: K, input: CallInput<K>): Promise<CallOutput<K>>;
  on<K extends EventName>(name: K, listener: (payload: EventPayload<K>) => void): Disposable;
  readonly state: ConnectionState;
  onStateChange(listener: (state: ConnectionState) => void): Disposable;
  dispose(): void;
}

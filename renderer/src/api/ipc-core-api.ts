import type { AirlockBridge, BridgeResult } from '../../../electron/shared/bridge';
import { type CallInput, type CallName, type CallOutput, type EventName, type EventPayload, eventListenerName, splitName } from '../../../electron/shared/contract';
import { type Disposable, toDisposable } from '../../../electron/shared/disposable';
import { RemoteError } from '../../../electron/shared/rpc-client';
import type { ConnectionState, CoreApi } from './core-api';

type LooseBridge = Record<string, Record<string, (arg: unknown) => unknown>>;

/** The desktop app's connection: the task-named functions the preload put on `window.airlock`. */
export function createIpcCoreApi(bridge: AirlockBridge): CoreApi {
  const loose = bridge as unknown as LooseBridge;
  const state: ConnectionState = { status: 'connected', attempt: 0, since: Date.now() };
  return {
    async call<K extends CallName>(name: K, input: CallInput<K>): Promise<CallOutput<K>> {
      const [namespace, method] = splitName(name);
      const result = (await loose[namespace]![method]!(input)) as BridgeResult<CallOutput<K>>;
      if (!result.ok) throw new RemoteError(result.error);
      return result.value;
    },
    on<K extends EventName>(name: K, listener: (payload: EventPayload<K>) => void): Disposable {
      const { namespace, method } = eventListenerName(name);
      const unsubscribe = loose[namespace]![method]!(listener) as () => void;
      return toDisposable(unsubscribe);
    },
    state,
    onStateChange: () => toDisposable(() => undefined),
    dispose: () => undefined,
  };
}

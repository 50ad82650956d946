/**
 * The shape of `window.airlock` in the desktop app, derived from the contract: one task-named
 * function per call (`window.airlock.store.health({})`) and one listener per event
 * (`window.airlock.app.onHeartbeat(cb)`). The preload builds it; nothing generic is exposed.
 */
import type { CallInput, CallName, CallOutput, EventName, EventPayload } from './contract';
import type { WireError } from './errors';

/** Calls never reject across the bridge: errors come back as data, with their catalogue code. */
export type BridgeResult<T> = { ok: true; value: T } | { ok: false; error: WireError };

type Namespace<K extends string> = K extends `${infer NS}.${string}` ? NS : never;
type Method<K extends string> = K extends `${string}.${infer M}` ? M : never;

export type AirlockBridge = {
  [NS in Namespace<CallName | EventName>]: {
    [K in CallName as Namespace<K> extends NS ? Method<K> : never]: (input: CallInput<K>) => Promise<BridgeResult<CallOutput<K>>>;
  } & {
    [K in EventName as Namespace<K> extends NS ? `on${Capitalize<Method<K>>}` : never]: (listener: (payload: EventPayload<K>) => void) => () => void;
  };
};

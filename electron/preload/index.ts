/**
 * The sandboxed preload. It exposes `window.airlock`: one task-named function per contract call and
 * one listener per event, generated from the contract's names. Nothing generic (no `send`, no
 * channel argument) crosses into the page.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { callNames, eventListenerName, eventNames, splitName } from '../shared/contract';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL, IPC_SUBSCRIBE_CHANNEL } from '../shared/ipc-channels';

type Listener = (payload: unknown) => void;
const listeners = new Map<string, Set<Listener>>();

ipcRenderer.on(IPC_EVENT_CHANNEL, (_event, name: unknown, payload: unknown) => {
  if (typeof name !== 'string') return;
  for (const listener of [...(listeners.get(name) ?? [])]) listener(payload);
});

const bridge: Record<string, Record<string, unknown>> = {};

for (const name of callNames) {
  const [namespace, method] = splitName(name);
  (bridge[namespace] ??= {})[method] = (input: unknown) => ipcRenderer.invoke(IPC_CALL_CHANNEL, name, input ?? {});
}

for (const name of eventNames) {
  const { namespace, method } = eventListenerName(name);
  (bridge[namespace] ??= {})[method] = (listener: unknown) => {
    if (typeof listener !== 'function') throw new TypeError(`window.airlock.${namespace}.${method} needs a function`);
    let set = listeners.get(name);
    if (!set) {
      set = new Set();
      listeners.set(name, set);
      ipcRenderer.send(IPC_SUBSCRIBE_CHANNEL, name, true);
    }
    const typed = listener as Listener;
    set.add(typed);
    return () => {
      const current = listeners.get(name);
      if (!current?.delete(typed) || current.size > 0) return;
      listeners.delete(name);
      ipcRenderer.send(IPC_SUBSCRIBE_CHANNEL, name, false);
    };
  };
}

contextBridge.exposeInMainWorld('airlock', bridge);

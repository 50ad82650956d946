import { ipcMain, type WebContents, type WebFrameMain } from 'electron';
import { isCallName, isEventName } from '../shared/contract';
import type { Disposable } from '../shared/disposable';
import { AirlockError, isAirlockError } from '../shared/errors';
import { APP_ORIGIN, IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL, IPC_SUBSCRIBE_CHANNEL } from '../shared/ipc-channels';
import { RemoteError, type RpcClient } from '../shared/rpc-client';

/** Only the top frame of our own UI, loaded from the app protocol, may call the core. */
export function isTrustedSender(frame: WebFrameMain | null | undefined, contents: WebContents): boolean {
  if (!frame || frame !== contents.mainFrame) return false;
  try {
    return new URL(frame.url).origin === APP_ORIGIN;
  } catch {
    return false;
  }
}

/**
 * Bridges the renderer's task-named calls to the core: sender checked first, then the name; the
 * core parses the payload with its schema. Errors come back as data ({ok:false, error}).
 */
export function registerIpcBridge(getClient: () => RpcClient): Disposable {
  const subscriptions = new Map<number, Map<string, Disposable>>();

  ipcMain.handle(IPC_CALL_CHANNEL, async (event, name: unknown, input: unknown) => {
    if (!isTrustedSender(event.senderFrame, event.sender)) {
      return { ok: false, error: new AirlockError('CONTRACT_SENDER_REJECTED', { origin: event.senderFrame?.url ?? 'unknown' }).toWire() };
    }
    if (!isCallName(name)) return { ok: false, error: new AirlockError('CONTRACT_UNKNOWN_CALL', { name: String(name).slice(0, 100) }).toWire() };
    try {
      return { ok: true, value: await getClient().callRaw(name, input) };
    } catch (error) {
      if (error instanceof RemoteError) return { ok: false, error: { code: error.code, message: error.message, data: error.data } };
      if (isAirlockError(error)) return { ok: false, error: error.toWire() };
      return { ok: false, error: new AirlockError('CONTRACT_DISCONNECTED', { name }).toWire() };
    }
  });

  ipcMain.on(IPC_SUBSCRIBE_CHANNEL, (event, name: unknown, isOn: unknown) => {
    if (!isTrustedSender(event.senderFrame, event.sender) || !isEventName(name) || typeof isOn !== 'boolean') return;
    const contents = event.sender;
    let perContents = subscriptions.get(contents.id);
    if (!perContents) {
      perContents = new Map();
      subscriptions.set(contents.id, perContents);
      contents.once('destroyed', () => {
        for (const subscription of perContents!.values()) void subscription.dispose();
        subscriptions.delete(contents.id);
      });
    }
    if (isOn && !perContents.has(name)) {
      perContents.set(
        name,
        getClient().on(name, (payload) => {
          if (!contents.isDestroyed()) contents.send(IPC_EVENT_CHANNEL, name, payload);
        }),
      );
    } else if (!isOn) {
      void perContents.get(name)?.dispose();
      perContents.delete(name);
    }
  });

  return {
    dispose: () => {
      ipcMain.removeHandler(IPC_CALL_CHANNEL);
      ipcMain.removeAllListeners(IPC_SUBSCRIBE_CHANNEL);
      for (const perContents of subscriptions.values()) for (const subscription of perContents.values()) void subscription.dispose();
      subscriptions.clear();
    },
  };
}

import { type CallContext, isEventName } from '../../shared/contract';
import type { Disposable } from '../../shared/disposable';
import { AirlockError } from '../../shared/errors';
import { clientMessageSchema, parseFrame } from '../../shared/wire';
import type { Dispatcher } from './dispatcher';
import type { EventHub } from './event-hub';

/** One client of the core, over any text channel. */
export interface Connection extends Disposable {
  /** Feeds one text frame from the client. */
  receive(text: string): void;
}

/**
 * Serves the contract to one client: calls go through the dispatcher, subscriptions to the hub.
 * `send` must not throw; a closed channel drops the message. `context` says who the client is (the
 * transport knows: the control socket, a console session, the desktop window).
 */
export function serveConnection(send: (text: string) => void, dispatcher: Dispatcher, hub: EventHub, context: CallContext): Connection {
  const subscriptions = new Map<string, Disposable>();
  let isClosed = false;
  const post = (message: object) => {
    if (!isClosed) send(JSON.stringify(message));
  };

  return {
    receive(text) {
      if (isClosed) return;
      const parsed = parseFrame(text, clientMessageSchema);
      if (!parsed.ok) {
        post({ t: 'notice', error: new AirlockError('CONTRACT_INVALID_MESSAGE', { reason: parsed.reason }).toWire() });
        return;
      }
      const message = parsed.message;
      if (message.t === 'call') {
        void dispatcher.dispatch(message.name, message.input, context).then((result) => post({ t: 'result', id: message.id, ...result }));
        return;
      }
      if (!isEventName(message.name)) {
        post({ t: 'notice', error: new AirlockError('CONTRACT_INVALID_MESSAGE', { reason: `unknown event "${message.name.slice(0, 100)}"` }).toWire() });
        return;
      }
      const name = message.name;
      if (message.t === 'sub' && !subscriptions.has(name)) {
        subscriptions.set(name, hub.subscribe(name, (payload) => post({ t: 'event', name, payload })));
      } else if (message.t === 'unsub') {
        void subscriptions.get(name)?.dispose();
        subscriptions.delete(name);
      }
    },
    dispose() {
      isClosed = true;
      for (const subscription of subscriptions.values()) void subscription.dispose();
      subscriptions.clear();
    },
  };
}

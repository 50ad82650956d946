import type { EventName, EventPayload } from '../../shared/contract';
import { type Disposable, toDisposable } from '../../shared/disposable';

type Listener = (payload: unknown) => void;

/** Core-side publisher of contract events. Services emit; connections subscribe. */
export class EventHub {
  private readonly listeners = new Map<EventName, Set<Listener>>();

  emit<K extends EventName>(name: K, payload: EventPayload<K>): void {
    const set = this.listeners.get(name);
    if (!set) return;
    for (const listener of [...set]) listener(payload);
  }

  subscribe<K extends EventName>(name: K, listener: (payload: EventPayload<K>) => void): Disposable {
    let set = this.listeners.get(name);
    if (!set) {
      set = new Set();
      this.listeners.set(name, set);
    }
    const typed = listener as Listener;
    set.add(typed);
    return toDisposable(() => {
      set.delete(typed);
    });
  }

  /** Number of listeners for `name`: services skip work nobody is watching. */
  listenerCount(name: EventName): number {
    return this.listeners.get(name)?.size ?? 0;
  }
}

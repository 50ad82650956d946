/**
 * The client side of the contract over any text channel. Used by the CLI (control socket), the
 * browser console (WebSocket) and the Electron main process (MessagePort to the core).
 */
import type { CallInput, CallName, CallOutput, EventName, EventPayload } from './contract';
import { contract } from './contract';
import type { Disposable } from './disposable';
import { toDisposable } from './disposable';
import { AirlockError, type WireError } from './errors';
import { parseFrame, serverMessageSchema } from './wire';

/** Timer functions, injected so this file needs neither DOM nor Node typings. */
export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

/** Error returned by the core, with its catalogue code. */
export class RemoteError extends Error {
  readonly code: WireError['code'];
  readonly data: Record<string, unknown>;
  constructor(wire: WireError) {
    super(wire.message);
    this.name = 'RemoteError';
    this.code = wire.code;
    this.data = wire.data;
  }
}

interface Pending {
  name: string;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: unknown;
}

type Listener = (payload: unknown) => void;

export interface RpcClientOptions {
  /** Sends one text frame; throws or returns false when the channel is closed. */
  send: (text: string) => void;
  timers: Timers;
  /** Per-call deadline. */
  timeoutMs?: number;
}

export class RpcClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly send: (text: string) => void;
  private readonly timers: Timers;
  private readonly timeoutMs: number;

  constructor(options: RpcClientOptions) {
    this.send = options.send;
    this.timers = options.timers;
    this.timeoutMs = options.timeoutMs ?? 15_000;
  }

  /** Calls `name` on the core. Rejects with RemoteError (core said no) or AirlockError (transport). */
  call<K extends CallName>(name: K, input: CallInput<K>): Promise<CallOutput<K>> {
    return this.callRaw(name, input) as Promise<CallOutput<K>>;
  }

  /** Untyped call, for bridges that forward what they were given (the core still validates). */
  callRaw(name: string, input: unknown): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = this.timers.set(() => {
        this.pending.delete(id);
        reject(new AirlockError('CONTRACT_TIMEOUT', { name, timeoutMs: this.timeoutMs }));
      }, this.timeoutMs);
      this.pending.set(id, { name, resolve, reject, timer });
      try {
        this.send(JSON.stringify({ t: 'call', id, name, input }));
      } catch {
        this.settle(id);
        reject(new AirlockError('CONTRACT_DISCONNECTED', { name }));
      }
    });
  }

  /** Listens to an event; the first listener subscribes on the core, the last one unsubscribes. */
  on<K extends EventName>(name: K, listener: (payload: EventPayload<K>) => void): Disposable {
    let set = this.listeners.get(name);
    if (!set) {
      set = new Set();
      this.listeners.set(name, set);
      this.trySend({ t: 'sub', name });
    }
    const typed = listener as Listener;
    set.add(typed);
    return toDisposable(() => {
      const current = this.listeners.get(name);
      if (!current) return;
      current.delete(typed);
      if (current.size === 0) {
        this.listeners.delete(name);
        this.trySend({ t: 'unsub', name });
      }
    });
  }

  /** Re-sends the subscriptions after the channel reconnects. */
  resubscribe(): void {
    for (const name of this.listeners.keys()) this.trySend({ t: 'sub', name });
  }

  /** Feeds one frame received from the core. Malformed frames are ignored (and reported). */
  receive(text: string): void {
    const parsed = parseFrame(text, serverMessageSchema);
    if (!parsed.ok) return;
    const message = parsed.message;
    if (message.t === 'result') {
      const pending = this.settle(message.id);
      if (!pending) return;
      if (message.ok) pending.resolve(message.value);
      else pending.reject(new RemoteError(message.error));
    } else if (message.t === 'event') {
      const set = this.listeners.get(message.name);
      if (!set) return;
      const schema = contract.events[message.name as EventName];
      const checked = schema ? schema.safeParse(message.payload) : undefined;
      if (!checked?.success) return;
      for (const listener of [...set]) listener(checked.data);
    }
  }

  /** Fails every call in flight; call when the channel closes. Subscriptions are kept for resubscribe(). */
  failPending(): void {
    for (const [id, pending] of [...this.pending]) {
      this.settle(id);
      pending.reject(new AirlockError('CONTRACT_DISCONNECTED', { name: pending.name }));
    }
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  private settle(id: number): Pending | undefined {
    const pending = this.pending.get(id);
    if (!pending) return undefined;
    this.pending.delete(id);
    this.timers.clear(pending.timer);
    return pending;
  }

  private trySend(message: object): void {
    try {
      this.send(JSON.stringify(message));
    } catch {
      // Closed channel: resubscribe() restores subscriptions on reconnect.
    }
  }
}

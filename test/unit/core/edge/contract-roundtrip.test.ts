import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { serveConnection } from '../../../../electron/core/edge/connection';
import { createDispatcher } from '../../../../electron/core/edge/dispatcher';
import { EventHub } from '../../../../electron/core/edge/event-hub';
import { createLogger } from '../../../../electron/core/logger';
import type { CallHandlers } from '../../../../electron/shared/contract';
import { AirlockError } from '../../../../electron/shared/errors';
import { RemoteError, RpcClient } from '../../../../electron/shared/rpc-client';

const timers = { set: (fn: () => void, ms: number) => setTimeout(fn, ms), clear: (handle: unknown) => clearTimeout(handle as NodeJS.Timeout) };

const storeHealth = {
  isHealthy: true,
  path: '/d/config.db',
  schemaVersion: 1,
  supportedSchemaVersion: 1,
  journalMode: 'wal',
  synchronous: 'FULL',
  integrity: 'ok',
  sizeBytes: 4096,
  walBytes: 0,
  checkedAt: '2026-11-21T12:00:00.000Z',
  checkMs: 0.2,
};

/** Only the calls these tests make; the others are never reached. */
function makeHandlers(overrides: Partial<CallHandlers> = {}): CallHandlers {
  return {
    'app.info': async () => ({ name: 'Airlock', version: '1.2.3', commit: 'abc', builtAt: 'x', runtime: { node: '24', platform: 'linux', arch: 'x64' }, mode: 'console', pid: 1 }),
    'app.status': async () => ({ startedAt: 'x', uptimeSeconds: 5, dataDir: '/d' }),
    'store.health': async () => storeHealth,
    ...overrides,
  } as CallHandlers;
}

/** A client wired to a core edge in memory, with the frames recorded. */
function wire(handlers: CallHandlers) {
  const logLines: string[] = [];
  const hub = new EventHub();
  const dispatcher = createDispatcher(handlers, createLogger({ write: (line) => logLines.push(line) }));
  const toClient: string[] = [];
  const peer: { client?: RpcClient } = {};
  const connection = serveConnection(
    (text) => {
      toClient.push(text);
      queueMicrotask(() => peer.client!.receive(text));
    },
    dispatcher,
    hub,
    { actor: 'test' },
  );
  const client = new RpcClient({ send: (text) => queueMicrotask(() => connection.receive(text)), timers, timeoutMs: 200 });
  peer.client = client;
  return { client, connection, hub, dispatcher, toClient, logLines };
}

describe('contract over a text channel', () => {
  it('returns the handler result, checked against the output schema', async () => {
    const { client } = wire(makeHandlers());
    await expect(client.call('store.health', {})).resolves.toEqual(storeHealth);
  });

  it('hands each handler the context of the connection the call came over (the audit trail\'s actor)', async () => {
    const seen: string[] = [];
    const handlers = makeHandlers({
      'store.health': async (_input, context) => {
        seen.push(context.actor);
        return storeHealth;
      },
    });
    const { client } = wire(handlers);
    await client.call('store.health', {});
    expect(seen).toEqual(['test']);
  });

  it('refuses unknown calls, including prototype names, with CONTRACT_UNKNOWN_CALL', async () => {
    const { client } = wire(makeHandlers());
    for (const name of ['nope', '__proto__', 'toString', 'constructor']) {
      await expect(client.callRaw(name, {})).rejects.toMatchObject({ code: 'CONTRACT_UNKNOWN_CALL' });
    }
  });

  it('refuses input that does not match the schema, naming the field', async () => {
    const { client } = wire(makeHandlers());
    const error = (await client.callRaw('app.info', { extra: 1 }).catch((e: unknown) => e)) as RemoteError;
    expect(error).toBeInstanceOf(RemoteError);
    expect(error.code).toBe('CONTRACT_INVALID_INPUT');
    expect(error.message).toContain('app.info');
    await expect(client.callRaw('app.info', 'a string')).rejects.toMatchObject({ code: 'CONTRACT_INVALID_INPUT' });
  });

  it('passes catalogue errors through and hides unexpected ones behind a reference', async () => {
    const secret = 'sk-live-canary-0123456789abcdef';
    const { client, logLines } = wire(
      makeHandlers({
        'app.status': async () => {
          throw new AirlockError('DATA_DIR_UNUSABLE', { path: '/d', reason: 'gone' });
        },
        'store.health': async () => {
          throw new Error(`connection to upstream with key ${secret} failed`);
        },
      }),
    );
    await expect(client.call('app.status', {})).rejects.toMatchObject({ code: 'DATA_DIR_UNUSABLE', data: { path: '/d', reason: 'gone' } });
    const internal = (await client.call('store.health', {}).catch((e: unknown) => e)) as RemoteError;
    expect(internal.code).toBe('INTERNAL');
    expect(internal.message).not.toContain(secret);
    const ref = (internal.data as { ref: string }).ref;
    expect(logLines.join('')).toContain(ref);
  });

  it('reports a handler that breaks the output contract as INTERNAL instead of passing it on', async () => {
    const { client } = wire(makeHandlers({ 'store.health': async () => ({ ...storeHealth, schemaVersion: 'one' as unknown as number }) }));
    await expect(client.call('store.health', {})).rejects.toMatchObject({ code: 'INTERNAL' });
  });

  it('answers malformed frames with a notice, not a crash', async () => {
    const { connection, toClient } = wire(makeHandlers());
    for (const frame of ['', 'not json', '{"t":"call"}', '{"t":"boom","id":1}', '[]', 'null', JSON.stringify({ t: 'call', id: -1, name: 'app.info', input: {} })]) {
      connection.receive(frame);
    }
    connection.receive('x'.repeat(1024 * 1024 + 1));
    expect(toClient).toHaveLength(8);
    for (const frame of toClient) expect(JSON.parse(frame)).toMatchObject({ t: 'notice', error: { code: 'CONTRACT_INVALID_MESSAGE' } });
  });

  it('delivers subscribed events, schema-checked, and stops after the last listener goes', async () => {
    const { client, hub } = wire(makeHandlers());
    const seen: number[] = [];
    const first = client.on('app.heartbeat', (payload) => seen.push(payload.uptimeSeconds));
    const second = client.on('app.heartbeat', () => undefined);
    await vi.waitFor(() => expect(hub.listenerCount('app.heartbeat')).toBe(1));
    hub.emit('app.heartbeat', { at: 'now', uptimeSeconds: 7 });
    await vi.waitFor(() => expect(seen).toEqual([7]));
    await first.dispose();
    expect(hub.listenerCount('app.heartbeat')).toBe(1);
    await second.dispose();
    await vi.waitFor(() => expect(hub.listenerCount('app.heartbeat')).toBe(0));
  });

  it('drops event payloads that do not match the contract', () => {
    const client = new RpcClient({ send: () => undefined, timers });
    const seen: unknown[] = [];
    client.on('app.heartbeat', (payload) => seen.push(payload));
    client.receive(JSON.stringify({ t: 'event', name: 'app.heartbeat', payload: { at: 1 } }));
    client.receive(JSON.stringify({ t: 'event', name: 'app.heartbeat', payload: { at: 'x', uptimeSeconds: 1 } }));
    expect(seen).toEqual([{ at: 'x', uptimeSeconds: 1 }]);
  });

  it('disposing a connection removes its subscriptions from the hub', async () => {
    const { client, connection, hub } = wire(makeHandlers());
    client.on('app.heartbeat', () => undefined);
    await vi.waitFor(() => expect(hub.listenerCount('app.heartbeat')).toBe(1));
    await connection.dispose();
    expect(hub.listenerCount('app.heartbeat')).toBe(0);
  });
});

describe('RpcClient deadlines and disconnects', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('rejects a call the core never answers with CONTRACT_TIMEOUT', async () => {
    const client = new RpcClient({ send: () => undefined, timers, timeoutMs: 1000 });
    const pending = client.call('app.info', {});
    vi.advanceTimersByTime(1001);
    await expect(pending).rejects.toMatchObject({ code: 'CONTRACT_TIMEOUT', data: { name: 'app.info', timeoutMs: 1000 } });
    expect(client.pendingCount).toBe(0);
  });

  it('rejects calls in flight with CONTRACT_DISCONNECTED when the channel closes, and when it cannot send', async () => {
    const client = new RpcClient({ send: () => undefined, timers });
    const pending = client.call('app.info', {});
    client.failPending();
    await expect(pending).rejects.toMatchObject({ code: 'CONTRACT_DISCONNECTED' });
    const closed = new RpcClient({
      send: () => {
        throw new Error('closed');
      },
      timers,
    });
    await expect(closed.call('app.info', {})).rejects.toMatchObject({ code: 'CONTRACT_DISCONNECTED' });
    expect(closed.pendingCount).toBe(0);
  });

  it('re-sends subscriptions after a reconnect', () => {
    const sent: string[] = [];
    const client = new RpcClient({ send: (text) => sent.push(text), timers });
    client.on('app.heartbeat', () => undefined);
    client.resubscribe();
    expect(sent.map((text) => JSON.parse(text) as unknown)).toEqual([
      { t: 'sub', name: 'app.heartbeat' },
      { t: 'sub', name: 'app.heartbeat' },
    ]);
  });
});


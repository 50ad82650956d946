/**
 * Both ends of the private channel between the core and its gateway, over a real Unix socket:
 * the core's listenGatewayChannel (electron/core/gateway/gateway-channel.ts) and the gateway's
 * openConfigChannel (electron/gateway/config-channel.ts).
 */
import { existsSync, statSync } from 'node:fs';
import { type Server, type Socket, connect, createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { listenGatewayChannel } from '../../../../electron/core/gateway/gateway-channel';
import { createLogger } from '../../../../electron/core/logger';
import { type ConfigChannel, openConfigChannel } from '../../../../electron/gateway/config-channel';
import { type GatewayLogger, createGatewayLogger } from '../../../../electron/gateway/logger';
import type { GatewayStatus } from '../../../../electron/shared/gateway/channel';
import type { GatewayConfig } from '../../../../electron/shared/gateway/config';
import { manualClock, useTempDir } from '../../../helpers/temp-dir';

function configOf(version: number, overrides: Partial<GatewayConfig> = {}): GatewayConfig {
  return {
    version,
    listen: { host: '127.0.0.1', port: 5052, tlsCertPath: null, tlsKeyPath: null, metricsHost: '127.0.0.1', metricsPort: 8082 },
    gitlab: { url: null, instanceId: null },
    airlockTokens: { keys: [], active: [] },
    deployments: [{ name: 'codestral', family: 'codestral', platform: 'vllm-remote', endpoint: 'http://gpu-1:8000/v1', identifier: 'custom_openai/Codestral-22B', apiKey: 'sk-channel-only', timeoutMs: 60_000 }],
    features: { code_completions: 'codestral' },
    network: { allowedNetworks: [], trustedProxies: [] },
    limits: { maxBodyBytes: 8 * 1024 * 1024, streamIdleMs: 60_000 },
    requestLog: { path: null, isAiLoggingEnabled: false, retentionDays: 30 },
    bedrock: { region: null, endpoint: null },
    ...overrides,
  };
}

const status: GatewayStatus = {
  pid: 4242,
  version: '0.1.0',
  startedAt: '2026-11-21T12:00:00.000Z',
  appliedVersion: 1,
  needsRestart: false,
  listening: { url: 'http://127.0.0.1:5052', metricsUrl: null },
  inFlight: 0,
  requests: { total: 10, authFailures: 1 },
  requestLog: null,
  gitlabKeys: null,
  rssBytes: 50_000_000,
};

type Message = { t: string; [key: string]: unknown };

/** A bare client of the core's socket that speaks the protocol by hand. */
class RawPeer {
  readonly socket: Socket;
  readonly received: Message[] = [];
  isClosed = false;
  readonly closed: Promise<void>;
  private buffer = '';

  constructor(path: string) {
    this.socket = connect(path);
    this.socket.setEncoding('utf8');
    this.socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      let newline = this.buffer.indexOf('\n');
      while (newline >= 0) {
        this.received.push(JSON.parse(this.buffer.slice(0, newline)) as Message);
        this.buffer = this.buffer.slice(newline + 1);
        newline = this.buffer.indexOf('\n');
      }
    });
    this.socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      this.socket.on('close', () => {
        this.isClosed = true;
        resolve();
      }),
    );
  }

  send(message: unknown): void {
    this.socket.write(`${JSON.stringify(message)}\n`);
  }

  hello(token: string): void {
    this.send({ t: 'hello', token, pid: 4242, version: '0.1.0' });
  }

  /** The `count`-th message received (1-based), once it is in. */
  async message(count: number): Promise<Message> {
    await vi.waitFor(() => expect(this.received.length).toBeGreaterThanOrEqual(count));
    return this.received[count - 1]!;
  }
}

/** A stand-in for the core's socket, to test the gateway's end alone (restarts, silence, garbage). */
async function fakeCore(path: string, onHello: (socket: Socket, hello: Message) => void) {
  const sockets = new Set<Socket>();
  const frames: Message[] = [];
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.setEncoding('utf8');
    let buffer = '';
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let newline = buffer.indexOf('\n');
      while (newline >= 0) {
        const message = JSON.parse(buffer.slice(0, newline)) as Message;
        buffer = buffer.slice(newline + 1);
        frames.push(message);
        if (message.t === 'hello') onHello(socket, message);
        newline = buffer.indexOf('\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return {
    frames,
    connections: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

const frame = (message: unknown) => `${JSON.stringify(message)}\n`;

describe('gateway channel', () => {
  const tempDir = useTempDir();
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    vi.useRealTimers();
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function capture() {
    const lines: string[] = [];
    return { lines, logger: createLogger({ level: 'debug', write: (line) => void lines.push(line) }) };
  }

  async function listen(options: { config?: (version: number) => GatewayConfig } = {}) {
    const path = join(tempDir(), 'gw.sock');
    const clock = manualClock();
    const log = capture();
    const built: number[] = [];
    const channel = await listenGatewayChannel({
      path,
      logger: log.logger,
      now: clock.now,
      config: (version) => {
        built.push(version);
        return (options.config ?? configOf)(version);
      },
    });
    cleanups.push(() => channel.dispose());
    const peer = () => {
      const raw = new RawPeer(path);
      cleanups.push(() => raw.socket.destroy());
      return raw;
    };
    return { path, clock, channel, peer, built, logLines: log.lines };
  }

  function gateway(path: string, token: string, onConfig: (config: GatewayConfig) => string | null = () => null, logger: GatewayLogger = createGatewayLogger({ write: () => undefined })): ConfigChannel {
    const end = openConfigChannel({ path, token, version: '0.1.0', logger, onConfig, reconnectMs: 20 });
    cleanups.push(() => end.dispose());
    return end;
  }

  describe('the core\'s end', () => {
    it('listens on an owner-only (0600) socket and removes it when disposed', async () => {
      const { path, channel } = await listen();
      expect(statSync(path).isSocket()).toBe(true);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      await channel.dispose();
      expect(existsSync(path)).toBe(false);
    });

    it('restores the process umask after creating the socket', async () => {
      const before = process.umask();
      await listen();
      expect(process.umask()).toBe(before);
    });

    it('answers a hello with the current token with the configuration, then sends a new version on each push', async () => {
      const { channel, peer } = await listen();
      const token = channel.issueToken();
      expect(channel.state()).toMatchObject({ isConnected: false, sentVersion: null });
      const gw = peer();
      gw.hello(token);
      const first = await gw.message(1);
      expect(first).toEqual({ t: 'config', config: configOf(1) });
      await vi.waitFor(() => expect(channel.state()).toMatchObject({ isConnected: true, sentVersion: 1, appliedVersion: null }));

      channel.push();
      channel.push();
      expect((await gw.message(2)).config).toMatchObject({ version: 2 });
      expect((await gw.message(3)).config).toMatchObject({ version: 3 });
      expect(channel.state().sentVersion).toBe(3);
    });

    it('records what the gateway applied, refused and reported', async () => {
      const { channel, peer, clock } = await listen();
      const gw = peer();
      gw.hello(channel.issueToken());
      await gw.message(1);

      gw.send({ t: 'applied', version: 1 });
      await vi.waitFor(() => expect(channel.state().appliedVersion).toBe(1));

      channel.push();
      await gw.message(2);
      gw.send({ t: 'rejected', version: 2, reason: 'listen.port: too small' });
      await vi.waitFor(() => expect(channel.state().rejection).toBe('listen.port: too small'));
      expect(channel.state().appliedVersion).toBe(1);

      clock.advance(5000);
      gw.send({ t: 'status', status });
      await vi.waitFor(() => expect(channel.state().status).toEqual(status));
      expect(channel.state().statusAt).toBe(clock.now());

      channel.push();
      await gw.message(3);
      gw.send({ t: 'applied', version: 3 });
      await vi.waitFor(() => expect(channel.state()).toMatchObject({ appliedVersion: 3, rejection: null }));
    });

    it('refuses a wrong token and closes the connection; the state stays disconnected', async () => {
      const { channel, peer, built } = await listen();
      const token = channel.issueToken();
      const gw = peer();
      gw.hello(`${token.slice(0, -1)}x`);
      expect(await gw.message(1)).toMatchObject({ t: 'refused', reason: expect.stringContaining('not the current one') });
      await gw.closed;
      expect(gw.received).toHaveLength(1);
      expect(built).toEqual([]);
      expect(channel.state()).toMatchObject({ isConnected: false, sentVersion: null });
      // A push with nobody connected sends nothing and builds nothing.
      channel.push();
      expect(built).toEqual([]);
    });

    it('refuses every hello before a token is issued, and a token that was replaced', async () => {
      const { channel, peer } = await listen();
      const early = peer();
      early.hello('');
      expect(await early.message(1)).toMatchObject({ t: 'refused' });
      await early.closed;

      const stale = channel.issueToken();
      const current = channel.issueToken();
      expect(current).not.toBe(stale);
      const old = peer();
      old.hello(stale);
      expect(await old.message(1)).toMatchObject({ t: 'refused' });
      await old.closed;
      expect(channel.state().isConnected).toBe(false);
    });

    it('closes a connection that never says hello, after the hello timeout (5 s)', async () => {
      // Only the timers are faked: the sockets are real. The core arms its timer on connection;
      // wait for that (a real tick at a time) before moving the clock.
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const { peer } = await listen();
      const silent = peer();
      await vi.waitFor(() => expect(vi.getTimerCount()).toBe(1));
      vi.advanceTimersByTime(4999);
      await new Promise((resolve) => setImmediate(resolve));
      expect(silent.isClosed).toBe(false);
      vi.advanceTimersByTime(1);
      await silent.closed;
      expect(silent.received).toEqual([]);
    });

    it('keeps an authenticated connection past the hello timeout', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const { channel, peer } = await listen();
      const gw = peer();
      gw.hello(channel.issueToken());
      await gw.message(1);
      vi.advanceTimersByTime(60_000);
      await new Promise((resolve) => setImmediate(resolve));
      expect(gw.isClosed).toBe(false);
      expect(channel.state().isConnected).toBe(true);
    });

    it('closes a connection that speaks before saying hello', async () => {
      const { channel, peer } = await listen();
      channel.issueToken();
      const gw = peer();
      gw.send({ t: 'status', status });
      await gw.closed;
      expect(channel.state().status).toBeNull();
    });

    it('closes a connection that sends a malformed frame, before or after its hello', async () => {
      const { channel, peer } = await listen();
      const token = channel.issueToken();

      const notJson = peer();
      notJson.socket.write('{ this is not json\n');
      await notJson.closed;

      const unknownMessage = peer();
      unknownMessage.send({ t: 'shutdown' });
      await unknownMessage.closed;

      const gw = peer();
      gw.hello(token);
      await gw.message(1);
      await vi.waitFor(() => expect(channel.state().isConnected).toBe(true));
      gw.send({ t: 'applied', version: 'one' });
      await gw.closed;
      await vi.waitFor(() => expect(channel.state().isConnected).toBe(false));
      expect(channel.state().appliedVersion).toBeNull();
    });

    it('closes a connection that sends a frame over the size limit', async () => {
      const { peer } = await listen();
      const big = peer();
      big.socket.write(`{"t":"hello","token":"${'x'.repeat(17 * 1024 * 1024)}`);
      await big.closed;
    });

    it('lets a newer gateway replace an older one, and stays connected when the older one goes', async () => {
      const { channel, peer } = await listen();
      const token = channel.issueToken();
      const older = peer();
      older.hello(token);
      await older.message(1);
      const newer = peer();
      newer.hello(token);
      expect((await newer.message(1)).config).toMatchObject({ version: 2 });
      await older.closed;
      expect(channel.state().isConnected).toBe(true);
      channel.push();
      expect((await newer.message(2)).config).toMatchObject({ version: 3 });
      expect(older.received).toHaveLength(1);
    });

    it('sends nothing, and keeps the connection, when the configuration cannot be built', async () => {
      let isBroken = false;
      const { channel, peer, logLines } = await listen({
        config: (version) => {
          if (isBroken) throw new Error('gateway.gitlabUrl is not a URL');
          return configOf(version);
        },
      });
      const gw = peer();
      gw.hello(channel.issueToken());
      await gw.message(1);
      isBroken = true;
      channel.push();
      isBroken = false;
      channel.push();
      const next = await gw.message(2);
      // The failed build used up a version number; the gateway only ever sees increasing ones.
      expect(next.config).toMatchObject({ version: 3 });
      expect(gw.isClosed).toBe(false);
      expect(logLines.some((line) => line.includes('cannot build the gateway configuration') && line.includes('gateway.gitlabUrl is not a URL'))).toBe(true);
    });

    it('drops the connection state when the gateway goes away', async () => {
      const { channel, peer } = await listen();
      const gw = peer();
      gw.hello(channel.issueToken());
      await gw.message(1);
      await vi.waitFor(() => expect(channel.state().isConnected).toBe(true));
      gw.socket.destroy();
      await vi.waitFor(() => expect(channel.state().isConnected).toBe(false));
    });
  });

  describe('the gateway\'s end, with the core\'s', () => {
    it('gets its first configuration, which it answers as applied without calling onConfig', async () => {
      const { path, channel } = await listen();
      const onConfig = vi.fn(() => null);
      const end = gateway(path, channel.issueToken(), onConfig);
      expect(await end.firstConfig(5000)).toEqual(configOf(1));
      await vi.waitFor(() => expect(channel.state()).toMatchObject({ isConnected: true, sentVersion: 1, appliedVersion: 1 }));
      expect(onConfig).not.toHaveBeenCalled();
      // Asked again, the same one at once.
      expect(await end.firstConfig(1)).toEqual(configOf(1));
    });

    it('applies every later configuration through onConfig and reports the outcome', async () => {
      const { path, channel } = await listen();
      const applied: number[] = [];
      const end = gateway(path, channel.issueToken(), (config) => {
        applied.push(config.version);
        return config.version === 3 ? 'cannot bind to the new port' : null;
      });
      await end.firstConfig(5000);
      channel.push();
      await vi.waitFor(() => expect(channel.state().appliedVersion).toBe(2));
      channel.push();
      await vi.waitFor(() => expect(channel.state().rejection).toBe('cannot bind to the new port'));
      expect(channel.state().appliedVersion).toBe(2);
      expect(applied).toEqual([2, 3]);
    });

    it('sends its status', async () => {
      const { path, channel, clock } = await listen();
      const end = gateway(path, channel.issueToken());
      await end.firstConfig(5000);
      end.sendStatus(status);
      await vi.waitFor(() => expect(channel.state()).toMatchObject({ status, statusAt: clock.now() }));
    });

    it('answers a configuration its schema refuses with "rejected", keeping the current one', async () => {
      const { path, channel } = await listen({ config: (version) => (version === 1 ? configOf(1) : configOf(version, { listen: { ...configOf(version).listen, port: 0 } })) });
      const onConfig = vi.fn(() => null);
      const lines: string[] = [];
      const end = gateway(path, channel.issueToken(), onConfig, createGatewayLogger({ write: (line) => void lines.push(line) }));
      await end.firstConfig(5000);
      await vi.waitFor(() => expect(channel.state().appliedVersion).toBe(1));
      channel.push();
      await vi.waitFor(() => expect(channel.state().rejection).toContain('config.listen.port'));
      expect(onConfig).not.toHaveBeenCalled();
      expect(channel.state().appliedVersion).toBe(1);
      expect(lines.some((line) => line.includes('cannot use'))).toBe(true);
    });

    it('rejects firstConfig when the core refuses its token, and does not come back', async () => {
      const { path, channel, logLines } = await listen();
      channel.issueToken();
      const end = gateway(path, 'a-token-from-another-core');
      await expect(end.firstConfig(5000)).rejects.toThrow(/the core refused this gateway: .*not the current one/);
      await expect(end.firstConfig(5000)).rejects.toThrow(/refused/);
      // No reconnection: the core saw one wrong token, not one per reconnectMs (20 ms).
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(logLines.filter((line) => line.includes('wrong or stale token'))).toHaveLength(1);
      expect(channel.state().isConnected).toBe(false);
    });

    it('reconnects when the core drops the connection, and applies the configuration sent again via onConfig', async () => {
      const { path, channel, peer } = await listen();
      const token = channel.issueToken();
      const applied: number[] = [];
      const end = gateway(path, token, (config) => {
        applied.push(config.version);
        return null;
      });
      await end.firstConfig(5000);
      // Another connection with the token replaces the gateway's: the core closes the gateway's.
      const intruder = peer();
      intruder.hello(token);
      await intruder.message(1);
      // The gateway comes back (after reconnectMs), replacing it in turn, and gets a new version.
      await intruder.closed;
      await vi.waitFor(() => expect(applied).toEqual([3]));
      await vi.waitFor(() => expect(channel.state()).toMatchObject({ isConnected: true, appliedVersion: 3 }));
    });
  });

  describe('the gateway\'s end, with a stand-in core', () => {
    it('reconnects after the core restarts and applies the configuration it sends via onConfig', async () => {
      const path = join(tempDir(), 'gw.sock');
      const sendConfig = (version: number) => (socket: Socket, hello: Message) => {
        expect(hello).toMatchObject({ token: 'run-token', pid: process.pid, version: '0.1.0' });
        socket.write(frame({ t: 'config', config: configOf(version) }));
      };
      const first = await fakeCore(path, sendConfig(1));
      const applied: GatewayConfig[] = [];
      const end = gateway(path, 'run-token', (config) => {
        applied.push(config);
        return null;
      });
      expect((await end.firstConfig(5000)).version).toBe(1);
      await vi.waitFor(() => expect(first.frames).toContainEqual({ t: 'applied', version: 1 }));
      await first.close();

      const second = await fakeCore(path, sendConfig(7));
      cleanups.push(() => second.close());
      await vi.waitFor(() => expect(applied.map((c) => c.version)).toEqual([7]));
      await vi.waitFor(() => expect(second.frames).toContainEqual({ t: 'applied', version: 7 }));
      expect(applied[0]).toEqual(configOf(7));
    });

    it('keeps trying to connect while the core is not there yet', async () => {
      const path = join(tempDir(), 'gw.sock');
      const end = gateway(path, 'run-token');
      const pending = end.firstConfig(5000);
      await new Promise((resolve) => setTimeout(resolve, 60));
      const core = await fakeCore(path, (socket) => socket.write(frame({ t: 'config', config: configOf(1) })));
      cleanups.push(() => core.close());
      expect((await pending).version).toBe(1);
    });

    it('rejects firstConfig when no configuration comes in time', async () => {
      const path = join(tempDir(), 'gw.sock');
      const core = await fakeCore(path, () => undefined);
      cleanups.push(() => core.close());
      await expect(gateway(path, 'run-token').firstConfig(50)).rejects.toThrow(/no configuration from the core .* within 50 ms/);
    });

    it('ignores a frame that is not JSON and takes the next configuration', async () => {
      const path = join(tempDir(), 'gw.sock');
      const core = await fakeCore(path, (socket) => {
        socket.write('{ garbage\n');
        socket.write(frame({ t: 'config', config: configOf(4) }));
      });
      cleanups.push(() => core.close());
      expect((await gateway(path, 'run-token').firstConfig(5000)).version).toBe(4);
    });

    it('stops reconnecting once disposed', async () => {
      const path = join(tempDir(), 'gw.sock');
      const first = await fakeCore(path, (socket) => socket.write(frame({ t: 'config', config: configOf(1) })));
      const end = gateway(path, 'run-token');
      await end.firstConfig(5000);
      await first.close();
      end.dispose();
      const second = await fakeCore(path, () => undefined);
      cleanups.push(() => second.close());
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(second.frames).toEqual([]);
      expect(second.connections()).toBe(0);
    });
  });
});

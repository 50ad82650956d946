/**
 * The core's end of the private channel to the gateway it supervises (shared/gateway/channel.ts):
 * a 0600 Unix socket in the 0700 data directory. Each run of the core makes one token and gives it
 * to the gateways it launches, in their environment; a connection that does not present it within
 * a few seconds gets nothing and is closed. Configurations go out at once after every change, so a
 * revoked token stops working within the time it takes to send one frame.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, unlinkSync } from 'node:fs';
import { type Server, type Socket, createServer } from 'node:net';
import { type GatewayStatus, type GatewayToCore, MAX_CHANNEL_FRAME_BYTES, gatewayToCoreSchema } from '../../shared/gateway/channel';
import type { GatewayConfig } from '../../shared/gateway/config';
import { LineSplitter } from '../../shared/line-splitter';
import type { Logger } from '../logger';

const HELLO_TIMEOUT_MS = 5000;

export interface ChannelState {
  isConnected: boolean;
  /** Last status the gateway sent, and when. */
  status: GatewayStatus | null;
  statusAt: number | null;
  /** Version last sent, and the last the gateway confirmed. */
  sentVersion: number | null;
  appliedVersion: number | null;
  /** The gateway refused the last configuration, and why. */
  rejection: string | null;
}

export interface GatewayChannel {
  readonly path: string;
  /** A new token for the next launch; the previous one stops working. */
  issueToken(): string;
  /** Sends the current configuration to the connected gateway (now, if one is connected). */
  push(): void;
  state(): ChannelState;
  dispose(): Promise<void>;
}

const equalTokens = (a: string, b: string) => {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
};

/** Listens on `path` (the caller made sure no live core owns it). */
export async function listenGatewayChannel(options: {
  path: string;
  logger: Logger;
  /** Builds the configuration with `version`; throws when it cannot be built. */
  config: (version: number) => GatewayConfig;
  now: () => number;
}): Promise<GatewayChannel> {
  const { logger } = options;
  let token: string | null = null;
  let peer: Socket | null = null;
  let version = 0;
  const state: ChannelState = { isConnected: false, status: null, statusAt: null, sentVersion: null, appliedVersion: null, rejection: null };
  const sockets = new Set<Socket>();

  const send = (socket: Socket, message: unknown) => {
    if (!socket.destroyed) socket.write(`${JSON.stringify(message)}\n`);
  };

  const pushTo = (socket: Socket) => {
    let config: GatewayConfig;
    try {
      version += 1;
      config = options.config(version);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      // Shown on the Gateway page and by "airlock gateway status": the gateway is not up to date.
      state.rejection = `the core could not build the gateway's configuration: ${reason.slice(0, 500)}`;
      logger.error('cannot build the gateway configuration; the gateway keeps its current one', { error: reason });
      return;
    }
    state.sentVersion = config.version;
    send(socket, { t: 'config', config });
  };

  const receive = (socket: Socket, message: GatewayToCore, isAuthenticated: () => boolean, authenticate: () => void) => {
    if (message.t === 'hello') {
      if (token === null || !equalTokens(message.token, token)) {
        logger.warn('gateway channel: a connection presented a wrong or stale token; closed', { pid: message.pid });
        send(socket, { t: 'refused', reason: 'the channel token is not the current one (this gateway was not started by this core, or was started before a restart)' });
        socket.end();
        return;
      }
      authenticate();
      // One gateway at a time: a newer connection replaces an older one.
      if (peer && peer !== socket) peer.destroy();
      peer = socket;
      state.isConnected = true;
      state.rejection = null;
      logger.info('gateway connected to its channel', { pid: message.pid, version: message.version });
      pushTo(socket);
      return;
    }
    if (!isAuthenticated()) {
      socket.destroy();
      return;
    }
    if (message.t === 'applied') {
      state.appliedVersion = message.version;
      state.rejection = null;
    } else if (message.t === 'rejected') {
      state.rejection = message.reason;
      logger.error('the gateway refused a configuration', { version: message.version, reason: message.reason });
    } else {
      state.status = message.status;
      state.statusAt = options.now();
    }
  };

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.setEncoding('utf8');
    let isAuthenticated = false;
    const helloTimer = setTimeout(() => {
      if (!isAuthenticated) socket.destroy();
    }, HELLO_TIMEOUT_MS);
    helloTimer.unref();
    const splitter = new LineSplitter(
      (line) => {
        let parsed: ReturnType<typeof gatewayToCoreSchema.safeParse>;
        try {
          parsed = gatewayToCoreSchema.safeParse(JSON.parse(line));
        } catch {
          socket.destroy();
          return;
        }
        if (!parsed.success) {
          logger.warn('gateway channel: malformed message; connection closed');
          socket.destroy();
          return;
        }
        receive(
          socket,
          parsed.data,
          () => isAuthenticated,
          () => {
            isAuthenticated = true;
            clearTimeout(helloTimer);
          },
        );
      },
      () => socket.destroy(),
      MAX_CHANNEL_FRAME_BYTES,
    );
    socket.on('data', (chunk: string) => splitter.push(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      clearTimeout(helloTimer);
      sockets.delete(socket);
      if (peer === socket) {
        peer = null;
        state.isConnected = false;
      }
    });
  });

  try {
    unlinkSync(options.path);
  } catch {
    // Not there: fine.
  }
  const previousUmask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.path, () => resolve());
    });
  } finally {
    process.umask(previousUmask);
  }
  chmodSync(options.path, 0o600);

  return {
    path: options.path,
    issueToken() {
      token = randomBytes(24).toString('hex');
      return token;
    },
    push() {
      if (peer) pushTo(peer);
    },
    state: () => ({ ...state }),
    dispose: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => {
          try {
            unlinkSync(options.path);
          } catch {
            // Already gone.
          }
          resolve();
        });
      }),
  };
}

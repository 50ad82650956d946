import { chmodSync, unlinkSync } from 'node:fs';
import { type Server, type Socket, connect, createServer } from 'node:net';
import type { Disposable } from '../../shared/disposable';
import { AirlockError } from '../../shared/errors';
import { LineSplitter } from '../../shared/line-splitter';
import type { Logger } from '../logger';
import { serveConnection } from './connection';
import type { Dispatcher } from './dispatcher';
import type { EventHub } from './event-hub';

export { LineSplitter };

/** Unix socket paths are limited to sizeof(sun_path) - 1 = 107 bytes on Linux (unix(7)). */
export const MAX_SOCKET_PATH_BYTES = 107;

/** True when something answers on the socket at `path` (a live core owns it). */
export function isSocketLive(path: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    const done = (isLive: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(isLive);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Fails with DATA_DIR_IN_USE when a live core owns `path`; removes a stale socket file. */
export async function claimSocketPath(path: string): Promise<void> {
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) {
    throw new AirlockError('SOCKET_PATH_TOO_LONG', { path, max: MAX_SOCKET_PATH_BYTES });
  }
  if (await isSocketLive(path)) throw new AirlockError('DATA_DIR_IN_USE', { path: path.replace(/\/airlock\.sock$/, '') });
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/**
 * The local control socket the CLI talks to: NDJSON frames of the contract, owner-only (0600, in a
 * 0700 data directory). Call claimSocketPath first.
 */
export async function listenControlSocket(options: { path: string; dispatcher: Dispatcher; hub: EventHub; logger: Logger }): Promise<Disposable> {
  const { path, dispatcher, hub, logger } = options;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.setEncoding('utf8');
    const connection = serveConnection(
      (text) => {
        if (!socket.destroyed) socket.write(`${text}\n`);
      },
      dispatcher,
      hub,
      // Owner-only socket: the CLI, run by the user the core runs as.
      { actor: 'cli' },
    );
    const splitter = new LineSplitter(
      (line) => connection.receive(line),
      () => {
        logger.warn('control socket client sent an oversized frame; closing it');
        socket.destroy();
      },
    );
    socket.on('data', (chunk: string) => splitter.push(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      sockets.delete(socket);
      void connection.dispose();
    });
  });

  // Create the socket with no group/other bits from the start, so there is no window where it is open.
  const previousUmask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(error.code === 'EADDRINUSE' ? new AirlockError('DATA_DIR_IN_USE', { path }) : error),
      );
      server.listen(path, () => resolve());
    });
  } finally {
    process.umask(previousUmask);
  }
  chmodSync(path, 0o600);
  logger.info('control socket listening', { path });

  return {
    dispose: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => {
          try {
            unlinkSync(path);
          } catch {
            // Already gone.
          }
          resolve();
        });
      }),
  };
}

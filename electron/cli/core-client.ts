import { type Socket, connect } from 'node:net';
import { AirlockError } from '../shared/errors';
import { RpcClient } from '../shared/rpc-client';
import { LineSplitter } from '../core/edge/control-socket';
import { dataPaths } from '../core/paths';

export interface CoreConnection {
  client: RpcClient;
  close(): void;
}

/** Connects to the control socket of the core running on `dataDir`; CORE_NOT_RUNNING if none answers. */
export function connectToCore(dataDir: string, options: { timeoutMs?: number } = {}): Promise<CoreConnection> {
  const path = dataPaths(dataDir).controlSocket;
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(path);
    socket.setEncoding('utf8');
    const client = new RpcClient({
      send: (text) => {
        if (socket.destroyed) throw new Error('closed');
        socket.write(`${text}\n`);
      },
      timers: { set: (fn, ms) => setTimeout(fn, ms), clear: (handle) => clearTimeout(handle as NodeJS.Timeout) },
      timeoutMs: options.timeoutMs ?? 10_000,
    });
    const splitter = new LineSplitter(
      (line) => client.receive(line),
      () => socket.destroy(),
    );
    socket.on('data', (chunk: string) => splitter.push(chunk));
    socket.once('connect', () => resolve({ client, close: () => socket.end() }));
    socket.once('error', (error: NodeJS.ErrnoException) => {
      if (['ENOENT', 'ECONNREFUSED', 'ENOTSOCK'].includes(error.code ?? '')) reject(new AirlockError('CORE_NOT_RUNNING', { dataDir }));
      else reject(error);
    });
    socket.on('close', () => client.failPending());
  });
}

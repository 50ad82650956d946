/**
 * The gateway's end of the private channel to the core (electron/shared/gateway/channel.ts): it
 * says hello with its one-time token, takes every configuration the core sends, answers what it
 * applied, and reports its status. When the core goes away the gateway keeps serving with the last
 * configuration and reconnects.
 */
import { type Socket, connect } from 'node:net';
import { type CoreToGateway, type GatewayStatus, MAX_CHANNEL_FRAME_BYTES, coreToGatewaySchema } from '../shared/gateway/channel';
import type { GatewayConfig } from '../shared/gateway/config';
import { LineSplitter } from '../shared/line-splitter';
import type { GatewayLogger } from './logger';

export interface ChannelOptions {
  path: string;
  token: string;
  version: string;
  logger: GatewayLogger;
  /** Applies a configuration; returns null when applied, else why it was not. */
  onConfig: (config: GatewayConfig) => string | null;
  reconnectMs?: number;
}

export interface ConfigChannel {
  /** The first configuration, or a rejection after `timeoutMs` (the gateway cannot start without one). */
  firstConfig(timeoutMs: number): Promise<GatewayConfig>;
  sendStatus(status: GatewayStatus): void;
  dispose(): void;
}

/** Connects to the core's channel socket and keeps the connection up. */
export function openConfigChannel(options: ChannelOptions): ConfigChannel {
  let socket: Socket | null = null;
  let isDisposed = false;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let first: GatewayConfig | null = null;
  let refusal: string | null = null;
  const firstWaiters: ((config: GatewayConfig | Error) => void)[] = [];

  const send = (message: unknown) => {
    if (socket && !socket.destroyed && socket.writable) socket.write(`${JSON.stringify(message)}\n`);
  };

  const receive = (line: string) => {
    let message: CoreToGateway;
    try {
      const parsed = coreToGatewaySchema.safeParse(JSON.parse(line));
      if (!parsed.success) {
        const reason = parsed.error.issues.slice(0, 5).map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
        options.logger.error('the core sent a configuration this gateway cannot use; keeping the current one', { reason });
        send({ t: 'rejected', version: -1, reason });
        return;
      }
      message = parsed.data;
    } catch {
      options.logger.error('the core sent a frame that is not JSON; ignored');
      return;
    }
    if (message.t === 'refused') {
      refusal = message.reason;
      options.logger.error('the core refused this gateway', { reason: message.reason });
      for (const waiter of firstWaiters.splice(0)) waiter(new Error(`the core refused this gateway: ${message.reason}`));
      return;
    }
    const config = message.config;
    if (first === null) {
      first = config;
      for (const waiter of firstWaiters.splice(0)) waiter(config);
      send({ t: 'applied', version: config.version });
      return;
    }
    const problem = options.onConfig(config);
    send(problem === null ? { t: 'applied', version: config.version } : { t: 'rejected', version: config.version, reason: problem });
  };

  const connectNow = () => {
    if (isDisposed) return;
    const current = connect(options.path);
    socket = current;
    current.setEncoding('utf8');
    const splitter = new LineSplitter(receive, () => {
      options.logger.error('the core sent an oversized frame; reconnecting');
      current.destroy();
    }, MAX_CHANNEL_FRAME_BYTES);
    current.on('connect', () => send({ t: 'hello', token: options.token, pid: process.pid, version: options.version }));
    current.on('data', (chunk: string) => splitter.push(chunk));
    current.on('error', () => undefined);
    current.on('close', () => {
      if (socket === current) socket = null;
      if (isDisposed || refusal !== null) return;
      reconnectTimer = setTimeout(connectNow, options.reconnectMs ?? 1000);
      reconnectTimer.unref();
    });
  };
  connectNow();

  return {
    firstConfig(timeoutMs) {
      if (first) return Promise.resolve(first);
      if (refusal !== null) return Promise.reject(new Error(`the core refused this gateway: ${refusal}`));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no configuration from the core on ${options.path} within ${timeoutMs} ms`)), timeoutMs);
        firstWaiters.push((result) => {
          clearTimeout(timer);
          if (result instanceof Error) reject(result);
          else resolve(result);
        });
      });
    },
    sendStatus: (status) => send({ t: 'status', status }),
    dispose() {
      isDisposed = true;
      clearTimeout(reconnectTimer);
      socket?.destroy();
    },
  };
}

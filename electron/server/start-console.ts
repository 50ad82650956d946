import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../shared/clock';
import { AirlockError } from '../shared/errors';
import { startCoreHost } from '../core/host';
import type { Logger } from '../core/logger';
import { ConsoleAuth, generateLoginToken, isLoopbackHost } from './auth';
import { buildConsoleServer } from './console-server';

export interface ConsoleOptions {
  host: string;
  port: number;
  dataDir: string;
  tlsCert?: string;
  tlsKey?: string;
  staticDir: string;
  clock: Clock;
  logger: Logger;
}

export interface RunningConsole {
  url: string;
  /** The login token: shown once to the operator, never stored. */
  token: string;
  dataDir: string;
  close(): Promise<void>;
}

/** Refuses what must not start: a network-facing console without TLS, half a TLS pair. */
export function checkConsoleOptions(options: Pick<ConsoleOptions, 'host' | 'port' | 'tlsCert' | 'tlsKey'>): void {
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
    throw new AirlockError('CLI_INVALID_ARGUMENT', { argument: '--port', reason: `"${options.port}" is not a port number (0–65535)` });
  }
  if (options.host.trim() === '') throw new AirlockError('CLI_INVALID_ARGUMENT', { argument: '--host', reason: 'it is empty' });
  if (Boolean(options.tlsCert) !== Boolean(options.tlsKey)) {
    throw new AirlockError('CLI_INVALID_ARGUMENT', { argument: options.tlsCert ? '--tls-key' : '--tls-cert', reason: 'TLS needs both --tls-cert and --tls-key' });
  }
  if (!isLoopbackHost(options.host) && !options.tlsCert) throw new AirlockError('CONSOLE_TLS_REQUIRED', { host: options.host });
}

function readTlsFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new AirlockError('CONSOLE_TLS_UNREADABLE', { path, reason: (error as NodeJS.ErrnoException).code ?? String(error) });
  }
}

/** Starts the core and the browser console on it. */
export async function startConsole(options: ConsoleOptions): Promise<RunningConsole> {
  checkConsoleOptions(options);
  const https = options.tlsCert && options.tlsKey ? { cert: readTlsFile(options.tlsCert), key: readTlsFile(options.tlsKey) } : undefined;

  const host = await startCoreHost({ dataDir: options.dataDir, mode: 'console', clock: options.clock, logger: options.logger });
  const token = generateLoginToken();
  try {
    const server = await buildConsoleServer({
      dispatcher: host.appliance.dispatcher,
      hub: host.appliance.hub,
      auth: new ConsoleAuth({ token, clock: options.clock }),
      staticDir: options.staticDir,
      logger: options.logger.child('console'),
      isSecure: Boolean(https),
      ...(https ? { https } : {}),
    });
    await server.listen({ host: options.host, port: options.port });
    const address = server.server.address() as AddressInfo;
    const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return {
      url: `${https ? 'https' : 'http'}://${shownHost}:${address.port}/`,
      token,
      dataDir: host.dataDir,
      close: async () => {
        await server.close();
        await host.dispose();
      },
    };
  } catch (error) {
    await host.dispose();
    throw error;
  }
}

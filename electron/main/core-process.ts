import { join } from 'node:path';
import { utilityProcess, type UtilityProcess } from 'electron';
import { AirlockError, type WireError } from '../shared/errors';
import { NODE_RUNTIME } from '../shared/node-runtime';
import { RpcClient } from '../shared/rpc-client';

export interface CoreProcess {
  readonly client: RpcClient;
  /** Resolves when the core reports ready; rejects with its start-up error (e.g. a too-new config.db). */
  readonly ready: Promise<void>;
  onExit(listener: (code: number) => void): void;
  stop(): Promise<void>;
}

/** Runs the core (dist/core/desktop-entry.cjs) in a utility process: out of the main process's event loop. */
export function startCoreProcess(options: { dataDir?: string }): CoreProcess {
  const entry = join(__dirname, '..', 'core', 'desktop-entry.cjs');
  const child: UtilityProcess = utilityProcess.fork(entry, options.dataDir ? ['--data-dir', options.dataDir] : [], {
    serviceName: 'Airlock core',
    stdio: 'inherit',
    // Same start-time settings as `airlock serve` (bin/airlock.cjs): flat memory under output floods.
    execArgv: [...NODE_RUNTIME.nodeFlags],
    env: { ...process.env, ...NODE_RUNTIME.env },
  });
  let isAlive = true;
  const exitListeners: ((code: number) => void)[] = [];
  const client = new RpcClient({
    send: (text) => {
      if (!isAlive) throw new Error('core process exited');
      child.postMessage(text);
    },
    timers: { set: (fn, ms) => setTimeout(fn, ms), clear: (handle) => clearTimeout(handle as NodeJS.Timeout) },
  });

  const ready = new Promise<void>((resolve, reject) => {
    child.on('message', (message: unknown) => {
      if (typeof message !== 'string') return;
      if (message.startsWith('{"t":"ready"')) return resolve();
      if (message.startsWith('{"t":"fatal"')) {
        const { error } = JSON.parse(message) as { error: WireError };
        return reject(Object.assign(new Error(error.message), { code: error.code }));
      }
      client.receive(message);
    });
    child.on('exit', (code) => {
      isAlive = false;
      client.failPending();
      reject(new AirlockError('CONTRACT_DISCONNECTED', { name: 'core start' }));
      for (const listener of exitListeners) listener(code);
    });
  });

  return {
    client,
    ready,
    onExit: (listener) => exitListeners.push(listener),
    stop: () =>
      new Promise<void>((resolve) => {
        if (!isAlive) return resolve();
        const timer = setTimeout(() => child.kill(), 10_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        // SIGTERM lets the core close its store and its sockets. (Never kill(0): that is our own group.)
        if (child.pid) process.kill(child.pid, 'SIGTERM');
        else child.kill();
      }),
  };
}

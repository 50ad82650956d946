/**
 * The core inside the desktop app: an Electron utility process (plain Node, no `electron` import),
 * so a flood of output or a slow SQLite write never freezes a window. It speaks the contract's
 * wire messages to the main process over the utility process's parent port.
 */
import { AirlockError } from '../shared/errors';
import { systemClock } from './clock';
import { serveConnection } from './edge/connection';
import { startCoreHost } from './host';
import { createLogger } from './logger';
import { resolveDataDir } from './paths';

/** The part of Electron's `process.parentPort` this file uses (declared here: core never imports electron). */
interface ParentPort {
  on(event: 'message', listener: (message: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

async function run(): Promise<void> {
  const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (!parentPort) {
    process.stderr.write('desktop-entry runs only as an Electron utility process; use "airlock serve" instead.\n');
    process.exit(2);
  }
  const flagIndex = process.argv.indexOf('--data-dir');
  const dataDir = resolveDataDir({ flag: flagIndex >= 0 ? process.argv[flagIndex + 1] : undefined });
  const logger = createLogger({ scope: 'core' });
  try {
    const host = await startCoreHost({ dataDir, mode: 'desktop', clock: systemClock, logger });
    const connection = serveConnection((text) => parentPort.postMessage(text), host.appliance.dispatcher, host.appliance.hub, { actor: 'desktop' });
    parentPort.on('message', (message) => {
      if (typeof message.data === 'string') connection.receive(message.data);
    });
    parentPort.postMessage(JSON.stringify({ t: 'ready', dataDir }));
    const stop = () => {
      void connection.dispose();
      host.dispose().finally(() => process.exit(0));
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  } catch (error) {
    const wire = error instanceof AirlockError ? error.toWire() : new AirlockError('INTERNAL', { ref: 'core-start' }).toWire();
    if (!(error instanceof AirlockError)) logger.error('core failed to start', { error: String(error) });
    parentPort.postMessage(JSON.stringify({ t: 'fatal', error: wire }));
    process.exitCode = 4;
  }
}

void run();

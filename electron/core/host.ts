import type { Clock } from '../shared/clock';
import { DisposableStore } from '../shared/disposable';
import type { CoreMode } from './app/app-service';
import { type Appliance, createAppliance } from './appliance';
import { claimSocketPath, listenControlSocket } from './edge/control-socket';
import type { Logger } from './logger';
import { dataPaths, ensureDataDir } from './paths';

export interface CoreHost {
  readonly appliance: Appliance;
  readonly dataDir: string;
  readonly controlSocketPath: string;
  dispose(): Promise<void>;
}

/**
 * Starts the core on a data directory: refuses a directory another core owns, opens the store,
 * then exposes the control socket for the CLI. Used by `airlock serve` and the desktop app.
 */
export async function startCoreHost(options: { dataDir: string; mode: CoreMode; clock: Clock; logger: Logger }): Promise<CoreHost> {
  // Everything the core writes (config.db with encrypted keys, logs, sockets) is for its owner only.
  process.umask(0o077);
  ensureDataDir(options.dataDir);
  const paths = dataPaths(options.dataDir);
  await claimSocketPath(paths.controlSocket);

  const disposables = new DisposableStore();
  const appliance = disposables.add(await createAppliance(options));
  try {
    disposables.add(await listenControlSocket({ path: paths.controlSocket, dispatcher: appliance.dispatcher, hub: appliance.hub, logger: options.logger.child('control') }));
  } catch (error) {
    await disposables.dispose();
    throw error;
  }
  return { appliance, dataDir: options.dataDir, controlSocketPath: paths.controlSocket, dispose: () => disposables.dispose() };
}

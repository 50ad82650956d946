/**
 * The composition root of the core: builds the services from their dependencies and wires them to
 * the contract. No SQL, no spawning, no parsing here.
 */
import { join } from 'node:path';
import type { CallHandlers } from '../shared/contract';
import type { Clock } from '../shared/clock';
import { DisposableStore } from '../shared/disposable';
import { type CoreMode, createAppService } from './app/app-service';
import { createCatalogService } from './catalog/catalog-service';
import { buildInfo } from './build-info';
import { readHardwareFingerprint } from './license/hardware-id';
import { readTrustedKeys } from './license/license-keys';
import { clockMarkPath, createLicenseService } from './license/license-service';
import { type Dispatcher, createDispatcher } from './edge/dispatcher';
import { EventHub } from './edge/event-hub';
import type { Logger } from './logger';
import { dataPaths } from './paths';
import { createProbeService } from './probe/probe-service';
import { createSettingsService } from './settings/settings-service';
import { resourcesDir } from './resources';
import { openConfigDb } from './store/config-db';
import { createLicenseRepo } from './store/license-repo';
import { createSettingsRepo } from './store/settings-repo';

export interface ApplianceDeps {
  dataDir: string;
  clock: Clock;
  logger: Logger;
  mode: CoreMode;
}

export interface Appliance {
  readonly dispatcher: Dispatcher;
  readonly hub: EventHub;
  dispose(): Promise<void>;
}

/** Builds every core service for one data directory. Throws AirlockError when the store is refused. */
export async function createAppliance(deps: ApplianceDeps): Promise<Appliance> {
  // Read what can fail before anything that must be released is opened.
  const resources = resourcesDir();
  const trustedKeys = await readTrustedKeys(join(resources, 'license-keys'));

  const disposables = new DisposableStore();
  const paths = dataPaths(deps.dataDir);
  const hub = new EventHub();

  const store = openConfigDb({ path: paths.configDb, clock: deps.clock, logger: deps.logger.child('store') });
  disposables.add({ dispose: () => store.close() });

  const settings = createSettingsService({ repo: createSettingsRepo(store.db), clock: deps.clock, logger: deps.logger.child('settings') });
  const probe = createProbeService({ clock: deps.clock, logger: deps.logger.child('probe'), hub, settings, dataDir: deps.dataDir });
  disposables.add(probe.start());

  const catalog = createCatalogService(resources);
  const isProductionBuild = buildInfo.channel === 'production';
  const license = createLicenseService({
    repo: createLicenseRepo(store.db),
    clock: deps.clock,
    logger: deps.logger.child('license'),
    hub,
    // Test keys stay listed in production so a test-signed file gets its own precise refusal.
    trustedKeys,
    isProductionBuild,
    clockMarkFile: clockMarkPath(deps.dataDir),
    hardware: () => readHardwareFingerprint({ gpuUuids: probe.lastGpuUuids() }),
  });

  const app = createAppService({ clock: deps.clock, dataDir: deps.dataDir, mode: deps.mode, hub });
  disposables.add(app.startHeartbeat());

  const handlers: CallHandlers = {
    'app.info': () => app.info(),
    'app.status': () => app.status(),
    'store.health': async () => store.health(),
    'hardware.snapshot': () => probe.snapshot(),
    'hardware.history': async () => probe.history(),
    'catalog.get': async () => catalog.get(),
    'license.status': () => license.view(),
    'license.install': ({ text }) => license.install(text),
    'license.history': async () => license.history(),
    'settings.list': async () => settings.list(),
    'settings.set': async ({ key, value }) => settings.set(key, value),
  };

  return {
    dispatcher: createDispatcher(handlers, deps.logger.child('edge')),
    hub,
    dispose: () => disposables.dispose(),
  };
}

/**
 * The composition root of the core: builds the services from their dependencies and wires them to
 * the contract. No SQL, no spawning, no parsing here.
 */
import { join } from 'node:path';
import type { CallHandlers } from '../shared/contract';
import { unitDefinitionSchema } from '../shared/services';
import { AirlockError } from '../shared/errors';
import type { Clock } from '../shared/clock';
import { DisposableStore } from '../shared/disposable';
import { type CoreMode, createAppService } from './app/app-service';
import { createCatalogService } from './catalog/catalog-service';
import { buildInfo } from './build-info';
import { readHardwareFingerprint } from './license/hardware-id';
import { readTrustedKeys } from './license/license-keys';
import { type GpuClaim, type KnownGpu, checkDeploymentLimit, checkGpuLimit, gpusAssigned, limitsOf, sortGpuKeys } from './license/license-limits';
import { clockMarkPath, createLicenseService } from './license/license-service';
import { type Dispatcher, createDispatcher } from './edge/dispatcher';
import { EventHub } from './edge/event-hub';
import type { Logger } from './logger';
import { dataPaths } from './paths';
import { createProbeService } from './probe/probe-service';
import { createSettingsService } from './settings/settings-service';
import { resourcesDir } from './resources';
import { childNodeCommand, findBundledNode } from './packaging';
import { LogIndex } from './logs/log-index';
import { createConfigTransfer } from './registry/config-transfer';
import { serveLocalModel } from './registry/serve-local';
import { createRegistryService } from './registry/registry-service';
import { SecretStore } from './secrets/secret-store';
import { createAuditTrail } from './store/audit-trail';
import { createRegistryRepo } from './store/registry-repo';
import { createProcessTable } from './supervisor/process-table';
import { findRunWrapper } from './supervisor/pty-process';
import { defaultStopDeps } from './supervisor/stop-protocol';
import { createSupervisorService } from './supervisor/supervisor-service';
import { createUnitsRepo } from './store/units-repo';
import { openConfigDb } from './store/config-db';
import { createLicenseRepo } from './store/license-repo';
import { createSettingsRepo } from './store/settings-repo';
import { createGatewayRepo } from './store/gateway-repo';
import { openRequestsRepo } from './store/requests-repo';
import { listenGatewayChannel } from './gateway/gateway-channel';
import { type GatewayService, createGatewayService, defaultGatewayEntry } from './gateway/gateway-service';
import { createTokenService } from './gateway/token-service';

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

  try {
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

    const logIndex = new LogIndex({ dbPath: join(deps.dataDir, 'logs.db'), maxBytes: settings.get('logs.maxIndexMiB') * 1024 * 1024 });
    disposables.add({ dispose: () => logIndex.close() });
    const retention = setInterval(() => {
      logIndex.retain(settings.get('logs.retentionDays') * 86_400_000, deps.clock.now()).catch((error: unknown) => deps.logger.warn('log retention failed', { error: String(error) }));
    }, 10 * 60_000);
    retention.unref();
    disposables.add({ dispose: () => clearInterval(retention) });

    // The registry is made before the supervisor (units take their keys from it) but asks it for health.
    const supervisorRef: { current?: ReturnType<typeof createSupervisorService> } = {};
    const secrets = SecretStore.open(join(deps.dataDir, 'secrets.key'));
    const registry = createRegistryService({
      repo: createRegistryRepo(store.db),
      audit: createAuditTrail(store.db),
      secrets,
      clock: deps.clock,
      logger: deps.logger.child('registry'),
      catalog: () => catalog.get(),
      isBetaEnabled: () => settings.get('models.betaEnabled'),
      gatewayUrl: () => settings.get('gateway.url') || null,
      // Local deployments are as healthy as their vLLM unit (running = its health check passes).
      unitHealth: (unitName) => {
        const unit = supervisorRef.current?.list().find((u) => u.name === unitName);
        return unit ? unit.state === 'running' : undefined;
      },
    });
    // The gateway's channel and service are made before the supervisor, which launches the gateway.
    const gatewayRef: { current?: GatewayService } = {};
    const channel = await listenGatewayChannel({
      path: join(deps.dataDir, 'gateway.sock'),
      logger: deps.logger.child('gateway'),
      config: (version) => gatewayRef.current!.configFor(version),
      now: deps.clock.now,
    });
    disposables.add(channel);
    const tokens = createTokenService({ repo: createGatewayRepo(store.db), secrets, audit: createAuditTrail(store.db), clock: deps.clock, logger: deps.logger.child('tokens') });
    const requests = openRequestsRepo(join(deps.dataDir, 'requests.db'));
    disposables.add({ dispose: () => requests.close() });

    const table = createProcessTable();
    const supervisor = createSupervisorService({
      repo: createUnitsRepo(store.db),
      clock: deps.clock,
      logger: deps.logger.child('supervisor'),
      hub,
      dataDir: deps.dataDir,
      table,
      stopDeps: defaultStopDeps(table),
      wrapper: findRunWrapper(resources),
      logIndex,
      baseEnv: unitBaseEnv(process.env),
      vllmPath: () => settings.get('services.vllmPath'),
      apiKeyForUnit: (unit) => registry.apiKeyForUnit(unit),
      gpuProcessPids: () => probe.gpuProcessPids(),
      airlockGateway: (unit) => gatewayRef.current!.launch(unit),
    });
    supervisorRef.current = supervisor;
    const gateway = createGatewayService({
      dataDir: deps.dataDir,
      logger: deps.logger.child('gateway'),
      now: deps.clock.now,
      setting: (key) => settings.get(key),
      onSettingChange: (listener) => settings.onDidChange(listener),
      registry,
      tokens,
      units: { list: () => supervisor.list(), restart: async (name) => supervisor.restart(name) },
      channel,
      entryPath: defaultGatewayEntry(resources),
      node: childNodeCommand({ execPath: process.execPath, isElectron: typeof process.versions.electron === 'string', findBundledNode: () => findBundledNode(__dirname) }),
    });
    gatewayRef.current = gateway;
    disposables.add(gateway);
    // Survivors of an earlier run are reaped before anything is spawned.
    await supervisor.init();
    disposables.add(supervisor);

    /** The license's limits, checked before a change that adds deployments or puts vLLM on more GPUs. */
    const limits = {
      /** The probed GPUs, asked of nvidia-smi only when a unit names a GPU by UUID or names none. */
      known: async (units: readonly GpuClaim[]): Promise<KnownGpu[]> => {
        const needsProbe = units.some((unit) => unit.preset === 'vllm' && (!unit.gpus || unit.gpus.length === 0 || unit.gpus.some((id) => typeof id === 'string')));
        if (!needsProbe) return [];
        const snapshot = await probe.snapshot();
        return snapshot.gpu.status === 'ok' ? snapshot.gpu.gpus.map((gpu) => ({ index: gpu.index, uuid: gpu.uuid })) : [];
      },
      deployments: async (adding: number) => checkDeploymentLimit(limitsOf(await license.view()), registry.list().length, adding),
      gpus: async (unit: GpuClaim) => {
        const inForce = limitsOf(await license.view());
        if (inForce === null || unit.preset !== 'vllm') return;
        const existing = supervisor.list().map((view) => view.definition);
        checkGpuLimit(inForce, existing, unit, await limits.known([...existing, unit]));
      },
      usage: async () => {
        const units = supervisor.list().map((view) => view.definition);
        return { deployments: registry.list().length, gpus: sortGpuKeys(gpusAssigned(units, await limits.known(units))) };
      },
    };
    const transfer = createConfigTransfer({ db: store.db, registry, settings, now: () => new Date(deps.clock.now()).toISOString() });
    const audit = createAuditTrail(store.db);

    const app = createAppService({ clock: deps.clock, dataDir: deps.dataDir, mode: deps.mode, hub });
    disposables.add(app.startHeartbeat());

    const handlers: CallHandlers = {
      'app.info': () => app.info(),
      'app.status': () => app.status(),
      'app.metrics': ({ reset }) => app.metrics(reset),
      'store.health': async () => store.health(),
      'hardware.snapshot': () => probe.snapshot(),
      'hardware.history': async () => probe.history(),
      'catalog.get': async () => catalog.get(),
      'license.status': () => license.view(),
      'license.install': ({ text }) => license.install(text),
      'license.history': async () => license.history(),
      'license.usage': () => limits.usage(),
      'services.list': async () => supervisor.list(),
      'services.add': async ({ definition }) => {
        const preset = (definition as { preset?: unknown } | null)?.preset;
        await license.require(preset === 'vllm' ? 'register-model' : preset === 'gitlab-gateway' || preset === 'airlock-gateway' ? 'start-gateway' : 'view');
        const existing = preset === 'airlock-gateway' ? supervisor.list().find((unit) => unit.preset === 'airlock-gateway') : undefined;
        if (existing) throw new AirlockError('GATEWAY_UNIT_EXISTS', { name: existing.name });
        // An invalid definition is left to the supervisor, whose refusal names the fields.
        const parsed = unitDefinitionSchema.safeParse(definition);
        if (parsed.success) await limits.gpus(parsed.data);
        return supervisor.add(definition);
      },
      'services.remove': async ({ name }) => {
        if (supervisor.get(name).preset === 'vllm') await license.require('change-model');
        await supervisor.remove(name);
        return { removed: name };
      },
      'services.start': async ({ name }) => {
        const preset = supervisor.get(name).preset;
        if (preset === 'gitlab-gateway' || preset === 'airlock-gateway') await license.require('start-gateway');
        return supervisor.start(name);
      },
      'services.stop': async ({ name }) => supervisor.stop(name),
      'services.restart': async ({ name }) => supervisor.restart(name),
      'services.reset': async ({ name }) => supervisor.reset(name),
      'services.output': async ({ name, fromOffset, maxBytes }) => supervisor.output(name, fromOffset, maxBytes),
      'logs.files': ({ name }) => supervisor.logFiles(name),
      'logs.read': ({ name, file, fromByte, maxBytes }) => supervisor.readLog(name, file, fromByte, maxBytes),
      'logs.search': ({ text, unit, since, until, limit }) =>
        logIndex.search({ text, limit, ...(unit ? { unit } : {}), ...(since !== undefined ? { since } : {}), ...(until !== undefined ? { until } : {}) }),
      'logs.tail': async ({ name, lines }) => {
        supervisor.get(name);
        return logIndex.tail(name, lines);
      },
      'models.list': async () => registry.list(),
      'models.add': async ({ deployment }, { actor }) => {
        await license.require('register-model');
        await limits.deployments(1);
        return registry.add(deployment, actor);
      },
      'models.update': async ({ name, patch }, { actor }) => {
        await license.require('change-model');
        return registry.update(name, patch, actor);
      },
      'models.remove': async ({ name }, { actor }) => {
        await license.require('change-model');
        return registry.remove(name, actor);
      },
      'models.test': ({ name }) => registry.test(name),
      'models.serveLocal': async (input, { actor }) => {
        await license.require('register-model');
        return serveLocalModel(input, {
          registry,
          supervisor,
          snapshot: () => probe.snapshot(),
          actor,
          checkLimits: async (unit) => {
            await limits.deployments(1);
            await limits.gpus(unit);
          },
        });
      },
      'features.list': async () => registry.features(),
      'features.set': async ({ featureId, deploymentName }, { actor }) => {
        await license.require('change-features');
        return registry.setFeature(featureId, deploymentName, actor);
      },
      'gitlab.sheet': async ({ username }) => registry.gitlabSheet(username ?? null),
      'config.export': async () => transfer.exportConfig(),
      'config.import': async ({ document, dryRun }, { actor }) => {
        if (dryRun) return transfer.importConfig(document, { dryRun, actor: `${actor} (import)` });
        await license.require('change-model');
        await license.require('change-features');
        const inForce = limitsOf(await license.view());
        return transfer.importConfig(document, {
          dryRun,
          actor: `${actor} (import)`,
          // Checked on a valid document only: an invalid one is refused for what it is.
          beforeApply: (changes) => checkDeploymentLimit(inForce, registry.list().length, changes.filter((change) => change.kind === 'deployment' && change.action === 'add').length),
        });
      },
      'audit.list': async ({ limit }) => audit.recent(limit),
      'audit.verify': async () => audit.verify(),
      'gateway.status': async () => {
        const view = gateway.status();
        const isActive = view.unit !== null && ['starting', 'running', 'stopping', 'backoff'].includes(view.unit.state);
        const { isConnected, statusAt, sentVersion, appliedVersion, rejection } = view.channel;
        return { unit: view.unit, channel: { isConnected, statusAt, sentVersion, appliedVersion, rejection }, status: isActive ? view.channel.status : null, isStatusFresh: isActive && view.isStatusFresh };
      },
      'gateway.standaloneConfig': async () => gateway.standaloneConfig(),
      'tokens.list': async () => tokens.list(),
      'tokens.mint': async (input, { actor }) => {
        await license.require('start-gateway');
        return tokens.mint(input, actor);
      },
      'tokens.revoke': async ({ id }, { actor }) => tokens.revoke(id, actor),
      'requests.list': async (filter) => requests.list(filter),
      'requests.get': async ({ id }) => {
        const row = requests.get(id);
        if (!row) throw new AirlockError('REQUEST_NOT_FOUND', { id });
        return row;
      },
      'requests.stats': async ({ sinceMinutes }) => requests.stats(deps.clock.now() - sinceMinutes * 60_000),
      'settings.list': async () => settings.list(),
      // Settings are configuration too (accepting the beta terms, the gateway URL…): audited with the change.
      'settings.set': async ({ key, value }, { actor }) =>
        store.db.transaction(() => {
          const before = settings.list().find((entry) => entry.key === key)?.value ?? null;
          const entry = settings.set(key, value);
          if (JSON.stringify(before) !== JSON.stringify(entry.value)) {
            audit.record({ at: new Date(deps.clock.now()).toISOString(), actor, action: 'setting.set', target: entry.key, changes: [{ field: 'value', old: before, new: entry.value }] });
          }
          return entry;
        })(),
    };

    return {
      dispatcher: createDispatcher(handlers, deps.logger.child('edge')),
      hub,
      dispose: () => disposables.dispose(),
    };
  } catch (error) {
    // Whatever was opened before the failure is released: no open store, no orphaned loop.
    await disposables.dispose().catch(() => undefined);
    throw error;
  }
}

/** What units inherit from the core's environment: the basics a program needs, nothing of Airlock's. */
const INHERITED_ENV = /^(PATH|HOME|USER|LOGNAME|LANG|LC_[A-Z]+|TZ|TMPDIR|LD_LIBRARY_PATH|CUDA_HOME|CUDA_PATH|HF_HOME|XDG_CACHE_HOME|NVIDIA_[A-Z_]+)$/;

function unitBaseEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => INHERITED_ENV.test(entry[0]) && entry[1] !== undefined));
}

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../../electron/core/catalog/catalog-service';
import { silentLogger } from '../../../../electron/core/logger';
import { createConfigTransfer } from '../../../../electron/core/registry/config-transfer';
import { createRegistryService } from '../../../../electron/core/registry/registry-service';
import { SecretStore } from '../../../../electron/core/secrets/secret-store';
import { createSettingsService } from '../../../../electron/core/settings/settings-service';
import { createAuditTrail } from '../../../../electron/core/store/audit-trail';
import { openConfigDb } from '../../../../electron/core/store/config-db';
import { createRegistryRepo } from '../../../../electron/core/store/registry-repo';
import { createSettingsRepo } from '../../../../electron/core/store/settings-repo';
import { refusalOf } from '../../../helpers/errors';
import { manualClock, useTempDir } from '../../../helpers/temp-dir';

const catalog = loadCatalog(join(process.cwd(), 'resources'));

describe('config export and import', () => {
  const tempDir = useTempDir();
  const appliance = () => {
    const dataDir = tempDir();
    const clock = manualClock();
    const store = openConfigDb({ path: join(dataDir, 'config.db'), clock, logger: silentLogger });
    const settings = createSettingsService({ repo: createSettingsRepo(store.db), clock, logger: silentLogger });
    const audit = createAuditTrail(store.db);
    const registry = createRegistryService({
      repo: createRegistryRepo(store.db),
      audit,
      secrets: SecretStore.open(join(dataDir, 'secrets.key')),
      clock,
      logger: silentLogger,
      catalog: () => catalog,
      isBetaEnabled: () => settings.get('models.betaEnabled'),
      gatewayUrl: () => null,
    });
    const transfer = createConfigTransfer({ db: store.db, registry, settings, now: () => new Date(clock.now()).toISOString() });
    return { store, settings, audit, registry, transfer };
  };
  const codestral = { name: 'Codestral', family: 'codestral', platform: 'vllm-local', endpoint: 'http://127.0.0.1:8000/v1', identifier: 'custom_openai/codestral', apiKey: 'sk-secret-0123456789abcd' };

  it('exports without keys, and importing the export elsewhere recreates it; importing it again changes nothing', () => {
    const source = appliance();
    source.registry.add(codestral, 'cli');
    source.registry.setFeature('code_completions', 'Codestral', 'cli');
    source.settings.set('probe.telemetryIntervalMs', 5000);
    const document = source.transfer.exportConfig();
    expect(JSON.stringify(document)).not.toContain('sk-secret');
    expect(document.deployments[0]).toMatchObject({ name: 'Codestral', hasApiKey: true });

    const target = appliance();
    const dry = target.transfer.importConfig(document, { dryRun: true, actor: 'test' });
    expect(dry.isApplied).toBe(false);
    expect(dry.changes.filter((c) => c.action !== 'unchanged').map((c) => `${c.kind}:${c.target}:${c.action}`)).toEqual([
      'deployment:Codestral:add',
      'feature:code_completions:update',
      'setting:probe.telemetryIntervalMs:update',
    ]);
    expect(target.registry.list()).toEqual([]);
    expect(target.transfer.importConfig(document, { dryRun: false, actor: 'test' }).isApplied).toBe(true);
    expect(target.registry.list().map((d) => d.name)).toEqual(['Codestral']);
    expect(target.settings.get('probe.telemetryIntervalMs')).toBe(5000);
    expect(target.transfer.importConfig(document, { dryRun: false, actor: 'test' }).changes.every((c) => c.action === 'unchanged')).toBe(true);
    source.store.close();
    target.store.close();
  });

  it('an import with one invalid entry changes nothing at all', () => {
    const { registry, transfer, audit, settings, store } = appliance();
    registry.add(codestral, 'cli');
    const document = transfer.exportConfig();
    const broken = {
      ...document,
      deployments: [...document.deployments, { name: 'Second', family: 'mistral', platform: 'vllm-local', endpoint: 'http://10.0.0.9:8000/v1', identifier: 'custom_openai/mistral', hasApiKey: false }, { name: 'Bad', family: 'mistral', platform: 'vllm-local', endpoint: 'ftp://nowhere', identifier: 'custom_openai/x', hasApiKey: false }],
      features: { code_generations: 'Second' },
      settings: { 'probe.telemetryIntervalMs': 3000 },
    };
    const before = { deployments: registry.list(), audit: audit.recent(100).length, interval: settings.get('probe.telemetryIntervalMs') };
    const error = refusalOf(() => transfer.importConfig(broken, { dryRun: false, actor: 'test' }));
    expect(error.code).toBe('CONFIG_IMPORT_INVALID');
    expect(error.message).toContain('nothing was changed');
    expect(error.message).toContain('Endpoint');
    expect(registry.list()).toEqual(before.deployments);
    expect(audit.recent(100)).toHaveLength(before.audit);
    expect(settings.get('probe.telemetryIntervalMs')).toBe(before.interval);
    expect(registry.features().find((r) => r.feature.id === 'code_generations')?.deploymentName).toBeNull();
    expect(audit.verify()).toMatchObject({ isIntact: true });
    store.close();
  });

  it('asks beforeApply about a valid document\'s changes before writing anything; its refusal stands and changes nothing', () => {
    const { registry, transfer, settings, store } = appliance();
    const document = { ...transfer.exportConfig(), deployments: [{ name: 'Second', family: 'mistral', platform: 'vllm-local', endpoint: 'http://10.0.0.9:8000/v1', identifier: 'custom_openai/mistral', hasApiKey: false }], settings: { 'probe.telemetryIntervalMs': 3000 } };
    const seen: string[][] = [];
    const refuse = (changes: readonly { kind: string; target: string; action: string }[]) => {
      seen.push(changes.filter((c) => c.action !== 'unchanged').map((c) => `${c.kind}:${c.target}:${c.action}`));
      throw new Error('over the limit');
    };
    expect(() => transfer.importConfig(document, { dryRun: false, actor: 't', beforeApply: refuse })).toThrow('over the limit');
    expect(seen).toEqual([['deployment:Second:add', 'setting:probe.telemetryIntervalMs:update']]);
    expect(registry.list()).toEqual([]);
    expect(settings.get('probe.telemetryIntervalMs')).toBe(2000);
    // Not asked for a dry run, nor for an invalid document (refused for what it is).
    expect(transfer.importConfig(document, { dryRun: true, actor: 't', beforeApply: refuse }).isApplied).toBe(false);
    expect(refusalOf(() => transfer.importConfig({ hello: 'world' }, { dryRun: false, actor: 't', beforeApply: refuse })).code).toBe('CONFIG_IMPORT_INVALID');
    expect(seen).toHaveLength(1);
    store.close();
  });

  it('refuses a file that is not an Airlock configuration, or names an unknown setting', () => {
    const { transfer, store } = appliance();
    expect(refusalOf(() => transfer.importConfig({ hello: 'world' }, { dryRun: true, actor: 't' })).code).toBe('CONFIG_IMPORT_INVALID');
    const document = { ...transfer.exportConfig(), settings: { 'probe.colour': 'blue' } };
    expect(refusalOf(() => transfer.importConfig(document, { dryRun: true, actor: 't' })).message).toContain('settings.probe.colour: not a setting');
    store.close();
  });
});

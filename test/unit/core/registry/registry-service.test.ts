import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../../electron/core/catalog/catalog-service';
import { createLogger } from '../../../../electron/core/logger';
import { createRegistryService } from '../../../../electron/core/registry/registry-service';
import { SecretStore } from '../../../../electron/core/secrets/secret-store';
import { createAuditTrail } from '../../../../electron/core/store/audit-trail';
import { openConfigDb } from '../../../../electron/core/store/config-db';
import { createRegistryRepo } from '../../../../electron/core/store/registry-repo';
import { manualClock, useTempDir } from '../../../helpers/temp-dir';

const CANARY = 'sk-airlock-canary-5f0c1d2e3a4b';
const catalog = loadCatalog(join(process.cwd(), 'resources'));

describe('registry service', () => {
  const tempDir = useTempDir();
  const setup = (isBeta = false, unitHealth?: (unit: string) => boolean | undefined) => {
    const dataDir = tempDir();
    const logLines: string[] = [];
    const clock = manualClock();
    const store = openConfigDb({ path: join(dataDir, 'config.db'), clock, logger: createLogger({ write: (l) => logLines.push(l) }) });
    const audit = createAuditTrail(store.db);
    const registry = createRegistryService({
      repo: createRegistryRepo(store.db),
      audit,
      secrets: SecretStore.open(join(dataDir, 'secrets.key')),
      clock,
      logger: createLogger({ write: (l) => logLines.push(l) }),
      catalog: () => catalog,
      isBetaEnabled: () => isBeta,
      gatewayUrl: () => 'https://airlock.example.internal:5052',
      ...(unitHealth ? { unitHealth } : {}),
    });
    return { dataDir, store, audit, registry, logLines };
  };
  const codestral = { name: 'Codestral on GPU 0', family: 'codestral', platform: 'vllm-local', endpoint: 'http://127.0.0.1:8000/v1', identifier: 'custom_openai/codestral', apiKey: CANARY };

  it('stores the API key encrypted: the canary is nowhere in config.db, its WAL or the logs; only the last 4 show', () => {
    const { dataDir, store, registry, audit, logLines } = setup();
    const added = registry.add(codestral, 'cli');
    expect(added.apiKey).toEqual({ isSet: true, last4: CANARY.slice(-4) });
    expect(JSON.stringify(registry.list())).not.toContain(CANARY);
    expect(registry.apiKeyOf('codestral on gpu 0')).toBe(CANARY);
    registry.update('Codestral on GPU 0', { endpoint: 'http://127.0.0.1:8001/v1' }, 'cli');
    expect(JSON.stringify(audit.recent(10))).not.toContain(CANARY);
    expect(audit.verify()).toEqual({ isIntact: true, count: 2 });
    // Raw bytes, before and after a checkpoint: the WAL too.
    const files = () => readdirSync(dataDir).filter((f) => f.startsWith('config.db'));
    for (const file of files()) expect(readFileSync(join(dataDir, file)).includes(Buffer.from(CANARY)), file).toBe(false);
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    for (const file of files()) expect(readFileSync(join(dataDir, file)).includes(Buffer.from(CANARY)), file).toBe(false);
    expect(logLines.join('')).not.toContain(CANARY);
    store.close();
  });

  it('refuses an invalid deployment with the field at fault and changes nothing; refuses a duplicate name', () => {
    const { registry, audit, store } = setup();
    let error: { code?: string; message?: string; data?: { fields: Record<string, string> } } = {};
    try {
      registry.add({ ...codestral, endpoint: 'http://127.0.0.1:8000' }, 'cli');
    } catch (e) {
      error = e as typeof error;
    }
    expect(error.code).toBe('DEPLOYMENT_INVALID');
    expect(error.data?.fields.endpoint).toBeDefined();
    expect(error.message).toContain('/v1');
    expect(error.message).not.toContain(CANARY);
    expect(error.message).not.toContain('..');
    // The corrected URL once: the message already says "use …", so no "(suggested: …)" after it.
    expect(error.message?.split('http://127.0.0.1:8000/v1')).toHaveLength(2);
    expect(error.message).not.toContain('suggested');
    expect(registry.list()).toEqual([]);
    registry.add(codestral, 'cli');
    expect(() => registry.add({ ...codestral, name: 'CODESTRAL ON GPU 0' }, 'cli')).toThrow(/name/i);
    expect(audit.verify()).toEqual({ isIntact: true, count: 1 });
    store.close();
  });

  it('maps features to compatible deployments, follows renames, and flags a feature whose deployment was removed', () => {
    const { registry, store } = setup();
    registry.add(codestral, 'cli');
    const completion = registry.features().find((row) => row.feature.id === 'code_completions')!;
    expect(completion.compatibleDeployments).toContain('Codestral on GPU 0');
    registry.setFeature('code_completions', 'Codestral on GPU 0', 'cli');
    registry.update('Codestral on GPU 0', { name: 'codestral-prod' }, 'cli');
    expect(registry.features().find((row) => row.feature.id === 'code_completions')!.deploymentName).toBe('codestral-prod');
    registry.remove('codestral-prod', 'cli');
    const flagged = registry.features().find((row) => row.feature.id === 'code_completions')!;
    expect(flagged.flags).toContain('deployment-missing');
    expect(() => registry.setFeature('no_such_feature', null, 'cli')).toThrow(/no_such_feature/);
    store.close();
  });

  it('builds the GitLab sheet with the key masked', () => {
    const { registry, store } = setup();
    registry.add(codestral, 'cli');
    const sheet = JSON.stringify(registry.gitlabSheet('root'));
    expect(sheet).toContain('https://airlock.example.internal:5052');
    expect(sheet).toContain('gitlab:duo:verify_self_hosted_setup[root]');
    expect(sheet).not.toContain(CANARY);
    expect(sheet).toContain(CANARY.slice(-4));
    store.close();
  });

  it('flags a feature whose local deployment\'s vLLM unit is not running', () => {
    let isRunning = true;
    const { registry, store } = setup(false, () => isRunning);
    registry.add(codestral, 'cli');
    registry.linkUnit('Codestral on GPU 0', 'vllm-codestral');
    registry.setFeature('code_completions', 'Codestral on GPU 0', 'cli');
    const flags = () => registry.features().find((row) => row.feature.id === 'code_completions')!.flags;
    expect(flags()).not.toContain('deployment-unhealthy');
    isRunning = false;
    expect(flags()).toContain('deployment-unhealthy');
    store.close();
  });
  it('keeps a per-deployment gateway timeout, audits its change, and gives the gateway keys and timeouts', () => {
    const { registry, audit, store } = setup();
    expect(registry.add({ ...codestral, timeoutSeconds: '90' }, 'cli').timeoutSeconds).toBe(90);
    registry.add({ ...codestral, name: 'Default timeout', apiKey: null }, 'cli');
    expect(registry.update('Codestral on GPU 0', { timeoutSeconds: 300 }, 'cli').timeoutSeconds).toBe(300);
    expect(registry.update('Codestral on GPU 0', { endpoint: 'http://127.0.0.1:8001/v1' }, 'cli').timeoutSeconds).toBe(300);
    const change = audit.recent(10).find((entry) => entry.changes.some((c) => c.field === 'timeoutSeconds' && c.new === 300));
    expect(change?.changes).toContainEqual({ field: 'timeoutSeconds', old: 90, new: 300 });
    const forGateway = registry.gatewayDeployments(60_000);
    expect(forGateway.find((d) => d.name === 'Codestral on GPU 0')).toMatchObject({ apiKey: CANARY, timeoutMs: 300_000 });
    expect(forGateway.find((d) => d.name === 'Default timeout')).toMatchObject({ apiKey: null, timeoutMs: 60_000 });
    expect(() => registry.update('Codestral on GPU 0', { timeoutSeconds: 0 }, 'cli')).toThrow(/Timeout must be a whole number/);
    store.close();
  });

  it('announces changes once per burst, after the transaction, when the committed state is what listeners read', async () => {
    const { registry, store } = setup();
    let calls = 0;
    registry.onDidChange(() => (calls += 1));
    registry.add(codestral, 'cli');
    registry.setFeature('code_completions', 'Codestral on GPU 0', 'cli');
    expect(calls).toBe(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toBe(1);
    expect(() => store.db.transaction(() => {
      registry.update('Codestral on GPU 0', { endpoint: 'http://127.0.0.1:8002/v1' }, 'cli');
      throw new Error('rolled back');
    })()).toThrow('rolled back');
    await new Promise((resolve) => setImmediate(resolve));
    // The listener runs (a change may have happened), but the stored state is the committed one.
    expect(registry.get('Codestral on GPU 0').endpoint).toBe('http://127.0.0.1:8000/v1');
    store.close();
  });
});

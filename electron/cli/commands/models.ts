import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { storedApiKey } from '../../core/registry/registry-service';
import { SecretStore } from '../../core/secrets/secret-store';
import { createRegistryRepo } from '../../core/store/registry-repo';
import { renderGitlabSheetText } from '../../shared/registry/gitlab-sheet';
import type { GitlabSheet } from '../../shared/registry/gitlab-sheet';
import { connectToCore } from '../core-client';
import { printResult } from '../output';

type Core = Awaited<ReturnType<typeof connectToCore>>;

async function withCore<T>(dataDir: string, fn: (core: Core) => Promise<T>): Promise<T> {
  const core = await connectToCore(dataDir, { timeoutMs: 60_000 });
  try {
    return await fn(core);
  } finally {
    core.close();
  }
}

const key = (apiKey: { isSet: boolean; last4: string | null }) => (apiKey.isSet ? `…${apiKey.last4 ?? ''}` : '—');

export function runModelsList(options: { dataDir: string; isJson?: boolean }): Promise<number> {
  return withCore(options.dataDir, async (core) => {
    const models = await core.client.call('models.list', {});
    printResult(models, options.isJson, () =>
      models.length === 0
        ? 'No deployments. Add one with "airlock models add --name … --family … --platform … --endpoint … --identifier …".'
        : models.map((m) => `${m.name}\n    ${m.platform} · ${m.family} · ${m.endpoint ?? '(no endpoint)'} · ${m.identifier ?? '(no identifier)'} · key ${key(m.apiKey)}`).join('\n'),
    );
    return 0;
  });
}

export interface ModelFlags {
  name?: string;
  family?: string;
  platform?: string;
  endpoint?: string;
  apiKey?: string;
  identifier?: string;
  timeout?: number;
}

export function runModelsAdd(options: ModelFlags & { dataDir: string; isJson?: boolean }): Promise<number> {
  return withCore(options.dataDir, async (core) => {
    const deployment = {
      ...(options.name !== undefined ? { name: options.name } : {}),
      ...(options.family !== undefined ? { family: options.family } : {}),
      ...(options.platform !== undefined ? { platform: options.platform } : {}),
      ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
      ...(options.apiKey !== undefined ? { apiKey: options.apiKey } : {}),
      ...(options.identifier !== undefined ? { identifier: options.identifier } : {}),
      ...(options.timeout !== undefined ? { timeoutSeconds: options.timeout } : {}),
    };
    const added = await core.client.call('models.add', { deployment });
    printResult(added, options.isJson, () => `Added ${added.name}. Test it with: airlock models test "${added.name}"`);
    return 0;
  });
}

export function runModelsRemove(name: string, options: { dataDir: string; isJson?: boolean }): Promise<number> {
  return withCore(options.dataDir, async (core) => {
    const result = await core.client.call('models.remove', { name });
    printResult(result, options.isJson, () => `Removed ${result.removed}.${result.unitName ? ` Its vLLM unit "${result.unitName}" still runs: "airlock services rm ${result.unitName}" removes it.` : ''}`);
    return 0;
  });
}

/** Exit 0 when every step passed, 1 when one failed (the failed step says why). */
export function runModelsTest(name: string, options: { dataDir: string; isJson?: boolean }): Promise<number> {
  return withCore(options.dataDir, async (core) => {
    const result = await core.client.call('models.test', { name });
    const mark = { ok: 'ok  ', failed: 'FAIL', skipped: 'skip', warning: 'warn' } as const;
    printResult(result, options.isJson, () =>
      [
        `Testing ${name}: ${result.ok ? 'connection OK' : `failed at "${result.failedStep}"`} (${Math.round(result.totalMs)} ms)`,
        ...result.steps.map((s) => `  ${mark[s.status]} ${s.label}: ${s.detail}${s.hint ? `\n       → ${s.hint}` : ''}`),
      ].join('\n'),
    );
    return result.ok ? 0 : 1;
  });
}

export function runFeaturesList(options: { dataDir: string; isJson?: boolean }): Promise<number> {
  return withCore(options.dataDir, async (core) => {
    const rows = await core.client.call('features.list', {});
    printResult(rows, options.isJson, () =>
      rows
        .map((r) => `${r.feature.id.padEnd(34)} ${r.feature.state.padEnd(10)} ${r.deploymentName ?? 'disabled'}${r.flags.length > 0 ? `  [${r.flags.join(', ')}]` : ''}`)
        .join('\n'),
    );
    return 0;
  });
}

export function runFeaturesSet(featureId: string, deployment: string, options: { dataDir: string; isJson?: boolean }): Promise<number> {
  return withCore(options.dataDir, async (core) => {
    const target = deployment === 'disabled' || deployment === 'none' ? null : deployment;
    const rows = await core.client.call('features.set', { featureId, deploymentName: target });
    const row = rows.find((r) => r.feature.id === featureId);
    printResult(row, options.isJson, () => `${featureId} → ${row?.deploymentName ?? 'disabled'}`);
    return 0;
  });
}

export function runGitlabSheet(options: { dataDir: string; username?: string; isJson?: boolean; revealKeys?: boolean }): Promise<number> {
  return withCore(options.dataDir, async (core) => {
    const sheet = await core.client.call('gitlab.sheet', options.username ? { username: options.username } : {});
    if (!options.revealKeys) {
      printResult(sheet, options.isJson, () => renderGitlabSheetText(sheet as GitlabSheet));
      return 0;
    }
    // On purpose, on the appliance: read from the data directory with this user's own right to the
    // key file. The keys never cross the core's socket (its replies carry last-4 only).
    const keys = readStoredApiKeys(options.dataDir);
    process.stderr.write('airlock: showing API keys in clear, as asked (--reveal-keys). Clear this terminal\'s scrollback when done.\n');
    printResult({ ...sheet, revealedKeys: Object.fromEntries(keys) }, options.isJson, () => renderGitlabSheetText(sheet as GitlabSheet, { revealKey: (name) => keys.get(name) ?? null }));
    return 0;
  });
}

/** Every stored API key by deployment name, decrypted here from config.db and secrets.key (read-only). */
function readStoredApiKeys(dataDir: string): Map<string, string> {
  const keyFile = join(dataDir, 'secrets.key');
  if (!existsSync(keyFile)) return new Map();
  const secrets = SecretStore.open(keyFile);
  const db = new Database(join(dataDir, 'config.db'), { readonly: true, fileMustExist: true });
  try {
    const keys = new Map<string, string>();
    for (const row of createRegistryRepo(db).all()) {
      const key = storedApiKey(secrets, row);
      if (key !== null) keys.set(row.name, key);
    }
    return keys;
  } finally {
    db.close();
  }
}

export function runModelsServe(modelDir: string, options: { family: string; name?: string; port?: number; context?: number; concurrency?: number; utilization?: number; dataDir: string; isJson?: boolean }): Promise<number> {
  return withCore(options.dataDir, async (core) => {
    const result = await core.client.call('models.serveLocal', {
      modelDir,
      family: options.family,
      ...(options.name ? { name: options.name } : {}),
      ...(options.port ? { port: options.port } : {}),
      ...(options.context ? { contextLength: options.context } : {}),
      ...(options.concurrency ? { concurrency: options.concurrency } : {}),
      ...(options.utilization ? { gpuMemoryUtilization: options.utilization } : {}),
    });
    printResult(result, options.isJson, () =>
      [
        `Serving ${modelDir} as "${result.deployment.name}" (unit ${result.unitName}, starting now).`,
        `  GPUs ${result.plan.gpuIndices.join(', ')} · tensor-parallel ${result.plan.tensorParallelSize} · context ${result.plan.contextLength} · ${result.plan.maxConcurrency} full-length requests at once`,
        `  endpoint ${result.deployment.endpoint} · identifier ${result.deployment.identifier} · key …${result.deployment.apiKey.last4 ?? ''}`,
        `Follow it with: airlock logs tail ${result.unitName} -f; test it with: airlock models test "${result.deployment.name}"`,
      ].join('\n'),
    );
    return 0;
  });
}

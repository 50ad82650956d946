import type { AppInfo, AppStatus, StoreHealth } from '../../shared/contract';
import { connectToCore } from '../core-client';
import { printResult } from '../output';

/** `airlock status`: asks the running core for its version, uptime and store health. */
export async function runStatus(options: { dataDir: string; isJson?: boolean }): Promise<number> {
  const core = await connectToCore(options.dataDir);
  try {
    const [info, status, store] = await Promise.all([
      core.client.call('app.info', {}),
      core.client.call('app.status', {}),
      core.client.call('store.health', {}),
    ]);
    printResult({ info, status, store }, options.isJson, () => renderStatus(info, status, store));
    return store.isHealthy ? 0 : 1;
  } finally {
    core.close();
  }
}

function renderStatus(info: AppInfo, status: AppStatus, store: StoreHealth): string {
  return [
    `Airlock ${info.version} (${info.commit}) — ${info.mode === 'desktop' ? 'desktop app' : 'console'}, pid ${info.pid}`,
    `  uptime      ${formatDuration(status.uptimeSeconds)} (since ${status.startedAt})`,
    `  data dir    ${status.dataDir}`,
    `  config.db   ${store.isHealthy ? 'healthy' : 'NOT HEALTHY'} — schema v${store.schemaVersion}/${store.supportedSchemaVersion}, ` +
      `${store.journalMode}/${store.synchronous}, integrity ${store.integrity}, ${(store.sizeBytes / 1024).toFixed(0)} KiB`,
  ].join('\n');
}

/** 3725 → "1h 2m 5s". */
export function formatDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  return h > 0 ? `${h}h ${m}m ${s}s` : m > 0 ? `${m}m ${s}s` : `${s}s`;
}

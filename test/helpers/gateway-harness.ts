/**
 * An in-process Airlock gateway with the real wiring (startGatewayRuntime), a fake GitLab
 * instance for its OIDC keys, an Airlock signing key for direct-client tokens, and every log line
 * and request-log row captured for assertions.
 */
import type { RequestRecord } from '../../electron/shared/gateway/requests';
import type { GatewayConfig, GatewayDeployment } from '../../electron/shared/gateway/config';
import { ConfigStore } from '../../electron/gateway/config-store';
import { createGatewayLogger } from '../../electron/gateway/logger';
import { createRequestLog } from '../../electron/gateway/request-log/request-log';
import { type GatewayRuntime, startGatewayRuntime } from '../../electron/gateway/runtime';
import { type AirlockTestKey, type FakeGitlabInstance, generateAirlockTestKey, mintAirlockTestToken, newAirlockTokenId, startFakeGitlabInstance } from '../doubles/fake-gitlab-instance';

export interface GatewayHarness {
  readonly url: string;
  readonly runtime: GatewayRuntime;
  readonly store: ConfigStore;
  readonly gitlab: FakeGitlabInstance;
  readonly airlockKey: AirlockTestKey;
  /** Every line the gateway logged. */
  readonly logLines: string[];
  /** Every request-log row, as appended. */
  readonly records: RequestRecord[];
  /** Headers of a GitLab request with a fresh instance token (claims overridable). */
  gitlabHeaders(claims?: Record<string, unknown>): Record<string, string>;
  /** An Airlock-issued token, registered as active in the configuration. */
  airlockToken(scopes: readonly string[], options?: { label?: string }): { token: string; id: string };
  /** Replaces parts of the configuration (a new version). */
  update(patch: Partial<GatewayConfig>): void;
  /** The request-log rows once `count` of them are in (rows are appended when responses close). */
  waitForRecords(count: number, timeoutMs?: number): Promise<RequestRecord[]>;
  /** The first row (from index `from` on) that matches. */
  waitForRecord(match: (record: RequestRecord) => boolean, from?: number, timeoutMs?: number): Promise<RequestRecord>;
  close(): Promise<void>;
}

/** A vLLM-shaped deployment at `endpoint` (…/v1). */
export function vllmDeployment(name: string, endpoint: string, overrides: Partial<GatewayDeployment> = {}): GatewayDeployment {
  return { name, family: 'codestral', platform: 'vllm-remote', endpoint, identifier: `custom_openai/${name}`, apiKey: null, timeoutMs: 10_000, ...overrides };
}

export async function startGatewayHarness(
  options: { deployments?: GatewayDeployment[]; features?: Record<string, string | null>; config?: Partial<GatewayConfig>; /** Also write a real requests.db here. */ requestLogPath?: string } = {},
): Promise<GatewayHarness> {
  const gitlab = await startFakeGitlabInstance();
  const airlockKey = await generateAirlockTestKey('airlock-harness');
  let version = 1;
  const config: GatewayConfig = {
    version,
    listen: { host: '127.0.0.1', port: 0, tlsCertPath: null, tlsKeyPath: null, metricsHost: '127.0.0.1', metricsPort: 0 },
    gitlab: { url: gitlab.url, instanceId: null },
    airlockTokens: { keys: [airlockKey.config], active: [] },
    deployments: options.deployments ?? [],
    features: options.features ?? {},
    network: { allowedNetworks: [], trustedProxies: [] },
    limits: { maxBodyBytes: 8 * 1024 * 1024, streamIdleMs: 5000 },
    requestLog: { path: null, isAiLoggingEnabled: false, retentionDays: 30 },
    bedrock: { region: null, endpoint: null },
    ...options.config,
  };
  const store = new ConfigStore(config);
  const logLines: string[] = [];
  const records: RequestRecord[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const realLog = options.requestLogPath ? createRequestLog({ path: options.requestLogPath, retentionDays: () => 30, flushIntervalMs: 20 }) : null;
  const runtime = await startGatewayRuntime({
    store,
    logger: createGatewayLogger({ level: 'debug', write: (line) => void logLines.push(line) }),
    version: 'test',
    requestLog: {
      ...(realLog ? { stats: () => realLog.stats(), close: () => realLog.close() } : {}),
      append: (record) => {
        realLog?.append(record);
        records.push(record);
        for (const waiter of waiters.filter((w) => records.length >= w.count)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      },
    },
    port: 0,
  });

  const harness: GatewayHarness = {
    url: runtime.url,
    runtime,
    store,
    gitlab,
    airlockKey,
    logLines,
    records,
    gitlabHeaders: (claims) => ({ ...gitlab.headersFor(gitlab.mintToken(claims ? { claims } : {})), 'content-type': 'application/json' }),
    airlockToken(scopes, tokenOptions = {}) {
      const id = newAirlockTokenId();
      const label = tokenOptions.label ?? 'test client';
      const expiresAt = Math.floor(Date.now() / 1000) + 3600;
      const token = mintAirlockTestToken(airlockKey, { claims: { jti: id, sub: `token:${id}`, scopes: [...scopes], label, exp: expiresAt } });
      const current = store.get().config;
      harness.update({ airlockTokens: { keys: current.airlockTokens.keys, active: [...current.airlockTokens.active, { id, label, scopes: [...scopes], expiresAt }] } });
      return { token, id };
    },
    update(patch) {
      version += 1;
      store.replace({ ...store.get().config, ...patch, version });
    },
    waitForRecords(count, timeoutMs = 5000) {
      if (records.length >= count) return Promise.resolve(records);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${records.length} request-log rows after ${timeoutMs} ms, expected ${count}`)), timeoutMs);
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve(records);
          },
        });
      });
    },
    async waitForRecord(match, from = 0, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = records.slice(from).find(match);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no matching request-log row after ${timeoutMs} ms (${records.length} rows)`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    async close() {
      await runtime.close();
      await gitlab.close();
    },
  };
  return harness;
}

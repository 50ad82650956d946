/**
 * The gateway wired up and listening: egress gate, upstream clients, GitLab's key set, token
 * verifier, request log, metrics, the app, the metrics server. `main.ts` runs one per process;
 * tests run one in-process with the same wiring.
 */
import { readFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GatewayStatus } from '../shared/gateway/channel';
import type { GatewayConfig } from '../shared/gateway/config';
import type { RequestRecord } from '../shared/gateway/requests';
import { buildGateway } from './app';
import { type GitlabKeySource, createGitlabKeySource } from './auth/gitlab-keys';
import { createTokenVerifier } from './auth/verify-token';
import { createClientNetwork } from './client-network';
import { type ConfigStore, originKeyOf } from './config-store';
import type { GatewayLogger } from './logger';
import { type Metrics, createMetrics } from './metrics';
import { createReadinessProbe } from './readiness';
import { type RequestLog, type RequestLogStats, createRequestLog } from './request-log/request-log';
import { createEgressAgent, fetchJsonThroughEgress } from './upstream/egress';
import { createUpstreams } from './upstream/index';

/** In-flight requests get this long to finish on close; then their connections are cut. */
const DRAIN_MS = 10_000;

export interface RuntimeOptions {
  store: ConfigStore;
  logger: GatewayLogger;
  version: string;
  /** Replaces the request log the configuration names (tests). */
  requestLog?: { append(record: RequestRecord): void; stats?(): RequestLogStats; close?(): Promise<void> };
  /** Overrides the configured port (tests: 0 for a free one). */
  port?: number;
  metricsPort?: number;
}

export interface GatewayRuntime {
  /** `http(s)://host:port` it listens on. */
  readonly url: string;
  readonly metricsUrl: string | null;
  readonly metrics: Metrics;
  readonly gitlabKeys: GitlabKeySource;
  /** True when the configuration changed what the server is bound with. */
  needsRestart(): boolean;
  status(): GatewayStatus;
  /** Stops accepting, lets in-flight requests finish (10 s at most), releases everything. */
  close(): Promise<void>;
}

/** What must restart the server to change: it was bound with it. */
export const boundWith = (config: GatewayConfig): string => JSON.stringify([config.listen, config.limits.maxBodyBytes]);

/** Builds the gateway from the store's configuration and starts listening. */
export async function startGatewayRuntime(options: RuntimeOptions): Promise<GatewayRuntime> {
  const { store, logger } = options;
  const initial = store.get().config;
  const bound = boundWith(initial);
  const metrics = createMetrics();
  const agent = createEgressAgent({ isAllowed: (origin) => store.get().allowedOrigins.has(originKeyOf(origin)) });
  const upstreams = createUpstreams({ dispatcher: agent, bedrock: () => store.get().config.bedrock });
  const gitlabKeys = createGitlabKeySource({
    url: () => store.get().config.gitlab.url,
    fetchJson: (url, signal) => fetchJsonThroughEgress(agent, url, signal, { maxBytes: 1024 * 1024 }),
    now: Date.now,
    logger,
  });
  const verifier = createTokenVerifier({ config: () => store.get().config, gitlabKeys, now: Date.now });
  const subscription = store.onDidChange((next, previous) => {
    if (JSON.stringify(next.config.airlockTokens.keys) !== JSON.stringify(previous.config.airlockTokens.keys) || next.config.gitlab.url !== previous.config.gitlab.url) {
      verifier.clearCache();
    }
  });
  const logPath = initial.requestLog.path;
  const requestLog: RuntimeOptions['requestLog'] | RequestLog | null =
    options.requestLog ?? (logPath ? createRequestLog({ path: logPath, retentionDays: () => store.get().config.requestLog.retentionDays, logger }) : null);
  metrics.gauge('airlock_gateway_request_log_dropped_total', 'Request-log rows dropped because the log fell behind.', () => requestLog?.stats?.().dropped ?? 0);
  metrics.gauge('airlock_gateway_config_version', 'Version of the configuration in force.', () => store.get().config.version);

  const { listen } = initial;
  const tls = listen.tlsCertPath && listen.tlsKeyPath ? { cert: readFileSync(listen.tlsCertPath), key: readFileSync(listen.tlsKeyPath) } : null;
  const app = await buildGateway({
    config: store,
    verifier,
    network: createClientNetwork(() => store.get().config.network),
    upstreams,
    requestLog: requestLog ?? { append: () => undefined },
    metrics,
    logger,
    probeDeployment: createReadinessProbe(agent),
    tls,
  });
  await app.listen({ host: listen.host, port: options.port ?? listen.port });
  const port = (app.server.address() as AddressInfo).port;
  const url = `${tls ? 'https' : 'http'}://${listen.host.includes(':') ? `[${listen.host}]` : listen.host}:${port}`;

  let metricsServer: Server | null = null;
  const metricsPort = options.metricsPort ?? listen.metricsPort;
  if (listen.metricsPort > 0) {
    const server = createServer((request, response) => {
      if (request.method === 'GET' && request.url === '/metrics') {
        response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
        response.end(metrics.render());
      } else {
        response.writeHead(404).end();
      }
    });
    metricsServer = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(metricsPort, listen.metricsHost, () => resolve());
    });
  }
  const metricsUrl = metricsServer ? `http://${listen.metricsHost}:${(metricsServer.address() as AddressInfo).port}/metrics` : null;
  const startedAt = new Date().toISOString();

  return {
    url,
    metricsUrl,
    metrics,
    gitlabKeys,
    needsRestart: () => boundWith(store.get().config) !== bound,
    status(): GatewayStatus {
      const keys = gitlabKeys.status();
      const log = requestLog?.stats?.() ?? null;
      return {
        pid: process.pid,
        version: options.version,
        startedAt,
        appliedVersion: store.get().config.version,
        needsRestart: boundWith(store.get().config) !== bound,
        listening: { url, metricsUrl },
        inFlight: metrics.inFlight,
        requests: metrics.totals(),
        requestLog: log ? { written: log.written, dropped: log.dropped, queued: log.queued, lastError: log.lastError } : null,
        gitlabKeys: keys.url === null ? null : { url: keys.url, lastFetchAt: keys.lastFetchAt, lastError: keys.lastError, keyIds: [...keys.keyIds] },
        rssBytes: process.memoryUsage.rss(),
      };
    },
    async close() {
      subscription.dispose();
      const force = setTimeout(() => {
        logger.warn('in-flight requests did not finish in time; closing them', { inFlight: metrics.inFlight });
        app.server.closeAllConnections();
      }, DRAIN_MS);
      force.unref();
      app.server.closeIdleConnections();
      await app.close();
      clearTimeout(force);
      await new Promise<void>((resolve) => (metricsServer ? metricsServer.close(() => resolve()) : resolve()));
      await requestLog?.close?.();
      await upstreams.dispose();
      await agent.close();
    },
  };
}

/**
 * The core's side of Airlock's own gateway: how to launch it (the airlock-gateway preset), the
 * configuration it is sent (rebuilt and pushed after every change of the registry, the tokens or
 * a gateway.* setting), restarts when what it is bound with changes, and its status as reported
 * by the gateway itself.
 */
import { existsSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { CHANNEL_PATH_ENV, CHANNEL_TOKEN_ENV } from '../../shared/gateway/channel';
import type { GatewayConfig } from '../../shared/gateway/config';
import { AirlockError } from '../../shared/errors';
import { NODE_RUNTIME } from '../../shared/node-runtime';
import { preferUnpacked } from '../packaging';
import type { UnitView } from '../../shared/services';
import type { SettingKey } from '../../shared/settings';
import type { Logger } from '../logger';
import type { AirlockGatewayLaunch } from '../supervisor/unit-presets';
import { DEFAULT_DEPLOYMENT_TIMEOUT_MS, type ReadSetting, buildGatewayConfig } from './gateway-config';
import type { ChannelState, GatewayChannel } from './gateway-channel';

/** Settings the server is bound with: changing one restarts a running gateway. */
const RESTART_KEYS: readonly SettingKey[] = ['gateway.host', 'gateway.port', 'gateway.tlsCertPath', 'gateway.tlsKeyPath', 'gateway.metricsPort', 'gateway.maxBodyMiB'];

export interface GatewayServiceDeps {
  dataDir: string;
  logger: Logger;
  now: () => number;
  setting: ReadSetting;
  onSettingChange: (listener: (key: SettingKey) => void) => { dispose(): void };
  registry: {
    gatewayDeployments(defaultTimeoutMs: number): GatewayConfig['deployments'];
    mapping(): Record<string, string | null>;
    onDidChange(listener: () => void): { dispose(): void };
  };
  tokens: { gatewayView(): GatewayConfig['airlockTokens']; onDidChange(listener: () => void): { dispose(): void } };
  /** The units, to find and restart the gateway unit. */
  units: { list(): UnitView[]; restart(name: string): Promise<unknown> };
  channel: GatewayChannel;
  /** The built gateway program (dist/gateway/main.cjs). */
  entryPath: string;
  /** The Node that runs it, and what it needs in its environment (packaging.ts childNodeCommand). */
  node: { command: string; env: Readonly<Record<string, string>> };
}

/** Where the built gateway is: next to the core's bundle, or under dist/ from the sources (tests). */
export function defaultGatewayEntry(resources: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.AIRLOCK_GATEWAY_ENTRY) return env.AIRLOCK_GATEWAY_ENTRY;
  // Plain Node runs it: in the packaged app, the copy unpacked beside app.asar (packaging.ts).
  const candidates = [join(__dirname, '..', 'gateway', 'main.cjs'), join(resources, '..', 'dist', 'gateway', 'main.cjs')].map((path) => preferUnpacked(path));
  return candidates.find((path) => existsSync(path)) ?? candidates[0]!;
}

/** `host` as a client on this machine reaches it: the wildcard addresses are reached on loopback. */
function localHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '[::1]';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** The health check over HTTPS: a certificate made for a public name does not match 127.0.0.1, and this call carries no secret. */
function httpsStatus(url: string): Promise<number | null> {
  return new Promise((resolve) => {
    const request = httpsRequest(url, { rejectUnauthorized: false, timeout: 2000 }, (response) => {
      response.resume();
      resolve(response.statusCode ?? null);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(null));
    request.end();
  });
}

export function createGatewayService(deps: GatewayServiceDeps) {
  const subscriptions: { dispose(): void }[] = [];
  const requestsDbPath = join(deps.dataDir, 'requests.db');

  const gatewayUnits = () => deps.units.list().filter((unit) => unit.preset === 'airlock-gateway');

  const configFor = (version: number): GatewayConfig =>
    buildGatewayConfig({
      version,
      setting: deps.setting,
      deployments: deps.registry.gatewayDeployments(DEFAULT_DEPLOYMENT_TIMEOUT_MS),
      features: deps.registry.mapping(),
      airlockTokens: deps.tokens.gatewayView(),
      requestsDbPath,
    });

  subscriptions.push(deps.registry.onDidChange(() => deps.channel.push()));
  subscriptions.push(deps.tokens.onDidChange(() => deps.channel.push()));
  subscriptions.push(
    deps.onSettingChange((key) => {
      if (!key.startsWith('gateway.')) return;
      if (!RESTART_KEYS.includes(key)) {
        deps.channel.push();
        return;
      }
      for (const unit of gatewayUnits()) {
        if (unit.state === 'running' || unit.state === 'starting' || unit.state === 'backoff') {
          deps.logger.info('gateway setting changed; restarting the gateway to apply it', { key, unit: unit.name });
          deps.units.restart(unit.name).catch((error: unknown) => deps.logger.error('restarting the gateway failed', { unit: unit.name, error: String(error) }));
        }
      }
    }),
  );

  const channelToken = deps.channel.issueToken();

  return {
    configFor,

    /** The launch of the gateway unit: its program, its channel, its address. */
    launch(unit: string): AirlockGatewayLaunch {
      if (!existsSync(deps.entryPath)) throw new AirlockError('GATEWAY_NOT_BUILT', { path: deps.entryPath });
      const host = deps.setting('gateway.host');
      const port = deps.setting('gateway.port');
      const metricsPort = deps.setting('gateway.metricsPort');
      const isTls = deps.setting('gateway.tlsCertPath') !== '' && deps.setting('gateway.tlsKeyPath') !== '';
      const healthUrl = `${isTls ? 'https' : 'http'}://${localHost(host)}:${port}/monitoring/healthz`;
      deps.logger.debug('gateway launch', { unit, host, port });
      return {
        command: deps.node.command,
        // Flat memory at 1,000 req/s (resources/node-runtime.json).
        args: [...NODE_RUNTIME.nodeFlags, deps.entryPath],
        env: {
          ...NODE_RUNTIME.env,
          ...deps.node.env,
          [CHANNEL_PATH_ENV]: deps.channel.path,
          [CHANNEL_TOKEN_ENV]: channelToken,
        },
        ports: metricsPort > 0 ? [port, metricsPort] : [port],
        healthUrl,
        ...(isTls ? { checkHealth: httpsStatus } : {}),
      };
    },

    /** The gateway as the UI shows it: its unit, its channel, what it reported. */
    status(): { unit: { name: string; state: UnitView['state'] } | null; channel: ChannelState; isStatusFresh: boolean } {
      const unit = gatewayUnits()[0] ?? null;
      const channel = deps.channel.state();
      const isStatusFresh = channel.isConnected && channel.statusAt !== null && deps.now() - channel.statusAt < 10_000;
      return { unit: unit ? { name: unit.name, state: unit.state } : null, channel, isStatusFresh };
    },

    requestsDbPath,

    /**
     * The configuration as a standalone gateway's file (gateway/config-file.ts), for a gateway on
     * another host. Keys are never in it: each deployment with a key names the environment variable
     * that must hold it there, and the request log is off until that site names a path.
     */
    standaloneConfig(): { document: Record<string, unknown>; keyVariables: { deployment: string; variable: string }[] } {
      const config = configFor(1);
      const keyVariables: { deployment: string; variable: string }[] = [];
      const used = new Set<string>();
      const deployments = config.deployments.map(({ apiKey, ...deployment }) => {
        if (apiKey === null) return deployment;
        const base = `AIRLOCK_KEY_${deployment.name.toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 60) || 'DEPLOYMENT'}`;
        let variable = base;
        for (let n = 2; used.has(variable); n += 1) variable = `${base}_${n}`;
        used.add(variable);
        keyVariables.push({ deployment: deployment.name, variable });
        return { ...deployment, apiKeyEnv: variable };
      });
      const { version: _version, ...rest } = config;
      return { document: { ...rest, deployments, requestLog: { ...config.requestLog, path: null } }, keyVariables };
    },

    dispose(): void {
      for (const subscription of subscriptions.splice(0)) subscription.dispose();
    },
  };
}
export type GatewayService = ReturnType<typeof createGatewayService>;

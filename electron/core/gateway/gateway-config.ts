/**
 * The gateway's configuration, built from the core's settings, registry and tokens. Pure: the
 * caller reads the stores (and decrypts the keys) and this assembles and validates the document
 * that crosses the private channel.
 */
import { GATEWAY_DEFAULTS, type GatewayConfig, type GatewayDeployment, gatewayConfigSchema } from '../../shared/gateway/config';
import type { SettingKey, SettingValue } from '../../shared/settings';

/** A setting's value, as settings.get gives it. */
export type ReadSetting = <K extends SettingKey>(key: K) => SettingValue<K>;

export interface GatewayConfigInput {
  version: number;
  setting: ReadSetting;
  deployments: readonly GatewayDeployment[];
  features: Readonly<Record<string, string | null>>;
  airlockTokens: GatewayConfig['airlockTokens'];
  requestsDbPath: string;
}

/** The configuration document; throws when the stores hold something the schema refuses. */
export function buildGatewayConfig(input: GatewayConfigInput): GatewayConfig {
  const { setting } = input;
  const cert = setting('gateway.tlsCertPath');
  const key = setting('gateway.tlsKeyPath');
  // Explicitly disabled features stay null: a Duo Chat sub-feature that is off must not fall back to General Chat.
  const features: Record<string, string | null> = {};
  for (const [feature, deployment] of Object.entries(input.features)) features[feature] = deployment ? deployment : null;
  const config: GatewayConfig = {
    version: input.version,
    listen: {
      host: setting('gateway.host'),
      port: setting('gateway.port'),
      tlsCertPath: cert || null,
      tlsKeyPath: key || null,
      // Metrics carry no secret but say much about the site: loopback only (scrape through the host).
      metricsHost: '127.0.0.1',
      metricsPort: setting('gateway.metricsPort'),
    },
    gitlab: { url: setting('gateway.gitlabUrl') || null, instanceId: setting('gateway.gitlabInstanceId') || null },
    airlockTokens: input.airlockTokens,
    deployments: [...input.deployments],
    features,
    network: { allowedNetworks: setting('gateway.allowedNetworks'), trustedProxies: setting('gateway.trustedProxies') },
    limits: { maxBodyBytes: setting('gateway.maxBodyMiB') * 1024 * 1024, streamIdleMs: setting('gateway.streamIdleSeconds') * 1000 },
    requestLog: { path: input.requestsDbPath, isAiLoggingEnabled: setting('gateway.aiRequestLogging'), retentionDays: setting('gateway.requestLogRetentionDays') },
    bedrock: { region: setting('gateway.bedrockRegion') || null, endpoint: setting('gateway.bedrockEndpoint') || null },
  };
  return gatewayConfigSchema.parse(config);
}

/** A deployment's timeout when none is set: GitLab's gateway gives chat 30 s; Rails waits 60 s by default (§2.6). */
export const DEFAULT_DEPLOYMENT_TIMEOUT_MS = GATEWAY_DEFAULTS.deploymentTimeoutMs;

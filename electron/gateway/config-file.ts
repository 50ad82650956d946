/**
 * A standalone gateway's configuration, read from a JSON file for sites that run the gateway on
 * another host than the core. Same content as what the core sends, with defaults for what may be
 * left out, and API keys either inline or, better, named by an environment variable
 * (`apiKeyEnv`) so that no key has to be written to disk. A file that others can read is refused.
 */
import { readFileSync, statSync } from 'node:fs';
import { GATEWAY_DEFAULTS, type GatewayConfig, airlockKeySchema, activeTokenSchema, gatewayConfigSchema } from '../shared/gateway/config';
import { deploymentPlatforms } from '../shared/registry/deployment';
import { z } from '../shared/zod';

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'must be an environment variable name');

const fileDeploymentSchema = z.strictObject({
  name: z.string().min(1).max(255),
  family: z.string().min(1).max(100),
  platform: z.enum(deploymentPlatforms),
  endpoint: z.string().max(2048).nullable().default(null),
  identifier: z.string().min(1).max(1000).nullable().default(null),
  apiKey: z.string().min(1).max(2000).nullable().default(null),
  apiKeyEnv: envName.optional(),
  timeoutMs: z.number().int().min(1000).max(3_600_000).default(GATEWAY_DEFAULTS.deploymentTimeoutMs),
});

/** The file's schema: every section optional except the deployments. */
export const gatewayConfigFileSchema = z.strictObject({
  listen: z
    .strictObject({
      host: z.string().min(1).max(255).default('127.0.0.1'),
      port: z.number().int().min(1).max(65535).default(GATEWAY_DEFAULTS.port),
      tlsCertPath: z.string().max(4096).nullable().default(null),
      tlsKeyPath: z.string().max(4096).nullable().default(null),
      metricsHost: z.string().min(1).max(255).default('127.0.0.1'),
      metricsPort: z.number().int().min(0).max(65535).default(GATEWAY_DEFAULTS.metricsPort),
    })
    .prefault({}),
  gitlab: z.strictObject({ url: z.string().max(2048).nullable().default(null), instanceId: z.string().max(100).nullable().default(null) }).prefault({}),
  airlockTokens: z.strictObject({ keys: z.array(airlockKeySchema).max(16).default([]), active: z.array(activeTokenSchema).max(10_000).default([]) }).prefault({}),
  deployments: z.array(fileDeploymentSchema).max(1000),
  features: z.record(z.string().max(100), z.string().max(255).nullable()).default({}),
  network: z.strictObject({ allowedNetworks: z.array(z.string()).max(256).default([]), trustedProxies: z.array(z.string()).max(64).default([]) }).prefault({}),
  limits: z
    .strictObject({
      maxBodyBytes: z.number().int().default(GATEWAY_DEFAULTS.maxBodyBytes),
      streamIdleMs: z.number().int().default(GATEWAY_DEFAULTS.streamIdleMs),
    })
    .prefault({}),
  requestLog: z
    .strictObject({
      path: z.string().max(4096).nullable().default(null),
      isAiLoggingEnabled: z.boolean().default(false),
      retentionDays: z.number().int().default(GATEWAY_DEFAULTS.retentionDays),
    })
    .prefault({}),
  bedrock: z.strictObject({ region: z.string().max(50).nullable().default(null), endpoint: z.string().max(2048).nullable().default(null) }).prefault({}),
});

/** Why a configuration file cannot be used, with what to do. */
export class ConfigFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigFileError';
  }
}

const describe = (error: z.ZodError) => error.issues.slice(0, 10).map((issue) => `${issue.path.join('.') || '(file)'}: ${issue.message}`).join('; ');

/**
 * Reads and checks a configuration file: owner-only permissions, JSON, the schema, every
 * `apiKeyEnv` set. `version` numbers successive reloads.
 */
export function readGatewayConfigFile(path: string, env: NodeJS.ProcessEnv, version: number): GatewayConfig {
  let mode: number;
  try {
    const stat = statSync(path);
    mode = stat.mode;
    if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) {
      throw new ConfigFileError(`${path} belongs to another user (uid ${stat.uid}); the gateway reads only its own configuration file.`);
    }
  } catch (error) {
    if (error instanceof ConfigFileError) throw error;
    throw new ConfigFileError(`Cannot read the gateway configuration ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`);
  }
  if ((mode & 0o077) !== 0) {
    throw new ConfigFileError(`${path} can be read by other users (mode ${(mode & 0o777).toString(8)}); it may hold API keys. Run: chmod 600 ${path}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigFileError(`${path} is not valid JSON: ${error instanceof Error ? error.message : String(error)}.`);
  }
  const parsed = gatewayConfigFileSchema.safeParse(json);
  if (!parsed.success) throw new ConfigFileError(`${path} is not a valid gateway configuration: ${describe(parsed.error)}.`);
  const file = parsed.data;
  const deployments = file.deployments.map(({ apiKeyEnv, ...deployment }) => {
    if (apiKeyEnv === undefined) return deployment;
    const key = env[apiKeyEnv];
    if (!key) throw new ConfigFileError(`The deployment "${deployment.name}" takes its API key from $${apiKeyEnv}, which is not set.`);
    return { ...deployment, apiKey: key.trim() };
  });
  const config = gatewayConfigSchema.safeParse({ ...file, version, deployments });
  if (!config.success) throw new ConfigFileError(`${path} is not a valid gateway configuration: ${describe(config.error)}.`);
  return config.data;
}

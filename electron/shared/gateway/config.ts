/**
 * What the Airlock AI gateway needs to run: registered deployments (with their API keys), the
 * feature mapping, whom to trust, its limits. The core builds it from config.db and sends it over
 * the private channel; a standalone gateway reads the same document from a file
 * (`gatewayConfigFileSchema`). The gateway never reads config.db itself.
 */
import { deploymentPlatforms } from '../registry/deployment';
import { z } from '../zod';

/** The audience GitLab puts in tokens meant for an AI gateway (gitlab-ai-gateway.md §3.2). */
export const GITLAB_GATEWAY_AUDIENCE = 'gitlab-ai-gateway';
/** Issuer and audience of Airlock-issued tokens; a token of one kind is never accepted as the other. */
export const AIRLOCK_TOKEN_ISSUER = 'airlock';
export const AIRLOCK_TOKEN_AUDIENCE = 'airlock-gateway';
/** `typ` header of Airlock-issued tokens (RFC 8725 §3.11 explicit typing). */
export const AIRLOCK_TOKEN_TYPE = 'airlock+jwt';
/** Key ids of Airlock's own signing keys start with this; every other kid is looked up in GitLab's key set. */
export const AIRLOCK_KID_PREFIX = 'airlock-';

const cidr = z.string().regex(/^[0-9a-fA-F.:]+\/\d{1,3}$/, 'must be a CIDR block such as 10.0.0.0/8');
/** An http(s) URL with no query, fragment or whitespace: the only kind a gateway URL setting may hold. */
export const HTTP_URL_PATTERN = /^https?:\/\/[^/\s?#]+(\/[^\s?#]*)?$/;
const httpUrl = z.string().max(2048).regex(HTTP_URL_PATTERN, 'must be an http(s) URL without query or fragment');

/** One registered deployment as the gateway routes to it. */
export const gatewayDeploymentSchema = z.strictObject({
  name: z.string().min(1).max(255),
  family: z.string().min(1).max(100),
  platform: z.enum(deploymentPlatforms),
  /** Base URL as registered (…/v1 for OpenAI-compatible servers); null for Bedrock. */
  endpoint: httpUrl.nullable(),
  identifier: z.string().min(1).max(1000).nullable(),
  apiKey: z.string().min(1).max(2000).nullable(),
  /** Upper bound on one upstream request, first byte to last (ms). */
  timeoutMs: z.number().int().min(1000).max(3_600_000),
});
export type GatewayDeployment = z.infer<typeof gatewayDeploymentSchema>;

/** Public half of one Airlock signing key (Ed25519, JWK). */
export const airlockKeySchema = z.strictObject({
  kid: z.string().startsWith(AIRLOCK_KID_PREFIX).max(100),
  jwk: z.strictObject({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: z.string().regex(/^[A-Za-z0-9_-]{43}$/) }),
});

/** One Airlock-issued token that is valid now: anything not listed here is refused (revocation = removal). */
export const activeTokenSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9]{8,40}$/),
  label: z.string().max(100),
  scopes: z.array(z.string().max(100)).max(64),
  /** Epoch seconds. */
  expiresAt: z.number().int(),
});
export type ActiveToken = z.infer<typeof activeTokenSchema>;

export const gatewayConfigSchema = z.strictObject({
  /** Increases with every change; the gateway reports the version it applied. */
  version: z.number().int().min(0),
  listen: z.strictObject({
    host: z.string().min(1).max(255),
    port: z.number().int().min(1).max(65535),
    tlsCertPath: z.string().max(4096).nullable(),
    tlsKeyPath: z.string().max(4096).nullable(),
    /** Prometheus /metrics on its own port (GitLab's gateway uses 8082); 0 turns it off. */
    metricsHost: z.string().min(1).max(255),
    metricsPort: z.number().int().min(0).max(65535),
  }),
  gitlab: z.strictObject({
    /** The instance whose OIDC keys sign GitLab's tokens; null: GitLab tokens are refused. */
    url: httpUrl.nullable(),
    /** When set, tokens must come from this instance (`sub` = instance UUID, gitlab-ai-gateway.md §3.2). */
    instanceId: z.string().max(100).nullable(),
  }),
  airlockTokens: z.strictObject({
    keys: z.array(airlockKeySchema).max(16),
    active: z.array(activeTokenSchema).max(10_000),
  }),
  deployments: z.array(gatewayDeploymentSchema).max(1000),
  /** Feature id → deployment name (null or absent: disabled). */
  features: z.record(z.string().max(100), z.string().max(255).nullable()),
  network: z.strictObject({
    /** Client networks allowed; empty: any client with a valid token. */
    allowedNetworks: z.array(cidr).max(256),
    /** Peers whose X-Forwarded-For is believed; empty: the socket peer is the client. */
    trustedProxies: z.array(cidr).max(64),
  }),
  limits: z.strictObject({
    maxBodyBytes: z.number().int().min(1024).max(64 * 1024 * 1024),
    /** An upstream stream that sends nothing for this long is cut (ms). */
    streamIdleMs: z.number().int().min(1000).max(3_600_000),
  }),
  requestLog: z.strictObject({
    /** requests.db; null: no request log (the core always gives one). */
    path: z.string().max(4096).nullable(),
    /** Keep prompts and responses, when GitLab's verbose-logs header allows it too. */
    isAiLoggingEnabled: z.boolean(),
    retentionDays: z.number().int().min(1).max(3650),
  }),
  bedrock: z.strictObject({
    region: z.string().max(50).nullable(),
    /** A VPC endpoint URL; null: the regional endpoint. */
    endpoint: httpUrl.nullable(),
  }),
});
export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;

/** Defaults for the parts a standalone config file may leave out. */
export const GATEWAY_DEFAULTS = {
  port: 5052,
  metricsPort: 8082,
  maxBodyBytes: 8 * 1024 * 1024,
  streamIdleMs: 60_000,
  deploymentTimeoutMs: 60_000,
  retentionDays: 30,
} as const;

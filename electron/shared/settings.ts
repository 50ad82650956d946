/**
 * The appliance's settings: one typed entry per key, with its default and what it means. The core
 * stores values in config.db; every value is parsed with its schema on the way in.
 */
import { HTTP_URL_PATTERN } from './gateway/config';
import { z } from './zod';

interface SettingSpec<S extends z.ZodType> {
  readonly schema: S;
  readonly defaultValue: z.output<S>;
  readonly description: string;
}

function setting<S extends z.ZodType>(schema: S, defaultValue: z.output<S>, description: string): SettingSpec<S> {
  return { schema, defaultValue, description };
}

const absolutePathOrEmpty = z
  .string()
  .max(4096)
  .refine((value) => value === '' || value.startsWith('/'), 'must be an absolute path, or empty for the default');

export const settingSpecs = {
  'probe.nvidiaSmiPath': setting(absolutePathOrEmpty, '', 'Path to nvidia-smi; empty: found on PATH. The AIRLOCK_NVIDIA_SMI environment variable overrides it.'),
  'probe.timeoutMs': setting(z.number().int().min(500).max(60_000), 5000, 'How long one nvidia-smi call may take before it is killed (ms).'),
  'probe.telemetryIntervalMs': setting(z.number().int().min(500).max(60_000), 2000, 'How often live GPU telemetry is read (ms).'),
  'services.vllmPath': setting(absolutePathOrEmpty, '', 'Path to the vllm executable; empty: "vllm" found on PATH.'),
  'logs.retentionDays': setting(z.number().int().min(1).max(3650), 14, 'Days of unit output kept in the log index (logs.db).'),
  'logs.maxIndexMiB': setting(z.number().int().min(64).max(1024 * 1024), 1024, 'Largest size of the log index (logs.db), in MiB; the oldest lines go first.'),
  'models.betaEnabled': setting(z.boolean(), false, 'Use beta self-hosted models features (accepting GitLab\'s testing terms): beta and experimental families and features.'),
  'gateway.host': setting(
    z.string().min(1).max(255).regex(/^[A-Za-z0-9.:[\]-]+$/, 'must be an IP address or a host name'),
    '127.0.0.1',
    'Address the Airlock AI gateway listens on; a non-loopback address needs the TLS certificate and key below.',
  ),
  'gateway.port': setting(z.number().int().min(1024).max(65535), 5052, 'Port the Airlock AI gateway listens on (GitLab\'s own gateway uses 5052 too).'),
  'gateway.tlsCertPath': setting(absolutePathOrEmpty, '', 'PEM certificate for the gateway (HTTPS); empty: plain HTTP, loopback only.'),
  'gateway.tlsKeyPath': setting(absolutePathOrEmpty, '', 'PEM private key for the gateway certificate.'),
  'gateway.gitlabUrl': setting(
    z.string().max(2048).refine((v) => v === '' || HTTP_URL_PATTERN.test(v), 'must be an http(s) URL without query or fragment, or empty'),
    '',
    'The GitLab instance whose signing keys the gateway trusts (its OIDC discovery document); the only host it contacts besides model endpoints.',
  ),
  'gateway.allowedNetworks': setting(
    z.array(z.string().regex(/^[0-9a-fA-F.:]+\/\d{1,3}$/, 'each entry must be a CIDR block such as 10.0.0.0/8')).max(256),
    [],
    'Client networks allowed to call the gateway (CIDR); empty: any client that presents a valid token.',
  ),
  'gateway.metricsPort': setting(z.number().int().min(0).max(65535), 8082, 'Port of the gateway\'s Prometheus /metrics (on 127.0.0.1; GitLab\'s gateway uses 8082 too); 0 turns it off.'),
  'gateway.trustedProxies': setting(
    z.array(z.string().regex(/^[0-9a-fA-F.:]+\/\d{1,3}$/, 'each entry must be a CIDR block such as 10.0.0.5/32')).max(64),
    [],
    'Reverse proxies in front of the gateway (CIDR): only their X-Forwarded-For is believed; empty: the connecting address is the client.',
  ),
  'gateway.gitlabInstanceId': setting(
    z.string().max(100).regex(/^[A-Za-z0-9-]*$/, 'must be the instance UUID shown in GitLab\'s admin area, or empty'),
    '',
    'When set, only tokens of this GitLab instance (its UUID) are accepted.',
  ),
  'gateway.streamIdleSeconds': setting(z.number().int().min(1).max(3600), 60, 'A model stream that sends nothing for this long is cut, and the client told.'),
  'gateway.maxBodyMiB': setting(z.number().int().min(1).max(64), 8, 'Largest request body the gateway accepts (MiB); larger ones get 413.'),
  'gateway.bedrockRegion': setting(z.string().max(50).regex(/^([a-z]{2}(-[a-z]+)+-\d)?$/, 'must be an AWS region such as us-east-1, or empty'), '', 'AWS region of the Bedrock deployments.'),
  'gateway.bedrockEndpoint': setting(
    z.string().max(2048).refine((v) => v === '' || HTTP_URL_PATTERN.test(v), 'must be an http(s) URL without query or fragment, or empty'),
    '',
    'Bedrock VPC endpoint URL (e.g. https://vpce-….bedrock-runtime.us-east-1.vpce.amazonaws.com); empty: the regional endpoint.',
  ),
  'gateway.aiRequestLogging': setting(z.boolean(), false, 'Keep prompts and responses in the request log (off by default; GitLab\'s verbose-logs header must allow it too).'),
  'gateway.requestLogRetentionDays': setting(z.number().int().min(1).max(3650), 30, 'Days of gateway requests kept in requests.db.'),
  'gateway.url': setting(
    z.string().max(2048).refine((v) => v === '' || HTTP_URL_PATTERN.test(v), 'must be an http(s) URL without query or fragment, or empty'),
    '',
    'The URL GitLab uses to reach the AI gateway ("Local AI Gateway URL"), e.g. https://airlock.example.internal:5052.',
  ),
  'paths.modelDir': setting(absolutePathOrEmpty, '', 'Directory that holds local model weights; its free space is checked on the Hardware page.'),
} as const;

export type SettingKey = keyof typeof settingSpecs;
export type SettingValue<K extends SettingKey> = z.output<(typeof settingSpecs)[K]['schema']>;
export const settingKeys = Object.keys(settingSpecs) as SettingKey[];

export function isSettingKey(key: unknown): key is SettingKey {
  return typeof key === 'string' && Object.prototype.hasOwnProperty.call(settingSpecs, key);
}

export const settingEntrySchema = z.object({
  key: z.string(),
  value: z.unknown(),
  defaultValue: z.unknown(),
  isDefault: z.boolean(),
  description: z.string(),
  updatedAt: z.string().nullable(),
});
export type SettingEntry = z.infer<typeof settingEntrySchema>;

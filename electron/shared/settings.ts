/**
 * The appliance's settings: one typed entry per key, with its default and what it means. The core
 * stores values in config.db; every value is parsed with its schema on the way in.
 */
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
  'gateway.url': setting(
    z.string().max(2048).refine((v) => v === '' || /^https?:\/\/[^/\s]+(\/.*)?$/.test(v), 'must be an http(s) URL, or empty'),
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

/**
 * The license as the UI and the CLI see it: the state, its message, the details of a verified
 * license and what it allows. Never the license text, never key material, never binding hashes.
 */
import { z } from './zod';

export const licenseStates = [
  'missing',
  'evaluation',
  'valid',
  'expiring-soon',
  'in-grace',
  'expired',
  'not-yet-valid',
  'clock-rollback-suspected',
  'hardware-mismatch',
  'bad-signature',
  'unknown-key',
  'test-key-in-production',
  'unsupported-algorithm',
  'unsupported-version',
  'malformed',
] as const;
export type LicenseStateName = (typeof licenseStates)[number];

export const licenseActions = ['probe', 'view', 'logs', 'register-model', 'change-model', 'change-features', 'start-gateway'] as const;
export type LicenseActionName = (typeof licenseActions)[number];

const licenseDetailsSchema = z.object({
  licenseId: z.string(),
  licensee: z.object({ name: z.string(), company: z.string(), email: z.string() }),
  plan: z.string(),
  addOns: z.array(z.object({ id: z.string(), seats: z.number(), startsAt: z.string(), expiresAt: z.string() })),
  issuedAt: z.string(),
  startsAt: z.string(),
  expiresAt: z.string(),
  notifyFrom: z.string(),
  graceDays: z.number(),
  limits: z.object({ maxGpus: z.number(), maxDeployments: z.number() }),
  /** k-of-n hardware binding, without the hashes. */
  binding: z.object({ required: z.number(), total: z.number() }).nullable(),
  kid: z.string(),
  isTestKey: z.boolean(),
  /** Identifies the file (same for LF and CRLF armor); shown shortened. */
  sha256: z.string(),
});

export const licenseViewSchema = z.object({
  state: z.enum(licenseStates),
  message: z.string(),
  /** Days left of the license, the grace period or the evaluation, when one is running. */
  daysLeft: z.number().nullable(),
  details: licenseDetailsSchema.nullable(),
  /** Evaluation window when the state is `evaluation`. */
  evaluation: z.object({ startedAt: z.string(), endsAt: z.string() }).nullable(),
  /** Bound components this host does not present (hardware-mismatch). */
  missingHardware: z.array(z.string()),
  isEntitled: z.boolean(),
  allowed: z.record(z.enum(licenseActions), z.boolean()),
  checkedAt: z.string(),
});
export type LicenseView = z.infer<typeof licenseViewSchema>;

/** What the box uses of the license's limits (shown next to them; the limits are checked in the core). */
export const licenseUsageSchema = z.object({
  deployments: z.number().int().min(0),
  /** The GPUs Airlock's vLLM units are assigned to, one entry per physical GPU ("gpu 0", or a MIG UUID). */
  gpus: z.array(z.string()),
});
export type LicenseUsage = z.infer<typeof licenseUsageSchema>;

/** `2 GPUs, 16 deployments` or, with the usage, `1 of 2 GPUs in use (gpu 0), 3 of 16 deployments`. */
export function describeLimits(limits: { maxGpus: number; maxDeployments: number }, usage?: LicenseUsage): string {
  if (!usage) return `${limits.maxGpus} GPUs, ${limits.maxDeployments} deployments`;
  const gpus = `${usage.gpus.length} of ${limits.maxGpus} GPUs in use${usage.gpus.length > 0 ? ` (${usage.gpus.join(', ')})` : ''}`;
  return `${gpus}, ${usage.deployments} of ${limits.maxDeployments} deployments`;
}

export const licenseHistoryEntrySchema = z.object({
  id: z.number().int(),
  licenseId: z.string(),
  licensee: z.string(),
  plan: z.string(),
  expiresAt: z.string(),
  installedAt: z.string(),
  sha256: z.string(),
  isActive: z.boolean(),
});
export type LicenseHistoryEntry = z.infer<typeof licenseHistoryEntrySchema>;

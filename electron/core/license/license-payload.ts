/**
 * The signed payload of an Airlock license: what the vendor grants, to whom, until when.
 *
 * Fields are modelled on GitLab's license attributes (licensee, issued/starts/expires,
 * notify_admins_at, block_changes_at → grace, add_ons such as `duo_enterprise` with quantity and
 * dates; gitlab-org/gitlab `ee/app/models/license.rb`, ../shared/reference/reliability.md §2).
 * Every object is strict: an unknown field is an error, never silently ignored, because a field this
 * version does not understand may restrict what the license grants.
 *
 * Parsed only after the signature verified (verify-license.ts).
 */
import { z } from 'zod';

/** Payload format versions this Airlock reads. */
export const SUPPORTED_PAYLOAD_VERSIONS: readonly number[] = [1];

/** A UTC timestamp to the second, `2026-01-31T00:00:00Z`; one spelling per instant keeps boundaries exact. */
const isoSecond = z.iso.datetime({ precision: 0 });
/** A short identifier: lower-case token such as `ultimate` or `duo_enterprise`. */
const token = z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/);
/** A SHA-256 digest in lower-case hex (hardware-binding.ts computes them). */
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);
const text = (max: number) => z.string().min(1).max(max);

/** The customer the license is issued to. */
export const licenseeSchema = z.strictObject({
  name: text(200),
  company: text(200),
  email: z.email().max(254),
});

/** A purchased add-on: `duo_enterprise` with its seat count and own dates (GitLab's add_on_products). */
export const addOnSchema = z
  .strictObject({
    id: token,
    seats: z.int().min(1).max(1_000_000),
    startsAt: isoSecond,
    expiresAt: isoSecond,
  })
  .refine((a) => Date.parse(a.startsAt) < Date.parse(a.expiresAt), { message: 'add-on startsAt must be before expiresAt', path: ['expiresAt'] });

/** What the appliance may run. */
export const limitsSchema = z.strictObject({
  maxGpus: z.int().min(1).max(1024),
  maxDeployments: z.int().min(1).max(10_000),
});

/**
 * Optional hardware binding: hashes of the host's components and how many must match (k of n).
 * n = 1 (the machine-id) + the number of GPU hashes, so one RMA-swapped GPU need not lock a
 * customer out (reliability.md §2, "Fingerprints").
 */
export const hardwareBindingSchema = z
  .strictObject({
    machineIdHash: sha256Hex,
    gpuUuidHashes: z.array(sha256Hex).max(64),
    required: z.int().min(1),
  })
  .refine((h) => h.required <= 1 + h.gpuUuidHashes.length, { message: 'required exceeds the number of components', path: ['required'] })
  .refine((h) => new Set(h.gpuUuidHashes).size === h.gpuUuidHashes.length, { message: 'duplicate GPU hash', path: ['gpuUuidHashes'] });

/** The whole payload, version 1. */
export const licensePayloadSchema = z
  .strictObject({
    formatVersion: z.literal(1),
    licenseId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/),
    licensee: licenseeSchema,
    plan: token,
    addOns: z.array(addOnSchema).max(32),
    issuedAt: isoSecond,
    startsAt: isoSecond,
    expiresAt: isoSecond,
    // From this date the UI warns even if expiry is further than the default 30 days away
    // (GitLab's notify_admins_at); never later than expiry.
    notifyFrom: isoSecond,
    // Days after expiry during which everything keeps working with a banner (GitLab's block_changes_at).
    graceDays: z.int().min(0).max(365),
    limits: limitsSchema,
    hardware: hardwareBindingSchema.optional(),
  })
  .refine((p) => Date.parse(p.startsAt) < Date.parse(p.expiresAt), { message: 'startsAt must be before expiresAt', path: ['expiresAt'] })
  .refine((p) => Date.parse(p.issuedAt) < Date.parse(p.expiresAt), { message: 'issuedAt must be before expiresAt', path: ['issuedAt'] })
  .refine((p) => Date.parse(p.notifyFrom) <= Date.parse(p.expiresAt), { message: 'notifyFrom must not be after expiresAt', path: ['notifyFrom'] })
  .refine((p) => new Set(p.addOns.map((a) => a.id)).size === p.addOns.length, { message: 'duplicate add-on id', path: ['addOns'] });

/** A verified, schema-checked license payload. */
export type LicensePayload = z.infer<typeof licensePayloadSchema>;
/** One add-on of a license. */
export type LicenseAddOn = z.infer<typeof addOnSchema>;
/** The hardware binding of a license. */
export type HardwareBinding = z.infer<typeof hardwareBindingSchema>;

/** Result of reading payload bytes. `issues` are field paths and rule names only, never values. */
export type PayloadParseResult =
  | { readonly ok: true; readonly payload: LicensePayload }
  | { readonly ok: false; readonly kind: 'payload-json' }
  | { readonly ok: false; readonly kind: 'unsupported-version'; readonly version: number; readonly licenseId?: string }
  | { readonly ok: false; readonly kind: 'payload-schema'; readonly issues: string[]; readonly licenseId?: string };

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A license id from a payload that failed later checks, so the message can still name it. */
function peekLicenseId(record: Record<string, unknown>): string | undefined {
  const id = record.licenseId;
  return typeof id === 'string' && /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(id) ? id : undefined;
}

/** Describes schema issues by path and rule (e.g. `licensee.email: invalid_format`), never by value. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.slice(0, 10).map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.code}`);
}

/** Parses verified payload bytes: UTF-8 JSON, a supported formatVersion, then the strict schema. */
export function parseLicensePayload(payloadBytes: Uint8Array): PayloadParseResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8.decode(payloadBytes));
  } catch {
    return { ok: false, kind: 'payload-json' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { ok: false, kind: 'payload-json' };
  const record = parsed as Record<string, unknown>;
  const licenseId = peekLicenseId(record);
  const version = record.formatVersion;
  if (typeof version === 'number' && Number.isSafeInteger(version) && version >= 1 && !SUPPORTED_PAYLOAD_VERSIONS.includes(version)) {
    return { ok: false, kind: 'unsupported-version', version, ...(licenseId === undefined ? {} : { licenseId }) };
  }
  const result = licensePayloadSchema.safeParse(parsed);
  if (!result.success) {
    return { ok: false, kind: 'payload-schema', issues: describeIssues(result.error), ...(licenseId === undefined ? {} : { licenseId }) };
  }
  return { ok: true, payload: result.data };
}

/**
 * Hardware binding: hashing the host's components and the k-of-n match against a license.
 *
 * Components are the systemd machine-id and each GPU's UUID (`nvidia-smi --query-gpu=uuid`).
 * Only hashes travel (to the vendor, into the license), behind a domain prefix so they cannot be
 * matched against hashes of the same ids made for another purpose. A fraction of the components
 * must match, not all: GPUs get RMA-swapped (reliability.md §2, "Fingerprints"; Keygen's
 * component matching strategies).
 */
import { createHash } from 'node:crypto';
import type { HardwareBinding } from './license-payload';

/** Domain prefix of every component hash (version 1). */
export const HARDWARE_HASH_DOMAIN = 'airlock-hardware/v1\n';

/** The kinds of component a license can be bound to. */
export type HardwareComponentKind = 'machine-id' | 'gpu-uuid';

/** Hashed components of this host, as hardware-id.ts reads them. */
export interface HardwareFingerprint {
  /** Hash of the machine-id, or null when the host has none. */
  readonly machineIdHash: string | null;
  /** Hashes of the GPUs' UUIDs, in any order. */
  readonly gpuUuidHashes: readonly string[];
}

/** A bound component that this host does not present. `index` is 1-based among the license's GPUs. */
export interface MissingComponent {
  readonly kind: HardwareComponentKind;
  readonly index?: number;
  /** The first 12 hex digits of the bound hash, enough to tell components apart in a message. */
  readonly hashPrefix: string;
}

/** Outcome of matching a binding against a host. */
export interface HardwareMatch {
  readonly isMatch: boolean;
  readonly matched: number;
  readonly total: number;
  readonly required: number;
  readonly missing: readonly MissingComponent[];
}

/**
 * SHA-256 (hex) of one component id behind the domain prefix and its kind. Ids are trimmed and
 * lower-cased first: they are read from files and tool output, not from signed bytes, and
 * machine-id(5) and nvidia-smi both print lower-case hex.
 */
export function hashHardwareComponent(kind: HardwareComponentKind, id: string): string {
  const normalised = id.trim().toLowerCase();
  return createHash('sha256').update(`${HARDWARE_HASH_DOMAIN}${kind}\n${normalised}`, 'utf8').digest('hex');
}

/** Builds a fingerprint from raw ids (the pure half of hardware-id.ts). */
export function fingerprintFromIds(ids: { machineId: string | null; gpuUuids: readonly string[] }): HardwareFingerprint {
  return {
    machineIdHash: ids.machineId === null ? null : hashHardwareComponent('machine-id', ids.machineId),
    gpuUuidHashes: ids.gpuUuids.map((uuid) => hashHardwareComponent('gpu-uuid', uuid)),
  };
}

/** Matches a license's binding against this host: valid when at least `required` of the n components are present. */
export function matchHardwareBinding(binding: HardwareBinding, host: HardwareFingerprint | undefined): HardwareMatch {
  const missing: MissingComponent[] = [];
  const hostGpus = new Set(host?.gpuUuidHashes ?? []);
  if (host?.machineIdHash !== binding.machineIdHash) {
    missing.push({ kind: 'machine-id', hashPrefix: binding.machineIdHash.slice(0, 12) });
  }
  binding.gpuUuidHashes.forEach((hash, i) => {
    if (!hostGpus.has(hash)) missing.push({ kind: 'gpu-uuid', index: i + 1, hashPrefix: hash.slice(0, 12) });
  });
  const total = 1 + binding.gpuUuidHashes.length;
  const matched = total - missing.length;
  return { isMatch: matched >= binding.required, matched, total, required: binding.required, missing };
}

/** Names a missing component for a message: `machine-id`, `GPU 2 (3f9a0c1e22b4…)`. */
export function describeComponent(component: MissingComponent): string {
  return component.kind === 'machine-id' ? `machine-id (${component.hashPrefix}…)` : `GPU ${component.index ?? '?'} (${component.hashPrefix}…)`;
}

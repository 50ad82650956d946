/**
 * The license's limits (max GPUs, max deployments), checked before a change that would pass them.
 * Like the other gates they block changes, never what already runs: a license installed with lower
 * limits than the box already uses leaves every deployment and unit as it is, and refuses more.
 * The evaluation has no limits (it is the whole product, for 30 days).
 */
import { AirlockError } from '../../shared/errors';
import type { LicenseView } from '../../shared/license';

export interface LicenseLimits {
  licenseId: string;
  maxGpus: number;
  maxDeployments: number;
}

/** The limits in force: those of the installed license while it entitles the product, else none. */
export function limitsOf(view: LicenseView): LicenseLimits | null {
  if (!view.isEntitled || view.details === null) return null;
  return { licenseId: view.details.licenseId, ...view.details.limits };
}

/** What a unit definition says about GPUs (only vLLM units claim them). */
export interface GpuClaim {
  preset: string;
  gpus?: readonly (number | string)[] | undefined;
}

/** A GPU as the probe lists it. */
export interface KnownGpu {
  index: number;
  uuid: string;
}

/**
 * The physical GPUs a set of vLLM units is assigned to, one key per GPU: an index and the UUID of
 * the same GPU count once. A unit that names no GPUs sees every GPU of the host (CUDA's default),
 * so it counts them all. A MIG instance's UUID is not in the probe's inventory and counts as one.
 */
export function gpusAssigned(units: readonly GpuClaim[], known: readonly KnownGpu[]): Set<string> {
  const byUuid = new Map(known.map((gpu) => [gpu.uuid.toLowerCase(), gpu.index]));
  const keys = new Set<string>();
  for (const unit of units) {
    if (unit.preset !== 'vllm') continue;
    if (unit.gpus === undefined || unit.gpus.length === 0) {
      for (const gpu of known) keys.add(`gpu ${gpu.index}`);
      continue;
    }
    for (const id of unit.gpus) {
      const index = typeof id === 'number' ? id : byUuid.get(id.toLowerCase());
      keys.add(index === undefined ? String(id) : `gpu ${index}`);
    }
  }
  return keys;
}

/** GPU keys in reading order: gpu 2 before gpu 10. */
export function sortGpuKeys(keys: Iterable<string>): string[] {
  return [...keys].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

/** Refuses adding `adding` deployments to `registered` when the total would pass the license's limit. */
export function checkDeploymentLimit(limits: LicenseLimits | null, registered: number, adding: number): void {
  if (limits === null || adding <= 0) return;
  const wouldBe = registered + adding;
  if (wouldBe <= limits.maxDeployments) return;
  throw new AirlockError('LICENSE_LIMIT_REACHED', {
    licenseId: limits.licenseId,
    limit: 'deployments',
    allowed: limits.maxDeployments,
    wouldBe,
    detail: `${registered} registered, ${adding} more asked`,
  });
}

/**
 * Refuses a unit (or a plan) that would put Airlock's vLLM units on more distinct GPUs than the
 * license allows. GPUs already assigned to existing units are counted once.
 */
export function checkGpuLimit(limits: LicenseLimits | null, existing: readonly GpuClaim[], adding: GpuClaim, known: readonly KnownGpu[]): void {
  if (limits === null || adding.preset !== 'vllm') return;
  const before = gpusAssigned(existing, known);
  const after = gpusAssigned([...existing, adding], known);
  if (after.size <= limits.maxGpus || after.size <= before.size) return;
  const namesNone = adding.gpus === undefined || adding.gpus.length === 0;
  throw new AirlockError('LICENSE_LIMIT_REACHED', {
    licenseId: limits.licenseId,
    limit: 'GPUs',
    allowed: limits.maxGpus,
    wouldBe: after.size,
    detail: namesNone
      ? `the unit names no GPUs, so vLLM would see all ${known.length} of this host; name the GPUs it may use`
      : `${before.size === 0 ? 'none' : sortGpuKeys(before).join(', ')} already assigned`,
  });
}

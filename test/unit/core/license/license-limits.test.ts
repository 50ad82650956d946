import { describe, expect, it } from 'vitest';
import { AirlockError } from '../../../../electron/shared/errors';
import type { LicenseView } from '../../../../electron/shared/license';
import { checkDeploymentLimit, checkGpuLimit, gpusAssigned, limitsOf, sortGpuKeys } from '../../../../electron/core/license/license-limits';

const GPUS = [
  { index: 0, uuid: 'GPU-aaaa-0000' },
  { index: 1, uuid: 'GPU-bbbb-1111' },
  { index: 2, uuid: 'GPU-cccc-2222' },
];
const LIMITS = { licenseId: 'AL-LIMITS-1', maxGpus: 2, maxDeployments: 3 };
const vllm = (gpus?: (number | string)[]) => ({ preset: 'vllm', ...(gpus ? { gpus } : {}) });

function refusal(run: () => void): AirlockError {
  try {
    run();
  } catch (error) {
    if (error instanceof AirlockError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('limitsOf', () => {
  const view = (over: Partial<LicenseView>): LicenseView =>
    ({ state: 'valid', message: '', daysLeft: 10, details: null, evaluation: null, missingHardware: [], isEntitled: true, allowed: {}, checkedAt: '', ...over }) as LicenseView;
  const details = { licenseId: 'AL-1', limits: { maxGpus: 4, maxDeployments: 9 } } as unknown as LicenseView['details'];

  it('takes the limits of an entitling license; none during the evaluation or when nothing entitles (the license gate refuses then)', () => {
    expect(limitsOf(view({ details }))).toEqual({ licenseId: 'AL-1', maxGpus: 4, maxDeployments: 9 });
    expect(limitsOf(view({ state: 'in-grace', details }))).toEqual({ licenseId: 'AL-1', maxGpus: 4, maxDeployments: 9 });
    expect(limitsOf(view({ state: 'evaluation', details: null }))).toBeNull();
    expect(limitsOf(view({ state: 'expired', isEntitled: false, details }))).toBeNull();
  });
});

describe('gpusAssigned', () => {
  it('counts each physical GPU once, whether named by index or UUID (any case)', () => {
    expect([...gpusAssigned([vllm([0]), vllm(['GPU-AAAA-0000']), vllm([1, 'gpu-bbbb-1111'])], GPUS)].sort()).toEqual(['gpu 0', 'gpu 1']);
  });

  it('a unit that names no GPUs counts every probed GPU (CUDA shows it all of them); none probed, none counted', () => {
    expect(gpusAssigned([vllm()], GPUS).size).toBe(3);
    expect(gpusAssigned([vllm([])], GPUS).size).toBe(3);
    expect(gpusAssigned([vllm()], []).size).toBe(0);
  });

  it('ignores units that are not vLLM; an unknown UUID (a MIG instance) counts as one GPU', () => {
    expect(gpusAssigned([{ preset: 'custom' }, { preset: 'airlock-gateway' }], GPUS).size).toBe(0);
    expect([...gpusAssigned([vllm(['MIG-1234-5678']), vllm([0])], GPUS)].sort()).toEqual(['MIG-1234-5678', 'gpu 0']);
  });
});

describe('checkDeploymentLimit', () => {
  it('allows up to the limit exactly, refuses one more with the license id, the limit and the count', () => {
    expect(() => checkDeploymentLimit(LIMITS, 2, 1)).not.toThrow();
    const error = refusal(() => checkDeploymentLimit(LIMITS, 3, 1));
    expect(error.code).toBe('LICENSE_LIMIT_REACHED');
    expect(error.message).toBe(
      'License AL-LIMITS-1 allows 3 deployments; this change would make 4 (3 registered, 1 more asked). Nothing was changed: free one first, or install a license with a higher limit.',
    );
    expect(refusal(() => checkDeploymentLimit(LIMITS, 0, 4)).data).toMatchObject({ limit: 'deployments', allowed: 3, wouldBe: 4 });
  });

  it('never refuses without limits (evaluation) or when nothing is added (already above a lowered limit)', () => {
    expect(() => checkDeploymentLimit(null, 500, 1)).not.toThrow();
    expect(() => checkDeploymentLimit(LIMITS, 10, 0)).not.toThrow();
  });

  it('says "deployment" for a limit of one', () => {
    expect(refusal(() => checkDeploymentLimit({ ...LIMITS, maxDeployments: 1 }, 1, 1)).message).toContain('allows 1 deployment;');
  });
});

describe('checkGpuLimit', () => {
  it('allows new GPUs up to the limit and more units on GPUs already assigned; refuses a GPU past it, naming those taken', () => {
    expect(() => checkGpuLimit(LIMITS, [vllm([0])], vllm([1]), GPUS)).not.toThrow();
    expect(() => checkGpuLimit(LIMITS, [vllm([0]), vllm([1])], vllm(['GPU-aaaa-0000']), GPUS)).not.toThrow();
    const error = refusal(() => checkGpuLimit(LIMITS, [vllm([0]), vllm([1])], vllm([2]), GPUS));
    expect(error.message).toBe(
      'License AL-LIMITS-1 allows 2 GPUs; this change would make 3 (gpu 0, gpu 1 already assigned). Nothing was changed: free one first, or install a license with a higher limit.',
    );
  });

  it('a unit naming no GPUs on a host with more than the limit is refused with what to do', () => {
    const error = refusal(() => checkGpuLimit(LIMITS, [], vllm(), GPUS));
    expect(error.data).toMatchObject({ limit: 'GPUs', allowed: 2, wouldBe: 3 });
    expect(error.message).toContain('the unit names no GPUs, so vLLM would see all 3 of this host; name the GPUs it may use');
    expect(() => checkGpuLimit(LIMITS, [], vllm(), GPUS.slice(0, 2))).not.toThrow();
  });

  it('does not refuse other presets, the evaluation, or a unit that adds no GPU to a set already above a lowered limit', () => {
    expect(() => checkGpuLimit(LIMITS, [], { preset: 'custom' }, GPUS)).not.toThrow();
    expect(() => checkGpuLimit(null, [], vllm([0, 1, 2]), GPUS)).not.toThrow();
    expect(() => checkGpuLimit({ ...LIMITS, maxGpus: 1 }, [vllm([0, 1])], vllm([1]), GPUS)).not.toThrow();
    expect(refusal(() => checkGpuLimit({ ...LIMITS, maxGpus: 1 }, [vllm([0, 1])], vllm([2]), GPUS)).message).toContain('allows 1 GPU;');
  });
});

describe('sortGpuKeys', () => {
  it('orders GPU numbers as numbers', () => {
    expect(sortGpuKeys(new Set(['gpu 10', 'gpu 2', 'MIG-1', 'gpu 0']))).toEqual(['gpu 0', 'gpu 2', 'gpu 10', 'MIG-1']);
  });
});

/**
 * Which tensor-parallel sizes vLLM accepts for a model. vLLM splits attention heads, KV heads and
 * the MLP width evenly across ranks and refuses sizes that do not divide them.
 */
import { type Architecture } from './catalog-schema';

/** The subset of the architecture that constrains tensor parallelism. */
export type TensorParallelArchitecture = Pick<Architecture, 'attentionHeads' | 'kvHeads' | 'intermediateSize'>;

/** Why a tensor-parallel size is refused, or null when vLLM accepts it. */
export function tensorParallelProblem(arch: TensorParallelArchitecture, size: number): string | null {
  if (!Number.isInteger(size) || size < 1) return `tensor-parallel size must be a positive integer, got ${size}`;
  // vLLM ModelConfig.verify_with_parallel_config: "Total number of attention heads (H) must be
  // divisible by tensor parallel size (T)."
  if (arch.attentionHeads % size !== 0) return `${arch.attentionHeads} attention heads are not divisible by ${size}`;
  // vLLM QKVParallelLinear: KV heads are split when kvHeads >= size (must divide), else replicated
  // (size must be a multiple of kvHeads).
  if (arch.kvHeads >= size ? arch.kvHeads % size !== 0 : size % arch.kvHeads !== 0) {
    return `${arch.kvHeads} KV heads can be neither split nor replicated evenly over ${size} GPUs`;
  }
  // Column/row-parallel MLP layers divide the intermediate width by the size (vLLM `divide()`).
  if (arch.intermediateSize !== null && arch.intermediateSize % size !== 0) {
    return `MLP width ${arch.intermediateSize} is not divisible by ${size}`;
  }
  return null;
}

/** Tensor-parallel sizes from 1 to `maxSize` that vLLM accepts, smallest first. */
export function validTensorParallelSizes(arch: TensorParallelArchitecture, maxSize: number): number[] {
  const sizes: number[] = [];
  for (let size = 1; size <= maxSize; size++) if (tensorParallelProblem(arch, size) === null) sizes.push(size);
  return sizes;
}

/**
 * The constants of the fit planner, each with where it comes from. [V] = stated by the source,
 * [I] = Airlock's estimate; vLLM's own startup log lines (vllm.md §4 lines 3–6) replace every one of
 * them once a model has been loaded, and the planner's output is labelled an estimate until then.
 */

/** Bytes in one MiB (nvidia-smi reports MiB). */
export const MIB = 1024 ** 2;

/** Bytes in one GiB (vLLM logs GiB). */
export const GIB = 1024 ** 3;

/** vLLM's default `--gpu-memory-utilization` ([V] vllm.md §1, V-keyargs). */
export const DEFAULT_GPU_MEMORY_UTILIZATION = 0.9;

/**
 * Per GPU: activations of vLLM's profiling run, CUDA graphs and allocator/runtime buffers.
 * [V] GitLab's GPT-OSS-120B sizing puts "framework overhead" at about 2 GB on one H100
 * (vllm.md §8.4); the proposal in vllm.md §8.2 brackets it at 1–3 GiB. Counted inside the
 * utilisation budget: older vLLM captured CUDA graphs outside it, newer builds count them, and
 * either way the memory must exist on the GPU.
 */
export const FRAMEWORK_OVERHEAD_BYTES = 2 * GIB;

/**
 * Extra per GPU when tensor-parallel size > 1: NCCL communicators and vLLM's custom all-reduce
 * buffers, which vLLM reports as "non-torch memory". [I] estimate; no published figure.
 */
export const TENSOR_PARALLEL_OVERHEAD_BYTES = 1 * GIB;

/**
 * The CUDA context each vLLM worker creates before it measures free memory: vLLM compares the
 * free memory it then sees with `utilization × total` and refuses to start when it is lower
 * ("Free memory on device … is less than desired GPU memory utilization", vllm.md §5).
 * [I] ≈ 0.5 GiB for PyTorch with CUDA 12 on Ampere/Hopper.
 */
export const CUDA_CONTEXT_BYTES = 512 * MIB;

/** vLLM's default KV-cache block size on CUDA, in tokens (`--block-size 16`) [V] vLLM engine args. */
export const KV_BLOCK_TOKENS = 16;

/**
 * Largest tensor-parallel size the planner proposes: one host, and HGX/DGX-class servers carry
 * 8 GPUs. [I] Airlock manages one host (DESIGN.md); multi-node serving is out of scope.
 */
export const MAX_GPUS_PER_HOST = 8;

/** Largest contexts are proposed as multiples of this many tokens, so the flag reads cleanly. */
export const CONTEXT_ROUNDING_TOKENS = 256;

/** Default context when the caller gives none: GitLab's GPT-OSS recipe uses 32k (vllm.md §8.4). */
export const DEFAULT_CONTEXT_TOKENS = 32_768;

/** Default `--max-num-seqs`: GitLab's GPT-OSS-120B recipe runs 16 (vllm.md §8.4). */
export const DEFAULT_MAX_NUM_SEQS = 16;

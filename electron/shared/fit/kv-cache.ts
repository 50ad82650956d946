/**
 * KV-cache arithmetic: bytes per token and per sequence on one GPU, the way vLLM's paged cache
 * holds them. Each full-attention layer keeps a K and a V vector of `kvHeads × headDim` values
 * per token; a sliding-window layer keeps at most the window (vllm.md §8.2).
 */
import { type Architecture } from './catalog-schema';
import { KV_BLOCK_TOKENS } from './fit-constants';

/** The subset of the architecture that decides KV-cache size. */
export type KvArchitecture = Pick<Architecture, 'layers' | 'kvHeads' | 'headDim' | 'slidingWindow'>;

/**
 * KV heads each GPU holds at a tensor-parallel size. vLLM splits KV heads across ranks when there
 * are at least as many heads as ranks, and otherwise replicates them so every rank holds one
 * (vLLM `QKVParallelLinear`): replicated heads cost memory on every GPU.
 */
export function kvHeadsPerGpu(kvHeads: number, tensorParallelSize: number): number {
  return kvHeads >= tensorParallelSize ? kvHeads / tensorParallelSize : 1;
}

/** Bytes one layer stores per token on one GPU: K and V, each `kvHeads × headDim` values. */
export function kvBytesPerLayerToken(arch: KvArchitecture, kvDtypeBytes: number, tensorParallelSize = 1): number {
  return 2 * kvHeadsPerGpu(arch.kvHeads, tensorParallelSize) * arch.headDim * kvDtypeBytes;
}

/** Layers that attend to the whole context (all of them unless some use a sliding window). */
export function fullAttentionLayers(arch: KvArchitecture): number {
  return arch.layers - (arch.slidingWindow?.layers ?? 0);
}

/**
 * KV bytes per token of context on one GPU, counting the full-attention layers only: this is the
 * figure that grows with context (GPT-OSS-120B: 18 of 36 layers × 2 × 8 × 64 × 2 B = 36 KiB,
 * GitLab's "≈ 36 KB per token", vllm.md §8.4). Sliding-window layers add a fixed amount per
 * sequence, see `kvBytesPerSequence`.
 */
export function kvBytesPerToken(arch: KvArchitecture, kvDtypeBytes: number, tensorParallelSize = 1): number {
  return fullAttentionLayers(arch) * kvBytesPerLayerToken(arch, kvDtypeBytes, tensorParallelSize);
}

/** Rounds tokens up to whole KV blocks: vLLM allocates the cache in blocks of 16 tokens. */
export function roundUpToBlocks(tokens: number): number {
  return Math.ceil(tokens / KV_BLOCK_TOKENS) * KV_BLOCK_TOKENS;
}

/**
 * Tokens a sliding-window layer keeps for one sequence: the window plus one partly filled block,
 * since vLLM frees a block only once all of it has left the window; never more than the context.
 */
export function slidingWindowTokens(window: number, contextTokens: number): number {
  return Math.min(roundUpToBlocks(contextTokens), roundUpToBlocks(window) + KV_BLOCK_TOKENS);
}

/** KV bytes one sequence of `contextTokens` occupies on one GPU, in whole blocks. */
export function kvBytesPerSequence(arch: KvArchitecture, contextTokens: number, kvDtypeBytes: number, tensorParallelSize = 1): number {
  const perLayerToken = kvBytesPerLayerToken(arch, kvDtypeBytes, tensorParallelSize);
  const full = fullAttentionLayers(arch) * roundUpToBlocks(contextTokens) * perLayerToken;
  const sliding = arch.slidingWindow
    ? arch.slidingWindow.layers * slidingWindowTokens(arch.slidingWindow.window, contextTokens) * perLayerToken
    : 0;
  return full + sliding;
}

/**
 * The fit planner: will this model, at this context and concurrency, run under vLLM on these
 * GPUs, how should it be split, and with which flags. Pure and fast enough for a slider.
 *
 * It follows vLLM's own accounting (vllm.md §8.1) rather than a rule of thumb:
 *
 * 1. At start each worker compares the free memory it sees (after creating its CUDA context) with
 *    `utilization × total` and refuses to start when free is lower (vllm.md §5). `total` is what
 *    CUDA reports: nvidia-smi's total minus its "reserved" memory. So the usable budget of a GPU
 *    that other processes share is `min(utilization × total, free − context)`; Airlock lowers the
 *    `--gpu-memory-utilization` flag to the largest value the busiest chosen GPU allows, because
 *    the flag is one number for every rank.
 * 2. Within that budget: weights / TP, activation and CUDA-graph overhead, and the KV cache gets
 *    the rest. vLLM sizes the cache by the smallest rank, so the tightest GPU decides.
 * 3. vLLM itself only insists that one request of `--max-model-len` fits; Airlock's "fits" asks for
 *    `concurrency` full-length requests at once, which is what the operator asked for.
 *
 * Constants and their sources: fit-constants.ts. The numbers are an estimate until vLLM logs its
 * own ("GPU KV cache size", "Maximum concurrency", vllm.md §4).
 */
import {
  CONTEXT_ROUNDING_TOKENS,
  CUDA_CONTEXT_BYTES,
  DEFAULT_CONTEXT_TOKENS,
  DEFAULT_GPU_MEMORY_UTILIZATION,
  FRAMEWORK_OVERHEAD_BYTES,
  GIB,
  KV_BLOCK_TOKENS,
  MAX_GPUS_PER_HOST,
  MIB,
  TENSOR_PARALLEL_OVERHEAD_BYTES,
  DEFAULT_MAX_NUM_SEQS,
} from './fit-constants';
import { fullAttentionLayers, kvBytesPerLayerToken, kvBytesPerSequence, kvBytesPerToken } from './kv-cache';
import { type ModelSpec, type PlannedPrecision } from './model-spec';
import { validTensorParallelSizes } from './tensor-parallel';

/** One GPU as the probe sees it (nvidia-smi indices, MiB). */
export interface ProbedGpu {
  index: number;
  name: string;
  memoryTotalMiB: number;
  memoryFreeMiB: number;
  /** nvidia-smi's `memory.reserved` (driver-reserved, invisible to CUDA); absent on old drivers. */
  memoryReservedMiB?: number | null;
}

/** What to plan. */
export interface FitInput {
  model: ModelSpec;
  /** A precision id of the model; its default when absent. */
  precisionId?: string;
  /** `--max-model-len`; default min(model maximum, 32768). */
  contextLength?: number;
  /** Requests of full context length that must fit at once; default 1. */
  concurrency?: number;
  /**
   * `--max-num-seqs`; default max(concurrency, 16), GitLab's value in its GPT-OSS-120B recipe.
   * Never just `concurrency`: with the default concurrency of 1 that would make vLLM serve one
   * request at a time. vLLM may schedule more sequences than fit at full
   * length (most are shorter; it preempts when the cache runs out): GitLab's GPT-OSS-120B recipe
   * runs 16 with about 10 full-length 32k requests fitting (vllm.md §8.4).
   */
  maxNumSeqs?: number;
  /** `--gpu-memory-utilization` wanted; default 0.9 (vLLM's default). */
  gpuMemoryUtilization?: number;
  /** `--kv-cache-dtype`; `auto` stores the cache in the activation dtype. */
  kvCacheDtype?: 'auto' | 'fp8';
  gpus: readonly ProbedGpu[];
}

/** Memory of one GPU under the plan, in bytes. */
export interface GpuMemoryPlan {
  index: number;
  name: string;
  /** nvidia-smi total. */
  totalBytes: number;
  /** What CUDA, and so vLLM, calls total: nvidia-smi total minus reserved. */
  usableTotalBytes: number;
  freeBytes: number;
  /** `gpuMemoryUtilization × usableTotalBytes`: all vLLM may use on this GPU. */
  budgetBytes: number;
  weightsBytes: number;
  frameworkOverheadBytes: number;
  tensorParallelOverheadBytes: number;
  /** KV cache the requested context × concurrency needs on this GPU. */
  kvCacheBytes: number;
  /** What the budget leaves for the KV cache on this GPU. */
  kvCacheAvailableBytes: number;
  /** Budget minus everything above; negative when this GPU is short. */
  headroomBytes: number;
}

/** Something the operator should know about the plan. */
export interface FitNote {
  code: 'context-clamped' | 'utilization-lowered' | 'kv-heads-replicated' | 'no-gpu' | 'weights-do-not-fit' | 'beyond-one-host';
  message: string;
}

/** A change that would make the model fit. */
export type FitSuggestion =
  | { kind: 'shorter-context'; contextLength: number; tensorParallelSize: number; message: string }
  | { kind: 'fewer-requests'; concurrency: number; tensorParallelSize: number; message: string }
  | { kind: 'quantized-variant'; precisionId: string; label: string; tensorParallelSize: number; gpuIndices: number[]; message: string }
  | { kind: 'fp8-kv-cache'; tensorParallelSize: number; gpuIndices: number[]; message: string }
  | { kind: 'more-gpus'; gpuCount: number; gpuName: string; gpuMemoryTotalMiB: number; message: string }
  | { kind: 'free-gpu-memory'; gpuIndex: number; usedByOthersBytes: number; message: string };

/** KV-cache figures of the plan. */
export interface KvCachePlan {
  /** Bytes per token of context for the whole model (TP 1), full-attention layers only. */
  bytesPerToken: number;
  /** The same on one GPU at the plan's tensor-parallel size. */
  bytesPerTokenPerGpu: number;
  /** One full-length sequence on one GPU, sliding-window layers and block rounding included. */
  bytesPerSequencePerGpu: number;
  /** Tokens the cache holds, as vLLM logs it ("GPU KV cache size: N tokens"). */
  capacityTokens: number;
  /** concurrency × context. */
  tokensNeeded: number;
}

/** The planner's answer. */
export interface FitPlan {
  fits: boolean;
  modelId: string;
  precisionId: string;
  contextLength: number;
  concurrency: number;
  /** Chosen size when it fits; the largest tried when not; null without GPUs. */
  tensorParallelSize: number | null;
  /** nvidia-smi indices of the GPUs used (or tried), in rank order. */
  gpuIndices: number[];
  /** The `--gpu-memory-utilization` value to pass (may be lower than asked, see notes). */
  gpuMemoryUtilization: number | null;
  /** Total weight bytes across GPUs. */
  weightsBytes: number;
  gpus: GpuMemoryPlan[];
  kvCache: KvCachePlan;
  /** Largest context for `concurrency` requests on these GPUs (capped at the model's maximum). */
  maxContextLength: number;
  /** Full-length requests at `contextLength` that fit at once. */
  maxConcurrency: number;
  /** Bytes missing over all GPUs tried; 0 when it fits. */
  shortfallBytes: number;
  /** `vllm serve` flags after the model path; null when it does not fit. */
  vllmArgs: string[] | null;
  /** Environment for the vLLM process: which GPUs, numbered as nvidia-smi numbers them. */
  env: Record<string, string> | null;
  notes: FitNote[];
  suggestions: FitSuggestion[];
}

/** Formats bytes as GiB with one decimal, for messages. */
export function formatGiB(bytes: number): string {
  return `${(bytes / GIB).toFixed(1)} GiB`;
}

interface Request {
  model: ModelSpec;
  precision: PlannedPrecision;
  contextLength: number;
  concurrency: number;
  maxNumSeqs: number;
  utilization: number;
  kvCacheDtype: 'auto' | 'fp8';
  kvDtypeBytes: number;
}

interface Attempt {
  tensorParallelSize: number;
  selected: ProbedGpu[];
  utilization: number;
  limitingGpu: ProbedGpu | null;
  perGpu: GpuMemoryPlan[];
  kvAvailableBytes: number;
  bytesPerSequence: number;
  fits: boolean;
  maxConcurrency: number;
  maxContextLength: number;
  shortfallBytes: number;
}

const usableTotalBytes = (gpu: ProbedGpu): number => (gpu.memoryTotalMiB - (gpu.memoryReservedMiB ?? 0)) * MIB;
/** Free memory a vLLM worker will see once its own CUDA context exists. */
const freeAtStartBytes = (gpu: ProbedGpu): number => Math.max(0, gpu.memoryFreeMiB * MIB - CUDA_CONTEXT_BYTES);
/** Largest utilisation vLLM's start check lets this GPU have, to two decimals. */
const maxUtilization = (gpu: ProbedGpu): number => Math.floor((freeAtStartBytes(gpu) / usableTotalBytes(gpu)) * 100) / 100;

/** Plans how to serve `input.model` on `input.gpus`; see the module comment for the accounting. */
export function planFit(input: FitInput): FitPlan {
  const request = normalise(input);
  const plan = planCore(request, input.gpus);
  if (!plan.fits) plan.suggestions = suggest(request, input.gpus, plan);
  return plan;
}

function normalise(input: FitInput): Request {
  const { model } = input;
  const precisionId = input.precisionId ?? model.defaultPrecisionId;
  const precision = model.precisions.find((p) => p.id === precisionId);
  if (!precision) throw new RangeError(`Model ${model.id} has no precision "${precisionId}" (has: ${model.precisions.map((p) => p.id).join(', ')}).`);
  const contextLength = input.contextLength ?? Math.min(model.architecture.maxContext, DEFAULT_CONTEXT_TOKENS);
  const concurrency = input.concurrency ?? 1;
  const maxNumSeqs = input.maxNumSeqs ?? Math.max(concurrency, DEFAULT_MAX_NUM_SEQS);
  const utilization = input.gpuMemoryUtilization ?? DEFAULT_GPU_MEMORY_UTILIZATION;
  if (!Number.isInteger(contextLength) || contextLength < 1) throw new RangeError(`Context length must be a positive integer, got ${contextLength}.`);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`Concurrency must be a positive integer, got ${concurrency}.`);
  if (!Number.isInteger(maxNumSeqs) || maxNumSeqs < 1) throw new RangeError(`--max-num-seqs must be a positive integer, got ${maxNumSeqs}.`);
  if (!(utilization > 0 && utilization <= 1)) throw new RangeError(`GPU memory utilisation must be in (0, 1], got ${utilization}.`);
  const kvCacheDtype = input.kvCacheDtype ?? 'auto';
  return { model, precision, contextLength, concurrency, maxNumSeqs, utilization, kvCacheDtype, kvDtypeBytes: kvCacheDtype === 'fp8' ? 1 : precision.activationBytes };
}

function planCore(request: Request, gpus: readonly ProbedGpu[]): FitPlan {
  const { model, precision, concurrency } = request;
  const arch = model.architecture;
  const notes: FitNote[] = [];
  const contextLength = Math.min(request.contextLength, arch.maxContext);
  if (contextLength < request.contextLength) {
    notes.push({
      code: 'context-clamped',
      message: `${model.name} accepts at most ${arch.maxContext} tokens of context (max_position_embeddings); planned with ${arch.maxContext} instead of ${request.contextLength}.`,
    });
  }
  const clamped: Request = { ...request, contextLength };

  // GPUs with the most usable memory first; ties keep nvidia-smi order.
  const byRoom = [...gpus].sort((a, b) => budgetAt(b, request.utilization) - budgetAt(a, request.utilization) || a.index - b.index);
  const sizes = validTensorParallelSizes(arch, Math.min(byRoom.length, MAX_GPUS_PER_HOST));

  let chosen: Attempt | null = null;
  for (const size of sizes) {
    const attempt = evaluate(clamped, byRoom.slice(0, size), size);
    chosen = attempt;
    if (attempt.fits) break;
  }

  const base = {
    modelId: model.id,
    precisionId: precision.id,
    contextLength,
    concurrency,
    weightsBytes: precision.weightBytes,
    notes,
    suggestions: [] as FitSuggestion[],
  };
  if (!chosen) {
    notes.push({ code: 'no-gpu', message: 'No usable NVIDIA GPU was found on this host, so no local model can be served.' });
    return {
      ...base,
      fits: false,
      tensorParallelSize: null,
      gpuIndices: [],
      gpuMemoryUtilization: null,
      gpus: [],
      kvCache: kvSummary(clamped, 1, 0, 0),
      maxContextLength: 0,
      maxConcurrency: 0,
      shortfallBytes: precision.weightBytes + FRAMEWORK_OVERHEAD_BYTES + concurrency * kvBytesPerSequence(arch, contextLength, clamped.kvDtypeBytes),
      vllmArgs: null,
      env: null,
    };
  }

  const tp = chosen.tensorParallelSize;
  if (chosen.utilization < request.utilization && chosen.limitingGpu) {
    const gpu = chosen.limitingGpu;
    notes.push({
      code: 'utilization-lowered',
      message:
        `GPU ${gpu.index} has only ${formatGiB(gpu.memoryFreeMiB * MIB)} free of ${formatGiB(gpu.memoryTotalMiB * MIB)}; vLLM refuses to start ` +
        `when free memory is below utilisation × total, so --gpu-memory-utilization is ${chosen.utilization} instead of ${request.utilization}.`,
    });
  }
  if (tp > arch.kvHeads) {
    notes.push({
      code: 'kv-heads-replicated',
      message: `${model.name} has ${arch.kvHeads} KV head(s); with ${tp} GPUs vLLM replicates them, so each GPU holds a full KV head and the cache per GPU does not shrink.`,
    });
  }
  const weightsPerGpu = precision.weightBytes / tp;
  const tightest = Math.min(...chosen.perGpu.map((g) => g.budgetBytes - g.frameworkOverheadBytes - g.tensorParallelOverheadBytes));
  if (weightsPerGpu > tightest) {
    notes.push({
      code: 'weights-do-not-fit',
      message: `The weights alone need ${formatGiB(weightsPerGpu)} per GPU on ${tp} GPU(s), but only ${formatGiB(Math.max(0, tightest))} is available after overhead.`,
    });
  }

  const gpuIndices = chosen.selected.map((g) => g.index);
  const fits = chosen.fits;
  return {
    ...base,
    fits,
    tensorParallelSize: tp,
    gpuIndices,
    gpuMemoryUtilization: chosen.utilization,
    gpus: chosen.perGpu,
    kvCache: kvSummary(clamped, tp, chosen.kvAvailableBytes, chosen.bytesPerSequence),
    maxContextLength: chosen.maxContextLength,
    maxConcurrency: chosen.maxConcurrency,
    shortfallBytes: chosen.shortfallBytes,
    vllmArgs: fits ? vllmArgs(clamped, tp, chosen.utilization) : null,
    // nvidia-smi numbers GPUs by PCI bus; CUDA by default numbers the fastest first. Ask CUDA for
    // PCI order so the indices the probe showed are the GPUs vLLM gets.
    env: fits ? { CUDA_DEVICE_ORDER: 'PCI_BUS_ID', CUDA_VISIBLE_DEVICES: gpuIndices.join(',') } : null,
  };
}

/** Usable bytes of a GPU at a utilisation: vLLM's budget, capped by what is free at start. */
function budgetAt(gpu: ProbedGpu, utilization: number): number {
  return Math.min(utilization * usableTotalBytes(gpu), freeAtStartBytes(gpu));
}

function evaluate(request: Request, selected: ProbedGpu[], tp: number): Attempt {
  const { model, precision, contextLength, concurrency, kvDtypeBytes } = request;
  const arch = model.architecture;

  // One flag for all ranks: the busiest GPU decides how high it may be.
  let utilization = request.utilization;
  let limitingGpu: ProbedGpu | null = null;
  for (const gpu of selected) {
    const allowed = maxUtilization(gpu);
    if (allowed < utilization) {
      utilization = Math.max(0, allowed);
      limitingGpu = gpu;
    }
  }

  const weightsBytes = precision.weightBytes / tp;
  const tpOverhead = tp > 1 ? TENSOR_PARALLEL_OVERHEAD_BYTES : 0;
  const bytesPerSequence = kvBytesPerSequence(arch, contextLength, kvDtypeBytes, tp);
  const kvCacheBytes = bytesPerSequence * concurrency;

  const partial = selected.map((gpu) => {
    const budgetBytes = utilization * usableTotalBytes(gpu);
    return { gpu, budgetBytes, kvCacheAvailableBytes: budgetBytes - weightsBytes - FRAMEWORK_OVERHEAD_BYTES - tpOverhead };
  });
  // vLLM sizes the cache by the rank with the least room.
  const kvAvailableBytes = Math.min(...partial.map((p) => p.kvCacheAvailableBytes));
  const perGpu: GpuMemoryPlan[] = partial.map(({ gpu, budgetBytes, kvCacheAvailableBytes }) => ({
    index: gpu.index,
    name: gpu.name,
    totalBytes: gpu.memoryTotalMiB * MIB,
    usableTotalBytes: usableTotalBytes(gpu),
    freeBytes: gpu.memoryFreeMiB * MIB,
    budgetBytes,
    weightsBytes,
    frameworkOverheadBytes: FRAMEWORK_OVERHEAD_BYTES,
    tensorParallelOverheadBytes: tpOverhead,
    kvCacheBytes,
    kvCacheAvailableBytes,
    headroomBytes: kvCacheAvailableBytes - kvCacheBytes,
  }));

  const fits = utilization > 0 && kvAvailableBytes >= kvCacheBytes;
  return {
    tensorParallelSize: tp,
    selected,
    utilization,
    limitingGpu,
    perGpu,
    kvAvailableBytes,
    bytesPerSequence,
    fits,
    maxConcurrency: kvAvailableBytes > 0 ? Math.floor(kvAvailableBytes / bytesPerSequence) : 0,
    maxContextLength: largestContext(request, tp, kvAvailableBytes),
    shortfallBytes: fits ? 0 : perGpu.reduce((sum, g) => sum + Math.max(0, -g.headroomBytes), 0),
  };
}

/** Largest context for `concurrency` sequences within `kvAvailableBytes`, rounded down to a clean number. */
function largestContext(request: Request, tp: number, kvAvailableBytes: number): number {
  const arch = request.model.architecture;
  const fitsAt = (tokens: number): boolean => request.concurrency * kvBytesPerSequence(arch, tokens, request.kvDtypeBytes, tp) <= kvAvailableBytes;
  if (kvAvailableBytes <= 0 || !fitsAt(1)) return 0;
  if (fitsAt(arch.maxContext)) return arch.maxContext;
  let lo = 1; // fits
  let hi = arch.maxContext; // does not fit
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fitsAt(mid)) lo = mid;
    else hi = mid;
  }
  const step = lo >= CONTEXT_ROUNDING_TOKENS ? CONTEXT_ROUNDING_TOKENS : KV_BLOCK_TOKENS;
  return Math.floor(lo / step) * step;
}

function kvSummary(request: Request, tp: number, kvAvailableBytes: number, bytesPerSequence: number): KvCachePlan {
  const arch = request.model.architecture;
  // vLLM's token count divides the pool by one block's bytes per token across the largest group of
  // layers that share it (full-attention and sliding-window layers are separate groups).
  const groupLayers = Math.max(fullAttentionLayers(arch), arch.slidingWindow?.layers ?? 0);
  const poolBytesPerToken = groupLayers * kvBytesPerLayerToken(arch, request.kvDtypeBytes, tp);
  return {
    bytesPerToken: kvBytesPerToken(arch, request.kvDtypeBytes, 1),
    bytesPerTokenPerGpu: kvBytesPerToken(arch, request.kvDtypeBytes, tp),
    bytesPerSequencePerGpu: bytesPerSequence,
    capacityTokens: kvAvailableBytes > 0 ? Math.floor(kvAvailableBytes / poolBytesPerToken) : 0,
    tokensNeeded: request.concurrency * request.contextLength,
  };
}

function vllmArgs(request: Request, tp: number, utilization: number): string[] {
  const args = [
    '--tensor-parallel-size', String(tp),
    '--max-model-len', String(request.contextLength),
    '--gpu-memory-utilization', String(utilization),
    '--max-num-seqs', String(request.maxNumSeqs),
  ];
  if (request.precision.vllmQuantization) args.push('--quantization', request.precision.vllmQuantization);
  if (request.precision.vllmDtype) args.push('--dtype', request.precision.vllmDtype);
  if (request.kvCacheDtype === 'fp8') args.push('--kv-cache-dtype', 'fp8');
  return args;
}

function suggest(request: Request, gpus: readonly ProbedGpu[], plan: FitPlan): FitSuggestion[] {
  const suggestions: FitSuggestion[] = [];
  const tp = plan.tensorParallelSize;
  const context = plan.contextLength;

  if (tp !== null && plan.maxContextLength > 0 && plan.maxContextLength < context) {
    suggestions.push({
      kind: 'shorter-context',
      contextLength: plan.maxContextLength,
      tensorParallelSize: tp,
      message: `Shorten the context to ${plan.maxContextLength} tokens (--max-model-len ${plan.maxContextLength}) for ${request.concurrency} request(s) at once on ${tp} GPU(s).`,
    });
  }
  if (tp !== null && plan.maxConcurrency >= 1 && plan.maxConcurrency < request.concurrency) {
    suggestions.push({
      kind: 'fewer-requests',
      concurrency: plan.maxConcurrency,
      tensorParallelSize: tp,
      message: `Serve ${plan.maxConcurrency} full-length request(s) at once instead of ${request.concurrency} (--max-num-seqs ${plan.maxConcurrency}); longer queues, same context.`,
    });
  }

  // The best-quality smaller variant that fits the GPUs as they are.
  const smaller = request.model.precisions
    .filter((p) => p.weightBytes < request.precision.weightBytes)
    .sort((a, b) => b.weightBytes - a.weightBytes);
  for (const precision of smaller) {
    const alternative = planCore({ ...request, precision, kvDtypeBytes: request.kvCacheDtype === 'fp8' ? 1 : precision.activationBytes }, gpus);
    if (alternative.fits && alternative.tensorParallelSize !== null) {
      suggestions.push({
        kind: 'quantized-variant',
        precisionId: precision.id,
        label: precision.label,
        tensorParallelSize: alternative.tensorParallelSize,
        gpuIndices: alternative.gpuIndices,
        message: `Use ${precision.label}: ${formatGiB(precision.weightBytes)} of weights instead of ${formatGiB(request.precision.weightBytes)}; it fits on ${alternative.tensorParallelSize} GPU(s).`,
      });
      break;
    }
  }

  if (request.kvCacheDtype === 'auto' && request.kvDtypeBytes > 1) {
    const alternative = planCore({ ...request, kvCacheDtype: 'fp8', kvDtypeBytes: 1 }, gpus);
    if (alternative.fits && alternative.tensorParallelSize !== null) {
      suggestions.push({
        kind: 'fp8-kv-cache',
        tensorParallelSize: alternative.tensorParallelSize,
        gpuIndices: alternative.gpuIndices,
        message: 'Store the KV cache in FP8 (--kv-cache-dtype fp8): half the cache memory, at some risk to output quality.',
      });
    }
  }

  // More GPUs like the roomiest one here, idle.
  const template = [...gpus].sort((a, b) => usableTotalBytes(b) - usableTotalBytes(a) || a.index - b.index)[0];
  if (template) {
    const idle = (i: number): ProbedGpu => ({
      index: i,
      name: template.name,
      memoryTotalMiB: template.memoryTotalMiB,
      memoryReservedMiB: template.memoryReservedMiB ?? null,
      memoryFreeMiB: template.memoryTotalMiB - (template.memoryReservedMiB ?? 0),
    });
    const sizes = validTensorParallelSizes(request.model.architecture, MAX_GPUS_PER_HOST);
    let needed: number | null = null;
    for (const size of sizes) {
      const hypothetical = planCore(request, Array.from({ length: size }, (_, i) => idle(i)));
      if (hypothetical.fits && hypothetical.tensorParallelSize === size) {
        needed = size;
        break;
      }
    }
    if (needed !== null && needed > gpus.length) {
      suggestions.push({
        kind: 'more-gpus',
        gpuCount: needed,
        gpuName: template.name,
        gpuMemoryTotalMiB: template.memoryTotalMiB,
        message: `It needs ${needed}× ${template.name} (tensor parallel ${needed}); this host has ${gpus.length}.`,
      });
    } else if (needed === null) {
      plan.notes.push({
        code: 'beyond-one-host',
        message: `Even ${MAX_GPUS_PER_HOST}× ${template.name} would not hold it at this context and concurrency; shorten the context or use a quantised variant.`,
      });
    }
  }

  // Other processes holding memory on the GPUs tried.
  for (const gpuPlan of plan.gpus) {
    const gpu = gpus.find((g) => g.index === gpuPlan.index);
    if (!gpu) continue;
    const usedByOthers = usableTotalBytes(gpu) - gpu.memoryFreeMiB * MIB;
    if (usedByOthers > GIB) {
      suggestions.push({
        kind: 'free-gpu-memory',
        gpuIndex: gpu.index,
        usedByOthersBytes: usedByOthers,
        message: `Other processes hold ${formatGiB(usedByOthers)} on GPU ${gpu.index}; stopping them gives vLLM that memory back.`,
      });
    }
  }
  return suggestions;
}

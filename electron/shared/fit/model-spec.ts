/**
 * What the planner needs to know about one model, built either from a catalog entry or from a
 * local model directory (its parsed config.json plus the measured size of its weight files).
 */
import { type Architecture, type CatalogModel, type Precision } from './catalog-schema';
import { type HfConfigResult } from './hf-config';

/** One way to load the model, with the bytes its weights take on the GPUs in total. */
export interface PlannedPrecision {
  id: string;
  label: string;
  /** bf16, fp16, fp32, fp8, awq, gptq, mxfp4, or a checkpoint's own quant_method. */
  method: string;
  /** Weight bytes across all GPUs once loaded (split evenly by tensor parallelism). */
  weightBytes: number;
  /** Value for `--quantization`, or null when vLLM reads it from the checkpoint. */
  vllmQuantization: string | null;
  /** Value for `--dtype`, or null when vLLM's `auto` is right. */
  vllmDtype: string | null;
  /** Bytes per KV-cache element with `--kv-cache-dtype auto`: the activation dtype. */
  activationBytes: 2 | 4;
}

/** A model the planner can size. */
export interface ModelSpec {
  id: string;
  name: string;
  architecture: Architecture;
  /** Parameter counts when known (catalog); a local directory gives weight bytes instead. */
  parameters: { total: number; active: number | null } | null;
  precisions: PlannedPrecision[];
  defaultPrecisionId: string;
}

/** Parameters in the input embedding and the LM head (one matrix when tied); 0 when the vocabulary is unknown. */
export function embeddingParameters(arch: Architecture): number {
  if (arch.vocabSize === null) return 0;
  return arch.vocabSize * arch.hiddenSize * (arch.tieWordEmbeddings ? 1 : 2);
}

/**
 * Weight bytes of a catalog precision: the published checkpoint size when known; otherwise the
 * quantised layers at `bitsPerWeight` plus embeddings and LM head at 16 bits, which every scheme
 * in the catalog leaves unquantised (AutoAWQ/AutoGPTQ defaults, vLLM's online FP8).
 */
export function precisionWeightBytes(precision: Precision, arch: Architecture, totalParameters: number): number {
  if (precision.weightBytes !== null) return precision.weightBytes;
  if (precision.bitsPerWeight >= 16) return Math.ceil((totalParameters * precision.bitsPerWeight) / 8);
  const embedding = Math.min(embeddingParameters(arch), totalParameters);
  return Math.ceil(((totalParameters - embedding) * precision.bitsPerWeight) / 8 + embedding * 2);
}

/** The planner's view of a catalog model; null for API-only models and models without verified architecture. */
export function modelSpecFromCatalog(model: CatalogModel): ModelSpec | null {
  const { architecture, parameters, defaultPrecision } = model;
  if (model.servable !== 'local' || !architecture || !parameters || defaultPrecision === null) return null;
  return {
    id: model.id,
    name: model.name,
    architecture,
    parameters,
    defaultPrecisionId: defaultPrecision,
    precisions: model.precisions.map((p) => ({
      id: p.id,
      label: p.label,
      method: p.method,
      weightBytes: precisionWeightBytes(p, architecture, parameters.total),
      vllmQuantization: p.vllmQuantization,
      vllmDtype: p.method === 'fp32' ? 'float32' : null,
      activationBytes: p.method === 'fp32' ? 4 : 2,
    })),
  };
}

/** Identity and measured size of a local model directory. */
export interface LocalModelFacts {
  id: string;
  name: string;
  /** Sum of the weight files (`*.safetensors`), as read from disk. */
  weightFileBytes: number;
}

/**
 * The planner's view of a local model directory. Its checkpoint is one precision; an unquantised
 * 16/32-bit checkpoint also gets vLLM's online FP8 as an alternative.
 */
export function modelSpecFromHfConfig(config: Extract<HfConfigResult, { ok: true }>, facts: LocalModelFacts): ModelSpec {
  const { architecture: arch, format } = config;
  const embeddingBytes16 = Math.min(embeddingParameters(arch) * 2, facts.weightFileBytes);
  // vLLM's dtype "auto" loads float32 checkpoints in 16-bit ("we use float16 for float32 models"),
  // so their weights take half the file size on the GPU.
  const isFloat32 = format.quantMethod === null && format.dtype === 'float32';
  const gpuWeightBytes = isFloat32 ? Math.ceil(facts.weightFileBytes / 2) : facts.weightFileBytes;
  const checkpoint: PlannedPrecision = {
    id: 'checkpoint',
    label: format.quantMethod ? `${format.quantMethod} checkpoint` : `${format.dtype ?? 'unknown dtype'} checkpoint${isFloat32 ? ' (loaded as 16-bit)' : ''}`,
    method: format.quantMethod ?? (format.dtype === 'float16' ? 'fp16' : 'bf16'),
    weightBytes: gpuWeightBytes,
    vllmQuantization: null,
    vllmDtype: null,
    activationBytes: 2,
  };
  const precisions = [checkpoint];
  if (format.quantMethod === null) {
    precisions.push({
      id: 'fp8',
      label: 'FP8 (vLLM quantises at load)',
      method: 'fp8',
      weightBytes: Math.ceil(embeddingBytes16 + (gpuWeightBytes - embeddingBytes16) / 2),
      vllmQuantization: 'fp8',
      vllmDtype: null,
      activationBytes: 2,
    });
  }
  return { id: facts.id, name: facts.name, architecture: arch, parameters: null, precisions, defaultPrecisionId: 'checkpoint' };
}

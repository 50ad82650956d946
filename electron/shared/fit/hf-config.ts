/**
 * Reads the architecture numbers the planner needs from a Hugging Face `config.json`: llama,
 * mistral, mixtral, qwen2, gemma and gpt_oss styles, and multimodal checkpoints whose language
 * model sits under `text_config` (Mistral Small 3.x, Llava…). Pure: the caller reads the file.
 */
import { type Architecture } from './catalog-schema';

/** Weight storage declared by the config: its dtype and, for quantised checkpoints, the method. */
export interface HfCheckpointFormat {
  /** `torch_dtype` (or newer `dtype`), normalised: bfloat16, float16, float32; null when absent. */
  dtype: 'bfloat16' | 'float16' | 'float32' | null;
  /** `quantization_config.quant_method` (awq, gptq, fp8, mxfp4, compressed-tensors…); null when none. */
  quantMethod: string | null;
  /** `quantization_config.bits` when given. */
  quantBits: number | null;
}

/** What `parseHfConfig` returns. */
export type HfConfigResult =
  | { ok: true; architecture: Architecture; format: HfCheckpointFormat; architectures: string[] }
  | { ok: false; errors: string[] };

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Model types whose transformers config ties input and output embeddings unless told otherwise. */
const untiedByDefault = new Set(['llama', 'mistral', 'mixtral', 'qwen2', 'qwen2_moe', 'qwen3', 'qwen3_moe', 'gpt_oss', 'ministral3']);

/** Extracts layers, heads, KV heads, head size, context and MoE/sliding-window facts from a config.json. */
export function parseHfConfig(configJson: unknown): HfConfigResult {
  if (!isObject(configJson)) return { ok: false, errors: ['config.json is not a JSON object'] };
  const root = configJson;
  // Multimodal checkpoints keep the language model's numbers in text_config; the KV cache is its.
  const text = isObject(root.text_config) ? root.text_config : root;
  const where = text === root ? '' : 'text_config.';
  const errors: string[] = [];

  const int = (key: string, what: string, required: boolean): number | null => {
    const value = text[key];
    if (value === undefined || value === null) {
      if (required) errors.push(`config.json has no ${where}${key} (${what})`);
      return null;
    }
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
      errors.push(`config.json ${where}${key} (${what}) must be a positive integer, got ${JSON.stringify(value)}`);
      return null;
    }
    return value;
  };

  const layers = int('num_hidden_layers', 'number of layers', true);
  const heads = int('num_attention_heads', 'attention heads', true);
  const hiddenSize = int('hidden_size', 'hidden size', true);
  const maxContext = int('max_position_embeddings', 'maximum context length', true);
  // Absent num_key_value_heads means plain multi-head attention: one KV head per attention head.
  const kvHeads = int('num_key_value_heads', 'KV heads', false) ?? heads;
  const explicitHeadDim = int('head_dim', 'size of one attention head', false);
  const intermediateSize = int('intermediate_size', 'MLP width', false);
  const vocabSize = int('vocab_size', 'vocabulary size', false);

  let headDim = explicitHeadDim;
  if (headDim === null && hiddenSize !== null && heads !== null) {
    if (hiddenSize % heads === 0) headDim = hiddenSize / heads;
    else errors.push(`config.json has no ${where}head_dim and ${where}hidden_size ${hiddenSize} is not divisible by num_attention_heads ${heads}`);
  }
  if (kvHeads !== null && heads !== null && kvHeads > heads) {
    errors.push(`config.json ${where}num_key_value_heads ${kvHeads} exceeds num_attention_heads ${heads}`);
  }

  const modelType = typeof text.model_type === 'string' && text.model_type !== '' ? text.model_type
    : typeof root.model_type === 'string' && root.model_type !== '' ? root.model_type : 'unknown';
  const slidingWindow = layers !== null && maxContext !== null ? readSlidingWindow(text, modelType, layers, maxContext, errors, where) : null;
  const moe = readMoe(text);

  if (errors.length > 0 || layers === null || heads === null || hiddenSize === null || maxContext === null || kvHeads === null || headDim === null) {
    return { ok: false, errors };
  }
  const tied = typeof text.tie_word_embeddings === 'boolean' ? text.tie_word_embeddings
    : typeof root.tie_word_embeddings === 'boolean' ? root.tie_word_embeddings : !untiedByDefault.has(modelType);

  return {
    ok: true,
    architecture: {
      modelType,
      layers,
      attentionHeads: heads,
      kvHeads,
      headDim,
      hiddenSize,
      intermediateSize,
      vocabSize,
      tieWordEmbeddings: tied,
      maxContext,
      slidingWindow,
      moe,
    },
    format: readFormat(root, text),
    architectures: Array.isArray(root.architectures) ? root.architectures.filter((a): a is string => typeof a === 'string') : [],
  };
}

/** Sliding-window layers and window, in the config styles of gpt_oss/gemma3 (layer_types), mistral v0.1, qwen2 and gemma2. */
function readSlidingWindow(
  text: Json,
  modelType: string,
  layers: number,
  maxContext: number,
  errors: string[],
  where: string,
): Architecture['slidingWindow'] {
  const window = text.sliding_window;
  if (window === undefined || window === null) return null;
  if (typeof window !== 'number' || !Number.isInteger(window) || window <= 0) {
    errors.push(`config.json ${where}sliding_window must be a positive integer or null, got ${JSON.stringify(window)}`);
    return null;
  }
  // A window as long as the context never drops anything: treat it as full attention.
  if (window >= maxContext) return null;

  let slidingLayers: number;
  if (Array.isArray(text.layer_types)) {
    // gpt_oss, gemma3 and newer configs list each layer's kind explicitly.
    slidingLayers = text.layer_types.filter((t) => t === 'sliding_attention').length;
  } else if (text.use_sliding_window === false) {
    // qwen2 configs carry a sliding_window value but switch it off.
    return null;
  } else if (text.use_sliding_window === true && typeof text.max_window_layers === 'number') {
    // qwen2: layers from max_window_layers upward use the window.
    slidingLayers = Math.max(0, layers - text.max_window_layers);
  } else if (typeof text.sliding_window_pattern === 'number' && text.sliding_window_pattern > 0) {
    // gemma3 before layer_types: every Nth layer is global, the rest slide.
    slidingLayers = layers - Math.floor(layers / text.sliding_window_pattern);
  } else if (modelType === 'gemma2') {
    // gemma2 alternates, starting with a sliding layer.
    slidingLayers = Math.ceil(layers / 2);
  } else {
    // mistral v0.1 style: every layer slides.
    slidingLayers = layers;
  }
  return slidingLayers > 0 ? { window, layers: Math.min(slidingLayers, layers) } : null;
}

/** Expert counts: num_local_experts (mixtral, gpt_oss) or num_experts (qwen MoE). */
function readMoe(text: Json): Architecture['moe'] {
  const experts = [text.num_local_experts, text.num_experts].find((v): v is number => typeof v === 'number' && Number.isInteger(v) && v > 1);
  const perToken = [text.num_experts_per_tok, text.experts_per_token].find((v): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0);
  return experts !== undefined && perToken !== undefined ? { experts, expertsPerToken: perToken } : null;
}

function readFormat(root: Json, text: Json): HfCheckpointFormat {
  const rawDtype = [root.torch_dtype, root.dtype, text.torch_dtype, text.dtype].find((v): v is string => typeof v === 'string');
  const dtype = rawDtype === 'bfloat16' || rawDtype === 'float16' || rawDtype === 'float32' ? rawDtype
    : rawDtype === 'half' ? 'float16' : rawDtype === 'float' ? 'float32' : null;
  const quant = isObject(root.quantization_config) ? root.quantization_config : isObject(text.quantization_config) ? text.quantization_config : null;
  const quantMethod = quant && typeof quant.quant_method === 'string' ? quant.quant_method : null;
  const quantBits = quant && typeof quant.bits === 'number' ? quant.bits : null;
  return { dtype, quantMethod, quantBits };
}

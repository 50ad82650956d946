import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCatalog } from '../../../../electron/shared/fit/catalog-schema';
import { GIB } from '../../../../electron/shared/fit/fit-constants';
import { parseHfConfig } from '../../../../electron/shared/fit/hf-config';
import { kvBytesPerSequence, kvBytesPerToken } from '../../../../electron/shared/fit/kv-cache';
import { type ModelSpec, modelSpecFromCatalog, modelSpecFromHfConfig } from '../../../../electron/shared/fit/model-spec';
import { type FitPlan, planFit, type ProbedGpu } from '../../../../electron/shared/fit/plan-fit';
import { tensorParallelProblem, validTensorParallelSizes } from '../../../../electron/shared/fit/tensor-parallel';

const parsed = parseCatalog(JSON.parse(readFileSync(new URL('../../../../resources/catalog/models.json', import.meta.url), 'utf8')));
if (!parsed.ok) throw new Error(parsed.issues.join('\n'));
const catalog = parsed.catalog;

function spec(id: string): ModelSpec {
  const entry = catalog.models.find((m) => m.id === id);
  const result = entry && modelSpecFromCatalog(entry);
  if (!result) throw new Error(`${id} is not a plannable catalog model`);
  return result;
}

// GPUs as nvidia-smi reports them. H100: the idle capture in ../shared/fixtures/nvidia-smi
// (csv_query-gpu-212-fields_1gpu_h100-80gb-hbm3…_idle.csv). A100 80 GB: the XML capture
// (xml_1-of-4gpu_a100-sxm4-80gb…). A100 40 GB: no capture; 40960 MiB total, and PyTorch reports
// 39.39 GiB usable, so 625 MiB reserved.
const h100 = (index: number): ProbedGpu => ({ index, name: 'NVIDIA H100 80GB HBM3', memoryTotalMiB: 81559, memoryReservedMiB: 479, memoryFreeMiB: 81081 });
const a100 = (index: number): ProbedGpu => ({ index, name: 'NVIDIA A100-SXM4-80GB', memoryTotalMiB: 81920, memoryReservedMiB: 869, memoryFreeMiB: 80999 });
const a100_40 = (index: number): ProbedGpu => ({ index, name: 'NVIDIA A100-SXM4-40GB', memoryTotalMiB: 40960, memoryReservedMiB: 625, memoryFreeMiB: 40331 });
const several = (count: number, gpu: (index: number) => ProbedGpu): ProbedGpu[] => Array.from({ length: count }, (_, i) => gpu(i));

const suggestion = <K extends FitPlan['suggestions'][number]['kind']>(plan: FitPlan, kind: K) =>
  plan.suggestions.find((s): s is Extract<FitPlan['suggestions'][number], { kind: K }> => s.kind === kind);

describe("GitLab's published sizing (gitlab-ai-gateway.md §8, vllm.md §8.4)", () => {
  it('GPT-OSS-120B: ≈ 61 GB weights, ≈ 2 GB overhead, ≈ 36 KB/token, 1× H100 at 0.95 with 32k and ≈ 10 concurrent', () => {
    // GitLab's recipe: --gpu-memory-utilization 0.95 --max-model-len 32768 --max-num-seqs 16.
    const plan = planFit({ model: spec('gpt-oss-120b'), contextLength: 32768, maxNumSeqs: 16, gpuMemoryUtilization: 0.95, gpus: [h100(0)] });
    expect(plan.fits).toBe(true);
    expect(plan.tensorParallelSize).toBe(1);
    expect(plan.weightsBytes / GIB).toBeCloseTo(61, 0);
    const gpu = plan.gpus[0];
    expect(gpu?.frameworkOverheadBytes).toBe(2 * GIB);
    expect(gpu?.tensorParallelOverheadBytes).toBe(0);
    expect(plan.kvCache.bytesPerToken).toBe(36 * 1024);
    // "The rest" is KV cache: 0.95 × 79.2 GiB − 60.8 − 2 ≈ 12.4 GiB ≈ 360k tokens.
    expect((gpu?.kvCacheAvailableBytes ?? 0) / GIB).toBeCloseTo(12.4, 0);
    expect(plan.kvCache.capacityTokens).toBeGreaterThan(340_000);
    expect(plan.kvCache.capacityTokens).toBeLessThan(380_000);
    // "≈ 10 concurrent 32k requests".
    expect(plan.maxConcurrency).toBeGreaterThanOrEqual(9);
    expect(plan.maxConcurrency).toBeLessThanOrEqual(11);
    expect(plan.vllmArgs).toEqual(['--tensor-parallel-size', '1', '--max-model-len', '32768', '--gpu-memory-utilization', '0.95', '--max-num-seqs', '16']);
  });

  it('GPT-OSS-120B: 2× A100 40 GB is the minimum', () => {
    expect(planFit({ model: spec('gpt-oss-120b'), contextLength: 32768, gpus: [a100_40(0)] }).fits).toBe(false);
    const plan = planFit({ model: spec('gpt-oss-120b'), contextLength: 32768, gpus: several(2, a100_40) });
    expect(plan).toMatchObject({ fits: true, tensorParallelSize: 2, gpuIndices: [0, 1] });
  });

  it('a 7B model (Mistral 7B) fits on 1× A100 40 GB at its full 32k context', () => {
    const plan = planFit({ model: spec('mistral-7b-instruct-v0.3'), contextLength: 32768, concurrency: 4, gpus: [a100_40(0)] });
    expect(plan).toMatchObject({ fits: true, tensorParallelSize: 1, gpuIndices: [0], maxConcurrency: 4 });
    expect(plan.weightsBytes / GIB).toBeCloseTo(13.5, 1);
  });

  // GitLab's table gives GPU counts without the context or load behind them; its "minimum VRAM"
  // column tracks fp32 weights × 1.2 (Hugging Face's model-memory estimate), not bf16 serving. The
  // planner is honest about both: the stated GPUs serve eight concurrent 32k requests, and fewer
  // GPUs serve a single request.
  it('Codestral 22B: 2× A100 80 GB for eight concurrent 32k requests; one GPU holds only three', () => {
    const two = planFit({ model: spec('codestral-22b-v0.1'), contextLength: 32768, concurrency: 8, gpus: several(2, a100) });
    expect(two).toMatchObject({ fits: true, tensorParallelSize: 2 });

    const one = planFit({ model: spec('codestral-22b-v0.1'), contextLength: 32768, concurrency: 8, gpus: [a100(0)] });
    expect(one.fits).toBe(false);
    expect(one.maxConcurrency).toBe(3);
    expect(suggestion(one, 'more-gpus')).toMatchObject({ gpuCount: 2, gpuName: 'NVIDIA A100-SXM4-80GB' });

    // One 32k request does fit on one A100 80 GB (41.4 GiB of bf16 weights).
    expect(planFit({ model: spec('codestral-22b-v0.1'), contextLength: 32768, concurrency: 1, gpus: [a100(0)] }).fits).toBe(true);
  });

  it('Mixtral 8x22B needs 8× A100 80 GB at its full 64k context (or 8 × 32k requests), not 4', () => {
    const onFour = planFit({ model: spec('mixtral-8x22b-instruct-v0.1'), contextLength: 65536, gpus: several(4, a100) });
    expect(onFour.fits).toBe(false);
    expect(onFour.tensorParallelSize).toBe(4);
    expect(onFour.shortfallBytes).toBeGreaterThan(0);
    expect(suggestion(onFour, 'more-gpus')?.gpuCount).toBe(8);

    const onEight = planFit({ model: spec('mixtral-8x22b-instruct-v0.1'), contextLength: 65536, gpus: several(8, a100) });
    expect(onEight).toMatchObject({ fits: true, tensorParallelSize: 8 });
    // 6 GPUs are never a valid split: 8 KV heads cannot be shared out over 6.
    const onSix = planFit({ model: spec('mixtral-8x22b-instruct-v0.1'), contextLength: 65536, gpus: several(6, a100) });
    expect(onSix.tensorParallelSize).toBe(4);
    expect(onSix.fits).toBe(false);

    const loaded = planFit({ model: spec('mixtral-8x22b-instruct-v0.1'), contextLength: 32768, concurrency: 8, gpus: several(8, a100) });
    expect(loaded).toMatchObject({ fits: true, tensorParallelSize: 8 });
    // Honest: one 32k request alone would fit on four (262 GiB of weights in 4 × 71 GiB).
    expect(planFit({ model: spec('mixtral-8x22b-instruct-v0.1'), contextLength: 32768, gpus: several(4, a100) }).fits).toBe(true);
  });

  it('Mixtral 8x7B fits 2× A100 80 GB', () => {
    expect(planFit({ model: spec('mixtral-8x7b-instruct-v0.1'), contextLength: 32768, concurrency: 8, gpus: several(2, a100) })).toMatchObject({ fits: true, tensorParallelSize: 2 });
  });
});

describe('tensor parallelism', () => {
  it('accepts only sizes that divide the attention heads, the KV heads (or are replicated evenly) and the MLP width', () => {
    expect(validTensorParallelSizes(spec('codestral-22b-v0.1').architecture, 8)).toEqual([1, 2, 4, 8]);
    // Qwen2.5-Coder 7B: 28 heads, 4 KV heads: 7 divides the heads but not the KV heads.
    expect(validTensorParallelSizes(spec('qwen2.5-coder-7b-instruct').architecture, 8)).toEqual([1, 2, 4]);
    expect(tensorParallelProblem(spec('qwen2.5-coder-7b-instruct').architecture, 7)).toMatch(/4 KV heads/);
    // Code Llama 13B: 40 heads, but MLP width 13824 is not divisible by 5.
    expect(tensorParallelProblem(spec('codellama-13b-instruct').architecture, 5)).toMatch(/MLP width 13824/);
    // CodeGemma 2B has one KV head: replicated on every GPU.
    expect(validTensorParallelSizes(spec('codegemma-2b').architecture, 8)).toEqual([1, 2, 4, 8]);
    expect(tensorParallelProblem(spec('codestral-22b-v0.1').architecture, 3)).toMatch(/KV heads/);
  });

  it('prefers one GPU when the model fits on one', () => {
    const plan = planFit({ model: spec('mistral-7b-instruct-v0.3'), contextLength: 32768, gpus: several(4, a100) });
    expect(plan).toMatchObject({ fits: true, tensorParallelSize: 1, gpuIndices: [0] });
    expect(plan.env).toEqual({ CUDA_DEVICE_ORDER: 'PCI_BUS_ID', CUDA_VISIBLE_DEVICES: '0' });
  });

  it('takes the smallest valid split above one, skipping sizes vLLM refuses', () => {
    // Codestral at 8 × 32k needs more than one GPU; 3 is not a valid split, so 2 of the 3.
    const plan = planFit({ model: spec('codestral-22b-v0.1'), contextLength: 32768, concurrency: 8, gpus: several(3, a100) });
    expect(plan).toMatchObject({ fits: true, tensorParallelSize: 2, gpuIndices: [0, 1] });
    expect(plan.vllmArgs?.slice(0, 2)).toEqual(['--tensor-parallel-size', '2']);
  });

  it('notes when KV heads are replicated rather than split', () => {
    const plan = planFit({ model: spec('codegemma-2b'), contextLength: 8192, concurrency: 512, gpus: several(2, a100_40) });
    expect(plan.tensorParallelSize).toBe(2);
    expect(plan.notes.map((n) => n.code)).toContain('kv-heads-replicated');
    // Each GPU still holds the whole (single) KV head: no saving per GPU.
    expect(plan.kvCache.bytesPerTokenPerGpu).toBe(plan.kvCache.bytesPerToken);
  });
});

describe('free memory, not total', () => {
  const busy = (index: number): ProbedGpu => ({ ...a100(index), memoryFreeMiB: 80999 - 30 * 1024 }); // another process holds 30 GiB

  it('uses the GPU with the most free memory', () => {
    const plan = planFit({ model: spec('codestral-22b-v0.1'), contextLength: 32768, gpus: [busy(0), a100(1)] });
    expect(plan).toMatchObject({ fits: true, tensorParallelSize: 1, gpuIndices: [1], gpuMemoryUtilization: 0.9 });
    expect(plan.env?.CUDA_VISIBLE_DEVICES).toBe('1');
  });

  it('lowers --gpu-memory-utilization to what vLLM’s start check allows, and sizes the cache from it', () => {
    // vLLM refuses to start when free < utilisation × total: 50 GiB free < 0.9 × 79.2 GiB.
    const plan = planFit({ model: spec('codestral-22b-v0.1'), contextLength: 32768, gpus: [busy(0)] });
    expect(plan.gpuMemoryUtilization).toBeLessThan(0.63);
    expect(plan.gpuMemoryUtilization).toBeGreaterThan(0.58);
    expect(plan.notes.map((n) => n.code)).toContain('utilization-lowered');
    // With total VRAM it would "fit"; with free VRAM a full 32k request does not.
    expect(plan.fits).toBe(false);
    expect(plan.maxContextLength).toBeGreaterThan(16_384);
    expect(plan.maxContextLength).toBeLessThan(32_768);
    expect(suggestion(plan, 'free-gpu-memory')).toMatchObject({ gpuIndex: 0 });
    expect(suggestion(plan, 'free-gpu-memory')?.usedByOthersBytes).toBeGreaterThan(29 * GIB);
    expect(plan.vllmArgs).toBeNull();
  });

  it('with a single 24 GB GPU that is mostly taken, says no and why', () => {
    // xml_2gpu_rtx-a5000… capture: 1678 MiB free of 24564 MiB.
    const a5000: ProbedGpu = { index: 0, name: 'NVIDIA RTX A5000', memoryTotalMiB: 24564, memoryReservedMiB: 450, memoryFreeMiB: 1678 };
    const plan = planFit({ model: spec('mistral-7b-instruct-v0.3'), contextLength: 8192, gpus: [a5000] });
    expect(plan.fits).toBe(false);
    expect(plan.notes.map((n) => n.code)).toEqual(expect.arrayContaining(['utilization-lowered', 'weights-do-not-fit']));
  });
});

describe('largest context, concurrency and suggestions', () => {
  it('reports the largest context and concurrency that fit, and shortfall when it does not', () => {
    const plan = planFit({ model: spec('gpt-oss-120b'), contextLength: 131072, concurrency: 4, gpuMemoryUtilization: 0.95, gpus: [h100(0)] });
    expect(plan.fits).toBe(false);
    // ≈ 360k tokens of cache: four sequences of ≈ 88k.
    expect(plan.maxContextLength).toBeGreaterThan(80_000);
    expect(plan.maxContextLength).toBeLessThan(95_000);
    expect(plan.maxContextLength % 256).toBe(0);
    expect(plan.maxConcurrency).toBe(2);
    expect(plan.shortfallBytes / GIB).toBeCloseTo(4 * 131072 * 36 * 1024 / GIB - 12.4, 0);
    expect(suggestion(plan, 'shorter-context')?.contextLength).toBe(plan.maxContextLength);
    expect(suggestion(plan, 'fewer-requests')?.concurrency).toBe(2);
    expect(suggestion(plan, 'more-gpus')?.gpuCount).toBe(2);
    // Following the shorter-context suggestion gives a plan that fits.
    expect(planFit({ model: spec('gpt-oss-120b'), contextLength: plan.maxContextLength, concurrency: 4, gpuMemoryUtilization: 0.95, gpus: [h100(0)] }).fits).toBe(true);
  });

  it('suggests the best quantised variant that fits, with its flags', () => {
    const plan = planFit({ model: spec('llama-3.1-70b-instruct'), contextLength: 8192, gpus: [h100(0)] });
    expect(plan.fits).toBe(false);
    expect(plan.notes.map((n) => n.code)).toContain('weights-do-not-fit');
    // FP8 (≈ 67.7 GiB) leaves too little for 8k of cache; AWQ 4-bit (≈ 37 GiB) fits.
    expect(suggestion(plan, 'quantized-variant')).toMatchObject({ precisionId: 'awq-int4', tensorParallelSize: 1, gpuIndices: [0] });
    expect(suggestion(plan, 'more-gpus')?.gpuCount).toBe(2);

    const fp8 = planFit({ model: spec('llama-3.1-70b-instruct'), precisionId: 'fp8', contextLength: 4096, gpus: [h100(0)] });
    expect(fp8.fits).toBe(true);
    expect(fp8.vllmArgs).toEqual(['--tensor-parallel-size', '1', '--max-model-len', '4096', '--gpu-memory-utilization', '0.9', '--max-num-seqs', '16', '--quantization', 'fp8']);
  });

  it('suggests an FP8 KV cache when that alone is enough, and emits the flag when asked', () => {
    const plan = planFit({ model: spec('codestral-22b-v0.1'), contextLength: 32768, concurrency: 6, gpus: [a100(0)] });
    expect(plan.fits).toBe(false);
    expect(suggestion(plan, 'fp8-kv-cache')).toBeDefined();
    const withFp8 = planFit({ model: spec('codestral-22b-v0.1'), contextLength: 32768, concurrency: 6, kvCacheDtype: 'fp8', gpus: [a100(0)] });
    expect(withFp8.fits).toBe(true);
    expect(withFp8.kvCache.bytesPerToken).toBe(plan.kvCache.bytesPerToken / 2);
    expect(withFp8.vllmArgs).toContain('--kv-cache-dtype');
  });

  it('says when not even a full host of GPUs would do', () => {
    const plan = planFit({ model: spec('mixtral-8x22b-instruct-v0.1'), contextLength: 65536, concurrency: 64, gpus: several(8, a100_40) });
    expect(plan.fits).toBe(false);
    expect(suggestion(plan, 'more-gpus')).toBeUndefined();
    expect(plan.notes.map((n) => n.code)).toContain('beyond-one-host');
  });

  it('clamps a context beyond the model’s maximum and says so', () => {
    const plan = planFit({ model: spec('codellama-13b-instruct'), contextLength: 100_000, gpus: [a100(0)] });
    expect(plan.contextLength).toBe(16384);
    expect(plan.notes.map((n) => n.code)).toContain('context-clamped');
  });

  it('without GPUs, does not fit and says why', () => {
    const plan = planFit({ model: spec('mistral-7b-instruct-v0.3'), gpus: [] });
    expect(plan).toMatchObject({ fits: false, tensorParallelSize: null, gpuIndices: [], vllmArgs: null, env: null });
    expect(plan.notes.map((n) => n.code)).toEqual(['no-gpu']);
  });

  it('refuses nonsense input', () => {
    expect(() => planFit({ model: spec('mistral-7b-instruct-v0.3'), concurrency: 0, gpus: [] })).toThrow(RangeError);
    expect(() => planFit({ model: spec('mistral-7b-instruct-v0.3'), gpuMemoryUtilization: 1.5, gpus: [] })).toThrow(RangeError);
    expect(() => planFit({ model: spec('mistral-7b-instruct-v0.3'), precisionId: 'int3', gpus: [] })).toThrow(/no precision "int3"/);
  });
});

describe('KV-cache arithmetic', () => {
  it('matches the published per-token figures', () => {
    // Llama 3.1 70B: 80 layers × 2 × 8 KV heads × 128 × 2 B = 320 KiB per token.
    expect(kvBytesPerToken(spec('llama-3.1-70b-instruct').architecture, 2)).toBe(320 * 1024);
    // Split over 4 GPUs, each holds 2 of the 8 KV heads.
    expect(kvBytesPerToken(spec('llama-3.1-70b-instruct').architecture, 2, 4)).toBe(80 * 1024);
  });

  it('charges sliding-window layers the window, not the context', () => {
    const oss = spec('gpt-oss-120b').architecture;
    // 18 full layers × 32768 tokens + 18 sliding layers × (128 + one block) tokens, 2 KiB each.
    expect(kvBytesPerSequence(oss, 32768, 2)).toBe(18 * 2048 * 32768 + 18 * 2048 * 144);
    // Shorter than the window: the sliding layers hold the context itself.
    expect(kvBytesPerSequence(oss, 100, 2)).toBe(36 * 2048 * 112);
  });
});

describe('parseHfConfig', () => {
  const llama31_8b = {
    architectures: ['LlamaForCausalLM'],
    hidden_size: 4096,
    intermediate_size: 14336,
    max_position_embeddings: 131072,
    model_type: 'llama',
    num_attention_heads: 32,
    num_hidden_layers: 32,
    num_key_value_heads: 8,
    rope_scaling: { factor: 8.0, high_freq_factor: 4.0, low_freq_factor: 1.0, original_max_position_embeddings: 8192, rope_type: 'llama3' },
    tie_word_embeddings: false,
    torch_dtype: 'bfloat16',
    vocab_size: 128256,
  };

  it('reads a llama config, deriving head_dim from hidden_size / heads', () => {
    const result = parseHfConfig(llama31_8b);
    expect(result).toMatchObject({
      ok: true,
      architecture: { modelType: 'llama', layers: 32, attentionHeads: 32, kvHeads: 8, headDim: 128, hiddenSize: 4096, maxContext: 131072, slidingWindow: null, moe: null },
      format: { dtype: 'bfloat16', quantMethod: null },
      architectures: ['LlamaForCausalLM'],
    });
  });

  it('treats a missing num_key_value_heads as multi-head attention', () => {
    const { num_key_value_heads: _dropped, ...codellama } = { ...llama31_8b, hidden_size: 5120, num_attention_heads: 40, num_hidden_layers: 40, num_key_value_heads: 0 };
    expect(parseHfConfig(codellama)).toMatchObject({ ok: true, architecture: { attentionHeads: 40, kvHeads: 40, headDim: 128 } });
  });

  it('reads a multimodal config from text_config (Mistral Small 3.2)', () => {
    const config = {
      architectures: ['Mistral3ForConditionalGeneration'],
      model_type: 'mistral3',
      torch_dtype: 'bfloat16',
      text_config: {
        head_dim: 128,
        hidden_size: 5120,
        intermediate_size: 32768,
        max_position_embeddings: 131072,
        model_type: 'mistral',
        num_attention_heads: 32,
        num_hidden_layers: 40,
        num_key_value_heads: 8,
        sliding_window: null,
        vocab_size: 131072,
      },
      vision_config: { hidden_size: 1024, num_hidden_layers: 24, num_attention_heads: 16 },
    };
    expect(parseHfConfig(config)).toMatchObject({ ok: true, architecture: { modelType: 'mistral', layers: 40, kvHeads: 8, headDim: 128, maxContext: 131072 }, format: { dtype: 'bfloat16' } });
  });

  it('keeps an explicit head_dim that is not hidden / heads (Gemma)', () => {
    const gemma = { architectures: ['GemmaForCausalLM'], model_type: 'gemma', head_dim: 256, hidden_size: 3072, intermediate_size: 24576, max_position_embeddings: 8192, num_attention_heads: 16, num_hidden_layers: 28, num_key_value_heads: 16, vocab_size: 256000, torch_dtype: 'bfloat16' };
    const result = parseHfConfig(gemma);
    expect(result).toMatchObject({ ok: true, architecture: { headDim: 256, hiddenSize: 3072, tieWordEmbeddings: true } });
  });

  it('reads GPT-OSS: layer_types, sliding window, MoE and MXFP4', () => {
    const gptOss = {
      architectures: ['GptOssForCausalLM'],
      model_type: 'gpt_oss',
      head_dim: 64,
      hidden_size: 2880,
      intermediate_size: 2880,
      layer_types: Array.from({ length: 36 }, (_, i) => (i % 2 === 0 ? 'sliding_attention' : 'full_attention')),
      max_position_embeddings: 131072,
      num_attention_heads: 64,
      num_hidden_layers: 36,
      num_key_value_heads: 8,
      num_local_experts: 128,
      experts_per_token: 4,
      num_experts_per_tok: 4,
      quantization_config: { modules_to_not_convert: ['model.layers.*.self_attn', 'model.embed_tokens', 'lm_head'], quant_method: 'mxfp4' },
      sliding_window: 128,
      tie_word_embeddings: false,
      torch_dtype: 'bfloat16',
      vocab_size: 201088,
    };
    const result = parseHfConfig(gptOss);
    expect(result).toMatchObject({
      ok: true,
      architecture: { layers: 36, slidingWindow: { window: 128, layers: 18 }, moe: { experts: 128, expertsPerToken: 4 } },
      format: { quantMethod: 'mxfp4' },
    });
    if (result.ok) expect(kvBytesPerToken(result.architecture, 2)).toBe(36 * 1024);
  });

  it('ignores a Qwen2 sliding window that is switched off, and reads Mixtral experts', () => {
    const qwen = { model_type: 'qwen2', hidden_size: 3584, intermediate_size: 18944, max_position_embeddings: 32768, num_attention_heads: 28, num_hidden_layers: 28, num_key_value_heads: 4, sliding_window: 131072, use_sliding_window: false, max_window_layers: 28, vocab_size: 152064, torch_dtype: 'bfloat16' };
    expect(parseHfConfig(qwen)).toMatchObject({ ok: true, architecture: { kvHeads: 4, slidingWindow: null } });
    const qwenWindowOn = { ...qwen, max_position_embeddings: 131072, sliding_window: 4096, use_sliding_window: true, max_window_layers: 21 };
    expect(parseHfConfig(qwenWindowOn)).toMatchObject({ ok: true, architecture: { slidingWindow: { window: 4096, layers: 7 } } });
    const mixtral = { model_type: 'mixtral', hidden_size: 4096, intermediate_size: 14336, max_position_embeddings: 32768, num_attention_heads: 32, num_hidden_layers: 32, num_key_value_heads: 8, num_local_experts: 8, num_experts_per_tok: 2, sliding_window: null, vocab_size: 32000 };
    expect(parseHfConfig(mixtral)).toMatchObject({ ok: true, architecture: { moe: { experts: 8, expertsPerToken: 2 } } });
    // Mistral 7B v0.1: every layer slides over 4096 tokens.
    expect(parseHfConfig({ ...mixtral, model_type: 'mistral', num_local_experts: undefined, sliding_window: 4096 })).toMatchObject({ ok: true, architecture: { slidingWindow: { window: 4096, layers: 32 }, moe: null } });
  });

  it('names every missing or malformed field', () => {
    expect(parseHfConfig('not json')).toEqual({ ok: false, errors: ['config.json is not a JSON object'] });
    expect(parseHfConfig([1, 2])).toMatchObject({ ok: false });
    const result = parseHfConfig({ model_type: 'llama', hidden_size: 4096, num_attention_heads: 32 });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.errors).toContain('config.json has no num_hidden_layers (number of layers)');
      expect(result.errors).toContain('config.json has no max_position_embeddings (maximum context length)');
    }
    const nested = parseHfConfig({ model_type: 'llava', text_config: { hidden_size: 4096 } });
    if (nested.ok) throw new Error('expected errors');
    expect(nested.errors).toContain('config.json has no text_config.num_attention_heads (attention heads)');
    const odd = parseHfConfig({ ...llama31_8b, hidden_size: 4100 });
    if (odd.ok) throw new Error('expected errors');
    expect(odd.errors[0]).toMatch(/no head_dim and hidden_size 4100 is not divisible by num_attention_heads 32/);
    const bad = parseHfConfig({ ...llama31_8b, num_hidden_layers: '32' });
    if (bad.ok) throw new Error('expected errors');
    expect(bad.errors).toEqual(['config.json num_hidden_layers (number of layers) must be a positive integer, got "32"']);
  });

  it('plans a local model directory from its config and measured weight size', () => {
    const config = parseHfConfig(llama31_8b);
    if (!config.ok) throw new Error(config.errors.join('; '));
    const local = modelSpecFromHfConfig(config, { id: 'local-llama', name: 'My Llama 3.1 8B', weightFileBytes: 16_060_522_496 });
    expect(local.precisions.map((p) => p.id)).toEqual(['checkpoint', 'fp8']);
    const plan = planFit({ model: local, contextLength: 131072, gpus: [a100_40(0)] });
    expect(plan).toMatchObject({ fits: true, tensorParallelSize: 1 });
    expect(plan.vllmArgs).toEqual(['--tensor-parallel-size', '1', '--max-model-len', '131072', '--gpu-memory-utilization', '0.9', '--max-num-seqs', '16']);

    // A float32 checkpoint loads as 16-bit under vLLM's dtype "auto": half the file size on the GPU.
    const fp32 = parseHfConfig({ ...llama31_8b, torch_dtype: 'float32' });
    if (!fp32.ok) throw new Error('expected ok');
    expect(modelSpecFromHfConfig(fp32, { id: 'x', name: 'x', weightFileBytes: 32e9 }).precisions[0]?.weightBytes).toBe(16e9);
  });
});

describe('--max-num-seqs default', () => {
  it('never caps vLLM at the requested full-length count: at least 16 (GitLab recipe), more when asked', () => {
    if (!parsed.ok) throw new Error('catalog invalid');
    const model = modelSpecFromCatalog(parsed.catalog.models.find((m) => m.id === 'mistral-7b-instruct-v0.3')!)!;
    const gpus = [{ index: 0, name: 'H100', memoryTotalMiB: 81559, memoryFreeMiB: 81000 }];
    const seqs = (plan: ReturnType<typeof planFit>) => plan.vllmArgs![plan.vllmArgs!.indexOf('--max-num-seqs') + 1];
    expect(seqs(planFit({ model, gpus, contextLength: 8192 }))).toBe('16');
    expect(seqs(planFit({ model, gpus, contextLength: 8192, concurrency: 24 }))).toBe('24');
    expect(seqs(planFit({ model, gpus, contextLength: 8192, maxNumSeqs: 4 }))).toBe('4');
  });
});

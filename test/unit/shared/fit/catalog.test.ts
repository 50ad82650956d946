import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Architecture, type Catalog, featuresForFamily, parseCatalog } from '../../../../electron/shared/fit/catalog-schema';
import { kvBytesPerToken } from '../../../../electron/shared/fit/kv-cache';
import { modelSpecFromCatalog, precisionWeightBytes } from '../../../../electron/shared/fit/model-spec';

const catalogPath = new URL('../../../../resources/catalog/models.json', import.meta.url);
const raw: unknown = JSON.parse(readFileSync(catalogPath, 'utf8'));

function loadCatalog(): Catalog {
  const result = parseCatalog(raw);
  if (!result.ok) throw new Error(`catalog does not validate:\n${result.issues.join('\n')}`);
  return result.catalog;
}
const catalog = loadCatalog();
const model = (id: string) => {
  const found = catalog.models.find((m) => m.id === id);
  if (!found) throw new Error(`no model ${id} in the catalog`);
  return found;
};
const arch = (id: string): Architecture => {
  const a = model(id).architecture;
  if (!a) throw new Error(`${id} has no architecture`);
  return a;
};

/**
 * Parameter count implied by the architecture: embeddings, attention projections (q/k/v/o),
 * gated MLP (gate, up, down) per expert, norms. Biases and routers are ignored, so expect ±3 %.
 */
function parametersFromArchitecture(a: Architecture): number {
  const h = a.hiddenSize;
  const embedding = (a.vocabSize ?? 0) * h * (a.tieWordEmbeddings ? 1 : 2);
  const attention = 2 * h * a.attentionHeads * a.headDim + 2 * h * a.kvHeads * a.headDim;
  const mlp = 3 * h * (a.intermediateSize ?? 0) * (a.moe?.experts ?? 1);
  return embedding + a.layers * (attention + mlp + 2 * h) + h;
}

describe('model catalog file', () => {
  it('validates against the schema', () => {
    expect(parseCatalog(raw)).toMatchObject({ ok: true });
  });

  it('has every model GitLab names for self-hosting, plus the API-only families', () => {
    const ids = catalog.models.map((m) => m.id);
    for (const id of [
      'mistral-7b-instruct-v0.3',
      'mixtral-8x7b-instruct-v0.1',
      'mixtral-8x22b-instruct-v0.1',
      'codestral-22b-v0.1',
      'mistral-small-3.2-24b-instruct-2506',
      'llama-3-8b-instruct',
      'llama-3-70b-instruct',
      'llama-3.1-8b-instruct',
      'llama-3.1-70b-instruct',
      'llama-3.3-70b-instruct',
      'codegemma-7b-it',
      'codegemma-2b',
      'codellama-13b-instruct',
      'deepseek-coder-33b-instruct',
      'qwen2.5-coder-7b-instruct',
      'qwen2.5-coder-32b-instruct',
      'gpt-oss-20b',
      'gpt-oss-120b',
      'claude-4.5-sonnet',
      'gpt-4o',
    ]) {
      expect(ids).toContain(id);
    }
  });

  it('gives every model a GitLab source, and sources for every numeric field it has', () => {
    for (const m of catalog.models) {
      expect(m.sources.gitlab, m.id).toMatch(/\S/);
      if (m.architecture) expect(m.sources.architecture, m.id).toMatch(/config\.json/);
      if (m.parameters) expect(m.sources.parameters, m.id).toMatch(/\S/);
      if (m.precisions.some((p) => p.weightBytes !== null)) expect(m.sources.weights, m.id).toMatch(/\S/);
      for (const p of m.precisions) expect(p.source, `${m.id}/${p.id}`).toMatch(/\S/);
    }
  });

  it('rejects a model whose numbers have no source, naming the path', () => {
    const broken = structuredClone(raw) as { models: { id: string; sources: Record<string, string> }[] };
    const codestral = broken.models.find((m) => m.id === 'codestral-22b-v0.1');
    if (!codestral) throw new Error('fixture lost codestral');
    delete codestral.sources.architecture;
    const result = parseCatalog(broken);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues.join('\n')).toMatch(/models\.\d+\.sources: architecture numbers need sources\.architecture/);
  });

  it('flags API-only models as not locally servable, and the planner skips them', () => {
    for (const id of ['claude-4.5-sonnet', 'claude-3.5-sonnet', 'gpt-4o', 'gpt-5', 'gemini-3.1-pro']) {
      expect(model(id).servable).toBe('api');
      expect(model(id).architecture).toBeNull();
      expect(modelSpecFromCatalog(model(id))).toBeNull();
    }
    expect(model('claude-4.5-sonnet').providers).toContain('bedrock');
  });

  it('keeps architecture numbers consistent with the published parameter counts (±3 %)', () => {
    for (const m of catalog.models) {
      if (!m.architecture || !m.parameters) continue;
      const estimate = parametersFromArchitecture(m.architecture);
      expect(Math.abs(estimate - m.parameters.total) / m.parameters.total, m.id).toBeLessThan(0.03);
      // Grouped-query attention: each KV head serves a whole number of query heads.
      expect(m.architecture.attentionHeads % m.architecture.kvHeads, m.id).toBe(0);
    }
  });

  it('records the published architecture of the models the planner is tested on', () => {
    expect(arch('llama-3.1-70b-instruct')).toMatchObject({ layers: 80, attentionHeads: 64, kvHeads: 8, headDim: 128, hiddenSize: 8192, maxContext: 131072 });
    expect(arch('mixtral-8x22b-instruct-v0.1')).toMatchObject({ layers: 56, attentionHeads: 48, kvHeads: 8, headDim: 128, maxContext: 65536, moe: { experts: 8, expertsPerToken: 2 } });
    expect(model('mixtral-8x22b-instruct-v0.1').parameters?.total).toBeGreaterThan(140e9);
    expect(model('mixtral-8x22b-instruct-v0.1').parameters?.active).toBeLessThan(40e9);
    expect(arch('codestral-22b-v0.1')).toMatchObject({ layers: 56, attentionHeads: 48, kvHeads: 8, headDim: 128, maxContext: 32768 });
    expect(arch('gpt-oss-120b')).toMatchObject({ layers: 36, attentionHeads: 64, kvHeads: 8, headDim: 64, slidingWindow: { window: 128, layers: 18 }, moe: { experts: 128, expertsPerToken: 4 } });
    expect(model('gpt-oss-120b').parameters?.total).toBeCloseTo(117e9, -9);
    // Gemma's head size is not hidden/heads: 16 × 256 = 4096 ≠ 3072.
    expect(arch('codegemma-7b-it')).toMatchObject({ attentionHeads: 16, headDim: 256, hiddenSize: 3072 });
  });

  it('models GPT-OSS-120B so its KV cache is the ≈ 36 KB per token GitLab publishes', () => {
    // Only the 18 full-attention layers grow with context: 18 × 2 × 8 KV heads × 64 × 2 B.
    expect(kvBytesPerToken(arch('gpt-oss-120b'), 2)).toBe(36_864);
  });

  it('resolves weight sizes: published where known, bits per weight otherwise', () => {
    const oss = model('gpt-oss-120b');
    const mxfp4 = oss.precisions.find((p) => p.id === 'mxfp4');
    if (!mxfp4 || !oss.architecture || !oss.parameters) throw new Error('gpt-oss-120b lost its mxfp4 precision');
    // GitLab: ≈ 61 GB; OpenAI's model card: 60.8 GiB.
    expect(precisionWeightBytes(mxfp4, oss.architecture, oss.parameters.total) / 1024 ** 3).toBeCloseTo(60.8, 1);

    const llama = modelSpecFromCatalog(model('llama-3.1-70b-instruct'));
    const bytes = Object.fromEntries(llama?.precisions.map((p) => [p.id, p.weightBytes / 1e9]) ?? []);
    expect(bytes.bf16).toBeCloseTo(141.1, 1); // 70.55B × 2 B
    // FP8 and AWQ quantise the linear layers; 2.1B embedding + LM-head parameters stay 16-bit.
    expect(bytes.fp8).toBeGreaterThan(72);
    expect(bytes.fp8).toBeLessThan(73.5);
    expect(bytes['awq-int4']).toBeGreaterThan(39);
    expect(bytes['awq-int4']).toBeLessThan(41);
    expect(llama?.precisions.find((p) => p.id === 'fp8')?.vllmQuantization).toBe('fp8');
  });

  it('gives every local model with an architecture a default precision the planner can use', () => {
    for (const m of catalog.models) {
      if (m.servable !== 'local' || !m.architecture) continue;
      const spec = modelSpecFromCatalog(m);
      expect(spec?.precisions.map((p) => p.id), m.id).toContain(m.defaultPrecision);
    }
  });

  it('carries GitLab’s family identifiers and release states (Rails MODELS_RELEASE_STATE)', () => {
    const state = Object.fromEntries(catalog.families.map((f) => [f.id, f.releaseState]));
    for (const id of ['mistral', 'codestral', 'claude_3', 'gpt', 'mixtral']) expect(state[id], id).toBe('ga');
    for (const id of ['llama3', 'codegemma', 'codellama', 'deepseekcoder', 'gemini', 'general', 'embedding', 'qwen']) expect(state[id], id).toBe('beta');
    expect(catalog.families.find((f) => f.id === 'mixtral')?.maxContextTokens).toBe(32768);
  });

  it('maps features to families as GitLab’s feature metadata does', () => {
    expect(featuresForFamily(catalog, 'codegemma').map((f) => f.id)).toEqual(['code_generations', 'code_completions']);
    expect(featuresForFamily(catalog, 'codestral').map((f) => f.id)).toContain('duo_chat');
    expect(featuresForFamily(catalog, 'codestral').map((f) => f.id)).not.toContain('review_merge_request');
    expect(featuresForFamily(catalog, 'mistral').map((f) => f.id)).toContain('duo_agent_platform');
  });

  it('records how well each model serves GitLab features', () => {
    expect(model('codestral-22b-v0.1').gitlab).toMatchObject({ releaseState: 'ga', codeCompletion: 'full', chat: 'partial', agentPlatform: 'limited' });
    expect(model('gpt-oss-120b').gitlab).toMatchObject({ codeCompletion: 'full', chat: 'full', agentPlatform: 'limited' });
    expect(model('gpt-oss-20b').gitlab.releaseState).toBe('experimental');
    expect(model('deepseek-coder-33b-instruct').gitlab.releaseState).toBe('beta');
  });
});

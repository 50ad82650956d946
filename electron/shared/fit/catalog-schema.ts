/**
 * Schema of `resources/catalog/models.json`: GitLab Duo Self-Hosted's model families, the features
 * each family may serve, and per model the architecture numbers the fit planner needs.
 *
 * The core loads the file at start and validates it with `parseCatalog`; a catalog that does not
 * validate is a packaging bug, so the issues are returned verbatim for the log.
 */
import { z } from '../zod';

/** GitLab's family identifiers (`Ai::SelfHostedModel` enum; gitlab-ai-gateway.md §2.3). */
export const gitlabFamilyIds = [
  'mistral',
  'llama3',
  'codegemma',
  'codestral',
  'codellama',
  'deepseekcoder',
  'claude_3',
  'gpt',
  'mixtral',
  'general',
  'gemini',
  'embedding',
  'qwen',
] as const;

/** One GitLab model family identifier, as sent in `model_metadata.name`. */
export type GitlabFamilyId = (typeof gitlabFamilyIds)[number];

/** Release state as GitLab words it: GA, beta, experimental. */
export const releaseStateSchema = z.enum(['ga', 'beta', 'experimental']);

/** How well a model serves a feature group in GitLab's docs ("Full", "Partial", "Limited functionality"). */
export const supportLevelSchema = z.enum(['full', 'partial', 'limited', 'not-rated']);

/** Where a model can run: on this host's GPUs, or only through a provider's API. */
export const servableSchema = z.enum(['local', 'api']);

const positiveInt = z.number().int().positive();
const nonEmpty = z.string().min(1);

/** A GitLab Duo feature and the families it accepts (feature_metadata.yml; gitlab-ai-gateway.md §6.1). */
export const featureSchema = z.strictObject({
  id: nonEmpty,
  title: nonEmpty,
  group: nonEmpty,
  state: z.enum(['ga', 'beta', 'experiment']).nullable(),
  since: z.string().nullable(),
  families: z.array(z.enum(gitlabFamilyIds)).min(1),
});

/** A GitLab model family. */
export const familySchema = z.strictObject({
  id: z.enum(gitlabFamilyIds),
  name: nonEmpty,
  /** Rails `MODELS_RELEASE_STATE`: beta families need the admin to accept the testing terms. */
  releaseState: z.enum(['ga', 'beta']),
  /** GitLab gateway's `max_context_tokens` default for the family (models.yml); null when not given. */
  maxContextTokens: positiveInt.nullable(),
  servable: z.array(servableSchema).min(1),
  sources: z.record(z.string(), nonEmpty),
});

/** The numbers from a model's Hugging Face `config.json` that decide memory and tensor parallelism. */
export const architectureSchema = z.strictObject({
  /** `model_type` of the config (text config for multimodal checkpoints). */
  modelType: nonEmpty,
  layers: positiveInt,
  attentionHeads: positiveInt,
  kvHeads: positiveInt,
  headDim: positiveInt,
  hiddenSize: positiveInt,
  /** Dense MLP width, or the per-expert width for MoE models; vLLM splits it across TP ranks. */
  intermediateSize: positiveInt.nullable(),
  vocabSize: positiveInt.nullable(),
  tieWordEmbeddings: z.boolean(),
  /** `max_position_embeddings`: the largest `--max-model-len` vLLM accepts without an override. */
  maxContext: positiveInt,
  /** Sliding-window attention: the window in tokens and how many of `layers` use it; null when none. */
  slidingWindow: z.strictObject({ window: positiveInt, layers: positiveInt }).nullable(),
  /** Mixture of experts; memory needs all experts, compute only the active ones. */
  moe: z.strictObject({ experts: positiveInt, expertsPerToken: positiveInt }).nullable(),
});

/** How a precision's weights are stored and what vLLM needs to be told. */
export const precisionSchema = z.strictObject({
  id: nonEmpty,
  label: nonEmpty,
  method: z.enum(['bf16', 'fp16', 'fp32', 'fp8', 'awq', 'gptq', 'mxfp4']),
  /**
   * Bits per weight of the quantised (linear / expert) layers, scales included. Embeddings and
   * the LM head stay 16-bit in every scheme listed here; the planner adds them separately.
   */
  bitsPerWeight: z.number().positive().max(32),
  /** Published size of the checkpoint in bytes, when known; wins over the bits-per-weight estimate. */
  weightBytes: positiveInt.nullable(),
  /** original: the publisher's weights; pre-quantized: a separate checkpoint; online: vLLM quantises at load. */
  checkpoint: z.enum(['original', 'pre-quantized', 'online']),
  /** `--quantization` value vLLM needs; null when it reads the method from the checkpoint's config. */
  vllmQuantization: z.string().nullable(),
  exampleRepo: z.string().nullable(),
  source: nonEmpty,
});

/** How well one model serves GitLab's feature groups (gitlab-ai-gateway.md §7). */
export const gitlabSupportSchema = z.strictObject({
  releaseState: releaseStateSchema,
  codeCompletion: supportLevelSchema,
  codeGeneration: supportLevelSchema,
  chat: supportLevelSchema,
  agentPlatform: supportLevelSchema,
  note: z.string().nullable(),
});

/** Keys of `sources` every model needs, plus the ones its numeric fields require. */
const modelSourcesSchema = z
  .strictObject({
    gitlab: nonEmpty,
    architecture: nonEmpty.optional(),
    parameters: nonEmpty.optional(),
    weights: nonEmpty.optional(),
  })
  .catchall(nonEmpty);

/** One model: identity, GitLab status, and (for local models) what the planner needs. */
export const modelSchema = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, 'lower-case id with digits, dots and dashes'),
    name: nonEmpty,
    family: z.enum(gitlabFamilyIds),
    servable: servableSchema,
    /** Hugging Face repository of the original weights; null for API-only models. */
    hfRepo: z.string().nullable(),
    /** API providers that serve it (Bedrock, Azure…); empty for local-only models. */
    providers: z.array(nonEmpty),
    gitlab: gitlabSupportSchema,
    parameters: z.strictObject({ total: positiveInt, active: positiveInt.nullable() }).nullable(),
    /** Null for models whose config Airlock has not verified; plan them from the model directory. */
    architecture: architectureSchema.nullable(),
    defaultPrecision: z.string().nullable(),
    precisions: z.array(precisionSchema),
    sources: modelSourcesSchema,
  })
  .superRefine((model, ctx) => {
    const issue = (message: string, path: (string | number)[]) => ctx.addIssue({ code: 'custom', message, path });
    if (model.architecture && !model.sources.architecture) issue('architecture numbers need sources.architecture', ['sources']);
    if (model.parameters && !model.sources.parameters) issue('parameter counts need sources.parameters', ['sources']);
    if (model.precisions.some((p) => p.weightBytes !== null) && !model.sources.weights) issue('weight sizes need sources.weights', ['sources']);
    if (model.servable === 'api' && (model.architecture || model.precisions.length > 0)) {
      issue('an API-only model has no architecture or precisions', ['servable']);
    }
    if (model.servable === 'local' && model.architecture) {
      if (!model.parameters) issue('a local model with an architecture needs parameter counts', ['parameters']);
      if (model.defaultPrecision === null || !model.precisions.some((p) => p.id === model.defaultPrecision)) {
        issue('defaultPrecision must name one of precisions', ['defaultPrecision']);
      }
    }
    const ids = model.precisions.map((p) => p.id);
    if (new Set(ids).size !== ids.length) issue('precision ids must be unique', ['precisions']);
    const { architecture: arch, parameters } = model;
    if (arch && arch.kvHeads > arch.attentionHeads) issue('kvHeads cannot exceed attentionHeads', ['architecture', 'kvHeads']);
    if (arch?.slidingWindow && arch.slidingWindow.layers > arch.layers) issue('sliding-window layers exceed layers', ['architecture', 'slidingWindow']);
    if (parameters?.active && parameters.active > parameters.total) issue('active parameters exceed total', ['parameters', 'active']);
  });

/** The whole catalog file. */
export const catalogSchema = z
  .strictObject({
    schemaVersion: z.literal(1),
    /** Date the numbers were last checked against their sources (YYYY-MM-DD). */
    checked: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    features: z.array(featureSchema),
    families: z.array(familySchema),
    models: z.array(modelSchema),
  })
  .superRefine((catalog, ctx) => {
    const familyIds = new Set(catalog.families.map((f) => f.id));
    const modelIds = new Set<string>();
    catalog.models.forEach((model, i) => {
      if (!familyIds.has(model.family)) ctx.addIssue({ code: 'custom', message: `unknown family "${model.family}"`, path: ['models', i, 'family'] });
      if (modelIds.has(model.id)) ctx.addIssue({ code: 'custom', message: `duplicate model id "${model.id}"`, path: ['models', i, 'id'] });
      modelIds.add(model.id);
    });
  });

/** Parsed catalog file. */
export type Catalog = z.infer<typeof catalogSchema>;
/** A GitLab Duo feature entry. */
export type CatalogFeature = z.infer<typeof featureSchema>;
/** A model family entry. */
export type CatalogFamily = z.infer<typeof familySchema>;
/** A model entry. */
export type CatalogModel = z.infer<typeof modelSchema>;
/** Architecture numbers of a model. */
export type Architecture = z.infer<typeof architectureSchema>;
/** One way to store a model's weights. */
export type Precision = z.infer<typeof precisionSchema>;
/** GitLab's release state. */
export type ReleaseState = z.infer<typeof releaseStateSchema>;
/** GitLab's support rating. */
export type SupportLevel = z.infer<typeof supportLevelSchema>;

/** Result of validating a catalog file. */
export type CatalogParseResult = { ok: true; catalog: Catalog } | { ok: false; issues: string[] };

/** Validates a parsed `models.json`; issues read `path: message`. */
export function parseCatalog(json: unknown): CatalogParseResult {
  const result = catalogSchema.safeParse(json);
  if (result.success) return { ok: true, catalog: result.data };
  return { ok: false, issues: result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`) };
}

/** The GitLab features that accept a family, in catalog order. */
export function featuresForFamily(catalog: Catalog, family: GitlabFamilyId): CatalogFeature[] {
  return catalog.features.filter((f) => f.families.includes(family));
}

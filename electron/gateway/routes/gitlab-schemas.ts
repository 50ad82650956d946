/**
 * The request bodies GitLab sends (gitlab-ai-gateway.md §2.3–§2.9), as zod schemas. Unknown fields
 * are allowed and ignored: GitLab adds fields release by release, and a gateway that refused them
 * would break on the next GitLab upgrade. Lengths follow GitLab's gateway limits where documented.
 */
import { z } from '../../shared/zod';
import { GatewayHttpError } from '../http-error';
import type { RequestedModel } from '../routing/resolve-route';

const MAX_CONTENT = 100_000;
const text = (max: number) => z.string().max(max);
const optionalText = (max: number) => z.string().max(max).nullish();

/** Shape B: `model_metadata` (§2.3). Any provider string is accepted. */
export const modelMetadataSchema = z.looseObject({
  provider: optionalText(255),
  name: optionalText(255),
  endpoint: optionalText(255),
  api_key: optionalText(2000),
  identifier: optionalText(1000),
});

/** Shape A: the flat fields of /v2/code/completions (§2.3). */
const flatModelFields = {
  model_provider: optionalText(255),
  model_name: optionalText(255),
  model_endpoint: optionalText(255),
  model_api_key: optionalText(2000),
  model_identifier: optionalText(1000),
};

const currentFileSchema = z.looseObject({
  file_name: text(255),
  content_above_cursor: text(MAX_CONTENT),
  content_below_cursor: text(MAX_CONTENT).nullish(),
  language_identifier: optionalText(255),
});

const contextItemSchema = z.looseObject({ type: text(255), name: text(255), content: text(MAX_CONTENT) });

/** POST /v2/code/completions and /v2/completions (§2.4). */
export const codeCompletionsSchema = z.looseObject({
  current_file: currentFileSchema,
  project_path: optionalText(255),
  project_id: z.union([z.number(), z.string().max(100)]).nullish(),
  stream: z.boolean().nullish(),
  choices_count: z.number().int().min(0).max(4).nullish(),
  context: z.array(contextItemSchema).max(100).nullish(),
  prompt_version: z.union([z.number(), z.string().max(20)]).nullish(),
  ...flatModelFields,
});

const CODE_INPUT = 50_000;
const codePayloadSchema = z.looseObject({
  file_name: text(255),
  content_above_cursor: text(CODE_INPUT),
  content_below_cursor: text(CODE_INPUT).nullish(),
  language_identifier: optionalText(255),
  stream: z.boolean().nullish(),
  choices_count: z.number().int().min(0).max(4).nullish(),
  prompt_enhancer: z
    .looseObject({
      examples_array: z.array(z.unknown()).max(100).nullish(),
      trimmed_content_above_cursor: text(CODE_INPUT).nullish(),
      trimmed_content_below_cursor: text(CODE_INPUT).nullish(),
      related_files: z.array(z.unknown()).max(100).nullish(),
      related_snippets: z.array(z.unknown()).max(100).nullish(),
      libraries: z.array(z.unknown()).max(500).nullish(),
      user_instruction: text(CODE_INPUT).nullish(),
    })
    .nullish(),
});

/** POST /v4/code/suggestions and /v3/code/completions (§2.5). */
export const codeSuggestionsSchema = z.looseObject({
  prompt_components: z
    .array(z.looseObject({ type: z.enum(['code_editor_completion', 'code_editor_generation', 'code_context']).or(z.string().max(100)), payload: z.unknown() }))
    .min(1)
    .max(100),
  model_metadata: modelMetadataSchema.nullish(),
  stream: z.boolean().nullish(),
});
export const codePayload = codePayloadSchema;

const chatFileSchema = z.looseObject({ file_path: text(1000), data: text(MAX_CONTENT).nullish(), selected_code: z.boolean().nullish() });
const additionalContextSchema = z.looseObject({
  category: text(100),
  id: optionalText(1000),
  content: text(400_000).nullish(),
  metadata: z.record(z.string(), z.unknown()).nullish(),
});
const scratchpadStepSchema = z.looseObject({
  action: z.looseObject({ thought: optionalText(MAX_CONTENT), tool: optionalText(255), tool_input: optionalText(MAX_CONTENT) }).nullish(),
  observation: optionalText(400_000),
});

/** POST /v2/chat/agent (§2.6): newest Rails sends `messages`, older Rails `prompt` + `options`. */
export const chatAgentSchema = z.looseObject({
  messages: z
    .array(
      z.looseObject({
        role: z.enum(['user', 'assistant', 'system']),
        content: text(400_000).nullish(),
        context: z.looseObject({ type: optionalText(100), content: text(400_000).nullish() }).nullish(),
        current_file: chatFileSchema.nullish(),
        additional_context: z.array(additionalContextSchema).max(100).nullish(),
        agent_scratchpad: z.array(scratchpadStepSchema).max(50).nullish(),
      }),
    )
    .max(500)
    .nullish(),
  prompt: text(400_000).nullish(),
  options: z
    .looseObject({
      chat_history: z.union([z.array(z.unknown()).max(500), z.string().max(400_000)]).nullish(),
      context: z.unknown(),
      current_file: chatFileSchema.nullish(),
      additional_context: z.array(additionalContextSchema).max(100).nullish(),
    })
    .nullish(),
  model_metadata: modelMetadataSchema.nullish(),
  unavailable_resources: z.array(text(200)).max(50).nullish(),
});

/** POST /v1/chat/{invokable} (§2.7). */
export const legacyChatSchema = z.looseObject({
  prompt_components: z
    .array(
      z.looseObject({
        type: text(100),
        metadata: z.looseObject({ source: optionalText(255), version: optionalText(50) }).nullish(),
        payload: z.looseObject({
          content: z.union([text(400_000), z.array(z.looseObject({ role: text(20), content: text(400_000) })).max(500)]),
          provider: optionalText(255),
          model: optionalText(255),
          params: z.record(z.string(), z.unknown()).nullish(),
          model_endpoint: optionalText(255),
          model_api_key: optionalText(2000),
          model_identifier: optionalText(1000),
        }),
      }),
    )
    .min(1)
    .max(10),
  stream: z.boolean().nullish(),
});

/** POST /v1/prompts/{id} and /v2/prompts/{id} (§2.8). */
export const promptInvokeSchema = z.looseObject({
  inputs: z.record(z.string().max(200), z.unknown()).default({}),
  prompt_version: z.string().max(50).nullish(),
  stream: z.boolean().nullish(),
  model_metadata: modelMetadataSchema.nullish(),
});

/** Parses `body` or answers 422 with the fields at fault, as FastAPI does (§2.11). */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issues = result.error.issues.slice(0, 10).map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(body)'}: ${issue.message}`);
  throw new GatewayHttpError(422, `Invalid request body: ${issues.join('; ')}`);
}

/** The model details of a Shape B body; null when it carries none. */
export function fromModelMetadata(metadata: z.output<typeof modelMetadataSchema> | null | undefined): RequestedModel | null {
  if (!metadata) return null;
  return {
    provider: metadata.provider ?? null,
    family: metadata.name ?? null,
    endpoint: metadata.endpoint ?? null,
    apiKey: metadata.api_key ?? null,
    identifier: metadata.identifier ?? null,
  };
}

/** The model details of a Shape A body. */
export function fromFlatFields(body: { model_provider?: string | null; model_name?: string | null; model_endpoint?: string | null; model_api_key?: string | null; model_identifier?: string | null }): RequestedModel {
  return {
    provider: body.model_provider ?? null,
    family: body.model_name ?? null,
    endpoint: body.model_endpoint ?? null,
    apiKey: body.model_api_key ?? null,
    identifier: body.model_identifier ?? null,
  };
}

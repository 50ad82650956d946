/**
 * Code Suggestions (gitlab-ai-gateway.md §2.4, §2.5): completion through /v2/code/completions
 * (Rails) and /v2/completions (IDE direct access); completion or generation through
 * /v4/code/suggestions (SSE) and /v3/code/completions (plain text stream).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { featureUnitPrimitives } from '../../shared/gateway/scopes';
import type { RouteAuth } from '../app';
import { GatewayHttpError } from '../http-error';
import { buildCodeCompletion, cleanCompletion, type CodeCompletionInput } from '../prompts/code-completion';
import { buildCodeGeneration, createFenceStripper, extractCode } from '../prompts/code-generation';
import { languageTag } from '../prompts/language';
import { codeCompletionsSchema, codePayload, codeSuggestionsSchema, fromFlatFields, fromModelMetadata, parseBody } from './gitlab-schemas';
import type { RouteContext, StreamFormat } from './route-context';

const COMPLETION_SCOPES = featureUnitPrimitives.code_completions!;
const GENERATION_SCOPES = featureUnitPrimitives.code_generations!;

const completionAuth: RouteAuth = { scopes: () => COMPLETION_SCOPES, feature: () => 'code_completions' };
// v3/v4 carry completion or generation: which one is known only from the body, checked again there.
const suggestionAuth: RouteAuth = { scopes: () => [...COMPLETION_SCOPES, ...GENERATION_SCOPES], feature: () => null };

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** The language reported back (`model.lang`): the editor's identifier, else the one the extension names. */
const languageOf = (fileName: string, identifier: string | null | undefined): string => languageTag(fileName, identifier ?? null);

/** The completion prompt's input from GitLab's file fields (the same in Shape A's current_file and a v3/v4 payload). */
function completionInput(
  family: string,
  file: { file_name: string; language_identifier?: string | null | undefined; content_above_cursor: string; content_below_cursor?: string | null | undefined },
): CodeCompletionInput {
  return { family, fileName: file.file_name, language: file.language_identifier ?? null, prefix: file.content_above_cursor, suffix: file.content_below_cursor ?? '' };
}

/** Text passed through as it comes: the /v2 and /v3 raw streams. */
const rawText = (contentType: string): StreamFormat => ({ contentType, delta: (text) => text });

/** /v4's SSE frames: stream_start, content_chunk…, stream_end (§2.10). */
function sseSuggestions(metadata: Record<string, unknown>): StreamFormat {
  const frame = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
  return {
    contentType: 'text/event-stream',
    headers: { 'x-streaming-format': 'sse' },
    start: () => frame('stream_start', { metadata }),
    delta: (text) => frame('content_chunk', { choices: [{ delta: { content: text }, index: 0 }] }),
    end: () => frame('stream_end', null),
    error: (detail) => frame('error', { detail }),
  };
}

export function registerCodeRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const completions = async (request: FastifyRequest, reply: FastifyReply) => {
    const body = parseBody(codeCompletionsSchema, request.body);
    const routed = ctx.route(request, fromFlatFields(body));
    const file = body.current_file;
    const input = completionInput(routed.family, file);
    const call = buildCodeCompletion(input);
    const isStream = body.stream === true;
    const response = await ctx.callModel(request, routed, call, isStream);
    if (isStream) {
      // Chat-shaped completions may come fenced; FIM completions are code already.
      return ctx.streamText(request, reply, response, { ...rawText('text/event-stream'), ...(call.kind === 'chat' ? { transform: createFenceStripper() } : {}) });
    }
    const { text, finishReason } = await ctx.collectText(request, response);
    return reply.send({
      id: request.id,
      model: { engine: body.model_provider ?? 'litellm', name: routed.target.model, lang: languageOf(file.file_name, file.language_identifier) },
      experiments: [],
      object: 'text_completion',
      created: nowSeconds(),
      choices: [{ text: cleanCompletion(text, input), index: 0, finish_reason: finishReason ?? 'length' }],
      metadata: { enabled_feature_flags: [] },
    });
  };
  app.post('/v2/code/completions', { config: { auth: completionAuth } }, completions);
  app.post('/v2/completions', { config: { auth: completionAuth } }, completions);

  const suggestions = (format: 'sse' | 'text') => async (request: FastifyRequest, reply: FastifyReply) => {
    const body = parseBody(codeSuggestionsSchema, request.body);
    const component = body.prompt_components.find((c) => c.type === 'code_editor_generation' || c.type === 'code_editor_completion');
    if (!component) throw new GatewayHttpError(422, 'Invalid request body: prompt_components needs a code_editor_completion or code_editor_generation component.');
    const payload = parseBody(codePayload, component.payload);
    const isGeneration = component.type === 'code_editor_generation';
    request.trace.feature = isGeneration ? 'code_generations' : 'code_completions';
    ctx.requireScope(request, isGeneration ? GENERATION_SCOPES : COMPLETION_SCOPES, isGeneration ? 'code generation' : 'code completion');
    const routed = ctx.route(request, fromModelMetadata(body.model_metadata));
    const language = languageOf(payload.file_name, payload.language_identifier);
    const enhancer = payload.prompt_enhancer;
    const forCompletion = completionInput(routed.family, payload);
    const call = isGeneration
      ? buildCodeGeneration({
          family: routed.family,
          fileName: payload.file_name,
          language: payload.language_identifier ?? null,
          above: enhancer?.trimmed_content_above_cursor ?? payload.content_above_cursor,
          below: enhancer?.trimmed_content_below_cursor ?? payload.content_below_cursor ?? '',
          instruction: enhancer?.user_instruction ?? null,
          context: contextItems(enhancer?.related_files, enhancer?.related_snippets),
          libraries: (enhancer?.libraries ?? []).map((library) => (typeof library === 'string' ? library : JSON.stringify(library))).slice(0, 100),
        })
      : buildCodeCompletion(forCompletion);
    const isStream = payload.stream ?? body.stream ?? false;
    const response = await ctx.callModel(request, routed, call, isStream);
    const metadata = { model: { engine: 'litellm', name: routed.target.model, lang: language }, timestamp: nowSeconds() };
    if (isStream) {
      const base = format === 'sse' ? sseSuggestions(metadata) : rawText('text/plain; charset=utf-8');
      return ctx.streamText(request, reply, response, { ...base, ...(call.kind === 'chat' ? { transform: createFenceStripper() } : {}) });
    }
    const { text, finishReason } = await ctx.collectText(request, response);
    const answer = isGeneration ? extractCode(text) : cleanCompletion(text, forCompletion);
    return reply.send({ choices: [{ text: answer, index: 0, finish_reason: finishReason ?? 'length' }], metadata });
  };
  app.post('/v4/code/suggestions', { config: { auth: suggestionAuth } }, suggestions('sse'));
  app.post('/v3/code/completions', { config: { auth: suggestionAuth } }, suggestions('text'));
}

/** Related files and snippets as prompt context, whatever shape GitLab sends them in. */
function contextItems(files: readonly unknown[] | null | undefined, snippets: readonly unknown[] | null | undefined): { type: string; name: string; content: string }[] {
  const items: { type: string; name: string; content: string }[] = [];
  const add = (type: string, value: unknown) => {
    if (typeof value === 'string') items.push({ type, name: '', content: value });
    else if (value && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      const name = typeof record.name === 'string' ? record.name : typeof record.file_name === 'string' ? record.file_name : '';
      const content = typeof record.content === 'string' ? record.content : JSON.stringify(value);
      items.push({ type, name, content });
    }
  };
  for (const file of files ?? []) add('file', file);
  for (const snippet of snippets ?? []) add('snippet', snippet);
  return items;
}

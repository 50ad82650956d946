/**
 * Duo Chat: `POST /v2/chat/agent` (NDJSON events, gitlab-ai-gateway.md §2.6) answers directly from
 * the conversation and its context (no tool calls), and the legacy `POST /v1/chat/{invokable}`
 * (§2.7) that GitLab's troubleshooting commands still use.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { featureUnitPrimitives, legacyChatRoutes } from '../../shared/gateway/scopes';
import type { RouteAuth } from '../app';
import { GatewayHttpError } from '../http-error';
import { type AgentMessage, buildChatAgentCall, buildLegacyChatCall } from '../prompts/chat-agent';
import { chatAgentSchema, fromModelMetadata, legacyChatSchema, parseBody } from './gitlab-schemas';
import type { RouteContext, StreamFormat } from './route-context';

/** GitLab's default when a request lists none (§2.6). */
const DEFAULT_UNAVAILABLE = ['Merge Requests, Pipelines, Vulnerabilities'];

const agentAuth: RouteAuth = { scopes: () => featureUnitPrimitives.duo_chat!, feature: () => 'duo_chat' };
const invokableOf = (request: FastifyRequest) => (request.params as { invokable?: string }).invokable ?? '';
const legacyAuth: RouteAuth = {
  scopes: (request) => legacyChatRoutes[invokableOf(request)]?.scopes ?? [],
  feature: (request) => legacyChatRoutes[invokableOf(request)]?.featureId ?? null,
};

/** NDJSON events as Rails reads them: one `{type, data}` object per line (§2.6). */
function ndjsonEvents(model: string): StreamFormat {
  const line = (type: string, data: unknown) => `${JSON.stringify({ type, data })}\n`;
  return {
    contentType: 'application/x-ndjson',
    delta: (text) => line('final_answer_delta', { text }),
    end: ({ finishReason, usage }) =>
      line('final_answer_delta', { text: '', finish_reason: finishReason ?? 'stop' }) +
      line('usage', { usage: { [model]: { input_tokens: usage?.inputTokens ?? null, output_tokens: usage?.outputTokens ?? null } } }),
    error: (message) => line('error', { message, retryable: true }),
  };
}

type AgentBody = ReturnType<typeof parseAgentBody>;
const parseAgentBody = (body: unknown) => parseBody(chatAgentSchema, body);

/** The conversation in the newest form, also when an older Rails sent `prompt` and `options` (§2.6). */
function agentMessages(body: AgentBody): AgentMessage[] {
  if (body.messages && body.messages.length > 0) return body.messages as AgentMessage[];
  if (!body.prompt) throw new GatewayHttpError(422, 'Invalid request body: send messages (or, from older GitLab, prompt).');
  const history: AgentMessage[] = [];
  const chatHistory = body.options?.chat_history;
  if (typeof chatHistory === 'string' && chatHistory.trim() !== '') history.push({ role: 'user', content: chatHistory });
  if (Array.isArray(chatHistory)) {
    for (const entry of chatHistory) {
      if (typeof entry === 'string') history.push({ role: 'user', content: entry });
      else if (entry && typeof entry === 'object') {
        const { role, content } = entry as { role?: unknown; content?: unknown };
        if (typeof content === 'string') history.push({ role: role === 'assistant' ? 'assistant' : 'user', content });
      }
    }
  }
  history.push({
    role: 'user',
    content: body.prompt,
    current_file: body.options?.current_file ?? null,
    additional_context: body.options?.additional_context ?? null,
  } as AgentMessage);
  return history;
}

export function registerChatRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.post('/v2/chat/agent', { config: { auth: agentAuth } }, async (request: FastifyRequest, reply: FastifyReply) => {
    const body = parseAgentBody(request.body);
    const routed = ctx.route(request, fromModelMetadata(body.model_metadata));
    const call = buildChatAgentCall({
      family: routed.family,
      messages: agentMessages(body),
      unavailableResources: body.unavailable_resources ?? DEFAULT_UNAVAILABLE,
    });
    const response = await ctx.callModel(request, routed, call, true);
    return ctx.streamText(request, reply, response, ndjsonEvents(routed.target.model));
  });

  app.post('/v1/chat/:invokable', { config: { auth: legacyAuth } }, async (request: FastifyRequest, reply: FastifyReply) => {
    const invokable = invokableOf(request);
    if (!legacyChatRoutes[invokable]) {
      throw new GatewayHttpError(404, `Unknown chat invokable "${invokable.slice(0, 100)}"; known: ${Object.keys(legacyChatRoutes).join(', ')}.`);
    }
    const body = parseBody(legacyChatSchema, request.body);
    const payload = body.prompt_components[0]!.payload;
    const routed = ctx.route(request, {
      provider: payload.provider ?? null,
      family: payload.model ?? null,
      endpoint: payload.model_endpoint ?? null,
      apiKey: payload.model_api_key ?? null,
      identifier: payload.model_identifier ?? null,
    });
    const call = buildLegacyChatCall({ family: routed.family, invokable, content: payload.content });
    const isStream = body.stream === true;
    const response = await ctx.callModel(request, routed, call, isStream);
    if (isStream) return ctx.streamText(request, reply, response, { contentType: 'text/event-stream', delta: (text) => text });
    const { text } = await ctx.collectText(request, response);
    return reply.send({ response: text, metadata: { provider: payload.provider ?? 'litellm', model: payload.model ?? routed.target.model, timestamp: Math.floor(Date.now() / 1000) } });
  });
}

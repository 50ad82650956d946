/**
 * The OpenAI-compatible door for IDEs and scripts (`POST /v1/chat/completions`, `/v1/completions`,
 * `GET /v1/models`), with Airlock-issued tokens carrying the `openai` scope. The `model` names a
 * deployment or a mapped feature. OpenAI-speaking servers get the body as sent (model name
 * replaced) and their answer is passed back byte for byte; Bedrock answers are rendered in
 * OpenAI's format. Errors use OpenAI's shape so clients show the message.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OPENAI_SCOPE } from '../../shared/gateway/scopes';
import { z } from '../../shared/zod';
import type { GatewayDeployment } from '../../shared/gateway/config';
import type { RouteAuth } from '../app';
import { upstreamDetail, upstreamStatus } from '../http-error';
import { splitIdentifier } from '../routing/resolve-route';
import { createSseParser } from '../upstream/sse';
import { type ChatMessage, type GenerationParams, UpstreamError, type UpstreamCall, type Usage } from '../upstream/types';
import type { RouteContext, Routed } from './route-context';

const openAiAuth: RouteAuth = { scopes: () => [OPENAI_SCOPE], feature: () => null };

const messageSchema = z.looseObject({
  role: z.enum(['system', 'user', 'assistant', 'developer', 'tool']),
  content: z.union([z.string(), z.array(z.looseObject({ type: z.string(), text: z.string().optional() })), z.null()]).optional(),
});
const chatBodySchema = z.looseObject({
  model: z.string().min(1).max(255),
  messages: z.array(messageSchema).min(1).max(1000),
  stream: z.boolean().nullish(),
  max_tokens: z.number().int().min(1).nullish(),
  max_completion_tokens: z.number().int().min(1).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(16)]).nullish(),
});
const completionBodySchema = z.looseObject({
  model: z.string().min(1).max(255),
  prompt: z.union([z.string(), z.array(z.string()).min(1).max(1)]),
  stream: z.boolean().nullish(),
  max_tokens: z.number().int().min(1).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(16)]).nullish(),
});

/** OpenAI's error body (https://platform.openai.com/docs/guides/error-codes). */
function openAiError(reply: FastifyReply, status: number, message: string, code: string | null = null) {
  const type = status === 401 ? 'authentication_error' : status === 403 ? 'permission_error' : status === 404 ? 'not_found_error' : status >= 500 ? 'api_error' : 'invalid_request_error';
  return reply.code(status).send({ error: { message, type, param: null, code } });
}

/** The deployment a `model` names: a deployment name (case-insensitive), else a mapped feature id. */
function deploymentFor(ctx: RouteContext, model: string): { deployment: GatewayDeployment; feature: string | null } | null {
  const { config } = ctx.config();
  const lower = model.toLowerCase();
  const byName = config.deployments.find((d) => d.name === model) ?? config.deployments.find((d) => d.name.toLowerCase() === lower);
  if (byName) return { deployment: byName, feature: null };
  const mapped = config.features[model];
  const deployment = mapped ? config.deployments.find((d) => d.name === mapped) : undefined;
  return deployment ? { deployment, feature: model } : null;
}

/** Every model the door answers to: the deployments, then the mapped features. */
function listModels(ctx: RouteContext) {
  const { config } = ctx.config();
  const created = Math.floor(Date.now() / 1000);
  const deployments = config.deployments.map((d) => ({ id: d.name, object: 'model', created, owned_by: 'airlock' }));
  const features = Object.entries(config.features)
    .filter(([, name]) => name && config.deployments.some((d) => d.name === name))
    .map(([feature]) => ({ id: feature, object: 'model', created, owned_by: 'airlock' }));
  return { object: 'list', data: [...deployments, ...features] };
}

const textOf = (content: z.output<typeof messageSchema>['content']): string =>
  typeof content === 'string' ? content : Array.isArray(content) ? content.map((part) => part.text ?? '').join('') : '';

/** The sampling fields of an OpenAI body, for platforms that do not take the body itself. */
function paramsOf(body: { max_tokens?: number | null; max_completion_tokens?: number | null; temperature?: number | null; top_p?: number | null; stop?: string | string[] | null }): GenerationParams {
  const stop = typeof body.stop === 'string' ? [body.stop] : (body.stop ?? undefined);
  return {
    maxTokens: body.max_completion_tokens ?? body.max_tokens ?? 1024,
    temperature: body.temperature ?? 1,
    ...(stop ? { stop } : {}),
    ...(body.top_p !== null && body.top_p !== undefined ? { topP: body.top_p } : {}),
  };
}

/** Reads usage from an OpenAI answer as it passes (JSON or SSE), without holding the stream up. */
function usageTap(contentType: string) {
  let usage: Usage | null = null;
  const take = (value: unknown) => {
    const u = (value as { usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } } | null)?.usage;
    if (u && typeof u.prompt_tokens === 'number' && typeof u.completion_tokens === 'number') usage = { inputTokens: u.prompt_tokens, outputTokens: u.completion_tokens };
  };
  const decoder = new TextDecoder();
  if (contentType.includes('text/event-stream')) {
    const parser = createSseParser((event) => {
      // Usage rides on the last chunks only; skip the parse of chunks that cannot hold it.
      if (event.data.includes('"usage"')) {
        try {
          take(JSON.parse(event.data));
        } catch {
          // Not JSON ([DONE]): nothing to read.
        }
      }
    });
    return { push: (bytes: Uint8Array) => parser.push(decoder.decode(bytes, { stream: true })), end: () => (parser.end(), usage) };
  }
  const parts: string[] = [];
  let size = 0;
  return {
    push: (bytes: Uint8Array) => {
      if (size > 1024 * 1024) return;
      size += bytes.byteLength;
      parts.push(decoder.decode(bytes, { stream: true }));
    },
    end: () => {
      try {
        take(JSON.parse(parts.join('') + decoder.decode()));
      } catch {
        // Not JSON, or too large to keep: usage stays unknown.
      }
      return usage;
    },
  };
}

/** A safe message from an upstream error answer: its `error.message` or text, the key scrubbed, bounded. */
async function upstreamErrorMessage(body: AsyncIterable<Uint8Array>, apiKey: string | null): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size < 4096) chunks.push(Buffer.from(chunk));
    size += chunk.byteLength;
  }
  let text = Buffer.concat(chunks).toString('utf8').slice(0, 4096);
  try {
    const parsed = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown; detail?: unknown };
    const candidate = typeof parsed.error === 'string' ? parsed.error : (parsed.error?.message ?? parsed.message ?? parsed.detail);
    if (typeof candidate === 'string') text = candidate;
  } catch {
    // Not JSON: the text itself.
  }
  if (apiKey) text = text.split(apiKey).join('…');
  return text.replace(/Bearer\s+\S+/gi, 'Bearer …').slice(0, 300);
}

export function registerOpenAiRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.get('/v1/models', { config: { auth: openAiAuth } }, async () => listModels(ctx));

  const door = (path: 'chat/completions' | 'completions') => async (request: FastifyRequest, reply: FastifyReply) => {
    const parsed = (path === 'chat/completions' ? chatBodySchema : completionBodySchema).safeParse(request.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return openAiError(reply, 400, `Invalid request body: ${issue ? `${issue.path.join('.') || '(body)'}: ${issue.message}` : 'not an object'}`);
    }
    const body = parsed.data as Record<string, unknown> & { model: string; stream?: boolean | null };
    const found = deploymentFor(ctx, body.model);
    if (!found) {
      request.trace.error = 'unknown model';
      return openAiError(reply, 404, `The model "${body.model.slice(0, 255)}" does not exist: use a deployment name or a mapped feature id (GET /v1/models lists them).`, 'model_not_found');
    }
    const { deployment } = found;
    request.trace.feature = found.feature;
    request.trace.deployment = deployment.name;
    const model = deployment.identifier ? splitIdentifier(deployment.identifier).model : null;
    if (!model) return openAiError(reply, 400, `The deployment "${deployment.name}" has no model identifier; set it in Airlock.`);
    request.trace.model = model;
    const routed: Routed = { target: { deployment, model, apiKey: deployment.apiKey }, family: deployment.family, adapter: ctx.deps.upstreams.adapterFor(deployment.platform) };
    const isStream = body.stream === true;
    request.trace.isStream = isStream;
    request.trace.recordPrompt(path === 'chat/completions' ? body.messages : body.prompt);
    try {
      if (routed.adapter.forward) return await forward(request, reply, routed, path, { ...body, model }, isStream);
      return await translate(request, reply, routed, path, body, isStream);
    } catch (error) {
      if (error instanceof UpstreamError) {
        if (error.kind !== 'aborted') ctx.deps.metrics.upstreamFailed(deployment.name, error.kind);
        const detail = upstreamDetail(error, deployment.name);
        request.trace.error = detail;
        if (reply.sent || reply.raw.headersSent) return reply;
        return openAiError(reply, upstreamStatus(error), detail);
      }
      throw error;
    }
  };

  /** OpenAI-speaking servers: the answer's bytes go back as they come. */
  const forward = async (request: FastifyRequest, reply: FastifyReply, routed: Routed, path: 'chat/completions' | 'completions', body: Record<string, unknown>, isStream: boolean) => {
    const trace = request.trace;
    const upstream = await routed.adapter.forward!(routed.target, path, body, {
      signal: trace.abort.signal,
      stream: isStream,
      idleTimeoutMs: ctx.config().config.limits.streamIdleMs,
      requestId: trace.id,
    });
    if (upstream.status >= 400) {
      const message = await upstreamErrorMessage(upstream.body, routed.target.apiKey);
      trace.error = `model server answered ${upstream.status}: ${message}`;
      ctx.deps.metrics.upstreamFailed(routed.target.deployment.name, 'status');
      return openAiError(reply, upstream.status >= 500 ? 502 : upstream.status, `The model server of the deployment "${routed.target.deployment.name}" answered ${upstream.status}: ${message}`);
    }
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(upstream.status, { 'content-type': upstream.contentType, 'cache-control': 'no-cache', 'x-request-id': trace.id, 'x-accel-buffering': 'no' });
    trace.markFirstByte();
    const tap = usageTap(upstream.contentType);
    try {
      for await (const chunk of upstream.body) {
        tap.push(chunk);
        if (trace.isAiLogged) trace.recordResponse(Buffer.from(chunk).toString('utf8'));
        if (!raw.write(chunk)) await new Promise<void>((resolve, reject) => {
          raw.once('drain', resolve);
          raw.once('close', () => reject(new UpstreamError('aborted', 'the client closed the connection')));
        });
      }
      trace.usage = tap.end();
      raw.end();
    } catch (error) {
      trace.usage = tap.end();
      trace.error = error instanceof UpstreamError ? upstreamDetail(error, routed.target.deployment.name) : 'the answer was cut';
      if (error instanceof UpstreamError && error.kind !== 'aborted') ctx.deps.metrics.upstreamFailed(routed.target.deployment.name, error.kind);
      // A stream gets a last error event; a cut JSON answer is cut for the client too.
      if (!raw.destroyed && isStream) raw.end(`data: ${JSON.stringify({ error: { message: trace.error, type: 'api_error', param: null, code: null } })}\n\n`);
      else raw.destroy();
    }
    return reply;
  };

  /** Other platforms: the call is made in Airlock's terms and the answer written in OpenAI's format. */
  const translate = async (request: FastifyRequest, reply: FastifyReply, routed: Routed, path: 'chat/completions' | 'completions', body: Record<string, unknown>, isStream: boolean) => {
    if (path === 'completions') throw new UpstreamError('unsupported', `${routed.target.deployment.platform} deployments take chat completions only; use /v1/chat/completions.`);
    const chat = body as z.output<typeof chatBodySchema>;
    const messages: ChatMessage[] = chat.messages
      .filter((m) => m.role !== 'tool')
      .map((m) => ({ role: m.role === 'developer' ? 'system' : (m.role as ChatMessage['role']), content: textOf(m.content) }));
    const call: UpstreamCall = { kind: 'chat', messages, params: paramsOf(chat) };
    const response = await ctx.callModel(request, routed, call, isStream);
    const id = `chatcmpl-${request.id}`;
    const created = Math.floor(Date.now() / 1000);
    const model = routed.target.model;
    if (!isStream) {
      const { text, finishReason, usage } = await ctx.collectText(request, response);
      return reply.send({
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: finishReason ?? 'stop' }],
        usage: usage ? { prompt_tokens: usage.inputTokens, completion_tokens: usage.outputTokens, total_tokens: usage.inputTokens + usage.outputTokens } : null,
      });
    }
    const chunk = (delta: Record<string, unknown>, finishReason: string | null) =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finishReason }] })}\n\n`;
    return ctx.streamText(request, reply, response, {
      contentType: 'text/event-stream',
      start: () => chunk({ role: 'assistant', content: '' }, null),
      delta: (text) => chunk({ content: text }, null),
      end: ({ finishReason }) => `${chunk({}, finishReason ?? 'stop')}data: [DONE]\n\n`,
      error: (message) => `data: ${JSON.stringify({ error: { message, type: 'api_error', param: null, code: null } })}\n\n`,
    });
  };

  app.post('/v1/chat/completions', { config: { auth: openAiAuth } }, door('chat/completions'));
  app.post('/v1/completions', { config: { auth: openAiAuth } }, door('completions'));
}

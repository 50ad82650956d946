/**
 * Generic prompt invocation (gitlab-ai-gateway.md §2.8, §2.9): `POST /v1/prompts/{id}` answers a
 * JSON-encoded string, `/v2/prompts/{id}` answers `{content, usage}`, both stream raw text on
 * request. `model_configuration/check` is GitLab's "Test connection" button. A failure of the
 * model itself is a 421 with `detail` "<code>: <reason>", as GitLab's gateway answers it.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { promptRoutes } from '../../shared/gateway/scopes';
import type { RouteAuth } from '../app';
import { GatewayHttpError } from '../http-error';
import { buildPrompt } from '../prompts/prompt-catalog';
import { UpstreamError } from '../upstream/types';
import { fromModelMetadata, parseBody, promptInvokeSchema } from './gitlab-schemas';
import type { RouteContext } from './route-context';

/** The prompt id from the path; GitLab escapes its "/" (`model_configuration%2Fcheck`). */
const promptIdOf = (request: FastifyRequest) => {
  const raw = (request.params as { '*'?: string })['*'] ?? '';
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
};

const promptAuth: RouteAuth = {
  scopes: (request) => promptRoutes[promptIdOf(request)]?.scopes ?? [],
  feature: (request) => promptRoutes[promptIdOf(request)]?.featureId ?? null,
};

/** The model's own failure, in the form GitLab's gateway gives it (§2.8: 421, "<code>: <reason>"). */
function modelFailure(error: UpstreamError, deployment: string): GatewayHttpError {
  const code = error.status ?? error.kind;
  return new GatewayHttpError(421, `${code}: the model of the deployment "${deployment}" failed: ${error.detail}`);
}

export function registerPromptRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const invoke = (version: 1 | 2) => async (request: FastifyRequest, reply: FastifyReply) => {
    const promptId = promptIdOf(request);
    if (!promptRoutes[promptId]) throw new GatewayHttpError(404, `Unknown prompt "${promptId.slice(0, 200)}".`);
    const body = parseBody(promptInvokeSchema, request.body);
    const routed = ctx.route(request, fromModelMetadata(body.model_metadata));
    const built = buildPrompt(promptId, body.inputs, routed.family, body.prompt_version ?? null);
    if (!built.ok) throw new GatewayHttpError(built.status, built.detail);
    const isStream = body.stream === true;
    try {
      const response = await ctx.callModel(request, routed, built.call, isStream);
      if (isStream) return await ctx.streamText(request, reply, response, { contentType: 'text/event-stream', delta: (text) => text });
      const { text, usage } = await ctx.collectText(request, response);
      if (version === 1) return reply.type('application/json; charset=utf-8').send(JSON.stringify(text));
      return reply.send({ content: text, usage: usage ? { input_tokens: usage.inputTokens, output_tokens: usage.outputTokens } : null });
    } catch (error) {
      if (error instanceof UpstreamError && error.kind !== 'aborted') throw modelFailure(error, routed.target.deployment.name);
      throw error;
    }
  };
  app.post('/v1/prompts/*', { config: { auth: promptAuth } }, invoke(1));
  app.post('/v2/prompts/*', { config: { auth: promptAuth } }, invoke(2));
}

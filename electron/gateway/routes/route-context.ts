/**
 * What every route needs besides Fastify: routing a request to a registered deployment, calling
 * its model with the request's cancellation, and writing the answer as JSON or as a stream that
 * is passed on chunk by chunk, with backpressure and without buffering.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { gitlabFamilyIds } from '../../shared/fit/catalog-schema';
import type { GatewayDeployment } from '../../shared/gateway/config';
import type { GatewayDeps } from '../app';
import type { ConfigSnapshot } from '../config-store';
import { GatewayHttpError, upstreamDetail } from '../http-error';
import { type RequestedModel, resolveRoute } from '../routing/resolve-route';
import { UpstreamError, type UpstreamAdapter, type UpstreamCall, type UpstreamResponse, type UpstreamTarget, type Usage } from '../upstream/types';

const FAMILY_IDS: ReadonlySet<string> = new Set(gitlabFamilyIds);

/** A request routed to a deployment. */
export interface Routed {
  target: UpstreamTarget;
  /** The family whose templates build the prompt. */
  family: string;
  adapter: UpstreamAdapter;
}

/** How a streamed answer is framed for one endpoint. */
export interface StreamFormat {
  contentType: string;
  headers?: Readonly<Record<string, string>>;
  /** Written with the headers, before the first delta (SSE stream_start…). */
  start?: () => string | null;
  /** One delta as written to the client; '' skips it. */
  delta: (text: string) => string;
  /** Written after the last delta (usage, stream_end…). */
  end?: (result: { finishReason: string | null; usage: Usage | null }) => string | null;
  /**
   * Written when the model fails after the headers are out; null: the connection is cut instead,
   * so the client sees a broken answer rather than a complete-looking one (reliability.md §7, G3).
   */
  error?: (detail: string) => string | null;
  /** Rewrites the text before framing (e.g. strips a code fence); `flush` gives what it held back. */
  transform?: { push(text: string): string; end(): string };
}

export interface RouteContext {
  config(): ConfigSnapshot;
  /** Finds the deployment or throws the 400/403 GatewayHttpError; records it on the trace. */
  route(request: FastifyRequest, requested: RequestedModel | null): Routed;
  /** Calls the model with the request's cancellation and the configured idle limit. */
  callModel(request: FastifyRequest, routed: Routed, call: UpstreamCall, stream: boolean): Promise<UpstreamResponse>;
  /** Reads a whole answer; usage lands on the trace. */
  collectText(request: FastifyRequest, response: UpstreamResponse): Promise<{ text: string; finishReason: string | null; usage: Usage | null }>;
  /** Streams an answer; errors before the first delta are thrown (the client gets a status), after it they are framed or cut. */
  streamText(request: FastifyRequest, reply: FastifyReply, response: UpstreamResponse, format: StreamFormat): Promise<void>;
  /** Checks a scope the route could only know after reading the body. */
  requireScope(request: FastifyRequest, scopes: readonly string[], what: string): void;
  probeDeployment: (deployment: GatewayDeployment, signal: AbortSignal) => Promise<{ ok: boolean; detail: string }>;
  deps: GatewayDeps;
}

/** Waits until the client can take more, or fails when it went away. */
function drained(reply: FastifyReply): Promise<void> {
  return new Promise((resolve, reject) => {
    const raw = reply.raw;
    const onDrain = () => {
      raw.off('close', onClose);
      resolve();
    };
    const onClose = () => {
      raw.off('drain', onDrain);
      reject(new UpstreamError('aborted', 'the client closed the connection'));
    };
    raw.once('drain', onDrain);
    raw.once('close', onClose);
  });
}

export function createRouteContext(deps: GatewayDeps): RouteContext {
  const context: RouteContext = {
    deps,
    config: () => deps.config.get(),

    route(request, requested) {
      const result = resolveRoute(deps.config.get().config, requested, request.trace.feature, FAMILY_IDS);
      if (!result.ok) throw new GatewayHttpError(result.status, result.detail);
      request.trace.deployment = result.target.deployment.name;
      request.trace.model = result.target.model;
      return { target: result.target, family: result.family, adapter: deps.upstreams.adapterFor(result.target.deployment.platform) };
    },

    async callModel(request, routed, call, stream) {
      const trace = request.trace;
      trace.isStream = stream;
      trace.recordPrompt(call.kind === 'chat' ? call.messages : call.prompt);
      const started = performance.now();
      try {
        const response = await routed.adapter.call(routed.target, call, {
          signal: trace.abort.signal,
          stream,
          idleTimeoutMs: deps.config.get().config.limits.streamIdleMs,
          requestId: trace.id,
        });
        deps.metrics.firstByte(routed.target.deployment.name, (performance.now() - started) / 1000);
        return response;
      } catch (error) {
        if (error instanceof UpstreamError) {
          deps.metrics.upstreamFailed(routed.target.deployment.name, error.kind);
          trace.error = upstreamDetail(error, routed.target.deployment.name);
        }
        throw error;
      }
    },

    async collectText(request, response) {
      const parts: string[] = [];
      try {
        for await (const delta of response.deltas) parts.push(delta);
      } catch (error) {
        if (error instanceof UpstreamError && request.trace.deployment) {
          deps.metrics.upstreamFailed(request.trace.deployment, error.kind);
          request.trace.error = upstreamDetail(error, request.trace.deployment);
        }
        throw error;
      }
      const text = parts.join('');
      const result = response.result();
      request.trace.usage = result.usage;
      request.trace.recordResponse(text);
      return { text, ...result };
    },

    async streamText(request, reply, response, format) {
      const trace = request.trace;
      const iterator = response.deltas[Symbol.asyncIterator]();
      const transform = format.transform;
      let first: IteratorResult<string>;
      try {
        first = await iterator.next();
      } catch (error) {
        if (error instanceof UpstreamError && trace.deployment) {
          deps.metrics.upstreamFailed(trace.deployment, error.kind);
          trace.error = upstreamDetail(error, trace.deployment);
        }
        throw error;
      }
      // The model answered: from here the status is 200 and the answer goes out as it comes.
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': format.contentType,
        'cache-control': 'no-cache',
        'x-request-id': trace.id,
        // Tells nginx-style proxies not to buffer the stream (gitlab-ai-gateway.md §2.10).
        'x-accel-buffering': 'no',
        ...format.headers,
      });
      trace.markFirstByte();
      const write = async (text: string) => {
        if (text === '' || raw.destroyed) return;
        if (!raw.write(text)) await drained(reply);
      };
      const emit = async (delta: string) => {
        trace.recordResponse(delta);
        const text = transform ? transform.push(delta) : delta;
        if (text !== '') await write(format.delta(text));
      };
      try {
        const start = format.start?.();
        if (start) await write(start);
        let next = first;
        while (!next.done) {
          await emit(next.value);
          next = await iterator.next();
        }
        if (transform) {
          const rest = transform.end();
          if (rest !== '') await write(format.delta(rest));
        }
        const result = response.result();
        trace.usage = result.usage;
        const end = format.end?.(result);
        if (end) await write(end);
        raw.end();
      } catch (error) {
        const detail = error instanceof UpstreamError ? upstreamDetail(error, trace.deployment ?? 'unknown') : 'internal error';
        if (error instanceof UpstreamError && trace.deployment && error.kind !== 'aborted') deps.metrics.upstreamFailed(trace.deployment, error.kind);
        trace.error = detail;
        if (!(error instanceof UpstreamError)) deps.logger.error('stream failed', { requestId: trace.id, error: String(error) });
        await iterator.return?.().catch(() => undefined);
        const frame = raw.destroyed ? null : (format.error?.(detail) ?? null);
        if (frame) {
          raw.end(frame);
        } else {
          raw.destroy();
        }
      }
    },

    requireScope(request, scopes, what) {
      const principal = request.trace.principal;
      if (!principal) return;
      const granted = scopes.find((scope) => principal.scopes.has(scope));
      if (!granted) {
        request.trace.error = `token lacks the scope for ${what}`;
        throw new GatewayHttpError(403, `Unauthorized to access ${what}: the token has none of the scopes ${scopes.join(', ')}.`);
      }
      request.trace.unitPrimitive = granted;
    },

    probeDeployment: deps.probeDeployment ?? (async () => ({ ok: true, detail: 'not probed' })),
  };
  return context;
}

/**
 * `buildGateway(deps)`: the Airlock AI gateway as a Fastify app that is not listening, so tests
 * drive it in-process and `main.ts` only binds it. Auth in one hook, the request log in one hook,
 * errors in one handler (HOUSE-STYLE.md, "Gateway").
 */
import { randomUUID } from 'node:crypto';
import { type Server as HttpServer, createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { hasAnyScope } from '../shared/gateway/scopes';
import type { RequestRecord } from '../shared/gateway/requests';
import type { Principal } from './auth/verify-token';
import type { ConfigStore } from './config-store';
import { GatewayHttpError, toHttpError } from './http-error';
import type { GatewayLogger } from './logger';
import type { Metrics } from './metrics';
import { RequestTrace, requestIdFrom } from './request-trace';
import { registerChatRoutes } from './routes/chat';
import { registerCodeRoutes } from './routes/code';
import { registerMonitoringRoutes } from './routes/monitoring';
import { registerOpenAiRoutes } from './routes/openai';
import { registerPromptRoutes } from './routes/prompts';
import type { RouteContext } from './routes/route-context';
import { createRouteContext } from './routes/route-context';
import type { UpstreamAdapter } from './upstream/types';
import type { DeploymentPlatform } from '../shared/registry/deployment';

/** Who may call a route. Routes without it require authentication and no particular scope. */
export interface RouteAuth {
  /** No authentication (health checks). */
  isPublic?: boolean;
  /** Scopes of which the caller needs one (decided before the body is read). */
  scopes?: (request: FastifyRequest) => readonly string[];
  /** The feature the route serves, for routing by the feature mapping and for the request log. */
  feature?: (request: FastifyRequest) => string | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    trace: RequestTrace;
  }
  interface FastifyContextConfig {
    auth?: RouteAuth;
  }
}

/**
 * The one 401 body, byte for byte, for every authentication failure (reliability.md §3 "No
 * oracle"): the reason goes to the gateway's log only, under the request id the response carries.
 */
export const UNAUTHORIZED_BODY = '{"error":"Forbidden by auth provider"}';

export interface TokenVerifier {
  verify(headers: FastifyRequest['headers']): Promise<{ ok: true; principal: Principal } | { ok: false; reason: string }>;
}

export interface ClientNetwork {
  /** The client's address: the socket peer, or X-Forwarded-For when the peer is a trusted proxy. */
  clientIp(peer: string, forwardedFor: string | string[] | undefined): string;
  /** Whether that address may call the gateway. */
  isAllowed(ip: string): boolean;
}

export interface GatewayDeps {
  config: ConfigStore;
  verifier: TokenVerifier;
  network: ClientNetwork;
  upstreams: { adapterFor(platform: DeploymentPlatform): UpstreamAdapter };
  requestLog: { append(record: RequestRecord): void };
  metrics: Metrics;
  logger: GatewayLogger;
  /** Readiness probe of one deployment (GET /monitoring/ready); absent: deployments are not probed. */
  probeDeployment?: RouteContext['probeDeployment'];
  /** TLS certificate and key (PEM) when the gateway answers HTTPS. */
  tls?: { cert: string | Buffer; key: string | Buffer } | null;
}

// Node's defaults are too lenient for an edge service (reliability.md §7, G4/G5): headers must
// arrive within 10 s (slowloris), 16 KiB of headers at most (431 beyond).
const HEADERS_TIMEOUT_MS = 10_000;
const MAX_HEADER_BYTES = 16 * 1024;
/** Receiving a request body may take this long; answering it (a stream) is not bounded by it. */
const REQUEST_TIMEOUT_MS = 60_000;
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/** Builds the gateway. Nothing listens until the caller calls `listen`. */
export async function buildGateway(deps: GatewayDeps): Promise<FastifyInstance> {
  const serverOptions = { maxHeaderSize: MAX_HEADER_BYTES, headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS, noDelay: true };
  const app = Fastify({
    logger: false,
    bodyLimit: deps.config.get().config.limits.maxBodyBytes,
    // Prompt ids may contain "/" (model_configuration%2Fcheck, chat/explain_code).
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
    genReqId: (raw) => requestIdFrom(raw.headers['x-request-id'], randomUUID),
    clientErrorHandler: clientErrorHandler(deps),
    serverFactory: (handler) => {
      const server = deps.tls ? createHttpsServer({ ...serverOptions, cert: deps.tls.cert, key: deps.tls.key }, handler) : createHttpServer(serverOptions, handler);
      return server as HttpServer;
    },
  });

  app.decorateRequest('trace', null as unknown as RequestTrace);


  app.addHook('onRequest', async (request, reply) => {
    // Unmatched paths are the caller's text: kept (cut) for the log, never a metric label.
    const path = request.routeOptions.url ?? (request.url.split('?')[0] ?? '').slice(0, 200);
    const ip = deps.network.clientIp(request.raw.socket.remoteAddress ?? '', request.headers['x-forwarded-for']);
    const trace = new RequestTrace(request.id, ip, request.method, path);
    request.trace = trace;
    deps.metrics.enter();
    reply.header('x-request-id', request.id);
    reply.raw.once('close', () => finish(request, reply));

    const auth = request.routeOptions.config.auth;
    trace.feature = auth?.feature?.(request) ?? null;
    if (auth?.isPublic) return;
    if (!deps.network.isAllowed(ip)) return refuse(request, reply, `client address ${ip} is not in gateway.allowedNetworks`);
    const result = await deps.verifier.verify(request.headers);
    if (!result.ok) return refuse(request, reply, result.reason);
    trace.principal = result.principal;
    const required = auth?.scopes?.(request) ?? [];
    if (!hasAnyScope(result.principal.scopes, required)) {
      trace.error = `token lacks the scope for this endpoint (one of: ${required.join(', ')})`;
      return reply.code(403).send({ detail: `Unauthorized to access ${trace.feature ?? request.routeOptions.url ?? 'this endpoint'}: the token has none of the scopes ${required.join(', ')}.` });
    }
    trace.unitPrimitive = required.find((scope) => result.principal.scopes.has(scope)) ?? null;
    // Prompts and answers are kept only when both the operator and GitLab allow it (§5.3).
    trace.isAiLogged = deps.config.get().config.requestLog.isAiLoggingEnabled && request.headers['x-gitlab-enabled-instance-verbose-ai-logs'] === 'true';
  });

  app.addHook('onSend', async (request) => {
    request.trace?.markFirstByte();
  });

  const refusalLog = createRefusalLog(deps.logger);
  const refuse = (request: FastifyRequest, reply: FastifyReply, reason: string) => {
    request.trace.error = 'authentication failed';
    deps.metrics.authFailed();
    refusalLog({ requestId: request.id, clientIp: request.trace.clientIp, endpoint: request.trace.endpoint, reason });
    return reply.code(401).header('content-type', 'application/json; charset=utf-8').send(UNAUTHORIZED_BODY);
  };

  const finish = (request: FastifyRequest, reply: FastifyReply) => {
    const trace = request.trace;
    deps.metrics.leave();
    // A response closed before it was complete: the client went away. Cancel the model's work.
    const isComplete = reply.raw.writableFinished;
    if (!isComplete) {
      trace.abort.abort();
      trace.error ??= 'the client closed the connection before the answer was complete';
    }
    const record = trace.finish(isComplete ? reply.raw.statusCode : 499);
    if (!record) return;
    const isProbe = request.routeOptions.config.auth?.isPublic === true;
    deps.metrics.requestDone(request.routeOptions.url ?? '(unmatched)', record.status, record.latencyMs / 1000, isProbe);
    if (record.deployment && record.tokensIn !== null) deps.metrics.tokens(record.deployment, 'in', record.tokensIn);
    if (record.deployment && record.tokensOut !== null) deps.metrics.tokens(record.deployment, 'out', record.tokensOut);
    if (record.status >= 500 || record.status === 499) {
      deps.logger.warn('request failed', { requestId: record.requestId, endpoint: record.endpoint, deployment: record.deployment, status: record.status, error: record.error });
    }
    // Health probes poll every few seconds: they are counted in the metrics, not logged as requests.
    if (!isProbe) deps.requestLog.append(record);
  };

  app.setErrorHandler((error, request, reply) => {
    const mapped = toHttpError(error, request.trace?.deployment ?? null) ?? fastifyError(error);
    if (mapped) {
      if (request.trace) request.trace.error ??= mapped.detail;
      return reply.code(mapped.status).send({ detail: mapped.detail });
    }
    const ref = request.id;
    deps.logger.error('unexpected error answering a request', { requestId: ref, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
    if (request.trace) request.trace.error ??= 'internal error';
    return reply.code(500).send({ detail: `Internal error; the gateway's log has the details under request id ${ref}.` });
  });

  app.setNotFoundHandler({}, (request, reply) => {
    reply.code(404).send({ detail: `Not found: ${request.method} ${request.url.split('?')[0]!.slice(0, 200)}` });
  });

  const context = createRouteContext(deps);
  registerMonitoringRoutes(app, context);
  registerCodeRoutes(app, context);
  registerChatRoutes(app, context);
  registerPromptRoutes(app, context);
  registerOpenAiRoutes(app, context);
  await app.ready();
  return app;
}

/** Refusals logged one by one per second before they are only counted (a flood of bad tokens must not flood the log). */
const REFUSAL_LINES_PER_SECOND = 20;

/**
 * Logs each authentication refusal with its reason, up to REFUSAL_LINES_PER_SECOND a second; past
 * that, one line per second says how many more there were (the metrics count every one).
 */
function createRefusalLog(logger: GatewayLogger) {
  let windowStart = 0;
  let inWindow = 0;
  let suppressed = 0;
  return (fields: Record<string, unknown>) => {
    const now = Date.now();
    if (now - windowStart >= 1000) {
      if (suppressed > 0) logger.warn('more requests refused: authentication failed (not logged one by one)', { count: suppressed, seconds: Math.round((now - windowStart) / 100) / 10 });
      windowStart = now;
      inWindow = 0;
      suppressed = 0;
    }
    inWindow += 1;
    if (inWindow <= REFUSAL_LINES_PER_SECOND) logger.info('request refused: authentication failed', fields);
    else suppressed += 1;
  };
}

/**
 * Requests Node refuses while parsing. Headers over the limit never reach the hooks; they are most
 * often an oversized token, so they get the same answer as every other authentication failure (the
 * issue's negative corpus includes a 64 KB header). Other parse errors get a plain 400.
 */
function clientErrorHandler(deps: Pick<GatewayDeps, 'metrics' | 'logger'>) {
  return (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable) return void socket.destroy();
    if (error.code === 'HPE_HEADER_OVERFLOW') {
      deps.metrics.authFailed();
      deps.logger.info('request refused: authentication failed', { reason: `request headers larger than ${MAX_HEADER_BYTES} bytes` });
      socket.end(`HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(UNAUTHORIZED_BODY)}\r\nconnection: close\r\n\r\n${UNAUTHORIZED_BODY}`);
      return;
    }
    if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT' || error.code === 'ECONNRESET') return void socket.destroy();
    socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
  };
}

/** Fastify's own errors (body too large, bad JSON, wrong content type) as a `detail`. */
function fastifyError(error: unknown): GatewayHttpError | null {
  const e = error as { statusCode?: number; code?: string; message?: string; validation?: unknown };
  if (typeof e.statusCode !== 'number' || e.statusCode < 400 || e.statusCode >= 500) return null;
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new GatewayHttpError(413, 'The request body is larger than the gateway accepts (gateway.maxBodyBytes).');
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new GatewayHttpError(415, 'Send the request body as application/json.');
  if (e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return new GatewayHttpError(400, 'The request body is empty; send a JSON object.');
  return new GatewayHttpError(e.statusCode, (e.message ?? 'Bad request').slice(0, 500));
}

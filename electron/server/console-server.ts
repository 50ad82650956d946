import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { AirlockError, type WireError } from '../shared/errors';
import { UI_CONTENT_SECURITY_POLICY } from '../shared/ipc-channels';
import { MAX_MESSAGE_BYTES } from '../shared/wire';
import { serveConnection } from '../core/edge/connection';
import type { Dispatcher } from '../core/edge/dispatcher';
import type { EventHub } from '../core/edge/event-hub';
import type { Logger } from '../core/logger';
import { type ConsoleAuth, readCookie } from './auth';

export const SESSION_COOKIE = 'airlock_session';

export interface ConsoleServerDeps {
  dispatcher: Dispatcher;
  hub: EventHub;
  auth: ConsoleAuth;
  /** The renderer build (dist/renderer). */
  staticDir: string;
  logger: Logger;
  /** Served over TLS: the cookie gets `Secure`. */
  isSecure: boolean;
  https?: { cert: Buffer; key: Buffer };
}

/** Headers on every response: no framing, no sniffing, no referrers, nothing from other origins. */
const securityHeaders: Record<string, string> = {
  'content-security-policy': UI_CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), usb=(), serial=(), hid=()',
};

function sendError(reply: FastifyReply, error: AirlockError): FastifyReply {
  const wire: WireError = error.toWire();
  if (error.code === 'CONSOLE_LOGIN_THROTTLED') reply.header('retry-after', String((error.data as { retryAfterSeconds: number }).retryAfterSeconds));
  return reply.code(error.httpStatus).send({ error: wire });
}

/** A request from a page of another origin (CSRF, cross-site WebSocket hijacking) is refused. */
function isSameOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true; // Not a browser page (curl, the CLI): the session cookie still decides.
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

/**
 * Builds the browser console: the renderer build, the login API and the contract over WebSocket.
 * Returns an app that is not listening yet (tests use `inject`).
 */
export async function buildConsoleServer(deps: ConsoleServerDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: 16 * 1024,
    trustProxy: false,
    ...(deps.https ? { https: { cert: deps.https.cert, key: deps.https.key } } : {}),
  } as Parameters<typeof Fastify>[0]) as unknown as FastifyInstance;

  app.addHook('onSend', async (_request, reply, payload) => {
    for (const [name, value] of Object.entries(securityHeaders)) reply.header(name, value);
    if (deps.isSecure) reply.header('strict-transport-security', 'max-age=31536000');
    return payload;
  });

  const sessionOf = (request: FastifyRequest) => readCookie(request.headers.cookie, SESSION_COOKIE);
  const cookie = (value: string, maxAge: number) =>
    `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${deps.isSecure ? '; Secure' : ''}`;

  app.get('/api/session', async (request, reply) => {
    reply.header('cache-control', 'no-store');
    return { isAuthenticated: deps.auth.isSessionValid(sessionOf(request)) };
  });

  app.post('/api/login', async (request, reply) => {
    reply.header('cache-control', 'no-store');
    if (!isSameOrigin(request)) return sendError(reply, new AirlockError('CONSOLE_ORIGIN_REJECTED', { origin: String(request.headers.origin) }));
    const body = request.body as { token?: unknown } | undefined;
    const outcome = deps.auth.login(body?.token, request.ip);
    if (!outcome.ok) {
      deps.logger.warn('console login refused', { client: request.ip, code: outcome.error.code });
      return sendError(reply, outcome.error);
    }
    deps.logger.info('console login', { client: request.ip });
    reply.header('set-cookie', cookie(outcome.sessionId, deps.auth.sessionTtlSeconds));
    return reply.code(204).send();
  });

  app.post('/api/logout', async (request, reply) => {
    if (!isSameOrigin(request)) return sendError(reply, new AirlockError('CONSOLE_ORIGIN_REJECTED', { origin: String(request.headers.origin) }));
    deps.auth.logout(sessionOf(request));
    reply.header('set-cookie', cookie('', 0));
    return reply.code(204).send();
  });

  await app.register(fastifyWebsocket, { options: { maxPayload: MAX_MESSAGE_BYTES } });
  app.get(
    '/api/ws',
    {
      websocket: true,
      preValidation: async (request, reply) => {
        if (!isSameOrigin(request)) return sendError(reply, new AirlockError('CONSOLE_ORIGIN_REJECTED', { origin: String(request.headers.origin) }));
        if (!deps.auth.isSessionValid(sessionOf(request))) return sendError(reply, new AirlockError('CONSOLE_NOT_AUTHENTICATED', {}));
      },
    },
    (socket, request) => {
      const connection = serveConnection(
        (text) => {
          if (socket.readyState === socket.OPEN) socket.send(text);
        },
        deps.dispatcher,
        deps.hub,
        { actor: `console ${request.ip}` },
      );
      socket.on('message', (data, isBinary) => {
        if (isBinary) return;
        connection.receive(data.toString());
      });
      socket.on('close', () => void connection.dispose());
      socket.on('error', () => socket.terminate());
    },
  );

  const indexPath = join(deps.staticDir, 'index.html');
  if (existsSync(indexPath)) {
    await app.register(fastifyStatic, {
      root: deps.staticDir,
      wildcard: false,
      index: false,
      setHeaders: (res, path) => {
        // Vite names assets by content hash: cache them; never cache the page that names them.
        res.header('cache-control', path.includes(`${join(deps.staticDir, 'assets')}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
    const sendIndex = (reply: FastifyReply) => reply.header('cache-control', 'no-cache').sendFile('index.html');
    app.get('/', (_request, reply) => sendIndex(reply));
    app.setNotFoundHandler((request, reply) => {
      if (request.method === 'GET' && !request.url.startsWith('/api/') && !request.url.startsWith('/assets/')) return sendIndex(reply);
      return reply.code(404).send({ error: { code: 'NOT_FOUND', message: `No such path: ${request.url.slice(0, 200)}`, data: {} } });
    });
  } else {
    deps.logger.warn('renderer build missing', { staticDir: deps.staticDir });
    app.get('/', (_request, reply) =>
      reply.code(503).type('text/plain').send(`The Airlock UI is not built (${indexPath} is missing). Run "npm run build" and restart.`),
    );
  }

  return app;
}

/**
 * The AWS SDK's HTTP layer for Bedrock, on the gateway's undici dispatcher (the egress gate,
 * egress.ts) instead of the SDK's own Node http/http2 agents: Bedrock traffic is allowlisted,
 * pooled and kept alive like every other upstream call, and the request's AbortSignal closes
 * the socket at once in every window.
 *
 * Why not `requestHandler: { requestTimeout, connectionTimeout }`: in this SDK release Bedrock
 * Runtime's default handler is the HTTP/2 one (NodeHttp2Handler, for the bidirectional-stream
 * operation the gateway does not use), and either of the SDK's handlers opens sockets the egress
 * gate never sees. Timeouts are the adapter's (call-scope.ts: deadline and per-event idle limit);
 * the connect timeout is the egress agent's.
 *
 * Implements the SDK's structural `HttpHandler` contract (`handle`, `updateHttpClientConfig`,
 * `httpHandlerConfigs`, `destroy`); a response body is undici's Node Readable, which the SDK's
 * stream collector and event-stream decoder both read.
 */
import type { Dispatcher } from 'undici';
import { abortableRequest } from './egress';

/** The parts of the SDK's HttpRequest this handler reads (`@smithy/types` HttpRequest). */
export interface SdkHttpRequest {
  method: string;
  protocol: string;
  hostname: string;
  port?: number;
  path: string;
  query?: Record<string, string | string[] | null>;
  headers: Record<string, string>;
  body?: unknown;
}

/** What `handle` resolves with (`@smithy/types` HttpResponse, wrapped). */
export interface SdkHttpResponse {
  response: { statusCode: number; reason?: string; headers: Record<string, string>; body: unknown };
}

/** The SDK's handler contract, structurally. */
export interface SdkHttpHandler {
  metadata: { handlerProtocol: string };
  handle(request: SdkHttpRequest, options?: { abortSignal?: unknown; requestTimeout?: number }): Promise<SdkHttpResponse>;
  updateHttpClientConfig(key: never, value: never): void;
  httpHandlerConfigs(): Record<string, never>;
  destroy(): void;
}

/** An SDK request handler that sends through `dispatcher`. `destroy` leaves the dispatcher alone: it is shared. */
export function createUndiciSdkHandler(dispatcher: Dispatcher): SdkHttpHandler {
  return {
    metadata: { handlerProtocol: 'http/1.1' },
    async handle(request, options = {}) {
      const signal = options.abortSignal instanceof AbortSignal ? options.abortSignal : undefined;
      const host = request.hostname.includes(':') && !request.hostname.startsWith('[') ? `[${request.hostname}]` : request.hostname;
      const origin = `${request.protocol.endsWith(':') ? request.protocol : `${request.protocol}:`}//${host}${request.port ? `:${request.port}` : ''}`;
      const query = request.query ? buildQuery(request.query) : '';
      const requestOptions: Dispatcher.RequestOptions = {
        origin,
        path: query ? `${request.path}?${query}` : request.path,
        method: request.method,
        headers: request.headers,
        body: request.body as Dispatcher.DispatchOptions['body'],
        // The adapter's deadline and idle timer own timing (see the header comment).
        headersTimeout: 0,
        bodyTimeout: 0,
      };
      const response = signal ? await abortableRequest(dispatcher, { ...requestOptions, signal }) : await dispatcher.request(requestOptions);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(response.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
      }
      return { response: { statusCode: response.statusCode, reason: response.statusText, headers, body: response.body } };
    },
    updateHttpClientConfig() {
      // Nothing to configure: the dispatcher is the gateway's.
    },
    httpHandlerConfigs() {
      return {};
    },
    destroy() {
      // The dispatcher is shared and closed by its owner.
    },
  };
}

/** A query string as the SDK's own handlers build it (RFC 3986 encoding, repeated keys for arrays). */
function buildQuery(query: Record<string, string | string[] | null>): string {
  const parts: string[] = [];
  for (const key of Object.keys(query).sort()) {
    const value = query[key];
    const name = encode(key);
    if (value === null || value === undefined) parts.push(name);
    else if (Array.isArray(value)) for (const item of value) parts.push(`${name}=${encode(item)}`);
    else parts.push(`${name}=${encode(value)}`);
  }
  return parts.join('&');
}

function encode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

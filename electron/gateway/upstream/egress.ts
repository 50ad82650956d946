/**
 * The gateway's one egress gate (reliability.md §6): every outbound HTTP request of the gateway
 * (model servers, Bedrock through the SDK, GitLab's key set) goes through the undici Agent built
 * here, and its connect step refuses any origin the allowlist does not name. A refused origin
 * never gets a DNS lookup or a socket; the request fails with `EgressDeniedError`, which the
 * adapters turn into `UpstreamError('egress-denied')`.
 *
 * The check runs once per new connection, not per request: connections are kept alive and pooled
 * per origin, so the hot path (1,000 req/s) pays nothing for it.
 */
import { Agent, buildConnector, type Dispatcher } from 'undici';
import { UpstreamError } from './types';

/** A destination as the gate sees it: scheme, host name or IP literal (no brackets), port. */
export interface EgressOrigin {
  protocol: 'http:' | 'https:';
  hostname: string;
  port: number;
}

export interface EgressAgentOptions {
  /** True when a connection to this origin may be opened. Called once per new connection. */
  isAllowed: (origin: EgressOrigin) => boolean;
  /**
   * Most connections per origin (default 256, vLLM's long-standing --max-num-seqs default: more
   * concurrent requests than a server batches would only queue inside it). Beyond it requests wait
   * in undici's queue, where an abort still ends them at once (`abortableRequest`).
   */
  connections?: number;
  /** How long an idle kept-alive connection stays open (ms, default 4 s; see createEgressAgent). */
  keepAliveTimeout?: number;
  /** TCP + TLS connect limit (ms, default 10 s, undici's default). The adapters' own deadlines usually fire first. */
  connectTimeoutMs?: number;
}

/** Thrown by the gate's connect step; carries the refused origin (never credentials: the URL's userinfo is not part of it). */
export class EgressDeniedError extends Error {
  readonly code = 'AIRLOCK_EGRESS_DENIED';
  constructor(readonly origin: EgressOrigin) {
    super(`egress to ${formatOrigin(origin)} is not allowed`);
    this.name = 'EgressDeniedError';
  }
}

/** True when `error` (or one it wraps) is the gate's refusal. */
export function isEgressDenied(error: unknown): error is EgressDeniedError {
  for (let e: unknown = error, depth = 0; e !== null && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth += 1) {
    if ((e as { code?: unknown }).code === 'AIRLOCK_EGRESS_DENIED') return true;
  }
  return false;
}

/** `https://host:port` (IPv6 literals in brackets), for messages. */
export function formatOrigin(origin: EgressOrigin): string {
  const host = origin.hostname.includes(':') ? `[${origin.hostname}]` : origin.hostname;
  return `${origin.protocol}//${host}:${origin.port}`;
}

const DEFAULT_PORTS = { 'http:': 80, 'https:': 443 } as const;

/**
 * An undici Agent whose connect step asks `isAllowed` first. Keep-alive pooling per origin,
 * pipelining 1 (a slow stream never blocks another request behind it). One Agent for the whole
 * gateway: build it once, close it on shutdown.
 */
export function createEgressAgent(options: EgressAgentOptions): Agent {
  // keepAlive on the TCP socket too, so a dead peer behind a NAT is noticed on long idle streams.
  const connectTcp = buildConnector({ timeout: options.connectTimeoutMs ?? 10_000, keepAlive: true });
  const connect: buildConnector.connector = (opts, callback) => {
    const origin = originOf(opts);
    let isAllowed = false;
    try {
      isAllowed = origin !== null && options.isAllowed(origin);
    } catch {
      // A failing allowlist check denies: default deny (reliability.md §6).
    }
    if (origin === null || !isAllowed) {
      callback(new EgressDeniedError(origin ?? { protocol: 'http:', hostname: opts.hostname, port: Number(opts.port) || 0 }), null);
      return;
    }
    connectTcp(opts, callback);
  };
  return new Agent({
    connect,
    connections: options.connections ?? 256,
    pipelining: 1,
    // Below uvicorn's 5 s idle limit (vLLM's server, --timeout-keep-alive): a POST written on a
    // socket the server is just closing fails and is not retried, so this side lets go first.
    // A server's own `Keep-Alive: timeout=` hint is honoured up to keepAliveMaxTimeout.
    keepAliveTimeout: options.keepAliveTimeout ?? 4_000,
    keepAliveMaxTimeout: Math.max(options.keepAliveTimeout ?? 4_000, 30_000),
  });
}

/** The origin undici is about to connect to, or null for a scheme the gate never allows. */
function originOf(opts: buildConnector.Options): EgressOrigin | null {
  const protocol = opts.protocol;
  if (protocol !== 'http:' && protocol !== 'https:') return null;
  let hostname = opts.hostname;
  if (hostname.startsWith('[') && hostname.endsWith(']')) hostname = hostname.slice(1, -1);
  const port = opts.port === '' || opts.port === undefined ? DEFAULT_PORTS[protocol] : Number(opts.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return null;
  return { protocol, hostname: hostname.toLowerCase(), port };
}

/**
 * `dispatcher.request(options)`, except that an abort of `options.signal` rejects at once (with the
 * signal's reason) in every window. undici defers the abort of a request still waiting in a pool's
 * queue until a connection picks it up, which could be a whole stream later; such a request is
 * still never sent (undici sees the abort when it starts it), and an answer that loses the race
 * has its body destroyed.
 */
export function abortableRequest(dispatcher: Dispatcher, options: Dispatcher.RequestOptions & { signal: AbortSignal }): Promise<Dispatcher.ResponseData> {
  const { signal } = options;
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  const pending = dispatcher.request(options);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      reject(signal.reason as Error);
      pending.then(
        (late) => discardBody(late.body),
        () => undefined,
      );
    };
    signal.addEventListener('abort', onAbort, { once: true });
    pending.then(
      (response) => {
        signal.removeEventListener('abort', onAbort);
        resolve(response);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}

/**
 * Destroys an answer's body that will not be read to its end, which closes its connection (undici
 * cannot reuse a socket with an unread answer on it). The AbortError undici then emits on the body
 * is expected and swallowed.
 */
export function discardBody(body: Dispatcher.ResponseData['body']): void {
  if (body.destroyed) return;
  body.on('error', () => undefined);
  body.destroy();
}

export interface FetchJsonOptions {
  /** Largest body accepted (bytes); a longer one is refused without reading the rest. */
  maxBytes: number;
}

/**
 * GETs a small JSON document (GitLab's JWKS) through the gate: no redirects followed (a 30x is
 * an error naming the status), the body capped at `maxBytes`, the content type checked loosely
 * (JSON or text/plain; an HTML login page is refused). Throws `UpstreamError`; its detail names
 * the URL without credentials.
 */
export async function fetchJsonThroughEgress(agent: Dispatcher, url: string, signal: AbortSignal, options: FetchJsonOptions): Promise<unknown> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UpstreamError('protocol', 'not a valid URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UpstreamError('protocol', `only http(s) URLs can be fetched, not ${parsed.protocol}`);
  const shown = `${parsed.origin}${parsed.pathname}`;
  if (signal.aborted) throw new UpstreamError('aborted', `fetching ${shown} was cancelled`);
  let response: Dispatcher.ResponseData;
  try {
    response = await abortableRequest(agent, {
      origin: parsed.origin,
      path: `${parsed.pathname}${parsed.search}`,
      method: 'GET',
      headers: { accept: 'application/json' },
      signal,
    });
  } catch (error) {
    throw fetchError(error, shown, signal);
  }
  const { statusCode, headers, body } = response;
  try {
    if (statusCode >= 300 && statusCode < 400) throw new UpstreamError('status', `${shown} answered ${statusCode} (a redirect, not followed)`, statusCode);
    if (statusCode !== 200) throw new UpstreamError('status', `${shown} answered ${statusCode}`, statusCode);
    const type = String(headers['content-type'] ?? '');
    if (type !== '' && !/json|text\/plain/i.test(type)) throw new UpstreamError('protocol', `${shown} answered ${type.slice(0, 60)}, not JSON`);
    const length = Number(headers['content-length']);
    if (Number.isFinite(length) && length > options.maxBytes) throw new UpstreamError('protocol', `${shown} answered ${length} bytes, more than the ${options.maxBytes} accepted`);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body as AsyncIterable<Buffer>) {
      size += chunk.byteLength;
      if (size > options.maxBytes) throw new UpstreamError('protocol', `${shown} answered more than the ${options.maxBytes} bytes accepted`);
      chunks.push(chunk);
    }
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    } catch {
      throw new UpstreamError('protocol', `${shown} answered something that is not JSON`);
    }
  } catch (error) {
    throw fetchError(error, shown, signal);
  } finally {
    // A refused or half-read body: destroying it closes the connection instead of draining it.
    discardBody(body);
  }
}

function fetchError(error: unknown, shown: string, signal: AbortSignal): UpstreamError {
  if (error instanceof UpstreamError) return error;
  if (signal.aborted) return new UpstreamError('aborted', `fetching ${shown} was cancelled`);
  if (isEgressDenied(error)) return new UpstreamError('egress-denied', `${shown} is not on the egress allowlist`);
  const code = (error as { code?: unknown }).code;
  return new UpstreamError('connect', `cannot fetch ${shown}${typeof code === 'string' ? ` (${code})` : ''}`);
}

/**
 * What every adapter does around one upstream call, in one place: the caller's AbortSignal, the
 * deadline (deployment.timeoutMs), the per-chunk idle timer, and turning whatever went wrong into
 * an `UpstreamError` whose detail is safe to show (reliability.md §7, G2/G3/G8).
 *
 * One internal AbortController per call: the caller's abort, the deadline and the idle timer all
 * abort it, and it is what the HTTP request listens to, so the socket closes at once in every
 * window (queued, connecting, waiting for headers, streaming). The first cause wins and is
 * remembered, so the error names what happened rather than how undici or the SDK reported it.
 */
import { isEgressDenied, formatOrigin, type EgressDeniedError } from './egress';
import { UpstreamError } from './types';

/** Longest upstream error message passed on (characters). */
export const MAX_DETAIL_CHARS = 300;

export interface CallScopeOptions {
  /** The deployment's name: errors name it, never its key or endpoint credentials. */
  name: string;
  /** The caller's signal (the client went away). */
  signal: AbortSignal;
  /** Deadline from the start of the call until it is cleared (ms). */
  timeoutMs: number;
  /** Longest silence while waiting for a stream chunk (ms). */
  idleTimeoutMs: number;
  /** Strings that must never appear in a detail: the API key, its parts, the endpoint's userinfo. */
  secrets: readonly string[];
}

/** Where a failure happened: before the answer's headers, or while reading the answer. */
export type CallPhase = 'request' | 'response';

/** Abort, deadline and idle handling for one call. Dispose it when the call is over, however it ended. */
export class CallScope {
  readonly name: string;
  readonly secrets: readonly string[];
  private readonly controller = new AbortController();
  private readonly caller: AbortSignal;
  private readonly timeoutMs: number;
  private readonly idleTimeoutMs: number;
  private deadline: NodeJS.Timeout | null = null;
  private idle: NodeJS.Timeout | null = null;
  private cutBy: UpstreamError | null = null;
  private isDisposed = false;
  private readonly onCallerAbort = () => this.cut(new UpstreamError('aborted', `the request to ${this.name} was cancelled`));

  constructor(options: CallScopeOptions) {
    this.name = options.name;
    this.secrets = options.secrets;
    this.caller = options.signal;
    this.timeoutMs = options.timeoutMs;
    this.idleTimeoutMs = options.idleTimeoutMs;
    if (this.caller.aborted) {
      this.onCallerAbort();
      return;
    }
    this.caller.addEventListener('abort', this.onCallerAbort, { once: true });
    this.deadline = setTimeout(() => this.cut(new UpstreamError('timeout', `no answer from ${this.name} within ${formatSeconds(this.timeoutMs)} s`)), this.timeoutMs);
  }

  /** Aborted by the caller, the deadline or the idle timer: what the HTTP request listens to. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Why the call was cut, if it was. */
  get cutError(): UpstreamError | null {
    return this.cutBy;
  }

  /** Throws the cut's error if the call was cut. */
  throwIfCut(): void {
    if (this.cutBy) throw this.cutBy;
  }

  /** Streams: the answer's headers are in, from now on only the idle timer applies. */
  clearDeadline(): void {
    if (this.deadline) clearTimeout(this.deadline);
    this.deadline = null;
  }

  /** Starts the idle timer: call right before waiting for the next chunk. */
  armIdle(): void {
    if (this.isDisposed || this.cutBy) return;
    this.idle = setTimeout(() => this.cut(new UpstreamError('idle', `${this.name} sent nothing for ${formatSeconds(this.idleTimeoutMs)} s; the stream was cut`)), this.idleTimeoutMs);
  }

  /** Stops the idle timer: call as soon as a chunk (or the end, or an error) arrived. */
  disarmIdle(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
  }

  /** Clears the timers and lets go of the caller's signal. Idempotent. */
  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    this.clearDeadline();
    this.disarmIdle();
    this.caller.removeEventListener('abort', this.onCallerAbort);
  }

  /** Cuts the call now (the HTTP request sees the abort) unless it was already cut. */
  cut(error: UpstreamError): void {
    if (this.cutBy) return;
    this.cutBy = error;
    this.clearDeadline();
    this.disarmIdle();
    this.controller.abort(error);
  }

  /**
   * Turns a failure into the `UpstreamError` to throw: the cut's own error when the call was cut
   * (whatever undici or the SDK made of it), else a classification of the network error.
   */
  /**
   * The next chunk of a streamed body under the idle limit; whatever goes wrong comes out as an
   * UpstreamError (`toError` turns a failure into one; default: `fail` for the response phase).
   */
  async nextChunk<T>(iterator: AsyncIterator<T>, toError: (error: unknown) => UpstreamError = (error) => this.fail(error, 'response')): Promise<IteratorResult<T>> {
    this.armIdle();
    try {
      return await iterator.next();
    } catch (error) {
      throw toError(error);
    } finally {
      this.disarmIdle();
    }
  }

  fail(error: unknown, phase: CallPhase): UpstreamError {
    if (this.cutBy) return this.cutBy;
    if (error instanceof UpstreamError) return error;
    return classifyNetworkError(error, phase, this.name, this.secrets);
  }

  /** An `UpstreamError` with its detail scrubbed of this call's secrets. */
  error(kind: UpstreamError['kind'], detail: string, status?: number): UpstreamError {
    return new UpstreamError(kind, scrubSecrets(detail, this.secrets), status);
  }
}

/**
 * A stream's iterator whose `return()` also runs `cleanup` (closing the upstream), even when the
 * consumer gives up before its first `next()`: an async generator that never started skips its
 * own `finally`. `cleanup` must be idempotent; the generator's `finally` calls it too.
 */
export function closingIterable<T>(generator: AsyncGenerator<T, void, undefined>, cleanup: () => void): AsyncIterableIterator<T> {
  const iterator: AsyncIterableIterator<T> = {
    next: () => generator.next(),
    return: async (value?: unknown) => {
      cleanup();
      await generator.return(undefined).catch(() => undefined);
      return { done: true, value: value as T };
    },
    throw: (error?: unknown) => {
      cleanup();
      return generator.throw(error);
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

// Error codes of a connection that could not be made: Node's net/dns/tls, undici's connect timeout.
const CONNECT_CODES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed (DNS)',
  EAI_FAIL: 'host name lookup failed (DNS)',
  ENETUNREACH: 'network unreachable',
  EHOSTUNREACH: 'host unreachable',
  EHOSTDOWN: 'host down',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  EADDRNOTAVAIL: 'address not available',
  ECONNABORTED: 'connection aborted',
};
// A connection that broke: before the headers it is a connect failure, after them a cut stream.
const BROKEN_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_DESTROYED', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH', 'ERR_STREAM_PREMATURE_CLOSE']);

/** The `code` of an error or of the first error it wraps (`cause`, AggregateError's `errors`) that has one. */
export function errorCode(error: unknown): string | null {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0 && seen.size < 10) {
    const e = queue.shift();
    if (e === null || typeof e !== 'object' || seen.has(e)) continue;
    seen.add(e);
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    queue.push((e as { cause?: unknown }).cause);
    const errors = (e as { errors?: unknown }).errors;
    if (Array.isArray(errors)) queue.push(...errors);
  }
  return null;
}

function isTlsCode(code: string): boolean {
  return /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_OSSL_)/.test(code) || code === 'HOSTNAME_MISMATCH';
}

/** Classifies an error from undici, Node or the AWS SDK's transport. Never copies its message (it may hold a URL). */
export function classifyNetworkError(error: unknown, phase: CallPhase, name: string, secrets: readonly string[]): UpstreamError {
  if (isEgressDenied(error)) {
    const denied = findDenied(error);
    return new UpstreamError('egress-denied', scrubSecrets(`${name}: ${denied ? formatOrigin(denied.origin) : 'its endpoint'} is not on the egress allowlist`, secrets));
  }
  const code = errorCode(error);
  if (code !== null) {
    const reason = CONNECT_CODES[code];
    if (reason) return new UpstreamError('connect', `cannot connect to ${name}: ${reason}`);
    if (isTlsCode(code)) return new UpstreamError('connect', `cannot connect to ${name}: TLS failed (${code})`);
    if (BROKEN_CODES.has(code)) {
      return phase === 'request'
        ? new UpstreamError('connect', `${name} closed the connection before answering (${code})`)
        : new UpstreamError('protocol', `the connection to ${name} broke mid-answer (${code})`);
    }
    if (code.startsWith('HPE_') || code === 'UND_ERR_HEADERS_OVERFLOW' || code === 'UND_ERR_RESPONSE_EXCEEDED_MAX_SIZE') {
      return new UpstreamError('protocol', `${name} sent something that is not valid HTTP (${code})`);
    }
    if (code === 'UND_ERR_INVALID_ARG') return new UpstreamError('protocol', `the request to ${name} could not be built: a header value (the API key?) has characters HTTP does not allow`);
  }
  const label = error instanceof Error ? error.name : typeof error;
  return new UpstreamError(phase === 'request' ? 'connect' : 'protocol', `the call to ${name} failed (${code ?? label})`);
}

function findDenied(error: unknown): EgressDeniedError | null {
  for (let e: unknown = error, depth = 0; e !== null && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth += 1) {
    if ((e as { code?: unknown }).code === 'AIRLOCK_EGRESS_DENIED') return e as EgressDeniedError;
  }
  return null;
}

const REDACTED = '[redacted]';

/**
 * Replaces secrets in text that is passed on as it is (an upstream error body): every exact
 * secret (and its URL-encoded form), and anything after `Bearer`/`Basic`.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    // Very short strings (a one-letter username) would shred the message; they are not secrets anyway.
    if (secret.length < 4) continue;
    out = out.split(secret).join(REDACTED);
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) out = out.split(encoded).join(REDACTED);
  }
  return out.replace(/\b(Bearer|Basic)(\s+|%20|\+)(?!\[redacted\])[^\s"'`,;)}\]<>\\]+/gi, `$1 ${REDACTED}`);
}

/**
 * Makes text safe for a client or a log: `redactSecrets`, then control characters and runs of
 * white space folded to one space, then capped at `maxChars`.
 */
export function scrubSecrets(text: string, secrets: readonly string[], maxChars = 2000): string {
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  const out = redactSecrets(text, secrets).replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s{2,}/g, ' ').trim();
  return out.length > maxChars ? `${out.slice(0, maxChars - 1)}…` : out;
}

/** The short, scrubbed message of an upstream error body (OpenAI `{error:{message}}`, vLLM `{error}`, FastAPI `{detail}`, or text). */
export function upstreamMessage(body: string, contentType: string, secrets: readonly string[]): string {
  let message = body;
  if (/json/i.test(contentType) || /^\s*[{[]/.test(body)) {
    try {
      const parsed = JSON.parse(body) as unknown;
      const picked = pickMessage(parsed);
      if (picked !== null) message = picked;
    } catch {
      // Not JSON after all: the text as it is.
    }
  } else if (/html/i.test(contentType)) {
    message = body.replace(/<[^>]*>/g, ' ');
  }
  return scrubSecrets(message, secrets, MAX_DETAIL_CHARS) || '(no message)';
}

function pickMessage(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object') return null;
  const record = value as Record<string, unknown>;
  for (const key of ['error', 'message', 'detail', 'Message']) {
    const inner = record[key];
    if (typeof inner === 'string') return inner;
    if (inner !== null && typeof inner === 'object') {
      const nested = pickMessage(inner);
      if (nested !== null) return nested;
      return JSON.stringify(inner);
    }
  }
  return null;
}

/** `1500` → `"1.5"`, `60000` → `"60"`. */
export function formatSeconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}

/** The secrets of one call: the key, its `:`-separated parts (AWS keys), the endpoint's userinfo. */
export function secretsOf(apiKey: string | null, endpoint: string | null): string[] {
  const secrets: string[] = [];
  if (apiKey) {
    secrets.push(apiKey);
    if (apiKey.includes(':')) secrets.push(...apiKey.split(':').filter((part) => part.length >= 8));
  }
  if (endpoint) {
    const match = /^[a-z][a-z0-9+.-]*:\/\/([^/?#@]*)@/i.exec(endpoint);
    if (match?.[1]) {
      const userinfo = match[1];
      secrets.push(userinfo);
      for (const part of userinfo.split(':')) {
        if (part === '') continue;
        secrets.push(part);
        try {
          const decoded = decodeURIComponent(part);
          if (decoded !== part) secrets.push(decoded);
        } catch {
          // Not valid percent-encoding: the raw form is enough.
        }
      }
    }
  }
  // Longest first, so a key is redacted whole before one of its parts could split it.
  return secrets.sort((a, b) => b.length - a.length);
}

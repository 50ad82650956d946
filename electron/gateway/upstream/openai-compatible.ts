/**
 * Calls a server that speaks OpenAI's wire format: vLLM (here or remote), any OpenAI-compatible
 * server, and, through `OpenAiDialect`, Azure OpenAI (azure-openai.ts). One POST per call through
 * the injected undici dispatcher (the egress gate), never the client's headers: only what is built
 * here (content type, the key, X-Request-ID).
 *
 * Timing (reliability.md §7, G2/G3): a deadline of `deployment.timeoutMs` from the start of the
 * call to the answer's headers, and for a non-streamed answer to its last byte; a streamed answer
 * then has only the per-chunk idle limit (`options.idleTimeoutMs`), measured while this side is
 * waiting for the next chunk, so a slow reader never trips it. The caller's abort, the deadline
 * and the idle limit all abort the same request, which closes the socket in every window.
 *
 * Backpressure: a stream is read one network chunk at a time as the consumer pulls deltas; undici
 * keeps at most its highWaterMark (64 KiB) ahead and pauses the socket beyond that.
 */
import type { Dispatcher } from 'undici';
import { CallScope, closingIterable, MAX_DETAIL_CHARS, redactSecrets, secretsOf, upstreamMessage } from './call-scope';
import { abortableRequest, discardBody } from './egress';
import { createSseParser, SseOverflowError } from './sse';
import {
  type RawUpstreamResponse,
  type UpstreamAdapter,
  type UpstreamCall,
  type CallOptions,
  UpstreamError,
  type UpstreamResponse,
  type UpstreamTarget,
  type Usage,
} from './types';

/** Largest non-streamed answer read (bytes): far above any max_tokens answer, small enough to hold. */
const MAX_ANSWER_BYTES = 32 * 1024 * 1024;
/** How much of an error answer is read for its message (bytes). */
const MAX_ERROR_BYTES = 64 * 1024;

/** The two OpenAI operations the gateway uses. */
export type OpenAiPath = 'chat/completions' | 'completions';

export interface OpenAiCompatibleDeps {
  /** The egress-gated dispatcher (egress.ts). */
  dispatcher: Dispatcher;
  /** Clock, for callers that wire one everywhere; timers here are the event loop's own. */
  now?: () => number;
}

/** How a platform addresses an OpenAI-shaped API: where to post, how to present the key, whether `model` goes in the body. */
export interface OpenAiDialect {
  /** The origin (no credentials) and the path with query for one operation; throws `UpstreamError` when the endpoint is unusable. */
  locate(target: UpstreamTarget, path: OpenAiPath): { origin: string; path: string };
  /** Headers that carry the key (none without a key). */
  authHeaders(apiKey: string | null): Record<string, string>;
  /** Whether the body names the model (Azure takes it from the path). */
  sendsModel: boolean;
}

/** Parsed endpoints: every call parses its deployment's URL, and there are few of them (bounded all the same). */
const parsedEndpoints = new Map<string, { origin: string; basePath: string }>();
const PARSED_ENDPOINTS_MAX = 256;

/** An endpoint split into what undici needs, without its userinfo, trailing slashes removed from the path. */
export function parseEndpoint(endpoint: string | null, name: string): { origin: string; basePath: string } {
  if (endpoint === null || endpoint === '') throw new UpstreamError('connect', `${name} has no endpoint registered`);
  const known = parsedEndpoints.get(endpoint);
  if (known) return known;
  const parsed = parseEndpointUrl(endpoint, name);
  if (parsedEndpoints.size >= PARSED_ENDPOINTS_MAX) parsedEndpoints.clear();
  parsedEndpoints.set(endpoint, parsed);
  return parsed;
}

function parseEndpointUrl(endpoint: string, name: string): { origin: string; basePath: string } {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new UpstreamError('connect', `the endpoint of ${name} is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UpstreamError('connect', `the endpoint of ${name} is not an http(s) URL`);
  return Object.freeze({ origin: url.origin, basePath: url.pathname.replace(/\/+$/, '') });
}

/** vLLM and other OpenAI-compatible servers: `<endpoint>/chat/completions` (the endpoint ends in /v1), Bearer key. */
export const openAiDialect: OpenAiDialect = {
  locate(target, path) {
    const { origin, basePath } = parseEndpoint(target.deployment.endpoint, target.deployment.name);
    return { origin, path: `${basePath}/${path}` };
  },
  authHeaders(apiKey): Record<string, string> {
    return apiKey ? { authorization: `Bearer ${apiKey}` } : {};
  },
  sendsModel: true,
};

/** The adapter for vLLM and any OpenAI-compatible server. */
export function createOpenAiCompatibleAdapter(deps: OpenAiCompatibleDeps): Required<UpstreamAdapter> {
  return createOpenAiWireAdapter(deps, openAiDialect);
}

/** An adapter for any platform speaking OpenAI's wire format, addressed through `dialect`. */
export function createOpenAiWireAdapter(deps: OpenAiCompatibleDeps, dialect: OpenAiDialect): Required<UpstreamAdapter> {
  const { dispatcher } = deps;

  /** Posts `payload`; resolves with the answer's headers in, or throws (the scope is the caller's to dispose). */
  async function post(scope: CallScope, target: UpstreamTarget, path: OpenAiPath, payload: Record<string, unknown>, options: CallOptions): Promise<Dispatcher.ResponseData> {
    scope.throwIfCut();
    const { origin, path: urlPath } = dialect.locate(target, path);
    if (target.apiKey !== null && !/^[\x21-\x7e]+$/.test(target.apiKey)) {
      throw new UpstreamError('protocol', `the API key of ${scope.name} has characters that cannot be sent in an HTTP header (a space or line break?)`);
    }
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: options.stream ? 'text/event-stream' : 'application/json',
      ...dialect.authHeaders(target.apiKey),
    };
    if (/^[\x21-\x7e]{1,200}$/.test(options.requestId)) headers['x-request-id'] = options.requestId;
    try {
      // undici's own header/body timers are off: the scope's deadline and idle timer own timing.
      return await abortableRequest(dispatcher, { origin, path: urlPath, method: 'POST', headers, body: JSON.stringify(payload), signal: scope.signal, headersTimeout: 0, bodyTimeout: 0 });
    } catch (error) {
      throw scope.fail(error, 'request');
    }
  }

  /** Throws the `status` error for an answer outside 2xx, with the upstream's scrubbed message. */
  async function failOnStatus(scope: CallScope, response: Dispatcher.ResponseData): Promise<void> {
    const status = response.statusCode;
    if (status >= 200 && status < 300) return;
    const text = (await readBody(scope, response.body, MAX_ERROR_BYTES, true)).toString('utf8');
    const message = status >= 300 && status < 400 ? 'a redirect, not followed' : upstreamMessage(text, contentTypeOf(response), scope.secrets);
    throw scope.error('status', `${scope.name} answered ${status}: ${message}`, status);
  }

  return {
    async call(target: UpstreamTarget, call: UpstreamCall, options: CallOptions): Promise<UpstreamResponse> {
      const scope = newScope(target, options);
      let isHandedOver = false;
      try {
        const isChat = call.kind === 'chat';
        const payload = requestBody(call, options.stream, dialect.sendsModel ? target.model : null);
        const response = await post(scope, target, isChat ? 'chat/completions' : 'completions', payload, options);
        await failOnStatus(scope, response);
        if (options.stream && isEventStream(response)) {
          scope.clearDeadline();
          isHandedOver = true;
          return streamedAnswer(scope, response.body, isChat);
        }
        // Not streamed (or a server that ignored `stream`): the whole answer within the deadline.
        const answer = parseAnswer(scope, (await readBody(scope, response.body, MAX_ANSWER_BYTES, false)).toString('utf8'), isChat);
        return {
          deltas: once(answer.text),
          result: () => ({ finishReason: answer.finishReason, usage: answer.usage }),
        };
      } catch (error) {
        throw scope.fail(error, 'request');
      } finally {
        if (!isHandedOver) scope.dispose();
      }
    },

    async forward(target, path, body, options): Promise<RawUpstreamResponse> {
      const scope = newScope(target, options);
      let isHandedOver = false;
      try {
        const response = await post(scope, target, path, body, options);
        const status = response.statusCode;
        const contentType = contentTypeOf(response) || 'application/octet-stream';
        if (status < 200 || status >= 300) {
          // Passed on, but an error answer may echo the request (and so the key): redact it.
          const text = (await readBody(scope, response.body, MAX_ERROR_BYTES, true)).toString('utf8');
          return { status, contentType, body: once<Uint8Array>(Buffer.from(redactSecrets(text, scope.secrets), 'utf8')) };
        }
        if (options.stream && isEventStream(response)) {
          scope.clearDeadline();
          isHandedOver = true;
          return { status, contentType, body: rawStream(scope, response.body) };
        }
        const bytes = await readBody(scope, response.body, MAX_ANSWER_BYTES, false);
        return { status, contentType, body: once<Uint8Array>(bytes) };
      } catch (error) {
        throw scope.fail(error, 'request');
      } finally {
        if (!isHandedOver) scope.dispose();
      }
    },
  };
}

function newScope(target: UpstreamTarget, options: CallOptions): CallScope {
  return new CallScope({
    name: target.deployment.name,
    signal: options.signal,
    timeoutMs: target.deployment.timeoutMs,
    idleTimeoutMs: options.idleTimeoutMs,
    secrets: secretsOf(target.apiKey, target.deployment.endpoint),
  });
}

/** The JSON body of a chat or completion request. */
export function requestBody(call: UpstreamCall, stream: boolean, model: string | null): Record<string, unknown> {
  const { params } = call;
  const body: Record<string, unknown> = {};
  if (model !== null) body.model = model;
  if (call.kind === 'chat') body.messages = call.messages.map(({ role, content }) => ({ role, content }));
  else body.prompt = call.prompt;
  body.max_tokens = params.maxTokens;
  body.temperature = params.temperature;
  if (params.stop && params.stop.length > 0) body.stop = [...params.stop];
  if (params.topP !== undefined) body.top_p = params.topP;
  body.stream = stream;
  if (stream) body.stream_options = { include_usage: true };
  return body;
}

function contentTypeOf(response: Dispatcher.ResponseData): string {
  const value = response.headers['content-type'];
  return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
}

function isEventStream(response: Dispatcher.ResponseData): boolean {
  return /text\/event-stream/i.test(contentTypeOf(response));
}

/**
 * Reads a whole body (within the scope's deadline). Over `maxBytes`: `truncate` keeps the first
 * `maxBytes` (an error message), else the answer is refused as too large.
 */
async function readBody(scope: CallScope, body: Dispatcher.ResponseData['body'], maxBytes: number, truncate: boolean): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  let isComplete = false;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      size += chunk.byteLength;
      if (size > maxBytes) {
        if (!truncate) throw new UpstreamError('protocol', `${scope.name} sent an answer larger than ${maxBytes / 1024 / 1024} MiB`);
        chunks.push(chunk.subarray(0, chunk.byteLength - (size - maxBytes)));
        break;
      }
      chunks.push(chunk);
    }
    isComplete = size <= maxBytes;
  } catch (error) {
    throw scope.fail(error, 'response');
  } finally {
    // A body left unread would hold the connection: destroying it closes the socket.
    if (!isComplete) discardBody(body);
  }
  return Buffer.concat(chunks);
}

interface Answer {
  text: string;
  finishReason: string | null;
  usage: Usage | null;
}

interface ChoiceShape {
  index?: unknown;
  text?: unknown;
  message?: { content?: unknown };
  delta?: { content?: unknown };
  finish_reason?: unknown;
}

/** The text, finish reason and usage of a non-streamed chat or completion answer. */
function parseAnswer(scope: CallScope, text: string, isChat: boolean): Answer {
  const parsed = parseJson(scope, text);
  const choice = firstChoice(parsed);
  if (choice === undefined) throw scope.error('protocol', `${scope.name} sent an answer without choices`);
  const content = isChat ? choice.message?.content : choice.text;
  if (content !== undefined && content !== null && typeof content !== 'string') throw scope.error('protocol', `${scope.name} sent an answer whose text is not a string`);
  return { text: content ?? '', finishReason: typeof choice.finish_reason === 'string' ? choice.finish_reason : null, usage: usageOf(parsed) };
}

function parseJson(scope: CallScope, text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw scope.error('protocol', `${scope.name} sent an answer that is not JSON: ${text.slice(0, 80)}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw scope.error('protocol', `${scope.name} sent JSON that is not an object`);
  return parsed as Record<string, unknown>;
}

function firstChoice(parsed: Record<string, unknown>): ChoiceShape | undefined {
  const choices = parsed.choices;
  if (!Array.isArray(choices)) return undefined;
  const found = (choices as ChoiceShape[]).find((c) => c !== null && typeof c === 'object' && (c.index === 0 || c.index === undefined));
  return found;
}

function usageOf(parsed: Record<string, unknown>): Usage | null {
  const usage = parsed.usage as { prompt_tokens?: unknown; completion_tokens?: unknown } | null | undefined;
  if (!usage || typeof usage !== 'object') return null;
  const input = usage.prompt_tokens;
  const output = usage.completion_tokens;
  if (typeof input !== 'number' || typeof output !== 'number') return null;
  return { inputTokens: input, outputTokens: output };
}

/** The error an OpenAI-shaped server sends inside a stream (`data: {"error": …}`, vLLM does this). */
function streamError(scope: CallScope, error: unknown): UpstreamError {
  const code = (error as { code?: unknown } | null)?.code;
  const status = typeof code === 'number' && code >= 400 && code < 600 ? code : 502;
  const message = upstreamMessage(JSON.stringify({ error }), 'application/json', scope.secrets);
  return scope.error('status', `${scope.name} reported an error mid-stream: ${message}`.slice(0, MAX_DETAIL_CHARS + 80), status);
}

/** A streamed chat or completion: deltas parsed from SSE as the consumer pulls them. */
function streamedAnswer(scope: CallScope, body: Dispatcher.ResponseData['body'], isChat: boolean): UpstreamResponse {
  let finishReason: string | null = null;
  let usage: Usage | null = null;
  let isDone = false;
  const pending: string[] = [];
  const parser = createSseParser((event) => {
    if (isDone || event.data === '') return;
    if (event.data === '[DONE]') {
      isDone = true;
      return;
    }
    if (event.event !== null && event.event !== 'message' && event.event !== 'error') return;
    const chunk = parseJson(scope, event.data);
    if (chunk.error !== undefined && chunk.error !== null) throw streamError(scope, chunk.error);
    if (event.event === 'error') throw streamError(scope, chunk);
    const choice = firstChoice(chunk);
    if (choice) {
      const text = isChat ? choice.delta?.content : choice.text;
      if (typeof text === 'string' && text !== '') pending.push(text);
      if (typeof choice.finish_reason === 'string') finishReason = choice.finish_reason;
    }
    usage = usageOf(chunk) ?? usage;
  });

  let isEnded = false;
  const close = () => {
    scope.dispose();
    if (!isEnded) discardBody(body);
  };

  async function* deltas(): AsyncGenerator<string, void, undefined> {
    const decoder = new TextDecoder();
    const iterator = (body as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    try {
      for (;;) {
        while (pending.length > 0) yield pending.shift() as string;
        if (isEnded || isDone) break;
        const next = await scope.nextChunk(iterator);
        try {
          if (next.done) {
            isEnded = true;
            parser.push(decoder.decode());
            parser.end();
          } else {
            parser.push(decoder.decode(next.value, { stream: true }));
          }
        } catch (error) {
          throw parseFailure(scope, error);
        }
      }
      // After [DONE] the body should end at once: read what is left (normally nothing) without waiting long.
      if (isDone && !isEnded) isEnded = await drainQuickly(iterator);
    } finally {
      close();
    }
  }

  return { deltas: closingIterable(deltas(), close), result: () => ({ finishReason, usage }) };
}

/** After `[DONE]`: the body's end, if it comes within a tick or two; else the caller closes the connection. */
async function drainQuickly(iterator: AsyncIterator<Buffer>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), 50);
  });
  try {
    for (let i = 0; i < 4; i += 1) {
      const next = await Promise.race([iterator.next(), timeout]);
      if (next === 'late') return false;
      if (next.done) return true;
    }
    return false;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

function parseFailure(scope: CallScope, error: unknown): UpstreamError {
  if (error instanceof UpstreamError) return error;
  if (error instanceof SseOverflowError) return scope.error('protocol', `${scope.name} sent an event stream line longer than accepted`);
  return scope.error('protocol', `${scope.name} sent an event stream that could not be read`);
}

/** The bytes of a streamed answer, untouched, one network chunk per pull, under the idle limit. */
function rawStream(scope: CallScope, body: Dispatcher.ResponseData['body']): AsyncIterable<Uint8Array> {
  let isEnded = false;
  const close = () => {
    scope.dispose();
    if (!isEnded) discardBody(body);
  };
  return closingIterable(rawChunks(scope, body, () => (isEnded = true), close), close);
}

async function* rawChunks(scope: CallScope, body: Dispatcher.ResponseData['body'], onEnd: () => void, close: () => void): AsyncGenerator<Uint8Array, void, undefined> {
  const iterator = (body as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await scope.nextChunk(iterator);
      if (next.done) {
        onEnd();
        return;
      }
      yield next.value;
    }
  } finally {
    close();
  }
}

/** An async iterable of exactly one value (a non-streamed answer). */
function once<T>(value: T): AsyncIterable<T> {
  return {
    async *[Symbol.asyncIterator]() {
      yield value;
    },
  };
}

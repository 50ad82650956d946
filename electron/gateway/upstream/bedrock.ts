/**
 * Amazon Bedrock through the AWS SDK v3: Converse for whole answers, ConverseStream for streams
 * (gitlab-ai-gateway.md §9). Chat only; a raw completion is `unsupported`.
 *
 * Credentials come only from the key the target carries (the deployment's API key):
 * - `ACCESS_KEY_ID:SECRET_ACCESS_KEY[:SESSION_TOKEN]`: static keys, SigV4;
 * - anything else: a Bedrock API key, sent as `Authorization: Bearer …` (the SDK's
 *   `smithy.api#httpBearerAuth` scheme, chosen with `authSchemePreference`, with the key as the
 *   `token` config: both present in the installed 3.1163.0, see its runtimeConfig and
 *   auth/httpAuthSchemeProvider).
 *
 * The SDK must never look anywhere else (reliability.md §6): explicit `credentials` and `token`
 * (the unused one a provider that throws), a `credentialDefaultProvider` that throws, so the
 * default chain (env, ~/.aws, SSO, ECS, IMDS at 169.254.169.254) is never built;
 * `defaultsMode: 'standard'` (`auto` may ask IMDS for the region); explicit region, FIPS and
 * dual-stack flags and auth preference (no shared-config lookups);
 * `ignoreConfiguredEndpointUrls` (AWS_ENDPOINT_URL* cannot redirect traffic); `maxAttempts: 1`.
 * Its HTTP goes through the gateway's egress-gated dispatcher (bedrock-http-handler.ts).
 *
 * The SDK is large: it is imported on the first Bedrock call, not when the gateway starts.
 */
import { createHash } from 'node:crypto';
import type { Dispatcher } from 'undici';
import type * as BedrockSdk from '@aws-sdk/client-bedrock-runtime';
import { createUndiciSdkHandler } from './bedrock-http-handler';
import { CallScope, classifyNetworkError, closingIterable, errorCode, MAX_DETAIL_CHARS, scrubSecrets, secretsOf } from './call-scope';
import { isEgressDenied } from './egress';
import { type CallOptions, type ChatMessage, type UpstreamAdapter, type UpstreamCall, UpstreamError, type UpstreamResponse, type UpstreamTarget, type Usage } from './types';

type Sdk = typeof BedrockSdk;

/** Where Bedrock is: the gateway config's `bedrock` block. */
export interface BedrockSettings {
  region: string | null;
  /** A VPC endpoint URL; null: the regional endpoint. */
  endpoint: string | null;
}

export interface BedrockAdapterDeps {
  /** The egress-gated dispatcher (egress.ts); Bedrock's endpoint must be on its allowlist. */
  dispatcher: Dispatcher;
  /** Read on every call, so a changed region or endpoint applies to the next request. */
  settings: () => BedrockSettings;
  /** Loads the SDK (default: a dynamic import, once). */
  loadSdk?: () => Promise<Sdk>;
}

export interface BedrockAdapter extends UpstreamAdapter {
  /** Destroys the cached SDK clients. */
  dispose(): Promise<void>;
}

/** Credentials as parsed from a deployment's API key. */
export type BedrockCredentials =
  | { kind: 'static'; accessKeyId: string; secretAccessKey: string; sessionToken?: string }
  | { kind: 'bearer'; token: string };

/** Most SDK clients kept (one per region, endpoint and key); the least recently used goes first. */
const MAX_CLIENTS = 16;

/**
 * Reads a deployment's API key as AWS credentials: `ACCESS_KEY_ID:SECRET[:SESSION_TOKEN]` (an
 * access key id is 16–128 upper-case letters and digits; secrets and tokens hold no `:`), else a
 * Bedrock API key (bearer). Null for no key.
 */
export function parseBedrockCredentials(apiKey: string | null): BedrockCredentials | null {
  if (apiKey === null || apiKey === '') return null;
  const parts = apiKey.split(':');
  const [id, secret, token] = parts;
  if ((parts.length === 2 || parts.length === 3) && id !== undefined && /^[A-Z0-9]{16,128}$/.test(id) && secret) {
    if (parts.length === 2) return { kind: 'static', accessKeyId: id, secretAccessKey: secret };
    if (token) return { kind: 'static', accessKeyId: id, secretAccessKey: secret, sessionToken: token };
  }
  return { kind: 'bearer', token: apiKey };
}

/** The model id to call: the identifier's model, without the `converse/` of ARN identifiers (§2.3). */
export function bedrockModelId(model: string): string {
  return model.startsWith('converse/') ? model.slice('converse/'.length) : model;
}

/**
 * Chat messages as Converse wants them: system turns become `system` blocks, consecutive turns of
 * one role merge into one message (Converse requires alternation), and the first turn must be the
 * user's. Throws `unsupported` when there is no user turn to start with.
 */
export function converseMessages(name: string, messages: readonly ChatMessage[]): Pick<BedrockSdk.ConverseRequest, 'messages' | 'system'> {
  const system: BedrockSdk.SystemContentBlock[] = [];
  const turns: BedrockSdk.Message[] = [];
  for (const message of messages) {
    if (message.role === 'system') {
      if (message.content !== '') system.push({ text: message.content });
      continue;
    }
    const last = turns[turns.length - 1];
    if (last && last.role === message.role) last.content?.push({ text: message.content });
    else turns.push({ role: message.role, content: [{ text: message.content }] });
  }
  if (turns[0]?.role !== 'user') {
    throw new UpstreamError('unsupported', `Bedrock needs the conversation sent to ${name} to start with a user message`);
  }
  return system.length > 0 ? { messages: turns, system } : { messages: turns };
}

/** Bedrock's stop reasons in OpenAI's words, so every adapter reports the same vocabulary. */
export function finishReasonOf(stopReason: string | undefined | null): string | null {
  switch (stopReason) {
    case undefined:
    case null:
      return null;
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'guardrail_intervened':
    case 'content_filtered':
      return 'content_filter';
    case 'tool_use':
      return 'tool_calls';
    default:
      return stopReason;
  }
}

/** The Bedrock adapter. Clients are made on demand and cached per (region, endpoint, key). */
export function createBedrockAdapter(deps: BedrockAdapterDeps): BedrockAdapter {
  const loadSdk = deps.loadSdk ?? (() => import('@aws-sdk/client-bedrock-runtime'));
  const handler = createUndiciSdkHandler(deps.dispatcher);
  let sdk: Promise<Sdk> | null = null;
  const clients = new Map<string, BedrockSdk.BedrockRuntimeClient>();

  const sdkOnce = (): Promise<Sdk> => {
    sdk ??= loadSdk().catch((error: unknown) => {
      sdk = null;
      throw error;
    });
    return sdk;
  };

  function clientFor(library: Sdk, settings: { region: string; endpoint: string | null }, credentials: BedrockCredentials, apiKey: string): BedrockSdk.BedrockRuntimeClient {
    const key = createHash('sha256').update(`${settings.region}\0${settings.endpoint ?? ''}\0${apiKey}`).digest('hex');
    const cached = clients.get(key);
    if (cached) {
      // Map order is insertion order: re-inserting marks it most recently used.
      clients.delete(key);
      clients.set(key, cached);
      return cached;
    }
    const refuse = async (): Promise<never> => {
      throw new Error('no such credentials: Airlock passes Bedrock credentials explicitly');
    };
    const client = new library.BedrockRuntimeClient({
      region: settings.region,
      ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
      ignoreConfiguredEndpointUrls: true,
      credentials: credentials.kind === 'static' ? { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey, sessionToken: credentials.sessionToken } : refuse,
      credentialDefaultProvider: () => refuse,
      token: credentials.kind === 'bearer' ? { token: credentials.token } : refuse,
      authSchemePreference: credentials.kind === 'bearer' ? ['httpBearerAuth'] : ['sigv4'],
      defaultsMode: 'standard',
      maxAttempts: 1,
      retryMode: 'standard',
      useFipsEndpoint: false,
      useDualstackEndpoint: false,
      userAgentAppId: 'airlock',
      requestHandler: handler,
    });
    clients.set(key, client);
    while (clients.size > MAX_CLIENTS) {
      const oldest = clients.keys().next().value as string;
      clients.get(oldest)?.destroy();
      clients.delete(oldest);
    }
    return client;
  }

  return {
    async call(target: UpstreamTarget, call: UpstreamCall, options: CallOptions): Promise<UpstreamResponse> {
      const name = target.deployment.name;
      if (call.kind !== 'chat') throw new UpstreamError('unsupported', `${name} is on Amazon Bedrock, which takes chat requests only, not raw completions`);
      const settings = deps.settings();
      if (!settings.region) throw new UpstreamError('connect', `cannot call ${name}: no Bedrock region is set (the gateway's bedrock.region setting, e.g. us-east-1)`);
      const credentials = parseBedrockCredentials(target.apiKey);
      if (credentials === null || target.apiKey === null) {
        throw new UpstreamError('connect', `cannot call ${name}: it has no AWS credentials; set its API key to ACCESS_KEY_ID:SECRET_ACCESS_KEY[:SESSION_TOKEN] or a Bedrock API key`);
      }
      const modelId = bedrockModelId(target.model);
      if (modelId === '') throw new UpstreamError('connect', `${name} names no Bedrock model (identifier bedrock/<model id>)`);
      const request = converseMessages(name, call.messages);
      const scope = new CallScope({
        name,
        signal: options.signal,
        timeoutMs: target.deployment.timeoutMs,
        idleTimeoutMs: options.idleTimeoutMs,
        secrets: secretsOf(target.apiKey, settings.endpoint),
      });
      let isHandedOver = false;
      try {
        const library = await untilCut(scope, sdkOnce());
        const client = clientFor(library, { region: settings.region, endpoint: settings.endpoint }, credentials, target.apiKey);
        const inferenceConfig: BedrockSdk.InferenceConfiguration = { maxTokens: call.params.maxTokens, temperature: call.params.temperature };
        if (call.params.topP !== undefined) inferenceConfig.topP = call.params.topP;
        if (call.params.stop && call.params.stop.length > 0) inferenceConfig.stopSequences = [...call.params.stop];
        const input = { modelId, ...request, inferenceConfig };
        scope.throwIfCut();
        if (!options.stream) {
          const output = await client.send(new library.ConverseCommand(input), { abortSignal: scope.signal });
          const text = (output.output?.message?.content ?? []).map((block) => block.text ?? '').join('');
          const finishReason = finishReasonOf(output.stopReason);
          const usage = usageOf(output.usage);
          return { deltas: once(text), result: () => ({ finishReason, usage }) };
        }
        const output = await client.send(new library.ConverseStreamCommand(input), { abortSignal: scope.signal });
        if (!output.stream) throw scope.error('protocol', `${name} answered a stream request without a stream`);
        scope.clearDeadline();
        isHandedOver = true;
        return streamedAnswer(scope, output.stream);
      } catch (error) {
        throw sdkError(scope, error, 'request');
      } finally {
        if (!isHandedOver) scope.dispose();
      }
    },

    async dispose() {
      for (const client of clients.values()) client.destroy();
      clients.clear();
    },
  };
}

/** The SDK's import, unless the call is cut first (abort, deadline). */
async function untilCut<T>(scope: CallScope, promise: Promise<T>): Promise<T> {
  scope.throwIfCut();
  let onAbort: (() => void) | undefined;
  const cut = new Promise<never>((_, reject) => {
    onAbort = () => reject(scope.cutError ?? new UpstreamError('aborted', `the request to ${scope.name} was cancelled`));
    scope.signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([
      promise.catch(() => {
        throw new UpstreamError('unsupported', 'the Amazon Bedrock client could not be loaded');
      }),
      cut,
    ]);
  } finally {
    if (onAbort) scope.signal.removeEventListener('abort', onAbort);
  }
}

function usageOf(usage: BedrockSdk.TokenUsage | undefined): Usage | null {
  if (!usage || typeof usage.inputTokens !== 'number' || typeof usage.outputTokens !== 'number') return null;
  return { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens };
}

/** A ConverseStream answer as text deltas, pulled one event at a time under the idle limit. */
function streamedAnswer(scope: CallScope, stream: AsyncIterable<BedrockSdk.ConverseStreamOutput>): UpstreamResponse {
  let finishReason: string | null = null;
  let usage: Usage | null = null;

  let isEnded = false;
  // Ended early (the consumer stopped, an error): close the connection rather than leave it streaming.
  const close = () => {
    if (!isEnded) scope.cut(new UpstreamError('aborted', `the request to ${scope.name} was cancelled`));
    scope.dispose();
  };

  async function* deltas(): AsyncGenerator<string, void, undefined> {
    const iterator = stream[Symbol.asyncIterator]();
    try {
      for (;;) {
        const next = await scope.nextChunk(iterator, (error) => sdkError(scope, error, 'response'));
        if (next.done) {
          isEnded = true;
          return;
        }
        const event = next.value;
        if (event.contentBlockDelta) {
          const text = event.contentBlockDelta.delta?.text;
          if (typeof text === 'string' && text !== '') yield text;
        } else if (event.messageStop) {
          finishReason = finishReasonOf(event.messageStop.stopReason);
        } else if (event.metadata) {
          usage = usageOf(event.metadata.usage) ?? usage;
        } else {
          const exception = streamException(event);
          if (exception) throw scope.error('status', `${scope.name} reported ${exception.name} mid-stream: ${exception.message}`, exception.status);
        }
      }
    } finally {
      close();
    }
  }

  return { deltas: closingIterable(deltas(), close), result: () => ({ finishReason, usage }) };
}

/** An exception delivered as a stream member (`internalServerException`, `throttlingException`…). */
function streamException(event: BedrockSdk.ConverseStreamOutput): { name: string; message: string; status: number } | null {
  for (const [key, value] of Object.entries(event)) {
    if (!key.endsWith('Exception') || value === undefined) continue;
    const message = typeof (value as { message?: unknown }).message === 'string' ? (value as { message: string }).message : '';
    const status = key === 'throttlingException' ? 429 : key === 'validationException' ? 400 : key === 'serviceUnavailableException' ? 503 : 500;
    return { name: key, message, status };
  }
  return null;
}

/** HTTP statuses of Bedrock Runtime's exceptions (API reference, "Errors" of Converse/ConverseStream). */
const EXCEPTION_STATUS: Readonly<Record<string, number>> = {
  ValidationException: 400,
  AccessDeniedException: 403,
  ResourceNotFoundException: 404,
  ModelTimeoutException: 408,
  ModelErrorException: 424,
  ThrottlingException: 429,
  ServiceQuotaExceededException: 429,
  ModelNotReadyException: 429,
  InternalServerException: 500,
  ModelStreamErrorException: 502,
  ServiceUnavailableException: 503,
};

interface SdkErrorShape {
  name?: unknown;
  message?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  originalStatusCode?: unknown;
}

/** What the SDK threw, as an `UpstreamError`: the cut's error, the service's status and message, or a network failure. */
function sdkError(scope: CallScope, error: unknown, phase: 'request' | 'response'): UpstreamError {
  if (scope.cutError) return scope.cutError;
  if (error instanceof UpstreamError) return error;
  if (isEgressDenied(error) || errorCode(error) !== null) return classifyNetworkError(error, phase, scope.name, scope.secrets);
  const shape = (error ?? {}) as SdkErrorShape;
  const name = typeof shape.name === 'string' ? shape.name : 'Error';
  const message = scrubSecrets(typeof shape.message === 'string' ? shape.message : '', scope.secrets, MAX_DETAIL_CHARS);
  const status = typeof shape.$metadata?.httpStatusCode === 'number' ? shape.$metadata.httpStatusCode : typeof shape.originalStatusCode === 'number' ? shape.originalStatusCode : null;
  if (status !== null && status >= 400) return scope.error('status', `${scope.name} answered ${status} (${name}): ${message || '(no message)'}`, status);
  if (shape.$fault === 'server' || shape.$fault === 'client') {
    // An exception event inside a stream carries no HTTP status of its own: Bedrock's documented one.
    const eventStatus = EXCEPTION_STATUS[name] ?? (shape.$fault === 'server' ? 502 : 400);
    return scope.error('status', `${scope.name} reported ${name}: ${message || '(no message)'}`, eventStatus);
  }
  if (error instanceof SyntaxError || /deserializ|truncated|event message|checksum|prelude/i.test(message)) {
    return scope.error('protocol', `${scope.name} sent an answer that could not be read (${name})`);
  }
  return scope.error(phase === 'request' ? 'connect' : 'protocol', `the call to ${scope.name} failed (${name})`);
}

/** An async iterable of exactly one value (a non-streamed answer). */
function once<T>(value: T): AsyncIterable<T> {
  return {
    async *[Symbol.asyncIterator]() {
      yield value;
    },
  };
}

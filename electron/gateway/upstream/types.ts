/**
 * What the routes ask of a model server, whatever the platform behind it: a chat or a raw
 * completion, streamed or not, cancelled by an AbortSignal. Each platform (OpenAI-compatible vLLM,
 * Azure OpenAI, Bedrock) implements `UpstreamAdapter`.
 */
import type { GatewayDeployment } from '../../shared/gateway/config';

/** One chat turn as sent to a model. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface GenerationParams {
  maxTokens: number;
  temperature: number;
  stop?: readonly string[];
  topP?: number;
}

/** What to ask the model. `completion` is a raw prompt (fill-in-the-middle), for OpenAI-compatible servers only. */
export type UpstreamCall =
  | { kind: 'chat'; messages: readonly ChatMessage[]; params: GenerationParams }
  | { kind: 'completion'; prompt: string; params: GenerationParams };

/** A registered deployment and the model name to ask it for. */
export interface UpstreamTarget {
  deployment: GatewayDeployment;
  /** The model as the server knows it: the identifier without its provider prefix (gitlab-ai-gateway.md §2.3). */
  model: string;
  /** The key to present: the request's own, else the registry's; null: none. */
  apiKey: string | null;
}

export interface CallOptions {
  signal: AbortSignal;
  /** Ask the server to stream (deltas arrive as the model writes them). */
  stream: boolean;
  /** A stream that sends nothing for this long is cut with an `idle` error (ms). */
  idleTimeoutMs: number;
  /** Sent upstream as X-Request-ID where the platform takes it. */
  requestId: string;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

/** A model's answer in progress. */
export interface UpstreamResponse {
  /**
   * Text as it arrives (one element for a non-streamed answer). Ends when the model is done; throws
   * `UpstreamError` when the stream is cut (idle, aborted, broken).
   */
  deltas: AsyncIterable<string>;
  /** Valid once `deltas` has ended. */
  result(): { finishReason: string | null; usage: Usage | null };
}

/** Bytes of an OpenAI-shaped response, passed to the client as they come (the OpenAI-compatible door). */
export interface RawUpstreamResponse {
  status: number;
  /** Content-Type of the upstream answer. */
  contentType: string;
  body: AsyncIterable<Uint8Array>;
}

export type UpstreamErrorKind =
  /** No connection could be made (refused, DNS, TLS). */
  | 'connect'
  /** Nothing arrived within the deployment's timeout. */
  | 'timeout'
  /** A stream went silent for longer than the idle limit. */
  | 'idle'
  /** The server answered with an error status. */
  | 'status'
  /** The answer could not be understood. */
  | 'protocol'
  /** The client went away; the request was cancelled. */
  | 'aborted'
  /** The platform cannot do this (e.g. a raw completion on Bedrock). */
  | 'unsupported'
  /** The egress gate refused the destination. */
  | 'egress-denied';

/**
 * A failed upstream call. `detail` is safe to show a client and to log: it never holds a key, a
 * token or the Authorization header, and never the endpoint's credentials.
 */
export class UpstreamError extends Error {
  constructor(
    readonly kind: UpstreamErrorKind,
    readonly detail: string,
    /** The server's HTTP status, for `status`. */
    readonly status?: number,
  ) {
    super(detail);
    this.name = 'UpstreamError';
  }
}

/** One platform's client. */
export interface UpstreamAdapter {
  call(target: UpstreamTarget, call: UpstreamCall, options: CallOptions): Promise<UpstreamResponse>;
  /**
   * Forwards an OpenAI-shaped body (`model` already replaced) to `chat/completions` or `completions`
   * and returns the raw answer. Absent for platforms that do not speak OpenAI's wire format.
   */
  forward?(target: UpstreamTarget, path: 'chat/completions' | 'completions', body: Record<string, unknown>, options: CallOptions): Promise<RawUpstreamResponse>;
}

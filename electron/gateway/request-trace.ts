/**
 * What the gateway learns about one request while answering it; when the response closes it
 * becomes one row of the request log and one observation in the metrics. Created in the first
 * hook, finished exactly once, whether the answer was complete, an error, or cut by the client.
 */
import type { RequestRecord } from '../shared/gateway/requests';
import type { Principal } from './auth/verify-token';
import type { Usage } from './upstream/types';

/** Longest prompt or response text kept per request (the request log truncates again). */
const MAX_LOGGED_TEXT = 64 * 1024;

export class RequestTrace {
  /** Epoch ms when the request arrived. */
  readonly ts = Date.now();
  private readonly startedAt = performance.now();
  private firstByteAt: number | null = null;
  private isFinished = false;
  /** Cancels the upstream call; fired when the client goes away before the answer is complete. */
  readonly abort = new AbortController();

  principal: Principal | null = null;
  feature: string | null = null;
  unitPrimitive: string | null = null;
  deployment: string | null = null;
  model: string | null = null;
  isStream = false;
  usage: Usage | null = null;
  error: string | null = null;
  /** Set when AI request logging is on and GitLab's verbose-logs header allows it. */
  isAiLogged = false;
  prompt: string | null = null;
  private responseParts: string[] | null = null;
  private responseLength = 0;

  constructor(
    readonly id: string,
    readonly clientIp: string,
    readonly method: string,
    readonly endpoint: string,
  ) {}

  /** The first byte of the answer is on its way (kept once). */
  markFirstByte(): void {
    this.firstByteAt ??= performance.now();
  }

  /** Milliseconds since the request arrived. */
  elapsedMs(): number {
    return performance.now() - this.startedAt;
  }

  /** Keeps the prompt sent upstream, when this request may be logged with its text. */
  recordPrompt(prompt: unknown): void {
    if (!this.isAiLogged) return;
    const text = typeof prompt === 'string' ? prompt : JSON.stringify(prompt);
    this.prompt = text.length > MAX_LOGGED_TEXT ? text.slice(0, MAX_LOGGED_TEXT) : text;
  }

  /** Appends answer text, when this request may be logged with its text. */
  recordResponse(text: string): void {
    if (!this.isAiLogged || this.responseLength >= MAX_LOGGED_TEXT) return;
    (this.responseParts ??= []).push(text);
    this.responseLength += text.length;
  }

  /** The row for the request log; null after the first call (a request is logged once). */
  finish(status: number): RequestRecord | null {
    if (this.isFinished) return null;
    this.isFinished = true;
    const response = this.responseParts === null ? null : this.responseParts.join('').slice(0, MAX_LOGGED_TEXT);
    return {
      ts: this.ts,
      requestId: this.id,
      clientIp: this.clientIp,
      client: this.principal?.client ?? 'anonymous',
      method: this.method,
      endpoint: this.endpoint,
      feature: this.feature,
      unitPrimitive: this.unitPrimitive,
      deployment: this.deployment,
      model: this.model,
      isStream: this.isStream,
      status,
      latencyMs: round(this.elapsedMs()),
      ttfbMs: this.firstByteAt === null ? null : round(this.firstByteAt - this.startedAt),
      tokensIn: this.usage?.inputTokens ?? null,
      tokensOut: this.usage?.outputTokens ?? null,
      error: this.error,
      prompt: this.prompt,
      response,
    };
  }
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

/** `X-Request-ID` when the client sent a usable one (GitLab's correlation id, §5.3), else a new one. */
export function requestIdFrom(header: string | string[] | undefined, generate: () => string): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && /^[A-Za-z0-9._:-]{1,128}$/.test(value) ? value : generate();
}

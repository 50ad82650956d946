/**
 * TEST DOUBLE — an in-process, OpenAI-shaped model server whose every answer a test scripts:
 * stream N chunks over T ms, stall after the headers, never answer, answer with an error status
 * (even one that echoes the request's Authorization back, for canary tests), cut the socket
 * mid-stream, send raw bytes. It records every connection (opened, closed, whether the client
 * went away before the answer was complete) and every request (headers, body), with
 * `performance.now()` times, so a test can assert "the upstream saw its connection closed within
 * 1 s of the abort" or "0 connections". The product never uses this.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One connection as the server saw it. Times are `performance.now()` milliseconds. */
export interface RecordedConnection {
  id: number;
  openedAt: number;
  /** When the socket closed; null while open. */
  closedAt: number | null;
  /** The socket closed while an answer on it was still being written (the client went away). */
  closedByClient: boolean;
  requests: RecordedRequest[];
}

/** One request and how its answer went. */
export interface RecordedRequest {
  id: number;
  connection: RecordedConnection;
  method: string;
  /** Path and query, as sent. */
  url: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  /** The body parsed as JSON, or null. */
  body: Record<string, unknown> | null;
  /** When the whole body had arrived. */
  receivedAt: number;
  /** When the answer was completely written; null if it never was. */
  finishedAt: number | null;
  /** Stream chunks written so far. */
  chunksSent: number;
}

/** What to do with one request. */
export type UpstreamBehaviour =
  /**
   * An OpenAI answer (chat or completion, from the path). Streams when the request says
   * `stream: true`: `chunks` deltas `intervalMs` apart (the first after `firstChunkDelayMs`),
   * then a finish chunk, a usage chunk when asked for, `[DONE]` unless `sendDone` is false.
   * `stallAfterChunks`: go silent after that many deltas (socket left open); `cutAfterChunks`:
   * destroy the socket after that many. Not streamed: headers after `headersDelayMs`, the body
   * `bodyDelayMs` later.
   */
  | {
      kind: 'openai';
      chunks?: number | readonly string[];
      intervalMs?: number;
      headersDelayMs?: number;
      firstChunkDelayMs?: number;
      bodyDelayMs?: number;
      stallAfterChunks?: number;
      cutAfterChunks?: number;
      sendDone?: boolean;
      finishReason?: string;
    }
  /** Read the request, never answer. */
  | { kind: 'never-answer' }
  /** Send 200 and the headers, then nothing, socket open. */
  | { kind: 'stall-after-headers'; contentType?: string }
  /** An error status with a body (a function of the request: echo its headers for canary tests). */
  | { kind: 'status'; status: number; body: string | ((request: RecordedRequest) => string); contentType?: string }
  /** Raw body parts `intervalMs` apart, then end, stall or cut. */
  | { kind: 'raw'; status?: number; contentType?: string; parts: readonly (string | Uint8Array)[]; intervalMs?: number; then?: 'end' | 'stall' | 'cut' };

export interface ScriptedUpstream {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  readonly connections: readonly RecordedConnection[];
  readonly requests: readonly RecordedRequest[];
  /** Queues behaviours for the next requests, in order; once used up, the fallback answers. */
  script(...behaviours: UpstreamBehaviour[]): void;
  /** The behaviour when nothing is queued (default: a quick `openai` answer of 3 chunks). */
  setFallback(behaviour: UpstreamBehaviour): void;
  /** Resolves with the `n`-th request (1-based) once its body is in. */
  waitForRequest(n?: number, timeoutMs?: number): Promise<RecordedRequest>;
  /** Resolves with the time the connection closed. */
  waitForClose(connection: RecordedConnection, timeoutMs?: number): Promise<number>;
  /** Closes every connection and the server. */
  close(): Promise<void>;
}

/** Connection bookkeeping shared with the other HTTP doubles. */
export interface ConnectionLog {
  readonly connections: RecordedConnection[];
  connectionOf(socket: Socket): RecordedConnection;
  waitForClose(connection: RecordedConnection, timeoutMs?: number): Promise<number>;
  destroyAll(): void;
}

/** Records every connection `server` accepts: open and close times, and whether it closed mid-answer. */
export function trackConnections(server: Server): ConnectionLog {
  const connections: RecordedConnection[] = [];
  const bySocket = new WeakMap<Socket, RecordedConnection>();
  const sockets = new Set<Socket>();
  const closeWaiters = new Map<RecordedConnection, Array<(at: number) => void>>();
  server.on('connection', (socket: Socket) => {
    const connection: RecordedConnection = { id: connections.length + 1, openedAt: performance.now(), closedAt: null, closedByClient: false, requests: [] };
    connections.push(connection);
    bySocket.set(socket, connection);
    sockets.add(socket);
    socket.on('close', () => {
      connection.closedAt = performance.now();
      sockets.delete(socket);
      for (const resolve of closeWaiters.get(connection) ?? []) resolve(connection.closedAt);
      closeWaiters.delete(connection);
    });
  });
  return {
    connections,
    connectionOf(socket) {
      const found = bySocket.get(socket);
      if (!found) throw new Error('unknown socket');
      return found;
    },
    waitForClose(connection, timeoutMs = 5000) {
      if (connection.closedAt !== null) return Promise.resolve(connection.closedAt);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`connection ${connection.id} still open after ${timeoutMs} ms`)), timeoutMs);
        const list = closeWaiters.get(connection) ?? [];
        list.push((at) => {
          clearTimeout(timer);
          resolve(at);
        });
        closeWaiters.set(connection, list);
      });
    },
    destroyAll() {
      for (const socket of sockets) socket.destroy();
    },
  };
}

/** Items that arrive one by one (requests, calls), and a wait for the n-th. */
export interface Arrivals<T> {
  readonly items: T[];
  add(item: T): void;
  /** Resolves with the `n`-th item (1-based) once it arrived; rejects after `timeoutMs`. */
  waitFor(n?: number, timeoutMs?: number): Promise<T>;
}

/** Arrivals of `what` (the word used in the timeout message). */
export function arrivals<T>(what: string): Arrivals<T> {
  const items: T[] = [];
  const waiters: Array<{ n: number; resolve: (item: T) => void }> = [];
  return {
    items,
    add(item) {
      items.push(item);
      for (const waiter of waiters.filter((w) => w.n === items.length)) waiter.resolve(item);
    },
    waitFor(n = items.length + 1, timeoutMs = 5000) {
      const existing = items[n - 1];
      if (existing) return Promise.resolve(existing);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${what} ${n} did not arrive within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({
          n,
          resolve: (item) => {
            clearTimeout(timer);
            resolve(item);
          },
        });
      });
    },
  };
}

const DEFAULT_FALLBACK: UpstreamBehaviour = { kind: 'openai', chunks: 3 };

/** Starts the double on 127.0.0.1 (a free port unless `port` is given). */
export async function startScriptedUpstream(options: { port?: number; fallback?: UpstreamBehaviour } = {}): Promise<ScriptedUpstream> {
  const queue: UpstreamBehaviour[] = [];
  let fallback = options.fallback ?? DEFAULT_FALLBACK;
  const arrived = arrivals<RecordedRequest>('request');
  const requests = arrived.items;
  const timers = new Set<NodeJS.Timeout>();

  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
    return timer;
  };

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  // Keep-alive like uvicorn; no request timeout, so a stalled answer stays stalled.
  server.keepAliveTimeout = 5000;
  server.requestTimeout = 0;
  const log = trackConnections(server);

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    let body: Record<string, unknown> | null = null;
    try {
      const parsed = JSON.parse(rawBody) as unknown;
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
    } catch {
      // Not JSON: recorded raw.
    }
    const connection = log.connectionOf(req.socket);
    const request: RecordedRequest = {
      id: requests.length + 1,
      connection,
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      rawBody,
      body,
      receivedAt: performance.now(),
      finishedAt: null,
      chunksSent: 0,
    };
    connection.requests.push(request);
    res.on('finish', () => {
      request.finishedAt = performance.now();
    });
    res.on('close', () => {
      if (request.finishedAt === null) connection.closedByClient = true;
    });
    arrived.add(request);
    respond(queue.shift() ?? fallback, request, res);
  }

  function respond(behaviour: UpstreamBehaviour, request: RecordedRequest, res: ServerResponse) {
    const alive = () => !res.destroyed && !res.writableEnded;
    switch (behaviour.kind) {
      case 'never-answer':
        return;
      case 'stall-after-headers':
        res.writeHead(200, { 'content-type': behaviour.contentType ?? 'text/event-stream' });
        res.flushHeaders();
        return;
      case 'status': {
        const text = typeof behaviour.body === 'function' ? behaviour.body(request) : behaviour.body;
        res.writeHead(behaviour.status, { 'content-type': behaviour.contentType ?? 'application/json' });
        res.end(text);
        return;
      }
      case 'raw': {
        res.writeHead(behaviour.status ?? 200, { 'content-type': behaviour.contentType ?? 'text/event-stream' });
        res.flushHeaders();
        let i = 0;
        const step = () => {
          if (!alive()) return;
          if (i < behaviour.parts.length) {
            res.write(behaviour.parts[i]);
            request.chunksSent += 1;
            i += 1;
            later(behaviour.intervalMs ?? 0, step);
            return;
          }
          if (behaviour.then === 'cut') res.socket?.destroy();
          else if (behaviour.then !== 'stall') res.end();
        };
        step();
        return;
      }
      case 'openai':
        return openAiAnswer(behaviour, request, res, alive);
    }
  }

  function openAiAnswer(behaviour: Extract<UpstreamBehaviour, { kind: 'openai' }>, request: RecordedRequest, res: ServerResponse, alive: () => boolean) {
    const isChat = request.url.split('?')[0]?.endsWith('/chat/completions') ?? false;
    const texts = typeof behaviour.chunks === 'number' || behaviour.chunks === undefined ? Array.from({ length: behaviour.chunks ?? 3 }, (_, i) => `t${i} `) : [...behaviour.chunks];
    const model = typeof request.body?.model === 'string' ? request.body.model : 'scripted';
    const finishReason = behaviour.finishReason ?? 'stop';
    const promptTokens = 7;
    const usage = { prompt_tokens: promptTokens, completion_tokens: texts.length, total_tokens: promptTokens + texts.length };
    const base = { id: isChat ? 'chatcmpl-scripted' : 'cmpl-scripted', created: 1_700_000_000, model };
    const isStream = request.body?.stream === true;

    later(behaviour.headersDelayMs ?? 0, () => {
      if (!alive()) return;
      if (!isStream) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.flushHeaders();
        const text = texts.join('');
        const choice = isChat ? { index: 0, message: { role: 'assistant', content: text }, finish_reason: finishReason } : { index: 0, text, finish_reason: finishReason };
        later(behaviour.bodyDelayMs ?? 0, () => {
          if (alive()) res.end(JSON.stringify({ ...base, object: isChat ? 'chat.completion' : 'text_completion', choices: [choice], usage }));
        });
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
      res.flushHeaders();
      const object = isChat ? 'chat.completion.chunk' : 'text_completion';
      const event = (choices: unknown[], extra: Record<string, unknown> = {}) => `data: ${JSON.stringify({ ...base, object, choices, ...extra })}\n\n`;
      const wantsUsage = (request.body?.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
      let i = 0;
      const step = () => {
        if (!alive()) return;
        if (behaviour.cutAfterChunks !== undefined && i >= behaviour.cutAfterChunks) {
          res.socket?.destroy();
          return;
        }
        if (behaviour.stallAfterChunks !== undefined && i >= behaviour.stallAfterChunks) return;
        if (i < texts.length) {
          const text = texts[i] as string;
          const isFlushed = res.write(event([isChat ? { index: 0, delta: { content: text }, finish_reason: null } : { index: 0, text, finish_reason: null }]));
          request.chunksSent += 1;
          i += 1;
          // Honour backpressure like a real server: the next chunk only once the socket took this one.
          if (isFlushed) later(behaviour.intervalMs ?? 0, step);
          else res.once('drain', () => later(behaviour.intervalMs ?? 0, step));
          return;
        }
        res.write(event([isChat ? { index: 0, delta: {}, finish_reason: finishReason } : { index: 0, text: '', finish_reason: finishReason }]));
        if (wantsUsage) res.write(event([], { usage }));
        res.end(behaviour.sendDone === false ? undefined : 'data: [DONE]\n\n');
      };
      later(behaviour.firstChunkDelayMs ?? 0, step);
    });
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    connections: log.connections,
    requests,
    script(...behaviours) {
      queue.push(...behaviours);
    },
    setFallback(behaviour) {
      fallback = behaviour;
    },
    waitForRequest: (n, timeoutMs) => arrived.waitFor(n, timeoutMs),
    waitForClose: log.waitForClose,
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      log.destroyAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * TEST DOUBLE — an HTTP server with Bedrock Runtime's two chat operations, for pointing the AWS
 * SDK at (`config.bedrock.endpoint = http://127.0.0.1:<port>`):
 * - `POST /model/{modelId}/converse`: JSON in, JSON out (output.message, stopReason, usage);
 * - `POST /model/{modelId}/converse-stream`: AWS event-stream binary framing (encoded with
 *   @smithy/eventstream-codec): messageStart, contentBlockDelta…, contentBlockStop, messageStop,
 *   metadata with usage.
 * Every request must carry a SigV4 `authorization` (`AWS4-HMAC-SHA256 Credential=<AKID>/…`) or a
 * bearer token, else 403 as AWS answers. Calls and connections are recorded (shared bookkeeping
 * with scripted-upstream.ts), and each answer can be scripted: delays, stalls, cuts, error
 * statuses, a mid-stream exception. The product never uses this.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { type RecordedConnection, arrivals, trackConnections } from './scripted-upstream';

/** How the caller authenticated. */
export type BedrockAuth = { scheme: 'sigv4'; accessKeyId: string; region: string; service: string; sessionToken: string | null } | { scheme: 'bearer'; token: string };

/** One call as the double saw it. */
export interface BedrockCall {
  operation: 'converse' | 'converse-stream';
  /** Decoded from the path. */
  modelId: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
  auth: BedrockAuth | null;
  connection: RecordedConnection;
  receivedAt: number;
}

/** How to answer one call. */
export interface BedrockBehaviour {
  /** The answer's text pieces (one contentBlockDelta each; joined for converse). */
  deltas?: readonly string[];
  /** Between stream events (ms). */
  intervalMs?: number;
  /** Before the headers (ms). */
  headersDelayMs?: number;
  /** Read the request, never answer. */
  neverAnswer?: boolean;
  /** converse-stream: go silent after this many deltas (0: right after the headers). */
  stallAfterDeltas?: number;
  /** converse-stream: destroy the socket after this many deltas. */
  cutAfterDeltas?: number;
  /** An AWS error answer instead (`x-amzn-errortype` + `{"message"}`); the message may echo the call (canary tests). */
  error?: { status: number; type: string; message: string | ((call: BedrockCall) => string) };
  /** converse-stream: an exception event after the deltas (e.g. `throttlingException`). */
  streamException?: { type: string; message: string };
  stopReason?: string;
  usage?: { inputTokens: number; outputTokens: number };
}

export interface FakeBedrock {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  readonly calls: readonly BedrockCall[];
  readonly connections: readonly RecordedConnection[];
  /** Queues behaviours for the next calls; once used up, the default answer. */
  script(...behaviours: BedrockBehaviour[]): void;
  /** Resolves with the `n`-th call (1-based). */
  waitForCall(n?: number, timeoutMs?: number): Promise<BedrockCall>;
  waitForClose(connection: RecordedConnection, timeoutMs?: number): Promise<number>;
  close(): Promise<void>;
}

const codec = new EventStreamCodec(
  (bytes) => Buffer.from(bytes).toString('utf8'),
  (text) => new Uint8Array(Buffer.from(text, 'utf8')),
);

/** One event-stream message as Bedrock frames it. */
export function encodeBedrockEvent(eventType: string, payload: Record<string, unknown>): Uint8Array {
  return codec.encode({
    headers: {
      ':event-type': { type: 'string', value: eventType },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'event' },
    },
    body: new Uint8Array(Buffer.from(JSON.stringify(payload), 'utf8')),
  });
}

function encodeException(type: string, message: string): Uint8Array {
  return codec.encode({
    headers: {
      ':exception-type': { type: 'string', value: type },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'exception' },
    },
    body: new Uint8Array(Buffer.from(JSON.stringify({ message }), 'utf8')),
  });
}

/** Who signed the request: SigV4 (`Credential=<AKID>/<date>/<region>/<service>/aws4_request`) or a bearer token. */
export function parseBedrockAuth(headers: IncomingHttpHeaders): BedrockAuth | null {
  const value = headers.authorization ?? '';
  const sigv4 = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=[^,]+, ?Signature=[0-9a-f]{64}$/.exec(value);
  if (sigv4) {
    const token = headers['x-amz-security-token'];
    return { scheme: 'sigv4', accessKeyId: sigv4[1] as string, region: sigv4[2] as string, service: sigv4[3] as string, sessionToken: typeof token === 'string' ? token : null };
  }
  const bearer = /^Bearer (\S+)$/.exec(value);
  return bearer ? { scheme: 'bearer', token: bearer[1] as string } : null;
}

/** Starts the double on 127.0.0.1. */
export async function startFakeBedrock(): Promise<FakeBedrock> {
  const queue: BedrockBehaviour[] = [];
  const arrived = arrivals<BedrockCall>('call');
  const calls = arrived.items;
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  const server = createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const match = /^\/model\/([^/]+)\/(converse|converse-stream)$/.exec(req.url ?? '');
      if (req.method !== 'POST' || !match) return awsError(res, 404, 'UnknownOperationException', 'Unknown operation');
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        return awsError(res, 400, 'SerializationException', 'Malformed JSON');
      }
      const call: BedrockCall = {
        operation: match[2] as BedrockCall['operation'],
        modelId: decodeURIComponent(match[1] as string),
        headers: req.headers,
        body,
        auth: parseBedrockAuth(req.headers),
        connection: log.connectionOf(req.socket),
        receivedAt: performance.now(),
      };
      arrived.add(call);
      const behaviour = queue.shift() ?? {};
      if (call.auth === null) return awsError(res, 403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
      if (behaviour.neverAnswer) return;
      later(behaviour.headersDelayMs ?? 0, () => {
        if (res.destroyed) return;
        const { error } = behaviour;
        if (error) return awsError(res, error.status, error.type, typeof error.message === 'function' ? error.message(call) : error.message);
        if (call.operation === 'converse') converse(res, behaviour);
        else converseStream(res, behaviour);
      });
    })();
  });
  server.keepAliveTimeout = 5000;
  server.requestTimeout = 0;
  const log = trackConnections(server);

  const deltasOf = (behaviour: BedrockBehaviour) => behaviour.deltas ?? ['Hello', ' from', ' Bedrock'];
  const usageOf = (behaviour: BedrockBehaviour) => {
    const usage = behaviour.usage ?? { inputTokens: 11, outputTokens: deltasOf(behaviour).length };
    return { ...usage, totalTokens: usage.inputTokens + usage.outputTokens };
  };

  function converse(res: ServerResponse, behaviour: BedrockBehaviour) {
    const text = deltasOf(behaviour).join('');
    res.writeHead(200, { 'content-type': 'application/json', 'x-amzn-requestid': 'fake-request-id' });
    res.end(JSON.stringify({ output: { message: { role: 'assistant', content: [{ text }] } }, stopReason: behaviour.stopReason ?? 'end_turn', usage: usageOf(behaviour), metrics: { latencyMs: 5 } }));
  }

  function converseStream(res: ServerResponse, behaviour: BedrockBehaviour) {
    res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': 'fake-request-id' });
    res.flushHeaders();
    const deltas = deltasOf(behaviour);
    const events: Array<() => 'stop' | void> = [];
    let sent = 0;
    if (behaviour.stallAfterDeltas === 0) return;
    events.push(() => {
      res.write(encodeBedrockEvent('messageStart', { p: 'abcd', role: 'assistant' }));
    });
    for (const text of deltas) {
      events.push(() => {
        if (behaviour.cutAfterDeltas !== undefined && sent >= behaviour.cutAfterDeltas) {
          res.socket?.destroy();
          return 'stop';
        }
        if (behaviour.stallAfterDeltas !== undefined && sent >= behaviour.stallAfterDeltas) return 'stop';
        sent += 1;
        res.write(encodeBedrockEvent('contentBlockDelta', { p: 'abcd', contentBlockIndex: 0, delta: { text } }));
      });
    }
    events.push(() => {
      if (behaviour.cutAfterDeltas !== undefined && sent >= behaviour.cutAfterDeltas) {
        res.socket?.destroy();
        return 'stop';
      }
      if (behaviour.stallAfterDeltas !== undefined && sent >= behaviour.stallAfterDeltas) return 'stop';
      if (behaviour.streamException) {
        res.end(encodeException(behaviour.streamException.type, behaviour.streamException.message));
        return 'stop';
      }
      res.write(encodeBedrockEvent('contentBlockStop', { p: 'abcd', contentBlockIndex: 0 }));
      res.write(encodeBedrockEvent('messageStop', { p: 'abcd', stopReason: behaviour.stopReason ?? 'end_turn' }));
      res.end(encodeBedrockEvent('metadata', { p: 'abcd', usage: usageOf(behaviour), metrics: { latencyMs: 5 } }));
      return 'stop';
    });
    let i = 0;
    const step = () => {
      if (res.destroyed || res.writableEnded) return;
      const event = events[i];
      i += 1;
      if (!event) return;
      if (event() === 'stop') return;
      later(i === 1 ? 0 : (behaviour.intervalMs ?? 0), step);
    };
    step();
  }

  function awsError(res: ServerResponse, status: number, type: string, message: string) {
    res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`, 'x-amzn-requestid': 'fake-request-id' });
    res.end(JSON.stringify({ message }));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    calls,
    connections: log.connections,
    script(...behaviours) {
      queue.push(...behaviours);
    },
    waitForCall: (n, timeoutMs) => arrived.waitFor(n, timeoutMs),
    waitForClose: log.waitForClose,
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      log.destroyAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

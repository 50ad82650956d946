/**
 * The OpenAI-compatible adapter against the scripted upstream (every window and failure on cue)
 * and the real fake-vllm executable (the wire format as vLLM speaks it). Each cancellation window
 * has its own test measuring "upstream saw its connection closed within 1 s of the abort"
 * (reliability.md §7 G2); stalls and deadlines (G3); the canary key never in an error (G8); only
 * the headers the adapter builds reach the upstream (G10).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Agent } from 'undici';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEgressAgent } from '../../../../electron/gateway/upstream/egress';
import { createOpenAiCompatibleAdapter, requestBody } from '../../../../electron/gateway/upstream/openai-compatible';
import { type UpstreamError } from '../../../../electron/gateway/upstream/types';
import { type ScriptedUpstream, startScriptedUpstream } from '../../../doubles/scripted-upstream';
import { freePort } from '../../../helpers/net';
import {
  chatCall,
  closeTimes,
  collect,
  completionCall,
  deploymentOf,
  expectClosedPromptly,
  expectNoListeners,
  expectUpstreamError,
  optionsOf,
  sleep,
  targetOf,
  upstreamErrorOf,
} from './upstream-test-kit';

let upstream: ScriptedUpstream;
let agent: Agent;
let adapter: ReturnType<typeof createOpenAiCompatibleAdapter>;

beforeEach(async () => {
  upstream = await startScriptedUpstream();
  agent = createEgressAgent({ isAllowed: () => true });
  adapter = createOpenAiCompatibleAdapter({ dispatcher: agent });
});

afterEach(async () => {
  await agent.destroy();
  await upstream.close();
});

afterAll(() => {
  if (process.env.AIRLOCK_REPORT_CLOSE_TIMES) console.log(`openai-compatible close-after-abort ms: ${JSON.stringify(closeTimes.map((t) => [t.window, Number(t.ms.toFixed(1))]))}`);
});

const deployment = (overrides: Parameters<typeof deploymentOf>[0] = {}) => deploymentOf({ endpoint: `${upstream.url}/v1`, ...overrides });

describe('request', () => {
  it('posts a chat to <endpoint>/chat/completions with only the headers it builds', async () => {
    const dep = deployment({ endpoint: `${upstream.url}/v1//`, apiKey: 'sk-test-1234' });
    const response = await adapter.call(targetOf(dep), chatCall, optionsOf({ requestId: 'req-abc' }));
    expect(await collect(response)).toEqual(['t0 t1 t2 ']);
    const [request] = upstream.requests;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/v1/chat/completions');
    expect(Object.keys(request?.headers ?? {}).sort()).toEqual(['accept', 'authorization', 'connection', 'content-length', 'content-type', 'host', 'x-request-id']);
    expect(request?.headers).toMatchObject({ authorization: 'Bearer sk-test-1234', 'x-request-id': 'req-abc', 'content-type': 'application/json', accept: 'application/json' });
    expect(request?.body).toEqual({
      model: 'codestral',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Say hello.' },
      ],
      max_tokens: 5,
      temperature: 0.2,
      stop: ['\n\n'],
      top_p: 0.9,
      stream: false,
    });
  });

  it('posts a completion to <endpoint>/completions, with no Authorization when there is no key', async () => {
    const response = await adapter.call(targetOf(deployment()), completionCall, optionsOf({ stream: true }));
    await collect(response);
    const [request] = upstream.requests;
    expect(request?.url).toBe('/v1/completions');
    expect(request?.headers.authorization).toBeUndefined();
    expect(request?.headers.accept).toBe('text/event-stream');
    expect(request?.body).toEqual({ model: 'codestral', prompt: 'def add(a, b):', max_tokens: 4, temperature: 0, stream: true, stream_options: { include_usage: true } });
  });

  it('never sends the endpoint\'s userinfo, and leaves out a request id that is not a header value', async () => {
    const dep = deployment({ endpoint: `http://admin:hunter22@127.0.0.1:${upstream.port}/v1` });
    await collect(await adapter.call(targetOf(dep), chatCall, optionsOf({ requestId: 'bad\nid' })));
    const [request] = upstream.requests;
    expect(request?.headers.authorization).toBeUndefined();
    expect(request?.headers['x-request-id']).toBeUndefined();
    expect(JSON.stringify(request?.headers)).not.toContain('hunter22');
  });

  it('builds the body from the call alone', () => {
    expect(requestBody({ kind: 'completion', prompt: 'x', params: { maxTokens: 1, temperature: 0, stop: [] } }, false, null)).toEqual({ prompt: 'x', max_tokens: 1, temperature: 0, stream: false });
  });
});

describe('answers', () => {
  it('streams chat deltas as they arrive and reports the finish reason and usage', async () => {
    upstream.script({ kind: 'openai', chunks: ['Hel', 'lo', ' wörld 😀'], intervalMs: 20, finishReason: 'length' });
    const options = optionsOf({ stream: true });
    const response = await adapter.call(targetOf(deployment()), chatCall, options);
    expect(await collect(response)).toEqual(['Hel', 'lo', ' wörld 😀']);
    expect(response.result()).toEqual({ finishReason: 'length', usage: { inputTokens: 7, outputTokens: 3 } });
    expectNoListeners(options.signal);
  });

  it('yields the first delta before the upstream has sent the rest', async () => {
    upstream.script({ kind: 'openai', chunks: 5, intervalMs: 300 });
    const response = await adapter.call(targetOf(deployment()), chatCall, optionsOf({ stream: true }));
    const iterator = response.deltas[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toBe('t0 ');
    const request = upstream.requests[0];
    expect(request?.chunksSent).toBeLessThan(3);
    await iterator.return?.();
  });

  it('returns a non-streamed completion as one delta', async () => {
    const options = optionsOf();
    const response = await adapter.call(targetOf(deployment()), completionCall, options);
    expect(await collect(response)).toEqual(['t0 t1 t2 ']);
    expect(response.result()).toEqual({ finishReason: 'stop', usage: { inputTokens: 7, outputTokens: 3 } });
    expectNoListeners(options.signal);
  });

  it('accepts a stream that ends without [DONE], and a JSON answer to a stream request', async () => {
    upstream.script({ kind: 'openai', chunks: 2, sendDone: false });
    expect(await collect(await adapter.call(targetOf(deployment()), chatCall, optionsOf({ stream: true })))).toEqual(['t0 ', 't1 ']);
    upstream.script({ kind: 'raw', contentType: 'application/json', parts: [JSON.stringify({ choices: [{ index: 0, message: { content: 'whole' }, finish_reason: 'stop' }] })] });
    expect(await collect(await adapter.call(targetOf(deployment()), chatCall, optionsOf({ stream: true })))).toEqual(['whole']);
  });

  it('parses SSE split anywhere, with CRLF endings and comments', async () => {
    const event = (text: string) => `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: text }, finish_reason: null }] })}\r\n\r\n`;
    const wire = `: keep-alive\r\n\r\n${event('ä')}${event('😀')}data: [DONE]\r\n\r\n`;
    const bytes = Buffer.from(wire, 'utf8');
    // Split inside the multibyte characters and inside CRLF.
    const parts = [bytes.subarray(0, 7), bytes.subarray(7, 60), bytes.subarray(60, 61), bytes.subarray(61, 120), bytes.subarray(120)];
    upstream.script({ kind: 'raw', parts, intervalMs: 5 });
    expect(await collect(await adapter.call(targetOf(deployment()), chatCall, optionsOf({ stream: true })))).toEqual(['ä', '😀']);
  });

  it('reuses one kept-alive connection for calls one after another', async () => {
    for (let i = 0; i < 5; i += 1) {
      await collect(await adapter.call(targetOf(deployment()), chatCall, optionsOf({ stream: i % 2 === 0 })));
      // undici hands a socket to the next request one event-loop turn after an answer ends
      // (pipelining 1); requests arriving from clients are always at least that far apart.
      await sleep(1);
    }
    expect(upstream.connections).toHaveLength(1);
  });

  it('reads ahead of a slow consumer only as far as undici\'s buffer (backpressure)', async () => {
    const big = 'x'.repeat(4096);
    upstream.script({ kind: 'openai', chunks: Array.from({ length: 5000 }, () => big) });
    const response = await adapter.call(targetOf(deployment()), chatCall, optionsOf({ stream: true, idleTimeoutMs: 5000 }));
    const iterator = response.deltas[Symbol.asyncIterator]();
    await iterator.next();
    await sleep(300);
    const request = upstream.requests[0];
    // 5,000 × 4 KiB = 20 MiB on offer; what was sent is bounded by undici's 64 KiB plus the kernel's socket buffers.
    expect(request?.chunksSent).toBeLessThan(2500);
    await iterator.return?.();
  });
});

describe('cancellation windows', () => {
  it('queued behind a busy connection: rejects at once and never sends the request', async () => {
    const single = createEgressAgent({ isAllowed: () => true, connections: 1 });
    const singleAdapter = createOpenAiCompatibleAdapter({ dispatcher: single });
    try {
      upstream.script({ kind: 'stall-after-headers' });
      const busy = new AbortController();
      const first = await singleAdapter.call(targetOf(deployment()), chatCall, optionsOf({ stream: true, signal: busy.signal }));
      const queued = new AbortController();
      const second = singleAdapter.call(targetOf(deployment()), chatCall, optionsOf({ stream: true, signal: queued.signal }));
      await sleep(100);
      const abortedAt = performance.now();
      queued.abort();
      await expectUpstreamError(second, 'aborted');
      expect(performance.now() - abortedAt).toBeLessThan(1000);
      expect(upstream.requests).toHaveLength(1);
      expect(upstream.connections).toHaveLength(1);
      expectNoListeners(queued.signal);
      busy.abort();
      await expectUpstreamError(collect(first), 'aborted');
    } finally {
      await single.destroy();
    }
  });

  it('connecting (TLS handshake never completes): rejects at once, sends nothing; the half-open socket ends at the connect timeout', async () => {
    const sockets: Socket[] = [];
    let closedAt = 0;
    const silent: TcpServer = createTcpServer((socket) => {
      sockets.push(socket);
      socket.on('close', () => (closedAt = performance.now()));
      socket.on('error', () => undefined);
      // Read (and drop) the ClientHello, so the client's close is seen.
      socket.resume();
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const gated = createEgressAgent({ isAllowed: () => true, connectTimeoutMs: 500 });
    try {
      const controller = new AbortController();
      const call = createOpenAiCompatibleAdapter({ dispatcher: gated }).call(targetOf(deploymentOf({ endpoint: `https://127.0.0.1:${port}/v1`, timeoutMs: 10_000 })), chatCall, optionsOf({ signal: controller.signal }));
      while (sockets.length === 0) await sleep(10);
      const abortedAt = performance.now();
      controller.abort();
      await expectUpstreamError(call, 'aborted');
      // At once: before the connect timeout has ended the half-open socket (an order, not a time).
      expect(closedAt).toBe(0);
      expectNoListeners(controller.signal);
      // The connection attempt belongs to undici's pool, not to the request: it is not cut by the
      // abort but by the gate's connect timeout, and no request is ever written on it.
      while (closedAt === 0 && performance.now() - abortedAt < 2000) await sleep(5);
      expect(closedAt).toBeGreaterThan(0);
      // undici's connect timer has a resolution of about 0.5 s.
      expect(closedAt - abortedAt).toBeLessThan(500 + 700);
    } finally {
      for (const socket of sockets) socket.destroy();
      await gated.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('before the response headers: closes the connection', async () => {
    upstream.script({ kind: 'never-answer' });
    const controller = new AbortController();
    const call = adapter.call(targetOf(deployment({ timeoutMs: 10_000 })), chatCall, optionsOf({ stream: true, signal: controller.signal }));
    const request = await upstream.waitForRequest(1);
    const abortedAt = performance.now();
    controller.abort();
    await expectUpstreamError(call, 'aborted');
    expectClosedPromptly('before-headers', abortedAt, await upstream.waitForClose(request.connection));
    expect(request.connection.closedByClient).toBe(true);
    expectNoListeners(controller.signal);
  });

  it('during time-to-first-token (headers in, no token yet): closes the connection', async () => {
    upstream.script({ kind: 'openai', chunks: 5, firstChunkDelayMs: 20_000 });
    const controller = new AbortController();
    const response = await adapter.call(targetOf(deployment()), chatCall, optionsOf({ stream: true, signal: controller.signal, idleTimeoutMs: 30_000 }));
    const iterator = response.deltas[Symbol.asyncIterator]();
    const first = iterator.next();
    await sleep(50);
    const abortedAt = performance.now();
    controller.abort();
    await expectUpstreamError(first, 'aborted');
    const request = upstream.requests[0];
    expect(request?.chunksSent).toBe(0);
    expectClosedPromptly('ttft', abortedAt, await upstream.waitForClose(request!.connection));
    expectNoListeners(controller.signal);
  });

  it('mid-stream (100 chunks over 20 s): closes the connection', async () => {
    upstream.script({ kind: 'openai', chunks: 100, intervalMs: 200 });
    const controller = new AbortController();
    const response = await adapter.call(targetOf(deployment()), chatCall, optionsOf({ stream: true, signal: controller.signal }));
    const iterator = response.deltas[Symbol.asyncIterator]();
    for (let i = 0; i < 3; i += 1) expect((await iterator.next()).value).toBe(`t${i} `);
    const pending = iterator.next();
    const abortedAt = performance.now();
    controller.abort();
    await expectUpstreamError(pending, 'aborted');
    const request = upstream.requests[0];
    expect(request?.chunksSent).toBeLessThan(10);
    expectClosedPromptly('mid-stream', abortedAt, await upstream.waitForClose(request!.connection));
    expectNoListeners(controller.signal);
  });

  it('during a non-streamed wait: closes the connection', async () => {
    upstream.script({ kind: 'openai', headersDelayMs: 20_000 });
    const controller = new AbortController();
    const call = adapter.call(targetOf(deployment({ timeoutMs: 30_000 })), chatCall, optionsOf({ signal: controller.signal }));
    const request = await upstream.waitForRequest(1);
    await sleep(50);
    const abortedAt = performance.now();
    controller.abort();
    await expectUpstreamError(call, 'aborted');
    expectClosedPromptly('non-streaming', abortedAt, await upstream.waitForClose(request.connection));
    expectNoListeners(controller.signal);
  });

  it('while a non-streamed body is on its way: closes the connection', async () => {
    upstream.script({ kind: 'openai', bodyDelayMs: 20_000 });
    const controller = new AbortController();
    const call = adapter.call(targetOf(deployment({ timeoutMs: 30_000 })), chatCall, optionsOf({ signal: controller.signal }));
    const request = await upstream.waitForRequest(1);
    await sleep(100);
    const abortedAt = performance.now();
    controller.abort();
    await expectUpstreamError(call, 'aborted');
    expectClosedPromptly('non-streaming-body', abortedAt, await upstream.waitForClose(request.connection));
  });

  it('a consumer that stops reading (return) closes the connection too', async () => {
    upstream.script({ kind: 'openai', chunks: 100, intervalMs: 100 });
    const controller = new AbortController();
    const response = await adapter.call(targetOf(deployment()), chatCall, optionsOf({ stream: true, signal: controller.signal }));
    for await (const _delta of response.deltas) break;
    const stoppedAt = performance.now();
    expectClosedPromptly('consumer-return', stoppedAt, await upstream.waitForClose(upstream.requests[0]!.connection));
    expectNoListeners(controller.signal);
  });

  it('a consumer that gives up before its first read (return without next) closes the connection too', async () => {
    upstream.script({ kind: 'openai', chunks: 100, intervalMs: 100 });
    const controller = new AbortController();
    const response = await adapter.call(targetOf(deployment()), chatCall, optionsOf({ stream: true, signal: controller.signal }));
    const stoppedAt = performance.now();
    await response.deltas[Symbol.asyncIterator]().return?.();
    expectClosedPromptly('consumer-return-unstarted', stoppedAt, await upstream.waitForClose(upstream.requests[0]!.connection));
    expectNoListeners(controller.signal);
  });

  it('an already aborted signal: no connection at all', async () => {
    const controller = new AbortController();
    controller.abort();
    await expectUpstreamError(adapter.call(targetOf(deployment()), chatCall, optionsOf({ signal: controller.signal })), 'aborted');
    await sleep(50);
    expect(upstream.connections).toHaveLength(0);
  });
});

describe('stalls and deadlines', () => {
  it('headers then silence: idle within idle ± 0.5 s, and the connection closed', async () => {
    upstream.script({ kind: 'stall-after-headers' });
    const controller = new AbortController();
    const response = await adapter.call(targetOf(deployment({ timeoutMs: 300 })), chatCall, optionsOf({ stream: true, idleTimeoutMs: 600, signal: controller.signal }));
    const startedAt = performance.now();
    const error = await expectUpstreamError(collect(response), 'idle');
    const elapsed = performance.now() - startedAt;
    expect(elapsed).toBeGreaterThan(600 - 50);
    expect(elapsed).toBeLessThan(600 + 500);
    expect(error.detail).toBe('codestral-test sent nothing for 0.6 s; the stream was cut');
    await upstream.waitForClose(upstream.requests[0]!.connection, 1000);
    expectNoListeners(controller.signal);
  });

  it('a stream that goes silent after two chunks: idle', async () => {
    upstream.script({ kind: 'openai', chunks: 10, intervalMs: 10, stallAfterChunks: 2 });
    const response = await adapter.call(targetOf(deployment()), chatCall, optionsOf({ stream: true, idleTimeoutMs: 400 }));
    const seen: string[] = [];
    const error = await upstreamErrorOf(
      (async () => {
        for await (const delta of response.deltas) seen.push(delta);
      })(),
    );
    expect(error.kind).toBe('idle');
    expect(seen).toEqual(['t0 ', 't1 ']);
  });

  it('a server that never answers: timeout at the deployment\'s limit, connection closed', async () => {
    upstream.script({ kind: 'never-answer' });
    const startedAt = performance.now();
    const error = await expectUpstreamError(adapter.call(targetOf(deployment({ timeoutMs: 500 })), chatCall, optionsOf({ stream: true })), 'timeout');
    const elapsed = performance.now() - startedAt;
    expect(elapsed).toBeGreaterThan(450);
    expect(elapsed).toBeLessThan(1000);
    expect(error.detail).toBe('no answer from codestral-test within 0.5 s');
    await upstream.waitForClose(upstream.requests[0]!.connection, 1000);
  });

  it('a non-streamed answer must be complete within the deadline', async () => {
    upstream.script({ kind: 'openai', bodyDelayMs: 5000 });
    await expectUpstreamError(adapter.call(targetOf(deployment({ timeoutMs: 400 })), chatCall, optionsOf()), 'timeout');
  });

  it('a stream longer than the deadline is fine while chunks keep coming', async () => {
    upstream.script({ kind: 'openai', chunks: 8, intervalMs: 100 });
    const response = await adapter.call(targetOf(deployment({ timeoutMs: 300 })), chatCall, optionsOf({ stream: true, idleTimeoutMs: 400 }));
    expect(await collect(response)).toHaveLength(8);
  });

  it('a slow reader does not trip the idle limit', async () => {
    upstream.script({ kind: 'openai', chunks: 3 });
    const response = await adapter.call(targetOf(deployment()), chatCall, optionsOf({ stream: true, idleTimeoutMs: 200 }));
    const seen: string[] = [];
    for await (const delta of response.deltas) {
      seen.push(delta);
      await sleep(350);
    }
    expect(seen).toEqual(['t0 ', 't1 ', 't2 ']);
  });
});

describe('errors', () => {
  it('connection refused, unknown host and a TLS failure are connect errors', async () => {
    const port = await freePort();
    expect((await expectUpstreamError(adapter.call(targetOf(deploymentOf({ endpoint: `http://127.0.0.1:${port}/v1` })), chatCall, optionsOf()), 'connect')).detail).toBe('cannot connect to codestral-test: connection refused');
    expect((await expectUpstreamError(adapter.call(targetOf(deploymentOf({ endpoint: 'http://nonexistent.invalid/v1' })), chatCall, optionsOf()), 'connect')).detail).toMatch(/host name/);
    // https to a plain-HTTP server: the TLS handshake fails.
    expect((await expectUpstreamError(adapter.call(targetOf(deploymentOf({ endpoint: `https://127.0.0.1:${upstream.port}/v1` })), chatCall, optionsOf()), 'connect')).detail).toMatch(/TLS|closed the connection/);
  });

  it('an error status is a status error with the upstream\'s short message', async () => {
    upstream.script({ kind: 'status', status: 404, body: JSON.stringify({ error: { message: 'The model `nope` does not exist.', type: 'NotFoundError', code: 404 } }) });
    const error = await expectUpstreamError(adapter.call(targetOf(deployment()), chatCall, optionsOf({ stream: true })), 'status');
    expect(error.status).toBe(404);
    expect(error.detail).toBe('codestral-test answered 404: The model `nope` does not exist.');
  });

  it('a long error message is cut to about 300 characters', async () => {
    upstream.script({ kind: 'status', status: 500, contentType: 'text/plain', body: 'boom '.repeat(1000) });
    const error = await expectUpstreamError(adapter.call(targetOf(deployment()), chatCall, optionsOf()), 'status');
    expect(error.detail.length).toBeLessThan(360);
  });

  it('a redirect is not followed', async () => {
    upstream.script({ kind: 'status', status: 302, body: '' });
    const error = await expectUpstreamError(adapter.call(targetOf(deployment()), chatCall, optionsOf()), 'status');
    expect(error.detail).toBe('codestral-test answered 302: a redirect, not followed');
  });

  it('malformed JSON and malformed stream data are protocol errors', async () => {
    upstream.script({ kind: 'raw', contentType: 'application/json', parts: ['{"choices": ['] });
    await expectUpstreamError(adapter.call(targetOf(deployment()), chatCall, optionsOf()), 'protocol');
    upstream.script({ kind: 'raw', parts: ['data: {"choices": [\n\n'] });
    await expectUpstreamError(collect(await adapter.call(targetOf(deployment()), chatCall, optionsOf({ stream: true }))), 'protocol');
    upstream.script({ kind: 'raw', contentType: 'application/json', parts: ['{"object": "nothing"}'] });
    await expectUpstreamError(adapter.call(targetOf(deployment()), chatCall, optionsOf()), 'protocol');
  });

  it('an error sent inside the stream is a status error', async () => {
    upstream.script({ kind: 'raw', parts: [`data: ${JSON.stringify({ error: { message: 'engine died', code: 500 } })}\n\n`, 'data: [DONE]\n\n'] });
    const error = await expectUpstreamError(collect(await adapter.call(targetOf(deployment()), chatCall, optionsOf({ stream: true }))), 'status');
    expect(error.status).toBe(500);
    expect(error.detail).toContain('engine died');
  });

  it('a stream cut mid-answer (socket reset) is an error, never a silent success', async () => {
    upstream.script({ kind: 'openai', chunks: 10, intervalMs: 10, cutAfterChunks: 3 });
    const response = await adapter.call(targetOf(deployment()), chatCall, optionsOf({ stream: true }));
    const error = await upstreamErrorOf(collect(response));
    expect(['protocol', 'connect']).toContain(error.kind);
  });

  it('a key that cannot be a header value is refused before sending', async () => {
    await expectUpstreamError(adapter.call(targetOf(deployment({ apiKey: 'two words' })), chatCall, optionsOf()), 'protocol');
    expect(upstream.requests).toHaveLength(0);
  });
});

describe('canary key (G8)', () => {
  it('never appears in an error, on any path', async () => {
    const key = `canary-${Math.random().toString(36).slice(2)}-${Date.now()}`;
    const password = `canarypw${Date.now()}`;
    const base = `http://admin:${password}@127.0.0.1:${upstream.port}/v1`;
    const echo = (request: { headers: Record<string, unknown> }) => JSON.stringify({ error: { message: `bad auth ${String(request.headers.authorization)} for key ${key}; basic Basic ${password}` } });
    const errors: UpstreamError[] = [];
    const attempt = async (dep: Parameters<typeof deploymentOf>[0], stream: boolean, idleTimeoutMs = 2000) => {
      try {
        await collect(await adapter.call(targetOf(deploymentOf({ ...dep, apiKey: key })), chatCall, optionsOf({ stream, idleTimeoutMs })));
      } catch (error) {
        errors.push(error as UpstreamError);
      }
    };
    for (const status of [401, 404, 500]) {
      upstream.script({ kind: 'status', status, body: echo });
      await attempt({ endpoint: base }, status === 500);
    }
    upstream.script({ kind: 'raw', contentType: 'application/json', parts: [`{"broken": "${key}`] });
    await attempt({ endpoint: base }, false);
    upstream.script({ kind: 'raw', parts: [`data: ${JSON.stringify({ error: { message: `Bearer ${key}`, code: 401 } })}\n\n`] });
    await attempt({ endpoint: base }, true);
    upstream.script({ kind: 'never-answer' });
    await attempt({ endpoint: base, timeoutMs: 200 }, true);
    upstream.script({ kind: 'stall-after-headers' });
    await attempt({ endpoint: base }, true, 200);
    upstream.script({ kind: 'openai', chunks: 5, cutAfterChunks: 1 });
    await attempt({ endpoint: base }, true);
    await attempt({ endpoint: `http://admin:${password}@127.0.0.1:${await freePort()}/v1` }, false);
    await attempt({ endpoint: `http://admin:${password}@nonexistent.invalid/v1` }, false);
    await attempt({ endpoint: `https://admin:${password}@127.0.0.1:${upstream.port}/v1` }, false);
    expect(errors.map((e) => e.kind)).toEqual(['status', 'status', 'status', 'protocol', 'status', 'timeout', 'idle', 'protocol', 'connect', 'connect', 'connect']);
    for (const error of errors) {
      const everything = `${error.message}\n${error.detail}\n${error.stack ?? ''}\n${JSON.stringify(error)}\n${String(error)}`;
      expect(everything).not.toContain(key);
      expect(everything).not.toContain(password);
      expect(everything).not.toMatch(/Bearer (?!\[redacted\])/);
    }
    // The upstream did see the key: the canaries were really in play.
    expect(upstream.requests[0]?.headers.authorization).toBe(`Bearer ${key}`);
  });
});

describe('forward (the OpenAI-compatible door)', () => {
  it('passes a stream\'s bytes through untouched, with status and content type', async () => {
    const parts = ['data: {"choices":[{"index":0,"delta":{"content":"a"}}]}\n\n', ': ping\n\n', 'data: {"custom":true}\n\n', 'data: [DONE]\n\n'];
    upstream.script({ kind: 'raw', contentType: 'text/event-stream; charset=utf-8', parts, intervalMs: 5 });
    const raw = await adapter.forward(targetOf(deployment({ apiKey: 'k-1234' })), 'chat/completions', { model: 'codestral', messages: [], stream: true, n: 2 }, optionsOf({ stream: true }));
    expect(raw.status).toBe(200);
    expect(raw.contentType).toBe('text/event-stream; charset=utf-8');
    const chunks: Uint8Array[] = [];
    for await (const chunk of raw.body) chunks.push(chunk);
    expect(Buffer.concat(chunks).toString('utf8')).toBe(parts.join(''));
    const [request] = upstream.requests;
    expect(request?.body).toEqual({ model: 'codestral', messages: [], stream: true, n: 2 });
    expect(request?.headers.authorization).toBe('Bearer k-1234');
  });

  it('passes an error status on with the key redacted from its body', async () => {
    upstream.script({ kind: 'status', status: 401, body: (request) => JSON.stringify({ error: { message: `wrong key ${String(request.headers.authorization)}` } }) });
    const raw = await adapter.forward(targetOf(deployment({ apiKey: 'canary-fwd-1234' })), 'completions', { model: 'codestral', prompt: 'x' }, optionsOf());
    expect(raw.status).toBe(401);
    const chunks: Uint8Array[] = [];
    for await (const chunk of raw.body) chunks.push(chunk);
    const text = Buffer.concat(chunks).toString('utf8');
    expect(text).not.toContain('canary-fwd-1234');
    expect(JSON.parse(text)).toEqual({ error: { message: 'wrong key Bearer [redacted]' } });
  });

  it('mid-stream abort closes the connection; idle applies to forwarded streams', async () => {
    upstream.script({ kind: 'openai', chunks: 100, intervalMs: 100 });
    const controller = new AbortController();
    const raw = await adapter.forward(targetOf(deployment()), 'chat/completions', { model: 'codestral', messages: [{ role: 'user', content: 'x' }], stream: true }, optionsOf({ stream: true, signal: controller.signal }));
    const iterator = raw.body[Symbol.asyncIterator]();
    await iterator.next();
    const abortedAt = performance.now();
    controller.abort();
    await expectUpstreamError(iterator.next(), 'aborted');
    expectClosedPromptly('forward-mid-stream', abortedAt, await upstream.waitForClose(upstream.requests[0]!.connection));
    expectNoListeners(controller.signal);

    upstream.script({ kind: 'stall-after-headers' });
    const stalled = await adapter.forward(targetOf(deployment()), 'chat/completions', { stream: true }, optionsOf({ stream: true, idleTimeoutMs: 300 }));
    await expectUpstreamError((async () => {
      for await (const _chunk of stalled.body) {
        // Nothing arrives.
      }
    })(), 'idle');
  });

  it('a forwarded non-stream answer arrives whole within the deadline, or times out', async () => {
    const raw = await adapter.forward(targetOf(deployment()), 'completions', { model: 'codestral', prompt: 'x' }, optionsOf());
    const chunks: Uint8Array[] = [];
    for await (const chunk of raw.body) chunks.push(chunk);
    expect(JSON.parse(Buffer.concat(chunks).toString('utf8'))).toMatchObject({ object: 'text_completion', choices: [{ text: 't0 t1 t2 ' }] });
    upstream.script({ kind: 'openai', bodyDelayMs: 5000 });
    await expectUpstreamError(adapter.forward(targetOf(deployment({ timeoutMs: 300 })), 'completions', { model: 'codestral', prompt: 'x' }, optionsOf()), 'timeout');
  });
});

describe('against fake-vllm', () => {
  const FAKE_VLLM = fileURLToPath(new URL('../../../doubles/fake-vllm', import.meta.url));
  const KEY = 'vllm-key-5678';
  let child: ChildProcess;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    child = spawn(process.execPath, [FAKE_VLLM, 'serve', '/models/codestral', '--port', String(port), '--served-model-name', 'codestral', '--api-key', KEY], {
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, FAKE_VLLM_STARTUP_MS: '0', FAKE_VLLM_TOKEN_MS: '5', FAKE_VLLM_MAX_LIFETIME_MS: '120000' },
    });
    for (let i = 0; i < 200; i += 1) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/health`)).status === 200) return;
      } catch {
        // Not listening yet.
      }
      await sleep(25);
    }
    throw new Error('fake-vllm did not become ready');
  });

  afterAll(async () => {
    if (child.pid !== undefined && child.exitCode === null) {
      const exited = once(child, 'exit');
      process.kill(-child.pid, 'SIGKILL');
      await exited;
    }
  });

  const vllm = (apiKey: string | null = KEY) => deploymentOf({ endpoint: `http://127.0.0.1:${port}/v1`, apiKey });

  it('chat, streamed: max_tokens deltas, finish reason and usage', async () => {
    const response = await adapter.call(targetOf(vllm()), chatCall, optionsOf({ stream: true }));
    const deltas = await collect(response);
    expect(deltas).toHaveLength(5);
    expect(response.result()).toEqual({ finishReason: 'length', usage: { inputTokens: expect.any(Number), outputTokens: 5 } });
  });

  it('chat and completion, not streamed', async () => {
    const chat = await adapter.call(targetOf(vllm()), chatCall, optionsOf());
    expect((await collect(chat))[0]?.split(/\s+/).filter(Boolean)).toHaveLength(5);
    expect(chat.result().usage?.outputTokens).toBe(5);
    const completion = await adapter.call(targetOf(vllm()), completionCall, optionsOf());
    expect(await collect(completion)).toHaveLength(1);
    expect(completion.result()).toMatchObject({ finishReason: 'length', usage: { outputTokens: 4 } });
  });

  it('completion, streamed', async () => {
    const response = await adapter.call(targetOf(vllm()), completionCall, optionsOf({ stream: true }));
    expect(await collect(response)).toHaveLength(4);
    expect(response.result().usage?.outputTokens).toBe(4);
  });

  it('needs the key: without it, 401', async () => {
    const error = await expectUpstreamError(adapter.call(targetOf(vllm(null)), chatCall, optionsOf()), 'status');
    expect(error.status).toBe(401);
    expect(error.detail).toBe('codestral-test answered 401: Unauthorized');
  });

  it('an unknown model is a 404 status error', async () => {
    const error = await expectUpstreamError(adapter.call(targetOf(vllm(), 'nope'), chatCall, optionsOf()), 'status');
    expect(error.status).toBe(404);
  });
});

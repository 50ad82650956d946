/**
 * The Azure OpenAI adapter against the scripted upstream: deployment-scoped paths with the
 * api-version, the `api-key` header and never Authorization, no `model` in the body; and, since it
 * shares the OpenAI-compatible code, the windows and limits that matter most, once more through it.
 */
import type { Agent } from 'undici';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AZURE_API_VERSION, createAzureOpenAiAdapter } from '../../../../electron/gateway/upstream/azure-openai';
import { createEgressAgent } from '../../../../electron/gateway/upstream/egress';
import { type ScriptedUpstream, startScriptedUpstream } from '../../../doubles/scripted-upstream';
import { chatCall, closeTimes, collect, completionCall, deploymentOf, expectClosedPromptly, expectNoListeners, expectUpstreamError, optionsOf, targetOf } from './upstream-test-kit';

let upstream: ScriptedUpstream;
let agent: Agent;
let adapter: ReturnType<typeof createAzureOpenAiAdapter>;

beforeEach(async () => {
  upstream = await startScriptedUpstream();
  agent = createEgressAgent({ isAllowed: () => true });
  adapter = createAzureOpenAiAdapter({ dispatcher: agent });
});

afterEach(async () => {
  await agent.destroy();
  await upstream.close();
});

afterAll(() => {
  if (process.env.AIRLOCK_REPORT_CLOSE_TIMES) console.log(`azure close-after-abort ms: ${JSON.stringify(closeTimes.map((t) => [t.window, Number(t.ms.toFixed(1))]))}`);
});

const azure = (endpointPath = '', apiKey: string | null = 'azure-key-1234') =>
  deploymentOf({ name: 'gpt-azure', family: 'gpt', platform: 'azure-openai', endpoint: `${upstream.url}${endpointPath}`, identifier: 'azure/gpt-4o-prod', apiKey });

describe('addressing', () => {
  it.each([[''], ['/'], ['/openai'], ['/openai/'], ['//']])('endpoint "<resource>%s" posts to /openai/deployments/<deployment>/chat/completions', async (suffix) => {
    await collect(await adapter.call(targetOf(azure(suffix), 'gpt-4o-prod'), chatCall, optionsOf()));
    expect(upstream.requests[0]?.url).toBe(`/openai/deployments/gpt-4o-prod/chat/completions?api-version=${AZURE_API_VERSION}`);
  });

  it('completions, and a deployment name that needs encoding', async () => {
    await collect(await adapter.call(targetOf(azure(), 'my deployment'), completionCall, optionsOf()));
    expect(upstream.requests[0]?.url).toBe('/openai/deployments/my%20deployment/completions?api-version=2024-10-21');
  });

  it('sends the key as api-key, never as Authorization, and no model in the body', async () => {
    await collect(await adapter.call(targetOf(azure(), 'gpt-4o-prod'), chatCall, optionsOf({ stream: true, requestId: 'rid-9' })));
    const [request] = upstream.requests;
    expect(request?.headers['api-key']).toBe('azure-key-1234');
    expect(request?.headers.authorization).toBeUndefined();
    expect(request?.headers['x-request-id']).toBe('rid-9');
    expect(request?.body).not.toHaveProperty('model');
    expect(request?.body).toMatchObject({ stream: true, stream_options: { include_usage: true }, max_tokens: 5 });
  });

  it('no key: no api-key header', async () => {
    await collect(await adapter.call(targetOf(azure('', null), 'gpt-4o-prod'), chatCall, optionsOf()));
    expect(upstream.requests[0]?.headers['api-key']).toBeUndefined();
  });

  it('forward uses the same path and header', async () => {
    const raw = await adapter.forward(targetOf(azure(), 'gpt-4o-prod'), 'chat/completions', { messages: [{ role: 'user', content: 'x' }] }, optionsOf());
    for await (const _chunk of raw.body) {
      // Drain.
    }
    expect(upstream.requests[0]?.url).toBe('/openai/deployments/gpt-4o-prod/chat/completions?api-version=2024-10-21');
    expect(upstream.requests[0]?.headers['api-key']).toBe('azure-key-1234');
  });
});

describe('answers and failures (shared with the OpenAI-compatible adapter)', () => {
  it('streams deltas with usage; skips chunks without choices (content-filter results)', async () => {
    upstream.script({
      kind: 'raw',
      parts: [
        `data: ${JSON.stringify({ choices: [], prompt_filter_results: [{ prompt_index: 0 }] })}\n\n`,
        `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'Hi' }, finish_reason: null }] })}\n\n`,
        `data: ${JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`,
        `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } })}\n\n`,
        'data: [DONE]\n\n',
      ],
    });
    const response = await adapter.call(targetOf(azure(), 'gpt-4o-prod'), chatCall, optionsOf({ stream: true }));
    expect(await collect(response)).toEqual(['Hi']);
    expect(response.result()).toEqual({ finishReason: 'stop', usage: { inputTokens: 3, outputTokens: 1 } });
  });

  it('mid-stream abort closes the connection', async () => {
    upstream.script({ kind: 'openai', chunks: 100, intervalMs: 200 });
    const controller = new AbortController();
    const response = await adapter.call(targetOf(azure(), 'gpt-4o-prod'), chatCall, optionsOf({ stream: true, signal: controller.signal }));
    const iterator = response.deltas[Symbol.asyncIterator]();
    await iterator.next();
    const pending = iterator.next();
    const abortedAt = performance.now();
    controller.abort();
    await expectUpstreamError(pending, 'aborted');
    expectClosedPromptly('azure-mid-stream', abortedAt, await upstream.waitForClose(upstream.requests[0]!.connection));
    expectNoListeners(controller.signal);
  });

  it('abort before the headers closes the connection', async () => {
    upstream.script({ kind: 'never-answer' });
    const controller = new AbortController();
    const call = adapter.call(targetOf(azure(), 'gpt-4o-prod'), chatCall, optionsOf({ signal: controller.signal }));
    const request = await upstream.waitForRequest(1);
    const abortedAt = performance.now();
    controller.abort();
    await expectUpstreamError(call, 'aborted');
    expectClosedPromptly('azure-before-headers', abortedAt, await upstream.waitForClose(request.connection));
  });

  it('stalls: idle after headers, timeout with no answer', async () => {
    upstream.script({ kind: 'stall-after-headers' }, { kind: 'never-answer' });
    await expectUpstreamError(collect(await adapter.call(targetOf(azure(), 'gpt-4o-prod'), chatCall, optionsOf({ stream: true, idleTimeoutMs: 300 }))), 'idle');
    await expectUpstreamError(adapter.call(targetOf(deploymentOf({ ...azure(), timeoutMs: 300 }), 'gpt-4o-prod'), chatCall, optionsOf()), 'timeout');
  });

  it('an error that echoes the api-key never shows it', async () => {
    upstream.script({ kind: 'status', status: 401, body: (request) => JSON.stringify({ error: { code: '401', message: `Access denied due to invalid subscription key ${String(request.headers['api-key'])}.` } }) });
    const error = await expectUpstreamError(adapter.call(targetOf(azure('', 'canary-azure-0001'), 'gpt-4o-prod'), chatCall, optionsOf()), 'status');
    expect(error.status).toBe(401);
    expect(error.detail).toBe('gpt-azure answered 401: Access denied due to invalid subscription key [redacted].');
  });
});

/**
 * A client that goes away takes its upstream request with it (reliability.md §7 G2): through the
 * whole gateway, the model server sees its connection closed within 1 s of the client's abort, in
 * each window — mid-stream, before the first token, and while a non-streamed answer is awaited —
 * on a GitLab endpoint and on the OpenAI-compatible door. The upstream is slow on purpose (a
 * 20 s answer), so only the abort can end it early.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ScriptedUpstream, startScriptedUpstream } from '../../doubles/scripted-upstream';
import { type GatewayHarness, startGatewayHarness, vllmDeployment } from '../../helpers/gateway-harness';

let upstream: ScriptedUpstream;
let gw: GatewayHarness;
let openAiToken: string;

beforeAll(async () => {
  upstream = await startScriptedUpstream();
  gw = await startGatewayHarness({ deployments: [vllmDeployment('slow', `${upstream.url}/v1`, { timeoutMs: 60_000 })], features: { duo_chat: 'slow' } });
  openAiToken = gw.airlockToken(['openai']).token;
});

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

const SLOW_STREAM = { kind: 'openai', chunks: 100, intervalMs: 200 } as const;

/** Starts a request, lets `whenToAbort` decide the moment, aborts, and returns how long the upstream took to close. */
async function abortAndMeasure(path: string, headers: Record<string, string>, body: unknown, whenToAbort: (response: Promise<Response>) => Promise<void>): Promise<number> {
  const controller = new AbortController();
  const before = upstream.requests.length;
  const response = fetch(`${gw.url}${path}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body), signal: controller.signal });
  response.catch(() => undefined);
  const request = await upstream.waitForRequest(before + 1, 5000);
  await whenToAbort(response);
  const abortedAt = performance.now();
  controller.abort();
  const closedAt = await upstream.waitForClose(request.connection, 3000);
  return closedAt - abortedAt;
}

const readSome = (bytes: number) => async (pending: Promise<Response>) => {
  const response = await pending;
  expect(response.status).toBe(200);
  const reader = response.body!.getReader();
  let received = 0;
  while (received < bytes) {
    const { value, done } = await reader.read();
    if (done) throw new Error('the stream ended before the abort');
    received += value.byteLength;
  }
};
const waitMs = (ms: number) => async () => void (await new Promise((resolve) => setTimeout(resolve, ms)));

const chat = { messages: [{ role: 'user', content: 'Tell me a long story' }] };
const door = (stream: boolean) => ({ model: 'slow', messages: [{ role: 'user', content: 'x' }], stream });

describe('client abort closes the upstream connection within 1 s', () => {
  it('mid-stream, on /v2/chat/agent', async () => {
    upstream.script(SLOW_STREAM);
    const ms = await abortAndMeasure('/v2/chat/agent', gw.gitlabHeaders(), chat, readSome(200));
    expect(ms).toBeLessThan(1000);
  });

  it('mid-stream, on the OpenAI-compatible door', async () => {
    upstream.script(SLOW_STREAM);
    const ms = await abortAndMeasure('/v1/chat/completions', { authorization: `Bearer ${openAiToken}` }, door(true), readSome(300));
    expect(ms).toBeLessThan(1000);
  });

  it('before the first token (the model is still thinking)', async () => {
    upstream.script({ kind: 'openai', chunks: 3, firstChunkDelayMs: 20_000 });
    const ms = await abortAndMeasure('/v2/chat/agent', gw.gitlabHeaders(), chat, waitMs(300));
    expect(ms).toBeLessThan(1000);
  });

  it('before the upstream even sent its headers', async () => {
    upstream.script({ kind: 'never-answer' });
    const ms = await abortAndMeasure('/v1/chat/completions', { authorization: `Bearer ${openAiToken}` }, door(true), waitMs(300));
    expect(ms).toBeLessThan(1000);
  });

  it('while a non-streamed answer is awaited', async () => {
    upstream.script({ kind: 'openai', chunks: 3, bodyDelayMs: 20_000 });
    const ms = await abortAndMeasure('/v1/prompts/chat/explain_code', gw.gitlabHeaders(), { inputs: { selected_text: 'x = 1' } }, waitMs(300));
    expect(ms).toBeLessThan(1000);
  });

  it('records the abandoned request as 499 with the reason', async () => {
    const from = gw.records.length;
    upstream.script(SLOW_STREAM);
    await abortAndMeasure('/v2/chat/agent', gw.gitlabHeaders(), chat, readSome(100));
    const row = await gw.waitForRecord((r) => r.endpoint === '/v2/chat/agent', from);
    expect(row.status).toBe(499);
    expect(row.error).toContain('closed the connection');
  });
});

describe('a stalled upstream', () => {
  it('ends the stream with an error event, never a clean-looking answer', async () => {
    gw.update({ limits: { ...gw.store.get().config.limits, streamIdleMs: 1000 } });
    upstream.script({ kind: 'openai', chunks: 10, intervalMs: 10, stallAfterChunks: 2 });
    const started = performance.now();
    const response = await fetch(`${gw.url}/v2/chat/agent`, { method: 'POST', headers: gw.gitlabHeaders(), body: JSON.stringify(chat) });
    expect(response.status).toBe(200);
    const lines = (await response.text()).trim().split('\n').map((line) => JSON.parse(line) as { type: string; data: { message?: string } });
    expect(performance.now() - started).toBeLessThan(3000);
    expect(lines.at(-1)!.type).toBe('error');
    expect(lines.at(-1)!.data.message).toMatch(/idle|silent|nothing/i);
    expect(lines.some((line) => line.type === 'usage')).toBe(false);
  });
});

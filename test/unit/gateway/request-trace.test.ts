import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Principal } from '../../../electron/gateway/auth/verify-token';
import { RequestTrace, requestIdFrom } from '../../../electron/gateway/request-trace';

const KIB64 = 64 * 1024;

const trace = () => new RequestTrace('req-1', '10.0.0.7', 'POST', '/v2/code/completions');

const principal: Principal = {
  kind: 'airlock',
  subject: 'token:abc123',
  scopes: new Set(['complete_code']),
  instanceId: null,
  realm: null,
  tokenId: 'abc123',
  label: 'ci',
  client: 'token:ci (abc123)',
};

describe('RequestTrace', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('finishes once: the first call gives the row, later ones null', () => {
    const t = trace();
    const row = t.finish(200);
    expect(row).toMatchObject({ requestId: 'req-1', clientIp: '10.0.0.7', method: 'POST', endpoint: '/v2/code/completions', status: 200 });
    expect(t.finish(499)).toBeNull();
    expect(t.finish(200)).toBeNull();
  });

  it('fills the row from what the request learnt', () => {
    const t = trace();
    t.principal = principal;
    t.feature = 'code_completions';
    t.unitPrimitive = 'complete_code';
    t.deployment = 'codestral';
    t.model = 'Codestral-22B';
    t.isStream = true;
    t.usage = { inputTokens: 120, outputTokens: 30 };
    t.error = 'upstream idle';
    expect(t.finish(504)).toMatchObject({
      client: 'token:ci (abc123)',
      feature: 'code_completions',
      unitPrimitive: 'complete_code',
      deployment: 'codestral',
      model: 'Codestral-22B',
      isStream: true,
      tokensIn: 120,
      tokensOut: 30,
      error: 'upstream idle',
      status: 504,
    });
  });

  it('records an unauthenticated request as anonymous, without tokens or first byte', () => {
    const row = trace().finish(401)!;
    expect(row).toMatchObject({ client: 'anonymous', tokensIn: null, tokensOut: null, ttfbMs: null, prompt: null, response: null });
    expect(row.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('measures latency and time to first byte from the arrival, keeping the first mark', () => {
    // performance.now is read inside the trace; drive it by hand rather than measure real time.
    let now = 1000;
    vi.spyOn(performance, 'now').mockImplementation(() => now);
    const t = trace();
    now = 1012.5;
    t.markFirstByte();
    now = 1100;
    t.markFirstByte();
    now = 1250.1234;
    expect(t.finish(200)).toMatchObject({ ttfbMs: 12.5, latencyMs: 250.123 });
  });

  it('keeps neither prompt nor response when the request may not be logged with its text', () => {
    const t = trace();
    t.recordPrompt('def fib(n):');
    t.recordResponse('return n');
    expect(t.prompt).toBeNull();
    expect(t.finish(200)).toMatchObject({ prompt: null, response: null });
  });

  it('keeps the prompt (JSON for messages) and the response in order when it may', () => {
    const t = trace();
    t.isAiLogged = true;
    t.recordPrompt([{ role: 'user', content: 'hi' }]);
    t.recordResponse('Hel');
    t.recordResponse('lo');
    expect(t.finish(200)).toMatchObject({ prompt: '[{"role":"user","content":"hi"}]', response: 'Hello' });
  });

  it('caps the prompt at 64 KiB', () => {
    const t = trace();
    t.isAiLogged = true;
    t.recordPrompt('p'.repeat(KIB64 + 500));
    expect(t.prompt).toHaveLength(KIB64);
    t.recordPrompt('short');
    expect(t.prompt).toBe('short');
  });

  it('caps the response at 64 KiB and stops collecting past it', () => {
    const t = trace();
    t.isAiLogged = true;
    t.recordResponse('a'.repeat(KIB64 - 10));
    t.recordResponse('b'.repeat(100));
    t.recordResponse('c'.repeat(100));
    const response = t.finish(200)!.response!;
    expect(response).toHaveLength(KIB64);
    expect(response.endsWith('b'.repeat(10))).toBe(true);
    expect(response).not.toContain('c');
  });

  it('aborts through its controller', () => {
    const t = trace();
    expect(t.abort.signal.aborted).toBe(false);
    t.abort.abort();
    expect(t.abort.signal.aborted).toBe(true);
  });
});

describe('requestIdFrom', () => {
  const generate = () => 'generated-id';

  it('keeps a client id made of safe characters, up to 128 of them', () => {
    for (const id of ['01HZX3J9Q7', 'a.b_c:d-e', 'ABCdef-123', 'x'.repeat(128)]) expect(requestIdFrom(id, generate)).toBe(id);
  });

  it('takes the first of repeated headers', () => {
    expect(requestIdFrom(['first-id', 'second-id'], generate)).toBe('first-id');
    expect(requestIdFrom(['bad id', 'second-id'], generate)).toBe('generated-id');
    expect(requestIdFrom([], generate)).toBe('generated-id');
  });

  it('replaces a missing, empty, over-long or unsafe id with a new one', () => {
    for (const id of [undefined, '', 'x'.repeat(129), 'has space', 'line\nbreak', 'quote"', '<script>', 'ünïcode', 'a/b', 'a\u0000b']) {
      expect(requestIdFrom(id, generate)).toBe('generated-id');
    }
  });
});

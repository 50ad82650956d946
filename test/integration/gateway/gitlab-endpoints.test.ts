/**
 * Every GitLab endpoint of the gateway answers a GitLab-shaped request (gitlab-ai-gateway.md
 * §2.4–§2.10): a fake GitLab instance signs the tokens with its OIDC keys, the fake vLLM answers,
 * streaming and not, and each answer has the documented shape. The deployment's key is only in
 * Airlock's registry: requests carry none, so each call also proves the registry key is used.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeVllmProcess, startFakeVllm } from '../../helpers/fake-vllm-process';
import { type GatewayHarness, startGatewayHarness, vllmDeployment } from '../../helpers/gateway-harness';

const KEY = 'canary-registry-key-7f3a9c21';
let vllm: FakeVllmProcess;
let gw: GatewayHarness;

const metadata = () => ({ provider: 'openai', name: 'codestral', endpoint: vllm.endpoint, api_key: null, identifier: 'custom_openai/codestral' });

async function post(path: string, body: unknown, headers: Record<string, string> = gw.gitlabHeaders()) {
  return fetch(`${gw.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
}

beforeAll(async () => {
  vllm = await startFakeVllm({ servedName: 'codestral', apiKey: KEY });
  gw = await startGatewayHarness({ deployments: [vllmDeployment('codestral', vllm.endpoint, { apiKey: KEY })], features: { duo_chat: 'codestral' } });
});

afterAll(async () => {
  await gw?.close();
  await vllm?.stop();
});

const completionBody = (extra: Record<string, unknown> = {}) => ({
  current_file: { file_name: 'app/models/user.py', content_above_cursor: 'def add(a, b):\n    ', content_below_cursor: '\n' },
  model_provider: 'litellm',
  model_name: 'codestral',
  model_endpoint: vllm.endpoint,
  model_api_key: '',
  model_identifier: 'custom_openai/codestral',
  prompt_version: 2,
  prompt: null,
  ...extra,
});

describe('code completion: /v2/code/completions and /v2/completions (§2.4)', () => {
  for (const path of ['/v2/code/completions', '/v2/completions']) {
    it(`${path} answers a text_completion`, async () => {
      const response = await post(path, completionBody());
      expect(response.status).toBe(200);
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ object: 'text_completion', model: { engine: 'litellm', name: 'codestral', lang: 'python' }, experiments: [], metadata: { enabled_feature_flags: [] } });
      const choices = body.choices as { text: string; index: number; finish_reason: string }[];
      expect(choices).toHaveLength(1);
      expect(choices[0]!.text.length).toBeGreaterThan(0);
      expect(choices[0]).toMatchObject({ index: 0, finish_reason: 'length' });
      expect(typeof body.created).toBe('number');
    });
  }

  it('streams raw text chunks, not SSE frames', async () => {
    const response = await post('/v2/code/completions', completionBody({ stream: true }));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const text = await response.text();
    expect(text.length).toBeGreaterThan(0);
    expect(text).not.toMatch(/^data:/m);
  });

  it('refuses a body without current_file with 422 naming the field', async () => {
    const response = await post('/v2/code/completions', { model_endpoint: vllm.endpoint });
    expect(response.status).toBe(422);
    expect(((await response.json()) as { detail: string }).detail).toContain('current_file');
  });
});

describe('code suggestions: /v4/code/suggestions (SSE) and /v3/code/completions (§2.5)', () => {
  const generation = (stream: boolean) => ({
    prompt_components: [
      {
        type: 'code_editor_generation',
        payload: {
          file_name: 'main.go',
          content_above_cursor: 'package main\n\n// sum returns the sum of xs\n',
          content_below_cursor: '',
          language_identifier: 'go',
          stream,
          prompt_enhancer: { user_instruction: 'sum returns the sum of xs' },
          prompt_id: 'code_suggestions/generations',
          prompt_version: '^1.0.0',
        },
      },
    ],
    model_metadata: metadata(),
  });

  it('/v4 streams stream_start, content_chunk…, stream_end with X-Streaming-Format: sse', async () => {
    const response = await post('/v4/code/suggestions', generation(true));
    expect(response.status).toBe(200);
    expect(response.headers.get('x-streaming-format')).toBe('sse');
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const events = (await response.text())
      .split('\n\n')
      .filter(Boolean)
      .map((frame) => {
        const [eventLine, dataLine] = frame.split('\n');
        return { event: eventLine!.replace(/^event: /, ''), data: JSON.parse(dataLine!.replace(/^data: /, '')) as unknown };
      });
    expect(events[0]).toMatchObject({ event: 'stream_start', data: { metadata: { model: { name: 'codestral', lang: 'go' } } } });
    expect(events.at(-1)).toEqual({ event: 'stream_end', data: null });
    const chunks = events.slice(1, -1);
    expect(chunks.length).toBeGreaterThan(0);
    for (const chunk of chunks) expect(chunk).toMatchObject({ event: 'content_chunk', data: { choices: [{ delta: { content: expect.any(String) }, index: 0 }] } });
  });

  it('/v4 answers {choices, metadata} when not streaming', async () => {
    const response = await post('/v4/code/suggestions', generation(false));
    expect(response.status).toBe(200);
    const body = (await response.json()) as { choices: { text: string; index: number; finish_reason: string }[]; metadata: { model: { engine: string; name: string; lang: string }; timestamp: number } };
    expect(body.choices[0]!.text.length).toBeGreaterThan(0);
    expect(body.metadata.model).toEqual({ engine: 'litellm', name: 'codestral', lang: 'go' });
    expect(typeof body.metadata.timestamp).toBe('number');
  });

  it('/v3 completes code and streams it as plain text', async () => {
    const component = { type: 'code_editor_completion', payload: { file_name: 'a.rb', content_above_cursor: 'def hello\n  ', content_below_cursor: '\nend\n', language_identifier: 'ruby', stream: true } };
    const response = await post('/v3/code/completions', { prompt_components: [component], model_metadata: metadata() });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    expect((await response.text()).length).toBeGreaterThan(0);
  });

  it('checks the scope the component needs once the body is read: generation needs generate_code', async () => {
    const headers = gw.gitlabHeaders({ scopes: ['complete_code'] });
    const response = await post('/v4/code/suggestions', generation(false), headers);
    expect(response.status).toBe(403);
    expect(((await response.json()) as { detail: string }).detail).toContain('generate_code');
  });
});

describe('prompts: /v1/prompts/{id} and /v2/prompts/{id} (§2.8, §2.9)', () => {
  it("answers GitLab's Test connection (model_configuration%2Fcheck) with the model's words", async () => {
    const response = await post('/v1/prompts/model_configuration%2Fcheck', { stream: false, inputs: {}, model_metadata: { ...metadata(), provider: 'openai' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(typeof (await response.json())).toBe('string');
  });

  it('v1 answers a JSON string, v2 {content, usage}', async () => {
    const body = { inputs: { selected_text: 'x = [i * i for i in range(10)]', file_name: 'a.py' }, model_metadata: metadata() };
    const v1 = await post('/v1/prompts/chat/explain_code', body);
    expect(v1.status).toBe(200);
    expect(typeof (await v1.json())).toBe('string');
    const v2 = await post('/v2/prompts/chat/explain_code', body);
    expect(v2.status).toBe(200);
    const answer = (await v2.json()) as { content: string; usage: { input_tokens: number; output_tokens: number } };
    expect(answer.content.length).toBeGreaterThan(0);
    expect(answer.usage.output_tokens).toBeGreaterThan(0);
  });

  it('streams raw chunks', async () => {
    const response = await post('/v1/prompts/chat/write_tests', { stream: true, inputs: { selected_text: 'def f(): return 1' }, model_metadata: metadata() });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    expect((await response.text()).length).toBeGreaterThan(0);
  });

  it('answers 404 for an unknown prompt and 403 without its unit primitive', async () => {
    expect((await post('/v1/prompts/no/such/prompt', { inputs: {}, model_metadata: metadata() })).status).toBe(404);
    const denied = await post('/v1/prompts/chat/refactor_code', { inputs: { selected_text: 'x' }, model_metadata: metadata() }, gw.gitlabHeaders({ scopes: ['explain_code'] }));
    expect(denied.status).toBe(403);
  });

  it('answers 421 with "<code>: <reason>" when the model itself fails', async () => {
    const broken = { ...metadata(), api_key: 'wrong-key-0000' };
    const response = await post('/v1/prompts/chat/explain_code', { inputs: { selected_text: 'x' }, model_metadata: broken });
    expect(response.status).toBe(421);
    const { detail } = (await response.json()) as { detail: string };
    expect(detail).toMatch(/^401: /);
    expect(detail).not.toContain('wrong-key-0000');
  });
});

describe('chat (§2.6, §2.7)', () => {
  it('/v2/chat/agent streams NDJSON final_answer_delta events, then usage', async () => {
    const response = await post('/v2/chat/agent', {
      messages: [
        { role: 'user', content: 'What does this function do?', current_file: { file_path: 'lib/a.rb', data: 'def a; 1; end', selected_code: true } },
      ],
      model_metadata: metadata(),
      unavailable_resources: ['Merge Requests, Pipelines, Vulnerabilities'],
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/x-ndjson');
    const events = (await response.text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; data: Record<string, unknown> });
    const deltas = events.filter((e) => e.type === 'final_answer_delta');
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.map((e) => e.data.text).join('').length).toBeGreaterThan(0);
    expect(deltas.at(-1)!.data.finish_reason).toBe('length');
    const usage = events.at(-1)!;
    expect(usage.type).toBe('usage');
    expect(usage.data).toMatchObject({ usage: { codestral: { input_tokens: expect.any(Number), output_tokens: expect.any(Number) } } });
  });

  it('/v2/chat/agent without model_metadata is routed by the feature mapping (duo_chat → codestral)', async () => {
    const response = await post('/v2/chat/agent', { messages: [{ role: 'user', content: 'hello' }] });
    expect(response.status).toBe(200);
    expect((await response.text()).split('\n').filter(Boolean).length).toBeGreaterThan(1);
  });

  it('/v1/chat/{invokable} answers {response, metadata} as GitLab\'s Rails-console check expects', async () => {
    const response = await post('/v1/chat/agent', {
      prompt_components: [
        {
          type: 'prompt',
          metadata: { source: 'GitLab EE', version: '17.9.0' },
          payload: { content: 'Hello', provider: 'litellm', model: 'codestral', model_endpoint: vllm.endpoint, model_identifier: 'custom_openai/codestral' },
        },
      ],
      stream: false,
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { response: string; metadata: { provider: string; model: string; timestamp: number } };
    expect(body.response.length).toBeGreaterThan(0);
    expect(body.metadata).toMatchObject({ provider: 'litellm', model: 'codestral', timestamp: expect.any(Number) });
  });
});

describe('monitoring (§2.1)', () => {
  it('/monitoring/healthz answers without a token; other routes do not', async () => {
    const health = await fetch(`${gw.url}/monitoring/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    expect((await fetch(`${gw.url}/`)).status).toBe(401);
  });

  it('/monitoring/ready checks each mapped deployment', async () => {
    const ready = await fetch(`${gw.url}/monitoring/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', deployments: [{ name: 'codestral', ok: true, detail: 'model list answered' }] });
  });
});

describe('the request log', () => {
  it('has a row per request with the feature, the deployment, the client and the tokens', async () => {
    const before = gw.records.length;
    const response = await post('/v2/code/completions', completionBody());
    expect(response.status).toBe(200);
    await response.text();
    const [row] = (await gw.waitForRecords(before + 1)).slice(before);
    expect(row).toMatchObject({
      endpoint: '/v2/code/completions',
      feature: 'code_completions',
      unitPrimitive: 'complete_code',
      deployment: 'codestral',
      model: 'codestral',
      status: 200,
      isStream: false,
      client: `gitlab:${gw.gitlab.instanceId}`,
      clientIp: '127.0.0.1',
      error: null,
      prompt: null,
      response: null,
    });
    expect(row!.tokensOut).toBeGreaterThan(0);
    expect(row!.ttfbMs).toBeGreaterThan(0);
    expect(row!.latencyMs).toBeGreaterThanOrEqual(row!.ttfbMs!);
  });
});

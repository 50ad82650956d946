/**
 * The OpenAI-compatible door with the official `openai` npm client, pointed at the gateway with an
 * Airlock-issued token, against the fake vLLM: a chat streamed and not, a completion, the model
 * list, and the client's own error types for a bad token, a missing scope and an unknown model.
 */
import OpenAI, { type APIError, AuthenticationError, NotFoundError, PermissionDeniedError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeVllmProcess, startFakeVllm } from '../../helpers/fake-vllm-process';
import { type GatewayHarness, startGatewayHarness, vllmDeployment } from '../../helpers/gateway-harness';

const KEY = 'canary-vllm-key-5e61b0aa';
let vllm: FakeVllmProcess;
let gw: GatewayHarness;
let client: OpenAI;

beforeAll(async () => {
  vllm = await startFakeVllm({ servedName: 'qwen-coder', apiKey: KEY });
  gw = await startGatewayHarness({
    deployments: [vllmDeployment('Qwen Coder', vllm.endpoint, { family: 'qwen', identifier: 'custom_openai/qwen-coder', apiKey: KEY })],
    features: { duo_chat: 'Qwen Coder' },
  });
  const { token } = gw.airlockToken(['openai'], { label: 'ide-alice' });
  client = new OpenAI({ apiKey: token, baseURL: `${gw.url}/v1`, maxRetries: 0, timeout: 10_000 });
});

afterAll(async () => {
  await gw?.close();
  await vllm?.stop();
});

describe('the official openai client with an Airlock token', () => {
  it('lists the deployments and the mapped features as models', async () => {
    const ids = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(['Qwen Coder', 'duo_chat']);
  });

  it('completes a chat', async () => {
    const completion = await client.chat.completions.create({ model: 'Qwen Coder', messages: [{ role: 'user', content: 'Say hello' }], max_tokens: 6 });
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]!.message.role).toBe('assistant');
    expect(completion.choices[0]!.message.content!.trim().split(/\s+/)).toHaveLength(6);
    expect(completion.usage?.completion_tokens).toBe(6);
  });

  it('streams a chat chunk by chunk, by feature name', async () => {
    const from = gw.records.length;
    const stream = await client.chat.completions.create({ model: 'duo_chat', messages: [{ role: 'user', content: 'Count' }], max_tokens: 5, stream: true, stream_options: { include_usage: true } });
    const deltas: string[] = [];
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) deltas.push(chunk.choices[0].delta.content);
      if (chunk.usage) usage = chunk.usage;
    }
    expect(deltas).toHaveLength(5);
    expect(usage?.completion_tokens).toBe(5);
    const row = await gw.waitForRecord((r) => r.endpoint === '/v1/chat/completions' && r.isStream, from);
    expect(row).toMatchObject({ endpoint: '/v1/chat/completions', feature: 'duo_chat', deployment: 'Qwen Coder', isStream: true, tokensOut: 5, status: 200, client: expect.stringContaining('token:ide-alice') });
  });

  it('completes a prompt on /v1/completions', async () => {
    const completion = await client.completions.create({ model: 'Qwen Coder', prompt: 'def add(a, b):', max_tokens: 4 });
    expect(completion.choices[0]!.text.trim().split(/\s+/)).toHaveLength(4);
  });

  it('raises AuthenticationError for an unknown token, PermissionDenied without the scope, NotFound for an unknown model', async () => {
    const stranger = new OpenAI({ apiKey: 'sk-not-a-token', baseURL: `${gw.url}/v1`, maxRetries: 0 });
    await expect(stranger.models.list()).rejects.toBeInstanceOf(AuthenticationError);
    const { token } = gw.airlockToken(['complete_code']);
    const noScope = new OpenAI({ apiKey: token, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    await expect(noScope.chat.completions.create({ model: 'Qwen Coder', messages: [{ role: 'user', content: 'x' }] })).rejects.toBeInstanceOf(PermissionDeniedError);
    const error = await client.chat.completions.create({ model: 'gpt-9', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as APIError).message).toContain('gpt-9');
  });

  it('refuses a GitLab instance token on the door (it has no openai scope)', async () => {
    const response = await fetch(`${gw.url}/v1/models`, { headers: gw.gitlabHeaders() });
    expect(response.status).toBe(403);
  });
});

/**
 * Routing refuses what is not registered before any connection is attempted (no SSRF,
 * reliability.md §6 A3): a listener on the unregistered endpoint counts connections and must see
 * none. Spellings of an endpoint that name the same server are recognised; others are not.
 */
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ScriptedUpstream, startScriptedUpstream } from '../../doubles/scripted-upstream';
import { type GatewayHarness, startGatewayHarness, vllmDeployment } from '../../helpers/gateway-harness';

let upstream: ScriptedUpstream;
let gw: GatewayHarness;
let listener: { server: Server; port: number; connections: number };

beforeAll(async () => {
  upstream = await startScriptedUpstream();
  gw = await startGatewayHarness({ deployments: [vllmDeployment('codestral', `${upstream.url}/v1`, { apiKey: 'canary-route-key-0001' })] });
  const state = { connections: 0 };
  const server = createServer((socket) => {
    state.connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  listener = {
    server,
    port: (server.address() as AddressInfo).port,
    get connections() {
      return state.connections;
    },
  };
});

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
  await new Promise((resolve) => listener?.server.close(resolve));
});

const ask = (metadata: Record<string, unknown>) =>
  fetch(`${gw.url}/v2/chat/agent`, { method: 'POST', headers: gw.gitlabHeaders(), body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], model_metadata: metadata }) });

describe('unregistered endpoints', () => {
  it('answers 403 naming the endpoint, and no connection is attempted', async () => {
    const endpoint = `http://127.0.0.1:${listener.port}/v1`;
    const response = await ask({ provider: 'openai', name: 'mistral', endpoint, identifier: 'custom_openai/mistral' });
    expect(response.status).toBe(403);
    const { detail } = (await response.json()) as { detail: string };
    expect(detail).toContain(endpoint);
    expect(detail).toContain('not registered');
    // Give a connection attempt time to land, if one were made.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(listener.connections).toBe(0);
  });

  it.each([
    ['another port on the registered host', () => `http://127.0.0.1:${listener.port}/v1`],
    ['localhost for 127.0.0.1', () => `${upstream.url.replace('127.0.0.1', 'localhost')}/v1`],
    ['the cloud metadata address', () => 'http://169.254.169.254/latest/meta-data'],
    ['another path on the registered server', () => `${upstream.url}/admin`],
    ['user info smuggled in front of the registered host', () => `http://evil.example@127.0.0.1:${listener.port}/v1`],
  ])('refuses %s with 403 and without a connection', async (_name, endpoint) => {
    const before = upstream.connections.length;
    const response = await ask({ provider: 'openai', name: 'mistral', endpoint: endpoint(), identifier: 'custom_openai/mistral' });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { detail: string }).detail).not.toContain('evil.example@');
    expect(upstream.connections.length).toBe(before);
    expect(listener.connections).toBe(0);
  });

  it('recognises a spelling of the registered endpoint (upper-case host, trailing slash)', async () => {
    const response = await ask({ provider: 'openai', name: 'codestral', endpoint: `${upstream.url.replace('http://', 'HTTP://')}/v1/`, identifier: 'custom_openai/codestral' });
    expect(response.status).toBe(200);
    await response.text();
    // The registry's key went upstream, since the request carried none.
    expect(upstream.requests.at(-1)!.headers.authorization).toBe('Bearer canary-route-key-0001');
  });

  it('answers 400 when neither the request names a model nor the feature is mapped', async () => {
    const response = await fetch(`${gw.url}/v2/chat/agent`, { method: 'POST', headers: gw.gitlabHeaders(), body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }) });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { detail: string }).detail).toContain('duo_chat');
  });

  it('refuses a Bedrock identifier that is not registered, without calling anything', async () => {
    const response = await ask({ provider: 'bedrock', name: 'claude_3', endpoint: null, identifier: 'bedrock/us.anthropic.claude-3-5-sonnet-20240620-v1:0' });
    expect(response.status).toBe(403);
  });
});

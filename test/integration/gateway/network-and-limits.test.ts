/**
 * The client allowlist and the size limits, through the gateway (reliability.md §7 G1, G5): a
 * client outside `allowedNetworks` is refused like any authentication failure, whatever it writes
 * in X-Forwarded-For; a trusted proxy's X-Forwarded-For is believed; bodies over the limit get 413
 * before anything is sent upstream.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UNAUTHORIZED_BODY } from '../../../electron/gateway/app';
import { type ScriptedUpstream, startScriptedUpstream } from '../../doubles/scripted-upstream';
import { type GatewayHarness, startGatewayHarness, vllmDeployment } from '../../helpers/gateway-harness';

let upstream: ScriptedUpstream;
let gw: GatewayHarness;

beforeAll(async () => {
  upstream = await startScriptedUpstream();
  gw = await startGatewayHarness({ deployments: [vllmDeployment('codestral', `${upstream.url}/v1`)], features: { duo_chat: 'codestral' } });
});

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

const chat = (headers: Record<string, string> = {}, body: unknown = { messages: [{ role: 'user', content: 'hi' }] }) =>
  fetch(`${gw.url}/v2/chat/agent`, { method: 'POST', headers: { ...gw.gitlabHeaders(), ...headers }, body: JSON.stringify(body) });

const setNetwork = (allowedNetworks: string[], trustedProxies: string[]) => gw.update({ network: { allowedNetworks, trustedProxies } });

describe('client allowlist', () => {
  it('refuses a client outside gateway.allowedNetworks with the same 401, and spoofed X-Forwarded-For does not help', async () => {
    setNetwork(['10.0.0.0/8'], []);
    const before = upstream.requests.length;
    const spoofs: Record<string, string>[] = [{}, { 'x-forwarded-for': '10.1.2.3' }, { 'x-forwarded-for': '10.1.2.3, 10.9.9.9' }, { forwarded: 'for=10.1.2.3' }, { 'x-real-ip': '10.1.2.3' }];
    for (const spoof of spoofs) {
      const response = await chat(spoof);
      expect(response.status).toBe(401);
      expect(await response.text()).toBe(UNAUTHORIZED_BODY);
    }
    expect(upstream.requests.length).toBe(before);
    expect(gw.logLines.join('\n')).toContain('is not in gateway.allowedNetworks');
  });

  it("believes a trusted proxy's X-Forwarded-For, right to left", async () => {
    setNetwork(['10.0.0.0/8'], ['127.0.0.1/32']);
    const from = gw.records.length;
    const allowed = await chat({ 'x-forwarded-for': '203.0.113.9, 10.1.2.3' });
    expect(allowed.status).toBe(200);
    await allowed.text();
    const row = await gw.waitForRecord((r) => r.endpoint === '/v2/chat/agent', from);
    expect(row.clientIp).toBe('10.1.2.3');
    const refused = await chat({ 'x-forwarded-for': '10.1.2.3, 203.0.113.9' });
    expect(refused.status).toBe(401);
  });

  it('lets everyone with a valid token in when the list is empty', async () => {
    setNetwork([], []);
    const response = await chat();
    expect(response.status).toBe(200);
    await response.text();
  });
});

describe('size limits', () => {
  it('answers 413 for a body over gateway.maxBodyBytes, without calling the model', async () => {
    const before = upstream.requests.length;
    const big = { messages: [{ role: 'user', content: 'x'.repeat(9 * 1024 * 1024) }] };
    const response = await chat({}, big);
    expect(response.status).toBe(413);
    expect(((await response.json()) as { detail: string }).detail).toContain('larger than');
    expect(upstream.requests.length).toBe(before);
  });

  it('answers 422 for a field over its documented length (content above the cursor > 100,000 characters)', async () => {
    const response = await fetch(`${gw.url}/v2/code/completions`, {
      method: 'POST',
      headers: gw.gitlabHeaders(),
      body: JSON.stringify({ current_file: { file_name: 'a.py', content_above_cursor: 'x'.repeat(100_001), content_below_cursor: '' } }),
    });
    expect(response.status).toBe(422);
    expect(((await response.json()) as { detail: string }).detail).toContain('current_file.content_above_cursor');
  });
});

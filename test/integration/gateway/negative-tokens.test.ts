/**
 * The negative token corpus through the real gateway (issue: alg none, HS256 signed with the public
 * key, wrong audience, expired, future nbf, unknown kid, tampered payload, truncated signature, a
 * 64 KB header, jku/x5u headers; reliability.md §3 J1): every request is refused with one
 * byte-identical 401 body, the model server behind the gateway sees no connection at all, and
 * neither does the attacker's key server. A valid token through the same path proves the route
 * works, so the refusals are not an accident of a broken route.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UNAUTHORIZED_BODY } from '../../../electron/gateway/app';
import { encodeSegment, mintAirlockTestToken, signCompact } from '../../doubles/fake-gitlab-instance';
import { type ScriptedUpstream, startScriptedUpstream } from '../../doubles/scripted-upstream';
import { type GatewayHarness, startGatewayHarness, vllmDeployment } from '../../helpers/gateway-harness';

let upstream: ScriptedUpstream;
let gw: GatewayHarness;
let attacker: { server: Server; url: string; hits: number; jwks: unknown; privateKey: CryptoKey };

beforeAll(async () => {
  upstream = await startScriptedUpstream();
  gw = await startGatewayHarness({ deployments: [vllmDeployment('codestral', `${upstream.url}/v1`)], features: { code_completions: 'codestral' } });
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'attacker', alg: 'RS256', use: 'sig' }] };
  const state = { hits: 0 };
  const server = createServer((_request, response) => {
    state.hits += 1;
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  attacker = {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get hits() {
      return state.hits;
    },
    jwks,
    privateKey: privateKey as CryptoKey,
  };
});

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
  await new Promise((resolve) => attacker?.server.close(resolve));
});

const body = JSON.stringify({
  current_file: { file_name: 'a.py', content_above_cursor: 'def f():\n    ', content_below_cursor: '' },
});

/** Sends a completion with `token` in GitLab's headers; returns status and raw body. */
async function send(token: string, extra: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const headers = { ...gw.gitlab.headersFor(token), 'content-type': 'application/json', ...extra };
  const response = await fetch(`${gw.url}/v2/code/completions`, { method: 'POST', headers, body });
  return { status: response.status, text: await response.text() };
}

const segment = (i: number) => (token: string) => token.split('.')[i]!;
const headerOf = segment(0);
const payloadOf = segment(1);
const signatureOf = segment(2);
const decode = (segment: string) => JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as Record<string, unknown>;
const flip = (segment: string) => {
  const bytes = Buffer.from(segment, 'base64url');
  bytes[bytes.length >> 1]! ^= 0x01;
  return bytes.toString('base64url');
};

/** Each case: a name and the token (plus extra headers) to send. */
function corpus(): { name: string; token: string; headers?: Record<string, string> }[] {
  const good = gw.gitlab.mintToken();
  const claims = decode(payloadOf(good));
  const kid = gw.gitlab.currentKid;
  const now = Math.floor(Date.now() / 1000);
  const publicPem = gw.gitlab.publicKey().export({ type: 'spki', format: 'pem' });
  const airlock = mintAirlockTestToken(gw.airlockKey, { claims: { jti: 'notactive0001' } });
  return [
    { name: 'alg none, no signature', token: `${encodeSegment({ alg: 'none', typ: 'JWT', kid })}.${payloadOf(good)}.` },
    { name: 'alg None with the real signature', token: `${encodeSegment({ alg: 'None', typ: 'JWT', kid })}.${payloadOf(good)}.${signatureOf(good)}` },
    { name: 'alg NONE', token: `${encodeSegment({ alg: 'NONE', typ: 'JWT', kid })}.${payloadOf(good)}.` },
    { name: 'HS256 signed with the public key (algorithm confusion)', token: signCompact({ alg: 'HS256', typ: 'JWT', kid }, claims, publicPem) },
    { name: 'wrong audience', token: gw.gitlab.mintToken({ claims: { aud: ['some-other-service'] } }) },
    { name: 'no audience', token: gw.gitlab.mintToken({ claims: { aud: undefined } }) },
    { name: 'expired beyond the 30 s tolerance', token: gw.gitlab.mintToken({ claims: { iat: now - 7200, nbf: now - 7205, exp: now - 31 } }) },
    { name: 'no exp', token: gw.gitlab.mintToken({ claims: { exp: undefined } }) },
    { name: 'nbf in the future beyond the tolerance', token: gw.gitlab.mintToken({ claims: { nbf: now + 120 } }) },
    { name: 'unknown kid', token: gw.gitlab.mintToken({ header: { kid: 'no-such-key' } }) },
    { name: 'path traversal kid', token: gw.gitlab.mintToken({ header: { kid: '../../../../etc/passwd' } }) },
    { name: 'tampered payload', token: `${headerOf(good)}.${encodeSegment({ ...claims, scopes: ['everything'] })}.${signatureOf(good)}` },
    { name: 'truncated signature', token: `${headerOf(good)}.${payloadOf(good)}.${signatureOf(good).slice(0, 40)}` },
    { name: 'bit-flipped signature', token: `${headerOf(good)}.${payloadOf(good)}.${flip(signatureOf(good))}` },
    { name: 'jku pointing at an attacker key set', token: gw.gitlab.mintToken({ header: { jku: `${attacker.url}/jwks.json`, kid: 'attacker' } }) },
    { name: 'x5u pointing at an attacker', token: gw.gitlab.mintToken({ header: { x5u: `${attacker.url}/cert.pem` } }) },
    { name: 'a valid token with jku added', token: gw.gitlab.mintToken({ header: { jku: `${attacker.url}/jwks.json` } }) },
    { name: 'a 64 KB header', token: gw.gitlab.mintToken({ header: { pad: 'x'.repeat(64 * 1024) } }) },
    { name: 'a 12 KB token (under the header limit, over the token limit)', token: `${headerOf(good)}.${encodeSegment({ ...claims, pad: 'z'.repeat(12 * 1024) })}.${signatureOf(good)}` },
    { name: 'a 48 KB payload', token: `${headerOf(good)}.${encodeSegment({ ...claims, pad: 'y'.repeat(48 * 1024) })}.${signatureOf(good)}` },
    { name: 'missing X-Gitlab-Authentication-Type', token: good, headers: { 'x-gitlab-authentication-type': 'jwt' } },
    { name: 'realm header mismatch', token: good, headers: { 'x-gitlab-realm': 'saas' } },
    { name: 'instance header mismatch', token: good, headers: { 'x-gitlab-instance-id': '00000000-0000-0000-0000-000000000000' } },
    { name: 'an Airlock token that is not active', token: airlock },
    { name: 'not a JWT at all', token: 'definitely-not-a-token' },
  ];
}

describe('the negative token corpus through the gateway', () => {
  it('accepts a valid GitLab token on the same route (the control case)', async () => {
    const result = await send(gw.gitlab.mintToken());
    expect(result.status).toBe(200);
    expect(upstream.requests.length).toBe(1);
  });

  it('refuses every forged or invalid token with one identical 401 body; the upstream and the attacker see nothing', async () => {
    const refusedBefore = gw.runtime.metrics.totals().authFailures;
    const connectionsBefore = upstream.connections.length;
    const requestsBefore = upstream.requests.length;
    const cases = corpus();
    const refused: string[] = [];
    for (const testCase of cases) {
      const result = await send(testCase.token, testCase.headers);
      expect.soft(result.status, testCase.name).toBe(401);
      expect.soft(result.text, testCase.name).toBe(UNAUTHORIZED_BODY);
      if (result.status === 401 && result.text === UNAUTHORIZED_BODY) refused.push(testCase.name);
    }
    expect(refused).toHaveLength(cases.length);
    expect(upstream.requests.length).toBe(requestsBefore);
    expect(upstream.connections.length).toBe(connectionsBefore);
    expect(attacker.hits).toBe(0);
    // Every refusal is counted; the reasons are in the log (never with a token in them).
    expect(gw.runtime.metrics.totals().authFailures - refusedBefore).toBe(cases.length);
    expect(gw.logLines.filter((line) => line.includes('"reason"')).length).toBeGreaterThan(0);
    for (const testCase of cases) expect(gw.logLines.join('\n')).not.toContain(testCase.token.slice(0, 200));
  });

  it('logs at most 20 refusals a second one by one, then how many more there were', async () => {
    // A new second, opened by one refusal, so the earlier tests' counts are out of the way.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await send('opens.a.window');
    const from = gw.logLines.length;
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => send(`bad.token.${i}`)));
    expect(results.every((r) => r.status === 401)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await send('one.more.token');
    const lines = gw.logLines.slice(from);
    const oneByOne = lines.filter((line) => line.includes('request refused: authentication failed')).length;
    const summarised = lines.filter((line) => line.includes('more requests refused')).reduce((sum, line) => sum + (JSON.parse(line) as { count: number }).count, 0);
    expect(oneByOne).toBeLessThan(61);
    expect(summarised).toBeGreaterThan(0);
    // Nothing lost: every refusal is either a line of its own or counted in a summary.
    expect(oneByOne + summarised).toBe(61);
    expect(oneByOne).toBeLessThanOrEqual(19 + 20);
  });

  it('refuses a missing Authorization header with the same body', async () => {
    const response = await fetch(`${gw.url}/v2/code/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(response.status).toBe(401);
    expect(await response.text()).toBe(UNAUTHORIZED_BODY);
  });
});

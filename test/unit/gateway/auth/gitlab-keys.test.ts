import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createGitlabKeySource, type FetchJson, type GitlabKeySourceDeps } from '../../../../electron/gateway/auth/gitlab-keys';
import { DISCOVERY_PATH, type FakeGitlabInstance, JWKS_PATH, startFakeGitlabInstance } from '../../../doubles/fake-gitlab-instance';
import { manualClock } from '../../../helpers/temp-dir';

/** What the app wires in, minus the egress policy: GET, JSON, no redirects. */
const fetchJson: FetchJson = async (url, signal) => {
  const response = await fetch(url, { signal, redirect: 'error' });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.json();
};

const DAY_MS = 24 * 60 * 60 * 1000;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function fakeGitlab(): Promise<FakeGitlabInstance> {
  const fake = await startFakeGitlabInstance();
  closers.push(() => fake.close());
  return fake;
}

/** A server on another port (another origin) that counts what reaches it. */
async function attackerServer(): Promise<{ url: string; hits: () => number }> {
  let hits = 0;
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const server: Server = createServer((_, response) => {
    hits += 1;
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'attacker' }] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits: () => hits };
}

function setup(url: () => string | null, overrides: Partial<GitlabKeySourceDeps> = {}) {
  const clock = manualClock();
  const logger = { warn: vi.fn(), info: vi.fn() };
  const source = createGitlabKeySource({ url, fetchJson, now: clock.now, logger, ...overrides });
  return { clock, logger, source };
}

describe('createGitlabKeySource', () => {
  it('finds the keys through the discovery document and caches them', async () => {
    const fake = await fakeGitlab();
    const { source, clock } = setup(() => fake.url);
    const key = await source.getKey(fake.currentKid);
    expect(key?.asymmetricKeyType).toBe('rsa');
    expect(fake.hits(DISCOVERY_PATH)).toBe(1);
    expect(fake.hits(JWKS_PATH)).toBe(1);
    expect(source.status()).toMatchObject({ url: fake.url, lastFetchAt: clock.now(), lastError: null, keyIds: [fake.currentKid], nextAllowedRefetchAt: clock.now() + 30_000 });

    clock.advance(DAY_MS - 1000);
    expect(await source.getKey(fake.currentKid)).toBe(key);
    expect(fake.hits(JWKS_PATH)).toBe(1);
  });

  it('refetches a stale set in the background while still answering with the known key', async () => {
    const fake = await fakeGitlab();
    const { source, clock } = setup(() => fake.url);
    const key = await source.getKey(fake.currentKid);
    clock.advance(DAY_MS);
    expect(await source.getKey(fake.currentKid)).toBe(key);
    await vi.waitFor(() => expect(source.status().lastFetchAt).toBe(clock.now()));
    expect(fake.hits(JWKS_PATH)).toBe(2);
    // Unchanged material keeps its KeyObject (the verifier's cache compares identity).
    expect(await source.getKey(fake.currentKid)).toBe(key);
  });

  it('refetches for an unknown kid at most once per cooldown, one fetch for many concurrent lookups', async () => {
    const fake = await fakeGitlab();
    const { source, clock } = setup(() => fake.url);
    await source.getKey(fake.currentKid);
    fake.resetHits();

    // Inside the cooldown of the first fetch: no request at all.
    expect(await source.getKey('made-up')).toBeNull();
    expect(fake.hits(JWKS_PATH)).toBe(0);

    clock.advance(30_000);
    const results = await Promise.all(Array.from({ length: 200 }, (_, index) => source.getKey(`made-up-${index % 7}`)));
    expect(results.every((result) => result === null)).toBe(true);
    expect(fake.hits(DISCOVERY_PATH)).toBe(1);
    expect(fake.hits(JWKS_PATH)).toBe(1);

    // And the next lookups fall in the new cooldown.
    await Promise.all(Array.from({ length: 50 }, () => source.getKey('still-made-up')));
    clock.advance(29_999);
    await source.getKey('still-made-up');
    expect(fake.hits(JWKS_PATH)).toBe(1);
  });

  it('picks up a rotated key on the first lookup after the cooldown', async () => {
    const fake = await fakeGitlab();
    const { source, clock } = setup(() => fake.url);
    const old = await source.getKey(fake.currentKid);
    await fake.rotateKey();
    expect(await source.getKey(fake.currentKid)).toBeNull();
    clock.advance(30_000);
    expect(await source.getKey(fake.currentKid)).not.toBeNull();
    expect(await source.getKey(fake.retiredKid as string)).toBe(old);
    expect(source.status().keyIds).toEqual([fake.currentKid, fake.retiredKid].sort());
  });

  it('refuses a jwks_uri on another origin, and contacts nothing there', async () => {
    const fake = await fakeGitlab();
    const attacker = await attackerServer();
    const port = new URL(fake.url).port;
    for (const jwksUri of [`${attacker.url}/keys`, `https://127.0.0.1:${port}${JWKS_PATH}`, `http://localhost:${port}${JWKS_PATH}`, `http://user@127.0.0.1:${port}${JWKS_PATH}`, 'not a url']) {
      fake.setJwksUri(jwksUri);
      const { source, logger } = setup(() => fake.url);
      expect(await source.getKey('attacker')).toBeNull();
      expect(source.status().lastError).toMatch(/jwks_uri/);
      expect(logger.warn).toHaveBeenCalledTimes(1);
    }
    expect(attacker.hits()).toBe(0);
    expect(fake.hits(JWKS_PATH)).toBe(0);
  });

  it.each(['http-500', 'garbage', 'hang'] as const)('keeps serving the last good set when a refresh fails (%s)', async (mode) => {
    const fake = await fakeGitlab();
    const { source, clock, logger } = setup(() => fake.url, { timeoutMs: 200 });
    const key = await source.getKey(fake.currentKid);
    fake.setFailure(mode);
    clock.advance(DAY_MS + 1);
    expect(await source.getKey(fake.currentKid)).toBe(key);
    await vi.waitFor(() => expect(source.status().lastError).not.toBeNull());
    expect(logger.warn).toHaveBeenCalled();
    if (mode === 'hang') expect(source.status().lastError).toMatch(/timed out after 200 ms/);
    // Still serving, and an unknown kid waits for the cooldown instead of hammering GitLab.
    expect(await source.getKey(fake.currentKid)).toBe(key);
    const before = fake.hits(DISCOVERY_PATH);
    expect(await source.getKey('made-up')).toBeNull();
    expect(fake.hits(DISCOVERY_PATH)).toBe(before);
    expect(source.status()).toMatchObject({ keyIds: [fake.currentKid] });
  });

  it('recovers on the first lookup after the cooldown once GitLab answers again', async () => {
    const fake = await fakeGitlab();
    fake.setFailure('http-500');
    const { source, clock } = setup(() => fake.url);
    expect(await source.getKey(fake.currentKid)).toBeNull();
    expect(source.status().lastError).toMatch(/HTTP 500/);
    fake.setFailure('none');
    expect(await source.getKey(fake.currentKid)).toBeNull(); // still in the cooldown
    clock.advance(30_000);
    expect(await source.getKey(fake.currentKid)).not.toBeNull();
    expect(source.status().lastError).toBeNull();
  });

  it('drops the cached keys when gitlab.url changes', async () => {
    const first = await fakeGitlab();
    const second = await fakeGitlab();
    let url = first.url;
    const { source } = setup(() => url);
    expect(await source.getKey(first.currentKid)).not.toBeNull();
    url = second.url;
    expect(source.status()).toMatchObject({ url: second.url, keyIds: [], lastFetchAt: null });
    // A new URL starts without a cooldown; the first instance's key is not trusted any more.
    expect(await source.getKey(first.currentKid)).toBeNull();
    expect(await source.getKey(second.currentKid)).not.toBeNull();
    expect(second.hits(JWKS_PATH)).toBe(1);
    expect(first.hits(JWKS_PATH)).toBe(1);
  });

  it('fetches nothing while no GitLab URL is configured', async () => {
    const spy = vi.fn<FetchJson>();
    const { source } = setup(() => null, { fetchJson: spy });
    expect(await source.getKey('any')).toBeNull();
    expect(spy).not.toHaveBeenCalled();
    expect(source.status()).toMatchObject({ url: null, keyIds: [], lastFetchAt: null });
  });
});

describe('key filtering', () => {
  const rsa = (bits = 2048) => generateKeyPairSync('rsa', { modulusLength: bits }).publicKey.export({ format: 'jwk' });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });

  function stubbed(keys: unknown[], base = 'https://gitlab.example/gitlab/') {
    const requested: string[] = [];
    const stub: FetchJson = async (url) => {
      requested.push(url);
      if (url.endsWith(DISCOVERY_PATH)) return { issuer: base, jwks_uri: 'https://gitlab.example/gitlab/oauth/discovery/keys' };
      return { keys };
    };
    return { requested, ...setup(() => base, { fetchJson: stub }) };
  }

  it('keeps RSA signing keys for RS256 only, and drops a kid published twice', async () => {
    const good = rsa();
    const twice = rsa();
    const { source, requested } = stubbed([
      { ...good, kid: 'good', use: 'sig', alg: 'RS256' },
      { ...rsa(), kid: 'no-use-no-alg' },
      { ...rsa(), kid: 'encryption', use: 'enc' },
      { ...rsa(), kid: 'rs512', alg: 'RS512' },
      { ...rsa(), kid: 'wrap-only', key_ops: ['wrapKey'] },
      { ...rsa(1024), kid: 'short' },
      { ...ec, kid: 'ec', alg: 'ES256' },
      { kty: 'oct', k: 'c2VjcmV0', kid: 'hmac' },
      { ...twice, kid: 'twice' },
      { ...twice, kid: 'twice' },
      { kty: 'RSA', kid: 'broken', n: '!!', e: 'AQAB' },
      'not an object',
    ]);
    expect(await source.getKey('good')).not.toBeNull();
    expect(source.status().keyIds).toEqual(['good', 'no-use-no-alg']);
    expect(requested).toEqual(['https://gitlab.example/gitlab/.well-known/openid-configuration', 'https://gitlab.example/gitlab/oauth/discovery/keys']);
  });

  it('treats a set without a usable key as a failed fetch', async () => {
    const { source } = stubbed([{ ...ec, kid: 'ec' }]);
    expect(await source.getKey('ec')).toBeNull();
    expect(source.status().lastError).toMatch(/no usable RS256 signing key/);
  });
});

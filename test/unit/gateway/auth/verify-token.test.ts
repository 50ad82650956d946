import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as jose from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createGitlabKeySource, type FetchJson } from '../../../../electron/gateway/auth/gitlab-keys';
import { createTokenVerifier, type IncomingHeaders, type TokenVerifierDeps, type VerifyResult } from '../../../../electron/gateway/auth/verify-token';
import type { ActiveToken, GatewayConfig } from '../../../../electron/shared/gateway/config';
import {
  type AirlockTestKey,
  ALL_UNIT_PRIMITIVES,
  encodeSegment,
  type FakeGitlabInstance,
  generateAirlockTestKey,
  JWKS_PATH,
  type MintOverrides,
  mintAirlockTestToken,
  signCompact,
  startFakeGitlabInstance,
} from '../../../doubles/fake-gitlab-instance';
import { manualClock } from '../../../helpers/temp-dir';

// A pass-through spy on jose's jwtVerify: lets the cache tests see whether a token was verified
// again, without measuring time.
vi.mock('jose', async (importOriginal) => {
  const actual = await importOriginal<typeof jose>();
  return { ...actual, jwtVerify: vi.fn(actual.jwtVerify) };
});
const jwtVerifySpy = vi.mocked(jose.jwtVerify);

type Headers = Record<string, string>;
type VerifierConfig = Pick<GatewayConfig, 'gitlab' | 'airlockTokens'>;

const START = Date.parse('2026-11-21T12:00:00Z');
const clock = manualClock(START);
const nowSec = () => Math.floor(clock.now() / 1000);
const ACTIVE_ID = 'tok0active0001';
const ACTIVE_SCOPES = ['openai', 'complete_code', 'duo_chat'];

const fetchJson: FetchJson = async (url, signal) => {
  const response = await fetch(url, { signal, redirect: 'error' });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.json();
};

let fake: FakeGitlabInstance;
let airlockKey: AirlockTestKey;
let attacker: { url: string; hits: () => number; rsa: KeyObject; rsaJwk: jose.JWK; ed: KeyObject; edJwk: jose.JWK; ec: KeyObject; close: () => Promise<void> };
let config: VerifierConfig;

const activeEntry = (overrides: Partial<ActiveToken> = {}): ActiveToken => ({ id: ACTIVE_ID, label: 'ide-alice', scopes: ACTIVE_SCOPES, expiresAt: nowSec() + 30 * 86400, ...overrides });

function makeConfig(): VerifierConfig {
  return {
    gitlab: { url: fake.url, instanceId: null },
    airlockTokens: { keys: [airlockKey.config], active: [activeEntry()] },
  };
}

function makeVerifier(overrides: Partial<TokenVerifierDeps> = {}) {
  const gitlabKeys = createGitlabKeySource({ url: () => config.gitlab.url, fetchJson, now: clock.now });
  const verifier = createTokenVerifier({ config: () => config, gitlabKeys, now: clock.now, ...overrides });
  return { verifier, gitlabKeys };
}

beforeAll(async () => {
  fake = await startFakeGitlabInstance({ now: () => clock.now() });
  airlockKey = await generateAirlockTestKey('airlock-test-key');
  // The attacker's keys and a server publishing them: a token must never make the gateway call it.
  let hits = 0;
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ed = generateKeyPairSync('ed25519');
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const rsaJwk = { ...(await jose.exportJWK(rsa.publicKey)), kid: 'attacker' };
  const edJwk = { ...(await jose.exportJWK(ed.publicKey)), kid: 'airlock-attacker' };
  const server: Server = createServer((_, response) => {
    hits += 1;
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [rsaJwk, edJwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  attacker = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits: () => hits,
    rsa: rsa.privateKey,
    rsaJwk,
    ed: ed.privateKey,
    edJwk,
    ec: ec.privateKey,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
});

afterAll(async () => {
  await fake.close();
  await attacker.close();
});

beforeEach(() => {
  clock.set(START);
  config = makeConfig();
  fake.resetHits();
  jwtVerifySpy.mockClear();
});

// ---- token builders -------------------------------------------------------------------------

const gitlabToken = (overrides: MintOverrides = {}) => fake.mintToken(overrides);
const gitlabHeaders = (token: string, extra: Record<string, string | undefined> = {}): Headers => {
  const headers: Record<string, string | undefined> = { ...fake.headersFor(token), ...extra };
  return Object.fromEntries(Object.entries(headers).filter((entry): entry is [string, string] => entry[1] !== undefined));
};
const airlockToken = (overrides: { claims?: Record<string, unknown>; header?: Record<string, unknown> } = {}) =>
  mintAirlockTestToken(airlockKey, { now: clock.now, ...overrides, claims: { jti: ACTIVE_ID, ...overrides.claims } });
const bearer = (token: string): Headers => ({ authorization: `Bearer ${token}` });

const segmentsOf = (token: string) => token.split('.') as [string, string, string];
const claimsOf = (token: string): Record<string, unknown> => JSON.parse(Buffer.from(segmentsOf(token)[1], 'base64url').toString());
const headerOf = (token: string): Record<string, unknown> => JSON.parse(Buffer.from(segmentsOf(token)[0], 'base64url').toString());
/** A token with the given segments, base64url-encoding objects. */
const forge = (header: unknown, payload: unknown, signature?: string) => [encodeSegment(header), encodeSegment(payload), ...(signature === undefined ? [] : [signature])].join('.');

/** Flips one bit in the middle of the signature. */
function flipSignatureBit(token: string): string {
  const [head, body, signature] = segmentsOf(token);
  const bytes = Buffer.from(signature, 'base64url');
  const middle = Math.floor(bytes.length / 2);
  bytes[middle] = (bytes[middle] ?? 0) ^ 0x01;
  return `${head}.${body}.${bytes.toString('base64url')}`;
}

/** The same bytes, but the last base64url character carries non-zero padding bits. */
function nonCanonicalTail(token: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const [head, body, signature] = segmentsOf(token);
  const bytes = Buffer.from(signature, 'base64url');
  for (const char of alphabet) {
    const candidate = signature.slice(0, -1) + char;
    if (candidate !== signature && Buffer.from(candidate, 'base64url').equals(bytes)) return `${head}.${body}.${candidate}`;
  }
  throw new Error('signature length has no spare bits');
}

/** The standard base64 alphabet (`+/`) for whichever segment contains `-` or `_`. */
function standardAlphabet(token: string): string {
  const swapped = token.replaceAll('-', '+').replaceAll('_', '/');
  if (swapped === token) throw new Error('token has no url-safe characters to swap');
  return swapped;
}

/** A GitLab token re-signed with another algorithm by the genuine GitLab key. */
const gitlabWithAlg = (alg: string) => signCompact({ typ: 'JWT', kid: fake.currentKid, alg }, claimsOf(gitlabToken()), fake.privateKey());

const ES256_GITLAB = () => signCompact({ typ: 'JWT', kid: fake.currentKid, alg: 'ES256' }, claimsOf(gitlabToken()), attacker.ec);

// ---- the negative corpus (reliability.md §3 J1) ------------------------------------------------

type Case = () => Headers | Promise<Headers>;

const noneVariants: Record<string, Case> = {};
for (const alg of ['none', 'None', 'NONE']) {
  noneVariants[`gitlab: alg ${alg} without a signature segment`] = () => {
    const token = gitlabToken();
    return gitlabHeaders(forge({ ...headerOf(token), alg }, claimsOf(token)));
  };
  noneVariants[`gitlab: alg ${alg} with an empty signature segment`] = () => {
    const token = gitlabToken();
    return gitlabHeaders(forge({ ...headerOf(token), alg }, claimsOf(token), ''));
  };
  noneVariants[`gitlab: alg ${alg} keeping a valid RS256 signature`] = () => {
    const token = gitlabToken();
    return gitlabHeaders(forge({ ...headerOf(token), alg }, claimsOf(token), segmentsOf(token)[2]));
  };
  noneVariants[`airlock: alg ${alg} without a signature segment`] = () => {
    const token = airlockToken();
    return bearer(forge({ ...headerOf(token), alg }, claimsOf(token)));
  };
  noneVariants[`airlock: alg ${alg} with an empty signature segment`] = () => {
    const token = airlockToken();
    return bearer(forge({ ...headerOf(token), alg }, claimsOf(token), ''));
  };
}

const corpus: Record<string, Case> = {
  ...noneVariants,

  // Algorithm confusion: HMAC keyed with bytes of our public key.
  'gitlab: HS256 keyed with the public key PEM (spki)': () =>
    gitlabHeaders(signCompact({ typ: 'JWT', kid: fake.currentKid, alg: 'HS256' }, claimsOf(gitlabToken()), fake.publicKey().export({ type: 'spki', format: 'pem' }))),
  'gitlab: HS256 keyed with the public key PEM (pkcs1)': () =>
    gitlabHeaders(signCompact({ typ: 'JWT', kid: fake.currentKid, alg: 'HS256' }, claimsOf(gitlabToken()), fake.publicKey().export({ type: 'pkcs1', format: 'pem' }))),
  'gitlab: HS256 keyed with the public JWK text': () =>
    gitlabHeaders(signCompact({ typ: 'JWT', kid: fake.currentKid, alg: 'HS256' }, claimsOf(gitlabToken()), JSON.stringify(fake.publicKey().export({ format: 'jwk' })))),
  'airlock: HS256 keyed with the public JWK text': () =>
    bearer(signCompact({ typ: 'airlock+jwt', kid: airlockKey.kid, alg: 'HS256' }, claimsOf(airlockToken()), JSON.stringify(airlockKey.config.jwk))),
  'airlock: HS256 keyed with the raw public key bytes': () =>
    bearer(signCompact({ typ: 'airlock+jwt', kid: airlockKey.kid, alg: 'HS256' }, claimsOf(airlockToken()), Buffer.from(airlockKey.config.jwk.x, 'base64url'))),

  // The kind is chosen by kid; each kind accepts one algorithm.
  'RS256 token (genuine GitLab key) with an airlock- kid': () =>
    bearer(signCompact({ typ: 'airlock+jwt', kid: airlockKey.kid, alg: 'RS256' }, claimsOf(airlockToken()), fake.privateKey())),
  'EdDSA token (genuine Airlock key) with a GitLab kid': () => gitlabHeaders(airlockToken({ header: { kid: fake.currentKid } })),
  'EdDSA token (genuine Airlock key) with a GitLab kid and GitLab claims': () =>
    gitlabHeaders(signCompact({ typ: 'JWT', kid: fake.currentKid, alg: 'EdDSA' }, claimsOf(gitlabToken()), airlockKey.privateKey)),
  'gitlab: PS256 signed by the genuine GitLab key': () => gitlabHeaders(gitlabWithAlg('PS256')),
  'gitlab: RS384 signed by the genuine GitLab key': () => gitlabHeaders(gitlabWithAlg('RS384')),
  'gitlab: RS512 signed by the genuine GitLab key': () => gitlabHeaders(gitlabWithAlg('RS512')),
  'gitlab: ES256 with the GitLab kid': () => gitlabHeaders(ES256_GITLAB()),
  'airlock: ES256 with the airlock kid': () => bearer(signCompact({ typ: 'airlock+jwt', kid: airlockKey.kid, alg: 'ES256' }, claimsOf(airlockToken()), attacker.ec)),
  'airlock: alg Ed25519 (fully specified) by the genuine Airlock key': () => bearer(airlockToken({ header: { alg: 'Ed25519' } })),

  // kid is untrusted input.
  'gitlab: no kid': () => gitlabHeaders(gitlabToken({ header: { kid: undefined } })),
  'gitlab: unknown kid': () => gitlabHeaders(gitlabToken({ header: { kid: 'no-such-key' } })),
  'gitlab: kid ../../etc/passwd': () => gitlabHeaders(gitlabToken({ header: { kid: '../../etc/passwd' } })),
  'gitlab: kid with an SQL payload': () => gitlabHeaders(gitlabToken({ header: { kid: "x' OR '1'='1'; DROP TABLE keys; --" } })),
  'gitlab: kid is a number': () => gitlabHeaders(gitlabToken({ header: { kid: 42 } })),
  'gitlab: kid is empty': () => gitlabHeaders(gitlabToken({ header: { kid: '' } })),
  'gitlab: kid of 300 characters': () => gitlabHeaders(gitlabToken({ header: { kid: 'k'.repeat(300) } })),
  'airlock: unknown airlock- kid': () => bearer(airlockToken({ header: { kid: 'airlock-unknown' } })),
  'airlock: kid airlock-../../etc/passwd': () => bearer(airlockToken({ header: { kid: 'airlock-../../etc/passwd' } })),
  'airlock: kid with an SQL payload': () => bearer(airlockToken({ header: { kid: "airlock-' OR 1=1 --" } })),

  // Keys and URLs named by the token are never used.
  'gitlab: jku to the attacker JWKS, signed by the attacker, genuine kid': () =>
    gitlabHeaders(signCompact({ typ: 'JWT', kid: fake.currentKid, alg: 'RS256', jku: `${attacker.url}/jwks` }, claimsOf(gitlabToken()), attacker.rsa)),
  'gitlab: jku to the attacker JWKS, attacker kid': () =>
    gitlabHeaders(signCompact({ typ: 'JWT', kid: 'attacker', alg: 'RS256', jku: `${attacker.url}/jwks` }, claimsOf(gitlabToken()), attacker.rsa)),
  'gitlab: x5u to the attacker': () =>
    gitlabHeaders(signCompact({ typ: 'JWT', kid: 'attacker', alg: 'RS256', x5u: `${attacker.url}/cert.pem` }, claimsOf(gitlabToken()), attacker.rsa)),
  'gitlab: embedded jwk of the attacker': () =>
    gitlabHeaders(signCompact({ typ: 'JWT', kid: 'attacker', alg: 'RS256', jwk: attacker.rsaJwk }, claimsOf(gitlabToken()), attacker.rsa)),
  'gitlab: genuine token plus a jku header': () => gitlabHeaders(gitlabToken({ header: { jku: `${attacker.url}/jwks` } })),
  'gitlab: genuine token plus an x5c header': () => gitlabHeaders(gitlabToken({ header: { x5c: ['MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA'] } })),
  'airlock: jku to the attacker JWKS': () =>
    bearer(signCompact({ typ: 'airlock+jwt', kid: 'airlock-attacker', alg: 'EdDSA', jku: `${attacker.url}/jwks` }, claimsOf(airlockToken()), attacker.ed)),
  'airlock: embedded jwk of the attacker, configured kid': () =>
    bearer(signCompact({ typ: 'airlock+jwt', kid: airlockKey.kid, alg: 'EdDSA', jwk: attacker.edJwk }, claimsOf(airlockToken()), attacker.ed)),
  'airlock: x5u to the attacker': () =>
    bearer(signCompact({ typ: 'airlock+jwt', kid: 'airlock-attacker', alg: 'EdDSA', x5u: `${attacker.url}/cert.pem` }, claimsOf(airlockToken()), attacker.ed)),
  'gitlab: crit header': () => gitlabHeaders(gitlabToken({ header: { crit: ['exp'], exp: 1 } })),
  'airlock: crit header with b64': () => bearer(airlockToken({ header: { crit: ['b64'], b64: false } })),

  // Time claims.
  'gitlab: exp past the tolerance': () => gitlabHeaders(gitlabToken({ claims: { exp: nowSec() - 31 } })),
  'gitlab: nbf in the future beyond the tolerance': () => gitlabHeaders(gitlabToken({ claims: { nbf: nowSec() + 32 } })),
  'gitlab: iat in the future beyond the tolerance': () => gitlabHeaders(gitlabToken({ claims: { iat: nowSec() + 32, nbf: undefined } })),
  'gitlab: no exp': () => gitlabHeaders(gitlabToken({ claims: { exp: undefined } })),
  'gitlab: exp is a string': () => gitlabHeaders(gitlabToken({ claims: { exp: String(nowSec() + 3600) } })),
  'airlock: exp past the tolerance': () => bearer(airlockToken({ claims: { exp: nowSec() - 31 } })),
  'airlock: nbf in the future beyond the tolerance': () => bearer(airlockToken({ claims: { nbf: nowSec() + 32 } })),
  'airlock: iat in the future beyond the tolerance': () => bearer(airlockToken({ claims: { iat: nowSec() + 32 } })),
  'airlock: no exp': () => bearer(airlockToken({ claims: { exp: undefined } })),
  'airlock: no iat': () => bearer(airlockToken({ claims: { iat: undefined } })),

  // Audience, issuer, type, subject.
  'gitlab: wrong aud': () => gitlabHeaders(gitlabToken({ claims: { aud: ['gitlab-ai-gateway-x'] } })),
  'gitlab: aud of the Airlock kind': () => gitlabHeaders(gitlabToken({ claims: { aud: 'airlock-gateway' } })),
  'gitlab: absent aud': () => gitlabHeaders(gitlabToken({ claims: { aud: undefined } })),
  'gitlab: aud array without ours': () => gitlabHeaders(gitlabToken({ claims: { aud: ['gitlab-code-suggestions', 'other'] } })),
  'gitlab: typ airlock+jwt': () => gitlabHeaders(gitlabToken({ header: { typ: 'airlock+jwt' } })),
  'airlock: wrong aud': () => bearer(airlockToken({ claims: { aud: 'gitlab-ai-gateway' } })),
  'airlock: absent aud': () => bearer(airlockToken({ claims: { aud: undefined } })),
  'airlock: aud array without ours': () => bearer(airlockToken({ claims: { aud: ['gitlab-ai-gateway', 'other'] } })),
  'airlock: wrong iss': () => bearer(airlockToken({ claims: { iss: 'gitlab' } })),
  'airlock: absent iss': () => bearer(airlockToken({ claims: { iss: undefined } })),
  'airlock: wrong typ (JWT)': () => bearer(airlockToken({ header: { typ: 'JWT' } })),
  'airlock: wrong typ (application/airlock+jwt)': () => bearer(airlockToken({ header: { typ: 'application/airlock+jwt' } })),
  'airlock: absent typ': () => bearer(airlockToken({ header: { typ: undefined } })),
  'airlock: absent sub': () => bearer(airlockToken({ claims: { sub: undefined } })),
  'airlock: absent jti': () => bearer(airlockToken({ claims: { jti: undefined } })),
  'airlock: scopes is not an array': () => bearer(airlockToken({ claims: { scopes: 'openai' } })),

  // Signatures and payloads.
  'gitlab: truncated signature': () => {
    const token = gitlabToken();
    return gitlabHeaders(token.slice(0, -12));
  },
  'gitlab: signature cut in half': () => {
    const [head, body, signature] = segmentsOf(gitlabToken());
    return gitlabHeaders(`${head}.${body}.${signature.slice(0, signature.length / 2)}`);
  },
  'gitlab: bit-flipped signature': () => gitlabHeaders(flipSignatureBit(gitlabToken())),
  'gitlab: signature swapped from another valid token': () => {
    const [head, body] = segmentsOf(gitlabToken());
    const other = gitlabToken({ claims: { jti: 'another' } });
    return gitlabHeaders(`${head}.${body}.${segmentsOf(other)[2]}`);
  },
  'gitlab: modified payload (more scopes)': () => {
    const [head, , signature] = segmentsOf(gitlabToken({ claims: { scopes: ['complete_code'] } }));
    return gitlabHeaders(`${head}.${encodeSegment({ ...claimsOf(gitlabToken()), scopes: ALL_UNIT_PRIMITIVES })}.${signature}`);
  },
  'airlock: truncated signature': () => bearer(airlockToken().slice(0, -10)),
  'airlock: bit-flipped signature': () => bearer(flipSignatureBit(airlockToken())),
  'airlock: signature swapped from another valid token': () => {
    const [head, body] = segmentsOf(airlockToken());
    return bearer(`${head}.${body}.${segmentsOf(airlockToken({ claims: { sub: 'other' } }))[2]}`);
  },
  'airlock: modified payload (another jti)': () => {
    const [head, , signature] = segmentsOf(airlockToken());
    return bearer(`${head}.${encodeSegment({ ...claimsOf(airlockToken()), jti: 'tok0other0002' })}.${signature}`);
  },

  // Encoding and shape.
  'gitlab: padding = on the header segment': () => {
    const [head, body, signature] = segmentsOf(gitlabToken());
    return gitlabHeaders(`${head}${'='.repeat((4 - (head.length % 4)) % 4 || 4)}.${body}.${signature}`);
  },
  'gitlab: standard base64 alphabet (+ and /)': () => gitlabHeaders(standardAlphabet(gitlabToken())),
  'gitlab: non-canonical trailing bits in the signature': () => gitlabHeaders(nonCanonicalTail(gitlabToken())),
  'airlock: non-canonical trailing bits in the signature': () => bearer(nonCanonicalTail(airlockToken())),
  'gitlab: whitespace inside the token': () => {
    const [head, body, signature] = segmentsOf(gitlabToken());
    return gitlabHeaders(`${head}.${body} .${signature}`);
  },
  'gitlab: 64 KB token (huge claim)': () => gitlabHeaders(gitlabToken({ claims: { filler: 'x'.repeat(64 * 1024) } })),
  'gitlab: 64 KB header': () => gitlabHeaders(gitlabToken({ header: { filler: 'x'.repeat(64 * 1024) } })),
  'airlock: 9 KB token': () => bearer(airlockToken({ claims: { filler: 'x'.repeat(9 * 1024) } })),
  'gitlab: five segments (JWE shape)': () => gitlabHeaders(`${gitlabToken()}.AAAA.AAAA`),
  'gitlab: header is not JSON': () => {
    const [, body, signature] = segmentsOf(gitlabToken());
    return gitlabHeaders(`${Buffer.from('{"alg":"RS256",').toString('base64url')}.${body}.${signature}`);
  },
  'gitlab: header is a JSON array': () => {
    const [, body, signature] = segmentsOf(gitlabToken());
    return gitlabHeaders(`${encodeSegment(['RS256'])}.${body}.${signature}`);
  },
  'gitlab: header is not UTF-8': () => {
    const [, body, signature] = segmentsOf(gitlabToken());
    return gitlabHeaders(`${Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('base64url')}.${body}.${signature}`);
  },
  'gitlab: payload is not JSON (validly signed)': () =>
    gitlabHeaders(signCompact({ typ: 'JWT', kid: fake.currentKid, alg: 'RS256' }, Buffer.from('not json').toString('base64url'), fake.privateKey())),
  'gitlab: payload is a JSON array (validly signed)': () =>
    gitlabHeaders(signCompact({ typ: 'JWT', kid: fake.currentKid, alg: 'RS256' }, encodeSegment([1, 2]), fake.privateKey())),
  'gitlab: scopes is not a list of strings': () => gitlabHeaders(gitlabToken({ claims: { scopes: [1, 2] } })),
  'gitlab: gitlab_realm is not a string': () => gitlabHeaders(gitlabToken({ claims: { gitlab_realm: 7 } })),

  // The Authorization header.
  'no Authorization header': () => {
    const { authorization: _, ...rest } = gitlabHeaders(gitlabToken());
    return rest;
  },
  'Basic instead of Bearer': () => gitlabHeaders(gitlabToken(), { authorization: `Basic ${Buffer.from('user:pass').toString('base64')}` }),
  'Bearer without a token': () => gitlabHeaders(gitlabToken(), { authorization: 'Bearer ' }),
  'Bearer with two tokens': () => gitlabHeaders(gitlabToken(), { authorization: `Bearer ${gitlabToken()} ${gitlabToken()}` }),

  // GitLab kind: headers GitLab sends, bound to the claims (§3.3 steps 3 and 6).
  'gitlab: missing X-Gitlab-Authentication-Type': () => gitlabHeaders(gitlabToken(), { 'x-gitlab-authentication-type': undefined }),
  'gitlab: X-Gitlab-Authentication-Type is not oidc': () => gitlabHeaders(gitlabToken(), { 'x-gitlab-authentication-type': 'jwt' }),
  'gitlab: X-Gitlab-Authentication-Type repeated': () => gitlabHeaders(gitlabToken(), { 'x-gitlab-authentication-type': 'oidc, oidc' }),
  'gitlab: realm header mismatch': () => gitlabHeaders(gitlabToken(), { 'x-gitlab-realm': 'saas' }),
  'gitlab: realm header absent while the claim is set': () => gitlabHeaders(gitlabToken(), { 'x-gitlab-realm': undefined }),
  'gitlab: instance-id header mismatch (sub)': () => gitlabHeaders(gitlabToken(), { 'x-gitlab-instance-id': '00000000-0000-4000-8000-000000000000' }),
  'gitlab: instance-id header absent': () => gitlabHeaders(gitlabToken(), { 'x-gitlab-instance-id': undefined }),
  'gitlab: gitlab_instance_id claim differs from the header': () =>
    gitlabHeaders(gitlabToken({ claims: { sub: undefined, gitlab_instance_id: '00000000-0000-4000-8000-000000000000' } })),

  // Airlock kind: the active list.
  'airlock: revoked (not in the active list)': () => bearer(airlockToken({ claims: { jti: 'tok0revoked0001' } })),
  'airlock: expired in the config': () => {
    config = { ...config, airlockTokens: { ...config.airlockTokens, active: [activeEntry({ expiresAt: nowSec() })] } };
    return bearer(airlockToken());
  },
  'airlock: the key was removed from the config': () => {
    const token = airlockToken();
    config = { ...config, airlockTokens: { ...config.airlockTokens, keys: [] } };
    return bearer(token);
  },
  'airlock: signed by the attacker with the configured kid': () =>
    bearer(signCompact({ typ: 'airlock+jwt', kid: airlockKey.kid, alg: 'EdDSA' }, claimsOf(airlockToken()), attacker.ed)),

  // Config.
  'gitlab: instance pin mismatch': () => {
    config = { ...config, gitlab: { ...config.gitlab, instanceId: '00000000-0000-4000-8000-000000000000' } };
    return gitlabHeaders(gitlabToken());
  },
  'gitlab: no GitLab URL configured': () => {
    config = { ...config, gitlab: { url: null, instanceId: null } };
    return gitlabHeaders(gitlabToken());
  },
};

function expectRefused(result: VerifyResult, headers: IncomingHeaders): string {
  expect(result.ok).toBe(false);
  const reason = result.ok ? '' : result.reason;
  expect(reason.length).toBeGreaterThan(0);
  expect(reason.length).toBeLessThan(400);
  // The log line never carries the token (not even its first or last characters).
  const authorization = typeof headers.authorization === 'string' ? headers.authorization.replace(/^\S+\s+/, '') : '';
  if (authorization.length >= 16) {
    expect(reason).not.toContain(authorization.slice(0, 12));
    expect(reason).not.toContain(authorization.slice(-8));
  }
  return reason;
}

describe('createTokenVerifier: the negative corpus (J1)', () => {
  it.each(Object.keys(corpus))('refuses: %s', async (name) => {
    const headers = await (corpus[name] as Case)();
    const { verifier } = makeVerifier();
    expectRefused(await verifier.verify(headers), headers);
    // A second time, after whatever the first one cached.
    expectRefused(await verifier.verify(headers), headers);
    expect(attacker.hits()).toBe(0);
  });

  it('refuses the whole corpus through one long-lived verifier, contacting no one but the configured GitLab', async () => {
    const { verifier } = makeVerifier();
    // Warm it up with valid tokens of both kinds, as a running gateway would be.
    expect((await verifier.verify(gitlabHeaders(gitlabToken()))).ok).toBe(true);
    expect((await verifier.verify(bearer(airlockToken()))).ok).toBe(true);
    const reasons = new Set<string>();
    for (const [name, build] of Object.entries(corpus)) {
      config = makeConfig();
      const headers = await build();
      const result = await verifier.verify(headers);
      expect(result.ok, name).toBe(false);
      if (!result.ok) reasons.add(result.reason);
    }
    expect(attacker.hits()).toBe(0);
    // Unknown kids may refetch GitLab's keys, at most once per cooldown (the clock did not move).
    expect(fake.hits(JWKS_PATH)).toBeLessThanOrEqual(2);
    expect(reasons.size).toBeGreaterThan(20);
  });

  it('gives a precise reason for the log', async () => {
    const { verifier } = makeVerifier();
    const reasonFor = async (name: string) => {
      const headers = await (corpus[name] as Case)();
      return expectRefused(await verifier.verify(headers), headers);
    };
    expect(await reasonFor('gitlab: alg none without a signature segment')).toMatch(/2 segments/);
    expect(await reasonFor('gitlab: alg NONE with an empty signature segment')).toMatch(/signature is not canonical base64url/);
    expect(await reasonFor('gitlab: alg None keeping a valid RS256 signature')).toMatch(/alg "None" is not RS256/);
    expect(await reasonFor('gitlab: HS256 keyed with the public key PEM (spki)')).toMatch(/alg "HS256" is not RS256/);
    expect(await reasonFor('RS256 token (genuine GitLab key) with an airlock- kid')).toMatch(/airlock token: alg "RS256" is not EdDSA/);
    expect(await reasonFor('EdDSA token (genuine Airlock key) with a GitLab kid')).toMatch(/gitlab token: alg "EdDSA" is not RS256/);
    expect(await reasonFor('gitlab: kid ../../etc/passwd')).toMatch(/unknown kid "\.\.\/\.\.\/etc\/passwd"/);
    expect(await reasonFor('gitlab: jku to the attacker JWKS, signed by the attacker, genuine kid')).toMatch(/"jku", which is never honoured/);
    expect(await reasonFor('gitlab: crit header')).toMatch(/"crit"/);
    expect(await reasonFor('gitlab: exp past the tolerance')).toMatch(/"exp" claim timestamp check failed/);
    expect(await reasonFor('gitlab: iat in the future beyond the tolerance')).toMatch(/"iat" is in the future/);
    expect(await reasonFor('gitlab: aud array without ours')).toMatch(/"aud"/);
    expect(await reasonFor('airlock: absent typ')).toMatch(/typ absent is not airlock\+jwt/);
    expect(await reasonFor('gitlab: bit-flipped signature')).toMatch(/signature verification failed/);
    expect(await reasonFor('gitlab: padding = on the header segment')).toMatch(/header is not canonical base64url/);
    expect(await reasonFor('gitlab: 64 KB token (huge claim)')).toMatch(/token too long/);
    expect(await reasonFor('gitlab: missing X-Gitlab-Authentication-Type')).toMatch(/X-Gitlab-Authentication-Type/);
    expect(await reasonFor('gitlab: realm header mismatch')).toMatch(/header mismatch 'X-Gitlab-Realm'/);
    expect(await reasonFor('gitlab: instance-id header mismatch (sub)')).toMatch(/header mismatch 'X-Gitlab-Instance-Id'/);
    expect(await reasonFor('airlock: revoked (not in the active list)')).toMatch(/not active/);
    config = makeConfig();
    expect(await reasonFor('gitlab: instance pin mismatch')).toMatch(/not the configured instance/);
    config = makeConfig();
    expect(await reasonFor('airlock: expired in the config')).toMatch(/expired at/);
  });
});

describe('createTokenVerifier: valid tokens', () => {
  it('accepts a GitLab instance token and says who sent it', async () => {
    const { verifier } = makeVerifier();
    const result = await verifier.verify(gitlabHeaders(gitlabToken()));
    expect(result).toEqual({
      ok: true,
      principal: {
        kind: 'gitlab',
        subject: fake.instanceId,
        scopes: new Set(ALL_UNIT_PRIMITIVES),
        instanceId: fake.instanceId,
        realm: 'self-managed',
        tokenId: null,
        label: null,
        client: `gitlab:${fake.instanceId}`,
      },
    });
  });

  it('accepts an Airlock token with the active entry scopes, without the GitLab headers', async () => {
    const { verifier } = makeVerifier();
    const result = await verifier.verify(bearer(airlockToken({ claims: { scopes: ACTIVE_SCOPES } })));
    expect(result).toEqual({
      ok: true,
      principal: {
        kind: 'airlock',
        subject: `token:${ACTIVE_ID}`,
        scopes: new Set(ACTIVE_SCOPES),
        instanceId: null,
        realm: null,
        tokenId: ACTIVE_ID,
        label: 'ide-alice',
        client: `token:ide-alice (${ACTIVE_ID})`,
      },
    });
  });

  it('grants an Airlock token no scope beyond its active entry, whatever its scopes claim says', async () => {
    const { verifier } = makeVerifier();
    const result = await verifier.verify(bearer(airlockToken({ claims: { scopes: ['openai', 'generate_code', 'duo_chat', 'admin'] } })));
    expect(result.ok && [...result.principal.scopes].sort()).toEqual(['duo_chat', 'openai']);
    // Without a scopes claim, the entry's scopes apply.
    const bare = await verifier.verify(bearer(airlockToken({ claims: { scopes: undefined } })));
    expect(bare.ok && [...bare.principal.scopes].sort()).toEqual([...ACTIVE_SCOPES].sort());
  });

  it('accepts what GitLab may legitimately vary', async () => {
    const { verifier } = makeVerifier();
    const accepted = async (headers: Headers) => expect((await verifier.verify(headers)).ok).toBe(true);
    await accepted(gitlabHeaders(gitlabToken({ claims: { aud: 'gitlab-ai-gateway' } })));
    await accepted(gitlabHeaders(gitlabToken({ claims: { aud: ['gitlab-code-suggestions', 'gitlab-ai-gateway'] } })));
    await accepted(gitlabHeaders(gitlabToken({ claims: { iss: 'https://gitlab.other.example/' } }))); // iss is not checked (§3.3 step 5)
    await accepted(gitlabHeaders(gitlabToken({ claims: { nbf: undefined, iat: undefined } })));
    await accepted(gitlabHeaders(gitlabToken({ claims: { gitlab_realm: '' } }), { 'x-gitlab-realm': undefined }));
    const token = gitlabToken();
    await accepted(gitlabHeaders(token, { authorization: `bearer ${token}` }));
    await accepted(gitlabHeaders(token, { authorization: `BEARER  ${token}` }));
    config = { ...config, gitlab: { ...config.gitlab, instanceId: fake.instanceId } };
    await accepted(gitlabHeaders(gitlabToken()));
  });

  it('accepts tokens of a rotated-out key while GitLab still publishes it', async () => {
    const { verifier } = makeVerifier();
    await fake.rotateKey();
    clock.advance(30_000);
    expect((await verifier.verify(gitlabHeaders(gitlabToken({ key: 'retired' }))))).toMatchObject({ ok: true });
    expect((await verifier.verify(gitlabHeaders(gitlabToken())))).toMatchObject({ ok: true });
  });
});

describe('createTokenVerifier: time boundaries (J2)', () => {
  const kinds = {
    gitlab: (claims: Record<string, unknown>) => gitlabHeaders(gitlabToken({ claims })),
    airlock: (claims: Record<string, unknown>) => bearer(airlockToken({ claims })),
  };

  it.each(Object.keys(kinds) as (keyof typeof kinds)[])('%s: exp is honoured up to the tolerance, cold and cached', async (kind) => {
    const exp = nowSec() + 600;
    const headers = kinds[kind]({ exp });
    const cached = makeVerifier().verifier;
    const at = async (second: number) => {
      clock.set(second * 1000);
      const warm = await cached.verify(headers);
      const cold = await makeVerifier().verifier.verify(headers);
      expect(warm.ok).toBe(cold.ok);
      return cold.ok;
    };
    expect(await at(exp - 1)).toBe(true);
    expect(await at(exp)).toBe(true);
    expect(await at(exp + 30 - 1)).toBe(true);
    expect(await at(exp + 30)).toBe(false);
    expect(await at(exp + 30 + 1)).toBe(false);
  });

  it.each(Object.keys(kinds) as (keyof typeof kinds)[])('%s: nbf and iat may be ahead by the tolerance, no more', async (kind) => {
    const { verifier } = makeVerifier();
    const verifyWith = async (claims: Record<string, unknown>) => (await verifier.verify(kinds[kind](claims))).ok;
    expect(await verifyWith({ nbf: nowSec() + 30 })).toBe(true);
    expect(await verifyWith({ nbf: nowSec() + 31 })).toBe(false);
    expect(await verifyWith({ nbf: nowSec() + 32 })).toBe(false);
    expect(await verifyWith({ iat: nowSec() + 30, nbf: undefined })).toBe(true);
    expect(await verifyWith({ iat: nowSec() + 32, nbf: undefined })).toBe(false);
  });

  it('honours a custom tolerance', async () => {
    const exp = nowSec() + 60;
    const headers = kinds.gitlab({ exp });
    clock.set((exp + 4) * 1000);
    expect((await makeVerifier({ clockToleranceSec: 5 }).verifier.verify(headers)).ok).toBe(true);
    clock.set((exp + 5) * 1000);
    expect((await makeVerifier({ clockToleranceSec: 5 }).verifier.verify(headers)).ok).toBe(false);
    expect(() => makeVerifier({ clockToleranceSec: Number.NaN })).toThrow(RangeError);
  });
});

describe('createTokenVerifier: cache, rotation and revocation (J3, J5)', () => {
  it('verifies a repeated token once, but runs the per-request checks every time', async () => {
    const { verifier } = makeVerifier();
    const token = gitlabToken();
    for (let i = 0; i < 5; i += 1) expect((await verifier.verify(gitlabHeaders(token))).ok).toBe(true);
    expect(jwtVerifySpy).toHaveBeenCalledTimes(1);
    expect((await verifier.verify(gitlabHeaders(token, { 'x-gitlab-realm': 'saas' }))).ok).toBe(false);
    expect((await verifier.verify(gitlabHeaders(token, { 'x-gitlab-instance-id': 'someone-else' }))).ok).toBe(false);
    expect((await verifier.verify(gitlabHeaders(token, { 'x-gitlab-authentication-type': undefined }))).ok).toBe(false);
    config = { ...config, gitlab: { ...config.gitlab, instanceId: 'another-instance' } };
    expect((await verifier.verify(gitlabHeaders(token))).ok).toBe(false);
    config = makeConfig();
    expect((await verifier.verify(gitlabHeaders(token))).ok).toBe(true);
    expect(jwtVerifySpy).toHaveBeenCalledTimes(1);
    verifier.clearCache();
    expect((await verifier.verify(gitlabHeaders(token))).ok).toBe(true);
    expect(jwtVerifySpy).toHaveBeenCalledTimes(2);
  });

  it('J5: removing a jti from the config refuses the next request, though the token is cached', async () => {
    const { verifier } = makeVerifier();
    const headers = bearer(airlockToken());
    expect((await verifier.verify(headers)).ok).toBe(true);
    expect((await verifier.verify(headers)).ok).toBe(true);
    expect(jwtVerifySpy).toHaveBeenCalledTimes(1);
    config = { ...config, airlockTokens: { ...config.airlockTokens, active: [] } };
    expect(await verifier.verify(headers)).toMatchObject({ ok: false, reason: expect.stringMatching(/not active/) });
    // Also when the list is changed in place.
    config = makeConfig();
    expect((await verifier.verify(headers)).ok).toBe(true);
    config.airlockTokens.active.splice(0, 1);
    expect((await verifier.verify(headers)).ok).toBe(false);
    // Narrowing the entry's scopes takes effect at once too.
    config = { ...config, airlockTokens: { ...config.airlockTokens, active: [activeEntry({ scopes: ['openai'] })] } };
    const narrowed = await verifier.verify(headers);
    expect(narrowed.ok && [...narrowed.principal.scopes]).toEqual(['openai']);
    expect(jwtVerifySpy).toHaveBeenCalledTimes(1);
  });

  it('J3: retiring an Airlock key refuses its cached tokens at once; a new key set clears the cache', async () => {
    const { verifier } = makeVerifier();
    const headers = bearer(airlockToken());
    expect((await verifier.verify(headers)).ok).toBe(true);
    const next = await generateAirlockTestKey('airlock-test-key-2');
    config = { ...config, airlockTokens: { ...config.airlockTokens, keys: [airlockKey.config, next.config] } };
    expect((await verifier.verify(headers)).ok).toBe(true);
    expect(jwtVerifySpy).toHaveBeenCalledTimes(2);
    const fresh = mintAirlockTestToken(next, { now: clock.now, claims: { jti: ACTIVE_ID } });
    expect((await verifier.verify(bearer(fresh))).ok).toBe(true);
    config = { ...config, airlockTokens: { ...config.airlockTokens, keys: [next.config] } };
    expect((await verifier.verify(headers)).ok).toBe(false);
    expect((await verifier.verify(bearer(fresh))).ok).toBe(true);
  });

  it('J3: a replaced key under the same Airlock kid refuses tokens of the old key', async () => {
    const { verifier } = makeVerifier();
    const headers = bearer(airlockToken());
    expect((await verifier.verify(headers)).ok).toBe(true);
    const replacement = await generateAirlockTestKey(airlockKey.kid);
    config = { ...config, airlockTokens: { ...config.airlockTokens, keys: [replacement.config] } };
    expect((await verifier.verify(headers)).ok).toBe(false);
  });

  it('J3: tokens of a GitLab key that is no longer published are refused once the key set is refreshed', async () => {
    const { verifier, gitlabKeys } = makeVerifier();
    const headers = gitlabHeaders(gitlabToken({ claims: { exp: nowSec() + 3 * 86400 } }));
    expect((await verifier.verify(headers)).ok).toBe(true);
    await fake.rotateKey({ unpublishOld: true });
    clock.advance(86400 * 1000);
    // The stale set answers once more while it is refreshed in the background (GitLab's 24 h cache).
    await verifier.verify(headers);
    await vi.waitFor(() => expect(gitlabKeys.status().keyIds).toEqual([fake.currentKid]));
    expect(await verifier.verify(headers)).toMatchObject({ ok: false, reason: expect.stringMatching(/unknown kid/) });
  });

  it('forgets cached GitLab tokens when gitlab.url changes', async () => {
    const { verifier } = makeVerifier();
    const headers = gitlabHeaders(gitlabToken());
    expect((await verifier.verify(headers)).ok).toBe(true);
    config = { ...config, gitlab: { url: 'http://127.0.0.1:9', instanceId: null } };
    expect((await verifier.verify(headers)).ok).toBe(false);
  });

  it('keeps at most cacheSize tokens (least recently used first out)', async () => {
    const { verifier } = makeVerifier({ cacheSize: 2 });
    const [a, b, c] = [gitlabToken(), gitlabToken(), gitlabToken()].map((token) => gitlabHeaders(token)) as [Headers, Headers, Headers];
    for (const headers of [a, b, a, c]) expect((await verifier.verify(headers)).ok).toBe(true);
    expect(jwtVerifySpy).toHaveBeenCalledTimes(3);
    await verifier.verify(a); // still cached: used more recently than b
    expect(jwtVerifySpy).toHaveBeenCalledTimes(3);
    await verifier.verify(b); // evicted
    expect(jwtVerifySpy).toHaveBeenCalledTimes(4);
  });

  it('does not cache refused tokens as valid', async () => {
    const { verifier } = makeVerifier();
    const headers = gitlabHeaders(flipSignatureBit(gitlabToken()));
    for (let i = 0; i < 3; i += 1) expect((await verifier.verify(headers)).ok).toBe(false);
  });
});

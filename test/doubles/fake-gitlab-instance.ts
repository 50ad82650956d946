/**
 * TEST DOUBLE — a stand-in for a GitLab instance as Airlock's gateway sees it: its OIDC discovery
 * document and JSON Web Key Set, the RS256 tokens it signs for an AI gateway, and the headers it
 * sends with them (../shared/reference/gitlab-ai-gateway.md §3.1–§3.2). Also mints Airlock's own
 * EdDSA tokens for tests. The product never uses this.
 */
import { type KeyObject, constants, createHmac, generateKeyPairSync, KeyObject as NodeKeyObject, randomUUID, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { AIRLOCK_TOKEN_AUDIENCE, AIRLOCK_TOKEN_ISSUER, AIRLOCK_TOKEN_TYPE, GITLAB_GATEWAY_AUDIENCE } from '../../electron/shared/gateway/config';
import { featureUnitPrimitives } from '../../electron/shared/gateway/scopes';

/** Every unit primitive of the features Airlock serves: what a fully licensed instance puts in `scopes`. */
export const ALL_UNIT_PRIMITIVES: readonly string[] = [...new Set(Object.values(featureUnitPrimitives).flat())];

export const DISCOVERY_PATH = '/.well-known/openid-configuration';
export const JWKS_PATH = '/oauth/discovery/keys';

/** Base64url of a JSON value (a JWS segment). */
export function encodeSegment(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/**
 * Signs `header.payload` with any JWS algorithm a test needs, including the ones the gateway must
 * refuse: RS*, PS*, ES256/384, EdDSA with a private key; HS* with a byte string (for algorithm
 * confusion, the public key's PEM or JWK text). `header` is used as given: nothing is added.
 */
export function signCompact(header: Record<string, unknown>, payload: Record<string, unknown> | string, key: KeyObject | string | Buffer): string {
  const input = `${encodeSegment(header)}.${typeof payload === 'string' ? payload : encodeSegment(payload)}`;
  const alg = String(header.alg);
  const data = Buffer.from(input);
  const hash = `sha${alg.slice(2) || '256'}`;
  let signature: Buffer;
  if (alg.startsWith('HS')) {
    signature = createHmac(hash, key as string | Buffer).update(data).digest();
  } else if (alg.startsWith('RS')) {
    signature = sign(hash, data, key as KeyObject);
  } else if (alg.startsWith('PS')) {
    signature = sign(hash, data, { key: key as KeyObject, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(alg.slice(2)) / 8 });
  } else if (alg.startsWith('ES')) {
    signature = sign(hash, data, { key: key as KeyObject, dsaEncoding: 'ieee-p1363' });
  } else if (alg === 'EdDSA' || alg === 'Ed25519') {
    signature = sign(null, data, key as KeyObject);
  } else {
    throw new Error(`signCompact: no signer for alg ${alg}`);
  }
  return `${input}.${signature.toString('base64url')}`;
}

/** `base` with `overrides` applied; an override of `undefined` removes the field. */
function applyOverrides(base: Record<string, unknown>, overrides: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [name, value] of Object.entries(overrides ?? {})) {
    if (value === undefined) delete out[name];
    else out[name] = value;
  }
  return out;
}

interface InstanceKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** Published in the JWKS. */
  isPublished: boolean;
}

async function newInstanceKey(): Promise<InstanceKey> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' });
  // Doorkeeper names its OIDC key by its RFC 7638 thumbprint.
  const kid = await calculateJwkThumbprint({ kty: 'RSA', n: jwk.n as string, e: jwk.e as string });
  return { kid, privateKey, publicKey, isPublished: true };
}

/** How the fake's OIDC endpoints misbehave (tests of the key source). */
export type FakeGitlabFailure = 'none' | 'http-500' | 'hang' | 'garbage';

export interface FakeGitlabOptions {
  /** Epoch ms for `iat` (default: Date.now). */
  now?: () => number;
  instanceId?: string;
  realm?: 'self-managed' | 'saas';
  scopes?: readonly string[];
}

export interface MintOverrides {
  /** Merged over the default claims; `undefined` removes a claim. */
  claims?: Record<string, unknown>;
  /** Merged over `{typ:'JWT', kid, alg:'RS256'}`; `undefined` removes a field. `alg` picks the signature (RS*, PS*). */
  header?: Record<string, unknown>;
  /** Which key signs: the current one (default) or the one before the last rotation. */
  key?: 'current' | 'retired';
}

export interface FakeGitlabInstance {
  /** Base URL, e.g. `http://127.0.0.1:40123` (the `gitlab.url` to configure). */
  readonly url: string;
  /** `Gitlab::CurrentSettings.uuid`: the token's `sub` and the X-Gitlab-Instance-Id header. */
  readonly instanceId: string;
  readonly realm: string;
  readonly currentKid: string;
  /** The key before the last rotation; null before any rotation. */
  readonly retiredKid: string | null;
  /** Requests received per path (query excluded). */
  hits(path: string): number;
  /** Forgets the request counts. */
  resetHits(): void;
  /** A new current key; the old one becomes `retired` and stays published unless `unpublishOld`. */
  rotateKey(options?: { unpublishOld?: boolean }): Promise<void>;
  /** A GitLab-shaped instance token (§3.2), signed with the chosen key. */
  mintToken(overrides?: MintOverrides): string;
  /** The headers GitLab sends with a token (lower-case names, as Node delivers them). */
  headersFor(token: string): Record<string, string>;
  /** The public half of a key (for algorithm-confusion tests). */
  publicKey(which?: 'current' | 'retired'): KeyObject;
  privateKey(which?: 'current' | 'retired'): KeyObject;
  /** Makes both OIDC endpoints fail in the given way ('none' restores them). */
  setFailure(mode: FakeGitlabFailure): void;
  /** Puts this `jwks_uri` in the discovery document (null: the fake's own). */
  setJwksUri(uri: string | null): void;
  close(): Promise<void>;
}

/** Starts the fake on 127.0.0.1 and a free port. */
export async function startFakeGitlabInstance(options: FakeGitlabOptions = {}): Promise<FakeGitlabInstance> {
  const now = options.now ?? Date.now;
  const instanceId = options.instanceId ?? randomUUID();
  const realm = options.realm ?? 'self-managed';
  const scopes = [...(options.scopes ?? ALL_UNIT_PRIMITIVES)];
  const hits = new Map<string, number>();
  let current = await newInstanceKey();
  let retired: InstanceKey | null = null;
  let failure: FakeGitlabFailure = 'none';
  let jwksUriOverride: string | null = null;
  let url = '';

  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const isOidcPath = path === DISCOVERY_PATH || path === JWKS_PATH;
    if (isOidcPath && failure === 'hang') return; // never answers; close() drops the socket
    if (isOidcPath && failure === 'http-500') {
      response.writeHead(500, { 'content-type': 'text/plain' }).end('Internal Server Error');
      return;
    }
    if (isOidcPath && failure === 'garbage') {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"keys": [ this is not json');
      return;
    }
    if (request.method === 'GET' && path === DISCOVERY_PATH) {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ issuer: url, jwks_uri: jwksUriOverride ?? `${url}${JWKS_PATH}`, id_token_signing_alg_values_supported: ['RS256'] }));
      return;
    }
    if (request.method === 'GET' && path === JWKS_PATH) {
      const keys = [current, retired]
        .filter((key): key is InstanceKey => key !== null && key.isPublished)
        .map((key) => {
          const jwk = key.publicKey.export({ format: 'jwk' });
          return { kty: 'RSA', kid: key.kid, e: jwk.e, n: jwk.n, use: 'sig', alg: 'RS256' };
        });
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
      return;
    }
    response.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"404 Not Found"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const pick = (which: 'current' | 'retired' = 'current'): InstanceKey => {
    if (which === 'current') return current;
    if (!retired) throw new Error('fake GitLab: no retired key before rotateKey()');
    return retired;
  };

  return {
    url,
    instanceId,
    realm,
    get currentKid() {
      return current.kid;
    },
    get retiredKid() {
      return retired?.kid ?? null;
    },
    hits: (path) => hits.get(path) ?? 0,
    resetHits: () => hits.clear(),
    async rotateKey(rotateOptions = {}) {
      const next = await newInstanceKey();
      retired = { ...current, isPublished: !rotateOptions.unpublishOld };
      current = next;
    },
    mintToken(overrides = {}) {
      const key = pick(overrides.key);
      const iat = Math.floor(now() / 1000);
      const header = applyOverrides({ typ: 'JWT', kid: key.kid, alg: 'RS256' }, overrides.header);
      const claims = applyOverrides(
        {
          jti: randomUUID(),
          aud: [GITLAB_GATEWAY_AUDIENCE],
          sub: instanceId,
          iss: url,
          iat,
          nbf: iat - 5,
          exp: iat + 3600,
          gitlab_realm: realm,
          scopes,
        },
        overrides.claims,
      );
      return signCompact(header, claims, key.privateKey);
    },
    headersFor(token) {
      return {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'x-gitlab-authentication-type': 'oidc',
        'x-gitlab-instance-id': instanceId,
        'x-gitlab-realm': realm,
        'x-gitlab-global-user-id': createHmac('sha256', instanceId).update('user-1').digest('base64'),
        'x-gitlab-host-name': new URL(url).hostname,
        'x-gitlab-version': '18.6.0',
        'x-request-id': randomUUID(),
      };
    },
    publicKey: (which) => pick(which).publicKey,
    privateKey: (which) => pick(which).privateKey,
    setFailure(mode) {
      failure = mode;
    },
    setJwksUri(uri) {
      jwksUriOverride = uri;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An Airlock signing key for one test: the private half and the entry for `airlockTokens.keys`. */
export interface AirlockTestKey {
  kid: string;
  privateKey: KeyObject;
  /** As `airlockTokens.keys` holds it. */
  config: { kid: string; jwk: { kty: 'OKP'; crv: 'Ed25519'; x: string } };
}

/** A fresh Ed25519 key pair (jose `generateKeyPair('EdDSA')`). */
export async function generateAirlockTestKey(kid = 'airlock-test-key'): Promise<AirlockTestKey> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { extractable: true });
  const jwk = await exportJWK(publicKey);
  return {
    kid,
    privateKey: NodeKeyObject.from(privateKey),
    config: { kid, jwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x as string } },
  };
}

/** A fresh id shaped like Airlock's token ids (`[a-z0-9]{8,40}`). */
export function newAirlockTokenId(): string {
  return randomUUID().replaceAll('-', '').slice(0, 24);
}

/**
 * An Airlock-issued token: header `{alg:'EdDSA', typ:'airlock+jwt', kid}`, claims iss `airlock`,
 * aud `airlock-gateway`, sub, jti, iat, exp (+1 h), scopes. Overrides as for `mintToken`;
 * `jti` defaults to a fresh id (add it to `airlockTokens.active` to make the token valid).
 */
export function mintAirlockTestToken(
  key: AirlockTestKey,
  overrides: { claims?: Record<string, unknown>; header?: Record<string, unknown>; now?: () => number } = {},
): string {
  const iat = Math.floor((overrides.now ?? Date.now)() / 1000);
  const claimedJti = overrides.claims?.jti;
  const jti = typeof claimedJti === 'string' ? claimedJti : newAirlockTokenId();
  const header = applyOverrides({ alg: 'EdDSA', typ: AIRLOCK_TOKEN_TYPE, kid: key.kid }, overrides.header);
  const claims = applyOverrides(
    { iss: AIRLOCK_TOKEN_ISSUER, aud: AIRLOCK_TOKEN_AUDIENCE, sub: `token:${jti}`, jti, iat, exp: iat + 3600, scopes: ['openai', 'complete_code'] },
    overrides.claims,
  );
  return signCompact(header, claims, key.privateKey);
}

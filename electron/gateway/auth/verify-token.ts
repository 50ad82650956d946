/**
 * Checks the bearer token of one gateway request and says who is calling (gitlab-ai-gateway.md
 * §3.3–§3.4, reliability.md §3).
 *
 * Two token kinds, with mutually exclusive rules (RFC 8725 §3.12), chosen by the header's `kid`
 * (never by its `alg`): a kid starting with `airlock-` is one of Airlock's own tokens, any other
 * kid a GitLab instance token.
 *
 * | | GitLab instance token | Airlock token |
 * |---|---|---|
 * | alg | RS256 only | EdDSA (Ed25519) only |
 * | key | the configured instance's JWKS (`gitlab-keys.ts`) | `airlockTokens.keys`, by exact kid, never fetched |
 * | typ | not checked (GitLab sends `JWT`), but never `airlock+jwt` | `airlock+jwt` exactly |
 * | claims | `aud` ∋ `gitlab-ai-gateway`, `exp`; `nbf`/`iat` when present | `iss`, `aud`, `exp`, `iat`, `jti`, `sub` |
 * | per request | `X-Gitlab-Authentication-Type: oidc`, claims vs headers, instance pin | `jti` in `airlockTokens.active`, not expired there |
 * | scopes | the `scopes` claim | the active entry's, narrowed by the `scopes` claim |
 *
 * Nothing a token says is followed: `jku`, `x5u`, `x5c`, `jwk` and `crit` headers refuse the token,
 * and `kid` is only ever a map key. The result is `{ ok: false, reason }` for every failure; the
 * reason is for the log and never holds the token. The HTTP layer answers all of them alike.
 */
import { type KeyObject, createPublicKey, type webcrypto } from 'node:crypto';
import { errors as joseErrors, type JWTPayload, jwtVerify } from 'jose';
import {
  type ActiveToken,
  AIRLOCK_KID_PREFIX,
  AIRLOCK_TOKEN_AUDIENCE,
  AIRLOCK_TOKEN_ISSUER,
  AIRLOCK_TOKEN_TYPE,
  GITLAB_GATEWAY_AUDIENCE,
  type GatewayConfig,
} from '../../shared/gateway/config';

/** Who is calling, once the token checked out. */
export interface Principal {
  kind: 'gitlab' | 'airlock';
  /** `sub`: the instance UUID for GitLab tokens, the token's subject for Airlock tokens. */
  subject: string;
  scopes: ReadonlySet<string>;
  /** The GitLab instance UUID (verified claims only); null for Airlock tokens. */
  instanceId: string | null;
  /** `gitlab_realm` (`self-managed`, `saas`); null when absent or for Airlock tokens. */
  realm: string | null;
  /** The Airlock token id (`jti`); null for GitLab tokens. */
  tokenId: string | null;
  /** The Airlock token's label; null for GitLab tokens. */
  label: string | null;
  /** for logs and the request log: 'gitlab:<instance id>' or 'token:<label> (<id>)' */
  client: string;
}

export type VerifyResult = { ok: true; principal: Principal } | { ok: false; reason: string };

/** Node's incoming headers (lower-cased names). */
export type IncomingHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** A key the verifier accepts from a key source. */
export type VerificationKey = webcrypto.CryptoKey | KeyObject;

export interface TokenVerifierDeps {
  /**
   * The current config, read on every request. Return the same objects until the config changes
   * (a new config is a new object): the verifier re-indexes `airlockTokens` when their identity
   * changes.
   */
  config: () => Pick<GatewayConfig, 'gitlab' | 'airlockTokens'>;
  gitlabKeys: { getKey(kid: string): Promise<VerificationKey | null> };
  /** Epoch milliseconds. */
  now: () => number;
  /** Seconds of clock skew allowed on `exp`, `nbf` and `iat`; default 30 (reliability.md §3: ≤ 30 s). */
  clockToleranceSec?: number;
  /** Bound on the verified-token cache; default 10,000. */
  cacheSize?: number;
}

export interface TokenVerifier {
  verify(headers: IncomingHeaders): Promise<VerifyResult>;
  /** Forgets every verified token (the next request of each is verified in full). */
  clearCache(): void;
}

/** Longer tokens are refused before any parsing (GitLab's are about 1.5 KB). */
export const MAX_TOKEN_LENGTH = 8 * 1024;
export const DEFAULT_CLOCK_TOLERANCE_SEC = 30;
const DEFAULT_CACHE_SIZE = 10_000;
const MAX_KID_LENGTH = 256;
/** Header parameters that name a key or a URL, or demand extensions: never honoured (RFC 8725 §3.10). */
const REFUSED_HEADER_PARAMS = ['jku', 'x5u', 'x5c', 'jwk', 'crit'] as const;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const BEARER = /^bearer[ \t]+(\S+)[ \t]*$/i;
const utf8 = new TextDecoder('utf-8', { fatal: true });

type Kind = Principal['kind'];
type Failure = { ok: false; reason: string };
const fail = (reason: string): Failure => ({ ok: false, reason });

/** What a full verification established; reused from the cache until `exp`. */
interface VerifiedToken {
  kind: Kind;
  kid: string;
  key: VerificationKey;
  expSec: number;
  nbfSec: number | null;
  iatSec: number | null;
  subject: string;
  /** GitLab: claims compared with headers on every request. */
  realm: string | null;
  instanceIdClaim: string | null;
  /** Airlock: the token id. */
  jti: string | null;
  /** The `scopes` claim; null when absent. */
  scopes: readonly string[] | null;
  /** GitLab principals depend on the token only, so they are built once. */
  principal: Principal | null;
}

/** A value from a token or a header, safe to put in a log line: quoted, escaped, at most 64 chars. */
function describe(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value);
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Decodes one segment; refuses anything but canonical base64url (no padding, no `+/`, no stray bits). */
function decodeSegment(segment: string): Buffer | null {
  if (!BASE64URL.test(segment)) return null;
  const bytes = Buffer.from(segment, 'base64url');
  return bytes.toString('base64url') === segment ? bytes : null;
}

/** Reads `Authorization: Bearer <token>` (scheme case-insensitive, GitLab's rule §3.3 step 2). */
function readBearer(headers: IncomingHeaders): { ok: true; token: string } | Failure {
  const raw = headers.authorization;
  if (raw === undefined || raw === '') return fail('no Authorization header');
  if (typeof raw !== 'string') return fail('more than one Authorization header');
  if (raw.length > MAX_TOKEN_LENGTH + 64) return fail(`token too long (Authorization header of ${raw.length} chars)`);
  const match = BEARER.exec(raw);
  if (!match?.[1]) return fail('Authorization header is not "Bearer <token>"');
  if (match[1].length > MAX_TOKEN_LENGTH) return fail(`token too long (${match[1].length} chars)`);
  return { ok: true, token: match[1] };
}

/** Splits and decodes the untrusted header; the payload is left to jose, after the signature. */
function readHeader(token: string): { ok: true; header: Record<string, unknown>; kid: string; kind: Kind } | Failure {
  const segments = token.split('.');
  if (segments.length !== 3) return fail(`token has ${segments.length} segments, expected 3 (a signed JWS)`);
  const names = ['header', 'payload', 'signature'];
  const decoded = segments.map(decodeSegment);
  const invalid = decoded.indexOf(null);
  if (invalid !== -1) return fail(`token ${names[invalid]} is not canonical base64url`);
  let header: unknown;
  try {
    header = JSON.parse(utf8.decode(decoded[0] ?? Buffer.alloc(0)));
  } catch {
    return fail('token header is not UTF-8 JSON');
  }
  if (!isRecord(header)) return fail('token header is not a JSON object');
  for (const name of REFUSED_HEADER_PARAMS) {
    if (Object.hasOwn(header, name)) return fail(`token header carries "${name}", which is never honoured`);
  }
  if (typeof header.alg !== 'string') return fail('token header has no alg');
  const kid = header.kid;
  if (kid === undefined) return fail('token header has no kid');
  if (typeof kid !== 'string' || kid === '' || kid.length > MAX_KID_LENGTH) return fail(`token kid ${describe(kid)} is not a usable key id`);
  return { ok: true, header, kid, kind: kid.startsWith(AIRLOCK_KID_PREFIX) ? 'airlock' : 'gitlab' };
}

/** jose's message names the failed check (`"exp" claim timestamp check failed`, `signature verification failed`). */
function joseReason(error: unknown): string {
  if (error instanceof joseErrors.JOSEError) return `${error.code}: ${error.message}`;
  return `verification error: ${error instanceof Error ? error.message : String(error)}`;
}

const optionalString = (payload: JWTPayload, claim: string): string | null | undefined => {
  const value = payload[claim];
  if (value === undefined || value === null || value === '') return null;
  return typeof value === 'string' ? value : undefined;
};

/** The `scopes` claim: null when absent, undefined when malformed. */
function readScopes(payload: JWTPayload): readonly string[] | null | undefined {
  const value = payload.scopes;
  if (value === undefined) return null;
  if (!Array.isArray(value) || value.some((scope) => typeof scope !== 'string')) return undefined;
  return value as string[];
}

/** The value of a header that must appear once (Node joins repeated custom headers with ", "). */
const singleHeader = (headers: IncomingHeaders, name: string): string | undefined => {
  const value = headers[name];
  return typeof value === 'string' ? value : undefined;
};

/** Creates the verifier. One per gateway process; it keeps the verified-token cache. */
export function createTokenVerifier(deps: TokenVerifierDeps): TokenVerifier {
  const tolerance = deps.clockToleranceSec ?? DEFAULT_CLOCK_TOLERANCE_SEC;
  if (!Number.isFinite(tolerance) || tolerance < 0 || tolerance > 300) throw new RangeError(`clockToleranceSec must be within 0..300, got ${tolerance}`);
  const cacheSize = deps.cacheSize ?? DEFAULT_CACHE_SIZE;

  /** Verified tokens by their exact text, oldest use first (a Map keeps insertion order: LRU). */
  const cache = new Map<string, VerifiedToken>();

  // Indexes of the config, rebuilt when the objects change.
  let keysRef: unknown = null;
  let keysFingerprint = '';
  let airlockKeys = new Map<string, KeyObject>();
  let activeRef: readonly ActiveToken[] | null = null;
  let activeLength = -1;
  let activeById = new Map<string, ActiveToken>();
  let gitlabUrl: string | null | undefined;

  /** Reads the config; re-indexes what changed and forgets verified tokens when key material changed. */
  function syncConfig(): Pick<GatewayConfig, 'gitlab' | 'airlockTokens'> {
    const config = deps.config();
    const { keys, active } = config.airlockTokens;
    if (keys !== keysRef) {
      keysRef = keys;
      const fingerprint = JSON.stringify(keys.map((key) => [key.kid, key.jwk.x]));
      if (fingerprint !== keysFingerprint) {
        keysFingerprint = fingerprint;
        airlockKeys = new Map();
        for (const key of keys) {
          try {
            airlockKeys.set(key.kid, createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: key.jwk.x }, format: 'jwk' }));
          } catch {
            // A key that does not import verifies nothing; its tokens fail with "unknown kid".
          }
        }
        cache.clear();
      }
    }
    if (active !== activeRef || active.length !== activeLength) {
      activeRef = active;
      activeLength = active.length;
      activeById = new Map(active.map((entry) => [entry.id, entry]));
    }
    if (config.gitlab.url !== gitlabUrl) {
      gitlabUrl = config.gitlab.url;
      cache.clear();
    }
    return config;
  }

  const secondsOf = (ms: number) => Math.floor(ms / 1000);

  /** The time checks jose made, repeated for a cached token (same arithmetic as jose's). */
  function isWithinLifetime(entry: VerifiedToken, nowSec: number): boolean {
    return entry.expSec > nowSec - tolerance && (entry.nbfSec === null || entry.nbfSec <= nowSec + tolerance) && (entry.iatSec === null || entry.iatSec <= nowSec + tolerance);
  }

  /** True when the key that verified `entry` is still the one configured for its kid (rotation, retirement). */
  async function isKeyCurrent(entry: VerifiedToken): Promise<boolean> {
    if (entry.kind === 'airlock') return airlockKeys.get(entry.kid) === entry.key;
    if (gitlabUrl === null) return false;
    try {
      return (await deps.gitlabKeys.getKey(entry.kid)) === entry.key;
    } catch {
      return false;
    }
  }

  function remember(token: string, entry: VerifiedToken): void {
    cache.delete(token);
    if (cache.size >= cacheSize) {
      const oldest = cache.keys().next();
      if (!oldest.done) cache.delete(oldest.value);
    }
    cache.set(token, entry);
  }

  /** Checks that depend only on the request's headers, made before any crypto. */
  function checkKindHeaders(kind: Kind, headers: IncomingHeaders): Failure | null {
    // GitLab's gateway refuses any other value (§3.3 step 3); Airlock's own clients need not send it.
    if (kind === 'gitlab' && singleHeader(headers, 'x-gitlab-authentication-type') !== 'oidc') {
      return fail('gitlab token: X-Gitlab-Authentication-Type is not "oidc"');
    }
    return null;
  }

  function checkIat(payload: JWTPayload, nowSec: number, kind: Kind): Failure | null {
    // jose checks `iat` in the future only together with maxTokenAge; Airlock tokens have no
    // maximum age (their lifetime is the active entry's), so the check is made here.
    if (typeof payload.iat === 'number' && payload.iat > nowSec + tolerance) return fail(`${kind} token: "iat" is in the future`);
    return null;
  }

  async function verifyGitlab(token: string, header: Record<string, unknown>, kid: string, nowMs: number): Promise<{ ok: true; entry: VerifiedToken } | Failure> {
    if (header.alg !== 'RS256') return fail(`gitlab token: alg ${describe(header.alg)} is not RS256`);
    // Mutual exclusion both ways: an Airlock-typed token is never read as a GitLab one.
    if (typeof header.typ === 'string' && header.typ.toLowerCase() === AIRLOCK_TOKEN_TYPE) return fail('gitlab token: typ is airlock+jwt');
    if (gitlabUrl === null) return fail('gitlab token: no GitLab URL configured, GitLab tokens are refused');
    let key: VerificationKey | null;
    try {
      key = await deps.gitlabKeys.getKey(kid);
    } catch (error) {
      return fail(`gitlab token: key lookup failed (${error instanceof Error ? error.message : String(error)})`);
    }
    if (key === null) return fail(`gitlab token: unknown kid ${describe(kid)}`);
    let payload: JWTPayload;
    try {
      // `iss` is deliberately not checked, as in GitLab's gateway (§3.3 step 5): the exact form of
      // GitLab's issuer (external URL, trailing slash, relative root) is not pinned down [I], and
      // the key set already comes from the configured instance only, so `iss` adds no assurance.
      ({ payload } = await jwtVerify(token, key, {
        algorithms: ['RS256'],
        audience: GITLAB_GATEWAY_AUDIENCE,
        requiredClaims: ['exp'],
        clockTolerance: tolerance,
        currentDate: new Date(nowMs),
      }));
    } catch (error) {
      return fail(`gitlab token: ${joseReason(error)}`);
    }
    const iatFailure = checkIat(payload, secondsOf(nowMs), 'gitlab');
    if (iatFailure) return iatFailure;
    const subject = optionalString(payload, 'sub');
    const realm = optionalString(payload, 'gitlab_realm');
    const instanceIdClaim = optionalString(payload, 'gitlab_instance_id');
    const scopes = readScopes(payload);
    if (subject === undefined || realm === undefined || instanceIdClaim === undefined || scopes === undefined) {
      return fail('gitlab token: sub, gitlab_realm, gitlab_instance_id or scopes has the wrong type');
    }
    const instanceId = subject ?? instanceIdClaim;
    const principal: Principal = {
      kind: 'gitlab',
      subject: subject ?? '',
      scopes: new Set(scopes ?? []),
      instanceId,
      realm,
      tokenId: null,
      label: null,
      client: `gitlab:${instanceId ?? 'unknown'}`,
    };
    return {
      ok: true,
      entry: {
        kind: 'gitlab',
        kid,
        key,
        expSec: payload.exp as number,
        nbfSec: payload.nbf ?? null,
        iatSec: payload.iat ?? null,
        subject: subject ?? '',
        realm,
        instanceIdClaim,
        jti: null,
        scopes,
        principal,
      },
    };
  }

  async function verifyAirlock(token: string, header: Record<string, unknown>, kid: string, nowMs: number): Promise<{ ok: true; entry: VerifiedToken } | Failure> {
    if (header.alg !== 'EdDSA') return fail(`airlock token: alg ${describe(header.alg)} is not EdDSA`);
    if (header.typ !== AIRLOCK_TOKEN_TYPE) return fail(`airlock token: typ ${header.typ === undefined ? 'absent' : describe(header.typ)} is not ${AIRLOCK_TOKEN_TYPE}`);
    const key = airlockKeys.get(kid);
    if (!key) return fail(`airlock token: unknown kid ${describe(kid)}`);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key, {
        algorithms: ['EdDSA'],
        issuer: AIRLOCK_TOKEN_ISSUER,
        audience: AIRLOCK_TOKEN_AUDIENCE,
        typ: AIRLOCK_TOKEN_TYPE,
        requiredClaims: ['exp', 'iat', 'jti', 'sub'],
        clockTolerance: tolerance,
        currentDate: new Date(nowMs),
      }));
    } catch (error) {
      return fail(`airlock token: ${joseReason(error)}`);
    }
    const iatFailure = checkIat(payload, secondsOf(nowMs), 'airlock');
    if (iatFailure) return iatFailure;
    const scopes = readScopes(payload);
    if (typeof payload.jti !== 'string' || payload.jti === '' || typeof payload.sub !== 'string' || payload.sub === '' || scopes === undefined) {
      return fail('airlock token: jti, sub or scopes has the wrong type');
    }
    return {
      ok: true,
      entry: {
        kind: 'airlock',
        kid,
        key,
        expSec: payload.exp as number,
        nbfSec: payload.nbf ?? null,
        iatSec: payload.iat ?? null,
        subject: payload.sub,
        realm: null,
        instanceIdClaim: null,
        jti: payload.jti,
        scopes,
        principal: null,
      },
    };
  }

  /** Checks that depend on this request and on the current config; run for cached tokens too. */
  function authorize(entry: VerifiedToken, headers: IncomingHeaders, config: Pick<GatewayConfig, 'gitlab' | 'airlockTokens'>, nowMs: number): VerifyResult {
    if (entry.kind === 'gitlab') {
      const kindFailure = checkKindHeaders('gitlab', headers);
      if (kindFailure) return kindFailure;
      // Claims vs headers, each skipped when the claim is empty (§3.3 step 6). A token is bound to
      // the instance that asked for it: the header must be there and agree.
      const pairs: [string | null, string, string][] = [
        [entry.realm, 'x-gitlab-realm', 'X-Gitlab-Realm'],
        [entry.instanceIdClaim, 'x-gitlab-instance-id', 'X-Gitlab-Instance-Id'],
        // Instance tokens: `sub` is the instance UUID. (User tokens minted by GitLab's gateway
        // compare `sub` with X-Gitlab-Global-User-Id, but those are signed with that gateway's
        // own keys, which Airlock does not hold.)
        [entry.subject === '' ? null : entry.subject, 'x-gitlab-instance-id', 'X-Gitlab-Instance-Id'],
      ];
      for (const [claim, name, label] of pairs) {
        if (claim === null) continue;
        const value = singleHeader(headers, name);
        if (value !== claim) return fail(`gitlab token: header mismatch '${label}' (claim ${describe(claim)}, header ${value === undefined ? 'absent' : describe(value)})`);
      }
      const pin = config.gitlab.instanceId;
      if (pin !== null && pin !== '' && entry.subject !== pin) {
        return fail(`gitlab token: instance ${describe(entry.subject)} is not the configured instance ${describe(pin)}`);
      }
      return { ok: true, principal: entry.principal as Principal };
    }
    const tokenId = entry.jti ?? '';
    const active = activeById.get(tokenId);
    if (!active) return fail(`airlock token: id ${describe(tokenId)} is not active (revoked or unknown)`);
    if (secondsOf(nowMs) >= active.expiresAt) return fail(`airlock token: id ${describe(tokenId)} expired at ${new Date(active.expiresAt * 1000).toISOString()}`);
    const claimed = entry.scopes === null ? null : new Set(entry.scopes);
    // The active entry is the authority; the claim can only narrow it (an entry narrowed after the
    // token was minted takes effect at once, without reissuing the token).
    const scopes = new Set(active.scopes.filter((scope) => claimed === null || claimed.has(scope)));
    return {
      ok: true,
      principal: {
        kind: 'airlock',
        subject: entry.subject,
        scopes,
        instanceId: null,
        realm: null,
        tokenId,
        label: active.label,
        client: `token:${active.label} (${tokenId})`,
      },
    };
  }

  return {
    async verify(headers: IncomingHeaders): Promise<VerifyResult> {
      const bearer = readBearer(headers);
      if (!bearer.ok) return bearer;
      const { token } = bearer;
      const config = syncConfig();
      const nowMs = deps.now();

      const cached = cache.get(token);
      if (cached) {
        if (isWithinLifetime(cached, secondsOf(nowMs)) && (await isKeyCurrent(cached))) {
          // Move to the most recently used end.
          cache.delete(token);
          cache.set(token, cached);
          return authorize(cached, headers, config, nowMs);
        }
        cache.delete(token);
      }

      const parsed = readHeader(token);
      if (!parsed.ok) return parsed;
      const kindFailure = checkKindHeaders(parsed.kind, headers);
      if (kindFailure) return kindFailure;
      const verified =
        parsed.kind === 'gitlab' ? await verifyGitlab(token, parsed.header, parsed.kid, nowMs) : await verifyAirlock(token, parsed.header, parsed.kid, nowMs);
      if (!verified.ok) return verified;
      remember(token, verified.entry);
      return authorize(verified.entry, headers, config, nowMs);
    },

    clearCache(): void {
      cache.clear();
    },
  };
}

/**
 * The public keys a GitLab instance signs its AI-gateway tokens with (gitlab-ai-gateway.md §3.2,
 * §3.4 step 2): `<gitlab.url>/.well-known/openid-configuration` → `jwks_uri` → the RSA keys.
 *
 * Rules (reliability.md §3 "Build", J3):
 * - one host only: the `jwks_uri` must have the origin of the configured URL, so a discovery
 *   document cannot send the gateway anywhere else; nothing in a token ever names a URL;
 * - cached for 24 h, as GitLab's own gateway does (§3.3 step 4);
 * - an unknown `kid` refetches at most once per cooldown (30 s, jose's `cooldownDuration`), and
 *   concurrent lookups share one in-flight fetch, so a flood of made-up kids costs one request;
 * - a failed refresh keeps the last good set (a GitLab restart must not lock everyone out);
 * - a new `gitlab.url` drops everything learned from the old one.
 */
import { type KeyObject, createPublicKey } from 'node:crypto';

/** Fetches one URL and returns its parsed JSON body; throws on a network error or a non-2xx status. */
export type FetchJson = (url: string, signal: AbortSignal) => Promise<unknown>;

/** Where the key source reports fetches (no secrets pass through here: keys are public). */
export interface KeySourceLogger {
  warn(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
}

export interface GitlabKeySourceDeps {
  /** The configured GitLab URL, read on every lookup (null: GitLab tokens are refused, nothing is fetched). */
  url: () => string | null;
  /**
   * HTTP GET returning JSON. The app wires its egress-restricted client here; it must not follow
   * redirects to another origin (the same-origin rule below only sees the URLs it asks for).
   */
  fetchJson: FetchJson;
  /** Epoch milliseconds. */
  now: () => number;
  logger?: KeySourceLogger;
  /** Least time between two fetches (ms); default 30 s. */
  cooldownMs?: number;
  /** How long a fetched key set is fresh (ms); default 24 h. */
  maxAgeMs?: number;
  /** Limit on each of the two HTTP requests (ms); default 10 s, GitLab's own (§3.3 step 4). */
  timeoutMs?: number;
}

/** What the UI shows about the key set. Times are epoch ms. */
export interface GitlabKeyStatus {
  url: string | null;
  /** Last successful fetch; null: never (for this URL). */
  lastFetchAt: number | null;
  /** Last failed attempt, if it came after the last success. */
  lastAttemptAt: number | null;
  /** Why the last attempt failed; null when it succeeded or none was made. */
  lastError: string | null;
  /** Key ids currently trusted, sorted. */
  keyIds: string[];
  /** Earliest time a lookup may fetch again; null when none has been made. */
  nextAllowedRefetchAt: number | null;
}

export interface GitlabKeySource {
  /** The RS256 public key for `kid`, fetching when the set is stale or the kid is unknown (within the cooldown); null when there is none. */
  getKey(kid: string): Promise<KeyObject | null>;
  status(): GitlabKeyStatus;
}

export const GITLAB_KEYS_DEFAULTS = {
  cooldownMs: 30_000,
  maxAgeMs: 24 * 60 * 60 * 1000,
  timeoutMs: 10_000,
} as const;

/** A JWKS with more keys than this is cut (GitLab publishes one or two). */
const MAX_KEYS = 100;
/** RFC 7518 §3.3: RSA keys for RS256 must be at least 2048 bits. */
const MIN_RSA_BITS = 2048;

/** A trusted key and the JWK material it came from (`n.e`). */
interface TrustedKey {
  key: KeyObject;
  material: string;
}

interface KeyState {
  url: string | null;
  keys: Map<string, TrustedKey>;
  loadedAt: number | null;
  lastFetchAt: number | null;
  lastAttemptAt: number | null;
  lastError: string | null;
  nextAllowedRefetchAt: number | null;
  inflight: Promise<void> | null;
  /** Bumped when the URL changes, so a fetch for the old URL cannot land in the new state. */
  generation: number;
}

const emptyState = (url: string | null, generation: number): KeyState => ({
  url,
  keys: new Map(),
  loadedAt: null,
  lastFetchAt: null,
  lastAttemptAt: null,
  lastError: null,
  nextAllowedRefetchAt: null,
  inflight: null,
  generation,
});

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A short, single-line description of an error for the log and the UI. */
function describeError(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s+/g, ' ').slice(0, 300);
}

/** Creates the key source for the configured GitLab instance. */
export function createGitlabKeySource(deps: GitlabKeySourceDeps): GitlabKeySource {
  const cooldownMs = deps.cooldownMs ?? GITLAB_KEYS_DEFAULTS.cooldownMs;
  const maxAgeMs = deps.maxAgeMs ?? GITLAB_KEYS_DEFAULTS.maxAgeMs;
  const timeoutMs = deps.timeoutMs ?? GITLAB_KEYS_DEFAULTS.timeoutMs;
  let state = emptyState(null, 0);

  /** Resets the state when the configured URL changed; returns the URL to use. */
  function syncUrl(): string | null {
    const url = deps.url();
    if (url !== state.url) {
      state = emptyState(url, state.generation + 1);
      if (url !== null) deps.logger?.info('GitLab key set: URL changed, cached keys dropped', { url });
    }
    return url;
  }

  /** `fetchJson` with a deadline that holds even when the callee ignores its signal. */
  async function fetchWithTimeout(url: string): Promise<unknown> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new Error(`timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      timer.unref();
    });
    try {
      return await Promise.race([deps.fetchJson(url, controller.signal), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  async function fetchKeySet(url: string): Promise<Map<string, TrustedKey>> {
    const base = new URL(url.replace(/\/+$/, ''));
    const discoveryUrl = `${base.href.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    let discovery: unknown;
    try {
      discovery = await fetchWithTimeout(discoveryUrl);
    } catch (error) {
      throw new Error(`discovery ${discoveryUrl}: ${describeError(error)}`, { cause: error });
    }
    if (!isRecord(discovery) || typeof discovery.jwks_uri !== 'string') throw new Error(`discovery ${discoveryUrl}: no jwks_uri`);
    let jwksUrl: URL;
    try {
      jwksUrl = new URL(discovery.jwks_uri);
    } catch {
      throw new Error(`discovery ${discoveryUrl}: jwks_uri is not a URL`);
    }
    // The gateway contacts the configured instance only (reliability.md §6; RFC 8725 §3.10 for the
    // token-side version of the same rule). Credentials in the URL would change whom it talks to.
    if (jwksUrl.origin !== base.origin || jwksUrl.username !== '' || jwksUrl.password !== '') {
      throw new Error(`jwks_uri ${JSON.stringify(jwksUrl.origin)} is not on ${base.origin}; refused`);
    }
    jwksUrl.hash = '';
    let jwks: unknown;
    try {
      jwks = await fetchWithTimeout(jwksUrl.href);
    } catch (error) {
      throw new Error(`jwks ${jwksUrl.href}: ${describeError(error)}`, { cause: error });
    }
    if (!isRecord(jwks) || !Array.isArray(jwks.keys)) throw new Error(`jwks ${jwksUrl.href}: no keys array`);
    return importKeys(jwks.keys, jwksUrl.href, state.keys);
  }

  /**
   * Keeps RSA signing keys usable with RS256; a kid published twice is ambiguous and dropped
   * (jose's `JWKSMultipleMatchingKeys`). A key whose material did not change keeps its KeyObject,
   * so callers that compare key identity (the verifier's cache) see a refresh as no change.
   */
  function importKeys(entries: readonly unknown[], source: string, previous: ReadonlyMap<string, TrustedKey>): Map<string, TrustedKey> {
    const keys = new Map<string, TrustedKey>();
    const duplicated = new Set<string>();
    if (entries.length > MAX_KEYS) deps.logger?.warn('GitLab key set: too many keys, extra ones ignored', { source, count: entries.length });
    for (const entry of entries.slice(0, MAX_KEYS)) {
      if (!isRecord(entry) || entry.kty !== 'RSA') continue;
      if (entry.use !== undefined && entry.use !== 'sig') continue;
      if (entry.alg !== undefined && entry.alg !== 'RS256') continue;
      if (entry.key_ops !== undefined && !(Array.isArray(entry.key_ops) && entry.key_ops.includes('verify'))) continue;
      const { kid, n, e } = entry;
      if (typeof kid !== 'string' || kid === '' || typeof n !== 'string' || typeof e !== 'string') continue;
      const material = `${n}.${e}`;
      const known = previous.get(kid);
      let key: KeyObject;
      try {
        key = known?.material === material ? known.key : createPublicKey({ key: { kty: 'RSA', n, e }, format: 'jwk' });
      } catch {
        deps.logger?.warn('GitLab key set: a key could not be imported', { source, kid });
        continue;
      }
      if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS) {
        deps.logger?.warn('GitLab key set: RSA key shorter than 2048 bits ignored', { source, kid });
        continue;
      }
      if (keys.has(kid) || duplicated.has(kid)) {
        keys.delete(kid);
        duplicated.add(kid);
        continue;
      }
      keys.set(kid, { key, material });
    }
    if (duplicated.size > 0) deps.logger?.warn('GitLab key set: key ids published more than once ignored', { source, kids: [...duplicated] });
    if (keys.size === 0) throw new Error(`jwks ${source}: no usable RS256 signing key`);
    return keys;
  }

  /** Starts a fetch, or joins the one in flight. Never rejects: failures are recorded. */
  function refresh(url: string): Promise<void> {
    if (state.inflight) return state.inflight;
    const target = state;
    const run = (async () => {
      try {
        const keys = await fetchKeySet(url);
        if (target !== state) return;
        const at = deps.now();
        Object.assign(state, { keys, loadedAt: at, lastFetchAt: at, lastAttemptAt: null, lastError: null });
        deps.logger?.info('GitLab key set fetched', { url, keyIds: [...keys.keys()] });
      } catch (error) {
        if (target !== state) return;
        state.lastAttemptAt = deps.now();
        state.lastError = describeError(error);
        deps.logger?.warn('GitLab key set fetch failed; keeping the last good keys', { url, error: state.lastError, keyIds: [...state.keys.keys()] });
      } finally {
        if (target === state) {
          state.inflight = null;
          state.nextAllowedRefetchAt = deps.now() + cooldownMs;
        }
      }
    })();
    state.inflight = run;
    return run;
  }

  const mayFetch = (now: number) => state.nextAllowedRefetchAt === null || now >= state.nextAllowedRefetchAt;

  return {
    async getKey(kid: string): Promise<KeyObject | null> {
      const url = syncUrl();
      if (url === null) return null;
      const now = deps.now();
      const known = state.keys.get(kid)?.key;
      const isFresh = state.loadedAt !== null && now - state.loadedAt < maxAgeMs;
      if (known) {
        // Stale but known: answer now and revalidate in the background.
        if (!isFresh && !state.inflight && mayFetch(now)) void refresh(url);
        return known;
      }
      if (state.inflight) await state.inflight;
      else if (mayFetch(now)) await refresh(url);
      else return null;
      if (deps.url() !== url) return null;
      return state.keys.get(kid)?.key ?? null;
    },

    status(): GitlabKeyStatus {
      syncUrl();
      return {
        url: state.url,
        lastFetchAt: state.lastFetchAt,
        lastAttemptAt: state.lastAttemptAt,
        lastError: state.lastError,
        keyIds: [...state.keys.keys()].sort(),
        nextAllowedRefetchAt: state.nextAllowedRefetchAt,
      };
    },
  };
}

/**
 * "Test connection" for a registered model deployment (issue 6): checks the endpoint step by step —
 * URL, DNS, TCP, TLS, HTTP, served model name, a one-token completion, latency — and says which
 * step failed, what was seen and what to do.
 *
 * The checks and messages are pure functions; the network is reached only through injected
 * dependencies (real defaults below), each bounded by a per-step timeout. The function connects
 * only to the endpoint it is given: DNS for its host, TCP/TLS to that host's addresses, HTTP to
 * URLs under it, and redirects are reported, never followed (DESIGN.md: "Nothing in Airlock ever
 * talks to a host that the operator did not configure").
 *
 * The API key is sent only in the Authorization header; no step text ever carries it, at most its
 * last 4 characters (`maskSecret`), and every text is scrubbed once more before it is returned.
 */
import type { DeploymentPlatform } from '../../shared/registry/deployment';
import { lookup as dnsLookup } from 'node:dns/promises';
import { STATUS_CODES } from 'node:http';
import { connect as netConnect, isIP } from 'node:net';
import { connect as tlsConnect, type PeerCertificate } from 'node:tls';
import { maskSecret } from '../../shared/redact';

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

/** Where the model is served; decides which steps apply. */
export type ConnectionPlatform = DeploymentPlatform;

/** What to test: the deployment's endpoint, key and model identifier. */
export interface ConnectionTestInput {
  platform: ConnectionPlatform;
  endpoint: string;
  apiKey: string | null;
  /** e.g. `custom_openai/<served name>`, `bedrock/<model id>`, `azure/<deployment>`. */
  identifier: string | null;
}

/** The steps, in the order they run. */
export type ConnectionStepId = 'url' | 'dns' | 'tcp' | 'tls' | 'http' | 'model' | 'completion' | 'latency';

/** `warning` passes but deserves attention; only `failed` makes the test fail. */
export type ConnectionStepStatus = 'ok' | 'failed' | 'skipped' | 'warning';

/** One step's outcome: what was seen (`detail`, with values) and what to do (`hint`). */
export interface ConnectionStep {
  id: ConnectionStepId;
  label: string;
  status: ConnectionStepStatus;
  durationMs: number;
  detail: string;
  hint: string | null;
}

/** The whole test: every step in order, `ok` when none failed, and the first failed step. */
export interface ConnectionTestResult {
  ok: boolean;
  failedStep: ConnectionStepId | null;
  steps: ConnectionStep[];
  totalMs: number;
}

/** One address a host name resolved to. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Where a TCP or TLS connection goes: an IP address (from the DNS step) and the URL's port. */
export interface ConnectTarget {
  address: string;
  port: number;
}

/** What a TLS handshake showed. `authorizationError` is Node's/OpenSSL's code, e.g. `DEPTH_ZERO_SELF_SIGNED_CERT`. */
export interface TlsPeerInfo {
  authorized: boolean;
  authorizationError: string | null;
  protocol: string | null;
  subject: string | null;
  issuer: string | null;
  subjectAltNames: string | null;
  /** Epoch milliseconds, or null when the certificate did not say. */
  validFrom: number | null;
  validTo: number | null;
}

/** The network and the clock, injected so tests can pass fakes. Every call gets an abort signal that fires at the step's timeout. */
export interface ConnectionTestDeps {
  lookup(hostname: string, signal: AbortSignal): Promise<ResolvedAddress[]>;
  connectTcp(target: ConnectTarget, signal: AbortSignal): Promise<void>;
  /** `servername` is the URL's host name for SNI and the certificate check; null for IP literals. */
  tlsHandshake(target: ConnectTarget & { servername: string | null }, signal: AbortSignal): Promise<TlsPeerInfo>;
  fetch(url: string, init: RequestInit): Promise<Response>;
  /** Wall clock, epoch ms: durations and certificate expiry. */
  now(): number;
  timeouts: StepTimeouts;
}

/** Per-step time limits in milliseconds. */
export interface StepTimeouts {
  dns: number;
  tcp: number;
  tls: number;
  http: number;
  completion: number;
}

/**
 * Defaults: name resolution and handshakes on a LAN take milliseconds, so 3 s means something is
 * wrong; `/models` is cheap (10 s); a first completion may wait behind a busy batch (30 s, well
 * under GitLab's 60 s default AI-gateway timeout, gitlab-ai-gateway.md §5.1).
 */
export const DEFAULT_STEP_TIMEOUTS: StepTimeouts = { dns: 3_000, tcp: 3_000, tls: 3_000, http: 10_000, completion: 30_000 };

/** vLLM's default port (`vllm serve --port`, gitlab-ai-gateway.md §9: `http(s)://host:8000/v1`). */
export const VLLM_DEFAULT_PORT = 8000;

/** A certificate that expires sooner than this is a warning (our choice: two weeks to renew it). */
const CERT_EXPIRY_WARNING_MS = 14 * 24 * 60 * 60 * 1000;

/** A one-token completion slower than this is a warning: code completion is interactive (our choice). */
const SLOW_COMPLETION_MS = 5_000;

/** Bodies are read up to this many bytes: a model list is a few KB; an error page needs only its start. */
const MAX_BODY_BYTES = 1024 * 1024;

/** How much of an unexpected body a message quotes. */
const EXCERPT_CHARS = 200;

/** How many served names a message lists. */
const MAX_LISTED_NAMES = 10;

const STEP_LABELS: Record<ConnectionStepId, string> = {
  url: 'Endpoint URL',
  dns: 'DNS resolve',
  tcp: 'TCP connect',
  tls: 'TLS handshake',
  http: 'HTTP: list models',
  model: 'Model served',
  completion: 'One-token completion',
  latency: 'Latency',
};

/** What a pure check returns; the orchestrator adds id, label and duration. */
export interface StepVerdict {
  status: ConnectionStepStatus;
  detail: string;
  hint: string | null;
}

const verdict = (status: ConnectionStepStatus, detail: string, hint: string | null = null): StepVerdict => ({ status, detail, hint });

// ---------------------------------------------------------------------------------------------
// Secrets
// ---------------------------------------------------------------------------------------------

/**
 * Replaces every occurrence of `secret` in `text` (plain and URL-encoded) with its masked form.
 * Applied to anything a server or a library wrote (a body may echo the key), and once more to
 * every step before it is returned. Any length is scrubbed: a short key garbles text, not secrecy.
 */
export function scrubSecret(text: string, secret: string | null): string {
  if (!secret) return text;
  const masked = maskSecret(secret);
  let out = text.split(secret).join(masked);
  const encoded = encodeURIComponent(secret);
  if (encoded !== secret) out = out.split(encoded).join(masked);
  return out;
}

/** "key …abcd was sent" / "no key was sent", for messages about authentication. */
function describeKeySent(apiKey: string | null): string {
  if (!apiKey) return 'no API key was sent';
  const masked = maskSecret(apiKey);
  return masked === '…' ? 'an API key was sent' : `API key ${masked} was sent`;
}

// ---------------------------------------------------------------------------------------------
// Step 1: the URL (pure)
// ---------------------------------------------------------------------------------------------

const isVllm = (platform: ConnectionPlatform) => platform === 'vllm-local' || platform === 'vllm-remote';
const isOpenAiSpeaking = (platform: ConnectionPlatform) => isVllm(platform) || platform === 'openai-compatible';

/** The URL step's verdict, plus the parsed URL when the later steps can use it. */
export interface UrlCheck extends StepVerdict {
  url: URL | null;
  /** A corrected endpoint to offer, when there is one. */
  suggestion: string | null;
}

/** The URL as shown in messages: no user name or password, no trailing slash. */
export function displayUrl(url: URL): string {
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  return copy.href.replace(/\/+$/, '');
}

/** The host name without IPv6 brackets: `[::1]` → `::1`. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/** The URL's port, or the scheme's default. */
export function portOf(url: URL): number {
  if (url.port !== '') return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

/**
 * The endpoint with its path ending in `/v1`: a path that already names an API route
 * (`/v1/models`, `/v1/chat/completions`…) is cut back to `/v1`; any other path gets `/v1` appended.
 */
export function suggestV1Endpoint(url: URL): string {
  const copy = new URL(displayUrl(url));
  copy.search = '';
  copy.hash = '';
  const path = copy.pathname.replace(/\/+$/, '');
  const v1 = path.match(/^(.*\/v1)(\/.*)?$/);
  copy.pathname = v1?.[1] ?? `${path}/v1`;
  return displayUrl(copy);
}

/** Step 1: the endpoint parses, is http/https, and (for vLLM) ends in `/v1`. */
export function checkEndpointUrl(endpoint: string, platform: ConnectionPlatform): UrlCheck {
  const trimmed = endpoint.trim();
  const example = `http://10.0.0.5:${VLLM_DEFAULT_PORT}/v1`;
  if (trimmed === '') {
    // GitLab's gateway ignores the endpoint for Bedrock (gitlab-ai-gateway.md §2.3, rule 3).
    if (platform === 'bedrock') {
      return { ...verdict('warning', 'No endpoint given: GitLab\'s AI gateway ignores it for bedrock/… identifiers and uses AWS\'s regional endpoint, so there is nothing to test from here.'), url: null, suggestion: null };
    }
    return { ...verdict('failed', 'No endpoint given.', `Enter the server's URL, e.g. ${example}.`), url: null, suggestion: null };
  }
  const url = tryUrl(trimmed, false);
  // `10.0.0.5:8000/v1` does not parse and `localhost:8000/v1` parses with scheme "localhost:";
  // both mean a missing `http://`.
  const withScheme = trimmed.includes('://') ? null : tryUrl(`http://${trimmed}`);
  if (!url || (!['http:', 'https:'].includes(url.protocol) && withScheme)) {
    if (withScheme) {
      const suggestion = isVllm(platform) ? suggestV1Endpoint(withScheme) : displayUrl(withScheme);
      return { ...verdict('failed', `"${trimmed}" has no http:// or https:// scheme.`, `Write the full URL: ${suggestion}`), url: null, suggestion };
    }
    return { ...verdict('failed', `"${trimmed}" is not a URL.`, `Enter a full URL such as ${example}.`), url: null, suggestion: null };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ...verdict('failed', `Scheme ${url.protocol} is not supported: only http and https.`, `Enter an http:// or https:// URL such as ${example}.`), url: null, suggestion: null };
  }
  if (url.username !== '' || url.password !== '') {
    // Never echo the password; the user name alone is not secret but is left out too.
    return {
      ...verdict('failed', `${displayUrl(url)} carries a user name or password in the URL.`, 'Remove them from the URL and put the key in the API key field: Airlock sends it as a Bearer token.'),
      url: null,
      suggestion: displayUrl(url),
    };
  }
  if (url.search !== '' || url.hash !== '') {
    const clean = new URL(url.href);
    clean.search = '';
    clean.hash = '';
    return {
      ...verdict('failed', `${displayUrl(url)} has a query string or fragment; API paths are appended to the endpoint, so it would end up in the middle of them.`, `Use ${displayUrl(clean)}.`),
      url: null,
      suggestion: displayUrl(clean),
    };
  }
  const shown = displayUrl(url);
  const path = url.pathname.replace(/\/+$/, '');
  const endsInV1 = path.endsWith('/v1');
  const notes: string[] = [];
  if (isOpenAiSpeaking(platform) && !endsInV1) {
    const suggestion = suggestV1Endpoint(url);
    // GitLab's form wants an OpenAI-compatible URL ending in /v1 (gitlab-ai-gateway.md §5.2, §9);
    // vLLM serves its API under /v1 (vllm.md §3.1). Other OpenAI-compatible servers may differ.
    if (isVllm(platform)) {
      return { ...verdict('failed', `${shown}: a vLLM endpoint must end with /v1 (path is "${url.pathname}").`, `Use ${suggestion}`), url, suggestion };
    }
    return {
      ...verdict('warning', `${shown}: the path does not end with /v1, which GitLab expects of an OpenAI-compatible endpoint.`, `Unless this server documents another base path, use ${suggestion}`),
      url,
      suggestion,
    };
  }
  if (isVllm(platform) && url.port === '') {
    const withPort = new URL(shown);
    withPort.port = String(VLLM_DEFAULT_PORT);
    // The port may be left out behind a proxy (gitlab-ai-gateway.md §9), so this only warns.
    return {
      ...verdict(
        'warning',
        `${shown}: no port given, so ${url.protocol === 'https:' ? 'https uses 443' : 'http uses 80'}; vLLM listens on ${VLLM_DEFAULT_PORT} by default.`,
        `Unless a proxy serves vLLM on the default port, use ${displayUrl(withPort)}`,
      ),
      url,
      suggestion: displayUrl(withPort),
    };
  }
  if (url.protocol === 'http:' && (platform === 'bedrock' || platform === 'azure-openai')) {
    return { ...verdict('warning', `${shown}: plain http to a ${platform === 'bedrock' ? 'Bedrock' : 'Azure OpenAI'} endpoint.`, 'These services are reached over https.'), url, suggestion: null };
  }
  if (url.pathname !== '/' && url.pathname !== path) notes.push('the trailing / is dropped, as GitLab\'s gateway does');
  const port = url.port === '' ? `port ${portOf(url)} (scheme default)` : `port ${url.port}`;
  return { ...verdict('ok', `${url.protocol.slice(0, -1)} to ${hostOf(url)}, ${port}, path ${path || '/'}${notes.length > 0 ? `; ${notes.join('; ')}` : ''}.`), url, suggestion: null };
}

/** The parsed URL, or null; `needsHost` also refuses URLs without a host name. */
function tryUrl(text: string, needsHost = true): URL | null {
  try {
    const url = new URL(text);
    return needsHost && url.hostname === '' ? null : url;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Steps 2–4: DNS, TCP, TLS messages (pure)
// ---------------------------------------------------------------------------------------------

/** Node's error code (`ECONNREFUSED`…), or the DOMException name for aborts (`TimeoutError`). */
export function errorCode(error: unknown): string {
  if (error && typeof error === 'object') {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const cause = (error as { cause?: unknown }).cause;
    if (cause && typeof cause === 'object' && typeof (cause as { code?: unknown }).code === 'string') return (cause as { code: string }).code;
    const name = (error as { name?: unknown }).name;
    if (name === 'TimeoutError' || name === 'AbortError') return 'TimeoutError';
  }
  return 'UNKNOWN';
}

/** "3 s", "2.5 s", or "20 ms" below a second. */
const seconds = (ms: number) => (ms < 1000 ? `${ms} ms` : `${Number((ms / 1000).toFixed(1))} s`);

/** Step 2's verdict for a lookup that threw. */
export function describeDnsError(hostname: string, code: string, timeoutMs: number): StepVerdict {
  const resolverHint = 'Check this host\'s DNS servers (/etc/resolv.conf); in an air-gapped network an IP address or an /etc/hosts entry avoids DNS.';
  if (code === 'TimeoutError') return verdict('failed', `Looking up "${hostname}" took longer than ${seconds(timeoutMs)}.`, resolverHint);
  if (code === 'ENOTFOUND' || code === 'ENODATA') {
    return verdict('failed', `No address found for "${hostname}" (${code}).`, 'Check the host name for typos, or add it to DNS or to /etc/hosts on this machine.');
  }
  if (code === 'EAI_AGAIN') return verdict('failed', `Looking up "${hostname}" failed for now (EAI_AGAIN): the DNS server did not answer.`, resolverHint);
  return verdict('failed', `Looking up "${hostname}" failed (${code}).`, resolverHint);
}

/** Step 3's verdict for a connection that failed: refused, timed out, unreachable, or other. */
export function describeTcpError(where: string, port: number, code: string, timeoutMs: number): StepVerdict {
  switch (code) {
    case 'ECONNREFUSED':
      // vllm.md §3.2: connection refused means the server is not (yet, or any more) listening.
      return verdict(
        'failed',
        `Connection to ${where} refused: nothing is listening on port ${port}.`,
        `Start the server or fix the port. A vLLM server refuses connections while it is still starting or after it stopped; its default port is ${VLLM_DEFAULT_PORT}.`,
      );
    case 'TimeoutError':
    case 'ETIMEDOUT':
      return verdict('failed', `No answer from ${where} within ${seconds(timeoutMs)} (timed out).`, `The host is down or a firewall drops the packets: check that this machine may reach port ${port} there.`);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
    case 'ENETDOWN':
      return verdict('failed', `${where} is unreachable (${code}): no route to that host.`, 'Check the address and this machine\'s network and routes; the host may be down.');
    case 'EADDRNOTAVAIL':
      return verdict('failed', `Cannot connect to ${where} (EADDRNOTAVAIL).`, 'The address is not usable from this machine: check it.');
    default:
      return verdict('failed', `Could not connect to ${where} (${code}).`, 'Check the address and port, and that the server is running.');
  }
}

/** "CN=airlock.local, O=Acme" from a certificate's subject or issuer. */
function formatDistinguishedName(name: PeerCertificate['subject'] | undefined): string | null {
  if (!name) return null;
  const parts = Object.entries(name).map(([key, value]) => `${key}=${Array.isArray(value) ? value.join('+') : String(value)}`);
  return parts.length > 0 ? parts.join(', ') : null;
}

const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Codes that mean "signed by a CA this machine does not trust" (OpenSSL's X509_V_ERR_* names, as Node reports them). */
const UNKNOWN_CA_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);

/** The hint for an untrusted certificate. Verification stays on: the fix is to trust the right CA. */
export const UNKNOWN_CA_HINT =
  'Install the CA certificate that issued it on this machine (add it to the system trust store and point NODE_EXTRA_CA_CERTS at its PEM file), ' +
  'and make GitLab\'s AI gateway trust it too (SSL_CERT_FILE / REQUESTS_CA_BUNDLE). Airlock never turns certificate verification off.';

/** Step 4's verdict from what the handshake showed, at time `now` (epoch ms). */
export function describeTlsPeer(peer: TlsPeerInfo, hostname: string, now: number): StepVerdict {
  const cert = `certificate ${peer.subject ?? '(no subject)'}, issued by ${peer.issuer ?? '(no issuer)'}${peer.validTo !== null ? `, valid until ${isoDate(peer.validTo)}` : ''}`;
  const protocol = peer.protocol ?? 'TLS';
  if (!peer.authorized) {
    const code = peer.authorizationError ?? 'UNKNOWN';
    if (UNKNOWN_CA_CODES.has(code)) {
      const selfSigned = code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || code === 'SELF_SIGNED_CERT_IN_CHAIN' ? 'self-signed, ' : '';
      return verdict('failed', `${protocol}: ${cert} is not trusted (${selfSigned}unknown CA: ${code}).`, UNKNOWN_CA_HINT);
    }
    if (code === 'CERT_HAS_EXPIRED') return verdict('failed', `${protocol}: ${cert} has expired (${code}).`, 'Renew the server\'s certificate.');
    if (code === 'CERT_NOT_YET_VALID') {
      return verdict('failed', `${protocol}: ${cert} is not valid before ${peer.validFrom !== null ? isoDate(peer.validFrom) : 'a later date'} (${code}).`, 'Check the clock on this machine and on the server.');
    }
    if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
      return verdict(
        'failed',
        `${protocol}: ${cert} does not name "${hostname}" (it names ${peer.subjectAltNames ?? 'no alternative names'}).`,
        'Use a host name the certificate names in the endpoint, or reissue the certificate with this name in its subjectAltName.',
      );
    }
    return verdict('failed', `${protocol}: ${cert} was rejected (${code}).`, 'Fix the server\'s certificate; Airlock never turns certificate verification off.');
  }
  if (peer.validTo !== null && peer.validTo - now < CERT_EXPIRY_WARNING_MS) {
    const days = Math.max(0, Math.floor((peer.validTo - now) / 86_400_000));
    return verdict('warning', `${protocol}: ${cert}: expires in ${days} day${days === 1 ? '' : 's'}.`, 'Renew the server\'s certificate before it expires.');
  }
  return verdict('ok', `${protocol}: ${cert}.`);
}

/** Step 4's verdict for a handshake that did not complete. */
export function describeTlsError(where: string, error: unknown, timeoutMs: number): StepVerdict {
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'TimeoutError') return verdict('failed', `No TLS handshake with ${where} within ${seconds(timeoutMs)}.`, 'The port may not speak TLS: check the scheme (http or https) and the port.');
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number|packet length too long/i.test(message)) {
    return verdict('failed', `${where} does not speak TLS (${code}).`, 'The server speaks plain HTTP on this port: use an http:// endpoint, or enable TLS on the server.');
  }
  return verdict('failed', `TLS handshake with ${where} failed (${code}).`, 'Check that the server has TLS enabled on this port and accepts TLS 1.2 or newer.');
}

// ---------------------------------------------------------------------------------------------
// Step 5: HTTP status (pure)
// ---------------------------------------------------------------------------------------------

/** Whitespace collapsed, cut to a short excerpt, the key scrubbed. */
export function bodyExcerpt(body: string, apiKey: string | null): string {
  const flat = scrubSecret(body, apiKey).replace(/\s+/g, ' ').trim();
  return flat.length > EXCERPT_CHARS ? `${flat.slice(0, EXCERPT_CHARS)}…` : flat;
}

const statusLine = (status: number) => `${status}${STATUS_CODES[status] ? ` ${STATUS_CODES[status]}` : ''}`;

/** Context a status message needs: what was requested, with which key, from which endpoint. */
export interface HttpContext {
  method: 'GET' | 'POST';
  url: string;
  endpoint: URL;
  apiKey: string | null;
  durationMs: number;
  location?: string | null;
}

/** Step 5's verdict for an HTTP status: 401/403 → key, 404 → path, 3xx → redirect, others with an excerpt. */
export function describeHttpStatus(status: number, body: string, context: HttpContext): StepVerdict {
  const request = `${context.method} ${context.url} → ${statusLine(status)}`;
  if (status >= 200 && status < 300) return verdict('ok', `${request} in ${context.durationMs} ms.`);
  if (status === 401 || status === 403) {
    // vLLM answers 401 {"error":"Unauthorized"} for a missing or wrong Bearer token (vllm.md §3.3).
    return verdict(
      'failed',
      `${request}: API key wrong or missing (${describeKeySent(context.apiKey)}).`,
      context.apiKey
        ? 'Enter the key the server was started with (vLLM: --api-key or VLLM_API_KEY).'
        : 'The server requires an API key: enter the key it was started with (vLLM: --api-key or VLLM_API_KEY).',
    );
  }
  if (status === 404) {
    const path = context.endpoint.pathname.replace(/\/+$/, '');
    return verdict(
      'failed',
      `${request}: path wrong, nothing is served there.`,
      path.endsWith('/v1')
        ? 'Check that the endpoint is the server\'s OpenAI-compatible API base (vLLM: http://host:8000/v1) and that no proxy rewrites the path.'
        : `Try ${suggestV1Endpoint(context.endpoint)}: OpenAI-compatible servers, vLLM included, serve their API under /v1.`,
    );
  }
  if (status >= 300 && status < 400) {
    const location = context.location ? `, redirected to ${scrubSecret(context.location, context.apiKey)}` : '';
    return verdict(
      'failed',
      `${request}${location}.`,
      'Use the address it redirects to as the endpoint: Airlock does not follow redirects, so it only ever talks to the endpoint you configured.',
    );
  }
  const excerpt = bodyExcerpt(body, context.apiKey);
  const seen = `${request}${excerpt ? `: ${excerpt}` : ' (empty body)'}`;
  if (status >= 500) return verdict('failed', seen, 'The server failed to answer: look at its log (Airlock\'s Services page for a local vLLM).');
  return verdict('failed', seen, 'The server refused the request: see its message above.');
}

/** Step 5's (or 7's) verdict for a request that got no HTTP answer. */
export function describeFetchError(method: 'GET' | 'POST', url: string, error: unknown, timeoutMs: number, apiKey: string | null): StepVerdict {
  const code = errorCode(error);
  if (code === 'TimeoutError') {
    return verdict('failed', `${method} ${url}: no complete answer within ${seconds(timeoutMs)}.`, 'The server accepts connections but does not answer: is it overloaded, or is this the right port?');
  }
  const raw = error instanceof Error ? `${error.message}${error.cause instanceof Error ? `: ${error.cause.message}` : ''}` : String(error);
  return verdict('failed', `${method} ${url} failed (${code}): ${bodyExcerpt(raw, apiKey)}.`, 'Check that an HTTP server (OpenAI-compatible) answers at this address and that the scheme (http or https) is right.');
}

// ---------------------------------------------------------------------------------------------
// Step 6: served model name (pure)
// ---------------------------------------------------------------------------------------------

/** An identifier split as GitLab's gateway does: on the first `/`; no `/` means `custom_openai` (gitlab-ai-gateway.md §2.3). */
export function parseModelIdentifier(identifier: string): { provider: string; model: string } {
  const trimmed = identifier.trim();
  const slash = trimmed.indexOf('/');
  if (slash < 0) return { provider: 'custom_openai', model: trimmed };
  return { provider: trimmed.slice(0, slash), model: trimmed.slice(slash + 1) };
}

/** The `data[].id` values of an OpenAI `/v1/models` answer, or null when the body is not one. */
export function parseModelList(body: string): string[] | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return null;
  }
  const data = parsed && typeof parsed === 'object' ? (parsed as { data?: unknown }).data : undefined;
  if (!Array.isArray(data)) return null;
  return data.flatMap((entry) => (entry && typeof entry === 'object' && typeof (entry as { id?: unknown }).id === 'string' ? [(entry as { id: string }).id] : []));
}

/** Edit distance (insert, delete, substitute), for "did you mean". */
export function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** How a wanted name relates to the served ones. */
export type ServedNameMatch =
  | { kind: 'exact'; name: string }
  | { kind: 'suggestion'; name: string; why: 'case' | 'separators' | 'prefixed' | 'similar' }
  | { kind: 'none' };

const normaliseName = (name: string) => name.toLowerCase().replace(/[-_.\s]/g, '');

/** Finds `wanted` among the served names, or the closest one: same but for case, for - _ . separators, a `custom_openai/` prefix, or a small edit distance. */
export function matchServedName(wanted: string, served: readonly string[]): ServedNameMatch {
  if (served.includes(wanted)) return { kind: 'exact', name: wanted };
  const lower = wanted.toLowerCase();
  const byCase = served.find((name) => name.toLowerCase() === lower);
  if (byCase) return { kind: 'suggestion', name: byCase, why: 'case' };
  const bySeparators = served.find((name) => normaliseName(name) === normaliseName(wanted));
  if (bySeparators) return { kind: 'suggestion', name: bySeparators, why: 'separators' };
  // GitLab's offline guide starts vLLM with --served_model_name custom_openai/<name> (gitlab-ai-gateway.md §9).
  const prefixed = served.find((name) => name === `custom_openai/${wanted}`);
  if (prefixed) return { kind: 'suggestion', name: prefixed, why: 'prefixed' };
  let best: { name: string; distance: number } | null = null;
  for (const name of served) {
    const distance = levenshtein(lower, name.toLowerCase());
    if (!best || distance < best.distance) best = { name, distance };
  }
  // A third of the length (at least 2) still catches a typo or a dropped version suffix without
  // offering an unrelated model.
  if (best && best.distance <= Math.max(2, Math.floor(wanted.length / 3))) return { kind: 'suggestion', name: best.name, why: 'similar' };
  return { kind: 'none' };
}

const quoteList = (names: readonly string[]) =>
  names.length === 0
    ? '(none)'
    : `${names.slice(0, MAX_LISTED_NAMES).map((name) => `"${name}"`).join(', ')}${names.length > MAX_LISTED_NAMES ? ` and ${names.length - MAX_LISTED_NAMES} more` : ''}`;

/** Step 6's verdict, and the served name the completion should use (null when none fits). */
export function checkServedModel(identifier: string | null, served: readonly string[], platform: ConnectionPlatform): StepVerdict & { model: string | null } {
  const list = `Served: ${quoteList(served)}.`;
  if (served.length === 0) {
    return { ...verdict('failed', 'The server lists no models.', 'Start the server with a model (vLLM: --served-model-name <name>), then set the identifier to custom_openai/<name>.'), model: null };
  }
  if (!identifier || identifier.trim() === '') {
    const first = served[0] ?? null;
    if (isVllm(platform)) {
      return { ...verdict('warning', `No model identifier given. ${list}`, `GitLab needs one for vLLM: custom_openai/${first}.`), model: first };
    }
    return { ...verdict('ok', `No model identifier given; the completion test uses the first served model. ${list}`), model: first };
  }
  const { provider, model } = parseModelIdentifier(identifier);
  const accepted = platform === 'openai-compatible' ? ['custom_openai', 'openai'] : ['custom_openai'];
  if (!accepted.includes(provider)) {
    const guess = matchServedName(identifier.trim(), served);
    const suggestion = guess.kind === 'none' ? `custom_openai/<served name>` : `custom_openai/${guess.name}`;
    return {
      ...verdict(
        'failed',
        `Identifier "${identifier}" names provider "${provider}", which does not send requests to an OpenAI-compatible server. ${list}`,
        `GitLab's gateway takes the part before the first / as the provider: use ${suggestion}.`,
      ),
      model: null,
    };
  }
  const match = matchServedName(model, served);
  if (match.kind === 'exact') return { ...verdict('ok', `"${model}" (from ${identifier}) is served. ${list}`), model };
  const seen = `The server does not serve "${model}" (from identifier ${identifier}). ${list}`;
  if (match.kind === 'none') {
    return { ...verdict('failed', seen, `Set the identifier to ${provider}/<one of the served names>, or start the server with --served-model-name ${model}.`), model: null };
  }
  if (match.why === 'prefixed') {
    return {
      ...verdict(
        'failed',
        seen,
        `The server's name itself starts with custom_openai/, and GitLab strips that prefix from the identifier: restart vLLM with --served-model-name ${model}, or set the identifier to custom_openai/${match.name}.`,
      ),
      model: null,
    };
  }
  return { ...verdict('failed', seen, `Did you mean "${match.name}"? Set the identifier to ${provider}/${match.name}.`), model: null };
}

// ---------------------------------------------------------------------------------------------
// Real network dependencies
// ---------------------------------------------------------------------------------------------

/** Settles with `work`, or rejects with the signal's reason when it aborts first. */
function raceSignal<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** getaddrinfo, as the HTTP client will use it (so /etc/hosts counts), every address in the resolver's order. */
async function realLookup(hostname: string, signal: AbortSignal): Promise<ResolvedAddress[]> {
  const found = await raceSignal(dnsLookup(hostname, { all: true, order: 'verbatim' }), signal);
  return found.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
}

/** Opens a TCP connection and closes it at once. */
function realConnectTcp(target: ConnectTarget, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const socket = netConnect({ host: target.address, port: target.port });
    const finish = (error?: unknown) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      if (error === undefined) resolve();
      else reject(error);
    };
    const onAbort = () => finish(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => finish());
    socket.once('error', (error) => finish(error));
  });
}

/**
 * Completes a TLS handshake, reads the peer certificate and closes. `rejectUnauthorized: false`
 * only so a rejected certificate can still be described (subject, issuer, dates); the verdict comes
 * from Node's own chain and host-name checks (`authorized`, `authorizationError`), and an untrusted
 * certificate fails the step. No byte of application data is sent on this socket.
 */
function realTlsHandshake(target: ConnectTarget & { servername: string | null }, signal: AbortSignal): Promise<TlsPeerInfo> {
  return new Promise<TlsPeerInfo>((resolve, reject) => {
    const socket = tlsConnect({
      host: target.address,
      port: target.port,
      // SNI must not be an IP address (RFC 6066 §3); without it Node checks the certificate against `host`.
      ...(target.servername ? { servername: target.servername } : {}),
      rejectUnauthorized: false,
    });
    const finish = (error: unknown, info?: TlsPeerInfo) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      if (info) resolve(info);
      else reject(error);
    };
    const onAbort = () => finish(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate();
      const date = (text: string | undefined) => {
        const ms = text ? Date.parse(text) : Number.NaN;
        return Number.isFinite(ms) ? ms : null;
      };
      const error = socket.authorizationError as unknown;
      finish(undefined, {
        authorized: socket.authorized,
        authorizationError: error === null || error === undefined ? null : error instanceof Error ? errorCode(error) : String(error),
        protocol: socket.getProtocol(),
        subject: formatDistinguishedName(cert.subject),
        issuer: formatDistinguishedName(cert.issuer),
        subjectAltNames: cert.subjectaltname ?? null,
        validFrom: date(cert.valid_from),
        validTo: date(cert.valid_to),
      });
    });
    socket.once('error', (error) => finish(error));
  });
}

/** The real network, the global fetch (undici) and the system clock. */
export const defaultConnectionTestDeps: ConnectionTestDeps = {
  lookup: realLookup,
  connectTcp: realConnectTcp,
  tlsHandshake: realTlsHandshake,
  fetch: (url, init) => fetch(url, init),
  now: () => Date.now(),
  timeouts: DEFAULT_STEP_TIMEOUTS,
};

// ---------------------------------------------------------------------------------------------
// Orchestration
// ---------------------------------------------------------------------------------------------

/** Reads at most MAX_BODY_BYTES of a body as UTF-8, then cancels the rest. */
async function readBody(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < MAX_BODY_BYTES) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  if (size >= MAX_BODY_BYTES) await reader.cancel().catch(() => undefined);
  return Buffer.concat(chunks).toString('utf8').slice(0, MAX_BODY_BYTES);
}

/** One HTTP exchange bounded by `timeoutMs` (headers and body); redirects are returned, not followed. */
async function exchange(deps: ConnectionTestDeps, url: string, init: RequestInit, timeoutMs: number): Promise<{ status: number; body: string; location: string | null }> {
  const signal = AbortSignal.timeout(timeoutMs);
  return raceSignal(
    (async () => {
      const response = await deps.fetch(url, { ...init, redirect: 'manual', signal });
      const body = await readBody(response);
      return { status: response.status, body, location: response.headers.get('location') };
    })(),
    signal,
  );
}

/** Request headers: the Bearer token when there is a key, a JSON content type for POST bodies. */
function headersFor(apiKey: string | null, json: boolean): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (json) headers['content-type'] = 'application/json';
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  return headers;
}

/** A key with spaces, line breaks or non-ASCII cannot go into a header (RFC 9110 §5.5); a pasted key often ends in a newline. */
function checkKeyShape(apiKey: string | null): StepVerdict | null {
  if (!apiKey || /^[\x21-\x7e]+$/.test(apiKey)) return null;
  const edges = apiKey.trim() !== apiKey ? ' It starts or ends with a space or line break.' : '';
  return verdict('failed', `The API key contains characters that cannot be sent in an HTTP header.${edges}`, 'Re-enter the key without spaces or line breaks.');
}

/** The text of a completion's first choice, if the body is one. */
function completionText(body: string): string | null {
  try {
    const parsed = JSON.parse(body) as { choices?: Array<{ text?: unknown; message?: { content?: unknown } }> };
    const choice = parsed.choices?.[0];
    if (!choice) return null;
    if (typeof choice.text === 'string') return choice.text;
    if (typeof choice.message?.content === 'string') return choice.message.content;
    return '';
  } catch {
    return null;
  }
}

/** Why the OpenAI-specific steps do not apply to Bedrock and Azure. */
function notOpenAiReason(platform: ConnectionPlatform): string {
  return platform === 'bedrock'
    ? 'Not applicable to Bedrock: its API is AWS-signed (SigV4) with credentials that GitLab\'s AI gateway holds, not an OpenAI /models list; reachability was checked above.'
    : 'Not applicable to Azure OpenAI: it serves deployment-scoped paths (/openai/deployments/<deployment>/…?api-version=…) with an api-key header; reachability was checked above.';
}

/**
 * Tests a deployment's endpoint step by step and reports every step in order. Never throws:
 * a failure is a step with a reason. Steps after a failed one are skipped.
 */
export async function testConnection(input: ConnectionTestInput, deps: Partial<ConnectionTestDeps> = {}): Promise<ConnectionTestResult> {
  const d: ConnectionTestDeps = { ...defaultConnectionTestDeps, ...deps, timeouts: { ...DEFAULT_STEP_TIMEOUTS, ...deps.timeouts } };
  const { platform, apiKey } = input;
  const startedAt = d.now();
  const steps: ConnectionStep[] = [];
  // What the steps learn, for the steps after them (an object: closures assign it).
  const seen: {
    failed: ConnectionStep | null;
    addresses: ResolvedAddress[];
    reached: ResolvedAddress | null;
    served: string[];
    model: string | null;
    modelsMs: number | null;
    completionMs: number | null;
  } = { failed: null, addresses: [], reached: null, served: [], model: null, modelsMs: null, completionMs: null };

  /** Runs one step unless an earlier one failed; `skip` is a reason not to run it at all. */
  const step = async (id: ConnectionStepId, run: () => Promise<StepVerdict> | StepVerdict, skip?: string | null): Promise<ConnectionStep> => {
    const label = STEP_LABELS[id];
    if (seen.failed) {
      const record: ConnectionStep = { id, label, status: 'skipped', durationMs: 0, detail: `Not run: step "${seen.failed.label}" failed.`, hint: null };
      steps.push(record);
      return record;
    }
    if (skip) {
      const record: ConnectionStep = { id, label, status: 'skipped', durationMs: 0, detail: skip, hint: null };
      steps.push(record);
      return record;
    }
    const began = d.now();
    let outcome: StepVerdict;
    try {
      outcome = await run();
    } catch (error) {
      // The steps catch what they expect; anything else is still a reason, not a crash.
      outcome = verdict('failed', `Unexpected error (${errorCode(error)}): ${bodyExcerpt(error instanceof Error ? error.message : String(error), apiKey)}`, null);
    }
    const record: ConnectionStep = { id, label, durationMs: Math.max(0, Math.round(d.now() - began)), ...outcome };
    steps.push(record);
    if (record.status === 'failed') seen.failed = record;
    return record;
  };

  // 1. URL
  const urlCheck = checkEndpointUrl(input.endpoint, platform);
  await step('url', () => urlCheck);
  const url = urlCheck.url;
  const noEndpoint = url ? null : 'No endpoint to test.';
  const host = url ? hostOf(url) : '';
  const port = url ? portOf(url) : 0;
  const isHttps = url?.protocol === 'https:';
  const base = url ? displayUrl(url) : '';

  // 2. DNS
  if (url && isIP(host) !== 0) seen.addresses = [{ address: host, family: isIP(host) === 6 ? 6 : 4 }];
  await step(
    'dns',
    async () => {
      const signal = AbortSignal.timeout(d.timeouts.dns);
      try {
        seen.addresses = await raceSignal(d.lookup(host, signal), signal);
      } catch (error) {
        return describeDnsError(host, errorCode(error), d.timeouts.dns);
      }
      if (seen.addresses.length === 0) return describeDnsError(host, 'ENODATA', d.timeouts.dns);
      return verdict('ok', `${host} → ${seen.addresses.map((entry) => entry.address).join(', ')}.`);
    },
    noEndpoint ?? (isIP(host) !== 0 ? `${host} is an IP address: nothing to resolve.` : null),
  );

  // 3. TCP: each address in the resolver's order (localhost is often ::1 first while a server
  // listens on 127.0.0.1 only) until one accepts; the first address's error is the reason.
  await step(
    'tcp',
    async () => {
      const attempts: Array<{ address: string; code: string }> = [];
      for (const candidate of seen.addresses.slice(0, 4)) {
        const signal = AbortSignal.timeout(d.timeouts.tcp);
        try {
          await raceSignal(d.connectTcp({ address: candidate.address, port }, signal), signal);
          seen.reached = candidate;
          const tried = attempts.length > 0 ? ` (after ${attempts.map((entry) => `${entry.address}: ${entry.code}`).join(', ')})` : '';
          return verdict('ok', `Connected to ${where(host, candidate.address, port)}${tried}.`);
        } catch (error) {
          attempts.push({ address: candidate.address, code: errorCode(error) });
        }
      }
      const first = attempts[0];
      if (!first) return verdict('failed', `No address to connect to for ${host}.`, 'Check the host name.');
      const reason = describeTcpError(where(host, first.address, port), port, first.code, d.timeouts.tcp);
      const others = attempts.slice(1).map((entry) => `${entry.address}: ${entry.code}`);
      return others.length > 0 ? { ...reason, detail: `${reason.detail} Also tried ${others.join(', ')}.` } : reason;
    },
    noEndpoint,
  );

  // 4. TLS
  await step(
    'tls',
    async () => {
      const target = seen.reached ?? seen.addresses[0];
      if (!target) return verdict('failed', 'No address to connect to.', null);
      const signal = AbortSignal.timeout(d.timeouts.tls);
      try {
        const peer = await raceSignal(d.tlsHandshake({ address: target.address, port, servername: isIP(host) === 0 ? host : null }, signal), signal);
        return describeTlsPeer(peer, host, d.now());
      } catch (error) {
        return describeTlsError(where(host, target.address, port), error, d.timeouts.tls);
      }
    },
    noEndpoint ?? (isHttps ? null : `http:// endpoint: no TLS${apiKey ? ', so the API key travels unencrypted' : ''}.`),
  );

  // 5–7 speak OpenAI's API; Bedrock and Azure stop at reachability.
  const notOpenAi = isOpenAiSpeaking(platform) ? null : notOpenAiReason(platform);
  await step(
    'http',
    async () => {
      // Skipped without a URL (noEndpoint); the guard only narrows the type.
      const endpoint = url;
      if (!endpoint) return verdict('failed', 'No endpoint to test.');
      const badKey = checkKeyShape(apiKey);
      if (badKey) return badKey;
      const target = `${base}/models`;
      const began = d.now();
      let answer: { status: number; body: string; location: string | null };
      try {
        answer = await exchange(d, target, { method: 'GET', headers: headersFor(apiKey, false) }, d.timeouts.http);
      } catch (error) {
        return describeFetchError('GET', target, error, d.timeouts.http, apiKey);
      }
      const ms = Math.round(d.now() - began);
      seen.modelsMs = ms;
      const outcome = describeHttpStatus(answer.status, answer.body, { method: 'GET', url: target, endpoint, apiKey, durationMs: ms, location: answer.location });
      if (outcome.status !== 'ok') return outcome;
      const list = parseModelList(answer.body);
      if (list === null) {
        return verdict('failed', `GET ${target} → ${statusLine(answer.status)}, but the body is not an OpenAI model list: ${bodyExcerpt(answer.body, apiKey) || '(empty)'}`, 'Check that the endpoint is an OpenAI-compatible API base (vLLM: http://host:8000/v1).');
      }
      seen.served = list;
      return verdict('ok', `${outcome.detail.replace(/\.$/, '')}, ${list.length} model${list.length === 1 ? '' : 's'} listed.`);
    },
    noEndpoint ?? notOpenAi,
  );

  // 6. Served model name
  await step(
    'model',
    () => {
      const outcome = checkServedModel(input.identifier, seen.served, platform);
      seen.model = outcome.model;
      return verdict(outcome.status, outcome.detail, outcome.hint);
    },
    noEndpoint ?? notOpenAi,
  );

  // 7. One-token completion: /completions (what code completion uses), else chat/completions.
  await step(
    'completion',
    async () => {
      const endpoint = url;
      if (!endpoint) return verdict('failed', 'No endpoint to test.');
      const chosen = seen.model ?? '';
      const attempt = async (path: 'completions' | 'chat/completions') => {
        const target = `${base}/${path}`;
        const payload =
          path === 'completions'
            ? { model: chosen, prompt: 'Hello', max_tokens: 1, temperature: 0, stream: false }
            : { model: chosen, messages: [{ role: 'user', content: 'Hello' }], max_tokens: 1, temperature: 0, stream: false };
        const began = d.now();
        const answer = await exchange(d, target, { method: 'POST', headers: headersFor(apiKey, true), body: JSON.stringify(payload) }, d.timeouts.completion);
        return { target, answer, ms: Math.round(d.now() - began) };
      };
      let first: Awaited<ReturnType<typeof attempt>>;
      try {
        first = await attempt('completions');
      } catch (error) {
        return describeFetchError('POST', `${base}/completions`, error, d.timeouts.completion, apiKey);
      }
      let final = first;
      let fellBack = false;
      if (first.answer.status === 404) {
        try {
          final = await attempt('chat/completions');
          fellBack = true;
        } catch (error) {
          return describeFetchError('POST', `${base}/chat/completions`, error, d.timeouts.completion, apiKey);
        }
      }
      const { target, answer, ms } = final;
      const outcome = describeHttpStatus(answer.status, answer.body, { method: 'POST', url: target, endpoint, apiKey, durationMs: ms, location: answer.location });
      if (outcome.status !== 'ok') return fellBack ? { ...outcome, detail: `POST ${first.target} → 404, then ${outcome.detail}` } : outcome;
      const text = completionText(answer.body);
      if (text === null) {
        return verdict('failed', `POST ${target} → ${statusLine(answer.status)}, but the body is not a completion: ${bodyExcerpt(answer.body, apiKey) || '(empty)'}`, 'Check that the endpoint is an OpenAI-compatible API base.');
      }
      seen.completionMs = ms;
      const answered = `model "${chosen}" answered ${JSON.stringify(scrubSecret(text, apiKey).slice(0, EXCERPT_CHARS))} (max_tokens 1) in ${ms} ms`;
      if (fellBack) {
        // GitLab's code completion calls /v1/completions (gitlab-ai-gateway.md §2.3, routing table).
        return verdict(
          'warning',
          `POST ${first.target} → 404; POST ${target} → ${statusLine(answer.status)}: ${answered}.`,
          'Chat works, but the server has no /completions route, which code completion uses: serve the model with vLLM or another server that offers it.',
        );
      }
      if (ms >= SLOW_COMPLETION_MS) {
        return verdict('warning', `POST ${target} → ${statusLine(answer.status)}: ${answered}.`, 'One token took over 5 s: code completion will feel slow. Check the server\'s load and GPU.');
      }
      return verdict('ok', `POST ${target} → ${statusLine(answer.status)}: ${answered}.`);
    },
    noEndpoint ?? notOpenAi ?? (seen.model === null ? 'No served model to ask.' : null),
  );

  // 8. Latency summary: the figures measured so far.
  const figure = (id: ConnectionStepId, name: string) => {
    const found = steps.find((entry) => entry.id === id);
    return found && found.status !== 'skipped' ? `${name} ${found.durationMs} ms` : null;
  };
  const totalMs = Math.max(0, Math.round(d.now() - startedAt));
  const figures = [
    figure('dns', 'DNS'),
    figure('tcp', 'TCP'),
    figure('tls', 'TLS'),
    seen.modelsMs !== null ? `GET /models ${seen.modelsMs} ms` : null,
    seen.completionMs !== null ? `completion ${seen.completionMs} ms` : null,
  ]
    .filter((entry): entry is string => entry !== null)
    .concat(`total ${totalMs} ms`)
    .join(' · ');
  const stoppedAt = seen.failed;
  steps.push({
    id: 'latency',
    label: STEP_LABELS.latency,
    status: stoppedAt ? 'skipped' : 'ok',
    durationMs: 0,
    detail: stoppedAt ? `Stopped at step "${stoppedAt.label}". Measured: ${figures}.` : `${figures}.`,
    hint: null,
  });

  // Last line of defence: nothing that leaves this function carries the key.
  const clean = steps.map((entry) => ({ ...entry, detail: scrubSecret(entry.detail, apiKey), hint: entry.hint === null ? null : scrubSecret(entry.hint, apiKey) }));
  const firstFailed = clean.find((entry) => entry.status === 'failed') ?? null;
  return { ok: firstFailed === null, failedStep: firstFailed?.id ?? null, steps: clean, totalMs };
}

/** "vllm.internal:8000 (10.0.0.5)", or "10.0.0.5:8000" for an IP literal. IPv6 addresses get brackets. */
function where(host: string, address: string, port: number): string {
  const bracket = (name: string) => (isIP(name) === 6 ? `[${name}]` : name);
  return host === address ? `${bracket(host)}:${port}` : `${bracket(host)}:${port} (${address})`;
}

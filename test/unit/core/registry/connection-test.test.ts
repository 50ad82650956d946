import { describe, expect, it } from 'vitest';
import {
  checkEndpointUrl,
  checkServedModel,
  type ConnectionPlatform,
  type ConnectionTestDeps,
  type ConnectionTestInput,
  type ConnectionTestResult,
  describeDnsError,
  describeHttpStatus,
  describeTcpError,
  describeTlsPeer,
  levenshtein,
  matchServedName,
  parseModelIdentifier,
  parseModelList,
  scrubSecret,
  testConnection,
  type TlsPeerInfo,
  UNKNOWN_CA_HINT,
} from '../../../../electron/core/registry/connection-test';

const T0 = Date.parse('2026-11-21T12:00:00Z');
const DAY = 86_400_000;
const KEY = 'sk-canary-0123456789-WXYZ';

describe('checkEndpointUrl', () => {
  it.each<[string, ConnectionPlatform, string, string, string | null, string | null]>([
    // endpoint, platform, status, detail, hint, suggestion
    ['http://10.0.0.5:8000/v1', 'vllm-remote', 'ok', 'http to 10.0.0.5, port 8000, path /v1.', null, null],
    ['http://10.0.0.5:8000/v1/', 'vllm-local', 'ok', 'http to 10.0.0.5, port 8000, path /v1; the trailing / is dropped, as GitLab\'s gateway does.', null, null],
    ['https://llm.corp/v1', 'openai-compatible', 'ok', 'https to llm.corp, port 443 (scheme default), path /v1.', null, null],
    ['http://[::1]:8000/v1', 'vllm-local', 'ok', 'http to ::1, port 8000, path /v1.', null, null],
    ['http://10.0.0.5:8000', 'vllm-remote', 'failed', 'http://10.0.0.5:8000: a vLLM endpoint must end with /v1 (path is "/").', 'Use http://10.0.0.5:8000/v1', 'http://10.0.0.5:8000/v1'],
    ['http://h:8000/v1/models', 'vllm-remote', 'failed', 'http://h:8000/v1/models: a vLLM endpoint must end with /v1 (path is "/v1/models").', 'Use http://h:8000/v1', 'http://h:8000/v1'],
    ['http://h:8000/v1/chat/completions', 'vllm-local', 'failed', 'http://h:8000/v1/chat/completions: a vLLM endpoint must end with /v1 (path is "/v1/chat/completions").', 'Use http://h:8000/v1', 'http://h:8000/v1'],
    ['http://h:8000/api', 'vllm-remote', 'failed', 'http://h:8000/api: a vLLM endpoint must end with /v1 (path is "/api").', 'Use http://h:8000/api/v1', 'http://h:8000/api/v1'],
    ['https://llm.corp/', 'openai-compatible', 'warning', 'https://llm.corp: the path does not end with /v1, which GitLab expects of an OpenAI-compatible endpoint.', 'Unless this server documents another base path, use https://llm.corp/v1', 'https://llm.corp/v1'],
    ['http://vllm.internal/v1', 'vllm-remote', 'warning', 'http://vllm.internal/v1: no port given, so http uses 80; vLLM listens on 8000 by default.', 'Unless a proxy serves vLLM on the default port, use http://vllm.internal:8000/v1', 'http://vllm.internal:8000/v1'],
    ['10.0.0.5:8000/v1', 'vllm-remote', 'failed', '"10.0.0.5:8000/v1" has no http:// or https:// scheme.', 'Write the full URL: http://10.0.0.5:8000/v1', 'http://10.0.0.5:8000/v1'],
    ['localhost:8000', 'vllm-local', 'failed', '"localhost:8000" has no http:// or https:// scheme.', 'Write the full URL: http://localhost:8000/v1', 'http://localhost:8000/v1'],
    ['ftp://h/v1', 'openai-compatible', 'failed', 'Scheme ftp: is not supported: only http and https.', 'Enter an http:// or https:// URL such as http://10.0.0.5:8000/v1.', null],
    ['not a url', 'vllm-remote', 'failed', '"not a url" is not a URL.', 'Enter a full URL such as http://10.0.0.5:8000/v1.', null],
    ['', 'vllm-local', 'failed', 'No endpoint given.', 'Enter the server\'s URL, e.g. http://10.0.0.5:8000/v1.', null],
    ['http://h:8000/v1?key=1', 'vllm-remote', 'failed', 'http://h:8000/v1?key=1 has a query string or fragment; API paths are appended to the endpoint, so it would end up in the middle of them.', 'Use http://h:8000/v1.', 'http://h:8000/v1'],
    ['http://bedrock-runtime.us-east-1.amazonaws.com', 'bedrock', 'warning', 'http://bedrock-runtime.us-east-1.amazonaws.com: plain http to a Bedrock endpoint.', 'These services are reached over https.', null],
    ['https://acme.openai.azure.com', 'azure-openai', 'ok', 'https to acme.openai.azure.com, port 443 (scheme default), path /.', null, null],
  ])('%s (%s) → %s', (endpoint, platform, status, detail, hint, suggestion) => {
    const check = checkEndpointUrl(endpoint, platform);
    expect({ status: check.status, detail: check.detail, hint: check.hint, suggestion: check.suggestion }).toEqual({ status, detail, hint, suggestion });
  });

  it('lets Bedrock go without an endpoint, since GitLab\'s gateway ignores it there', () => {
    expect(checkEndpointUrl('', 'bedrock')).toMatchObject({
      status: 'warning',
      detail: 'No endpoint given: GitLab\'s AI gateway ignores it for bedrock/… identifiers and uses AWS\'s regional endpoint, so there is nothing to test from here.',
      url: null,
    });
  });

  it('refuses credentials in the URL without repeating the password', () => {
    const check = checkEndpointUrl('http://admin:hunter2-password@h:8000/v1', 'vllm-remote');
    expect(check).toMatchObject({
      status: 'failed',
      detail: 'http://h:8000/v1 carries a user name or password in the URL.',
      hint: 'Remove them from the URL and put the key in the API key field: Airlock sends it as a Bearer token.',
      suggestion: 'http://h:8000/v1',
    });
    expect(JSON.stringify(check)).not.toContain('hunter2');
  });
});

describe('served-name matching', () => {
  it('splits identifiers as GitLab\'s gateway does: on the first /, no / means custom_openai', () => {
    expect(parseModelIdentifier('custom_openai/qwen-coder')).toEqual({ provider: 'custom_openai', model: 'qwen-coder' });
    expect(parseModelIdentifier('custom_openai/mistralai/Mistral-7B')).toEqual({ provider: 'custom_openai', model: 'mistralai/Mistral-7B' });
    expect(parseModelIdentifier('qwen-coder')).toEqual({ provider: 'custom_openai', model: 'qwen-coder' });
    expect(parseModelIdentifier('bedrock/us.anthropic.claude')).toEqual({ provider: 'bedrock', model: 'us.anthropic.claude' });
  });

  it('computes the edit distance', () => {
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(levenshtein('', 'abc')).toBe(3);
    expect(levenshtein('same', 'same')).toBe(0);
  });

  it.each<[string, string[], ReturnType<typeof matchServedName>]>([
    ['qwen-coder', ['qwen-coder'], { kind: 'exact', name: 'qwen-coder' }],
    ['Qwen-Coder', ['llama', 'qwen-coder'], { kind: 'suggestion', name: 'qwen-coder', why: 'case' }],
    ['qwen_coder', ['qwen-coder'], { kind: 'suggestion', name: 'qwen-coder', why: 'separators' }],
    ['mistral-small', ['custom_openai/mistral-small'], { kind: 'suggestion', name: 'custom_openai/mistral-small', why: 'prefixed' }],
    ['qwen-codr', ['llama3-70b', 'qwen-coder'], { kind: 'suggestion', name: 'qwen-coder', why: 'similar' }],
    ['codestral', ['llama3-70b', 'qwen-coder'], { kind: 'none' }],
  ])('%s among %j', (wanted, served, expected) => {
    expect(matchServedName(wanted, served)).toEqual(expected);
  });

  it('reads data[].id from a /v1/models answer and refuses anything else', () => {
    expect(parseModelList('{"object":"list","data":[{"id":"a","object":"model"},{"id":"b"},{"x":1}]}')).toEqual(['a', 'b']);
    expect(parseModelList('<html>not json</html>')).toBeNull();
    expect(parseModelList('{"models":[]}')).toBeNull();
  });

  it.each<[string | null, string[], ConnectionPlatform, string, string, string | null, string | null]>([
    ['custom_openai/qwen-coder', ['qwen-coder'], 'vllm-local', 'ok', '"qwen-coder" (from custom_openai/qwen-coder) is served. Served: "qwen-coder".', null, 'qwen-coder'],
    [
      'custom_openai/qwen_coder',
      ['qwen-coder'],
      'vllm-local',
      'failed',
      'The server does not serve "qwen_coder" (from identifier custom_openai/qwen_coder). Served: "qwen-coder".',
      'Did you mean "qwen-coder"? Set the identifier to custom_openai/qwen-coder.',
      null,
    ],
    [
      'custom_openai/codestral',
      ['qwen-coder', 'llama3'],
      'vllm-remote',
      'failed',
      'The server does not serve "codestral" (from identifier custom_openai/codestral). Served: "qwen-coder", "llama3".',
      'Set the identifier to custom_openai/<one of the served names>, or start the server with --served-model-name codestral.',
      null,
    ],
    [
      'custom_openai/mistral-small-3.2-24b',
      ['custom_openai/mistral-small-3.2-24b'],
      'vllm-remote',
      'failed',
      'The server does not serve "mistral-small-3.2-24b" (from identifier custom_openai/mistral-small-3.2-24b). Served: "custom_openai/mistral-small-3.2-24b".',
      'The server\'s name itself starts with custom_openai/, and GitLab strips that prefix from the identifier: restart vLLM with --served-model-name mistral-small-3.2-24b, or set the identifier to custom_openai/custom_openai/mistral-small-3.2-24b.',
      null,
    ],
    [
      'mistralai/Mistral-7B',
      ['mistralai/Mistral-7B'],
      'vllm-remote',
      'failed',
      'Identifier "mistralai/Mistral-7B" names provider "mistralai", which does not send requests to an OpenAI-compatible server. Served: "mistralai/Mistral-7B".',
      'GitLab\'s gateway takes the part before the first / as the provider: use custom_openai/mistralai/Mistral-7B.',
      null,
    ],
    ['openai/gpt-x', ['gpt-x'], 'openai-compatible', 'ok', '"gpt-x" (from openai/gpt-x) is served. Served: "gpt-x".', null, 'gpt-x'],
    [null, ['qwen-coder'], 'vllm-local', 'warning', 'No model identifier given. Served: "qwen-coder".', 'GitLab needs one for vLLM: custom_openai/qwen-coder.', 'qwen-coder'],
    [null, ['m1', 'm2'], 'openai-compatible', 'ok', 'No model identifier given; the completion test uses the first served model. Served: "m1", "m2".', null, 'm1'],
    ['custom_openai/x', [], 'vllm-local', 'failed', 'The server lists no models.', 'Start the server with a model (vLLM: --served-model-name <name>), then set the identifier to custom_openai/<name>.', null],
  ])('%s among %j (%s) → %s', (identifier, served, platform, status, detail, hint, model) => {
    expect(checkServedModel(identifier, served, platform)).toEqual({ status, detail, hint, model });
  });

  it('lists at most 10 served names', () => {
    const served = Array.from({ length: 12 }, (_, i) => `m${i}`);
    expect(checkServedModel('custom_openai/zzzzzzzz', served, 'vllm-local').detail).toBe(
      'The server does not serve "zzzzzzzz" (from identifier custom_openai/zzzzzzzz). Served: "m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9" and 2 more.',
    );
  });
});

describe('status and error messages', () => {
  const endpoint = new URL('http://10.0.0.5:8000/v1');
  const context = { method: 'GET' as const, url: 'http://10.0.0.5:8000/v1/models', endpoint, apiKey: KEY, durationMs: 12 };

  it.each<[number, string, string | null, string]>([
    [200, 'ok', null, 'GET http://10.0.0.5:8000/v1/models → 200 OK in 12 ms.'],
    [401, 'failed', 'Enter the key the server was started with (vLLM: --api-key or VLLM_API_KEY).', 'GET http://10.0.0.5:8000/v1/models → 401 Unauthorized: API key wrong or missing (API key …WXYZ was sent).'],
    [403, 'failed', 'Enter the key the server was started with (vLLM: --api-key or VLLM_API_KEY).', 'GET http://10.0.0.5:8000/v1/models → 403 Forbidden: API key wrong or missing (API key …WXYZ was sent).'],
    [
      404,
      'failed',
      'Check that the endpoint is the server\'s OpenAI-compatible API base (vLLM: http://host:8000/v1) and that no proxy rewrites the path.',
      'GET http://10.0.0.5:8000/v1/models → 404 Not Found: path wrong, nothing is served there.',
    ],
    [500, 'failed', 'The server failed to answer: look at its log (Airlock\'s Services page for a local vLLM).', 'GET http://10.0.0.5:8000/v1/models → 500 Internal Server Error: {"error": "boom"}'],
    [429, 'failed', 'The server refused the request: see its message above.', 'GET http://10.0.0.5:8000/v1/models → 429 Too Many Requests: {"error": "boom"}'],
  ])('%i → %s', (status, verdict, hint, detail) => {
    expect(describeHttpStatus(status, '{"error":\n "boom"}', context)).toEqual({ status: verdict, detail, hint });
  });

  it('says when no key was sent, and suggests /v1 on a 404 from a path without it', () => {
    expect(describeHttpStatus(401, '{"error":"Unauthorized"}', { ...context, apiKey: null })).toEqual({
      status: 'failed',
      detail: 'GET http://10.0.0.5:8000/v1/models → 401 Unauthorized: API key wrong or missing (no API key was sent).',
      hint: 'The server requires an API key: enter the key it was started with (vLLM: --api-key or VLLM_API_KEY).',
    });
    expect(describeHttpStatus(404, '', { ...context, url: 'http://10.0.0.5:8000/models', endpoint: new URL('http://10.0.0.5:8000') })).toEqual({
      status: 'failed',
      detail: 'GET http://10.0.0.5:8000/models → 404 Not Found: path wrong, nothing is served there.',
      hint: 'Try http://10.0.0.5:8000/v1: OpenAI-compatible servers, vLLM included, serve their API under /v1.',
    });
  });

  it('reports a redirect instead of following it', () => {
    expect(describeHttpStatus(302, '', { ...context, location: 'https://sso.corp/login' })).toEqual({
      status: 'failed',
      detail: 'GET http://10.0.0.5:8000/v1/models → 302 Found, redirected to https://sso.corp/login.',
      hint: 'Use the address it redirects to as the endpoint: Airlock does not follow redirects, so it only ever talks to the endpoint you configured.',
    });
  });

  it('never quotes the key from a body that echoes it, and cuts long bodies', () => {
    const echoed = describeHttpStatus(400, `{"error":"invalid key ${KEY}", "pad":"${'x'.repeat(400)}"}`, context);
    expect(echoed.detail).not.toContain(KEY);
    expect(echoed.detail).toContain('invalid key …WXYZ');
    expect(echoed.detail.endsWith('…')).toBe(true);
    expect(scrubSecret(`a ${KEY} b ${encodeURIComponent('k/y+z=1234567890')}`, KEY)).toBe('a …WXYZ b ' + encodeURIComponent('k/y+z=1234567890'));
    expect(scrubSecret(`q=${encodeURIComponent('key with/slash-1234')}`, 'key with/slash-1234')).toBe('q=…1234');
    expect(scrubSecret('short abc key', 'abc')).toBe('short … key');
  });

  it.each<[string, string, string]>([
    ['ENOTFOUND', 'No address found for "vllm.internal" (ENOTFOUND).', 'Check the host name for typos, or add it to DNS or to /etc/hosts on this machine.'],
    ['EAI_AGAIN', 'Looking up "vllm.internal" failed for now (EAI_AGAIN): the DNS server did not answer.', 'Check this host\'s DNS servers (/etc/resolv.conf); in an air-gapped network an IP address or an /etc/hosts entry avoids DNS.'],
    ['TimeoutError', 'Looking up "vllm.internal" took longer than 3 s.', 'Check this host\'s DNS servers (/etc/resolv.conf); in an air-gapped network an IP address or an /etc/hosts entry avoids DNS.'],
  ])('DNS %s', (code, detail, hint) => {
    expect(describeDnsError('vllm.internal', code, 3000)).toEqual({ status: 'failed', detail, hint });
  });

  it.each<[string, string, string]>([
    [
      'ECONNREFUSED',
      'Connection to 10.0.0.5:8000 refused: nothing is listening on port 8000.',
      'Start the server or fix the port. A vLLM server refuses connections while it is still starting or after it stopped; its default port is 8000.',
    ],
    ['TimeoutError', 'No answer from 10.0.0.5:8000 within 3 s (timed out).', 'The host is down or a firewall drops the packets: check that this machine may reach port 8000 there.'],
    ['EHOSTUNREACH', '10.0.0.5:8000 is unreachable (EHOSTUNREACH): no route to that host.', 'Check the address and this machine\'s network and routes; the host may be down.'],
    ['ENETUNREACH', '10.0.0.5:8000 is unreachable (ENETUNREACH): no route to that host.', 'Check the address and this machine\'s network and routes; the host may be down.'],
  ])('TCP %s', (code, detail, hint) => {
    expect(describeTcpError('10.0.0.5:8000', 8000, code, 3000)).toEqual({ status: 'failed', detail, hint });
  });

  const peer: TlsPeerInfo = {
    authorized: true,
    authorizationError: null,
    protocol: 'TLSv1.3',
    subject: 'CN=llm.corp',
    issuer: 'CN=Corp CA, O=Corp',
    subjectAltNames: 'DNS:llm.corp',
    validFrom: T0 - 30 * DAY,
    validTo: T0 + 100 * DAY,
  };

  it.each<[string, TlsPeerInfo, string, string, string | null]>([
    ['trusted', peer, 'ok', 'TLSv1.3: certificate CN=llm.corp, issued by CN=Corp CA, O=Corp, valid until 2027-03-01.', null],
    ['expiring', { ...peer, validTo: T0 + 3 * DAY }, 'warning', 'TLSv1.3: certificate CN=llm.corp, issued by CN=Corp CA, O=Corp, valid until 2026-11-24: expires in 3 days.', 'Renew the server\'s certificate before it expires.'],
    [
      'self-signed',
      { ...peer, authorized: false, authorizationError: 'DEPTH_ZERO_SELF_SIGNED_CERT', issuer: 'CN=llm.corp' },
      'failed',
      'TLSv1.3: certificate CN=llm.corp, issued by CN=llm.corp, valid until 2027-03-01 is not trusted (self-signed, unknown CA: DEPTH_ZERO_SELF_SIGNED_CERT).',
      UNKNOWN_CA_HINT,
    ],
    [
      'private CA',
      { ...peer, authorized: false, authorizationError: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' },
      'failed',
      'TLSv1.3: certificate CN=llm.corp, issued by CN=Corp CA, O=Corp, valid until 2027-03-01 is not trusted (unknown CA: UNABLE_TO_VERIFY_LEAF_SIGNATURE).',
      UNKNOWN_CA_HINT,
    ],
    ['expired', { ...peer, authorized: false, authorizationError: 'CERT_HAS_EXPIRED', validTo: T0 - DAY }, 'failed', 'TLSv1.3: certificate CN=llm.corp, issued by CN=Corp CA, O=Corp, valid until 2026-11-20 has expired (CERT_HAS_EXPIRED).', 'Renew the server\'s certificate.'],
    [
      'wrong name',
      { ...peer, authorized: false, authorizationError: 'ERR_TLS_CERT_ALTNAME_INVALID' },
      'failed',
      'TLSv1.3: certificate CN=llm.corp, issued by CN=Corp CA, O=Corp, valid until 2027-03-01 does not name "10.0.0.5" (it names DNS:llm.corp).',
      'Use a host name the certificate names in the endpoint, or reissue the certificate with this name in its subjectAltName.',
    ],
  ])('TLS %s', (_name, info, status, detail, hint) => {
    expect(describeTlsPeer(info, info.authorizationError === 'ERR_TLS_CERT_ALTNAME_INVALID' ? '10.0.0.5' : 'llm.corp', T0)).toEqual({ status, detail, hint });
  });

  it('says unknown CA in a hint that never suggests turning verification off', () => {
    expect(UNKNOWN_CA_HINT).toMatch(/^Install the CA certificate that issued it on this machine/);
    expect(UNKNOWN_CA_HINT).toContain('NODE_EXTRA_CA_CERTS');
    expect(UNKNOWN_CA_HINT).not.toMatch(/NODE_TLS_REJECT_UNAUTHORIZED|rejectUnauthorized|--insecure/);
  });
});

// ---------------------------------------------------------------------------------------------
// Orchestration with fakes
// ---------------------------------------------------------------------------------------------

interface Recorded {
  lookups: string[];
  connects: string[];
  handshakes: string[];
  requests: Array<{ method: string; url: string; authorization: string | null; body: string | null }>;
}

type Route = (body: unknown, authorization: string | null) => { status: number; body?: string; headers?: Record<string, string> };

/** Fake network: a DNS table, ports that accept (or fail with a code), TLS peers, HTTP routes. The clock moves by fixed amounts per operation. */
function fakes(options: {
  dns?: Record<string, string[] | string>;
  tcp?: (address: string, port: number) => 'ok' | 'hang' | string;
  tls?: TlsPeerInfo;
  routes?: Record<string, Route>;
}) {
  const clock = { t: T0 };
  const recorded: Recorded = { lookups: [], connects: [], handshakes: [], requests: [] };
  const never = (signal: AbortSignal) => new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error)));
  const deps: Partial<ConnectionTestDeps> = {
    now: () => clock.t,
    timeouts: { dns: 20, tcp: 20, tls: 20, http: 50, completion: 50 },
    lookup: async (hostname) => {
      recorded.lookups.push(hostname);
      clock.t += 2;
      const entry = options.dns?.[hostname];
      if (entry === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
      if (typeof entry === 'string') throw Object.assign(new Error(entry), { code: entry });
      return entry.map((address) => ({ address, family: address.includes(':') ? (6 as const) : (4 as const) }));
    },
    connectTcp: async ({ address, port }, signal) => {
      recorded.connects.push(`${address}:${port}`);
      const outcome = options.tcp?.(address, port) ?? 'ok';
      if (outcome === 'hang') return never(signal);
      clock.t += 1;
      if (outcome !== 'ok') throw Object.assign(new Error(outcome), { code: outcome });
    },
    tlsHandshake: async ({ address, port, servername }) => {
      recorded.handshakes.push(`${address}:${port} ${servername}`);
      clock.t += 4;
      if (!options.tls) throw new Error('no TLS configured');
      return options.tls;
    },
    fetch: async (url, init) => {
      const headers = new Headers(init.headers);
      const body = typeof init.body === 'string' ? init.body : null;
      recorded.requests.push({ method: init.method ?? 'GET', url, authorization: headers.get('authorization'), body });
      expect(init.redirect).toBe('manual');
      const route = options.routes?.[`${init.method ?? 'GET'} ${url}`];
      clock.t += url.endsWith('/models') ? 12 : 80;
      if (!route) return new Response('{"detail":"Not Found"}', { status: 404 });
      const answer = route(body === null ? null : JSON.parse(body), headers.get('authorization'));
      return new Response(answer.body ?? null, { status: answer.status, headers: answer.headers });
    },
  };
  return { deps, recorded };
}

const models = (...ids: string[]): Route => () => ({ status: 200, body: JSON.stringify({ object: 'list', data: ids.map((id) => ({ id, object: 'model' })) }) });
const completion: Route = () => ({ status: 200, body: JSON.stringify({ choices: [{ text: ' the', index: 0, finish_reason: 'length' }] }) });
/** 401 {"error":"Unauthorized"} without the right Bearer token, as vLLM's AuthenticationMiddleware answers (vllm.md §3.3). */
const needsKey =
  (key: string, route: Route): Route =>
  (body, authorization) =>
    authorization === `Bearer ${key}` ? route(body, authorization) : { status: 401, body: '{"error":"Unauthorized"}' };

const VLLM_BASE = 'http://vllm.internal:8000/v1';
const vllmInput = (overrides: Partial<ConnectionTestInput> = {}): ConnectionTestInput => ({
  platform: 'vllm-remote',
  endpoint: VLLM_BASE,
  apiKey: KEY,
  identifier: 'custom_openai/qwen-coder',
  ...overrides,
});

const healthyVllm = () =>
  fakes({
    dns: { 'vllm.internal': ['10.0.0.5'] },
    routes: {
      [`GET ${VLLM_BASE}/models`]: needsKey(KEY, models('qwen-coder')),
      [`POST ${VLLM_BASE}/completions`]: needsKey(KEY, completion),
    },
  });

const summary = (result: ConnectionTestResult) => result.steps.map((step) => `${step.id}:${step.status}`).join(' ');
const stepOf = (result: ConnectionTestResult, id: string) => {
  const found = result.steps.find((step) => step.id === id);
  if (!found) throw new Error(`no step ${id}`);
  return found;
};

describe('testConnection with injected fakes', () => {
  it('passes every step against a healthy vLLM, with the values it saw', async () => {
    const { deps, recorded } = healthyVllm();
    const result = await testConnection(vllmInput(), deps);
    expect(summary(result)).toBe('url:ok dns:ok tcp:ok tls:skipped http:ok model:ok completion:ok latency:ok');
    expect(result).toMatchObject({ ok: true, failedStep: null });
    expect(result.steps.map((step) => [step.id, step.label, step.detail, step.durationMs])).toEqual([
      ['url', 'Endpoint URL', 'http to vllm.internal, port 8000, path /v1.', 0],
      ['dns', 'DNS resolve', 'vllm.internal → 10.0.0.5.', 2],
      ['tcp', 'TCP connect', 'Connected to vllm.internal:8000 (10.0.0.5).', 1],
      ['tls', 'TLS handshake', 'http:// endpoint: no TLS, so the API key travels unencrypted.', 0],
      ['http', 'HTTP: list models', 'GET http://vllm.internal:8000/v1/models → 200 OK in 12 ms, 1 model listed.', 12],
      ['model', 'Model served', '"qwen-coder" (from custom_openai/qwen-coder) is served. Served: "qwen-coder".', 0],
      ['completion', 'One-token completion', 'POST http://vllm.internal:8000/v1/completions → 200 OK: model "qwen-coder" answered " the" (max_tokens 1) in 80 ms.', 80],
      ['latency', 'Latency', 'DNS 2 ms · TCP 1 ms · GET /models 12 ms · completion 80 ms · total 95 ms.', 0],
    ]);
    expect(result.totalMs).toBe(95);
    // The completion asked for exactly one token of the served name.
    expect(JSON.parse(recorded.requests[1]?.body ?? '{}')).toEqual({ model: 'qwen-coder', prompt: 'Hello', max_tokens: 1, temperature: 0, stream: false });
  });

  it('talks only to the configured endpoint: its host in DNS, its port over TCP, URLs under it over HTTP', async () => {
    const { deps, recorded } = healthyVllm();
    await testConnection(vllmInput(), deps);
    expect(recorded.lookups).toEqual(['vllm.internal']);
    expect(recorded.connects).toEqual(['10.0.0.5:8000']);
    expect(recorded.requests.map((request) => `${request.method} ${request.url}`)).toEqual([`GET ${VLLM_BASE}/models`, `POST ${VLLM_BASE}/completions`]);
  });

  it('fails at DNS when the name does not resolve, and skips the rest', async () => {
    const { deps } = fakes({ dns: {} });
    const result = await testConnection(vllmInput(), deps);
    expect(result).toMatchObject({ ok: false, failedStep: 'dns' });
    expect(summary(result)).toBe('url:ok dns:failed tcp:skipped tls:skipped http:skipped model:skipped completion:skipped latency:skipped');
    expect(stepOf(result, 'dns')).toMatchObject({
      detail: 'No address found for "vllm.internal" (ENOTFOUND).',
      hint: 'Check the host name for typos, or add it to DNS or to /etc/hosts on this machine.',
    });
    expect(stepOf(result, 'tcp').detail).toBe('Not run: step "DNS resolve" failed.');
    expect(stepOf(result, 'latency').detail).toBe('Stopped at step "DNS resolve". Measured: DNS 2 ms · total 2 ms.');
  });

  it('fails at DNS when the resolver does not answer in time', async () => {
    const { deps } = fakes({});
    deps.lookup = (_hostname, signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error)));
    const result = await testConnection(vllmInput(), deps);
    expect(result.failedStep).toBe('dns');
    expect(stepOf(result, 'dns').detail).toBe('Looking up "vllm.internal" took longer than 20 ms.');
  });

  it('fails at TCP with "refused" when nothing listens', async () => {
    const { deps } = fakes({ dns: { 'vllm.internal': ['10.0.0.5'] }, tcp: () => 'ECONNREFUSED' });
    const result = await testConnection(vllmInput(), deps);
    expect(result).toMatchObject({ ok: false, failedStep: 'tcp' });
    expect(stepOf(result, 'tcp')).toMatchObject({
      status: 'failed',
      detail: 'Connection to vllm.internal:8000 (10.0.0.5) refused: nothing is listening on port 8000.',
      hint: 'Start the server or fix the port. A vLLM server refuses connections while it is still starting or after it stopped; its default port is 8000.',
    });
  });

  it('fails at TCP with "timed out" when the connection hangs past the step timeout', async () => {
    const { deps } = fakes({ tcp: () => 'hang' });
    const result = await testConnection(vllmInput({ endpoint: 'http://10.0.0.9:8000/v1' }), deps);
    expect(summary(result)).toBe('url:ok dns:skipped tcp:failed tls:skipped http:skipped model:skipped completion:skipped latency:skipped');
    expect(stepOf(result, 'dns').detail).toBe('10.0.0.9 is an IP address: nothing to resolve.');
    expect(stepOf(result, 'tcp')).toMatchObject({
      detail: 'No answer from 10.0.0.9:8000 within 20 ms (timed out).',
      hint: 'The host is down or a firewall drops the packets: check that this machine may reach port 8000 there.',
    });
  });

  it('fails at TCP with "unreachable", and tries every address before giving up', async () => {
    const { deps, recorded } = fakes({ dns: { 'vllm.internal': ['fd00::5', '10.0.0.5'] }, tcp: () => 'EHOSTUNREACH' });
    const result = await testConnection(vllmInput(), deps);
    expect(recorded.connects).toEqual(['fd00::5:8000', '10.0.0.5:8000']);
    expect(stepOf(result, 'tcp').detail).toBe('vllm.internal:8000 (fd00::5) is unreachable (EHOSTUNREACH): no route to that host. Also tried 10.0.0.5: EHOSTUNREACH.');
  });

  it('falls back from ::1 to 127.0.0.1 for localhost, as a server bound to IPv4 only needs', async () => {
    const { deps } = fakes({
      dns: { localhost: ['::1', '127.0.0.1'] },
      tcp: (address) => (address === '::1' ? 'ECONNREFUSED' : 'ok'),
      routes: { 'GET http://localhost:8000/v1/models': models('qwen-coder'), 'POST http://localhost:8000/v1/completions': completion },
    });
    const result = await testConnection(vllmInput({ platform: 'vllm-local', endpoint: 'http://localhost:8000/v1', apiKey: null }), deps);
    expect(result.ok).toBe(true);
    expect(stepOf(result, 'tcp').detail).toBe('Connected to localhost:8000 (127.0.0.1) (after ::1: ECONNREFUSED).');
    expect(stepOf(result, 'tls').detail).toBe('http:// endpoint: no TLS.');
  });

  it('fails at TLS for a self-signed certificate, with the install-the-CA hint', async () => {
    const { deps, recorded } = fakes({
      dns: { 'llm.corp': ['10.0.0.7'] },
      tls: { authorized: false, authorizationError: 'DEPTH_ZERO_SELF_SIGNED_CERT', protocol: 'TLSv1.3', subject: 'CN=llm.corp', issuer: 'CN=llm.corp', subjectAltNames: 'DNS:llm.corp', validFrom: T0 - DAY, validTo: T0 + 365 * DAY },
    });
    const result = await testConnection({ platform: 'openai-compatible', endpoint: 'https://llm.corp/v1', apiKey: KEY, identifier: 'custom_openai/m' }, deps);
    expect(recorded.handshakes).toEqual(['10.0.0.7:443 llm.corp']);
    expect(result).toMatchObject({ ok: false, failedStep: 'tls' });
    expect(stepOf(result, 'tls')).toMatchObject({
      status: 'failed',
      detail: 'TLSv1.3: certificate CN=llm.corp, issued by CN=llm.corp, valid until 2027-11-21 is not trusted (self-signed, unknown CA: DEPTH_ZERO_SELF_SIGNED_CERT).',
      hint: UNKNOWN_CA_HINT,
    });
    expect(recorded.requests).toEqual([]);
  });

  it('passes TLS with a trusted certificate and reports it', async () => {
    const { deps } = fakes({
      dns: { 'llm.corp': ['10.0.0.7'] },
      tls: { authorized: true, authorizationError: null, protocol: 'TLSv1.3', subject: 'CN=llm.corp', issuer: 'CN=Corp CA', subjectAltNames: 'DNS:llm.corp', validFrom: T0 - DAY, validTo: T0 + 365 * DAY },
      routes: { 'GET https://llm.corp/v1/models': models('m'), 'POST https://llm.corp/v1/completions': completion },
    });
    const result = await testConnection({ platform: 'openai-compatible', endpoint: 'https://llm.corp/v1', apiKey: null, identifier: 'custom_openai/m' }, deps);
    expect(result.ok).toBe(true);
    expect(stepOf(result, 'tls').detail).toBe('TLSv1.3: certificate CN=llm.corp, issued by CN=Corp CA, valid until 2027-11-21.');
  });

  it('fails at HTTP with "API key wrong or missing" on 401, and never puts the key in the result', async () => {
    const { deps, recorded } = healthyVllm();
    const wrong = 'sk-wrong-canary-key-9876';
    const result = await testConnection(vllmInput({ apiKey: wrong }), deps);
    expect(result).toMatchObject({ ok: false, failedStep: 'http' });
    expect(stepOf(result, 'http')).toMatchObject({
      status: 'failed',
      detail: 'GET http://vllm.internal:8000/v1/models → 401 Unauthorized: API key wrong or missing (API key …9876 was sent).',
      hint: 'Enter the key the server was started with (vLLM: --api-key or VLLM_API_KEY).',
    });
    expect(recorded.requests[0]?.authorization).toBe(`Bearer ${wrong}`);
    expect(JSON.stringify(result)).not.toContain(wrong);
  });

  it('scrubs a canary key that a server echoes in its error body', async () => {
    // A 400 (not 401), so the body is quoted: plain and URL-encoded echoes of the key.
    const { deps } = fakes({
      dns: { 'vllm.internal': ['10.0.0.5'] },
      routes: { [`GET ${VLLM_BASE}/models`]: () => ({ status: 400, body: `{"error":"invalid api key ${KEY} (${encodeURIComponent(KEY)})"}` }) },
    });
    const result = await testConnection(vllmInput(), deps);
    expect(stepOf(result, 'http').detail).toBe('GET http://vllm.internal:8000/v1/models → 400 Bad Request: {"error":"invalid api key …WXYZ (…WXYZ)"}');
    expect(JSON.stringify(result)).not.toContain(KEY);
    expect(JSON.stringify(result)).not.toContain(KEY.slice(0, -4));
  });

  it('refuses a key with a trailing newline before sending it', async () => {
    const { deps, recorded } = healthyVllm();
    const result = await testConnection(vllmInput({ apiKey: `${KEY}\n` }), deps);
    expect(stepOf(result, 'http')).toMatchObject({
      status: 'failed',
      detail: 'The API key contains characters that cannot be sent in an HTTP header. It starts or ends with a space or line break.',
      hint: 'Re-enter the key without spaces or line breaks.',
    });
    expect(recorded.requests).toEqual([]);
  });

  it('fails at HTTP with "path wrong" on 404 and suggests /v1', async () => {
    const { deps } = fakes({ dns: { 'vllm.internal': ['10.0.0.5'] } });
    const result = await testConnection({ platform: 'openai-compatible', endpoint: 'http://vllm.internal:8000/api', apiKey: null, identifier: null }, deps);
    expect(summary(result)).toBe('url:warning dns:ok tcp:ok tls:skipped http:failed model:skipped completion:skipped latency:skipped');
    expect(stepOf(result, 'http')).toMatchObject({
      detail: 'GET http://vllm.internal:8000/api/models → 404 Not Found: path wrong, nothing is served there.',
      hint: 'Try http://vllm.internal:8000/api/v1: OpenAI-compatible servers, vLLM included, serve their API under /v1.',
    });
  });

  it('does not follow a redirect', async () => {
    const { deps, recorded } = fakes({
      dns: { 'vllm.internal': ['10.0.0.5'] },
      routes: { [`GET ${VLLM_BASE}/models`]: () => ({ status: 302, headers: { location: 'https://elsewhere.example/login' } }) },
    });
    const result = await testConnection(vllmInput(), deps);
    expect(stepOf(result, 'http').detail).toBe('GET http://vllm.internal:8000/v1/models → 302 Found, redirected to https://elsewhere.example/login.');
    expect(recorded.requests).toHaveLength(1);
  });

  it('fails at HTTP when a 200 is not a model list', async () => {
    const { deps } = fakes({ dns: { 'vllm.internal': ['10.0.0.5'] }, routes: { [`GET ${VLLM_BASE}/models`]: () => ({ status: 200, body: '<html><body>Welcome to nginx!</body></html>' }) } });
    const result = await testConnection(vllmInput(), deps);
    expect(stepOf(result, 'http')).toMatchObject({
      status: 'failed',
      detail: 'GET http://vllm.internal:8000/v1/models → 200 OK, but the body is not an OpenAI model list: <html><body>Welcome to nginx!</body></html>',
      hint: 'Check that the endpoint is an OpenAI-compatible API base (vLLM: http://host:8000/v1).',
    });
  });

  it('fails at the model step for a wrong served name, naming what is served and the closest one', async () => {
    const { deps, recorded } = healthyVllm();
    const result = await testConnection(vllmInput({ identifier: 'custom_openai/qwen_coder' }), deps);
    expect(result).toMatchObject({ ok: false, failedStep: 'model' });
    expect(stepOf(result, 'model')).toMatchObject({
      status: 'failed',
      detail: 'The server does not serve "qwen_coder" (from identifier custom_openai/qwen_coder). Served: "qwen-coder".',
      hint: 'Did you mean "qwen-coder"? Set the identifier to custom_openai/qwen-coder.',
    });
    expect(stepOf(result, 'completion').status).toBe('skipped');
    expect(recorded.requests).toHaveLength(1);
  });

  it('falls back to chat/completions when /completions is 404, and warns that code completion needs /completions', async () => {
    const { deps, recorded } = fakes({
      dns: { 'vllm.internal': ['10.0.0.5'] },
      routes: {
        [`GET ${VLLM_BASE}/models`]: models('qwen-coder'),
        [`POST ${VLLM_BASE}/chat/completions`]: () => ({ status: 200, body: JSON.stringify({ choices: [{ message: { role: 'assistant', content: 'Hi' } }] }) }),
      },
    });
    const result = await testConnection(vllmInput({ platform: 'openai-compatible', apiKey: null }), deps);
    expect(result.ok).toBe(true);
    expect(stepOf(result, 'completion')).toMatchObject({
      status: 'warning',
      detail: `POST ${VLLM_BASE}/completions → 404; POST ${VLLM_BASE}/chat/completions → 200 OK: model "qwen-coder" answered "Hi" (max_tokens 1) in 80 ms.`,
      hint: 'Chat works, but the server has no /completions route, which code completion uses: serve the model with vLLM or another server that offers it.',
    });
    expect(JSON.parse(recorded.requests[2]?.body ?? '{}')).toEqual({ model: 'qwen-coder', messages: [{ role: 'user', content: 'Hello' }], max_tokens: 1, temperature: 0, stream: false });
  });

  it('fails at the completion when the server errors, quoting its message', async () => {
    const { deps } = fakes({
      dns: { 'vllm.internal': ['10.0.0.5'] },
      routes: {
        [`GET ${VLLM_BASE}/models`]: models('qwen-coder'),
        [`POST ${VLLM_BASE}/completions`]: () => ({ status: 500, body: '{"object":"error","message":"EngineCore encountered an issue"}' }),
      },
    });
    const result = await testConnection(vllmInput({ apiKey: null }), deps);
    expect(result.failedStep).toBe('completion');
    expect(stepOf(result, 'completion').detail).toBe(`POST ${VLLM_BASE}/completions → 500 Internal Server Error: {"object":"error","message":"EngineCore encountered an issue"}`);
  });

  it('stops a completion that takes longer than its timeout', async () => {
    const { deps } = fakes({ dns: { 'vllm.internal': ['10.0.0.5'] }, routes: { [`GET ${VLLM_BASE}/models`]: models('qwen-coder') } });
    const inner = deps.fetch!;
    deps.fetch = (url, init) =>
      url.endsWith('/completions') ? new Promise((_, reject) => init.signal?.addEventListener('abort', () => reject(init.signal?.reason as Error))) : inner(url, init);
    const result = await testConnection(vllmInput({ apiKey: null }), deps);
    expect(stepOf(result, 'completion')).toMatchObject({
      status: 'failed',
      detail: `POST ${VLLM_BASE}/completions: no complete answer within 50 ms.`,
      hint: 'The server accepts connections but does not answer: is it overloaded, or is this the right port?',
    });
  });

  it.each<[ConnectionPlatform, string, string, string]>([
    [
      'bedrock',
      'https://bedrock-runtime.us-east-1.amazonaws.com',
      'bedrock/us.anthropic.claude-3-5-sonnet',
      'Not applicable to Bedrock: its API is AWS-signed (SigV4) with credentials that GitLab\'s AI gateway holds, not an OpenAI /models list; reachability was checked above.',
    ],
    [
      'azure-openai',
      'https://acme.openai.azure.com',
      'azure/gpt-4o',
      'Not applicable to Azure OpenAI: it serves deployment-scoped paths (/openai/deployments/<deployment>/…?api-version=…) with an api-key header; reachability was checked above.',
    ],
  ])('%s: checks URL, DNS, TCP and TLS, and skips the OpenAI-specific steps with a reason', async (platform, endpoint, identifier, reason) => {
    const host = new URL(endpoint).hostname;
    const { deps, recorded } = fakes({
      dns: { [host]: ['52.1.2.3'] },
      tls: { authorized: true, authorizationError: null, protocol: 'TLSv1.3', subject: `CN=${host}`, issuer: 'CN=Amazon RSA 2048 M01', subjectAltNames: `DNS:${host}`, validFrom: T0 - DAY, validTo: T0 + 200 * DAY },
    });
    const result = await testConnection({ platform, endpoint, apiKey: KEY, identifier }, deps);
    expect(result).toMatchObject({ ok: true, failedStep: null });
    expect(summary(result)).toBe('url:ok dns:ok tcp:ok tls:ok http:skipped model:skipped completion:skipped latency:ok');
    for (const id of ['http', 'model', 'completion']) expect(stepOf(result, id).detail).toBe(reason);
    expect(stepOf(result, 'latency').detail).toBe('DNS 2 ms · TCP 1 ms · TLS 4 ms · total 7 ms.');
    expect(recorded.requests).toEqual([]);
  });

  it('Bedrock without an endpoint: a warning and nothing to connect to', async () => {
    const { deps, recorded } = fakes({});
    const result = await testConnection({ platform: 'bedrock', endpoint: '', apiKey: null, identifier: 'bedrock/us.anthropic.claude-3-5-sonnet' }, deps);
    expect(result).toMatchObject({ ok: true, failedStep: null });
    expect(summary(result)).toBe('url:warning dns:skipped tcp:skipped tls:skipped http:skipped model:skipped completion:skipped latency:ok');
    expect(stepOf(result, 'dns').detail).toBe('No endpoint to test.');
    expect(recorded).toEqual({ lookups: [], connects: [], handshakes: [], requests: [] });
  });

  it('warns when one token takes 5 s or more', async () => {
    const { deps } = healthyVllm();
    const inner = deps.fetch!;
    const clock = { slow: 0 };
    const now = deps.now!;
    deps.now = () => now() + clock.slow;
    deps.fetch = async (url, init) => {
      const response = await inner(url, init);
      if (url.endsWith('/completions')) clock.slow += 6_000;
      return response;
    };
    const result = await testConnection(vllmInput(), deps);
    expect(stepOf(result, 'completion')).toMatchObject({
      status: 'warning',
      detail: `POST ${VLLM_BASE}/completions → 200 OK: model "qwen-coder" answered " the" (max_tokens 1) in 6080 ms.`,
      hint: 'One token took over 5 s: code completion will feel slow. Check the server\'s load and GPU.',
    });
    expect(result.ok).toBe(true);
  });

  it('skips everything after a URL that does not parse', async () => {
    const { deps, recorded } = fakes({});
    const result = await testConnection(vllmInput({ endpoint: 'http://10.0.0.5:8000' }), deps);
    expect(result).toMatchObject({ ok: false, failedStep: 'url' });
    expect(stepOf(result, 'url').hint).toBe('Use http://10.0.0.5:8000/v1');
    expect(recorded).toEqual({ lookups: [], connects: [], handshakes: [], requests: [] });
  });
});

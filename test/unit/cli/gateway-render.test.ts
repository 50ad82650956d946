// The renderers of electron/cli/commands/gateway.ts. No CLI renderer had a unit test yet; this
// file is named after what it covers, as the brief asked, rather than commands/gateway.test.ts.
import { describe, expect, it } from 'vitest';
import { renderGateway, renderRequest, renderRequestStats, renderRequests, renderTokens } from '../../../electron/cli/commands/gateway';
import type { GatewayStatus, GatewayView } from '../../../electron/shared/gateway/channel';
import type { RequestDetail, RequestRow, RequestStats } from '../../../electron/shared/gateway/requests';
import type { TokenView } from '../../../electron/shared/gateway/tokens';

/** Start of each column in a table's header line. */
const columnStarts = (header: string) => [...header.matchAll(/\S+(?: \S+)*/g)].map((m) => m.index);

describe('renderTokens', () => {
  const token = (overrides: Partial<TokenView> = {}): TokenView => ({
    id: '0a1b2c3d4e5f60718293',
    label: 'ci-pipeline',
    scopes: ['openai', 'complete_code'],
    last4: 'Xy9Z',
    createdAt: '2026-11-21T12:00:00.000Z',
    createdBy: 'cli',
    expiresAt: '2027-02-19T12:00:00.000Z',
    revokedAt: null,
    state: 'active',
    ...overrides,
  });

  it('says how to mint one when there are none', () => {
    expect(renderTokens([])).toBe('No gateway tokens. Mint one with "airlock tokens mint --label LABEL --scopes openai".');
  });

  it('lists each token with its scopes, state, expiry (UTC, to the minute) and last 4 characters', () => {
    const lines = renderTokens([token(), token({ id: 'ffeeddccbbaa99887766', label: 'alice laptop', scopes: ['duo_chat'], last4: 'q_-1', state: 'revoked', createdBy: 'console' })]).split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^ID\s+LABEL\s+SCOPES\s+STATE\s+EXPIRES\s+ENDS IN\s+CREATED BY$/);
    expect(lines[1]).toMatch(/^0a1b2c3d4e5f60718293\s+ci-pipeline\s+openai,complete_code\s+active\s+2027-02-19 12:00\s+…Xy9Z\s+cli$/);
    expect(lines[2]).toMatch(/^ffeeddccbbaa99887766\s+alice laptop\s+duo_chat\s+revoked\s+2027-02-19 12:00\s+…q_-1\s+console$/);
  });

  it('aligns the columns', () => {
    const lines = renderTokens([token(), token({ label: 'a much longer label than the others', scopes: ['openai', 'complete_code', 'duo_chat'] })]).split('\n');
    const starts = columnStarts(lines[0]!);
    for (const line of lines.slice(1)) {
      for (const start of starts.slice(1)) expect(line[start! - 1], line).toBe(' ');
    }
    expect(lines[1]!.indexOf('active')).toBe(lines[2]!.indexOf('active'));
  });
});

describe('renderRequests', () => {
  const row = (overrides: Partial<RequestRow> = {}): RequestRow => ({
    id: 42,
    ts: Date.parse('2026-11-21T12:34:56.789Z'),
    requestId: 'req-1',
    clientIp: '10.0.0.7',
    client: 'gitlab:5c3e9f1a',
    method: 'POST',
    endpoint: '/v2/code/completions',
    feature: 'code_completions',
    unitPrimitive: 'complete_code',
    deployment: 'codestral',
    model: 'Codestral-22B',
    isStream: false,
    status: 200,
    latencyMs: 123.6,
    ttfbMs: 40,
    tokensIn: 120,
    tokensOut: 30,
    error: null,
    hasPrompt: false,
    ...overrides,
  });

  it('says so when there are none', () => {
    expect(renderRequests([])).toBe('No requests logged (for this filter).');
  });

  it('shows one line per request: UTC time to the second, rounded latency, tokens in/out', () => {
    const lines = renderRequests([row()]).split('\n');
    expect(lines[0]).toMatch(/^ID\s+TIME \(UTC\)\s+STATUS\s+ENDPOINT\s+FEATURE\s+DEPLOYMENT\s+LATENCY\s+TOKENS\s+CLIENT\s+ERROR$/);
    expect(lines[1]).toMatch(/^42\s+2026-11-21 12:34:56\s+200\s+\/v2\/code\/completions\s+code_completions\s+codestral\s+124 ms\s+120\/30\s+gitlab:5c3e9f1a$/);
  });

  it('shows dashes for what a refused request never had, "?" for one missing token count', () => {
    const refused = renderRequests([row({ status: 401, feature: null, deployment: null, tokensIn: null, tokensOut: null, client: 'anonymous', error: 'token expired' })]).split('\n')[1];
    expect(refused).toMatch(/^42\s+\S+ \S+\s+401\s+\/v2\/code\/completions\s+—\s+—\s+124 ms\s+—\s+anonymous\s+token expired$/);
    expect(renderRequests([row({ tokensOut: null })]).split('\n')[1]).toContain(' 120/? ');
    expect(renderRequests([row({ tokensIn: null })]).split('\n')[1]).toContain(' ?/30 ');
  });

  it('cuts a long error to 60 characters', () => {
    const line = renderRequests([row({ error: `${'e'.repeat(60)}TAIL` })]).split('\n')[1]!;
    expect(line.endsWith('e'.repeat(60))).toBe(true);
    expect(line).not.toContain('TAIL');
  });
});

describe('renderRequest', () => {
  const detail = (overrides: Partial<RequestDetail> = {}): RequestDetail => ({
    id: 42,
    ts: Date.parse('2026-11-21T12:34:56.789Z'),
    requestId: '01HZX3J9Q7',
    clientIp: '10.0.0.7',
    client: 'token:ci (0a1b2c)',
    method: 'POST',
    endpoint: '/v1/chat/completions',
    feature: null,
    unitPrimitive: 'openai',
    deployment: 'codestral',
    model: 'Codestral-22B',
    isStream: true,
    status: 200,
    latencyMs: 812.5,
    ttfbMs: null,
    tokensIn: 50,
    tokensOut: null,
    error: null,
    hasPrompt: false,
    prompt: null,
    response: null,
    ...overrides,
  });

  it('lists every field, one per line, with dashes and "?" for what is unknown', () => {
    const lines = renderRequest(detail()).split('\n');
    expect(lines.slice(0, 15)).toEqual([
      'id              42',
      'time            2026-11-21T12:34:56.789Z',
      'request id      01HZX3J9Q7',
      'client          token:ci (0a1b2c) from 10.0.0.7',
      'endpoint        POST /v1/chat/completions',
      'feature         —',
      'unit primitive  openai',
      'deployment      codestral',
      'model           Codestral-22B',
      'status          200',
      'stream          yes',
      'latency         812.5 ms',
      'first byte      —',
      'tokens          50 in, ? out',
      'error           —',
    ]);
  });

  it('shows the prompt and the response when they were kept', () => {
    const text = renderRequest(detail({ hasPrompt: true, prompt: 'def fib(n):', response: '    return n', ttfbMs: 40 }));
    expect(text).toContain('\n\n--- prompt ---\ndef fib(n):\n\n--- response ---\n    return n');
    expect(text).toContain('first byte      40 ms');
    expect(text).not.toContain('not kept');
  });

  it('shows a prompt kept without a response (the request failed)', () => {
    const text = renderRequest(detail({ hasPrompt: true, prompt: 'hello', status: 502, error: 'upstream refused' }));
    expect(text).toContain('--- prompt ---\nhello');
    expect(text).not.toContain('--- response ---');
    expect(text).not.toContain('not kept');
  });

  it('says why there is no prompt when none was kept', () => {
    const text = renderRequest(detail());
    expect(text).not.toContain('--- prompt ---');
    expect(text.endsWith('\n\n(prompt and response not kept: gateway.aiRequestLogging is off, or GitLab did not allow verbose AI logs)')).toBe(true);
  });
});

describe('renderRequestStats', () => {
  const stats = (overrides: Partial<RequestStats> = {}): RequestStats => ({
    since: Date.parse('2026-11-21T11:00:00Z'),
    total: 120,
    ok: 100,
    clientErrors: 15,
    serverErrors: 5,
    latencyMs: { p50: 40, p95: 120, isUpperBound: false },
    tokensIn: 5000,
    tokensOut: 1200,
    byFeature: [
      { feature: 'code_completions', count: 90, errors: 3 },
      { feature: 'duo_chat', count: 30, errors: 2 },
    ],
    dropped: 0,
    isAvailable: true,
    ...overrides,
  });

  it('says so when the gateway never ran', () => {
    expect(renderRequestStats(stats({ isAvailable: false }), 60)).toBe('No request log yet: the gateway has not run on this appliance.');
  });

  it('sums up the window, the latency, the tokens and each feature', () => {
    expect(renderRequestStats(stats(), 60).split('\n')).toEqual([
      'Last 60 min: 120 requests, 100 ok, 15 client errors, 5 server errors.',
      'Latency p50 40 ms, p95 120 ms. Tokens 5000 in, 1200 out.',
      `  ${'code_completions'.padEnd(32)}      90 requests, 3 errors`,
      `  ${'duo_chat'.padEnd(32)}      30 requests, 2 errors`,
    ]);
  });

  it('gives whole days in days, anything else in minutes', () => {
    expect(renderRequestStats(stats(), 1440)).toMatch(/^Last 1 d: /);
    expect(renderRequestStats(stats(), 7 * 1440)).toMatch(/^Last 7 d: /);
    expect(renderRequestStats(stats(), 1500)).toMatch(/^Last 1500 min: /);
    expect(renderRequestStats(stats(), 15)).toMatch(/^Last 15 min: /);
  });

  it('says how many requests were not logged', () => {
    expect(renderRequestStats(stats({ dropped: 7 }), 60)).toContain('\n7 requests were not logged: the request log fell behind.');
    expect(renderRequestStats(stats(), 60)).not.toContain('not logged');
  });

  it('marks percentiles read from histogram buckets as upper bounds', () => {
    const upper = renderRequestStats(stats({ latencyMs: { p50: 50, p95: 250, isUpperBound: true } }), 7 * 1440);
    expect(upper).toContain('p50 ≤ 50 ms');
    expect(upper).toContain('p95 ≤ 250 ms');
    expect(renderRequestStats(stats(), 60)).not.toContain('≤');
  });

  it('shows a dash without a unit when there is no latency figure', () => {
    const line = renderRequestStats(stats({ total: 0, ok: 0, clientErrors: 0, serverErrors: 0, latencyMs: { p50: null, p95: null, isUpperBound: false }, byFeature: [] }), 60).split('\n')[1];
    expect(line).toMatch(/^Latency p50 —, p95 —\. /);
  });
});

describe('renderGateway', () => {
  const status = (overrides: Partial<GatewayStatus> = {}): GatewayStatus => ({
    pid: 4242,
    version: '0.1.0',
    startedAt: '2026-11-21T12:00:00.000Z',
    appliedVersion: 3,
    needsRestart: false,
    listening: { url: 'https://0.0.0.0:5052', metricsUrl: 'http://127.0.0.1:8082/metrics' },
    inFlight: 2,
    requests: { total: 1000, authFailures: 12 },
    requestLog: { written: 990, dropped: 0, queued: 1, lastError: null },
    gitlabKeys: { url: 'https://gitlab.example.com', lastFetchAt: Date.parse('2026-11-21T12:00:05Z'), lastError: null, keyIds: ['kid-1', 'kid-2'] },
    rssBytes: 83 * 1048576,
    ...overrides,
  });
  const view = (overrides: Partial<GatewayView> = {}): GatewayView => ({
    unit: { name: 'gateway', state: 'running' },
    channel: { isConnected: true, statusAt: Date.parse('2026-11-21T12:00:10Z'), sentVersion: 3, appliedVersion: 3, rejection: null },
    status: status(),
    isStatusFresh: true,
    ...overrides,
  });

  it('says how to set it up when there is no gateway unit', () => {
    expect(renderGateway(view({ unit: null }))).toBe('The Airlock gateway is not set up. Add it with "airlock services add gateway --preset airlock-gateway".');
  });

  it('shows a running gateway: unit, channel, address, traffic, request log and GitLab keys', () => {
    expect(renderGateway(view()).split('\n')).toEqual([
      'Unit gateway: running.',
      'Channel: connected; configuration 3 applied of 3 sent.',
      'Listening on https://0.0.0.0:5052, metrics on http://127.0.0.1:8082/metrics.',
      '1000 requests answered, 12 refused (401), 2 in flight. RSS 83 MiB.',
      'Request log: 990 written, 0 dropped.',
      'GitLab keys from https://gitlab.example.com: 2 key(s), fetched 2026-11-21T12:00:05.000Z.',
    ]);
  });

  it('shows a gateway that has not reported: only the unit and the channel', () => {
    const text = renderGateway(view({ unit: { name: 'gateway', state: 'starting' }, channel: { isConnected: false, statusAt: null, sentVersion: null, appliedVersion: null, rejection: null }, status: null, isStatusFresh: false }));
    expect(text).toBe('Unit gateway: starting.\nChannel: not connected; configuration — applied of — sent.');
  });

  it('shows why the gateway refused the last configuration', () => {
    const text = renderGateway(view({ channel: { isConnected: true, statusAt: 1, sentVersion: 4, appliedVersion: 3, rejection: 'config.listen.port: too small' } }));
    expect(text).toContain('configuration 3 applied of 4 sent.');
    expect(text).toContain('\nThe gateway refused the last configuration: config.listen.port: too small');
  });

  it('says GitLab tokens are refused when no GitLab URL is set', () => {
    const text = renderGateway(view({ status: status({ gitlabKeys: null }) }));
    expect(text).toContain('GitLab tokens are refused: gateway.gitlabUrl is not set.');
    expect(text).not.toContain('GitLab keys from');
  });

  it('shows GitLab keys never fetched and the last error', () => {
    const text = renderGateway(view({ status: status({ gitlabKeys: { url: 'https://gitlab.example.com', lastFetchAt: null, lastError: 'ECONNREFUSED', keyIds: [] } }) }));
    expect(text).toContain('GitLab keys from https://gitlab.example.com: 0 key(s), never fetched; last error: ECONNREFUSED.');
  });

  it('shows request-log trouble, a pending restart, and no metrics line when metrics are off', () => {
    const text = renderGateway(
      view({ status: status({ needsRestart: true, listening: { url: 'http://127.0.0.1:5052', metricsUrl: null }, requestLog: { written: 5, dropped: 2, queued: 0, lastError: 'SQLITE_FULL' } }) }),
    );
    expect(text).toContain('\nListening on http://127.0.0.1:5052.\n');
    expect(text).toContain('Request log: 5 written, 2 dropped; last error: SQLITE_FULL.');
    expect(text).toContain('A setting it is bound with changed: restart the unit to apply it.');
  });

  it('flags a stale report, and only a stale one', () => {
    expect(renderGateway(view({ isStatusFresh: false }))).toContain('\n(this report is more than 10 s old)');
    expect(renderGateway(view())).not.toContain('more than 10 s old');
  });
});

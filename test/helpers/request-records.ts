import type { RequestRecord } from '../../electron/shared/gateway/requests';

/** A request-log row for tests: a plain completion from a GitLab instance, with `overrides` on top. */
export function requestRecord(overrides: Partial<RequestRecord> = {}): RequestRecord {
  return {
    ts: Date.parse('2026-11-21T12:00:00Z'),
    requestId: 'req-0',
    clientIp: '10.0.0.7',
    client: 'gitlab:instance-1',
    method: 'POST',
    endpoint: '/v2/code/completions',
    feature: 'code_completions',
    unitPrimitive: 'complete_code',
    deployment: 'vllm-local',
    model: 'codestral-22b',
    isStream: false,
    status: 200,
    latencyMs: 10,
    ttfbMs: null,
    tokensIn: null,
    tokensOut: null,
    error: null,
    prompt: null,
    response: null,
    ...overrides,
  };
}

import { describe, expect, it } from 'vitest';
import { type ConnectionTestView, latencyLine, summarizeTest } from '../../../../../renderer/src/features/models/connection-test-format';

const step = (id: string, label: string, status: 'ok' | 'failed' | 'skipped' | 'warning', detail = '') => ({ id, label, status, durationMs: 1, detail, hint: null });

describe('connection-test-format', () => {
  it('sums up a passing test, counting warnings', () => {
    const result: ConnectionTestView = { ok: true, failedStep: null, totalMs: 42, steps: [step('url', 'Endpoint URL', 'ok'), step('tls', 'TLS handshake', 'warning'), step('latency', 'Latency', 'ok', 'TCP 1 ms · total 42 ms')] };
    expect(summarizeTest(result)).toBe('Connection OK in 42 ms (1 warning)');
    expect(latencyLine(result)).toBe('TCP 1 ms · total 42 ms');
  });

  it('names the failed step', () => {
    const result: ConnectionTestView = { ok: false, failedStep: 'http', totalMs: 12, steps: [step('url', 'Endpoint URL', 'ok'), step('http', 'HTTP: list models', 'failed')] };
    expect(summarizeTest(result)).toBe('Failed at “HTTP: list models” after 12 ms');
    expect(latencyLine(result)).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../../electron/gateway/metrics';

/** The sample lines of one metric family (name and labels → value). */
function samples(text: string, prefix: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.startsWith(prefix)) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), line.slice(at + 1));
  }
  return out;
}

describe('gateway metrics', () => {
  it('renders every family with its HELP and TYPE lines, ending in a newline', () => {
    const text = createMetrics().render();
    expect(text.endsWith('\n')).toBe(true);
    for (const [name, type] of [
      ['airlock_gateway_requests_total', 'counter'],
      ['airlock_gateway_request_duration_seconds', 'histogram'],
      ['airlock_gateway_upstream_first_byte_seconds', 'histogram'],
      ['airlock_gateway_auth_failures_total', 'counter'],
      ['airlock_gateway_upstream_errors_total', 'counter'],
      ['airlock_gateway_tokens_total', 'counter'],
      ['airlock_gateway_in_flight', 'gauge'],
    ]) {
      expect(text).toMatch(new RegExp(`^# HELP ${name} \\S`, 'm'));
      expect(text).toContain(`\n# TYPE ${name} ${type}\n`);
    }
    // Each family's HELP and TYPE come once, before its samples.
    expect(text.match(/^# TYPE airlock_gateway_requests_total /gm)).toHaveLength(1);
  });

  it('counts requests per endpoint and status', () => {
    const metrics = createMetrics();
    metrics.requestDone('/v2/code/completions', 200, 0.1);
    metrics.requestDone('/v2/code/completions', 200, 0.2);
    metrics.requestDone('/v2/code/completions', 503, 0.3);
    const lines = samples(metrics.render(), 'airlock_gateway_requests_total');
    expect(lines.get('airlock_gateway_requests_total{endpoint="/v2/code/completions",status="200"}')).toBe('2');
    expect(lines.get('airlock_gateway_requests_total{endpoint="/v2/code/completions",status="503"}')).toBe('1');
  });

  it('escapes backslashes, double quotes and line breaks in label values', () => {
    const metrics = createMetrics();
    metrics.upstreamFailed('dep "quoted" \\ back\nslash', 'connect');
    const text = metrics.render();
    expect(text).toContain('airlock_gateway_upstream_errors_total{deployment="dep \\"quoted\\" \\\\ back\\nslash",kind="connect"} 1');
    // The sample stays on one line.
    expect(text.split('\n').filter((line) => line.startsWith('airlock_gateway_upstream_errors_total{'))).toHaveLength(1);
  });

  it('keeps one series per label set, whatever characters need escaping', () => {
    const metrics = createMetrics();
    metrics.upstreamFailed('a\\nb', 'idle');
    metrics.upstreamFailed('a\nb', 'idle');
    expect(samples(metrics.render(), 'airlock_gateway_upstream_errors_total').size).toBe(2);
  });

  it('renders histograms with cumulative buckets, +Inf, sum and count', () => {
    const metrics = createMetrics();
    for (const seconds of [0.003, 0.04, 0.04, 7, 900]) metrics.requestDone('/v1/chat/agent', 200, seconds);
    const lines = samples(metrics.render(), 'airlock_gateway_request_duration_seconds');
    const bucket = (le: string) => lines.get(`airlock_gateway_request_duration_seconds_bucket{endpoint="/v1/chat/agent",le="${le}"}`);
    expect(bucket('0.001')).toBe('0');
    expect(bucket('0.0025')).toBe('0');
    expect(bucket('0.005')).toBe('1');
    expect(bucket('0.05')).toBe('3');
    expect(bucket('5')).toBe('3');
    expect(bucket('10')).toBe('4');
    expect(bucket('600')).toBe('4');
    expect(bucket('+Inf')).toBe('5');
    expect(Number(lines.get('airlock_gateway_request_duration_seconds_sum{endpoint="/v1/chat/agent"}'))).toBeCloseTo(907.083, 6);
    expect(lines.get('airlock_gateway_request_duration_seconds_count{endpoint="/v1/chat/agent"}')).toBe('5');
    // Buckets never decrease, in the order they are written.
    const counts = [...lines].filter(([key]) => key.includes('_bucket{')).map(([, value]) => Number(value));
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
  });

  it('counts a value on a bucket\'s bound in that bucket (le is "less than or equal")', () => {
    const metrics = createMetrics();
    metrics.firstByte('codestral', 0.25);
    const lines = samples(metrics.render(), 'airlock_gateway_upstream_first_byte_seconds_bucket');
    expect(lines.get('airlock_gateway_upstream_first_byte_seconds_bucket{deployment="codestral",le="0.1"}')).toBe('0');
    expect(lines.get('airlock_gateway_upstream_first_byte_seconds_bucket{deployment="codestral",le="0.25"}')).toBe('1');
  });

  it('adds token counts by deployment and direction', () => {
    const metrics = createMetrics();
    metrics.tokens('codestral', 'in', 120);
    metrics.tokens('codestral', 'in', 30);
    metrics.tokens('codestral', 'out', 7);
    const lines = samples(metrics.render(), 'airlock_gateway_tokens_total');
    expect(lines.get('airlock_gateway_tokens_total{deployment="codestral",direction="in"}')).toBe('150');
    expect(lines.get('airlock_gateway_tokens_total{deployment="codestral",direction="out"}')).toBe('7');
  });

  it('tells the totals of answered and refused requests', () => {
    const metrics = createMetrics();
    expect(metrics.totals()).toEqual({ total: 0, authFailures: 0 });
    metrics.requestDone('/v1/x', 401, 0.001);
    metrics.authFailed();
    metrics.requestDone('/v1/x', 200, 0.1);
    expect(metrics.totals()).toEqual({ total: 2, authFailures: 1 });
    expect(samples(metrics.render(), 'airlock_gateway_auth_failures_total').get('airlock_gateway_auth_failures_total')).toBe('1');
  });

  it('tracks requests in flight', () => {
    const metrics = createMetrics();
    metrics.enter();
    metrics.enter();
    metrics.leave();
    expect(metrics.inFlight).toBe(1);
    expect(metrics.render()).toContain('\nairlock_gateway_in_flight 1\n');
  });

  it('reads gauges when rendered, not when registered', () => {
    const metrics = createMetrics();
    let dropped = 3;
    metrics.gauge('airlock_gateway_request_log_dropped_total', 'Rows dropped.', () => dropped);
    expect(metrics.render()).toContain('# HELP airlock_gateway_request_log_dropped_total Rows dropped.\n# TYPE airlock_gateway_request_log_dropped_total gauge\nairlock_gateway_request_log_dropped_total 3\n');
    dropped = 11;
    expect(metrics.render()).toContain('\nairlock_gateway_request_log_dropped_total 11\n');
  });

  it('replaces a gauge registered again under the same name', () => {
    const metrics = createMetrics();
    metrics.gauge('airlock_gateway_config_version', 'Version.', () => 1);
    metrics.gauge('airlock_gateway_config_version', 'Version.', () => 2);
    const text = metrics.render();
    expect(text.match(/^airlock_gateway_config_version /gm)).toHaveLength(1);
    expect(text).toContain('\nairlock_gateway_config_version 2\n');
  });
});

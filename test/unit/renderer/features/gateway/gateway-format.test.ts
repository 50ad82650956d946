import { describe, expect, it } from 'vitest';
import type { GatewayStatus } from '../../../../../electron/shared/gateway/channel';
import {
  clientGatewayUrl,
  countKeys,
  curlExample,
  describeChannel,
  describeRequestCounters,
  describeRequestLog,
  describeUnitState,
  formatAge,
  isLoopbackUrl,
  openAiBaseUrl,
  openAiPythonExample,
  reportAgeSeconds,
  summarizeGitlabKeys,
} from '../../../../../renderer/src/features/gateway/gateway-format';

/** A report as `airlock gateway status --json` printed it from a running gateway. */
const report: GatewayStatus = {
  pid: 29396,
  version: '0.1.0',
  startedAt: '2026-11-21T13:22:35.327Z',
  appliedVersion: 1,
  needsRestart: false,
  listening: { url: 'http://127.0.0.1:18556', metricsUrl: 'http://127.0.0.1:18557/metrics' },
  inFlight: 0,
  requests: { total: 8, authFailures: 3 },
  requestLog: { written: 5, dropped: 0, queued: 0, lastError: null },
  gitlabKeys: null,
  rssBytes: 117288960,
};

const NOW = Date.parse('2026-11-21T13:30:00Z');

describe('gateway-format', () => {
  it('words the unit state as the Services page does, and passes an unknown state through', () => {
    expect(describeUnitState('running')).toEqual({ label: 'Running', tone: 'ok' });
    expect(describeUnitState('backoff')).toEqual({ label: 'Waiting to retry', tone: 'warn' });
    expect(describeUnitState('hibernating')).toEqual({ label: 'hibernating', tone: 'muted' });
  });

  it('ages a report in whole seconds, never negative, and null without one', () => {
    expect(reportAgeSeconds(null, NOW)).toBeNull();
    expect(reportAgeSeconds(NOW - 14_900, NOW)).toBe(14);
    // A core clock a little behind the page's must not read as "-1 s old".
    expect(reportAgeSeconds(NOW + 500, NOW)).toBe(0);
    expect(formatAge(14)).toBe('14 s');
    expect(formatAge(125)).toBe('2m 5s');
  });

  it('describes the channel and notices a configuration not applied yet', () => {
    expect(describeChannel({ isConnected: true, statusAt: NOW, sentVersion: 4, appliedVersion: 4, rejection: null })).toEqual({
      text: 'Connected · configuration 4 applied of 4 sent',
      isBehind: false,
    });
    expect(describeChannel({ isConnected: true, statusAt: NOW, sentVersion: 5, appliedVersion: 4, rejection: null }).isBehind).toBe(true);
    expect(describeChannel({ isConnected: true, statusAt: null, sentVersion: 1, appliedVersion: null, rejection: null })).toEqual({
      text: 'Connected · configuration — applied of 1 sent',
      isBehind: true,
    });
    expect(describeChannel({ isConnected: false, statusAt: NOW, sentVersion: 4, appliedVersion: 4, rejection: null })).toEqual({ text: 'Not connected', isBehind: false });
  });

  it('counts requests and the request log as the gateway reported them', () => {
    expect(describeRequestCounters(report)).toBe('8 answered · 3 refused (401) · 0 in flight');
    expect(describeRequestLog(report.requestLog)).toBe('5 written · 0 dropped · 0 queued');
    expect(describeRequestLog(null)).toBe('Off: the gateway keeps no request log.');
  });

  it('summarizes GitLab keys, or says they are not configured', () => {
    expect(summarizeGitlabKeys(null, NOW)).toEqual({ isConfigured: false });
    expect(summarizeGitlabKeys({ url: 'https://gitlab.example', lastFetchAt: NOW - 42_000, lastError: null, keyIds: ['a', 'b'] }, NOW)).toEqual({
      isConfigured: true,
      url: 'https://gitlab.example',
      keyCount: 2,
      fetched: 'fetched 42 s ago',
      lastError: null,
    });
    expect(summarizeGitlabKeys({ url: 'https://gitlab.example', lastFetchAt: null, lastError: 'connect ECONNREFUSED', keyIds: [] }, NOW)).toMatchObject({ fetched: 'never fetched', lastError: 'connect ECONNREFUSED', keyCount: 0 });
    expect(countKeys(1)).toBe('1 key');
    expect(countKeys(0)).toBe('0 keys');
  });

  it('prefers the gateway.url setting over the listening address, trailing slashes dropped', () => {
    expect(clientGatewayUrl('https://airlock.example.internal:5052/', report)).toEqual({ url: 'https://airlock.example.internal:5052', source: 'setting' });
    expect(clientGatewayUrl('', report)).toEqual({ url: 'http://127.0.0.1:18556', source: 'listening' });
    expect(clientGatewayUrl('  ', { listening: null })).toBeNull();
    expect(clientGatewayUrl(undefined, null)).toBeNull();
    expect(openAiBaseUrl('http://127.0.0.1:18556/')).toBe('http://127.0.0.1:18556/v1');
  });

  it('tells loopback addresses from the others', () => {
    expect(isLoopbackUrl('http://127.0.0.1:5052')).toBe(true);
    expect(isLoopbackUrl('http://localhost:5052')).toBe(true);
    expect(isLoopbackUrl('http://[::1]:5052')).toBe(true);
    expect(isLoopbackUrl('https://10.0.0.5:5052')).toBe(false);
    expect(isLoopbackUrl('https://airlock.example.internal')).toBe(false);
    expect(isLoopbackUrl('not a url')).toBe(false);
  });

  it('writes client examples with the base URL and a placeholder, never a token', () => {
    const python = openAiPythonExample('http://127.0.0.1:18556/v1');
    expect(python).toContain('base_url="http://127.0.0.1:18556/v1"');
    expect(python).toContain('api_key="<your Airlock token>"');
    const curl = curlExample('http://127.0.0.1:18556/v1');
    expect(curl).toContain('curl http://127.0.0.1:18556/v1/chat/completions');
    expect(curl).toContain('Bearer $AIRLOCK_TOKEN');
  });
});

import { describe, expect, it } from 'vitest';
import type { RequestRow } from '../../../../../electron/shared/gateway/requests';
import {
  PAGE_SIZE,
  appendOlder,
  countRequests,
  emptyFilters,
  filterChoices,
  formatCount,
  formatMs,
  formatPercentile,
  formatRequestTime,
  formatTokenPair,
  listInput,
  notKeptNote,
  rangeMinutes,
  refreshFirstPage,
  statusTone,
  timeRanges,
} from '../../../../../renderer/src/features/requests/request-format';

const NOW = Date.parse('2026-11-21T13:30:00Z');

/** A row as `airlock requests list --json` printed one; `id` and `ts` vary. */
function row(id: number, ts = NOW - (1000 - id) * 1000, overrides: Partial<RequestRow> = {}): RequestRow {
  return {
    id,
    ts,
    requestId: `req-${id}`,
    clientIp: '127.0.0.1',
    client: 'token:test (74abdc357a1158bcf117)',
    method: 'POST',
    endpoint: '/v1/chat/completions',
    feature: null,
    unitPrimitive: null,
    deployment: 'Codestral',
    model: 'qwen-coder',
    isStream: false,
    status: 200,
    latencyMs: 20.483,
    ttfbMs: 19.9,
    tokensIn: 1,
    tokensOut: 4,
    error: null,
    hasPrompt: false,
    ...overrides,
  };
}

/** Rows `from` down to `to`, newest first (the core's order). */
const rows = (from: number, to: number) => Array.from({ length: from - to + 1 }, (_, i) => row(from - i));

describe('request-format', () => {
  it('builds the list input: only the filters set, the window start, the page to continue', () => {
    expect(listInput(emptyFilters, NOW)).toEqual({ since: NOW - 24 * 3_600_000, limit: PAGE_SIZE });
    expect(listInput({ feature: 'code_completions', deployment: 'Codestral', status: '4xx', range: '15m' }, NOW, 42, 10)).toEqual({
      feature: 'code_completions',
      deployment: 'Codestral',
      status: '4xx',
      since: NOW - 15 * 60_000,
      beforeId: 42,
      limit: 10,
    });
    expect(timeRanges.map((r) => rangeMinutes(r.id))).toEqual([15, 60, 1440, 10080]);
  });

  it('appends an older page without repeating a row, and stops offering more after a short page', () => {
    const first = { rows: rows(10, 6), hasMore: true };
    expect(appendOlder(first, rows(6, 2), 5)).toEqual({ rows: rows(10, 2), hasMore: true });
    expect(appendOlder(first, rows(5, 4), 5)).toEqual({ rows: rows(10, 4), hasMore: false });
  });

  it('takes a short first page as the whole window', () => {
    const shown = { rows: rows(10, 1), hasMore: false };
    expect(refreshFirstPage(shown, rows(12, 9), NOW - 3_600_000, 5)).toEqual({ rows: rows(12, 9), hasMore: false });
  });

  it('keeps the older pages under a full first page that overlaps them', () => {
    // 10…6 shown, then 5…1 loaded with "Load older"; two new requests came in.
    const shown = { rows: rows(10, 1), hasMore: false };
    expect(refreshFirstPage(shown, rows(12, 8), NOW - 24 * 3_600_000, 5)).toEqual({ rows: rows(12, 1), hasMore: false });
    // The row the new page pushed out stays, and the list still ends where it did.
    expect(refreshFirstPage({ rows: rows(10, 6), hasMore: true }, rows(11, 7), NOW - 3_600_000, 5)).toEqual({ rows: rows(11, 6), hasMore: true });
    // Only the new page: a full one may have more behind it.
    expect(refreshFirstPage({ rows: rows(10, 8), hasMore: false }, rows(12, 8), NOW - 3_600_000, 5)).toEqual({ rows: rows(12, 8), hasMore: true });
  });

  it('lets the older pages go when more requests came in than a page holds (a gap would hide some)', () => {
    const shown = { rows: rows(10, 1), hasMore: false };
    expect(refreshFirstPage(shown, rows(20, 16), NOW - 3_600_000, 5)).toEqual({ rows: rows(20, 16), hasMore: true });
  });

  it('drops kept rows that left the window', () => {
    const old = row(1, NOW - 2 * 3_600_000);
    const shown = { rows: [...rows(10, 2), old], hasMore: false };
    expect(refreshFirstPage(shown, rows(11, 7), NOW - 3_600_000, 5).rows.map((r) => r.id)).toEqual([11, 10, 9, 8, 7, 6, 5, 4, 3, 2]);
  });

  it('colours statuses by class', () => {
    expect(statusTone(200)).toBe('ok');
    expect(statusTone(401)).toBe('warn');
    expect(statusTone(502)).toBe('bad');
    expect(statusTone(101)).toBe('muted');
  });

  it('formats latencies, marking an upper bound with ≤', () => {
    expect(formatMs(null)).toBe('—');
    expect(formatMs(2.415)).toBe('2.4 ms');
    expect(formatMs(20.483)).toBe('20 ms');
    expect(formatMs(1250)).toBe('1.25 s');
    expect(formatPercentile(120, true)).toBe('≤ 120 ms');
    expect(formatPercentile(120, false)).toBe('120 ms');
    expect(formatPercentile(null, true)).toBe('—');
  });

  it('formats token counts, with ? for a side the upstream did not report', () => {
    expect(formatTokenPair(1, 4)).toBe('1 / 4');
    expect(formatTokenPair(12, null)).toBe('12 / ?');
    expect(formatTokenPair(null, null)).toBe('—');
    expect(formatCount(12345)).toBe('12,345');
    expect(countRequests(1)).toBe('1 request');
    expect(countRequests(2)).toBe('2 requests');
  });

  it('shows the time alone today and the date on another day', () => {
    const now = new Date(2026, 10, 21, 15, 0, 0).getTime();
    expect(formatRequestTime(new Date(2026, 10, 21, 9, 5, 7).getTime(), now)).toBe('09:05:07');
    expect(formatRequestTime(new Date(2026, 10, 20, 23, 59, 1).getTime(), now)).toBe('2026-11-20 23:59:01');
  });

  it('offers the known values, those the rows carry and the chosen one, sorted and once each', () => {
    const shown = [row(3, NOW, { deployment: 'Old one' }), row(2, NOW, { deployment: null }), row(1)];
    expect(filterChoices(['Codestral', 'Mixtral'], shown, (r) => r.deployment, '')).toEqual(['Codestral', 'Mixtral', 'Old one']);
    expect(filterChoices([], [], (r) => r.deployment, 'Gone')).toEqual(['Gone']);
  });

  it('says why a prompt is missing only when neither side was kept', () => {
    expect(notKeptNote({ prompt: null, response: null })).toContain('gateway.aiRequestLogging');
    expect(notKeptNote({ prompt: 'def add(a, b):', response: null })).toBeNull();
  });
});

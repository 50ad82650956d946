/**
 * The Requests page's filters, paging and wording of the gateway's request log. Pure: the rows and
 * figures come from `requests.list`, `requests.get` and `requests.stats`; `now` is a parameter.
 */
import type { RequestDetail, RequestFilter, RequestRow, statusClasses } from '../../../../electron/shared/gateway/requests';
import type { Tone } from '../gateway/gateway-format';

/** Rows asked for per page (the core allows up to 1000). */
export const PAGE_SIZE = 100;

/** The time windows the page offers. */
export const timeRanges = [
  { id: '15m', label: 'Last 15 minutes', minutes: 15 },
  { id: '1h', label: 'Last hour', minutes: 60 },
  { id: '24h', label: 'Last 24 hours', minutes: 24 * 60 },
  { id: '7d', label: 'Last 7 days', minutes: 7 * 24 * 60 },
] as const;

export type TimeRangeId = (typeof timeRanges)[number]['id'];

/** The Overview card's window too, so both pages count the same requests. */
export const DEFAULT_RANGE: TimeRangeId = '24h';

export function rangeMinutes(range: TimeRangeId): number {
  return timeRanges.find((r) => r.id === range)?.minutes ?? 24 * 60;
}

export type StatusClass = (typeof statusClasses)[number];

/** What the operator picked; '' means "any". */
export interface RequestFilters {
  feature: string;
  deployment: string;
  status: StatusClass | '';
  range: TimeRangeId;
}

export const emptyFilters: RequestFilters = { feature: '', deployment: '', status: '', range: DEFAULT_RANGE };

/** The `requests.list` input for the filters at `now`, continuing after `beforeId` when given. */
export function listInput(filters: RequestFilters, now: number, beforeId?: number, limit = PAGE_SIZE): RequestFilter {
  return {
    ...(filters.feature ? { feature: filters.feature } : {}),
    ...(filters.deployment ? { deployment: filters.deployment } : {}),
    ...(filters.status ? { status: filters.status } : {}),
    since: now - rangeMinutes(filters.range) * 60_000,
    ...(beforeId !== undefined ? { beforeId } : {}),
    limit,
  };
}

/** The rows shown, and whether older ones may be there. */
export interface RowPages {
  rows: RequestRow[];
  hasMore: boolean;
}

/** (ts, id) descending, the core's order. */
const isOlder = (a: RequestRow, b: RequestRow) => a.ts < b.ts || (a.ts === b.ts && a.id < b.id);

/** Adds a page asked for with `beforeId` under the rows shown. */
export function appendOlder(current: RowPages, page: readonly RequestRow[], limit = PAGE_SIZE): RowPages {
  const ids = new Set(current.rows.map((row) => row.id));
  return { rows: [...current.rows, ...page.filter((row) => !ids.has(row.id))], hasMore: page.length >= limit };
}

/**
 * Puts a fresh first page in place of the old one and keeps the older pages loaded with "Load
 * older" — only when nothing can be missing between them: a first page shorter than the limit is
 * the whole window, and a full one must overlap the rows shown, or more requests came in than a
 * page holds and the older rows are let go (the operator loads them again).
 */
export function refreshFirstPage(current: RowPages, head: readonly RequestRow[], since: number, limit = PAGE_SIZE): RowPages {
  if (head.length < limit) return { rows: [...head], hasMore: false };
  const ids = new Set(head.map((row) => row.id));
  const isContiguous = current.rows.some((row) => ids.has(row.id));
  if (!isContiguous) return { rows: [...head], hasMore: true };
  const last = head[head.length - 1]!;
  const older = current.rows.filter((row) => !ids.has(row.id) && isOlder(row, last) && row.ts >= since);
  // The list still ends where it ended before, or at a full first page.
  return { rows: [...head, ...older], hasMore: older.length > 0 ? current.hasMore : true };
}

/** The class of a status: the pill's colour and the filter it falls under. */
export function statusTone(status: number): Tone {
  if (status >= 200 && status < 300) return 'ok';
  if (status >= 400 && status < 500) return 'warn';
  if (status >= 500) return 'bad';
  return 'muted';
}

/** "0.4 ms", "12 ms", "1.25 s"; "—" when not measured. */
export function formatMs(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/** A percentile from `requests.stats`: "≤ 120 ms" when it is the upper edge of a histogram bucket. */
export function formatPercentile(ms: number | null, isUpperBound: boolean): string {
  if (ms === null) return '—';
  return `${isUpperBound ? '≤ ' : ''}${formatMs(ms)}`;
}

/** "12 / 345", with "?" for a side the upstream did not report; "—" when neither is known. */
export function formatTokenPair(tokensIn: number | null, tokensOut: number | null): string {
  if (tokensIn === null && tokensOut === null) return '—';
  return `${tokensIn ?? '?'} / ${tokensOut ?? '?'}`;
}

/** 12345 → "12,345". */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** "14:03:07" today, "2026-11-20 14:03:07" on another day (local time). */
export function formatRequestTime(ts: number, now: number): string {
  const date = new Date(ts);
  const pad = (n: number) => String(n).padStart(2, '0');
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  const today = new Date(now);
  const isToday = date.getFullYear() === today.getFullYear() && date.getMonth() === today.getMonth() && date.getDate() === today.getDate();
  return isToday ? time : `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${time}`;
}

/**
 * The values a filter offers: the ones the core knows (features.list, models.list), the one
 * chosen, and any the shown rows carry (a deployment since removed still has rows), sorted.
 */
export function filterChoices(known: readonly string[], rows: readonly RequestRow[], pick: (row: RequestRow) => string | null, chosen: string): string[] {
  const values = new Set(known);
  for (const row of rows) {
    const value = pick(row);
    if (value) values.add(value);
  }
  if (chosen) values.add(chosen);
  return [...values].sort((a, b) => a.localeCompare(b));
}

/** Why a detail has no prompt or response; null when at least one was kept. */
export function notKeptNote(detail: Pick<RequestDetail, 'prompt' | 'response'>): string | null {
  if (detail.prompt !== null || detail.response !== null) return null;
  return 'The prompt and the response were not kept: AI request logging (gateway.aiRequestLogging) is off, or GitLab did not allow verbose AI logs for this request.';
}

/** "1 request", "12 requests". */
export function countRequests(n: number): string {
  return `${formatCount(n)} ${n === 1 ? 'request' : 'requests'}`;
}

import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { AirlockError } from '../../shared/errors';
import {
  LATENCY_BUCKET_COUNT,
  MINUTE_MS,
  REQUESTS_DB_VERSION,
  addLatencyHistogram,
  latencyBucketOf,
  latencyPercentileUpperBound,
  type RequestDetail,
  type RequestFilter,
  type RequestRow,
  type RequestStats,
  type statusClasses,
} from '../../shared/gateway/requests';
import { readSqliteHeader } from './sqlite-header';

/** The core's read-only view of the gateway's request log (requests.db). */
export interface RequestsRepo {
  /** True once requests.db exists with its schema (the gateway has run at least once). Never throws. */
  isAvailable(): boolean;
  /**
   * Newest first (by `ts`, then `id`). `since` is inclusive, `until` exclusive; `beforeId` continues
   * after that row of the previous page (keyset: no OFFSET, stable while new rows arrive).
   */
  list(filter: RequestFilter): RequestRow[];
  /** One row with its prompt and response (null when they were not logged). */
  get(id: number): RequestDetail | null;
  /**
   * Figures for the Overview over `ts >= sinceMs`, exact to the millisecond: the whole minutes from
   * minute_stats, the partial first minute from its rows (so a window is never silently widened or
   * narrowed; at most a minute of rows is read). Latency percentiles are exact (nearest rank over the
   * rows) up to 50,000 rows in the window; beyond, the upper edge of the merged histogram's bucket
   * (`isUpperBound`, at most 28 % high). A database the gateway has not migrated to v2 yet (no
   * minute_stats) is read row by row, as before: exact, but slow for long windows.
   */
  stats(sinceMs: number): RequestStats;
  close(): void;
}

export interface RequestsRepoOptions {
  /** Windows with at most this many rows get exact percentiles, read from the rows (default 50,000). */
  exactPercentileMaxRows?: number;
}

/**
 * Rows up to which exact percentiles are worth reading: 50,000 latencies are one index range and a
 * sort, ~9 ms (72 minutes at 11.6 requests/s); 24 hours of 1 M rows took 1.3–1.9 s that way, and
 * ~12 ms from the histograms (measured on a 2-core machine).
 */
const EXACT_PERCENTILE_MAX_ROWS = 50_000;

type StatusClass = (typeof statusClasses)[number];

const STATUS_RANGES: Record<StatusClass, [number, number]> = { '2xx': [200, 300], '4xx': [400, 500], '5xx': [500, 600] };

/** Columns of RequestRow. `typeof()` tells whether a prompt was logged without reading it (SQLite loads no overflow pages for it). */
const ROW_COLUMNS = `id, ts, request_id AS requestId, client_ip AS clientIp, client, method, endpoint, feature,
  unit_primitive AS unitPrimitive, deployment, model, is_stream AS isStream, status, latency_ms AS latencyMs,
  ttfb_ms AS ttfbMs, tokens_in AS tokensIn, tokens_out AS tokensOut, error, typeof(prompt) <> 'null' AS hasPrompt`;

/** A list query's filter: a status class has been expanded to the exact statuses present. */
export type ListQueryFilter = Omit<RequestFilter, 'status'> & { status?: number };

/**
 * Every statement the repo runs, so a test can check each one's plan (EXPLAIN QUERY PLAN) for a
 * full scan. The ts window always reaches an index: requests_ts, or (feature|deployment|status, ts).
 */
export const requestsQueries = {
  detail: `SELECT ${ROW_COLUMNS}, prompt, response FROM requests WHERE id = ?`,
  tsOf: 'SELECT ts FROM requests WHERE id = ?',
  /** The smallest status in [from, to) present at all: one index probe. */
  nextStatus: 'SELECT status FROM requests WHERE status >= ? AND status < ? ORDER BY status LIMIT 1',
  totals: `SELECT count(*) AS total,
      count(CASE WHEN status >= 200 AND status < 300 THEN 1 END) AS ok,
      count(CASE WHEN status >= 400 AND status < 500 THEN 1 END) AS clientErrors,
      count(CASE WHEN status >= 500 AND status < 600 THEN 1 END) AS serverErrors,
      coalesce(sum(tokens_in), 0) AS tokensIn,
      coalesce(sum(tokens_out), 0) AS tokensOut
    FROM requests WHERE ts >= ?`,
  // Nearest rank, from whichever end is closer: the sorter then holds at most half the window
  // (p50) or 5 % of it (p95), not all of it (SQLite keeps only LIMIT + OFFSET rows when sorting).
  latencyAscending: 'SELECT latency_ms AS value FROM requests WHERE ts >= ? ORDER BY latency_ms LIMIT 1 OFFSET ?',
  latencyDescending: 'SELECT latency_ms AS value FROM requests WHERE ts >= ? ORDER BY latency_ms DESC LIMIT 1 OFFSET ?',
  // An error is a 4xx/5xx or an answer that failed after its status was sent (a cut stream). No
  // feature is NULL or '' (minute_stats stores NULL as ''), and is not listed.
  // INDEXED BY: left to itself the planner walks all of requests_feature_ts (to group without a
  // sort, or taking `feature <> ''` as a range), whatever the window.
  byFeature: `SELECT feature, count(*) AS count, count(CASE WHEN status >= 400 OR error IS NOT NULL THEN 1 END) AS errors
    FROM requests INDEXED BY requests_ts WHERE ts >= ? AND feature <> '' GROUP BY feature ORDER BY count DESC, feature`,
  /** Exact percentiles of a small window: every latency, sorted in JS (one pass instead of two sorters). */
  latencies: 'SELECT latency_ms FROM requests WHERE ts >= ?',
  /** Whether the gateway has migrated the file to v2 yet (the core never migrates). */
  hasSummary: "SELECT 1 AS yes FROM sqlite_schema WHERE type = 'table' AND name = 'minute_stats'",
  /** Whole minutes of the window (minute >= ?), per feature: a range of minute_stats' primary key. */
  summaryByFeature: `SELECT feature, sum(count) AS count, sum(errors) AS errors,
      sum(CASE WHEN status_class = 2 THEN count ELSE 0 END) AS ok,
      sum(CASE WHEN status_class = 4 THEN count ELSE 0 END) AS clientErrors,
      sum(CASE WHEN status_class = 5 THEN count ELSE 0 END) AS serverErrors,
      sum(tokens_in) AS tokensIn, sum(tokens_out) AS tokensOut, max(latency_max) AS latencyMax
    FROM minute_stats WHERE minute >= ? GROUP BY feature`,
  /** The same figures from the rows of the partial first minute, [since, first whole minute). */
  partialByFeature: `SELECT coalesce(feature, '') AS feature, count(*) AS count,
      count(CASE WHEN status >= 400 OR error IS NOT NULL THEN 1 END) AS errors,
      count(CASE WHEN status >= 200 AND status < 300 THEN 1 END) AS ok,
      count(CASE WHEN status >= 400 AND status < 500 THEN 1 END) AS clientErrors,
      count(CASE WHEN status >= 500 AND status < 600 THEN 1 END) AS serverErrors,
      coalesce(sum(tokens_in), 0) AS tokensIn, coalesce(sum(tokens_out), 0) AS tokensOut, max(latency_ms) AS latencyMax
    FROM requests INDEXED BY requests_ts WHERE ts >= ? AND ts < ? GROUP BY coalesce(feature, '')`,
  /**
   * Every histogram of the window's whole minutes in one string ("b,n,b,n,…"): one value to fetch and
   * parse instead of ~20 rows a minute (24 h of 1 M requests: ~27,000 rows, ~900 KB; ~2 + 2 ms).
   */
  summaryHistograms: 'SELECT group_concat(histogram) AS histograms FROM minute_stats WHERE minute >= ?',
  partialLatencies: 'SELECT latency_ms FROM requests WHERE ts >= ? AND ts < ?',
  // Gaps that overlap [since, now]. `dropped` holds a row per overload episode (at most one per 10 s
  // of sustained overload), deleted with retention: small enough to scan.
  dropped: 'SELECT coalesce(sum(count), 0) AS n FROM dropped WHERE to_ts >= ?',

  /** The list statement for a filter; `beforeTs` is the ts of the `beforeId` row. */
  list(filter: ListQueryFilter, beforeTs?: number): { sql: string; params: (string | number)[] } {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (filter.feature !== undefined) {
      where.push('feature = ?');
      params.push(filter.feature);
    }
    if (filter.deployment !== undefined) {
      where.push('deployment = ?');
      params.push(filter.deployment);
    }
    if (filter.status !== undefined) {
      where.push('status = ?');
      params.push(filter.status);
    }
    if (filter.since !== undefined) {
      where.push('ts >= ?');
      params.push(filter.since);
    }
    if (filter.until !== undefined) {
      where.push('ts < ?');
      params.push(filter.until);
    }
    if (filter.beforeId !== undefined && beforeTs !== undefined) {
      // (ts, id) < (beforeTs, beforeId), written so that `ts <= ?` bounds the index range.
      where.push('ts <= ? AND (ts < ? OR id < ?)');
      params.push(beforeTs, beforeTs, filter.beforeId);
    }
    params.push(listLimit(filter.limit));
    // ORDER BY (ts, id) is the order of every index on requests (the rowid ends each), so no sort.
    const sql = `SELECT ${ROW_COLUMNS} FROM requests${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ts DESC, id DESC LIMIT ?`;
    return { sql, params };
  },
};

function listLimit(limit: number | undefined): number {
  return Math.min(Math.max(Math.trunc(limit ?? 100), 1), 1000);
}

type StoredRow = Omit<RequestRow, 'isStream' | 'hasPrompt'> & { isStream: 0 | 1; hasPrompt: 0 | 1 };
type StoredDetail = StoredRow & Pick<RequestDetail, 'prompt' | 'response'>;
type Totals = Pick<RequestStats, 'total' | 'ok' | 'clientErrors' | 'serverErrors' | 'tokensIn' | 'tokensOut'>;
/** One feature's figures ('' for none) from minute_stats or from rows. */
interface FeatureFigures {
  feature: string;
  count: number;
  errors: number;
  ok: number;
  clientErrors: number;
  serverErrors: number;
  tokensIn: number;
  tokensOut: number;
  latencyMax: number | null;
}

function toRow(row: StoredRow): RequestRow {
  return { ...row, isStream: row.isStream === 1, hasPrompt: row.hasPrompt === 1 };
}

function emptyStats(since: number): RequestStats {
  return { since, total: 0, ok: 0, clientErrors: 0, serverErrors: 0, latencyMs: { p50: null, p95: null, isUpperBound: false }, tokensIn: 0, tokensOut: 0, byFeature: [], dropped: 0, isAvailable: false };
}

/** Nearest-rank position (1-based) of percentile `p` among `n` values. */
function rank(p: number, n: number): number {
  return Math.min(n, Math.max(1, Math.ceil(p * n)));
}

/** Nearest-rank p50 and p95 of `values` (sorted in place). */
function exactPercentiles(values: Float64Array): Pick<RequestStats['latencyMs'], 'p50' | 'p95'> {
  if (values.length === 0) return { p50: null, p95: null };
  values.sort();
  return { p50: values[rank(0.5, values.length) - 1]!, p95: values[rank(0.95, values.length) - 1]! };
}

function prepareSummary(db: Database.Database) {
  return {
    byFeature: db.prepare<[number], FeatureFigures>(requestsQueries.summaryByFeature),
    histograms: db.prepare<[number], { histograms: string | null }>(requestsQueries.summaryHistograms),
  };
}

function prepareAll(db: Database.Database) {
  const listStatements = new Map<string, Database.Statement<(string | number)[], StoredRow>>();
  const hasSummary = db.prepare<[], { yes: 1 }>(requestsQueries.hasSummary);
  /** Prepared once minute_stats exists: a v1 file has no such table until the gateway migrates it. */
  let summary: ReturnType<typeof prepareSummary> | undefined;
  return {
    db,
    detail: db.prepare<[number], StoredDetail>(requestsQueries.detail),
    tsOf: db.prepare<[number], { ts: number }>(requestsQueries.tsOf),
    nextStatus: db.prepare<[number, number], { status: number }>(requestsQueries.nextStatus),
    totals: db.prepare<[number], Totals>(requestsQueries.totals),
    latencyAscending: db.prepare<[number, number], { value: number }>(requestsQueries.latencyAscending),
    latencyDescending: db.prepare<[number, number], { value: number }>(requestsQueries.latencyDescending),
    byFeature: db.prepare<[number], RequestStats['byFeature'][number]>(requestsQueries.byFeature),
    dropped: db.prepare<[number], { n: number }>(requestsQueries.dropped),
    latencies: db.prepare<[number], number>(requestsQueries.latencies).pluck(),
    partialByFeature: db.prepare<[number, number], FeatureFigures>(requestsQueries.partialByFeature),
    partialLatencies: db.prepare<[number, number], number>(requestsQueries.partialLatencies).pluck(),
    /** minute_stats' statements, or undefined while the file is still at v1. */
    summary() {
      if (!summary && hasSummary.get()) summary = prepareSummary(db);
      return summary;
    },
    /** One statement per filter shape (at most 2^6 of them), prepared on first use. */
    list(sql: string) {
      let statement = listStatements.get(sql);
      if (!statement) {
        statement = db.prepare<(string | number)[], StoredRow>(sql);
        listStatements.set(sql, statement);
      }
      return statement;
    },
  };
}
type Connection = ReturnType<typeof prepareAll>;

/**
 * Opens requests.db read-only, lazily: the gateway creates the file on its first run, so until then
 * every call answers "not available" and the next call looks again. A file from a newer Airlock is
 * refused (STORE_SCHEMA_TOO_NEW) without being touched.
 */
export function openRequestsRepo(path: string, options: RequestsRepoOptions = {}): RequestsRepo {
  const exactPercentileMaxRows = options.exactPercentileMaxRows ?? EXACT_PERCENTILE_MAX_ROWS;
  let connection: Connection | undefined;
  let isClosed = false;

  const tooNew = (found: number) => new AirlockError('STORE_SCHEMA_TOO_NEW', { path, found, supported: REQUESTS_DB_VERSION });

  function connect(): Connection | undefined {
    if (connection) return connection;
    if (isClosed || !existsSync(path)) return undefined;
    // The header first: a refused file is never opened through SQLite.
    const header = readSqliteHeader(path);
    // Absent, or the 0-byte file the gateway creates (0600) just before SQLite writes to it.
    if (header === undefined || header.kind === 'empty') return undefined;
    if (header.kind === 'not-sqlite') throw new AirlockError('STORE_NOT_SQLITE', { path });
    if (header.userVersion > REQUESTS_DB_VERSION) throw tooNew(header.userVersion);
    let db: Database.Database;
    try {
      db = new Database(path, { readonly: true, fileMustExist: true });
    } catch (error) {
      if (!existsSync(path)) return undefined;
      throw new AirlockError('STORE_OPEN_FAILED', { path, reason: (error as Error).message });
    }
    try {
      db.pragma('busy_timeout = 1000');
      // The header can be stale while the schema sits in the WAL: ask SQLite too.
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version > REQUESTS_DB_VERSION) throw tooNew(version);
      if (version === 0) {
        // The gateway is creating it right now.
        db.close();
        return undefined;
      }
      connection = prepareAll(db);
      return connection;
    } catch (error) {
      if (db.open) db.close();
      if (error instanceof AirlockError) throw error;
      throw new AirlockError('STORE_OPEN_FAILED', { path, reason: (error as Error).message });
    }
  }

  /** From the rows alone: a v1 file (no minute_stats). Exact; reads the whole window. */
  function computeStatsFromRows(c: Connection, since: number): RequestStats {
    const totals = c.totals.get(since)!;
    let latency: Pick<RequestStats['latencyMs'], 'p50' | 'p95'> = { p50: null, p95: null };
    if (totals.total > 0 && totals.total <= exactPercentileMaxRows) {
      latency = exactPercentiles(Float64Array.from(c.latencies.all(since)));
    } else if (totals.total > 0) {
      // Too many to hold: let SQLite's sorter keep only LIMIT + OFFSET of them.
      latency = {
        p50: c.latencyAscending.get(since, rank(0.5, totals.total) - 1)?.value ?? null,
        p95: c.latencyDescending.get(since, totals.total - rank(0.95, totals.total))?.value ?? null,
      };
    }
    return {
      since,
      ...totals,
      latencyMs: { ...latency, isUpperBound: false },
      byFeature: c.byFeature.all(since),
      dropped: c.dropped.get(since)!.n,
      isAvailable: true,
    };
  }

  /** From minute_stats for whole minutes, and the rows of the partial first minute. */
  function computeStatsFromSummary(c: Connection, summary: NonNullable<ReturnType<Connection['summary']>>, since: number): RequestStats {
    const firstMinute = Math.ceil(since / MINUTE_MS);
    const firstMinuteStart = firstMinute * MINUTE_MS;
    const totals: Totals = { total: 0, ok: 0, clientErrors: 0, serverErrors: 0, tokensIn: 0, tokensOut: 0 };
    const features = new Map<string, { count: number; errors: number }>();
    let latencyMax = Number.NEGATIVE_INFINITY;
    const parts = [summary.byFeature.all(firstMinute)];
    if (since < firstMinuteStart) parts.push(c.partialByFeature.all(since, firstMinuteStart));
    for (const part of parts) {
      for (const f of part) {
        totals.total += f.count;
        totals.ok += f.ok;
        totals.clientErrors += f.clientErrors;
        totals.serverErrors += f.serverErrors;
        totals.tokensIn += f.tokensIn;
        totals.tokensOut += f.tokensOut;
        if (f.latencyMax !== null && f.latencyMax > latencyMax) latencyMax = f.latencyMax;
        if (f.feature === '') continue;
        const entry = features.get(f.feature) ?? { count: 0, errors: 0 };
        entry.count += f.count;
        entry.errors += f.errors;
        features.set(f.feature, entry);
      }
    }
    const byFeature = [...features].map(([feature, figures]) => ({ feature, ...figures }));
    // As the row query's ORDER BY count DESC, feature (feature names are ASCII: same order).
    byFeature.sort((a, b) => b.count - a.count || (a.feature < b.feature ? -1 : a.feature > b.feature ? 1 : 0));

    let latencyMs: RequestStats['latencyMs'] = { p50: null, p95: null, isUpperBound: false };
    if (totals.total > 0 && totals.total <= exactPercentileMaxRows) {
      latencyMs = { ...exactPercentiles(Float64Array.from(c.latencies.all(since))), isUpperBound: false };
    } else if (totals.total > 0) {
      const counts = new Array<number>(LATENCY_BUCKET_COUNT).fill(0);
      addLatencyHistogram(counts, summary.histograms.get(firstMinute)!.histograms);
      if (since < firstMinuteStart) {
        for (const value of c.partialLatencies.all(since, firstMinuteStart)) counts[latencyBucketOf(value)]! += 1;
      }
      latencyMs = { p50: latencyPercentileUpperBound(counts, 0.5, latencyMax), p95: latencyPercentileUpperBound(counts, 0.95, latencyMax), isUpperBound: true };
    }
    return { since, ...totals, latencyMs, byFeature, dropped: c.dropped.get(since)!.n, isAvailable: true };
  }

  return {
    isAvailable(): boolean {
      try {
        return connect() !== undefined;
      } catch {
        return false;
      }
    },

    list(filter: RequestFilter): RequestRow[] {
      const c = connect();
      if (!c) return [];
      let beforeTs: number | undefined;
      if (filter.beforeId !== undefined) {
        beforeTs = c.tsOf.get(filter.beforeId)?.ts;
        // Gone: retention deleted it, and with it everything older (it deletes by ts).
        if (beforeTs === undefined) return [];
      }
      const run = (shape: ListQueryFilter) => {
        const { sql, params } = requestsQueries.list(shape, beforeTs);
        return c.list(sql).all(...params);
      };
      const { status, ...rest } = filter;
      if (typeof status !== 'string') return run({ ...rest, status }).map(toRow);
      // A class: one ordered index search per status present in it, merged. A range on status
      // would leave the (status, ts) index unable to give ts order, so every matching row in
      // the retention would be sorted for one page; scanning by ts instead reads the whole
      // window when the class is rare (5xx). A class holds a handful of distinct statuses.
      const [from, to] = STATUS_RANGES[status];
      const merged: StoredRow[] = [];
      for (let next = c.nextStatus.get(from, to); next; next = c.nextStatus.get(next.status + 1, to)) {
        merged.push(...run({ ...rest, status: next.status }));
      }
      merged.sort((a, b) => b.ts - a.ts || b.id - a.id);
      return merged.slice(0, listLimit(filter.limit)).map(toRow);
    },

    get(id: number): RequestDetail | null {
      const c = connect();
      const row = c?.detail.get(id);
      return row ? { ...toRow(row), prompt: row.prompt, response: row.response } : null;
    },

    stats(sinceMs: number): RequestStats {
      const c = connect();
      if (!c) return emptyStats(sinceMs);
      // One read transaction: the summary, the rows and the percentiles come from the same snapshot
      // (the gateway writes rows and their minute_stats in one transaction).
      return c.db.transaction(() => {
        const summary = c.summary();
        return summary ? computeStatsFromSummary(c, summary, sinceMs) : computeStatsFromRows(c, sinceMs);
      })();
    },

    close(): void {
      isClosed = true;
      if (connection?.db.open) connection.db.close();
      connection = undefined;
    },
  };
}

import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { AirlockError } from '../../shared/errors';
import {
  REQUESTS_DB_VERSION,
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
  /** Figures for the Overview over `ts >= sinceMs`. */
  stats(sinceMs: number): RequestStats;
  close(): void;
}

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
  // An error is a 4xx/5xx or an answer that failed after its status was sent (a cut stream).
  // INDEXED BY: left to itself the planner walks all of requests_feature_ts (to group without a
  // sort, or taking `feature IS NOT NULL` as a range), whatever the window.
  byFeature: `SELECT feature, count(*) AS count, count(CASE WHEN status >= 400 OR error IS NOT NULL THEN 1 END) AS errors
    FROM requests INDEXED BY requests_ts WHERE ts >= ? AND feature IS NOT NULL GROUP BY feature ORDER BY count DESC, feature`,
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

function prepareAll(db: Database.Database) {
  const listStatements = new Map<string, Database.Statement<(string | number)[], StoredRow>>();
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
export function openRequestsRepo(path: string): RequestsRepo {
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

  function computeStats(c: Connection, since: number): RequestStats {
    const totals = c.totals.get(since)!;
    let p50: number | null = null;
    let p95: number | null = null;
    if (totals.total > 0) {
      p50 = c.latencyAscending.get(since, rank(0.5, totals.total) - 1)?.value ?? null;
      p95 = c.latencyDescending.get(since, totals.total - rank(0.95, totals.total))?.value ?? null;
    }
    return {
      since,
      ...totals,
      latencyMs: { p50, p95, isUpperBound: false },
      byFeature: c.byFeature.all(since),
      dropped: c.dropped.get(since)!.n,
      isAvailable: true,
    };
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
      // One read transaction: the totals and the percentiles come from the same snapshot.
      return c.db.transaction(() => computeStats(c, sinceMs))();
    },

    close(): void {
      isClosed = true;
      if (connection?.db.open) connection.db.close();
      connection = undefined;
    },
  };
}

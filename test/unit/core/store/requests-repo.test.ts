import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openRequestsRepo, requestsQueries, type ListQueryFilter, type RequestsRepo } from '../../../../electron/core/store/requests-repo';
import {
  LATENCY_BUCKET_BOUNDS_MS,
  REQUESTS_DB_MIGRATIONS,
  REQUESTS_DB_SCHEMA,
  REQUESTS_DB_VERSION,
  latencyBucketOf,
  type RequestFilter,
  type RequestRecord,
  type RequestStats,
} from '../../../../electron/shared/gateway/requests';
import { requestRecord } from '../../../helpers/request-records';
import { useTempDir } from '../../../helpers/temp-dir';

const T = Date.parse('2026-11-21T12:00:00Z');

function record(i: number, overrides: Partial<RequestRecord> = {}): RequestRecord {
  return requestRecord({ ts: T + i * 1000, requestId: `req-${i}`, ...overrides });
}

/**
 * Writes requests.db as the gateway's worker does (WAL, the shared schema, user_version). Version 1:
 * the schema before minute_stats, as a gateway that has not been upgraded yet leaves it.
 */
function createDb(path: string, rows: RequestRecord[] = [], version = REQUESTS_DB_VERSION): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec(REQUESTS_DB_SCHEMA);
  if (version === 1) db.exec('DROP TABLE minute_stats');
  db.pragma(`user_version = ${version}`);
  insertRows(db, rows);
  return db;
}

/**
 * Inserts rows and, where minute_stats exists, brings it up to date in the same transaction as the
 * gateway does: here by rebuilding it with the v1→v2 backfill (that it equals the worker's own
 * upserts is checked in test/integration/gateway/request-log.test.ts).
 */
function insertRows(db: Database.Database, rows: RequestRecord[]): number[] {
  const insert = db.prepare(
    `INSERT INTO requests (ts, request_id, client_ip, client, method, endpoint, feature, unit_primitive, deployment, model, is_stream,
       status, latency_ms, ttfb_ms, tokens_in, tokens_out, error, prompt, response) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const hasSummary = db.prepare("SELECT 1 FROM sqlite_schema WHERE name = 'minute_stats'").get() !== undefined;
  return db.transaction(() => {
    const ids = rows.map(
      (r) =>
        insert.run(r.ts, r.requestId, r.clientIp, r.client, r.method, r.endpoint, r.feature, r.unitPrimitive, r.deployment, r.model, r.isStream ? 1 : 0, r.status, r.latencyMs, r.ttfbMs, r.tokensIn, r.tokensOut, r.error, r.prompt, r.response)
          .lastInsertRowid as number,
    );
    if (hasSummary) db.exec(REQUESTS_DB_MIGRATIONS[2]!);
    return ids;
  })();
}

/**
 * ~3,000 requests over three hours from T, every kind of row the summary must get right: no
 * feature (NULL or ''), no deployment, each status class and some outside 100–599, errors with a
 * 2xx, missing tokens, latencies on bucket edges, below the first and past the last, out of order.
 */
function mixedRows(): RequestRecord[] {
  let seed = 7;
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
  const features = ['code_completions', 'code_completions', 'code_generations', 'duo_chat', null, ''];
  const statuses = [200, 200, 200, 200, 201, 204, 302, 400, 401, 404, 429, 500, 502, 503, 101, 0, 99, 600];
  const specials = [0, 0.1, 0.25, 0.2500001, 1, 125, 125.0001, 630_000, 700_000];
  return Array.from({ length: 3000 }, (_, i) => {
    const latencyMs = random() < 0.1 ? pick(specials) : Math.round(Math.exp(random() * 10) * 1000) / 1000;
    return record(i, {
      // 3.6 s apart with jitter: several rows in most minutes, across every boundary.
      ts: T + Math.floor(i * 3600 + random() * 20_000),
      feature: pick(features),
      deployment: pick(['vllm-local', 'azure', null]),
      status: pick(statuses),
      latencyMs,
      tokensIn: random() < 0.2 ? null : Math.floor(random() * 2000),
      tokensOut: random() < 0.3 ? null : Math.floor(random() * 200),
      error: random() < 0.05 ? 'stream cut' : null,
    });
  });
}

/** Windows that start before, on and between minute boundaries, in the middle and past the end. */
const WINDOWS = [T - 1, T, T + 1, T + 30_500, T + 59_999, T + 60_000, T + 3_600_000 + 12_345, T + 10_799_999, T + 10_830_000, T + 86_400_000];

describe('requests repo (requests.db, read-only)', () => {
  const tempDir = useTempDir();
  const toClose: { close(): void }[] = [];
  afterEach(() => {
    for (const item of toClose.splice(0).reverse()) item.close();
  });
  const setup = (rows: RequestRecord[] = []) => {
    const path = join(tempDir(), 'requests.db');
    const writer = createDb(path, rows);
    const repo = openRequestsRepo(path);
    toClose.push(writer, repo);
    return { path, writer, repo };
  };
  const ids = (repo: RequestsRepo, filter: RequestFilter) => repo.list(filter).map((r) => r.requestId);

  it('is unavailable until the gateway has created the file, then opens it', () => {
    const path = join(tempDir(), 'requests.db');
    const repo = openRequestsRepo(path);
    toClose.push(repo);
    expect(repo.isAvailable()).toBe(false);
    expect(repo.list({})).toEqual([]);
    expect(repo.get(1)).toBeNull();
    expect(repo.stats(T)).toEqual({
      since: T,
      total: 0,
      ok: 0,
      clientErrors: 0,
      serverErrors: 0,
      latencyMs: { p50: null, p95: null, isUpperBound: false },
      tokensIn: 0,
      tokensOut: 0,
      byFeature: [],
      dropped: 0,
      isAvailable: false,
    });

    // The 0600 placeholder the gateway creates before SQLite writes to it.
    writeFileSync(path, '', { mode: 0o600 });
    expect(repo.isAvailable()).toBe(false);
    // SQLite has started, the schema is not there yet.
    const writer = new Database(path);
    toClose.push(writer);
    writer.pragma('journal_mode = WAL');
    expect(repo.isAvailable()).toBe(false);

    writer.exec(REQUESTS_DB_SCHEMA);
    writer.pragma(`user_version = ${REQUESTS_DB_VERSION}`);
    insertRows(writer, [record(1)]);
    expect(repo.isAvailable()).toBe(true);
    expect(ids(repo, {})).toEqual(['req-1']);
    expect(repo.stats(T)).toMatchObject({ total: 1, isAvailable: true });
  });

  it('opens a file whose writer has closed (no -wal, no -shm)', () => {
    const path = join(tempDir(), 'requests.db');
    createDb(path, [record(1), record(2)]).close();
    const repo = openRequestsRepo(path);
    toClose.push(repo);
    expect(ids(repo, {})).toEqual(['req-2', 'req-1']);
  });

  it('refuses a requests.db from a newer Airlock, in the header or only in the WAL, without touching it', () => {
    const path = join(tempDir(), 'requests.db');
    createDb(path, [record(1)]).close();
    const newer = new Database(path);
    newer.pragma(`user_version = ${REQUESTS_DB_VERSION + 1}`);
    newer.close();
    const before = readFileSync(path);
    const repo = openRequestsRepo(path);
    toClose.push(repo);
    expect(() => repo.list({})).toThrow(expect.objectContaining({ code: 'STORE_SCHEMA_TOO_NEW', message: expect.stringContaining(`schema version ${REQUESTS_DB_VERSION + 1}`) }));
    expect(() => repo.stats(T)).toThrow(`understands versions up to ${REQUESTS_DB_VERSION}`);
    expect(repo.isAvailable()).toBe(false);
    expect(readFileSync(path).equals(before)).toBe(true);

    // A newer gateway's change not yet checkpointed: the header still says 1.
    const path2 = join(tempDir(), 'requests.db');
    createDb(path2, [record(1)]).close();
    const writer = new Database(path2);
    toClose.push(writer);
    writer.pragma('wal_autocheckpoint = 0');
    writer.pragma(`user_version = ${REQUESTS_DB_VERSION + 1}`);
    expect(readFileSync(path2).readUInt32BE(60)).toBe(REQUESTS_DB_VERSION);
    const repo2 = openRequestsRepo(path2);
    toClose.push(repo2);
    expect(() => repo2.list({})).toThrow(expect.objectContaining({ code: 'STORE_SCHEMA_TOO_NEW' }));
  });

  it('refuses a file that is not SQLite', () => {
    const path = join(tempDir(), 'requests.db');
    writeFileSync(path, 'x'.repeat(4096));
    const repo = openRequestsRepo(path);
    toClose.push(repo);
    expect(() => repo.list({})).toThrow(expect.objectContaining({ code: 'STORE_NOT_SQLITE' }));
  });

  it('filters by feature, deployment, status class or exact status, and time window', () => {
    const { repo } = setup([
      record(1, { feature: 'code_completions', deployment: 'a', status: 200 }),
      record(2, { feature: 'code_generations', deployment: 'a', status: 404 }),
      record(3, { feature: 'code_completions', deployment: 'b', status: 500 }),
      record(4, { feature: 'duo_chat', deployment: 'b', status: 503 }),
      record(5, { feature: null, deployment: null, status: 401 }),
      record(6, { feature: 'code_completions', deployment: 'a', status: 201 }),
    ]);
    expect(ids(repo, {})).toEqual(['req-6', 'req-5', 'req-4', 'req-3', 'req-2', 'req-1']);
    expect(ids(repo, { feature: 'code_completions' })).toEqual(['req-6', 'req-3', 'req-1']);
    expect(ids(repo, { deployment: 'b' })).toEqual(['req-4', 'req-3']);
    expect(ids(repo, { status: '2xx' })).toEqual(['req-6', 'req-1']);
    expect(ids(repo, { status: '4xx' })).toEqual(['req-5', 'req-2']);
    expect(ids(repo, { status: '5xx' })).toEqual(['req-4', 'req-3']);
    expect(ids(repo, { status: 503 })).toEqual(['req-4']);
    expect(ids(repo, { status: '5xx', limit: 1 })).toEqual(['req-4']);
    expect(ids(repo, { status: '5xx', beforeId: repo.list({ status: 503 })[0]!.id })).toEqual(['req-3']);
    expect(ids(repo, { status: '4xx', feature: 'code_generations' })).toEqual(['req-2']);
    // since inclusive, until exclusive.
    expect(ids(repo, { since: T + 2000, until: T + 5000 })).toEqual(['req-4', 'req-3', 'req-2']);
    expect(ids(repo, { feature: 'code_completions', deployment: 'a', status: '2xx', since: T + 2000 })).toEqual(['req-6']);
    expect(ids(repo, { feature: 'nope' })).toEqual([]);
    expect(ids(repo, { limit: 2 })).toEqual(['req-6', 'req-5']);
  });

  it('pages newest first with beforeId, stable while new rows arrive, ordered by time', () => {
    // ts not in id order: a long stream finishes (and is written) after a later short request.
    const rows = Array.from({ length: 10 }, (_, i) => record(i + 1));
    rows.push(record(11, { ts: T + 4500 }));
    const { repo, writer } = setup(rows);
    const seen: string[] = [];
    let beforeId: number | undefined;
    for (let page = 0; page < 10; page += 1) {
      const result = repo.list({ limit: 3, beforeId });
      if (result.length === 0) break;
      seen.push(...result.map((r) => r.requestId));
      beforeId = result[result.length - 1]!.id;
      if (page === 0) insertRows(writer, [record(20)]);
    }
    expect(seen).toEqual(['req-10', 'req-9', 'req-8', 'req-7', 'req-6', 'req-5', 'req-11', 'req-4', 'req-3', 'req-2', 'req-1']);
    // Equal timestamps: id breaks the tie, and the page boundary may fall between them.
    insertRows(writer, [record(30, { ts: T }), record(31, { ts: T })]);
    const tied = repo.list({ until: T + 1, limit: 2 });
    expect(tied.map((r) => r.requestId)).toEqual(['req-31', 'req-30']);
    expect(ids(repo, { until: T + 1, beforeId: tied[0]!.id })).toEqual(['req-30']);
    // A row retention has deleted: everything older is gone too.
    expect(repo.list({ beforeId: 999_999 })).toEqual([]);
  });

  it('returns the detail with prompt and response; the list only says whether there is one', () => {
    const { repo } = setup([
      record(1, { prompt: 'def add(a, b):', response: '    return a + b', isStream: true, ttfbMs: 12.5, tokensIn: 10, tokensOut: 5, error: null }),
      record(2, { status: 502, error: 'upstream answered 502' }),
    ]);
    const [second, first] = repo.list({});
    expect(first).toMatchObject({ requestId: 'req-1', hasPrompt: true, isStream: true, ttfbMs: 12.5, tokensIn: 10, tokensOut: 5 });
    expect(first).not.toHaveProperty('prompt');
    expect(second).toMatchObject({ requestId: 'req-2', hasPrompt: false, isStream: false, error: 'upstream answered 502' });
    expect(repo.get(first!.id)).toEqual({ ...first, prompt: 'def add(a, b):', response: '    return a + b' });
    expect(repo.get(second!.id)).toEqual({ ...second, prompt: null, response: null });
    expect(repo.get(12345)).toBeNull();
  });

  it.each([REQUESTS_DB_VERSION, 1])('computes the Overview figures: totals, classes, nearest-rank percentiles, tokens, features, drops (user_version %i)', (version) => {
    const rows: RequestRecord[] = [];
    // 100 requests in the window with latencies 1..100 ms (shuffled), 5 before it.
    const latencies = Array.from({ length: 100 }, (_, i) => ((i * 37) % 100) + 1);
    latencies.forEach((latencyMs, i) => {
      const status = i < 80 ? 200 : i < 90 ? 429 : 500;
      rows.push(record(i, { latencyMs, status, feature: i % 2 === 0 ? 'code_completions' : 'duo_chat', tokensIn: i < 50 ? 100 : null, tokensOut: i < 10 ? 7 : null }));
    });
    rows.push(record(100, { feature: 'code_completions', status: 200, error: 'stream cut after 3 s' }));
    for (let i = 1; i <= 5; i += 1) rows.push(record(-1000 * i, { latencyMs: 10_000, status: 500, feature: 'old_feature' }));
    const path = join(tempDir(), 'requests.db');
    const writer = createDb(path, rows, version);
    const repo = openRequestsRepo(path);
    toClose.push(writer, repo);
    writer.prepare('INSERT INTO dropped (from_ts, to_ts, count) VALUES (?, ?, ?), (?, ?, ?), (?, ?, ?)').run(T - 90_000_000, T - 80_000_000, 50, T - 1000, T + 500, 7, T + 2000, T + 3000, 3);

    expect(repo.stats(T)).toEqual({
      since: T,
      total: 101,
      ok: 81,
      clientErrors: 10,
      serverErrors: 10,
      // 101 values: 1..100 and 10 (the cut stream). Rank ceil(0.5 × 101) = 51 → 50; rank ceil(0.95 × 101) = 96 → 95.
      latencyMs: { p50: 50, p95: 95, isUpperBound: false },
      tokensIn: 5000,
      tokensOut: 70,
      byFeature: [
        { feature: 'code_completions', count: 51, errors: 11 },
        { feature: 'duo_chat', count: 50, errors: 10 },
      ],
      dropped: 10,
      isAvailable: true,
    });
    // One value: both percentiles are it. (T + 100 s: a partial first minute, read from its rows.)
    expect(repo.stats(T + 100_000).latencyMs).toEqual({ p50: 10, p95: 10, isUpperBound: false });
    expect(repo.stats(T + 100_000)).toMatchObject({ total: 1, ok: 1, byFeature: [{ feature: 'code_completions', count: 1, errors: 1 }] });
    expect(repo.stats(T + 1_000_000)).toMatchObject({ total: 0, latencyMs: { p50: null, p95: null }, byFeature: [], dropped: 0, isAvailable: true });
  });

  it('answers every windowed query from an index: no full scan, and no sort for the list', () => {
    const { writer } = setup([record(1)]);
    const plan = (sql: string, params: unknown[]) =>
      (writer.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((row) => row.detail);
    // A status class runs as one query per status present in it (see the class test below).
    const filters: ListQueryFilter[] = [
      { since: T },
      { since: T, until: T + 1000 },
      { since: T, beforeId: 1 },
      { feature: 'code_completions', since: T },
      { deployment: 'vllm-local', since: T, until: T + 1000 },
      { status: 500, since: T },
      { status: 429, since: T, beforeId: 1 },
      { feature: 'code_completions', deployment: 'vllm-local', status: 404, since: T, until: T + 1000, beforeId: 1 },
      // No window, but an equality on an indexed column: still a search.
      { feature: 'code_completions' },
    ];
    for (const filter of filters) {
      const { sql, params } = requestsQueries.list(filter, filter.beforeId === undefined ? undefined : T);
      const steps = plan(sql, params);
      expect(steps.join(' | '), JSON.stringify(filter)).toMatch(/^SEARCH requests USING INDEX requests_\w+ \(/);
      expect(steps.some((step) => step.startsWith('SCAN') || step.includes('TEMP B-TREE')), `${JSON.stringify(filter)}: ${steps.join(' | ')}`).toBe(false);
    }
    const windowed = [requestsQueries.totals, requestsQueries.byFeature, requestsQueries.latencies].map((sql) => plan(sql, [T]));
    windowed.push(plan(requestsQueries.latencyAscending, [T, 0]), plan(requestsQueries.latencyDescending, [T, 0]));
    for (const steps of windowed) {
      expect(steps.some((step) => step.startsWith('SCAN requests')), steps.join(' | ')).toBe(false);
      expect(steps.some((step) => /^SEARCH requests USING INDEX requests_ts \(ts>\?\)/.test(step)), steps.join(' | ')).toBe(true);
    }
    // The partial first minute: one bounded range of requests_ts.
    for (const sql of [requestsQueries.partialByFeature, requestsQueries.partialLatencies]) {
      const steps = plan(sql, [T, T + 60_000]);
      expect(steps.some((step) => step.startsWith('SCAN')), steps.join(' | ')).toBe(false);
      expect(steps.some((step) => step.startsWith('SEARCH requests USING INDEX requests_ts (ts>? AND ts<?)')), steps.join(' | ')).toBe(true);
    }
    // The whole minutes: a range of minute_stats' primary key (WITHOUT ROWID: the table is the index).
    for (const sql of [requestsQueries.summaryByFeature, requestsQueries.summaryHistograms]) {
      const steps = plan(sql, [T / 60_000]);
      expect(steps.some((step) => step.startsWith('SCAN')), steps.join(' | ')).toBe(false);
      expect(steps.some((step) => step.startsWith('SEARCH minute_stats USING PRIMARY KEY (minute>?)')), steps.join(' | ')).toBe(true);
    }
    expect(plan(requestsQueries.detail, [1])).toEqual(['SEARCH requests USING INTEGER PRIMARY KEY (rowid=?)']);
    expect(plan(requestsQueries.nextStatus, [500, 600])).toEqual(['SEARCH requests USING COVERING INDEX requests_status_ts (status>? AND status<?)']);
  });
  it('reads whole minutes from minute_stats and the partial first minute from its rows: the same figures as the rows alone', () => {
    const rows = mixedRows();
    const summarized = setup(rows);
    const v1Path = join(tempDir(), 'requests.db');
    const v1Writer = createDb(v1Path, rows, 1);
    const rowsOnly = openRequestsRepo(v1Path);
    toClose.push(v1Writer, rowsOnly);
    summarized.writer.prepare('INSERT INTO dropped (from_ts, to_ts, count) VALUES (?, ?, ?)').run(T + 1000, T + 2000, 4);
    v1Writer.prepare('INSERT INTO dropped (from_ts, to_ts, count) VALUES (?, ?, ?)').run(T + 1000, T + 2000, 4);

    for (const since of WINDOWS) {
      const expected = rowsOnly.stats(since);
      // Under 50,000 rows: percentiles exact, from the rows, on both paths.
      expect(summarized.repo.stats(since), `since T + ${since - T} ms`).toEqual(expected);
    }
    const all = rowsOnly.stats(T);
    expect(all).toMatchObject({ total: 3000, dropped: 4, latencyMs: { isUpperBound: false } });
    expect(all.byFeature.map((f) => f.feature)).toEqual(['code_completions', 'code_generations', 'duo_chat']);
    expect(all.clientErrors + all.serverErrors + all.ok).toBeLessThan(all.total);

    // It does read the summary for whole minutes, and only for them: a change to minute_stats shows
    // in a window that covers that minute, not in one that starts inside it.
    const bumpedKeys = summarized.writer.prepare('UPDATE minute_stats SET count = count + 1000 WHERE minute = ? AND status_class = 2').run(T / 60_000 + 1).changes;
    expect(bumpedKeys).toBeGreaterThan(0);
    expect(summarized.repo.stats(T).total - all.total).toBe(1000 * bumpedKeys);
    expect(summarized.repo.stats(T + 60_001).total).toBe(rowsOnly.stats(T + 60_001).total);
  });

  it('reads percentiles from the merged histogram past exactPercentileMaxRows: upper bounds, within one bucket of the exact value', () => {
    // The R10 edges: 0.25 ms to 630 s, adjacent edges 1.25–1.28× apart; an edge is in its own bucket.
    expect(LATENCY_BUCKET_BOUNDS_MS[0]).toBe(0.25);
    expect(LATENCY_BUCKET_BOUNDS_MS.at(-1)).toBe(630_000);
    for (let i = 1; i < LATENCY_BUCKET_BOUNDS_MS.length; i += 1) {
      const ratio = LATENCY_BUCKET_BOUNDS_MS[i]! / LATENCY_BUCKET_BOUNDS_MS[i - 1]!;
      expect(ratio).toBeGreaterThanOrEqual(1.25);
      expect(ratio).toBeLessThanOrEqual(1.28);
      expect(latencyBucketOf(LATENCY_BUCKET_BOUNDS_MS[i]!)).toBe(i);
      expect(latencyBucketOf(LATENCY_BUCKET_BOUNDS_MS[i]! * 1.000001)).toBe(i + 1);
    }
    expect([latencyBucketOf(-1), latencyBucketOf(0), latencyBucketOf(0.25), latencyBucketOf(1e9)]).toEqual([0, 0, 0, LATENCY_BUCKET_BOUNDS_MS.length]);

    const rows = mixedRows();
    const path = join(tempDir(), 'requests.db');
    const writer = createDb(path, rows);
    const histogram = openRequestsRepo(path, { exactPercentileMaxRows: 100 });
    const exact = openRequestsRepo(path);
    toClose.push(writer, histogram, exact);
    const checked: RequestStats[] = [];
    for (const since of WINDOWS) {
      const expected = exact.stats(since);
      const actual = histogram.stats(since);
      const label = `since T + ${since - T} ms`;
      expect({ ...actual, latencyMs: undefined }, label).toEqual({ ...expected, latencyMs: undefined });
      if (expected.total <= 100) {
        expect(actual.latencyMs, label).toEqual(expected.latencyMs);
        continue;
      }
      checked.push(actual);
      expect(actual.latencyMs.isUpperBound, label).toBe(true);
      for (const p of ['p50', 'p95'] as const) {
        const bound = actual.latencyMs[p]!;
        const value = expected.latencyMs[p]!;
        expect(bound, `${label} ${p}`).toBeGreaterThanOrEqual(value);
        // Within one bucket: the bound is the upper edge of the bucket holding the exact value.
        expect(bound, `${label} ${p}`).toBe(LATENCY_BUCKET_BOUNDS_MS[latencyBucketOf(value)]);
        if (value > 0.25) expect(bound / value, `${label} ${p}`).toBeLessThan(1.28);
      }
    }
    expect(checked.length).toBeGreaterThanOrEqual(5);
    // The whole window: each bound is the upper edge of the exact value's bucket.
    const { p50, p95 } = exact.stats(T).latencyMs;
    expect(histogram.stats(T).latencyMs).toEqual({ p50: LATENCY_BUCKET_BOUNDS_MS[latencyBucketOf(p50!)], p95: LATENCY_BUCKET_BOUNDS_MS[latencyBucketOf(p95!)], isUpperBound: true });

    // Past the last edge (630 s) the bucket has no upper edge: the largest latency bounds it.
    const slowPath = join(tempDir(), 'requests.db');
    const slowWriter = createDb(slowPath, [record(1, { latencyMs: 10 }), ...Array.from({ length: 20 }, (_, i) => record(i + 2, { latencyMs: 700_000 + i }))]);
    const slow = openRequestsRepo(slowPath, { exactPercentileMaxRows: 0 });
    toClose.push(slowWriter, slow);
    expect(slow.stats(T).latencyMs).toEqual({ p50: 700_019, p95: 700_019, isUpperBound: true });
  });

  it('falls back to the rows on a v1 file (no minute_stats), and reads the summary once the gateway has migrated it', () => {
    const rows = mixedRows();
    const path = join(tempDir(), 'requests.db');
    const writer = createDb(path, rows, 1);
    // exactPercentileMaxRows 0: the summary path would answer with upper bounds; the rows cannot.
    const repo = openRequestsRepo(path, { exactPercentileMaxRows: 0 });
    toClose.push(writer, repo);
    const before = repo.stats(T + 30_500);
    expect(before).toMatchObject({ total: expect.any(Number), isAvailable: true, latencyMs: { isUpperBound: false } });
    expect(before.total).toBeGreaterThan(2900);
    expect(writer.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name = 'minute_stats'").get()).toEqual({ n: 0 });

    // The gateway's worker migrates while the core holds its connection open.
    writer.transaction(() => {
      writer.exec(REQUESTS_DB_MIGRATIONS[2]!);
      writer.pragma('user_version = 2');
    }).immediate();
    const after = repo.stats(T + 30_500);
    expect(after.latencyMs.isUpperBound).toBe(true);
    expect({ ...after, latencyMs: undefined }).toEqual({ ...before, latencyMs: undefined });
  });
});

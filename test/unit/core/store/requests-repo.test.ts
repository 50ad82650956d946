import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openRequestsRepo, requestsQueries, type ListQueryFilter, type RequestsRepo } from '../../../../electron/core/store/requests-repo';
import { REQUESTS_DB_SCHEMA, type RequestFilter, type RequestRecord } from '../../../../electron/shared/gateway/requests';
import { useTempDir } from '../../../helpers/temp-dir';

const T = Date.parse('2026-11-21T12:00:00Z');

function record(i: number, overrides: Partial<RequestRecord> = {}): RequestRecord {
  return {
    ts: T + i * 1000,
    requestId: `req-${i}`,
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

/** Writes requests.db as the gateway's worker does (WAL, the shared schema, user_version 1). */
function createDb(path: string, rows: RequestRecord[] = []): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec(REQUESTS_DB_SCHEMA);
  db.pragma('user_version = 1');
  insertRows(db, rows);
  return db;
}

function insertRows(db: Database.Database, rows: RequestRecord[]): number[] {
  const insert = db.prepare(
    `INSERT INTO requests (ts, request_id, client_ip, client, method, endpoint, feature, unit_primitive, deployment, model, is_stream,
       status, latency_ms, ttfb_ms, tokens_in, tokens_out, error, prompt, response) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  return db.transaction(() =>
    rows.map(
      (r) =>
        insert.run(r.ts, r.requestId, r.clientIp, r.client, r.method, r.endpoint, r.feature, r.unitPrimitive, r.deployment, r.model, r.isStream ? 1 : 0, r.status, r.latencyMs, r.ttfbMs, r.tokensIn, r.tokensOut, r.error, r.prompt, r.response)
          .lastInsertRowid as number,
    ),
  )();
}

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
      latencyMs: { p50: null, p95: null },
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
    writer.pragma('user_version = 1');
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
    newer.pragma('user_version = 2');
    newer.close();
    const before = readFileSync(path);
    const repo = openRequestsRepo(path);
    toClose.push(repo);
    expect(() => repo.list({})).toThrow(expect.objectContaining({ code: 'STORE_SCHEMA_TOO_NEW', message: expect.stringContaining('schema version 2') }));
    expect(() => repo.stats(T)).toThrow(/understands versions up to 1/);
    expect(repo.isAvailable()).toBe(false);
    expect(readFileSync(path).equals(before)).toBe(true);

    // A newer gateway's change not yet checkpointed: the header still says 1.
    const path2 = join(tempDir(), 'requests.db');
    createDb(path2, [record(1)]).close();
    const writer = new Database(path2);
    toClose.push(writer);
    writer.pragma('wal_autocheckpoint = 0');
    writer.pragma('user_version = 2');
    expect(readFileSync(path2).readUInt32BE(60)).toBe(1);
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

  it('computes the Overview figures: totals, classes, nearest-rank percentiles, tokens, features, drops', () => {
    const rows: RequestRecord[] = [];
    // 100 requests in the window with latencies 1..100 ms (shuffled), 5 before it.
    const latencies = Array.from({ length: 100 }, (_, i) => ((i * 37) % 100) + 1);
    latencies.forEach((latencyMs, i) => {
      const status = i < 80 ? 200 : i < 90 ? 429 : 500;
      rows.push(record(i, { latencyMs, status, feature: i % 2 === 0 ? 'code_completions' : 'duo_chat', tokensIn: i < 50 ? 100 : null, tokensOut: i < 10 ? 7 : null }));
    });
    rows.push(record(100, { feature: 'code_completions', status: 200, error: 'stream cut after 3 s' }));
    for (let i = 1; i <= 5; i += 1) rows.push(record(-1000 * i, { latencyMs: 10_000, status: 500, feature: 'old_feature' }));
    const { repo, writer } = setup(rows);
    writer.prepare('INSERT INTO dropped (from_ts, to_ts, count) VALUES (?, ?, ?), (?, ?, ?), (?, ?, ?)').run(T - 90_000_000, T - 80_000_000, 50, T - 1000, T + 500, 7, T + 2000, T + 3000, 3);

    expect(repo.stats(T)).toEqual({
      since: T,
      total: 101,
      ok: 81,
      clientErrors: 10,
      serverErrors: 10,
      // 101 values: 1..100 and 10 (the cut stream). Rank ceil(0.5 × 101) = 51 → 50; rank ceil(0.95 × 101) = 96 → 95.
      latencyMs: { p50: 50, p95: 95 },
      tokensIn: 5000,
      tokensOut: 70,
      byFeature: [
        { feature: 'code_completions', count: 51, errors: 11 },
        { feature: 'duo_chat', count: 50, errors: 10 },
      ],
      dropped: 10,
      isAvailable: true,
    });
    // One value: both percentiles are it.
    expect(repo.stats(T + 100_000).latencyMs).toEqual({ p50: 10, p95: 10 });
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
    const windowed = [requestsQueries.totals, requestsQueries.byFeature].map((sql) => plan(sql, [T]));
    windowed.push(plan(requestsQueries.latencyAscending, [T, 0]), plan(requestsQueries.latencyDescending, [T, 0]));
    for (const steps of windowed) {
      expect(steps.some((step) => step.startsWith('SCAN requests')), steps.join(' | ')).toBe(false);
      expect(steps.some((step) => /^SEARCH requests USING INDEX requests_ts \(ts>\?\)/.test(step)), steps.join(' | ')).toBe(true);
    }
    expect(plan(requestsQueries.detail, [1])).toEqual(['SEARCH requests USING INTEGER PRIMARY KEY (rowid=?)']);
    expect(plan(requestsQueries.nextStatus, [500, 600])).toEqual(['SEARCH requests USING COVERING INDEX requests_status_ts (status>? AND status<?)']);
  });
});

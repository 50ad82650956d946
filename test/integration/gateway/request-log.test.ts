import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openRequestsRepo } from '../../../electron/core/store/requests-repo';
import {
  BODY_MAX_BYTES,
  ERROR_MAX_BYTES,
  createRequestLog,
  defaultRequestLogWorkerPath,
  truncateUtf8,
  type RequestLog,
  type RequestLogOptions,
} from '../../../electron/gateway/request-log/request-log';
import {
  LATENCY_BUCKET_COUNT,
  MINUTE_MS,
  REQUESTS_DB_SCHEMA,
  REQUESTS_DB_VERSION,
  addLatencyHistogram,
  latencyBucketOf,
  type RequestRecord,
} from '../../../electron/shared/gateway/requests';
import { requestRecord } from '../../helpers/request-records';
import { useTempDir } from '../../helpers/temp-dir';

const NOW = Date.parse('2026-11-21T12:00:00Z');
const DAY = 86_400_000;

function record(i: number, overrides: Partial<RequestRecord> = {}): RequestRecord {
  return requestRecord({ ts: NOW + i, requestId: `req-${i}`, latencyMs: 12.5, ttfbMs: 3.25, tokensIn: 512, tokensOut: 64, ...overrides });
}

const waitFor = (assertion: () => void, timeout = 10_000) => vi.waitFor(assertion, { timeout, interval: 10 });

interface Summary {
  count: number;
  errors: number;
  tokensIn: number;
  tokensOut: number;
  latencySum: number;
  latencyMax: number;
  histogram: number[];
}

/**
 * minute_stats as stored, and as it should be, recomputed here from the rows in requests. Keys are
 * "minute feature deployment class"; latencySum is compared to 6 digits (the order of the additions
 * differs).
 */
function summaries(path: string): { stored: Map<string, Summary>; fromRows: Map<string, Summary> } {
  const db = new Database(path, { readonly: true });
  try {
    type Stored = { minute: number; feature: string; deployment: string; statusClass: number; histogram: string } & Omit<Summary, 'histogram'>;
    const stored = new Map<string, Summary>();
    const rows = db
      .prepare(
        `SELECT minute, feature, deployment, status_class AS statusClass, count, errors, tokens_in AS tokensIn, tokens_out AS tokensOut,
           latency_sum AS latencySum, latency_max AS latencyMax, histogram FROM minute_stats`,
      )
      .all() as Stored[];
    for (const { minute, feature, deployment, statusClass, histogram, ...figures } of rows) {
      const counts = new Array<number>(LATENCY_BUCKET_COUNT).fill(0);
      addLatencyHistogram(counts, histogram);
      stored.set(`${minute} ${feature} ${deployment} ${statusClass}`, { ...figures, latencySum: round(figures.latencySum), histogram: counts });
    }
    const fromRows = new Map<string, Summary>();
    type Row = { ts: number; feature: string | null; deployment: string | null; status: number; latencyMs: number; tokensIn: number | null; tokensOut: number | null; error: string | null };
    for (const row of db.prepare('SELECT ts, feature, deployment, status, latency_ms AS latencyMs, tokens_in AS tokensIn, tokens_out AS tokensOut, error FROM requests ORDER BY id').all() as Row[]) {
      const statusClass = row.status >= 100 && row.status < 600 ? Math.floor(row.status / 100) : 0;
      const key = `${Math.floor(row.ts / MINUTE_MS)} ${row.feature ?? ''} ${row.deployment ?? ''} ${statusClass}`;
      const entry = fromRows.get(key) ?? { count: 0, errors: 0, tokensIn: 0, tokensOut: 0, latencySum: 0, latencyMax: -Infinity, histogram: new Array<number>(LATENCY_BUCKET_COUNT).fill(0) };
      entry.count += 1;
      if (row.status >= 400 || row.error !== null) entry.errors += 1;
      entry.tokensIn += row.tokensIn ?? 0;
      entry.tokensOut += row.tokensOut ?? 0;
      entry.latencySum += row.latencyMs;
      entry.latencyMax = Math.max(entry.latencyMax, row.latencyMs);
      entry.histogram[latencyBucketOf(row.latencyMs)]! += 1;
      fromRows.set(key, entry);
    }
    for (const entry of fromRows.values()) entry.latencySum = round(entry.latencySum);
    return { stored, fromRows };
  } finally {
    db.close();
  }
}

const round = (value: number) => Math.round(value * 1e6) / 1e6;

/**
 * Requests around NOW (the first at NOW - 45 s, across two minute boundaries), every kind of row
 * the summary must get right: no feature or deployment, each status class and odd statuses, errors
 * on a 2xx, missing tokens, latencies on bucket edges, below the first and past the last.
 */
function mixedRecords(from: number, count: number, spacingMs = 97): RequestRecord[] {
  const features = ['code_completions', 'duo_chat', null, ''];
  const deployments = ['vllm-local', 'azure', null];
  const statuses = [200, 201, 200, 404, 429, 500, 502, 302, 101, 0];
  const latencies = [0, 0.25, 0.3, 1, 12.5, 125, 125.5, 999.9, 4000, 630_000, 700_000, 33.3];
  return Array.from({ length: count }, (_, k) => {
    const i = from + k;
    return record(i, {
      ts: NOW - 45_000 + i * spacingMs,
      feature: features[i % features.length]!,
      deployment: deployments[i % deployments.length]!,
      status: statuses[i % statuses.length]!,
      latencyMs: latencies[i % latencies.length]!,
      tokensIn: i % 5 === 0 ? null : i,
      tokensOut: i % 7 === 0 ? null : 2 * i,
      error: i % 11 === 0 ? 'stream cut' : null,
    });
  });
}

/** A requests.db as a v1 gateway left it: no minute_stats, user_version 1. */
function createV1(path: string, rows: RequestRecord[]): void {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec(REQUESTS_DB_SCHEMA);
  db.exec('DROP TABLE minute_stats');
  db.pragma('user_version = 1');
  const insert = db.prepare(
    `INSERT INTO requests (ts, request_id, client_ip, client, method, endpoint, feature, unit_primitive, deployment, model, is_stream,
       status, latency_ms, ttfb_ms, tokens_in, tokens_out, error, prompt, response) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  db.transaction(() => {
    for (const r of rows) {
      insert.run(r.ts, r.requestId, r.clientIp, r.client, r.method, r.endpoint, r.feature, r.unitPrimitive, r.deployment, r.model, r.isStream ? 1 : 0, r.status, r.latencyMs, r.ttfbMs, r.tokensIn, r.tokensOut, r.error, r.prompt, r.response);
    }
  })();
  db.close();
}

describe('request log (requests.db, worker thread)', () => {
  const tempDir = useTempDir();
  const open: RequestLog[] = [];
  const handles: Database.Database[] = [];
  afterEach(async () => {
    for (const handle of handles.splice(0)) if (handle.open) handle.close();
    for (const log of open.splice(0)) await log.close();
  });
  const create = (options: Partial<RequestLogOptions> & { path: string }) => {
    const log = createRequestLog({ retentionDays: () => 30, now: () => NOW, ...options });
    open.push(log);
    return log;
  };
  const connect = (path: string, options?: Database.Options) => {
    const db = new Database(path, options);
    handles.push(db);
    return db;
  };
  const count = (path: string, table = 'requests') => {
    const db = new Database(path, { readonly: true });
    try {
      return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    } finally {
      db.close();
    }
  };

  it('finds its worker next to itself in the sources', () => {
    expect(defaultRequestLogWorkerPath()).toBe(join(process.cwd(), 'electron/gateway/request-log/request-log-worker.ts'));
  });

  it('writes every field, and the core reads them back', async () => {
    const path = join(tempDir(), 'requests.db');
    const log = create({ path });
    const full = record(1, {
      isStream: true,
      status: 502,
      latencyMs: 1234.567,
      ttfbMs: 88.125,
      tokensIn: 4096,
      tokensOut: 321,
      error: 'upstream answered 502',
      prompt: 'def fib(n):\n    # complete me ✓',
      response: '    return n if n < 2 else fib(n - 1) + fib(n - 2)',
      endpoint: '/v1/prompts/chat/explain_code',
      method: 'POST',
      client: 'token:ci (t-42)',
      clientIp: '2001:db8::1',
    });
    const sparse = record(2, { feature: null, unitPrimitive: null, deployment: null, model: null, ttfbMs: null, tokensIn: null, tokensOut: null, status: 401, client: 'anonymous' });
    log.append(full);
    log.append(sparse);
    await waitFor(() => expect(log.stats().written).toBe(2));

    const repo = openRequestsRepo(path);
    try {
      const rows = repo.list({});
      expect(rows.map((r) => r.requestId)).toEqual(['req-2', 'req-1']);
      const { id: _fullId, ...fullRow } = repo.get(rows[1]!.id)!;
      expect(fullRow).toEqual({ ...full, hasPrompt: true });
      const { id: _sparseId, ...sparseRow } = repo.get(rows[0]!.id)!;
      expect(sparseRow).toEqual({ ...sparse, hasPrompt: false });
      expect(rows[0]!.hasPrompt).toBe(false);
    } finally {
      repo.close();
    }
    expect(log.stats()).toMatchObject({ written: 2, dropped: 0, queued: 0, lastError: null });
  });

  it('creates the file 0600 (its directory 0700) with the schema at the current user_version', async () => {
    const dir = join(tempDir(), 'data', 'gateway');
    const path = join(dir, 'requests.db');
    const log = create({ path });
    log.append(record(1));
    await waitFor(() => expect(log.stats().written).toBe(1));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(`${path}-wal`).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const db = connect(path, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(REQUESTS_DB_VERSION);
    expect(db.prepare('SELECT minute, count FROM minute_stats').all()).toEqual([{ minute: Math.floor((NOW + 1) / MINUTE_MS), count: 1 }]);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('auto_vacuum', { simple: true })).toBe(2);
  });

  it('batches: thousands of appends become a handful of transactions', async () => {
    const path = join(tempDir(), 'requests.db');
    const log = create({ path });
    for (let i = 0; i < 2000; i += 1) log.append(record(i));
    await waitFor(() => expect(log.stats().written).toBe(2000));
    // 500 rows per message, one transaction per message.
    expect(log.stats().transactions).toBe(4);
    expect(count(path)).toBe(2000);
  });

  it('refuses a requests.db from a newer Airlock, writes nothing, and counts every row as dropped', async () => {
    const path = join(tempDir(), 'requests.db');
    const newer = new Database(path);
    newer.exec(`CREATE TABLE requests (id INTEGER PRIMARY KEY, future TEXT); PRAGMA user_version = ${REQUESTS_DB_VERSION + 1};`);
    newer.close();
    const before = readFileSync(path);
    const warnings: string[] = [];
    const log = create({ path, logger: { warn: (message) => void warnings.push(message) } });
    log.append(record(1));
    log.append(record(2));
    await waitFor(() => expect(log.stats().lastError).toContain(`schema version ${REQUESTS_DB_VERSION + 1}`));
    log.append(record(3));
    expect(log.stats()).toMatchObject({ written: 0, dropped: 3, queued: 0 });
    expect(warnings.some((w) => w.includes(`understands versions up to ${REQUESTS_DB_VERSION}`))).toBe(true);
    await log.close();
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(existsSync(`${path}-wal`)).toBe(false);
  });

  it('refuses a file that is not SQLite without touching it', async () => {
    const path = join(tempDir(), 'requests.db');
    writeFileSync(path, 'not a database\n'.repeat(100), { mode: 0o600 });
    const before = readFileSync(path);
    const log = create({ path });
    log.append(record(1));
    await waitFor(() => expect(log.stats().lastError).toContain('is not an SQLite database'));
    await log.close();
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('falls behind without slowing anyone: drops past maxQueued, counts them, and records the gap', async () => {
    const path = join(tempDir(), 'requests.db');
    const log = create({ path });
    log.append(record(0));
    await waitFor(() => expect(log.stats().written).toBe(1));

    // Another connection holds the write lock: the worker's next transaction waits on it.
    const locker = connect(path);
    locker.pragma('busy_timeout = 0');
    locker.exec('BEGIN EXCLUSIVE');

    const started = performance.now();
    for (let i = 1; i <= 20_000; i += 1) log.append(record(i));
    const elapsed = performance.now() - started;
    // A functional bound (measured ~1 µs per append, 20 ms for all): an append that waited on the
    // lock would take the busy timeout per call, and 20,000 of them would take hours.
    expect(elapsed).toBeLessThan(1000);
    expect(log.stats()).toMatchObject({ written: 1, dropped: 10_000, queued: 10_000 });

    // Everything is sent; the worker is stuck on the lock and nothing more is accepted.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(log.stats()).toMatchObject({ written: 1, dropped: 10_000, queued: 10_000 });

    locker.exec('COMMIT');
    await waitFor(() => expect(log.stats().queued).toBe(0));
    await waitFor(() => expect(count(path, 'dropped')).toBe(1));
    const stats = log.stats();
    expect(stats.written + stats.dropped).toBe(20_001);
    expect(stats).toMatchObject({ written: 10_001, dropped: 10_000, queued: 0, lastError: null });
    const reader = connect(path, { readonly: true });
    // Rows 1..10,000 fitted; 10,001..20,000 were dropped.
    expect(reader.prepare('SELECT from_ts AS fromTs, to_ts AS toTs, count FROM dropped').all()).toEqual([{ fromTs: NOW + 10_001, toTs: NOW + 20_000, count: 10_000 }]);
    expect(count(path)).toBe(10_001);
  });

  it('deletes rows (and gap records) older than the retention at start, in chunks, and their minutes of minute_stats', async () => {
    const path = join(tempDir(), 'requests.db');
    const first = create({ path });
    // 1,200 rows a second apart: 20 minutes, which chunks of 500 rows cut through.
    for (let i = 0; i < 1200; i += 1) first.append(record(i, { ts: NOW - 40 * DAY + i * 1000, feature: i % 2 === 0 ? 'a' : 'b' }));
    for (let i = 0; i < 10; i += 1) first.append(record(i, { ts: NOW - DAY + i }));
    // Around the retention's edge (30 days before NOW, a whole minute): 30 s before it and 10 s after.
    first.append(record(0, { ts: NOW - 30 * DAY - 30_000 }));
    first.append(record(0, { ts: NOW - 30 * DAY + 10_000 }));
    await first.close();
    expect(count(path)).toBe(1212);
    expect(count(path, 'minute_stats')).toBe(20 * 2 + 1 + 1 + 1);
    const db = new Database(path);
    db.prepare('INSERT INTO dropped (from_ts, to_ts, count) VALUES (?, ?, ?), (?, ?, ?)').run(NOW - 41 * DAY, NOW - 40 * DAY, 7, NOW - 2 * DAY, NOW - DAY, 3);
    db.close();

    // 20 s later: retention asks for NOW - 30 d + 20 s and rounds down to the minute, so the row
    // at + 10 s stays with its minute's summary.
    create({ path, now: () => NOW + 20_000 });
    await waitFor(() => expect(count(path)).toBe(11));
    await waitFor(() => expect(count(path, 'dropped')).toBe(1));
    await waitFor(() => expect(count(path, 'minute_stats')).toBe(2));
    const { stored, fromRows } = summaries(path);
    expect(stored).toEqual(fromRows);
  });

  it('keeps minute_stats equal to the rows, batch after batch and across minute boundaries', async () => {
    const path = join(tempDir(), 'requests.db');
    const log = create({ path, flushIntervalMs: 5 });
    // Several batches into the same minutes (each key's histogram merged with the stored one), and
    // one large enough to be split into 500-row messages.
    const records = mixedRecords(0, 1500);
    let written = 0;
    for (const size of [1, 7, 120, 372, 1000]) {
      for (const r of records.slice(written, written + size)) log.append(r);
      written += size;
      await waitFor(() => expect(log.stats().written).toBe(written));
    }
    // A long stream finishing late: its row (ts = when it started) lands in an earlier minute.
    log.append(record(99_999, { ts: NOW - 44_000, latencyMs: 45_000, feature: 'duo_chat', status: 200 }));
    await waitFor(() => expect(log.stats().written).toBe(1501));
    // 1, 7, 120, 372, 500 + 500 and the late one.
    expect(log.stats().transactions).toBe(7);

    const { stored, fromRows } = summaries(path);
    // -45 s to +100 s around NOW: three minutes.
    expect(new Set([...stored.keys()].map((key) => key.split(' ')[0])).size).toBe(3);
    expect(stored.size).toBeGreaterThan(40);
    expect(stored).toEqual(fromRows);
    // Histograms are kept as sorted "bucket,count" pairs, each bucket once.
    const db = connect(path, { readonly: true });
    for (const { histogram } of db.prepare('SELECT histogram FROM minute_stats').all() as { histogram: string }[]) {
      const buckets = histogram.split(',').filter((_, i) => i % 2 === 0).map(Number);
      expect(buckets).toEqual([...new Set(buckets)].sort((a, b) => a - b));
    }
  });

  it('migrates a v1 requests.db: builds minute_stats from the rows there, then keeps it up to date', async () => {
    const path = join(tempDir(), 'requests.db');
    const records = mixedRecords(0, 1000);
    createV1(path, records.slice(0, 700));
    const log = create({ path });
    for (const r of records.slice(700)) log.append(r);
    await waitFor(() => expect(log.stats().written).toBe(300));
    const db = connect(path, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(REQUESTS_DB_VERSION);
    const { stored, fromRows } = summaries(path);
    expect(count(path)).toBe(1000);
    expect(stored.size).toBeGreaterThan(40);
    // The backfill (SQL) and the worker's upserts (JS) bucket, key and sum alike.
    expect(stored).toEqual(fromRows);
  });

  it('restarts a worker that dies; the rows it held are counted as dropped and later rows are written', async () => {
    const path = join(tempDir(), 'requests.db');
    const workers: Worker[] = [];
    const warnings: string[] = [];
    const log = create({ path, flushIntervalMs: 10, onWorkerStarted: (worker) => void workers.push(worker), logger: { warn: (message) => void warnings.push(message) } });
    log.append(record(0));
    await waitFor(() => expect(log.stats().written).toBe(1));

    const locker = connect(path);
    locker.exec('BEGIN EXCLUSIVE');
    for (let i = 1; i <= 5; i += 1) log.append(record(i));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await workers[0]!.terminate();
    expect(log.stats()).toMatchObject({ written: 1, dropped: 5, queued: 0 });
    expect(log.stats().lastError).toMatch(/worker stopped unexpectedly \(exit code 1\)/);
    expect(warnings.some((w) => w.includes('restarting'))).toBe(true);
    locker.exec('COMMIT');

    await waitFor(() => expect(workers).toHaveLength(2));
    expect(log.stats().restarts).toBe(1);
    for (let i = 6; i <= 8; i += 1) log.append(record(i));
    await waitFor(() => expect(log.stats().written).toBe(4));
    await waitFor(() => expect(count(path, 'dropped')).toBe(1));
    const reader = connect(path, { readonly: true });
    expect(reader.prepare('SELECT from_ts AS fromTs, to_ts AS toTs, count FROM dropped').get()).toEqual({ fromTs: NOW + 1, toTs: NOW + 5, count: 5 });
  });

  it('close() writes what is still queued', async () => {
    const path = join(tempDir(), 'requests.db');
    const log = createRequestLog({ path, retentionDays: () => 30, flushIntervalMs: 60_000 });
    for (let i = 0; i < 1234; i += 1) log.append(record(i));
    expect(log.stats().queued).toBe(1234);
    await log.close();
    expect(log.stats()).toMatchObject({ written: 1234, dropped: 0, queued: 0 });
    expect(count(path)).toBe(1234);
    // After close, appends are counted, never thrown.
    log.append(record(9999));
    expect(log.stats().dropped).toBe(1);
  });

  it('cuts prompts and responses to 64 KiB and errors to 1 KiB on a character boundary', async () => {
    const path = join(tempDir(), 'requests.db');
    const log = create({ path });
    log.append(record(1, { prompt: 'é'.repeat(50_000), response: '😀'.repeat(20_000), error: 'x'.repeat(5000) }));
    log.append(record(2, { prompt: 'short', response: 'a'.repeat(BODY_MAX_BYTES) }));
    await waitFor(() => expect(log.stats().written).toBe(2));
    const reader = connect(path, { readonly: true });
    const rows = reader.prepare('SELECT prompt, response, error FROM requests ORDER BY id').all() as { prompt: string; response: string; error: string | null }[];
    for (const text of [rows[0]!.prompt, rows[0]!.response]) {
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(BODY_MAX_BYTES);
      expect(Buffer.byteLength(text)).toBeGreaterThan(BODY_MAX_BYTES - 32);
      expect(text).toMatch(/truncated\]$/);
      expect(text).not.toContain('\uFFFD');
    }
    expect(Buffer.byteLength(rows[0]!.error!)).toBeLessThanOrEqual(ERROR_MAX_BYTES);
    // Exactly at the limit: kept whole.
    expect(rows[1]).toEqual({ prompt: 'short', response: 'a'.repeat(BODY_MAX_BYTES), error: null });
    // The marker ("\n[… truncated]") is 16 bytes of the 20.
    expect(truncateUtf8('a'.repeat(100), 20)).toBe('aaaa\n[… truncated]');
    expect(truncateUtf8('ééé', 20)).toBe('ééé');
  });

  it('keeps the row but not its prompt and response when too much body text is queued', async () => {
    const path = join(tempDir(), 'requests.db');
    const log = create({ path, maxQueuedBodyChars: 1000, flushIntervalMs: 60_000 });
    log.append(record(1, { prompt: 'p'.repeat(600), response: null }));
    log.append(record(2, { prompt: 'p'.repeat(600), response: 'r' }));
    log.append(record(3));
    expect(log.stats()).toMatchObject({ bodiesDropped: 1, queued: 3 });
    await log.close();
    const db = connect(path, { readonly: true });
    expect(db.prepare('SELECT request_id AS id, length(prompt) AS prompt, response FROM requests ORDER BY id').all()).toEqual([
      { id: 'req-1', prompt: 600, response: null },
      { id: 'req-2', prompt: null, response: null },
      { id: 'req-3', prompt: null, response: null },
    ]);
  });
});

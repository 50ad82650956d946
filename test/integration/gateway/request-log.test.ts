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
import type { RequestRecord } from '../../../electron/shared/gateway/requests';
import { useTempDir } from '../../helpers/temp-dir';

const NOW = Date.parse('2026-11-21T12:00:00Z');
const DAY = 86_400_000;

function record(i: number, overrides: Partial<RequestRecord> = {}): RequestRecord {
  return {
    ts: NOW + i,
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
    latencyMs: 12.5,
    ttfbMs: 3.25,
    tokensIn: 512,
    tokensOut: 64,
    error: null,
    prompt: null,
    response: null,
    ...overrides,
  };
}

const waitFor = (assertion: () => void, timeout = 10_000) => vi.waitFor(assertion, { timeout, interval: 10 });

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

  it('creates the file 0600 (its directory 0700) with the schema at user_version 1', async () => {
    const dir = join(tempDir(), 'data', 'gateway');
    const path = join(dir, 'requests.db');
    const log = create({ path });
    log.append(record(1));
    await waitFor(() => expect(log.stats().written).toBe(1));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(`${path}-wal`).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const db = connect(path, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(1);
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
    newer.exec('CREATE TABLE requests (id INTEGER PRIMARY KEY, future TEXT); PRAGMA user_version = 2;');
    newer.close();
    const before = readFileSync(path);
    const warnings: string[] = [];
    const log = create({ path, logger: { warn: (message) => void warnings.push(message) } });
    log.append(record(1));
    log.append(record(2));
    await waitFor(() => expect(log.stats().lastError).toContain('schema version 2'));
    log.append(record(3));
    expect(log.stats()).toMatchObject({ written: 0, dropped: 3, queued: 0 });
    expect(warnings.some((w) => w.includes('understands versions up to 1'))).toBe(true);
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
    // A functional bound, generous for a loaded 2-core machine (measured ~1 µs per append).
    expect(elapsed).toBeLessThan(200);
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

  it('deletes rows (and gap records) older than the retention at start, in chunks', async () => {
    const path = join(tempDir(), 'requests.db');
    const first = create({ path });
    for (let i = 0; i < 1200; i += 1) first.append(record(i, { ts: NOW - 40 * DAY + i }));
    for (let i = 0; i < 10; i += 1) first.append(record(i, { ts: NOW - DAY + i }));
    await first.close();
    expect(count(path)).toBe(1210);
    const db = new Database(path);
    db.prepare('INSERT INTO dropped (from_ts, to_ts, count) VALUES (?, ?, ?), (?, ?, ?)').run(NOW - 41 * DAY, NOW - 40 * DAY, 7, NOW - 2 * DAY, NOW - DAY, 3);
    db.close();

    create({ path });
    await waitFor(() => expect(count(path)).toBe(10));
    await waitFor(() => expect(count(path, 'dropped')).toBe(1));
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

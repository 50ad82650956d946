/**
 * The request log's worker thread: owns the write connection to requests.db so that inserts,
 * retention and checkpoints never run on the gateway's event loop. Self-contained (Node built-ins
 * and better-sqlite3 only, no TypeScript-only syntax beyond erasable types) so Node runs it straight
 * from source in tests and esbuild bundles it on its own; the schema, the migrations and the latency
 * buckets arrive in `workerData` (from shared/gateway/requests.ts).
 *
 * Protocol (messages from the gateway's thread, answered in order):
 * - `{ t: 'insert', seq, rows, drop }` → `{ t: 'written', seq, ok, error? }`: the rows, their
 *   minute_stats, and the optional `dropped` record [from_ts, to_ts, count] in one transaction.
 * - `{ t: 'retain', cutoff }` → `{ t: 'retained', deleted }` or `{ t: 'error', error }`.
 * - `{ t: 'close' }` → `{ t: 'closed' }`, then the thread ends.
 * At start: `{ t: 'ready' }`, or `{ t: 'refused', reason, found? }` when the file is not ours to
 * write (then nothing is written, ever). Failing to open is a throw: the thread dies and the gateway
 * restarts it later.
 */
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

interface Row {
  ts: number;
  requestId: string;
  clientIp: string;
  client: string;
  method: string;
  endpoint: string;
  feature: string | null;
  unitPrimitive: string | null;
  deployment: string | null;
  model: string | null;
  isStream: boolean;
  status: number;
  latencyMs: number;
  ttfbMs: number | null;
  tokensIn: number | null;
  tokensOut: number | null;
  error: string | null;
  prompt: string | null;
  response: string | null;
}

type Drop = [fromTs: number, toTs: number, count: number];

/** One minute_stats key's share of a batch. */
interface MinuteSummary {
  minute: number;
  feature: string;
  deployment: string;
  statusClass: number;
  count: number;
  errors: number;
  tokensIn: number;
  tokensOut: number;
  latencySum: number;
  latencyMax: number;
  /** bucket → count */
  histogram: Map<number, number>;
}

const { path, schema, version, migrations, latencyBoundsMs, minuteMs } = workerData as {
  path: string;
  schema: string;
  version: number;
  /** migrations[n] takes a database at version n - 1 to n. */
  migrations: Record<number, string>;
  latencyBoundsMs: number[];
  minuteMs: number;
};
const port = parentPort!;

/** Rows deleted per retention transaction: keeps the write lock short (a few ms) between inserts. */
const RETENTION_CHUNK = 500;
/** How long one attempt waits for a lock another connection holds (ms); attempts repeat after it. */
const BUSY_TIMEOUT_MS = 1000;

// Owner-only: prompts and responses may be in here. 'wx' creates it 0600 (less under a stricter
// umask) and leaves an existing file alone; SQLite gives -wal and -shm the same mode as the db.
mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
try {
  closeSync(openSync(path, 'wx', 0o600));
} catch (error) {
  if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
}

const db = new Database(path);
db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);

/** Reads user_version without writing a byte; undefined when the file is not an SQLite database. */
function readUserVersion(): number | undefined {
  try {
    return db.pragma('user_version', { simple: true }) as number;
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_NOTADB') return undefined;
    throw error;
  }
}

const found = readUserVersion();
if (found === undefined || found > version) {
  // Not ours to touch (another program's file, or a newer Airlock's schema): report and write
  // nothing. Every later message is ignored; the gateway terminates this thread.
  db.close();
  // The listener keeps this thread alive (so the report is not raced by an exit) until the gateway
  // terminates it.
  port.on('message', () => undefined);
  port.postMessage(found === undefined ? { t: 'refused', reason: 'not-sqlite' } : { t: 'refused', reason: 'too-new', found });
} else {
  run(found);
}

function run(current: number): void {
  if (current === 0 && (db.pragma('page_count', { simple: true }) as number) === 0) {
    // Must be chosen before the first table exists (sqlite.org/pragma.html#pragma_auto_vacuum):
    // retention can then hand pages back to the disk with incremental_vacuum.
    db.pragma('auto_vacuum = INCREMENTAL');
  }
  db.pragma('journal_mode = WAL');
  // NORMAL: in WAL mode a commit is not fsynced, only checkpoints are. An application crash loses
  // nothing; a power cut may roll back the last batches. That is acceptable for a request log and an
  // fsync per batch is not worth its cost on the write path (reliability.md §5: logs.db is NORMAL,
  // config.db FULL).
  db.pragma('synchronous = NORMAL');
  // After a checkpoint the WAL is truncated back to this size instead of staying at its high-water
  // mark (journal_size_limit defaults to -1, unbounded: reliability.md §5 "Unbounded WAL").
  db.pragma('journal_size_limit = 67108864');
  if (current === 0) {
    db.transaction(() => {
      db.exec(schema);
      db.pragma(`user_version = ${version}`);
    }).immediate();
  } else if (current < version) {
    // Every missing step and the new version in one transaction: the core (read-only) sees the old
    // schema or the new one. v1→v2 rebuilds minute_stats from every row (~1.2 s per million rows,
    // measured); batches queue meanwhile and the gateway drops past its bound, as for a locked disk.
    db.transaction(() => {
      for (let next = current + 1; next <= version; next += 1) {
        const step = migrations[next];
        if (step === undefined) throw new Error(`no migration of requests.db to version ${next}`);
        db.exec(step);
      }
      db.pragma(`user_version = ${version}`);
    }).immediate();
  }

  // Stored histograms are "bucket,count" pairs (shared/gateway/requests.ts, addLatencyHistogram).
  db.function('merge_latency_histograms', { deterministic: true }, (stored: unknown, added: unknown) => {
    const merged = new Map<number, number>();
    addPairs(merged, stored);
    addPairs(merged, added);
    return formatHistogram(merged);
  });

  const insert = db.prepare(
    `INSERT INTO requests (ts, request_id, client_ip, client, method, endpoint, feature, unit_primitive, deployment, model,
       is_stream, status, latency_ms, ttfb_ms, tokens_in, tokens_out, error, prompt, response)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertDrop = db.prepare('INSERT INTO dropped (from_ts, to_ts, count) VALUES (?, ?, ?)');
  const upsertSummary = db.prepare(
    `INSERT INTO minute_stats (minute, feature, deployment, status_class, count, errors, tokens_in, tokens_out, latency_sum, latency_max, histogram)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (minute, feature, deployment, status_class) DO UPDATE SET
       count = count + excluded.count, errors = errors + excluded.errors,
       tokens_in = tokens_in + excluded.tokens_in, tokens_out = tokens_out + excluded.tokens_out,
       latency_sum = latency_sum + excluded.latency_sum, latency_max = max(latency_max, excluded.latency_max),
       histogram = merge_latency_histograms(histogram, excluded.histogram)`,
  );
  const write = db.transaction((rows: Row[], drop: Drop | null) => {
    // A batch of 500 rows falls in a minute or two and a handful of (feature, deployment, class)
    // keys: sum it here, then one upsert per key rather than one per row.
    const summaries = new Map<string, MinuteSummary>();
    for (const row of rows) {
      const ts = finite(row.ts, 0);
      const feature = textOrNull(row.feature);
      const deployment = textOrNull(row.deployment);
      const status = finite(row.status, 0);
      const latencyMs = finite(row.latencyMs, 0);
      const tokensIn = finite(row.tokensIn, null);
      const tokensOut = finite(row.tokensOut, null);
      const error = textOrNull(row.error);
      insert.run(
        ts,
        text(row.requestId),
        text(row.clientIp),
        text(row.client),
        text(row.method),
        text(row.endpoint),
        feature,
        textOrNull(row.unitPrimitive),
        deployment,
        textOrNull(row.model),
        row.isStream ? 1 : 0,
        status,
        latencyMs,
        finite(row.ttfbMs, null),
        tokensIn,
        tokensOut,
        error,
        textOrNull(row.prompt),
        textOrNull(row.response),
      );
      // The same keys and figures as the v1→v2 backfill computes in SQL (MIGRATE_TO_V2).
      const minute = Math.floor(ts / minuteMs);
      const statusClass = status >= 100 && status < 600 ? Math.floor(status / 100) : 0;
      const key = `${minute}\u0000${feature ?? ''}\u0000${deployment ?? ''}\u0000${statusClass}`;
      let summary = summaries.get(key);
      if (!summary) {
        summary = { minute, feature: feature ?? '', deployment: deployment ?? '', statusClass, count: 0, errors: 0, tokensIn: 0, tokensOut: 0, latencySum: 0, latencyMax: latencyMs, histogram: new Map() };
        summaries.set(key, summary);
      }
      summary.count += 1;
      if (status >= 400 || error !== null) summary.errors += 1;
      summary.tokensIn += tokensIn ?? 0;
      summary.tokensOut += tokensOut ?? 0;
      summary.latencySum += latencyMs;
      if (latencyMs > summary.latencyMax) summary.latencyMax = latencyMs;
      const bucket = latencyBucketOf(latencyMs);
      summary.histogram.set(bucket, (summary.histogram.get(bucket) ?? 0) + 1);
    }
    for (const s of summaries.values()) {
      upsertSummary.run(s.minute, s.feature, s.deployment, s.statusClass, s.count, s.errors, s.tokensIn, s.tokensOut, s.latencySum, s.latencyMax, formatHistogram(s.histogram));
    }
    if (drop) insertDrop.run(drop[0], drop[1], drop[2]);
  });
  // Uses requests_ts, so each chunk finds its rows without a scan.
  const deleteChunk = db.prepare('DELETE FROM requests WHERE id IN (SELECT id FROM requests WHERE ts < ? ORDER BY ts LIMIT ?)');
  const oldestTs = db.prepare('SELECT min(ts) AS ts FROM requests').pluck();
  // A range of the primary key.
  const deleteSummaries = db.prepare('DELETE FROM minute_stats WHERE minute < ?');
  // `dropped` has a handful of rows per overload episode: a scan is fine.
  const deleteDropped = db.prepare('DELETE FROM dropped WHERE to_ts < ?');
  /**
   * One retention step: the oldest rows before `cutoff`, and the summary of every minute before
   * both `cutoff` and the oldest row left, in one transaction. The minute a step cuts through keeps
   * its summary until the step that deletes its last row (a moment later): the summary never lacks
   * a row that is still there.
   */
  const retainStep = db.transaction((cutoff: number, chunk: number) => {
    const changes = deleteChunk.run(cutoff, chunk).changes;
    const oldest = oldestTs.get() as number | null;
    const firstKept = Math.floor(cutoff / minuteMs);
    deleteSummaries.run(oldest === null ? firstKept : Math.min(firstKept, Math.floor(oldest / minuteMs)));
    return changes;
  });

  let isRetaining = false;
  let isClosed = false;

  /**
   * Deletes rows older than `requestedCutoff` in short transactions, yielding between them so inserts
   * interleave. The cutoff is rounded down to a whole minute, so the rows and minute_stats always
   * cover the same minutes (rows are kept up to a minute longer than asked).
   */
  function retain(requestedCutoff: number): void {
    if (isRetaining) return;
    isRetaining = true;
    const cutoff = Math.floor(requestedCutoff / minuteMs) * minuteMs;
    let deleted = 0;
    const step = () => {
      if (isClosed) return;
      try {
        const changes = retainStep.immediate(cutoff, RETENTION_CHUNK);
        deleted += changes;
        if (changes === RETENTION_CHUNK) {
          setImmediate(step);
          return;
        }
        deleteDropped.run(cutoff);
        if (deleted > 0) {
          db.pragma('incremental_vacuum');
          // Auto-checkpoint (every 1000 pages) covers the insert path; after a large delete, move
          // the WAL into the database now rather than at the next insert.
          db.pragma('wal_checkpoint(PASSIVE)');
        }
        port.postMessage({ t: 'retained', deleted });
      } catch (error) {
        // Busy or failing: the next run (10 minutes later) tries again.
        port.postMessage({ t: 'error', error: `retention failed: ${describe(error)}` });
      }
      isRetaining = false;
    };
    step();
  }

  port.on('message', (message: { t: string; seq?: number; rows?: Row[]; drop?: Drop | null; cutoff?: number }) => {
    if (isClosed) return;
    if (message.t === 'insert') {
      const rows = message.rows ?? [];
      for (;;) {
        try {
          write.immediate(rows, message.drop ?? null);
          port.postMessage({ t: 'written', seq: message.seq, ok: true });
        } catch (error) {
          // Another connection holds the write lock: wait for it (busy_timeout per attempt). The
          // gateway keeps accepting requests meanwhile and drops rows past its bound.
          if (isBusy(error)) continue;
          // Disk full, I/O error, corruption: this batch is lost, the gateway counts it.
          port.postMessage({ t: 'written', seq: message.seq, ok: false, error: describe(error) });
        }
        break;
      }
    } else if (message.t === 'retain') {
      retain(message.cutoff!);
    } else if (message.t === 'close') {
      isClosed = true;
      try {
        db.close();
      } finally {
        port.postMessage({ t: 'closed' });
        port.close();
      }
    }
  });
  port.postMessage({ t: 'ready' });
}

/** Mirrors latencyBucketOf (shared/gateway/requests.ts) over the edges from workerData. */
function latencyBucketOf(latencyMs: number): number {
  let low = 0;
  let high = latencyBoundsMs.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (latencyMs <= latencyBoundsMs[mid]!) high = mid;
    else low = mid + 1;
  }
  return low;
}

/** Adds stored "bucket,count" pairs into `into`; anything else (NULL, a damaged value) adds nothing. */
function addPairs(into: Map<number, number>, histogram: unknown): void {
  if (typeof histogram !== 'string' || histogram === '') return;
  const values = histogram.split(',').map(Number);
  for (let i = 0; i + 1 < values.length; i += 2) {
    const bucket = values[i]!;
    const count = values[i + 1]!;
    if (Number.isInteger(bucket) && bucket >= 0 && bucket <= latencyBoundsMs.length && Number.isFinite(count)) into.set(bucket, (into.get(bucket) ?? 0) + count);
  }
}

/** "bucket,count" pairs in bucket order. */
function formatHistogram(histogram: Map<number, number>): string {
  return [...histogram.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([bucket, count]) => `${bucket},${count}`)
    .join(',');
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

function describe(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' ? `${code}: ${message}` : message;
}

// The rows come from typed code, but one bad value must not fail a whole batch on a NOT NULL or a
// binding error (better-sqlite3 binds neither booleans nor undefined): coerce instead.
function text(value: unknown): string {
  return typeof value === 'string' ? value : String(value ?? '');
}

function textOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : value === null || value === undefined ? null : String(value);
}

function finite<T extends number | null>(value: unknown, fallback: T): number | T {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

/**
 * The gateway's side of requests.db: one row per request, written by a worker thread so that no
 * SQLite call ever runs on the event loop that serves requests. `append` only pushes onto a bounded
 * queue; when the worker falls behind (a locked or slow disk) rows are dropped and counted, and a
 * `dropped` row records the gap once it catches up. Requests are never slowed or failed by logging
 * (reliability.md §5).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { AirlockError } from '../../shared/errors';
import {
  LATENCY_BUCKET_BOUNDS_MS,
  MINUTE_MS,
  REQUESTS_DB_MIGRATIONS,
  REQUESTS_DB_SCHEMA,
  REQUESTS_DB_VERSION,
  type RequestRecord,
} from '../../shared/gateway/requests';

/** Prompt and response are each cut to this many UTF-8 bytes before they leave the request path. */
export const BODY_MAX_BYTES = 64 * 1024;
/** The error text is cut to this many UTF-8 bytes. */
export const ERROR_MAX_BYTES = 1024;

const DAY_MS = 86_400_000;
/** Retention runs at each worker start and then this often. */
const RETENTION_INTERVAL_MS = 10 * 60_000;
/** Rows per message to the worker: cloning 500 rows costs ~0.3–0.5 ms of the event loop (measured). */
const MAX_BATCH_ROWS = 500;
/** close() waits this long for the worker to write what is queued, then terminates it. */
const CLOSE_TIMEOUT_MS = 2000;
/** Restart delays after a worker crash: 100 ms doubling to 30 s, back to 100 ms after a good write. */
const RESTART_BASE_MS = 100;
const RESTART_MAX_MS = 30_000;
/** A drop episode longer than this gets its `dropped` row now rather than when the backlog clears. */
const DROP_RECORD_MAX_AGE_MS = 10_000;

export interface RequestLogOptions {
  /** requests.db; created 0600 (and its missing directories 0700) on first start. */
  path: string;
  /** Rows older than this many days are deleted (at start and every 10 minutes). ≤ 0: keep all. */
  retentionDays: () => number;
  now?: () => number;
  logger?: { warn(message: string, fields?: Record<string, unknown>): void };
  /** Rows queued plus rows sent but not yet written beyond which new rows are dropped (default 10,000). */
  maxQueued?: number;
  /**
   * Characters of prompts and responses queued or in flight beyond which new rows keep their
   * metadata but lose their bodies (default 64 Mi). Bounds memory: 10,000 rows × 128 KiB would be 1.3 GB.
   */
  maxQueuedBodyChars?: number;
  /** How long a row may wait before it is sent to the worker (default 100 ms). */
  flushIntervalMs?: number;
  workerPath?: string;
  /** Called with each worker thread as it starts (diagnostics; tests use it to kill one). */
  onWorkerStarted?: (worker: Worker) => void;
}

export interface RequestLogStats {
  /** Rows committed to requests.db. */
  written: number;
  /** Rows lost: dropped when the backlog was full, or in a batch the worker failed to write or died with. */
  dropped: number;
  /** Rows waiting: queued here or sent to the worker and not yet acknowledged. */
  queued: number;
  /** The most recent problem (crash, refused file, failed write), null if none so far. */
  lastError: string | null;
  /** Write transactions the worker committed (one per batch). */
  transactions: number;
  /** Rows written without their prompt and response because too much body text was queued. */
  bodiesDropped: number;
  /** Times the worker thread was restarted after dying. */
  restarts: number;
}

export interface RequestLog {
  /**
   * Queues one row. Never throws and never waits; O(1). The log owns `record` from here on: it is
   * read again when the batch is sent (within flushIntervalMs), so do not change it afterwards.
   */
  append(record: RequestRecord): void;
  stats(): RequestLogStats;
  /** Sends what is queued, waits up to 2 s for it to be written, and stops the worker. */
  close(): Promise<void>;
}

/** Where the worker is: dist/workers next to dist/gateway in a build, next to this file in the sources. */
export function defaultRequestLogWorkerPath(): string {
  const candidates = [join(__dirname, '..', 'workers', 'request-log-worker.cjs'), join(__dirname, 'request-log-worker.ts')];
  return candidates.find((path) => existsSync(path)) ?? candidates[0]!;
}

const TRUNCATED = '\n[… truncated]';
const TRUNCATED_BYTES = Buffer.byteLength(TRUNCATED);

/**
 * Cuts `text` to at most `maxBytes` UTF-8 bytes (marker included) on a character boundary.
 * O(1) for text that cannot be too long (≤ maxBytes / 3 UTF-16 units: at most 3 bytes each).
 */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (text.length * 3 <= maxBytes) return text;
  if (text.length <= maxBytes && Buffer.byteLength(text) <= maxBytes) return text;
  const budget = maxBytes - TRUNCATED_BYTES;
  // Each UTF-16 unit is at least one byte: never encode more than `budget` units.
  let head = text.length > budget ? text.slice(0, budget) : text;
  const last = head.charCodeAt(head.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) head = head.slice(0, -1);
  const bytes = Buffer.from(head, 'utf8');
  let end = Math.min(budget, bytes.length);
  // Back up to the first byte of a character (continuation bytes are 10xxxxxx).
  while (end > 0 && end < bytes.length && (bytes[end]! & 0xc0) === 0x80) end -= 1;
  return bytes.toString('utf8', 0, end) + TRUNCATED;
}

const SAFE_BODY_UNITS = Math.floor(BODY_MAX_BYTES / 3);
const SAFE_ERROR_UNITS = Math.floor(ERROR_MAX_BYTES / 3);

function truncateRecord(record: RequestRecord): RequestRecord {
  const { prompt, response, error } = record;
  return {
    ...record,
    prompt: typeof prompt === 'string' ? truncateUtf8(prompt, BODY_MAX_BYTES) : prompt,
    response: typeof response === 'string' ? truncateUtf8(response, BODY_MAX_BYTES) : response,
    error: typeof error === 'string' ? truncateUtf8(error, ERROR_MAX_BYTES) : error,
  };
}

function bodyChars(record: RequestRecord): number {
  return (typeof record.prompt === 'string' ? record.prompt.length : 0) + (typeof record.response === 'string' ? record.response.length : 0);
}

/** A batch sent to the worker and not yet acknowledged. */
interface InFlight {
  seq: number;
  rows: number;
  bodyChars: number;
  fromTs: number;
  toTs: number;
  drop: [number, number, number] | null;
}

type WorkerMessage =
  | { t: 'ready' }
  | { t: 'refused'; reason: 'not-sqlite' | 'too-new'; found?: number }
  | { t: 'written'; seq: number; ok: boolean; error?: string }
  | { t: 'retained'; deleted: number }
  | { t: 'error'; error: string }
  | { t: 'closed' };

/** Starts the worker and returns the log. See RequestLog for the guarantees. */
export function createRequestLog(options: RequestLogOptions): RequestLog {
  const now = options.now ?? Date.now;
  const logger = options.logger;
  const maxQueued = options.maxQueued ?? 10_000;
  const maxBodyChars = options.maxQueuedBodyChars ?? 64 * 1024 * 1024;
  const flushIntervalMs = options.flushIntervalMs ?? 100;
  const workerPath = options.workerPath ?? defaultRequestLogWorkerPath();

  const counters = { written: 0, dropped: 0, transactions: 0, bodiesDropped: 0, restarts: 0 };
  let lastError: string | null = null;

  let queue: RequestRecord[] = [];
  let queuedBodyChars = 0;
  const inFlight: InFlight[] = [];
  let inFlightRows = 0;
  let inFlightBodyChars = 0;
  let seq = 0;

  /** Rows lost and not yet recorded in the `dropped` table. */
  const pendingDrop = { count: 0, fromTs: 0, toTs: 0, startedAt: 0 };

  let worker: Worker | undefined;
  let lastWorkerError: string | undefined;
  let crashesInARow = 0;
  /** False once closing or refused: every row is then dropped at once. */
  let isAccepting = true;
  let isRefused = false;
  let isFailing = false;
  let flushTimer: NodeJS.Timeout | undefined;
  let flushImmediate: NodeJS.Immediate | undefined;
  let restartTimer: NodeJS.Timeout | undefined;
  let onClosed: (() => void) | undefined;
  let closing: Promise<void> | undefined;

  const warn = (message: string, fields?: Record<string, unknown>) => {
    try {
      logger?.warn(message, fields);
    } catch {
      // A broken logger must not break the request path either.
    }
  };

  /** Remembers lost rows for the next `dropped` row. `count` must already be in counters.dropped. */
  function rememberDrop(fromTs: number, toTs: number, count: number): void {
    if (count <= 0 || isRefused) return;
    if (pendingDrop.count === 0) {
      pendingDrop.fromTs = fromTs;
      pendingDrop.toTs = toTs;
      pendingDrop.startedAt = now();
    } else {
      if (fromTs < pendingDrop.fromTs) pendingDrop.fromTs = fromTs;
      if (toTs > pendingDrop.toTs) pendingDrop.toTs = toTs;
    }
    pendingDrop.count += count;
  }

  function dropOne(record: RequestRecord): void {
    counters.dropped += 1;
    if (!isAccepting) return;
    const ts = typeof record?.ts === 'number' ? record.ts : now();
    if (pendingDrop.count === 0) {
      warn('Request log fell behind: dropping and counting rows until it catches up. Requests are not affected.', { queued: inFlightRows + queue.length, maxQueued });
    }
    rememberDrop(ts, ts, 1);
    scheduleFlush();
  }

  function scheduleFlush(): void {
    if (flushTimer !== undefined || flushImmediate !== undefined || !isAccepting) return;
    flushTimer = setTimeout(flush, flushIntervalMs);
    flushTimer.unref();
  }

  function flush(): void {
    flushTimer = undefined;
    flushImmediate = undefined;
    if (!worker || !isAccepting) return;
    postBatch(false);
    // One chunk per turn of the event loop: requests keep being served during a burst.
    if (queue.length > 0) {
      flushImmediate = setImmediate(flush);
      flushImmediate.unref();
    }
  }

  /** Sends up to MAX_BATCH_ROWS queued rows, and the pending `dropped` record when it is due. */
  function postBatch(isFinal: boolean): void {
    const target = worker;
    if (!target) return;
    const isCaughtUp = inFlightRows + queue.length <= maxQueued / 2;
    const isDropDue = pendingDrop.count > 0 && (isFinal || isCaughtUp || now() - pendingDrop.startedAt >= DROP_RECORD_MAX_AGE_MS);
    const count = Math.min(queue.length, MAX_BATCH_ROWS);
    if (count === 0 && !isDropDue) return;
    const rows = count === queue.length ? queue : queue.slice(0, count);
    queue = count === queue.length ? [] : queue.slice(count);
    let fromTs = Number.POSITIVE_INFINITY;
    let toTs = Number.NEGATIVE_INFINITY;
    let chars = 0;
    for (const row of rows) {
      if (row.ts < fromTs) fromTs = row.ts;
      if (row.ts > toTs) toTs = row.ts;
      chars += bodyChars(row);
    }
    queuedBodyChars -= chars;
    let drop: [number, number, number] | null = null;
    if (isDropDue) {
      drop = [pendingDrop.fromTs, pendingDrop.toTs, pendingDrop.count];
      pendingDrop.count = 0;
    }
    const batch: InFlight = { seq: ++seq, rows: count, bodyChars: chars, fromTs, toTs, drop };
    try {
      target.postMessage({ t: 'insert', seq: batch.seq, rows, drop });
    } catch (error) {
      // A value that cannot be cloned: this batch is lost, not the log.
      lose(batch, `request log batch could not be sent: ${(error as Error).message}`);
      return;
    }
    inFlight.push(batch);
    inFlightRows += count;
    inFlightBodyChars += chars;
  }

  /** Counts a batch that will never be written and puts it (and its `dropped` record) back in the pending gap. */
  function lose(batch: InFlight, reason: string): void {
    counters.dropped += batch.rows;
    if (batch.rows > 0) rememberDrop(batch.fromTs, batch.toTs, batch.rows);
    if (batch.drop) rememberDrop(batch.drop[0], batch.drop[1], batch.drop[2]);
    lastError = reason;
  }

  function onMessage(source: Worker, message: WorkerMessage): void {
    if (source !== worker) return;
    switch (message.t) {
      case 'written': {
        const batch = inFlight.shift();
        if (!batch) return;
        inFlightRows -= batch.rows;
        inFlightBodyChars -= batch.bodyChars;
        if (message.ok) {
          // One insert message is one transaction in the worker.
          counters.transactions += 1;
          counters.written += batch.rows;
          crashesInARow = 0;
          isFailing = false;
        } else {
          lose(batch, `request log write failed: ${message.error ?? 'unknown error'}`);
          if (!isFailing) warn('Request log write failed; rows are dropped and counted until writes succeed again.', { error: message.error, rows: batch.rows });
          isFailing = true;
        }
        if (queue.length > 0 || pendingDrop.count > 0) scheduleFlush();
        return;
      }
      case 'refused': {
        const error =
          message.reason === 'too-new'
            ? new AirlockError('STORE_SCHEMA_TOO_NEW', { path: options.path, found: message.found ?? 0, supported: REQUESTS_DB_VERSION })
            : new AirlockError('STORE_NOT_SQLITE', { path: options.path });
        lastError = error.message;
        warn(`Request log disabled: ${error.message}`, { code: error.code });
        isRefused = true;
        isAccepting = false;
        counters.dropped += inFlightRows + queue.length;
        clearQueues();
        pendingDrop.count = 0;
        worker = undefined;
        void source.terminate();
        return;
      }
      case 'error':
        lastError = message.error;
        warn('Request log maintenance failed; it is retried at the next run.', { error: message.error });
        return;
      case 'closed':
        onClosed?.();
        return;
      default:
        return;
    }
  }

  function clearQueues(): void {
    queue = [];
    queuedBodyChars = 0;
    inFlight.length = 0;
    inFlightRows = 0;
    inFlightBodyChars = 0;
  }

  function onExit(source: Worker, code: number): void {
    if (source !== worker) return;
    worker = undefined;
    if (isAccepting) workerLost(code);
    else onClosed?.();
  }

  /** The worker died (or could not be started): what it had not written is lost; start another later. */
  function workerLost(code: number): void {
    const reason = `request log worker stopped unexpectedly (exit code ${code})${lastWorkerError ? `: ${lastWorkerError}` : ''}`;
    const lost = inFlightRows;
    for (const batch of inFlight) lose(batch, reason);
    inFlight.length = 0;
    inFlightRows = 0;
    inFlightBodyChars = 0;
    lastError = reason;
    lastWorkerError = undefined;
    crashesInARow += 1;
    const delay = Math.min(RESTART_MAX_MS, RESTART_BASE_MS * 2 ** (crashesInARow - 1));
    warn('Request log worker stopped; restarting it. Rows it had not written are counted as dropped.', { code, lostRows: lost, restartInMs: delay });
    restartTimer = setTimeout(() => {
      restartTimer = undefined;
      counters.restarts += 1;
      startWorker();
    }, delay);
    restartTimer.unref();
  }

  function retentionCutoff(): number | undefined {
    let days: number;
    try {
      days = options.retentionDays();
    } catch {
      return undefined;
    }
    return Number.isFinite(days) && days > 0 ? now() - days * DAY_MS : undefined;
  }

  function retain(): void {
    const cutoff = retentionCutoff();
    if (worker && cutoff !== undefined) worker.postMessage({ t: 'retain', cutoff });
  }

  function startWorker(): void {
    let started: Worker;
    try {
      started = new Worker(workerPath, {
        workerData: {
          path: options.path,
          schema: REQUESTS_DB_SCHEMA,
          version: REQUESTS_DB_VERSION,
          migrations: REQUESTS_DB_MIGRATIONS,
          latencyBoundsMs: LATENCY_BUCKET_BOUNDS_MS,
          minuteMs: MINUTE_MS,
        },
        // Batches of short-lived rows: a small young generation keeps the worker's memory flat (as the
        // log index's worker); maxQueuedBodyChars bounds what can be in flight.
        resourceLimits: { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 512 },
      });
    } catch (error) {
      lastWorkerError = (error as Error).message;
      workerLost(-1);
      return;
    }
    worker = started;
    started.unref();
    started.on('message', (message: WorkerMessage) => onMessage(started, message));
    started.on('error', (error) => {
      lastWorkerError = error.message;
    });
    started.on('exit', (code) => onExit(started, code));
    retain();
    try {
      options.onWorkerStarted?.(started);
    } catch {
      // Diagnostics only.
    }
    if (queue.length > 0 || pendingDrop.count > 0) scheduleFlush();
  }

  const retentionTimer = setInterval(retain, RETENTION_INTERVAL_MS);
  retentionTimer.unref();
  startWorker();

  return {
    append(record: RequestRecord): void {
      try {
        if (!isAccepting || inFlightRows + queue.length >= maxQueued) {
          dropOne(record);
          return;
        }
        let row = record;
        const { prompt, response, error } = record;
        if ((typeof prompt === 'string' && prompt.length > SAFE_BODY_UNITS) || (typeof response === 'string' && response.length > SAFE_BODY_UNITS) || (typeof error === 'string' && error.length > SAFE_ERROR_UNITS)) {
          row = truncateRecord(record);
        }
        if (prompt !== null || response !== null) {
          const chars = bodyChars(row);
          if (queuedBodyChars + inFlightBodyChars + chars > maxBodyChars) {
            row = { ...row, prompt: null, response: null };
            counters.bodiesDropped += 1;
          } else {
            queuedBodyChars += chars;
          }
        }
        queue.push(row);
        if (flushTimer === undefined && flushImmediate === undefined) scheduleFlush();
      } catch (error) {
        counters.dropped += 1;
        lastError = `request log append failed: ${(error as Error)?.message ?? String(error)}`;
      }
    },

    stats(): RequestLogStats {
      return { ...counters, queued: inFlightRows + queue.length, lastError };
    },

    close(): Promise<void> {
      closing ??= (async () => {
        const target = worker;
        if (target && isAccepting) {
          // Stop timers first, then send everything in one go: nothing else is served any more.
          clearTimeout(flushTimer);
          clearImmediate(flushImmediate);
          flushTimer = undefined;
          flushImmediate = undefined;
          // Each call takes rows off the queue, sent or lost, so this ends.
          while (queue.length > 0) postBatch(true);
          if (pendingDrop.count > 0) postBatch(true);
          isAccepting = false;
          const isClosed = new Promise<boolean>((resolve) => {
            onClosed = () => resolve(true);
            const timeout = setTimeout(() => resolve(false), CLOSE_TIMEOUT_MS);
            timeout.unref();
          });
          target.postMessage({ t: 'close' });
          if (!(await isClosed)) {
            warn('Request log did not finish writing within 2 s; the rest is dropped.', { queued: inFlightRows });
          }
        }
        isAccepting = false;
        clearTimeout(flushTimer);
        clearImmediate(flushImmediate);
        clearTimeout(restartTimer);
        clearInterval(retentionTimer);
        counters.dropped += inFlightRows + queue.length;
        clearQueues();
        worker = undefined;
        if (target) await target.terminate();
      })();
      return closing;
    },
  };
}

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { Worker } from 'node:worker_threads';
import { type LineBlock, LineSplitterForIndex, toFtsQuery } from './line-splitter';
import { preferUnpacked } from '../packaging';

export interface LogHit {
  id: number;
  unit: string;
  ts: number;
  /** The line with each match between \u0002 and \u0003. */
  line: string;
}

export interface LogIndexOptions {
  dbPath: string;
  /** Hard cap of logs.db (bytes). */
  maxBytes: number;
  /** Lines sent to the worker but not yet written, beyond which new lines are dropped and counted. */
  maxPendingLines?: number;
  /** Rows per insert message / how long lines may wait to be sent (reliability.md §5: 100 rows or 250 ms). */
  batchLines?: number;
  flushMs?: number;
  workerPath?: string;
}

export interface LogIndexStats {
  indexedLines: number;
  droppedLines: number;
  pendingLines: number;
}

/** Where the worker is: next to this file in the sources (tests), dist/workers in a build. */
export function defaultWorkerPath(): string {
  // Worker threads cannot load from app.asar: the packaged app has the workers unpacked (packaging.ts).
  const candidates = [preferUnpacked(join(__dirname, '..', 'workers', 'log-index-worker.cjs')), join(__dirname, 'log-index-worker.ts')];
  return candidates.find((path) => existsSync(path)) ?? candidates[0]!;
}

/**
 * Indexes units' output in logs.db (FTS5) through a worker thread: lines are batched, sent off the
 * event loop, and dropped (counted) when the worker falls behind, so the child is never slowed.
 */
export class LogIndex {
  private readonly worker: Worker;
  private readonly splitters = new Map<string, { lines: LineSplitterForIndex; decoder: StringDecoder }>();
  /** Blocks of lines waiting to be sent: one string per unit and chunk, not one per line (a flood's memory). */
  private batch: { unit: string; ts: number; text: string; count: number }[] = [];
  private batchLines = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight = 0;
  private readonly stats: LogIndexStats = { indexedLines: 0, droppedLines: 0, pendingLines: 0 };
  private nextId = 1;
  private readonly replies = new Map<number, { resolve: (value: Record<string, unknown>) => void; reject: (error: Error) => void }>();
  private readonly options: Required<Omit<LogIndexOptions, 'workerPath'>>;

  constructor(options: LogIndexOptions) {
    this.options = { maxPendingLines: 5_000, batchLines: 1000, flushMs: 250, ...options };
    this.worker = new Worker(options.workerPath ?? defaultWorkerPath(), {
      workerData: { path: options.dbPath, maxBytes: options.maxBytes },
      // Batches of short-lived rows: a small young generation keeps the worker's memory flat in a
      // flood (scripts/bench-flood.mjs); the old generation stays generous.
      resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 512 },
    });
    this.worker.unref();
    this.worker.on('message', (message: { t: string; id?: number; ok?: boolean; error?: string; count?: number; dropped?: number }) => {
      if (message.t === 'inserted') {
        this.stats.indexedLines += message.count ?? 0;
        this.stats.droppedLines += message.dropped ?? 0;
        this.inFlight -= (message.count ?? 0) + (message.dropped ?? 0);
        return;
      }
      const reply = message.id === undefined ? undefined : this.replies.get(message.id);
      if (!reply) return;
      this.replies.delete(message.id!);
      if (message.ok) reply.resolve(message as Record<string, unknown>);
      else reply.reject(Object.assign(new Error(message.error ?? 'log index error'), { code: (message as { code?: string }).code }));
    });
    this.worker.on('error', (error) => {
      for (const reply of this.replies.values()) reply.reject(error);
      this.replies.clear();
    });
  }

  /** Feeds a unit's output (bytes or text); complete lines are queued for the index. */
  append(unit: string, data: Buffer | string, ts: number): void {
    let state = this.splitters.get(unit);
    if (!state) {
      state = { lines: new LineSplitterForIndex(), decoder: new StringDecoder('utf8') };
      this.splitters.set(unit, state);
    }
    if (this.inFlight + this.batchLines >= this.options.maxPendingLines) {
      // Full backlog (a flood): count the dropped lines without decoding them.
      let lines = 0;
      const newline = typeof data === 'string' ? '\n' : 0x0a;
      for (let i = data.indexOf(newline as never); i >= 0; i = data.indexOf(newline as never, i + 1)) lines += 1;
      this.stats.droppedLines += lines;
      return;
    }
    this.queue(unit, state.lines.pushBlock(typeof data === 'string' ? data : state.decoder.write(data)), ts);
  }

  /** The unit's unfinished last line (it exited). */
  endOfOutput(unit: string, ts: number): void {
    const state = this.splitters.get(unit);
    if (!state) return;
    const lines = [...state.lines.push(state.decoder.end()), ...state.lines.flush()];
    this.queue(unit, { text: lines.join('\n'), count: lines.length }, ts);
  }

  search(input: { text: string; unit?: string; since?: number; until?: number; limit?: number }): Promise<LogHit[]> {
    const query = toFtsQuery(input.text);
    if (query === '') return Promise.resolve([]);
    this.flush();
    return this.request({ t: 'search', query, unit: input.unit, since: input.since ?? 0, until: input.until ?? Number.MAX_SAFE_INTEGER, limit: Math.min(input.limit ?? 200, 2000) }).then(
      (reply) => reply.rows as LogHit[],
    );
  }

  tail(unit: string, limit: number): Promise<LogHit[]> {
    this.flush();
    return this.request({ t: 'tail', unit, limit: Math.min(limit, 10_000) }).then((reply) => reply.rows as LogHit[]);
  }

  /** Deletes lines older than `maxAgeMs` and shrinks the file under `targetBytes`. */
  retain(maxAgeMs: number, now: number, targetBytes = this.options.maxBytes * 0.9): Promise<{ deleted: number; sizeBytes: number }> {
    this.flush();
    return this.request({ t: 'retain', maxAgeMs, now, targetBytes }) as Promise<{ deleted: number; sizeBytes: number }>;
  }

  getStats(): LogIndexStats {
    return { ...this.stats, pendingLines: this.inFlight + this.batchLines };
  }

  async close(): Promise<void> {
    this.flush();
    await this.request({ t: 'close' }).catch(() => undefined);
    await this.worker.terminate();
  }

  private queue(unit: string, block: LineBlock, ts: number): void {
    if (block.count === 0) return;
    if (this.inFlight + this.batchLines + block.count > this.options.maxPendingLines) {
      this.stats.droppedLines += block.count;
      return;
    }
    this.batch.push({ unit, ts, text: block.text, count: block.count });
    this.batchLines += block.count;
    if (this.batchLines >= this.options.batchLines) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.options.flushMs);
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.batch.length === 0) return;
    const blocks = this.batch;
    this.inFlight += this.batchLines;
    this.batch = [];
    this.batchLines = 0;
    this.worker.postMessage({ t: 'insert', blocks });
  }

  private request(message: Record<string, unknown>): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.replies.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id });
    });
  }
}

import { type FileHandle, open, rename, rm, stat } from 'node:fs/promises';

export interface RotatingLogFileOptions {
  /** The current file; rotated ones are PATH.1 (newest) … PATH.N. */
  path: string;
  maxFileBytes: number;
  /** Files kept in all, the current one included: disk use never exceeds maxFileBytes × maxFiles. */
  maxFiles: number;
  /** Bytes waiting for the disk before new output is dropped (and counted) instead of queued. */
  maxPendingBytes?: number;
}

export interface RotatingLogFileStats {
  writtenBytes: number;
  droppedBytes: number;
  pendingBytes: number;
  rotations: number;
  lastError: string | null;
}

/**
 * A unit's plain-text log: appended in order, rotated by size at write time (never above its cap),
 * and never a brake on the child: when the disk falls behind, output is dropped and counted.
 */
export class RotatingLogFile {
  private queue: Buffer[] = [];
  private pending = 0;
  private handle: FileHandle | undefined;
  private currentSize = 0;
  private writing: Promise<void> | undefined;
  private readonly stats: RotatingLogFileStats = { writtenBytes: 0, droppedBytes: 0, pendingBytes: 0, rotations: 0, lastError: null };
  private isClosed = false;

  constructor(private readonly options: RotatingLogFileOptions) {}

  /** Queues `data`; false when it was dropped because the disk is behind. */
  append(data: Buffer | string): boolean {
    if (this.isClosed) return false;
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    if (this.pending + bytes.length > (this.options.maxPendingBytes ?? 8 * 1024 * 1024)) {
      this.stats.droppedBytes += bytes.length;
      return false;
    }
    this.queue.push(bytes);
    this.pending += bytes.length;
    this.startDrain();
    return true;
  }

  /** One writer at a time; output that arrived as it finished starts the next round. */
  private startDrain(): void {
    this.writing ??= this.drain().finally(() => {
      this.writing = undefined;
      if (this.queue.length > 0) this.startDrain();
    });
  }

  /** Resolves when everything queued so far is on disk. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  getStats(): RotatingLogFileStats {
    return { ...this.stats, pendingBytes: this.pending };
  }

  async close(): Promise<void> {
    await this.flush();
    this.isClosed = true;
    await this.handle?.close();
    this.handle = undefined;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      // Chunk by chunk, as they came: no multi-megabyte copy.
      const batch = this.queue.shift()!;
      this.pending -= batch.length;
      try {
        await this.write(batch);
      } catch (error) {
        // A full or failing disk costs log lines, never the child: count them and go on.
        this.stats.droppedBytes += batch.length;
        this.stats.lastError = (error as NodeJS.ErrnoException).code ?? String(error);
        await this.handle?.close().catch(() => undefined);
        this.handle = undefined;
      }
    }
  }

  private async write(data: Buffer): Promise<void> {
    let rest = data;
    while (rest.length > 0) {
      if (!this.handle) await this.openCurrent();
      const room = this.options.maxFileBytes - this.currentSize;
      if (room <= 0) {
        await this.rotate();
        continue;
      }
      // Cut at a line end inside the room when there is one, so files start on a line.
      let cut = Math.min(room, rest.length);
      if (cut < rest.length) {
        const newline = rest.lastIndexOf(0x0a, cut - 1);
        if (newline >= 0 && newline > cut / 2) cut = newline + 1;
      }
      await this.handle!.write(rest.subarray(0, cut));
      this.currentSize += cut;
      this.stats.writtenBytes += cut;
      rest = rest.subarray(cut);
    }
  }

  private async openCurrent(): Promise<void> {
    this.handle = await open(this.options.path, 'a', 0o600);
    this.currentSize = (await stat(this.options.path)).size;
  }

  private async rotate(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
    const { path, maxFiles } = this.options;
    await rm(`${path}.${maxFiles - 1}`, { force: true });
    for (let i = maxFiles - 2; i >= 1; i -= 1) await rename(`${path}.${i}`, `${path}.${i + 1}`).catch(() => undefined);
    if (maxFiles > 1) await rename(path, `${path}.1`);
    else await rm(path, { force: true });
    this.stats.rotations += 1;
    await this.openCurrent();
  }
}

import type { Timers } from '../../shared/rpc-client';

/**
 * Flush after ~16 ms (one frame, Hyper's DataBatcher) or 64 KB. Hyper uses 200 KB; we stay under
 * V8's largest regular heap object (128 KB): a larger string goes to the large-object space, which
 * only a full mark-sweep frees, and a flood then inflates the core's memory (scripts/bench-flood.mjs).
 */
export const BATCH_MAX_DELAY_MS = 16;
export const BATCH_MAX_BYTES = 64 * 1024;

/**
 * Gathers a child's output chunks (bytes) into batches, so that a flood of tiny writes becomes a few large
 * ones for the sinks (ring, files, index, UI) instead of thousands of events.
 */
export class OutputBatcher {
  private parts: Buffer[] = [];
  private size = 0;
  private timer: unknown;

  constructor(
    private readonly flushTo: (batch: Buffer) => void,
    private readonly timers: Timers,
    private readonly limits = { maxDelayMs: BATCH_MAX_DELAY_MS, maxBytes: BATCH_MAX_BYTES },
  ) {}

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.parts.push(chunk);
    this.size += chunk.length;
    if (this.size >= this.limits.maxBytes) this.flush();
    else this.timer ??= this.timers.set(() => this.flush(), this.limits.maxDelayMs);
  }

  /** Sends what is gathered now (on exit, before the exit is reported). */
  flush(): void {
    if (this.timer !== undefined) {
      this.timers.clear(this.timer);
      this.timer = undefined;
    }
    if (this.parts.length === 0) return;
    const batch = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.size);
    this.parts = [];
    this.size = 0;
    this.flushTo(batch);
  }
}

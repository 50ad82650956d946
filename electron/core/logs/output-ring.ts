/**
 * The recent output of one unit, bounded by bytes, for the live terminal: a client that attaches
 * (or reconnects) replays from an offset; what fell out of the ring is reported as a gap, not hidden.
 *
 * The bytes are copied into one circular buffer (grown by doubling up to `maxBytes`, so a quiet unit
 * holds little), never kept as the batches they came in: a batch kept for a while outlives V8's young
 * generation, and in a flood thousands of dead 64 KiB batches would then wait for a full collection
 * (scripts/bench-flood.mjs).
 */
export class OutputRing {
  private store = Buffer.alloc(0);
  /** Bytes held: the last `held` bytes of the stream, ending at `end`. */
  private held = 0;
  private end = 0;

  constructor(private readonly maxBytes = 2 * 1024 * 1024) {}

  append(data: Buffer): void {
    if (data.length === 0) return;
    const kept = data.length > this.maxBytes ? data.subarray(data.length - this.maxBytes) : data;
    this.reserve(Math.min(this.maxBytes, this.held + kept.length));
    const capacity = this.store.length;
    let at = (this.end + (data.length - kept.length)) % capacity;
    let from = 0;
    while (from < kept.length) {
      const n = Math.min(kept.length - from, capacity - at);
      kept.copy(this.store, at, from, from + n);
      from += n;
      at = (at + n) % capacity;
    }
    this.end += data.length;
    this.held = Math.min(capacity, this.held + kept.length);
  }

  /** Bytes from `offset` on (at most `maxBytes`), copied; `gap` counts bytes the ring no longer holds. */
  read(offset: number, maxBytes = Number.MAX_SAFE_INTEGER): { offset: number; data: Buffer; gap: number; end: number } {
    const start = Math.min(this.end, Math.max(offset, this.end - this.held));
    const gap = Math.max(0, start - offset);
    const length = Math.min(this.end - start, maxBytes);
    const data = Buffer.allocUnsafe(length);
    const capacity = this.store.length;
    let at = capacity === 0 ? 0 : start % capacity;
    let to = 0;
    while (to < length) {
      const n = Math.min(length - to, capacity - at);
      this.store.copy(data, to, at, at + n);
      to += n;
      at = (at + n) % capacity;
    }
    return { offset: start, data, gap, end: this.end };
  }

  get endOffset(): number {
    return this.end;
  }

  get droppedBytes(): number {
    return this.end - this.held;
  }

  /**
   * Makes room for `bytes` held bytes. Positions are stream offsets modulo the capacity, so a new
   * capacity re-lays the held bytes out at their new positions.
   */
  private reserve(bytes: number): void {
    if (bytes <= this.store.length) return;
    let capacity = Math.max(64 * 1024, this.store.length);
    while (capacity < bytes) capacity *= 2;
    capacity = Math.min(capacity, this.maxBytes);
    const held = this.read(this.end - this.held).data;
    this.store = Buffer.allocUnsafe(capacity);
    const at = (this.end - held.length) % capacity;
    const first = Math.min(held.length, capacity - at);
    held.copy(this.store, at, 0, first);
    held.copy(this.store, 0, first);
  }
}

/**
 * Cuts `data` (which starts at a character boundary) so that it ends on one too: a UTF-8 character
 * split across two slices would show as two replacement characters in the terminal.
 */
export function completeUtf8Length(data: Buffer): number {
  let i = data.length - 1;
  let continuation = 0;
  while (i >= 0 && continuation < 3 && (data[i]! & 0xc0) === 0x80) {
    i -= 1;
    continuation += 1;
  }
  if (i < 0) return data.length;
  const lead = data[i]!;
  const needed = lead >= 0xf0 ? 3 : lead >= 0xe0 ? 2 : lead >= 0xc0 ? 1 : 0;
  return needed > continuation ? i : data.length;
}

/** Bytes to skip at the start of `data` so that it begins on a character (after a cut or a gap). */
export function leadingContinuationBytes(data: Buffer): number {
  let i = 0;
  while (i < data.length && i < 3 && (data[i]! & 0xc0) === 0x80) i += 1;
  return i;
}

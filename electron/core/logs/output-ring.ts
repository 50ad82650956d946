/** One stored batch of a unit's output, with its position in the unit's whole output stream. */
export interface OutputChunk {
  /** Offset of the chunk's first byte in everything the unit printed since its output began. */
  offset: number;
  data: Buffer;
  at: number;
}

/**
 * The recent output of one unit, bounded by bytes, for the live terminal: a client that attaches
 * (or reconnects) replays from an offset; what fell out of the ring is reported as a gap, not hidden.
 */
export class OutputRing {
  private chunks: OutputChunk[] = [];
  private size = 0;
  private end = 0;
  private dropped = 0;

  constructor(private readonly maxBytes = 2 * 1024 * 1024) {}

  append(data: Buffer, at: number): OutputChunk {
    const chunk = { offset: this.end, data, at };
    this.chunks.push(chunk);
    this.size += data.length;
    this.end += data.length;
    while (this.size > this.maxBytes && this.chunks.length > 1) {
      const old = this.chunks.shift()!;
      this.size -= old.data.length;
      this.dropped += old.data.length;
    }
    return chunk;
  }

  /** Bytes from `offset` on (at most `maxBytes`); `gap` counts bytes the ring no longer holds. */
  read(offset: number, maxBytes = Number.MAX_SAFE_INTEGER): { offset: number; data: Buffer; gap: number; end: number } {
    const first = this.chunks[0];
    const start = Math.max(offset, first ? first.offset : this.end);
    const gap = Math.max(0, start - offset);
    const parts: Buffer[] = [];
    let taken = 0;
    for (const chunk of this.chunks) {
      const chunkEnd = chunk.offset + chunk.data.length;
      if (chunkEnd <= start) continue;
      if (taken >= maxBytes) break;
      const from = Math.max(0, start - chunk.offset);
      const part = chunk.data.subarray(from, from + (maxBytes - taken));
      parts.push(part);
      taken += part.length;
    }
    return { offset: Math.min(start, this.end), data: parts.length === 1 ? parts[0]! : Buffer.concat(parts, taken), gap, end: this.end };
  }

  get endOffset(): number {
    return this.end;
  }

  get droppedBytes(): number {
    return this.dropped;
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

/** One stored batch of a unit's output, with its position in the unit's whole output stream. */
export interface OutputChunk {
  /** Offset of the chunk's first character in everything the unit printed since the core started. */
  offset: number;
  text: string;
  at: number;
}

/**
 * The recent output of one unit, bounded by characters, for the live terminal: a client that attaches
 * (or reconnects) replays from an offset; what fell out of the ring is reported as a gap, not hidden.
 */
export class OutputRing {
  private chunks: OutputChunk[] = [];
  private size = 0;
  private end = 0;
  private dropped = 0;

  constructor(private readonly maxChars = 2 * 1024 * 1024) {}

  append(text: string, at: number): OutputChunk {
    const chunk = { offset: this.end, text, at };
    this.chunks.push(chunk);
    this.size += text.length;
    this.end += text.length;
    while (this.size > this.maxChars && this.chunks.length > 1) {
      const old = this.chunks.shift()!;
      this.size -= old.text.length;
      this.dropped += old.text.length;
    }
    return chunk;
  }

  /** Chunks from `offset` on; `gap` counts characters the ring no longer holds. */
  readFrom(offset: number): { chunks: OutputChunk[]; gap: number; end: number } {
    const first = this.chunks[0];
    const start = first ? first.offset : this.end;
    const gap = Math.max(0, start - offset);
    const chunks = this.chunks.filter((c) => c.offset + c.text.length > offset).map((c) => (c.offset >= offset ? c : { ...c, offset, text: c.text.slice(offset - c.offset) }));
    return { chunks, gap, end: this.end };
  }

  get endOffset(): number {
    return this.end;
  }

  get droppedChars(): number {
    return this.dropped;
  }
}

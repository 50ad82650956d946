import type { OutputSlice } from '../../../../electron/shared/services';

/**
 * Flow-control watermarks in characters, VS Code's terminal figures (its FlowControlConstants:
 * HighWatermarkChars 100000, LowWatermarkChars 5000). At most HIGH characters are handed to the
 * terminal and not yet parsed; the next slice is asked for only once that has drained below LOW.
 */
export const HIGH_WATERMARK_CHARS = 100_000;
export const LOW_WATERMARK_CHARS = 5_000;

export interface OutputFeedDeps {
  /** `services.output` for this unit. */
  pull(fromOffset: number, maxBytes: number): Promise<OutputSlice>;
  /** Hands text to the terminal; `onParsed` runs once the terminal has processed it (xterm's write callback). */
  write(text: string, onParsed: () => void): void;
  /** The core no longer held `chars` characters before the slice (`isAtStart`: before anything was shown). */
  onGap(chars: number, isAtStart: boolean): void;
  /** The core's offsets went backwards: it restarted and its ring began again. The terminal should clear. */
  onCoreRestart(): void;
  /** A pull failed (disconnected, unit removed…); the feed retries on the next notification or resume. */
  onError(error: Error): void;
}

/**
 * The live terminal's side of the output pull protocol. The core never pushes output: it announces
 * that output exists (`services.output` events, a notification with the end offset), and the
 * client asks for the next slice when it is ready. "Ready" is the acknowledgement: the previous
 * slices were parsed by xterm (its write callback fired) and fewer than LOW characters remain
 * unparsed. So a slow tab or a flood never piles output up in the page, and the core's ring — not
 * the browser — absorbs the burst; what the ring had to drop comes back as a `gap`, shown.
 */
export class OutputFeed {
  private offset = 0;
  private knownEnd = 0;
  private unacked = 0;
  private isPulling = false;
  private mustAsk = true;
  private hasShownAny = false;
  private isDisposed = false;
  private droppedChars = 0;
  /** The core's end when a pull brought nothing but part of a character: wait for more than that. */
  private stalledAtEnd = -1;

  constructor(private readonly deps: OutputFeedDeps) {}

  /** The core announced output up to `endOffset`. */
  notify(endOffset: number): void {
    if (endOffset > this.knownEnd) this.knownEnd = endOffset;
    // An end below our position means the core restarted; one pull finds out and resets.
    if (endOffset < this.offset) this.mustAsk = true;
    this.pump();
  }

  /** Ask once even without a notification: on attach and after a reconnect (events were missed). */
  resume(): void {
    this.mustAsk = true;
    this.pump();
  }

  dispose(): void {
    this.isDisposed = true;
  }

  /** Position and backlog, for tests and for the UI's status line. */
  get stats(): { offset: number; unacked: number; droppedChars: number; isPulling: boolean } {
    return { offset: this.offset, unacked: this.unacked, droppedChars: this.droppedChars, isPulling: this.isPulling };
  }

  private pump(): void {
    if (this.isDisposed || this.isPulling) return;
    if (this.unacked >= LOW_WATERMARK_CHARS) return;
    if (!this.mustAsk && (this.knownEnd <= this.offset || this.knownEnd <= this.stalledAtEnd)) return;
    this.isPulling = true;
    this.mustAsk = false;
    const from = this.offset;
    // Offsets count bytes; a UTF-8 character is at most 4 of them.
    this.deps.pull(from, Math.max(4, HIGH_WATERMARK_CHARS - this.unacked)).then(
      (slice) => {
        this.isPulling = false;
        if (this.isDisposed) return;
        this.take(from, slice);
        this.pump();
      },
      (error: unknown) => {
        this.isPulling = false;
        if (this.isDisposed) return;
        this.deps.onError(error instanceof Error ? error : new Error(String(error)));
      },
    );
  }

  private take(from: number, slice: OutputSlice): void {
    if (slice.endOffset < from) {
      // Offsets restart at 0 with a new core: start the view over from the new ring's beginning.
      this.offset = 0;
      this.knownEnd = slice.endOffset;
      this.hasShownAny = false;
      this.mustAsk = true;
      this.deps.onCoreRestart();
      return;
    }
    if (slice.gap > 0) {
      this.droppedChars += slice.gap;
      this.deps.onGap(slice.gap, !this.hasShownAny && from === 0);
    }
    if (slice.endOffset > this.knownEnd) this.knownEnd = slice.endOffset;
    // Offsets are bytes: the next slice starts where the core says, not at text.length.
    this.offset = slice.nextOffset;
    if (slice.text.length === 0) {
      // Only part of a character is there yet: wait for the core to announce more.
      if (slice.gap === 0) this.stalledAtEnd = slice.endOffset;
      return;
    }
    this.stalledAtEnd = -1;
    const length = slice.text.length;
    this.hasShownAny = true;
    this.unacked += length;
    this.deps.write(slice.text, () => {
      this.unacked -= length;
      this.pump();
    });
  }
}

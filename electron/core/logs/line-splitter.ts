/**
 * CSI sequences (colours, cursor moves: `ESC [ … final`, or the one-byte C1 CSI), OSC sequences
 * (titles: `ESC ] … BEL|ESC \`, never across a newline, so stripping a block of lines equals
 * stripping each line), and two-character escapes. vLLM colours its log level when stdout is a
 * terminal, and node-pty is one.
 */
// eslint-disable-next-line no-control-regex -- matching terminal control bytes is this regex's job
const ANSI = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b\n]*(?:\x07|\x1b\\)|[@-Z\\-_])|\x9b[0-?]*[ -/]*[@-~]/g;

/** Removes terminal escape sequences and other control characters except tab and newline. */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex -- as above: control characters are what is removed
  return text.replace(ANSI, '').replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');
}

/** Complete lines of a chunk as one block: `text` holds `count` lines joined by "\n", escapes stripped. */
export interface LineBlock {
  text: string;
  count: number;
}

/**
 * Turns a unit's terminal output into log lines for the index. A carriage return without a newline
 * starts the line over (progress bars redraw that way), so only a bar's final state is kept.
 */
export class LineSplitterForIndex {
  private partial = '';

  constructor(private readonly maxLineChars = 16 * 1024) {}

  push(text: string): string[] {
    return this.split(text).map(stripAnsi);
  }

  /**
   * As `push`, the lines joined by "\n" into one string: one allocation to keep and one string to
   * send to the index's worker instead of one per line (a flood's memory, scripts/bench-flood.mjs).
   */
  pushBlock(text: string): LineBlock {
    const lines = this.split(text);
    return { text: lines.length === 0 ? '' : stripAnsi(lines.join('\n')), count: lines.length };
  }

  /** The unfinished last line, when the unit exits without a newline. */
  flush(): string[] {
    return this.partial.length > 0 ? [stripAnsi(this.take())] : [];
  }

  private split(text: string): string[] {
    const lines: string[] = [];
    for (const piece of text.split(/(\r\n|\n|\r)/)) {
      if (piece === '\n' || piece === '\r\n') {
        lines.push(this.take());
      } else if (piece === '\r') {
        this.partial = '';
      } else {
        this.partial += piece;
        while (this.partial.length > this.maxLineChars) {
          lines.push(this.partial.slice(0, this.maxLineChars));
          this.partial = this.partial.slice(this.maxLineChars);
        }
      }
    }
    return lines;
  }

  private take(): string {
    const line = this.partial;
    this.partial = '';
    return line;
  }
}

/** Makes a user's words an FTS5 query that cannot be a syntax error: each word a quoted phrase. */
export function toFtsQuery(text: string): string {
  const words = text.trim().split(/\s+/).filter(Boolean);
  return words.map((word) => `"${word.replace(/"/g, '""')}"`).join(' ');
}

/** CSI, OSC and two-character escape sequences (colours, cursor moves, titles). */
// eslint-disable-next-line no-control-regex -- matching terminal control bytes is this regex's job
const ANSI = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])/g;

/** Removes terminal escape sequences and other control characters except tab. */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex -- as above: control characters are what is removed
  return text.replace(ANSI, '').replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');
}

/**
 * Turns a unit's terminal output into log lines for the index. A carriage return without a newline
 * starts the line over (progress bars redraw that way), so only a bar's final state is kept.
 */
export class LineSplitterForIndex {
  private partial = '';

  constructor(private readonly maxLineChars = 16 * 1024) {}

  push(text: string): string[] {
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
    return lines.map(stripAnsi);
  }

  /** The unfinished last line, when the unit exits without a newline. */
  flush(): string[] {
    return this.partial.length > 0 ? [stripAnsi(this.take())] : [];
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

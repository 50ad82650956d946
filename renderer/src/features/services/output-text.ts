/** What "jump to first error" looks for (case-insensitive): the words a crash or a refusal prints. */
export const ERROR_LINE = /error|traceback|exception|fatal/i;

/** CSI, OSC and two-character escape sequences: colours, cursor moves, window titles. */
// eslint-disable-next-line no-control-regex -- matching terminal control bytes is this regex's job
const ANSI = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])/g;

/**
 * Terminal output as a plain text file: escape sequences removed, CRLF made LF, and a bare CR
 * (a progress bar redrawing its line) keeps only the line's final state, as the terminal shows it.
 */
export function terminalTextToPlain(text: string): string {
  const lines = text.replace(ANSI, '').replace(/\r\n/g, '\n').split('\n');
  return lines
    .map((line) => {
      const parts = line.split('\r').filter((part) => part.length > 0);
      // eslint-disable-next-line no-control-regex -- other control characters are dropped too
      return (parts[parts.length - 1] ?? '').replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');
    })
    .join('\n');
}

/** One row of the terminal's buffer: its text and whether it continues the row above (soft wrap). */
export interface BufferRow {
  text: string;
  isWrapped: boolean;
}

/**
 * The first buffer row of the first logical line (soft-wrapped rows joined) that matches `pattern`,
 * or -1. Joining matters: a long traceback line wraps, and "Error" may straddle two rows.
 */
export function firstMatchingRow(rows: readonly BufferRow[], pattern: RegExp = ERROR_LINE): number {
  let start = 0;
  let text = '';
  for (let i = 0; i <= rows.length; i += 1) {
    const row = rows[i];
    if (row && row.isWrapped && i > 0) {
      text += row.text;
      continue;
    }
    if (i > 0 && pattern.test(text)) return start;
    if (!row) break;
    start = i;
    text = row.text;
  }
  return -1;
}

/** What the terminal and the notice above it say when the core no longer holds part of the output. */
export function droppedNotice(bytes: number, isAtStart: boolean): string {
  const n = bytes.toLocaleString('en-US');
  return isAtStart
    ? `… ${n} earlier bytes are no longer held in memory (the live view keeps the most recent output; search the logs for older lines)`
    : `… ${n} bytes dropped: the output came faster than it was read`;
}

/** Where a match starts in the buffer (0-based row and column). */
export interface MatchPosition {
  row: number;
  col: number;
}

/**
 * Every case-insensitive occurrence of `query` in the buffer, oldest first, searched in logical
 * lines (soft-wrapped rows joined) as xterm's search addon does, so the count agrees with what
 * "next" and "previous" step through.
 */
export function findMatches(rows: readonly BufferRow[], query: string): MatchPosition[] {
  if (query === '') return [];
  const needle = query.toLowerCase();
  const matches: MatchPosition[] = [];
  let i = 0;
  while (i < rows.length) {
    const starts: number[] = [];
    let text = '';
    let j = i;
    do {
      starts.push(text.length);
      text += rows[j]!.text;
      j += 1;
    } while (j < rows.length && rows[j]!.isWrapped);
    const lower = text.toLowerCase();
    for (let at = lower.indexOf(needle); at !== -1; at = lower.indexOf(needle, at + 1)) {
      let k = starts.length - 1;
      while (starts[k]! > at) k -= 1;
      matches.push({ row: i + k, col: at - starts[k]! });
    }
    i = j;
  }
  return matches;
}

/**
 * Takes the Markdown fence off a streamed code answer as it arrives, so that a generation streamed
 * to the editor holds only code. Works on the deltas the model sends, split anywhere.
 */
import { couldBecomeClosingFence, couldBecomeOpeningFence, isClosingFence, parseOpeningFence, type Fence } from './markdown-fence';

/** Feeds deltas in, gets clean text out; `end()` flushes what was held back. */
export interface FenceStripper {
  push(delta: string): string;
  end(): string;
}

/**
 * A stripper that drops blank lines before the first line of code, a first line that opens a fence
 * (```` ```python ````), the line that closes that fence and everything after it (the model's
 * comments on its code), and blank lines at the very end. Text that does not open with a fence
 * passes through unchanged, bar those leading and trailing blank lines; `extractCode` gives the same
 * result on the whole text.
 *
 * What it holds back: the line being written while it could still turn out to be a fence line
 * (at most one partial line), and line breaks while only blank lines follow them (they are written
 * out as soon as more code comes, and dropped at the end).
 */
export function createFenceStripper(): FenceStripper {
  /** `start`: nothing but blank lines yet; `code`: inside the answer; `done`: the closing fence went by, the rest is dropped. */
  let state: 'start' | 'code' | 'done' = 'start';
  let opening: Fence | null = null;
  /** The current line, not yet written because it may be a fence line or blank. */
  let held = '';
  /** Whether the current line has been ruled out as a fence line and its start written, so the rest goes straight out. */
  let isLineWritten = false;
  let hasWrittenCode = false;
  /** Line breaks (with blank lines' spaces) not yet written: written before the next code, dropped at the end. */
  let pendingBreaks = '';

  /** Writes the start of a line of code, with the breaks before it (none before the first). */
  const writeLine = (text: string): string => {
    const out = hasWrittenCode ? `${pendingBreaks}\n${text}` : text;
    pendingBreaks = '';
    hasWrittenCode = true;
    return out;
  };

  /** Handles a line that ended before anything of it was written; returns what to write. */
  const finishLine = (line: string): string => {
    if (line.trim() === '') {
      // Blank lines before the code are dropped; later ones wait for more code.
      if (hasWrittenCode) pendingBreaks += `\n${line}`;
      return '';
    }
    if (state === 'start') {
      state = 'code';
      opening = parseOpeningFence(line);
      return opening ? '' : writeLine(line);
    }
    if (opening && isClosingFence(line, opening)) {
      state = 'done';
      return '';
    }
    return writeLine(line);
  };

  /** Whether the partial line `text` must wait for more before any of it is written. */
  const mustHold = (text: string): boolean => {
    if (text.trim() === '') return true;
    if (state === 'start') return couldBecomeOpeningFence(text) || /^ {0,3}(`{3,}|~{3,})/.test(text);
    return opening !== null && couldBecomeClosingFence(text, opening);
  };

  return {
    push(delta) {
      let out = '';
      let rest = delta;
      while (rest !== '' && state !== 'done') {
        const newline = rest.indexOf('\n');
        const piece = newline === -1 ? rest : rest.slice(0, newline);
        rest = newline === -1 ? '' : rest.slice(newline + 1);

        if (isLineWritten) out += piece;
        else held += piece;

        if (newline === -1) {
          if (!isLineWritten && !mustHold(held)) {
            if (state === 'start') state = 'code';
            out += writeLine(held);
            held = '';
            isLineWritten = true;
          }
          break;
        }
        if (!isLineWritten) out += finishLine(held);
        held = '';
        isLineWritten = false;
      }
      return out;
    },

    end() {
      const line = held;
      held = '';
      if (state === 'done' || isLineWritten || line.trim() === '') return '';
      // A lone opening fence with nothing after it is not code; nor is a closing fence.
      if (state === 'start') return parseOpeningFence(line) ? '' : writeLine(line);
      return opening && isClosingFence(line, opening) ? '' : writeLine(line);
    },
  };
}

/**
 * An incremental Server-Sent Events parser (WHATWG HTML §9.2.6 "Interpreting an event stream"):
 * push text as it arrives, split anywhere, and get each event once its blank line is in. Decode
 * bytes before pushing with a streaming `TextDecoder` (`decode(chunk, { stream: true })`), so a
 * multibyte character split across chunks arrives whole.
 *
 * Handles CRLF, LF and CR line endings (a CR at the end of one chunk and an LF at the start of
 * the next count as one), multi-line `data:`, comments (`:` lines, used as keep-alives), the
 * optional space after the colon, a leading BOM. `id` and `retry` are parsed and ignored: the
 * gateway never reconnects an upstream stream.
 */

/** One dispatched event. `event` is null when the stream named no type ("message"). */
export interface SseEvent {
  event: string | null;
  data: string;
}

export interface SseParser {
  /** Feeds decoded text. Calls `onEvent` for each event completed by it. */
  push(chunk: string): void;
  /**
   * The stream ended. An event whose blank line never came is still dispatched: servers that end
   * the body right after the last `data:` line are common, and the end was a clean one (a cut
   * connection is an error the caller sees before it would call this).
   */
  end(): void;
}

export interface SseParserOptions {
  /** Longest line or event accepted (characters); beyond it `push` throws `SseOverflowError`. Default 8 Mi. */
  maxEventChars?: number;
}

/** A line or an event longer than the parser accepts: the stream is not SSE, or it is hostile. */
export class SseOverflowError extends Error {
  constructor(readonly limit: number) {
    super(`an event stream line or event is longer than ${limit} characters`);
    this.name = 'SseOverflowError';
  }
}

/** Creates a parser that calls `onEvent` for every complete event. */
export function createSseParser(onEvent: (event: SseEvent) => void, options: SseParserOptions = {}): SseParser {
  const limit = options.maxEventChars ?? 8 * 1024 * 1024;
  let buffer = '';
  let isFirstChunk = true;
  // The previous chunk ended with CR: an LF at the start of this one belongs to that line ending.
  let isAfterCr = false;
  let data: string[] = [];
  let dataChars = 0;
  let eventType: string | null = null;

  const dispatch = () => {
    if (data.length > 0) {
      const event = { event: eventType, data: data.join('\n') };
      data = [];
      dataChars = 0;
      eventType = null;
      onEvent(event);
    } else {
      eventType = null;
    }
  };

  const processLine = (line: string) => {
    if (line === '') {
      dispatch();
      return;
    }
    if (line.charCodeAt(0) === 0x3a /* : */) return; // a comment
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 0x20) value = value.slice(1);
    if (field === 'data') {
      dataChars += value.length + 1;
      if (dataChars > limit) throw new SseOverflowError(limit);
      data.push(value);
    } else if (field === 'event') {
      eventType = value;
    }
    // id, retry and unknown fields: ignored (see the header comment).
  };

  return {
    push(chunk: string) {
      if (chunk === '') return;
      let text = chunk;
      if (isFirstChunk) {
        isFirstChunk = false;
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      }
      let start = 0;
      if (isAfterCr) {
        isAfterCr = false;
        if (text.charCodeAt(0) === 0x0a) start = 1;
      }
      const length = text.length;
      let i = start;
      while (i < length) {
        const c = text.charCodeAt(i);
        if (c !== 0x0a && c !== 0x0d) {
          i += 1;
          continue;
        }
        const line = buffer === '' ? text.slice(start, i) : buffer + text.slice(start, i);
        buffer = '';
        if (c === 0x0d) {
          if (i + 1 < length) {
            if (text.charCodeAt(i + 1) === 0x0a) i += 1;
          } else {
            isAfterCr = true;
          }
        }
        i += 1;
        start = i;
        processLine(line);
      }
      if (start < length) {
        buffer += text.slice(start);
        if (buffer.length > limit) throw new SseOverflowError(limit);
      }
    },
    end() {
      if (buffer !== '') {
        const line = buffer;
        buffer = '';
        processLine(line);
      }
      dispatch();
    },
  };
}

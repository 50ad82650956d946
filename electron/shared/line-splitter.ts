/** Newline-delimited frames (NDJSON) out of a text stream: the control socket and the gateway's channel. */
import { MAX_MESSAGE_BYTES } from './wire';

/** Splits a byte stream into newline-delimited frames, refusing frames over the size limit. */
export class LineSplitter {
  private buffer = '';
  constructor(
    private readonly onLine: (line: string) => void,
    private readonly onOverflow: () => void,
    private readonly maxBytes = MAX_MESSAGE_BYTES,
  ) {}

  push(chunk: string): void {
    this.buffer += chunk;
    let newline = this.buffer.indexOf('\n');
    while (newline >= 0) {
      const line = this.buffer.slice(0, newline);
      this.buffer = this.buffer.slice(newline + 1);
      if (line.length > 0) this.onLine(line);
      newline = this.buffer.indexOf('\n');
    }
    if (this.buffer.length > this.maxBytes) {
      this.buffer = '';
      this.onOverflow();
    }
  }
}

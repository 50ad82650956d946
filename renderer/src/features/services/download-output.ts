import type { OutputSlice } from '../../../../electron/shared/services';
import { terminalTextToPlain } from './output-text';

/** Slice size for a download, in bytes: the largest `services.output` allows. */
const DOWNLOAD_SLICE_CHARS = 1024 * 1024;

export interface RingCopy {
  text: string;
  /** Offset of the first character held (characters before it had already left the ring). */
  from: number;
  to: number;
  /** Characters lost between slices while reading (a flood overtook the download). */
  lostWhileReading: number;
}

/**
 * Reads everything the core's ring holds for a unit, from its oldest character to the end as it
 * was when the download began (output printed meanwhile is left for the terminal).
 */
export async function readWholeRing(pull: (fromOffset: number, maxBytes: number) => Promise<OutputSlice>): Promise<RingCopy> {
  const first = await pull(0, DOWNLOAD_SLICE_CHARS);
  const end = first.endOffset;
  const parts = [first.text];
  let next = first.nextOffset;
  let lostWhileReading = 0;
  while (next < end) {
    const slice = await pull(next, Math.min(DOWNLOAD_SLICE_CHARS, end - next));
    if (slice.endOffset < next) break; // the core restarted meanwhile: keep what was read
    if (slice.gap > 0) {
      lostWhileReading += slice.gap;
      parts.push(`\n[… ${slice.gap} bytes dropped here while downloading …]\n`);
    }
    if (slice.nextOffset <= next && slice.gap === 0) break;
    parts.push(slice.text);
    next = slice.nextOffset;
  }
  return { text: parts.join(''), from: first.offset, to: next, lostWhileReading };
}

/** The downloaded file: a header that says what it is (and is not), then the output as plain text. */
export function ringCopyToFile(unit: string, copy: RingCopy, logFilePath: string, at: Date): string {
  const header = [
    `# Output of unit "${unit}" as held in Airlock's live buffer, downloaded ${at.toISOString()}.`,
    `# Bytes ${copy.from}–${copy.to} of what it printed since the Airlock core started${copy.from > 0 ? ` (the first ${copy.from} bytes are no longer held in memory)` : ''}.`,
    `# The complete, rotating log file is on the appliance: ${logFilePath}`,
    '',
  ];
  return `${header.join('\n')}\n${terminalTextToPlain(copy.text)}`;
}

/** Saves `text` as a file through a Blob URL (nothing goes over the network). */
export function saveTextFile(fileName: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = fileName;
  anchor.click();
  // The download has taken its copy once click() returns; revoke on the next turn to be safe.
  window.setTimeout(() => URL.revokeObjectURL(url), 0);
}

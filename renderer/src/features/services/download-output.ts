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

/** Decodes base64 without Node (the renderer has none). */
function base64ToBytes(base64: string): Uint8Array<ArrayBuffer> {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export interface LogFileReader {
  files(): Promise<{ file: string; bytes: number }[]>;
  read(file: string, fromByte: number): Promise<{ nextByte: number; totalBytes: number; base64: string }>;
}

/**
 * Reads a unit's whole rotating log, oldest file first, as the exact bytes on disk (a character
 * split between two pieces stays whole once they are joined). Each file is read up to the size it
 * had when listed, so output written meanwhile does not make the download endless.
 */
export async function readFullLog(reader: LogFileReader): Promise<{ parts: Uint8Array<ArrayBuffer>[]; bytes: number; files: string[] }> {
  const parts: Uint8Array<ArrayBuffer>[] = [];
  let bytes = 0;
  const listed = await reader.files();
  for (const { file, bytes: size } of listed) {
    let from = 0;
    while (from < size) {
      const piece = await reader.read(file, from);
      const data = base64ToBytes(piece.base64);
      if (data.length === 0) break;
      parts.push(data);
      bytes += data.length;
      from = piece.nextByte;
    }
  }
  return { parts, bytes, files: listed.map((f) => f.file) };
}

/** Saves bytes as a file through a Blob URL (nothing goes over the network). */
export function saveBytesFile(fileName: string, parts: Uint8Array<ArrayBuffer>[]): void {
  const url = URL.createObjectURL(new Blob(parts, { type: 'text/plain;charset=utf-8' }));
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = fileName;
  anchor.click();
  window.setTimeout(() => URL.revokeObjectURL(url), 0);
}

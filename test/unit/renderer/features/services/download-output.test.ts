import { describe, expect, it } from 'vitest';
import { readFullLog, readWholeRing, ringCopyToFile } from '../../../../../renderer/src/features/services/download-output';

describe('readWholeRing', () => {
  it('reads the ring slice by slice up to the end it had when the download began', async () => {
    let ring = 'abcdefghij';
    const start = 5; // the first 5 characters already left the ring
    const asked: number[] = [];
    const copy = await readWholeRing(async (from, max) => {
      asked.push(from);
      const begin = Math.max(from, start);
      const text = ring.slice(begin - start, begin - start + Math.min(max, 4));
      const result = { unit: 'u', offset: begin, text, nextOffset: begin + text.length, gap: Math.max(0, start - from), endOffset: start + ring.length };
      ring += 'LATER'; // output printed during the download is not waited for
      return result;
    });
    expect(copy).toEqual({ text: 'abcdefghij', from: 5, to: 15, lostWhileReading: 0 });
    expect(asked).toEqual([0, 9, 13]);
  });

  it('writes a header that says what the file holds and where the full log is', () => {
    const file = ringCopyToFile('qwen', { text: '\x1b[32mINFO\x1b[0m ready\r\n', from: 10, to: 30, lostWhileReading: 0 }, '/data/logs/qwen.log', new Date('2026-11-21T12:00:00Z'));
    expect(file).toContain('# Output of unit "qwen"');
    expect(file).toContain('the first 10 bytes are no longer held in memory');
    expect(file).toContain('/data/logs/qwen.log');
    expect(file.endsWith('INFO ready\n')).toBe(true);
  });
});

describe('readFullLog', () => {
  it('joins the files oldest first, piece by piece, as the exact bytes (a character split between pieces stays whole)', async () => {
    const files: Record<string, Buffer> = { 'u.log.1': Buffer.from('old €uro\n'), 'u.log': Buffer.from('new ✓ line\n') };
    const reader = {
      files: async () => [
        { file: 'u.log.1', bytes: files['u.log.1']!.length },
        { file: 'u.log', bytes: files['u.log']!.length },
      ],
      // Pieces of 5 bytes: the 3-byte € and ✓ get split.
      read: async (file: string, fromByte: number) => {
        const data = files[file]!.subarray(fromByte, fromByte + 5);
        return { nextByte: fromByte + data.length, totalBytes: files[file]!.length, base64: data.toString('base64') };
      },
    };
    const log = await readFullLog(reader);
    expect(Buffer.concat(log.parts).toString('utf8')).toBe('old €uro\nnew ✓ line\n');
    expect(log.files).toEqual(['u.log.1', 'u.log']);
    expect(log.bytes).toBe(files['u.log.1']!.length + files['u.log']!.length);
  });
});

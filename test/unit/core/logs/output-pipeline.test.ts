import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OutputBatcher } from '../../../../electron/core/logs/output-batcher';
import { OutputRing, completeUtf8Length, leadingContinuationBytes } from '../../../../electron/core/logs/output-ring';
import { RotatingLogFile } from '../../../../electron/core/logs/rotating-log-file';
import { useTempDir } from '../../../helpers/temp-dir';

const timers = { set: (fn: () => void, ms: number) => setTimeout(fn, ms), clear: (h: unknown) => clearTimeout(h as NodeJS.Timeout) };

describe('OutputBatcher', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());
  const b = (text: string) => Buffer.from(text);

  it('flushes after 16 ms, or at once past 64 KB (under V8\'s large-object size), in order', () => {
    const batches: Buffer[] = [];
    const batcher = new OutputBatcher((batch) => batches.push(batch), timers);
    batcher.push(b('a'));
    batcher.push(b('b'));
    vi.advanceTimersByTime(15);
    expect(batches).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(batches.map(String)).toEqual(['ab']);
    batcher.push(b('x'.repeat(40 * 1024)));
    expect(batches).toHaveLength(1);
    batcher.push(b('y'.repeat(30 * 1024)));
    expect(batches).toHaveLength(2);
    expect(batches[1]).toHaveLength(70 * 1024);
    batcher.push(b('tail'));
    batcher.flush();
    expect(String(batches[2])).toBe('tail');
    vi.advanceTimersByTime(100);
    expect(batches).toHaveLength(3);
  });
});

describe('OutputRing', () => {
  it('reads from an offset, bounded, and reports what fell out as a gap', () => {
    const ring = new OutputRing(10);
    ring.append(Buffer.from('0123'));
    ring.append(Buffer.from('4567'));
    expect(ring.read(2)).toMatchObject({ offset: 2, gap: 0, end: 8 });
    expect(String(ring.read(2).data)).toBe('234567');
    expect(String(ring.read(2, 3).data)).toBe('234');
    ring.append(Buffer.from('89ab'));
    expect(ring.droppedBytes).toBe(2);
    const replay = ring.read(0);
    expect(replay).toMatchObject({ offset: 2, gap: 2, end: 12 });
    expect(String(replay.data)).toBe('23456789ab');
    expect(ring.read(12)).toMatchObject({ offset: 12, gap: 0, end: 12 });
    expect(ring.read(12).data.length).toBe(0);
  });

  it('keeps exactly the last maxBytes of the stream across wrap-arounds, growth and oversized batches', () => {
    const maxBytes = 200 * 1024;
    const ring = new OutputRing(maxBytes);
    let stream = Buffer.alloc(0);
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 300; i += 1) {
      // Mostly small batches, now and then one larger than the whole ring.
      const size = random() < 0.02 ? maxBytes + 1234 : Math.floor(random() * 40_000);
      const batch = Buffer.alloc(size, 0);
      // Each byte a hash of its stream offset: a read from a wrong place cannot match by accident.
      for (let b = 0; b < size; b += 1) batch[b] = (Math.imul(ring.endOffset + b, 2654435761) >>> 24) & 0xff;
      ring.append(batch);
      stream = Buffer.concat([stream, batch]).subarray(-maxBytes * 2);
      const total = ring.endOffset;
      const held = Math.min(total, maxBytes);
      expect(ring.droppedBytes).toBe(total - held);
      const from = total - held + Math.floor(random() * held);
      const read = ring.read(from, 50_000);
      expect(read.offset).toBe(from);
      expect(read.gap).toBe(0);
      const expected = stream.subarray(stream.length - (total - from)).subarray(0, 50_000);
      expect(read.data.equals(expected)).toBe(true);
    }
  });

  it('hands out copies: what a client holds does not change as the ring moves on', () => {
    const ring = new OutputRing(8);
    ring.append(Buffer.from('abcdefgh'));
    const before = ring.read(0).data;
    ring.append(Buffer.from('12345678'));
    expect(String(before)).toBe('abcdefgh');
    expect(String(ring.read(0).data)).toBe('12345678');
  });
});

describe('UTF-8 boundaries', () => {
  const euro = Buffer.from('a€b'); // € is 3 bytes: e2 82 ac

  it('cuts a slice so that it ends on a whole character', () => {
    expect(completeUtf8Length(euro.subarray(0, 1))).toBe(1);
    expect(completeUtf8Length(euro.subarray(0, 2))).toBe(1);
    expect(completeUtf8Length(euro.subarray(0, 3))).toBe(1);
    expect(completeUtf8Length(euro.subarray(0, 4))).toBe(4);
    expect(completeUtf8Length(Buffer.from('😀'))).toBe(4);
    expect(completeUtf8Length(Buffer.from('😀').subarray(0, 3))).toBe(0);
  });

  it('skips the tail of a character at the start of a slice', () => {
    expect(leadingContinuationBytes(euro.subarray(2))).toBe(2);
    expect(leadingContinuationBytes(euro.subarray(3))).toBe(1);
    expect(leadingContinuationBytes(euro)).toBe(0);
  });
});

describe('RotatingLogFile', () => {
  const tempDir = useTempDir();
  const diskUse = (dir: string) => readdirSync(dir).reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);

  it('never holds more than maxFileBytes × maxFiles on disk, and keeps the newest output', async () => {
    const dir = tempDir();
    const file = new RotatingLogFile({ path: join(dir, 'unit.log'), maxFileBytes: 10_000, maxFiles: 3 });
    let written = '';
    for (let i = 0; i < 2000; i += 1) {
      const line = `line ${i} ${'.'.repeat(i % 40)}\n`;
      written += line;
      file.append(line);
      if (i % 100 === 0) expect(diskUse(dir)).toBeLessThanOrEqual(30_000);
    }
    await file.close();
    expect(diskUse(dir)).toBeLessThanOrEqual(30_000);
    expect(readdirSync(dir).sort()).toEqual(['unit.log', 'unit.log.1', 'unit.log.2']);
    const kept = ['unit.log.2', 'unit.log.1', 'unit.log'].map((name) => readFileSync(join(dir, name), 'utf8')).join('');
    expect(written.endsWith(kept)).toBe(true);
    expect(kept.length).toBeGreaterThan(20_000);
    expect(file.getStats()).toMatchObject({ droppedBytes: 0, lastError: null });
    expect(file.getStats().rotations).toBeGreaterThan(3);
  });

  it('drops and counts output when the disk falls behind instead of queueing without bound', () => {
    const file = new RotatingLogFile({ path: join(tempDir(), 'unit.log'), maxFileBytes: 1_000_000, maxFiles: 2, maxPendingBytes: 1000 });
    let accepted = 0;
    for (let i = 0; i < 100; i += 1) if (file.append('x'.repeat(100))) accepted += 1;
    expect(accepted).toBeLessThan(100);
    expect(file.getStats().droppedBytes).toBe((100 - accepted) * 100);
  });

  it('counts a write error as dropped output and keeps going', async () => {
    const file = new RotatingLogFile({ path: join(tempDir(), 'missing-dir', 'unit.log'), maxFileBytes: 1000, maxFiles: 2 });
    file.append('lost\n');
    await file.flush();
    expect(file.getStats()).toMatchObject({ droppedBytes: 5, lastError: 'ENOENT' });
  });
});

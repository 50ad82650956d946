import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LogIndex } from '../../electron/core/logs/log-index';
import { useTempDir } from '../helpers/temp-dir';

describe('log index (logs.db, FTS5, worker thread)', () => {
  const tempDir = useTempDir();
  const open: LogIndex[] = [];
  afterEach(async () => {
    for (const index of open.splice(0)) await index.close();
  });
  const create = (options: Partial<ConstructorParameters<typeof LogIndex>[0]> = {}) => {
    const index = new LogIndex({ dbPath: join(tempDir(), 'logs.db'), maxBytes: 64 * 1024 * 1024, workerPath: join(process.cwd(), 'electron/core/logs/log-index-worker.ts'), ...options });
    open.push(index);
    return index;
  };

  it('finds lines across units, newest first, with highlighted matches, by unit and time range', async () => {
    const index = create();
    index.append('vllm-a', 'INFO Loading weights took 12.3 seconds\n', 1000);
    index.append('vllm-a', 'ERROR CUDA out of memory. Tried to allocate 2.00 GiB\n', 2000);
    index.append('gateway', 'request 42 answered in 12 ms\nCUDA is not used here\n', 3000);
    const all = await index.search({ text: 'CUDA' });
    expect(all.map((h) => h.unit)).toEqual(['gateway', 'vllm-a']);
    expect(all[1]!.line).toBe('ERROR \u0002CUDA\u0003 out of memory. Tried to allocate 2.00 GiB');
    expect((await index.search({ text: 'CUDA', unit: 'vllm-a' })).map((h) => h.ts)).toEqual([2000]);
    expect(await index.search({ text: 'CUDA', since: 2500 })).toHaveLength(1);
    expect(await index.search({ text: 'out-of-memory: "x' })).toEqual([]);
    expect((await index.tail('vllm-a', 5)).map((h) => h.line)).toEqual(['INFO Loading weights took 12.3 seconds', 'ERROR CUDA out of memory. Tried to allocate 2.00 GiB']);
  });

  it('drops and counts lines instead of queueing without bound when the worker is behind', async () => {
    const index = create({ maxPendingLines: 100, batchLines: 1_000_000, flushMs: 60_000 });
    for (let i = 0; i < 150; i += 1) index.append('flood', `line ${i}\n`, i);
    expect(index.getStats()).toMatchObject({ droppedLines: 50, pendingLines: 100 });
  });

  it('retention by age deletes old lines and gives the space back', async () => {
    const dir = tempDir();
    const index = create({ dbPath: join(dir, 'logs.db'), maxPendingLines: 50_000 });
    const filler = 'x'.repeat(500);
    for (let i = 0; i < 20_000; i += 1) index.append('old', `${i} ${filler}\n`, 1000);
    for (let i = 0; i < 100; i += 1) index.append('new', `${i} fresh\n`, 9_000_000);
    await index.search({ text: 'fresh' });
    const before = statSync(join(dir, 'logs.db')).size;
    const { deleted, sizeBytes } = await index.retain(1_000_000, 9_000_000);
    expect(deleted).toBe(20_000);
    expect(sizeBytes).toBeLessThan(before * 0.2);
    expect(await index.search({ text: 'fresh' })).toHaveLength(100);
  });
});

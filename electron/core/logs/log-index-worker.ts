/**
 * The log index's worker thread: owns logs.db (SQLite FTS5) so that batched inserts, searches and
 * retention never run on the core's event loop. Self-contained (Node built-ins and better-sqlite3
 * only, no TypeScript-only syntax) so Node can run it straight from source in tests.
 */
import { statSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

interface Row {
  unit: string;
  ts: number;
  line: string;
}

/** Lines of one unit and chunk, joined by "\n" (log-index.ts: one string per block, not one per line). */
interface Block {
  unit: string;
  ts: number;
  text: string;
  count: number;
}

const { path, maxBytes } = workerData as { path: string; maxBytes: number };
const db = new Database(path);
// auto_vacuum must be chosen before the first table exists (sqlite.org/pragma.html#pragma_auto_vacuum).
db.pragma('auto_vacuum = INCREMENTAL');
db.pragma('journal_mode = WAL');
// Logs may lose the last moments on power loss; config.db may not (reliability.md §5).
db.pragma('synchronous = NORMAL');
db.pragma('journal_size_limit = 67108864');
const pageSize = db.pragma('page_size', { simple: true }) as number;
// A hard cap: past it writes fail with SQLITE_FULL, which the insert path turns into dropped lines.
db.pragma(`max_page_count = ${Math.max(256, Math.floor(maxBytes / pageSize))}`);
db.exec(`
  CREATE TABLE IF NOT EXISTS lines (id INTEGER PRIMARY KEY, unit TEXT NOT NULL, ts INTEGER NOT NULL, line TEXT NOT NULL);
  CREATE INDEX IF NOT EXISTS lines_unit_ts ON lines (unit, ts);
  CREATE INDEX IF NOT EXISTS lines_ts ON lines (ts);
  CREATE VIRTUAL TABLE IF NOT EXISTS lines_fts USING fts5(line, content='lines', content_rowid='id');
  CREATE TRIGGER IF NOT EXISTS lines_ai AFTER INSERT ON lines BEGIN INSERT INTO lines_fts (rowid, line) VALUES (new.id, new.line); END;
  CREATE TRIGGER IF NOT EXISTS lines_ad AFTER DELETE ON lines BEGIN INSERT INTO lines_fts (lines_fts, rowid, line) VALUES ('delete', old.id, old.line); END;
`);

const insert = db.prepare('INSERT INTO lines (unit, ts, line) VALUES (?, ?, ?)');
const insertBlocks = db.transaction((blocks: Block[]) => {
  for (const { unit, ts, text } of blocks) for (const line of text.split('\n')) insert.run(unit, ts, line);
});
const deleteOlder = db.prepare('DELETE FROM lines WHERE ts < ?');
const deleteOldest = db.prepare('DELETE FROM lines WHERE id IN (SELECT id FROM lines ORDER BY id LIMIT ?)');
const countRows = db.prepare('SELECT count(*) AS n FROM lines');
const tail = db.prepare('SELECT id, unit, ts, line FROM lines WHERE unit = ? ORDER BY id DESC LIMIT ?');
const searchAll = db.prepare(
  `SELECT l.id, l.unit, l.ts, highlight(lines_fts, 0, char(2), char(3)) AS line
     FROM lines_fts JOIN lines l ON l.id = lines_fts.rowid
    WHERE lines_fts MATCH ? AND l.ts BETWEEN ? AND ? ORDER BY l.ts DESC, l.id DESC LIMIT ?`,
);
const searchUnit = db.prepare(
  `SELECT l.id, l.unit, l.ts, highlight(lines_fts, 0, char(2), char(3)) AS line
     FROM lines_fts JOIN lines l ON l.id = lines_fts.rowid
    WHERE lines_fts MATCH ? AND l.unit = ? AND l.ts BETWEEN ? AND ? ORDER BY l.ts DESC, l.id DESC LIMIT ?`,
);

const fileBytes = () => {
  let total = 0;
  for (const suffix of ['', '-wal', '-shm']) {
    try {
      total += statSync(path + suffix).size;
    } catch {
      // Not there (yet).
    }
  }
  return total;
};

/** Deletes by age, then oldest-first until under `targetBytes`, and gives the pages back to the disk. */
function retain(maxAgeMs: number, now: number, targetBytes: number): { deleted: number; sizeBytes: number } {
  let deleted = deleteOlder.run(now - maxAgeMs).changes;
  let guard = 0;
  while (fileBytes() > targetBytes && (countRows.get() as { n: number }).n > 0 && guard < 100) {
    deleted += deleteOldest.run(5000).changes;
    db.pragma('incremental_vacuum');
    db.pragma('wal_checkpoint(TRUNCATE)');
    guard += 1;
  }
  db.pragma('incremental_vacuum');
  db.pragma('wal_checkpoint(TRUNCATE)');
  return { deleted, sizeBytes: fileBytes() };
}

parentPort!.on('message', (message: { t: string; id?: number; [key: string]: unknown }) => {
  try {
    if (message.t === 'insert') {
      const blocks = message.blocks as Block[];
      const count = blocks.reduce((sum, block) => sum + block.count, 0);
      try {
        insertBlocks(blocks);
        parentPort!.postMessage({ t: 'inserted', count });
      } catch (error) {
        if ((error as { code?: string }).code !== 'SQLITE_FULL') throw error;
        // At the cap: make room, and count this batch as dropped rather than fail or block.
        retain(Number.MAX_SAFE_INTEGER, Date.now(), maxBytes * 0.8);
        parentPort!.postMessage({ t: 'inserted', count: 0, dropped: count });
      }
    } else if (message.t === 'search') {
      const { query, unit, since, until, limit } = message as unknown as { query: string; unit?: string; since: number; until: number; limit: number };
      const rows = unit ? searchUnit.all(query, unit, since, until, limit) : searchAll.all(query, since, until, limit);
      parentPort!.postMessage({ t: 'reply', id: message.id, ok: true, rows });
    } else if (message.t === 'tail') {
      const rows = (tail.all(message.unit as string, message.limit as number) as Row[]).reverse();
      parentPort!.postMessage({ t: 'reply', id: message.id, ok: true, rows });
    } else if (message.t === 'retain') {
      const result = retain(message.maxAgeMs as number, message.now as number, message.targetBytes as number);
      parentPort!.postMessage({ t: 'reply', id: message.id, ok: true, ...result });
    } else if (message.t === 'close') {
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.close();
      parentPort!.postMessage({ t: 'reply', id: message.id, ok: true });
      parentPort!.close();
    }
  } catch (error) {
    parentPort!.postMessage({ t: 'reply', id: message.id, ok: false, error: (error as Error).message, code: (error as { code?: string }).code });
  }
});

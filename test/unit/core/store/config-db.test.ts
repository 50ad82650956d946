import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { AirlockError } from '../../../../electron/shared/errors';
import { silentLogger } from '../../../../electron/core/logger';
import { openConfigDb } from '../../../../electron/core/store/config-db';
import { CONFIG_SCHEMA_VERSION, type Migration } from '../../../../electron/core/store/migrations';
import { parseSqliteHeader, readSqliteHeader } from '../../../../electron/core/store/sqlite-header';
import { manualClock, useTempDir } from '../../../helpers/temp-dir';

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

function catchError(fn: () => unknown): AirlockError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AirlockError) return error;
    throw error;
  }
  throw new Error('expected an AirlockError');
}

describe('config.db', () => {
  const tempDir = useTempDir();
  const clock = manualClock();

  it('creates a fresh store in WAL mode with synchronous=FULL at the current schema version', () => {
    const path = join(tempDir(), 'config.db');
    const store = openConfigDb({ path, clock, logger: silentLogger });
    const health = store.health();
    expect(health).toMatchObject({ isHealthy: true, schemaVersion: CONFIG_SCHEMA_VERSION, journalMode: 'wal', synchronous: 'FULL', integrity: 'ok' });
    store.close();
    expect(readSqliteHeader(path)).toEqual({ kind: 'sqlite', userVersion: CONFIG_SCHEMA_VERSION });
  });

  it('refuses a database from a newer Airlock and leaves it byte-identical, with no WAL created', () => {
    const path = join(tempDir(), 'config.db');
    const newer = new Database(path);
    newer.exec('CREATE TABLE future (x)');
    newer.pragma(`user_version = ${CONFIG_SCHEMA_VERSION + 7}`);
    newer.close();
    const before = sha256(path);
    const mtime = statSync(path).mtimeMs;

    const error = catchError(() => openConfigDb({ path, clock, logger: silentLogger }));
    expect(error.code).toBe('STORE_SCHEMA_TOO_NEW');
    expect(error.data).toEqual({ path, found: CONFIG_SCHEMA_VERSION + 7, supported: CONFIG_SCHEMA_VERSION });
    expect(error.message).toContain('has not been touched');
    expect(sha256(path)).toBe(before);
    expect(statSync(path).mtimeMs).toBe(mtime);
    expect(existsSync(`${path}-wal`)).toBe(false);
  });

  it('refuses a newer version that sits only in the WAL (header not yet checkpointed)', () => {
    const path = join(tempDir(), 'config.db');
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (x)');
    db.pragma('wal_autocheckpoint = 0');
    db.pragma(`user_version = ${CONFIG_SCHEMA_VERSION + 1}`);
    // Keep the change in the WAL: copy the files while the writer still holds them.
    const copy = join(tempDir(), 'config.db');
    writeFileSync(copy, readFileSync(path));
    writeFileSync(`${copy}-wal`, readFileSync(`${path}-wal`));
    db.close();
    expect(readSqliteHeader(copy)).toMatchObject({ kind: 'sqlite' });
    const error = catchError(() => openConfigDb({ path: copy, clock, logger: silentLogger }));
    expect(error.code).toBe('STORE_SCHEMA_TOO_NEW');
  });

  it('refuses a file that is not SQLite without touching it', () => {
    const path = join(tempDir(), 'config.db');
    writeFileSync(path, 'this is not a database, it is a note someone left here\n'.repeat(4));
    const before = sha256(path);
    expect(catchError(() => openConfigDb({ path, clock, logger: silentLogger })).code).toBe('STORE_NOT_SQLITE');
    expect(sha256(path)).toBe(before);
  });

  it('applies each migration in its own transaction: a failing one leaves the previous version intact', () => {
    const path = join(tempDir(), 'config.db');
    const migrations: Migration[] = [
      { version: 1, description: 'one', up: (db) => db.exec('CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)') },
      {
        version: 2,
        description: 'two fails halfway',
        up: (db) => {
          db.exec('CREATE TABLE half (x)');
          throw new Error('disk on fire');
        },
      },
    ];
    const error = catchError(() => openConfigDb({ path, clock, logger: silentLogger, migrations }));
    expect(error.code).toBe('STORE_OPEN_FAILED');
    expect(error.message).toContain('disk on fire');
    const db = new Database(path, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'half'").get()).toEqual({ n: 0 });
    db.close();
  });

  it('keeps data across reopen and does not re-run applied migrations', () => {
    const path = join(tempDir(), 'config.db');
    const first = openConfigDb({ path, clock, logger: silentLogger });
    first.db.prepare('INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)').run('k', 'v', 'now');
    first.close();
    const second = openConfigDb({ path, clock, logger: silentLogger });
    expect(second.db.prepare('SELECT value FROM settings WHERE key = ?').get('k')).toEqual({ value: 'v' });
    second.close();
  });
});

describe('parseSqliteHeader', () => {
  it('reads user_version big-endian at offset 60', () => {
    const header = Buffer.alloc(100);
    header.write('SQLite format 3\0', 0, 'latin1');
    header.writeUInt32BE(258, 60);
    expect(parseSqliteHeader(header)).toEqual({ kind: 'sqlite', userVersion: 258 });
  });

  it('tells empty files and foreign files apart', () => {
    expect(parseSqliteHeader(Buffer.alloc(0))).toEqual({ kind: 'empty' });
    expect(parseSqliteHeader(Buffer.from('SQLite format 3\0'))).toEqual({ kind: 'not-sqlite' });
    expect(parseSqliteHeader(Buffer.alloc(100, 1))).toEqual({ kind: 'not-sqlite' });
  });
});

import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { StoreHealth } from '../../shared/contract';
import { AirlockError } from '../../shared/errors';
import type { Clock } from '../../shared/clock';
import type { Logger } from '../logger';
import { type Migration, configMigrations } from './migrations';
import { readSqliteHeader } from './sqlite-header';

export interface ConfigDb {
  readonly db: Database.Database;
  readonly path: string;
  health(): StoreHealth;
  close(): void;
}

/**
 * Opens config.db, refusing (without writing a byte) a file that is not SQLite or that a newer
 * Airlock wrote, then applies pending migrations, each in its own transaction.
 */
export function openConfigDb(options: { path: string; clock: Clock; logger: Logger; migrations?: readonly Migration[] }): ConfigDb {
  const { path, clock, logger } = options;
  const migrations = options.migrations ?? configMigrations;
  const supported = migrations[migrations.length - 1]!.version;

  // 1. Look at the header before SQLite opens the file: setting WAL mode would rewrite it.
  const header = readSqliteHeader(path);
  if (header?.kind === 'not-sqlite') throw new AirlockError('STORE_NOT_SQLITE', { path });
  if (header?.kind === 'sqlite' && header.userVersion > supported) {
    throw new AirlockError('STORE_SCHEMA_TOO_NEW', { path, found: header.userVersion, supported });
  }

  let db: Database.Database;
  try {
    db = new Database(path);
  } catch (error) {
    throw new AirlockError('STORE_OPEN_FAILED', { path, reason: (error as Error).message });
  }
  try {
    // 2. The header can be stale while a newer version's change sits in the WAL: ask SQLite too.
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > supported) throw new AirlockError('STORE_SCHEMA_TOO_NEW', { path, found: current, supported });

    // config.db holds what must never be lost: sync the WAL on every commit (reliability.md §5).
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('secure_delete = ON');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');

    for (const migration of migrations) {
      if (migration.version <= current) continue;
      db.transaction(() => {
        migration.up(db);
        db.pragma(`user_version = ${migration.version}`);
      })();
      logger.info('config.db migrated', { version: migration.version, description: migration.description });
    }
    db.prepare('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)').run('created_at', new Date(clock.now()).toISOString());
  } catch (error) {
    db.close();
    if (error instanceof AirlockError) throw error;
    throw new AirlockError('STORE_OPEN_FAILED', { path, reason: (error as Error).message });
  }

  return {
    db,
    path,
    health: () => checkHealth(db, path, supported, clock),
    close: () => {
      if (db.open) db.close();
    },
  };
}

const synchronousNames = ['OFF', 'NORMAL', 'FULL', 'EXTRA'];

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function checkHealth(db: Database.Database, path: string, supported: number, clock: Clock): StoreHealth {
  const started = performance.now();
  const rows = db.pragma('quick_check') as { quick_check: string }[];
  const integrity = rows.map((row) => row.quick_check).join('; ');
  const schemaVersion = db.pragma('user_version', { simple: true }) as number;
  const journalMode = String(db.pragma('journal_mode', { simple: true }));
  const synchronous = synchronousNames[db.pragma('synchronous', { simple: true }) as number] ?? 'unknown';
  return {
    isHealthy: integrity === 'ok' && schemaVersion === supported && journalMode === 'wal',
    path,
    schemaVersion,
    supportedSchemaVersion: supported,
    journalMode,
    synchronous,
    integrity,
    sizeBytes: fileSize(path),
    walBytes: fileSize(`${path}-wal`),
    checkedAt: new Date(clock.now()).toISOString(),
    checkMs: Math.round((performance.now() - started) * 100) / 100,
  };
}

import type Database from 'better-sqlite3';

/** One schema step. Append only: a released migration is never edited, a new one is added. */
export interface Migration {
  version: number;
  description: string;
  up(db: Database.Database): void;
}

/** config.db migrations, in order. `user_version` records the last one applied. */
export const configMigrations: readonly Migration[] = [
  {
    version: 1,
    description: 'meta and settings',
    up(db) {
      db.exec(`
        CREATE TABLE meta (
          key   TEXT PRIMARY KEY,
          value TEXT NOT NULL
        ) STRICT;
        CREATE TABLE settings (
          key        TEXT PRIMARY KEY,
          value      TEXT NOT NULL,
          updated_at TEXT NOT NULL
        ) STRICT;
      `);
    },
  },
];

/** The highest schema version this build understands. */
export const CONFIG_SCHEMA_VERSION = configMigrations[configMigrations.length - 1]!.version;

import type Database from 'better-sqlite3';

export interface StoredSetting {
  key: string;
  /** JSON text of the value. */
  value: string;
  updatedAt: string;
}

/** The `settings` table: raw JSON values by key. Validation is the settings service's job. */
export function createSettingsRepo(db: Database.Database) {
  const selectAll = db.prepare<[], StoredSetting>('SELECT key, value, updated_at AS updatedAt FROM settings');
  const upsert = db.prepare<[string, string, string]>(
    'INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
  );
  const remove = db.prepare<[string]>('DELETE FROM settings WHERE key = ?');
  return {
    all: (): StoredSetting[] => selectAll.all(),
    put: (key: string, json: string, updatedAt: string): void => void upsert.run(key, json, updatedAt),
    remove: (key: string): void => void remove.run(key),
  };
}
export type SettingsRepo = ReturnType<typeof createSettingsRepo>;

import type Database from 'better-sqlite3';

export interface StoredUnit {
  name: string;
  preset: string;
  /** JSON text of the definition; parsed and validated by the supervisor service. */
  definition: string;
  wasRunning: boolean;
}

/** The `units` table, and the appliance id that prefixes every run tag. */
export function createUnitsRepo(db: Database.Database) {
  const all = db.prepare<[], { name: string; preset: string; definition: string; wasRunning: 0 | 1 }>(
    'SELECT name, preset, definition, was_running AS wasRunning FROM units ORDER BY created_at, name',
  );
  const insert = db.prepare<[string, string, string, string, string]>('INSERT INTO units (name, preset, definition, created_at, updated_at) VALUES (?, ?, ?, ?, ?)');
  const remove = db.prepare<[string]>('DELETE FROM units WHERE name = ?');
  const setRunning = db.prepare<[number, string, string]>('UPDATE units SET was_running = ?, updated_at = ? WHERE name = ?');
  const getMeta = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?');
  const putMeta = db.prepare<[string, string]>('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)');
  return {
    all: (): StoredUnit[] => all.all().map((row) => ({ ...row, wasRunning: row.wasRunning === 1 })),
    insert: (unit: { name: string; preset: string; definition: string }, at: string): void => void insert.run(unit.name, unit.preset, unit.definition, at, at),
    remove: (name: string): boolean => remove.run(name).changes > 0,
    setWasRunning: (name: string, wasRunning: boolean, at: string): void => void setRunning.run(wasRunning ? 1 : 0, at, name),
    /** A stable random id for this data directory: run tags of two appliances never collide. */
    applianceId(makeId: () => string): string {
      putMeta.run('appliance_id', makeId());
      return getMeta.get('appliance_id')!.value;
    },
  };
}
export type UnitsRepo = ReturnType<typeof createUnitsRepo>;

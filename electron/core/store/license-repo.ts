import type Database from 'better-sqlite3';

export interface StoredLicense {
  id: number;
  licenseId: string;
  licensee: string;
  plan: string;
  expiresAt: string;
  sha256: string;
  installedAt: string;
  isActive: boolean;
}

interface Row extends Omit<StoredLicense, 'isActive'> {
  isActive: 0 | 1;
}

const columns = 'id, license_id AS licenseId, licensee, plan, expires_at AS expiresAt, sha256, installed_at AS installedAt, is_active AS isActive';

/** The `licenses` table and the clock and first-run facts kept in `meta`. */
export function createLicenseRepo(db: Database.Database) {
  const activeText = db.prepare<[], { armored: string }>('SELECT armored FROM licenses WHERE is_active = 1');
  const history = db.prepare<[], Row>(`SELECT ${columns} FROM licenses ORDER BY id DESC`);
  const deactivate = db.prepare('UPDATE licenses SET is_active = 0 WHERE is_active = 1');
  const insert = db.prepare<[string, string, string, string, string, string, string]>(
    'INSERT INTO licenses (license_id, licensee, plan, expires_at, sha256, armored, installed_at, is_active) VALUES (?, ?, ?, ?, ?, ?, ?, 1)',
  );
  const getMeta = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?');
  const putMeta = db.prepare<[string, string]>('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
  const readNumber = (key: string) => {
    const value = getMeta.get(key)?.value;
    return value === undefined || !Number.isFinite(Number(value)) ? undefined : Number(value);
  };
  return {
    activeArmored: (): string | undefined => activeText.get()?.armored,
    history: (): StoredLicense[] => history.all().map((row) => ({ ...row, isActive: row.isActive === 1 })),
    /** Makes `license` the active one, in one transaction: the previous one stays in the history. */
    install: db.transaction((license: Omit<StoredLicense, 'id' | 'isActive'> & { armored: string }) => {
      deactivate.run();
      insert.run(license.licenseId, license.licensee, license.plan, license.expiresAt, license.sha256, license.armored, license.installedAt);
    }),
    firstRunAt: () => readNumber('first_run_at'),
    setFirstRunAt: (ms: number) => void putMeta.run('first_run_at', String(ms)),
    highWaterMark: () => readNumber('clock_high_water_mark'),
    setHighWaterMark: (ms: number) => void putMeta.run('clock_high_water_mark', String(ms)),
  };
}
export type LicenseRepo = ReturnType<typeof createLicenseRepo>;

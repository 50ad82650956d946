import type Database from 'better-sqlite3';

export interface StoredDeployment {
  uid: string;
  name: string;
  family: string;
  platform: string;
  endpoint: string | null;
  identifier: string | null;
  apiKeyEnc: string | null;
  apiKeyLast4: string | null;
  unitName: string | null;
  /** Upper bound on one upstream request (ms); null: the gateway's default. */
  timeoutMs: number | null;
  createdAt: string;
  updatedAt: string;
}

const columns =
  'uid, name, family, platform, endpoint, identifier, api_key_enc AS apiKeyEnc, api_key_last4 AS apiKeyLast4, unit_name AS unitName, timeout_ms AS timeoutMs, created_at AS createdAt, updated_at AS updatedAt';

/** The deployments and feature_mapping tables. */
export function createRegistryRepo(db: Database.Database) {
  const all = db.prepare<[], StoredDeployment>(`SELECT ${columns} FROM deployments ORDER BY name COLLATE NOCASE`);
  const byName = db.prepare<[string], StoredDeployment>(`SELECT ${columns} FROM deployments WHERE name = ? COLLATE NOCASE`);
  const insert = db.prepare(
    'INSERT INTO deployments (uid, name, family, platform, endpoint, identifier, api_key_enc, api_key_last4, unit_name, timeout_ms, created_at, updated_at) VALUES (@uid, @name, @family, @platform, @endpoint, @identifier, @apiKeyEnc, @apiKeyLast4, @unitName, @timeoutMs, @createdAt, @updatedAt)',
  );
  const update = db.prepare(
    'UPDATE deployments SET name = @name, family = @family, platform = @platform, endpoint = @endpoint, identifier = @identifier, api_key_enc = @apiKeyEnc, api_key_last4 = @apiKeyLast4, timeout_ms = @timeoutMs, updated_at = @updatedAt WHERE uid = @uid',
  );
  const remove = db.prepare<[string]>('DELETE FROM deployments WHERE uid = ?');
  const setUnit = db.prepare<[string | null, string]>('UPDATE deployments SET unit_name = ? WHERE uid = ?');
  const byUnit = db.prepare<[string], StoredDeployment>(`SELECT ${columns} FROM deployments WHERE unit_name = ?`);
  const mapping = db.prepare<[], { featureId: string; deploymentName: string | null }>('SELECT feature_id AS featureId, deployment_name AS deploymentName FROM feature_mapping');
  const setMapping = db.prepare<[string, string | null, string]>(
    'INSERT INTO feature_mapping (feature_id, deployment_name, updated_at) VALUES (?, ?, ?) ON CONFLICT(feature_id) DO UPDATE SET deployment_name = excluded.deployment_name, updated_at = excluded.updated_at',
  );
  const renameInMapping = db.prepare<[string, string]>('UPDATE feature_mapping SET deployment_name = ? WHERE deployment_name = ? COLLATE NOCASE');
  return {
    db,
    all: (): StoredDeployment[] => all.all(),
    byName: (name: string): StoredDeployment | undefined => byName.get(name),
    insert: (row: StoredDeployment): void => void insert.run(row),
    update: (row: StoredDeployment): void => void update.run(row),
    remove: (uid: string): void => void remove.run(uid),
    setUnit: (uid: string, unitName: string | null): void => void setUnit.run(unitName, uid),
    byUnit: (unitName: string): StoredDeployment | undefined => byUnit.get(unitName),
    mapping: (): Record<string, string | null> => Object.fromEntries(mapping.all().map((row) => [row.featureId, row.deploymentName])),
    setMapping: (featureId: string, deploymentName: string | null, at: string): void => void setMapping.run(featureId, deploymentName, at),
    renameInMapping: (from: string, to: string): void => void renameInMapping.run(to, from),
  };
}
export type RegistryRepo = ReturnType<typeof createRegistryRepo>;

import type Database from 'better-sqlite3';

export interface StoredGatewayKey {
  kid: string;
  privateKeyEnc: string;
  publicJwk: string;
  createdAt: string;
  retiredAt: string | null;
}

export interface StoredToken {
  id: string;
  label: string;
  /** JSON array of scope names. */
  scopes: string;
  kid: string;
  last4: string;
  createdAt: string;
  createdBy: string;
  expiresAt: string;
  revokedAt: string | null;
}

const tokenColumns = 'id, label, scopes, kid, last4, created_at AS createdAt, created_by AS createdBy, expires_at AS expiresAt, revoked_at AS revokedAt';

/** The gateway_keys and gateway_tokens tables. */
export function createGatewayRepo(db: Database.Database) {
  const currentKey = db.prepare<[], StoredGatewayKey>(
    'SELECT kid, private_key_enc AS privateKeyEnc, public_jwk AS publicJwk, created_at AS createdAt, retired_at AS retiredAt FROM gateway_keys WHERE retired_at IS NULL ORDER BY created_at DESC LIMIT 1',
  );
  const publicKeys = db.prepare<[], { kid: string; publicJwk: string }>('SELECT kid, public_jwk AS publicJwk FROM gateway_keys WHERE retired_at IS NULL ORDER BY created_at');
  const insertKey = db.prepare('INSERT INTO gateway_keys (kid, private_key_enc, public_jwk, created_at) VALUES (@kid, @privateKeyEnc, @publicJwk, @createdAt)');
  const tokens = db.prepare<[], StoredToken>(`SELECT ${tokenColumns} FROM gateway_tokens ORDER BY created_at DESC, id`);
  const token = db.prepare<[string], StoredToken>(`SELECT ${tokenColumns} FROM gateway_tokens WHERE id = ?`);
  const insertToken = db.prepare(
    'INSERT INTO gateway_tokens (id, label, scopes, kid, last4, created_at, created_by, expires_at) VALUES (@id, @label, @scopes, @kid, @last4, @createdAt, @createdBy, @expiresAt)',
  );
  const revoke = db.prepare<[string, string]>('UPDATE gateway_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');
  return {
    db,
    currentKey: (): StoredGatewayKey | undefined => currentKey.get(),
    publicKeys: (): { kid: string; publicJwk: string }[] => publicKeys.all(),
    insertKey: (key: Omit<StoredGatewayKey, 'retiredAt'>): void => void insertKey.run(key),
    tokens: (): StoredToken[] => tokens.all(),
    token: (id: string): StoredToken | undefined => token.get(id),
    insertToken: (row: Omit<StoredToken, 'revokedAt'>): void => void insertToken.run(row),
    revoke: (id: string, at: string): boolean => revoke.run(at, id).changes > 0,
  };
}
export type GatewayRepo = ReturnType<typeof createGatewayRepo>;

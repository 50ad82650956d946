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
  {
    version: 2,
    description: 'installed licenses',
    up(db) {
      // The armored text is kept so the active license is re-verified at every start (dates, clock,
      // hardware); it is never sent to the UI or the logs.
      db.exec(`
        CREATE TABLE licenses (
          id           INTEGER PRIMARY KEY,
          license_id   TEXT NOT NULL,
          licensee     TEXT NOT NULL,
          plan         TEXT NOT NULL,
          expires_at   TEXT NOT NULL,
          sha256       TEXT NOT NULL,
          armored      TEXT NOT NULL,
          installed_at TEXT NOT NULL,
          is_active    INTEGER NOT NULL CHECK (is_active IN (0, 1))
        ) STRICT;
        CREATE UNIQUE INDEX licenses_one_active ON licenses (is_active) WHERE is_active = 1;
      `);
    },
  },
  {
    version: 3,
    description: 'supervised units',
    up(db) {
      // `definition` is the validated JSON of a unit (shared/services.ts); never a secret.
      db.exec(`
        CREATE TABLE units (
          name        TEXT PRIMARY KEY,
          preset      TEXT NOT NULL,
          definition  TEXT NOT NULL,
          was_running INTEGER NOT NULL DEFAULT 0 CHECK (was_running IN (0, 1)),
          created_at  TEXT NOT NULL,
          updated_at  TEXT NOT NULL
        ) STRICT;
      `);
    },
  },
  {
    version: 4,
    description: 'audit trail of configuration changes',
    up(db) {
      // Hash-chained: each row's hash covers the previous row's hash, so an edited or deleted row
      // breaks the chain (audit-trail.ts verifies it). Secrets are masked before they get here.
      db.exec(`
        CREATE TABLE audit_log (
          id        INTEGER PRIMARY KEY,
          at        TEXT NOT NULL,
          actor     TEXT NOT NULL,
          action    TEXT NOT NULL,
          target    TEXT NOT NULL,
          changes   TEXT NOT NULL,
          prev_hash TEXT NOT NULL,
          hash      TEXT NOT NULL
        ) STRICT;
      `);
    },
  },
  {
    version: 5,
    description: 'model deployments and the AI feature mapping',
    up(db) {
      // api_key_enc: AES-256-GCM (secrets/secret-store.ts), bound to `uid`; only the last 4
      // characters are kept in clear, for display.
      db.exec(`
        CREATE TABLE deployments (
          uid           TEXT PRIMARY KEY,
          name          TEXT NOT NULL UNIQUE COLLATE NOCASE,
          family        TEXT NOT NULL,
          platform      TEXT NOT NULL,
          endpoint      TEXT,
          identifier    TEXT,
          api_key_enc   TEXT,
          api_key_last4 TEXT,
          unit_name     TEXT,
          created_at    TEXT NOT NULL,
          updated_at    TEXT NOT NULL
        ) STRICT;
        CREATE TABLE feature_mapping (
          feature_id      TEXT PRIMARY KEY,
          deployment_name TEXT,
          updated_at      TEXT NOT NULL
        ) STRICT;
      `);
    },
  },
  {
    version: 6,
    description: 'gateway: Airlock signing keys, Airlock-issued tokens, per-deployment timeouts',
    up(db) {
      // private_key_enc: the Ed25519 private key (PKCS#8), AES-256-GCM like the API keys. Tokens
      // are never stored: only what is needed to list them and to tell the gateway which are valid.
      db.exec(`
        CREATE TABLE gateway_keys (
          kid             TEXT PRIMARY KEY,
          private_key_enc TEXT NOT NULL,
          public_jwk      TEXT NOT NULL,
          created_at      TEXT NOT NULL,
          retired_at      TEXT
        ) STRICT;
        CREATE TABLE gateway_tokens (
          id         TEXT PRIMARY KEY,
          label      TEXT NOT NULL,
          scopes     TEXT NOT NULL,
          kid        TEXT NOT NULL,
          last4      TEXT NOT NULL,
          created_at TEXT NOT NULL,
          created_by TEXT NOT NULL,
          expires_at TEXT NOT NULL,
          revoked_at TEXT
        ) STRICT;
        ALTER TABLE deployments ADD COLUMN timeout_ms INTEGER;
      `);
    },
  },
];

/** The highest schema version this build understands. */
export const CONFIG_SCHEMA_VERSION = configMigrations[configMigrations.length - 1]!.version;

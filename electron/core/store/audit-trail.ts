import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';

/** One changed field; secrets are masked by the caller (…last4), never stored in clear here. */
export interface AuditChange {
  field: string;
  old: unknown;
  new: unknown;
}

export interface AuditEntry {
  id: number;
  at: string;
  /** Who made the change: "console", "desktop", "cli", "import"… */
  actor: string;
  action: string;
  target: string;
  changes: AuditChange[];
  prevHash: string;
  hash: string;
}

/** The hash of the row before the first. */
export const AUDIT_GENESIS = '0'.repeat(64);

/** sha256 over the previous hash and the entry's fields in a fixed order. Pure. */
export function auditHash(prevHash: string, entry: Pick<AuditEntry, 'at' | 'actor' | 'action' | 'target' | 'changes'>): string {
  const canonical = JSON.stringify([prevHash, entry.at, entry.actor, entry.action, entry.target, entry.changes]);
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

/** Walks the chain: the first row whose link or hash does not hold, if any. Pure. */
export function verifyAuditChain(entries: readonly AuditEntry[]): { isIntact: true; count: number } | { isIntact: false; brokenAtId: number; reason: string } {
  let prev = AUDIT_GENESIS;
  for (const entry of entries) {
    if (entry.prevHash !== prev) return { isIntact: false, brokenAtId: entry.id, reason: 'it does not point at the row before it (a row was deleted or inserted)' };
    if (auditHash(entry.prevHash, entry) !== entry.hash) return { isIntact: false, brokenAtId: entry.id, reason: 'its content does not match its hash (it was edited)' };
    prev = entry.hash;
  }
  return { isIntact: true, count: entries.length };
}

/** The audit_log table: append-only from here, read whole or in pages. */
export function createAuditTrail(db: Database.Database) {
  const last = db.prepare<[], { hash: string }>('SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1');
  const insert = db.prepare<[string, string, string, string, string, string, string]>(
    'INSERT INTO audit_log (at, actor, action, target, changes, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const all = db.prepare<[], { id: number; at: string; actor: string; action: string; target: string; changes: string; prevHash: string; hash: string }>(
    'SELECT id, at, actor, action, target, changes, prev_hash AS prevHash, hash FROM audit_log ORDER BY id',
  );
  const page = db.prepare<[number], { id: number; at: string; actor: string; action: string; target: string; changes: string; prevHash: string; hash: string }>(
    'SELECT id, at, actor, action, target, changes, prev_hash AS prevHash, hash FROM audit_log ORDER BY id DESC LIMIT ?',
  );
  const parse = (row: { id: number; at: string; actor: string; action: string; target: string; changes: string; prevHash: string; hash: string }): AuditEntry => ({
    ...row,
    changes: JSON.parse(row.changes) as AuditChange[],
  });
  return {
    /** Appends one entry, chained to the last; call inside the transaction that makes the change. */
    record(entry: Pick<AuditEntry, 'at' | 'actor' | 'action' | 'target' | 'changes'>): void {
      const prevHash = last.get()?.hash ?? AUDIT_GENESIS;
      insert.run(entry.at, entry.actor, entry.action, entry.target, JSON.stringify(entry.changes), prevHash, auditHash(prevHash, entry));
    },
    recent: (limit: number): AuditEntry[] => page.all(limit).map(parse),
    verify: () => verifyAuditChain(all.all().map(parse)),
  };
}
export type AuditTrail = ReturnType<typeof createAuditTrail>;

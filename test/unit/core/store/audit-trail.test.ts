import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../../electron/core/logger';
import { auditHash, createAuditTrail } from '../../../../electron/core/store/audit-trail';
import { openConfigDb } from '../../../../electron/core/store/config-db';
import { manualClock, useTempDir } from '../../../helpers/temp-dir';

describe('audit trail', () => {
  const tempDir = useTempDir();
  const open = () => {
    const store = openConfigDb({ path: join(tempDir(), 'config.db'), clock: manualClock(), logger: silentLogger });
    const audit = createAuditTrail(store.db);
    for (let i = 1; i <= 5; i += 1) {
      audit.record({ at: `2026-11-21T12:00:0${i}Z`, actor: 'cli', action: 'deployment.update', target: `model-${i}`, changes: [{ field: 'endpoint', old: `http://a/${i}`, new: `http://b/${i}` }] });
    }
    return { store, audit };
  };

  it('chains every entry and verifies an untouched history', () => {
    const { audit, store } = open();
    expect(audit.verify()).toEqual({ isIntact: true, count: 5 });
    expect(audit.recent(2).map((e) => e.target)).toEqual(['model-5', 'model-4']);
    store.close();
  });

  it('detects an edited row, a deleted row, and a rewritten tail', () => {
    const edited = open();
    edited.store.db.prepare("UPDATE audit_log SET changes = replace(changes, 'http://b/3', 'http://evil/3') WHERE id = 3").run();
    expect(edited.audit.verify()).toMatchObject({ isIntact: false, brokenAtId: 3, reason: expect.stringContaining('edited') });
    edited.store.close();

    const deleted = open();
    deleted.store.db.prepare('DELETE FROM audit_log WHERE id = 2').run();
    expect(deleted.audit.verify()).toMatchObject({ isIntact: false, brokenAtId: 3, reason: expect.stringContaining('deleted') });
    deleted.store.close();

    // Even with the hash recomputed for the edited row, the next row's link no longer holds.
    const rehashed = open();
    const row = rehashed.audit.recent(5).find((e) => e.id === 4)!;
    const forged = { ...row, target: 'model-forged' };
    rehashed.store.db.prepare('UPDATE audit_log SET target = ?, hash = ? WHERE id = 4').run(forged.target, auditHash(row.prevHash, forged));
    expect(rehashed.audit.verify()).toMatchObject({ isIntact: false, brokenAtId: 5 });
    rehashed.store.close();
  });
});

import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventHub } from '../../../../electron/core/edge/event-hub';
import { clockMarkPath, createLicenseService } from '../../../../electron/core/license/license-service';
import { silentLogger } from '../../../../electron/core/logger';
import { openConfigDb } from '../../../../electron/core/store/config-db';
import { createLicenseRepo } from '../../../../electron/core/store/license-repo';
import type { AirlockError } from '../../../../electron/shared/errors';
import type { LicenseView } from '../../../../electron/shared/license';
import { manualClock, useTempDir } from '../../../helpers/temp-dir';
import { DAY, HOUR, PROD_KEY, TEST_KEY, at, basePayload, issue } from './license-test-kit';

describe('license service', () => {
  const tempDir = useTempDir();

  /** A service on a data directory that survives "restarts" (a new service on the same files). */
  function appliance(start = at('2026-06-01T00:00:00Z'), dataDir = tempDir()) {
    const clock = manualClock(start);
    const hub = new EventHub();
    const changes: LicenseView[] = [];
    hub.subscribe('license.changed', (view) => changes.push(view));
    const open = (isProductionBuild = false) => {
      const store = openConfigDb({ path: join(dataDir, 'config.db'), clock, logger: silentLogger });
      const service = createLicenseService({
        repo: createLicenseRepo(store.db),
        clock,
        logger: silentLogger,
        hub,
        trustedKeys: [PROD_KEY, TEST_KEY],
        isProductionBuild,
        clockMarkFile: clockMarkPath(dataDir),
        hardware: async () => ({ machineIdHash: null, gpuUuidHashes: [] }),
      });
      return { store, service };
    };
    return { clock, dataDir, changes, open };
  }

  const refusal = async (promise: Promise<unknown>) => (await promise.then(() => undefined, (error: unknown) => error)) as AirlockError;

  it('starts a 30-day evaluation on first run that allows everything, then refuses changes', async () => {
    const { clock, open } = appliance();
    const { service, store } = open();
    const first = await service.view();
    expect(first).toMatchObject({ state: 'evaluation', daysLeft: 30, isEntitled: true });
    expect(first.allowed['register-model']).toBe(true);
    clock.advance(31 * DAY);
    const ended = await service.view();
    expect(ended.state).toBe('missing');
    expect(ended.allowed).toMatchObject({ probe: true, view: true, logs: true, 'register-model': false, 'start-gateway': false });
    const error = await refusal(service.require('register-model'));
    expect(error.code).toBe('LICENSE_REQUIRED');
    expect(error.message).toContain('evaluation ended');
    await expect(service.require('probe')).resolves.toBeUndefined();
    store.close();
  });

  it('installs a license that works now, keeps history, and announces the change', async () => {
    const { open, changes } = appliance();
    const { service, store } = open();
    const license = issue(basePayload());
    const view = await service.install(license);
    expect(view).toMatchObject({ state: 'valid', isEntitled: true });
    expect(view.details).toMatchObject({ licenseId: basePayload().licenseId, isTestKey: false });
    expect(JSON.stringify(view)).not.toContain(license.split('\n')[1]);
    expect(changes.map((c) => c.state)).toEqual(['valid']);
    const renewal = issue(basePayload({ licenseId: 'AL-RENEWAL-2' }));
    await service.install(renewal);
    const history = service.history();
    expect(history.map((h) => [h.licenseId, h.isActive])).toEqual([
      ['AL-RENEWAL-2', true],
      [basePayload().licenseId, false],
    ]);
    store.close();
  });

  it('refuses files that do not work now, with the verifier message, and keeps the current state', async () => {
    const { open } = appliance();
    const { service, store } = open();
    const tampered = issue(basePayload()).replace(/\n([A-Za-z0-9+/])/, (_m, c: string) => `\n${c === 'A' ? 'B' : 'A'}`);
    const cases: [string, string][] = [
      [tampered, ''],
      ['not a license', 'malformed'],
      [issue(basePayload({ startsAt: '2026-07-01T00:00:00Z' })), 'not-yet-valid'],
      [issue(basePayload({ expiresAt: '2026-05-01T00:00:00Z', notifyFrom: '2026-04-01T00:00:00Z', graceDays: 0 })), 'expired'],
    ];
    for (const [text, state] of cases) {
      const error = await refusal(service.install(text));
      expect(error.code).toBe('LICENSE_NOT_INSTALLED');
      if (state) expect((error.data as { state: string }).state).toBe(state);
    }
    expect((await service.view()).state).toBe('evaluation');
    expect(service.history()).toEqual([]);
    store.close();
  });

  it('refuses a test-signed license in a production build with its own state', async () => {
    const { open } = appliance();
    const { service, store } = open(true);
    const error = await refusal(service.install(issue(basePayload(), 'test')));
    expect((error.data as { state: string }).state).toBe('test-key-in-production');
    store.close();
  });

  it('keeps the clock high-water mark in config.db and a 0600 file; a 48 h rollback after a restart is flagged, 1 h is not', async () => {
    const { clock, dataDir, open } = appliance();
    const first = open();
    await first.service.install(issue(basePayload()));
    clock.advance(10 * DAY);
    await first.service.view();
    first.store.close();
    const markFile = clockMarkPath(dataDir);
    expect(existsSync(markFile)).toBe(true);
    expect(statSync(markFile).mode & 0o777).toBe(0o600);
    expect(Number(JSON.parse(readFileSync(markFile, 'utf8')).ms)).toBe(clock.now());

    clock.advance(-1 * HOUR);
    const second = open();
    expect((await second.service.view()).state).toBe('valid');
    clock.advance(-48 * HOUR);
    const rolledBack = await second.service.view();
    expect(rolledBack.state).toBe('clock-rollback-suspected');
    expect(rolledBack.allowed['change-model']).toBe(false);
    second.store.close();
  });

  it('the mark in the file alone is enough (config.db meta wiped)', async () => {
    const { clock, open } = appliance();
    const first = open();
    await first.service.view();
    clock.advance(5 * DAY);
    await first.service.view();
    first.store.db.prepare("DELETE FROM meta WHERE key = 'clock_high_water_mark'").run();
    clock.advance(-3 * DAY);
    expect((await first.service.view()).state).toBe('clock-rollback-suspected');
    first.store.close();
  });
});

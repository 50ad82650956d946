import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../../electron/core/logger';
import { createSettingsService } from '../../../../electron/core/settings/settings-service';
import { openConfigDb } from '../../../../electron/core/store/config-db';
import { createSettingsRepo } from '../../../../electron/core/store/settings-repo';
import { manualClock, useTempDir } from '../../../helpers/temp-dir';
import { refusalOf } from '../../../helpers/errors';

describe('settings service', () => {
  const tempDir = useTempDir();
  const open = () => {
    const clock = manualClock();
    const store = openConfigDb({ path: join(tempDir(), 'config.db'), clock, logger: silentLogger });
    const repo = createSettingsRepo(store.db);
    return { store, repo, settings: createSettingsService({ repo, clock, logger: silentLogger }) };
  };

  it('gives defaults until a value is set, then the value, and null resets', () => {
    const { settings } = open();
    expect(settings.get('probe.telemetryIntervalMs')).toBe(2000);
    const entry = settings.set('probe.telemetryIntervalMs', 5000);
    expect(entry).toMatchObject({ key: 'probe.telemetryIntervalMs', value: 5000, defaultValue: 2000, isDefault: false });
    expect(settings.get('probe.telemetryIntervalMs')).toBe(5000);
    expect(settings.set('probe.telemetryIntervalMs', null)).toMatchObject({ value: 2000, isDefault: true });
  });

  it('refuses unknown keys and invalid values with specific messages, changing nothing', () => {
    const { settings } = open();
    const unknown = refusalOf(() => settings.set('probe.colour', 'blue'));
    expect(unknown.code).toBe('SETTING_UNKNOWN');
    expect(unknown.message).toContain('probe.telemetryIntervalMs');
    const tooFast = refusalOf(() => settings.set('probe.telemetryIntervalMs', 10));
    expect(tooFast.code).toBe('SETTING_INVALID');
    expect(tooFast.message).toContain('probe.telemetryIntervalMs');
    expect(tooFast.message).toContain('Nothing was changed');
    expect(refusalOf(() => settings.set('probe.nvidiaSmiPath', 'relative/nvidia-smi')).message).toContain('absolute path');
    expect(refusalOf(() => settings.set('probe.telemetryIntervalMs', '2000')).code).toBe('SETTING_INVALID');
    expect(settings.list().every((entry) => entry.isDefault)).toBe(true);
  });

  it('a stored value that no longer passes its schema falls back to the default', () => {
    const { settings, repo } = open();
    repo.put('probe.telemetryIntervalMs', '"fast"', 'x');
    repo.put('probe.timeoutMs', 'not json', 'x');
    expect(settings.get('probe.telemetryIntervalMs')).toBe(2000);
    expect(settings.get('probe.timeoutMs')).toBe(5000);
  });

  it('tells listeners which key changed', () => {
    const { settings } = open();
    const changed: string[] = [];
    const subscription = settings.onDidChange((key) => changed.push(key));
    settings.set('paths.modelDir', '/srv/models');
    subscription.dispose();
    settings.set('paths.modelDir', null);
    expect(changed).toEqual(['paths.modelDir']);
  });
});

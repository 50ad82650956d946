import type { Clock } from '../../shared/clock';
import { AirlockError } from '../../shared/errors';
import { type SettingEntry, type SettingKey, type SettingValue, isSettingKey, settingKeys, settingSpecs } from '../../shared/settings';
import { describeIssues } from '../../shared/wire';
import type { Logger } from '../logger';
import type { SettingsRepo } from '../store/settings-repo';

type Listener = (key: SettingKey) => void;

/**
 * Typed settings over the settings table. Stored values are re-validated when read: a value that no
 * longer passes its schema (edited by hand, or from an older rule) falls back to the default and is
 * reported in the log, never used.
 */
export function createSettingsService(deps: { repo: SettingsRepo; clock: Clock; logger: Logger }) {
  const listeners = new Set<Listener>();

  const stored = () => new Map(deps.repo.all().map((row) => [row.key, row]));

  const read = <K extends SettingKey>(key: K, row: { value: string; updatedAt: string } | undefined): { value: SettingValue<K>; updatedAt: string | null } => {
    const spec = settingSpecs[key];
    if (!row) return { value: spec.defaultValue as SettingValue<K>, updatedAt: null };
    try {
      const parsed = spec.schema.safeParse(JSON.parse(row.value));
      if (parsed.success) return { value: parsed.data as SettingValue<K>, updatedAt: row.updatedAt };
    } catch {
      // Not JSON: treated like a value that fails its schema.
    }
    deps.logger.warn('stored setting is not valid; using the default', { key });
    return { value: spec.defaultValue as SettingValue<K>, updatedAt: null };
  };

  const entry = (key: SettingKey, row: { value: string; updatedAt: string } | undefined): SettingEntry => {
    const { value, updatedAt } = read(key, row);
    const spec = settingSpecs[key];
    return { key, value, defaultValue: spec.defaultValue, isDefault: updatedAt === null, description: spec.description, updatedAt };
  };

  return {
    get<K extends SettingKey>(key: K): SettingValue<K> {
      return read(key, stored().get(key)).value;
    },
    list(): SettingEntry[] {
      const rows = stored();
      return settingKeys.map((key) => entry(key, rows.get(key)));
    },
    /** Validates and stores `value`; `null` resets to the default. */
    set(key: unknown, value: unknown): SettingEntry {
      if (!isSettingKey(key)) throw new AirlockError('SETTING_UNKNOWN', { key: String(key).slice(0, 100), known: settingKeys });
      if (value === null) {
        deps.repo.remove(key);
      } else {
        const parsed = settingSpecs[key].schema.safeParse(value);
        if (!parsed.success) throw new AirlockError('SETTING_INVALID', { key, reason: describeIssues(parsed.error).join('; ').replace(/^\(input\): /, '') });
        deps.repo.put(key, JSON.stringify(parsed.data), new Date(deps.clock.now()).toISOString());
      }
      deps.logger.info('setting changed', { key });
      for (const listener of [...listeners]) listener(key);
      return entry(key, stored().get(key));
    },
    onDidChange(listener: Listener): { dispose(): void } {
      listeners.add(listener);
      return { dispose: () => void listeners.delete(listener) };
    },
  };
}
export type SettingsService = ReturnType<typeof createSettingsService>;

import type Database from 'better-sqlite3';
import { AirlockError } from '../../shared/errors';
import { type SettingKey, isSettingKey, settingSpecs } from '../../shared/settings';
import { describeIssues } from '../../shared/wire';
import { z } from 'zod';
import type { SettingsService } from '../settings/settings-service';
import type { RegistryService } from './registry-service';

export const CONFIG_FORMAT = 'airlock-config';
export const CONFIG_VERSION = 1;

const exportedDeployment = z
  .object({
    name: z.string(),
    family: z.string(),
    platform: z.string(),
    endpoint: z.string().nullable(),
    identifier: z.string().nullable(),
    /** The gateway's wait for this model; absent in documents from before it existed (= the default). */
    timeoutSeconds: z.number().int().nullable().optional(),
    /** Keys never leave the appliance: this only says one is set (enter it again after an import). */
    hasApiKey: z.boolean(),
  })
  .strict();

export const configDocumentSchema = z
  .object({
    format: z.literal(CONFIG_FORMAT),
    version: z.literal(CONFIG_VERSION),
    exportedAt: z.string(),
    deployments: z.array(exportedDeployment).max(10_000),
    features: z.record(z.string(), z.string().nullable()),
    settings: z.record(z.string(), z.unknown()),
  })
  .strict();
export type ConfigDocument = z.infer<typeof configDocumentSchema>;

export interface ConfigChange {
  kind: 'deployment' | 'feature' | 'setting';
  target: string;
  action: 'add' | 'update' | 'unchanged';
  /** Field → [old, new]; secrets are never in here. */
  fields: Record<string, [unknown, unknown]>;
}

/** Export and import of the configuration: deployments (without keys), feature mapping, settings. */
export function createConfigTransfer(deps: { db: Database.Database; registry: RegistryService; settings: SettingsService; now: () => string }) {
  const currentSettings = () => Object.fromEntries(deps.settings.list().filter((entry) => !entry.isDefault).map((entry) => [entry.key, entry.value]));

  const exportConfig = (): ConfigDocument => ({
    format: CONFIG_FORMAT,
    version: CONFIG_VERSION,
    exportedAt: deps.now(),
    deployments: deps.registry.list().map((d) => ({ name: d.name, family: d.family, platform: d.platform, endpoint: d.endpoint, identifier: d.identifier, timeoutSeconds: d.timeoutSeconds, hasApiKey: d.apiKey.isSet })),
    features: Object.fromEntries(deps.registry.features().filter((row) => row.deploymentName !== null).map((row) => [row.feature.id, row.deploymentName])),
    settings: currentSettings(),
  });

  /** What importing `document` would change. */
  const diff = (document: ConfigDocument): ConfigChange[] => {
    const changes: ConfigChange[] = [];
    const existing = new Map(deps.registry.list().map((d) => [d.name.toLowerCase(), d]));
    for (const d of document.deployments) {
      const before = existing.get(d.name.toLowerCase());
      const fields: Record<string, [unknown, unknown]> = {};
      for (const field of ['family', 'platform', 'endpoint', 'identifier'] as const) {
        if ((before?.[field] ?? null) !== d[field]) fields[field] = [before?.[field] ?? null, d[field]];
      }
      if (d.timeoutSeconds !== undefined && (before?.timeoutSeconds ?? null) !== d.timeoutSeconds) fields.timeoutSeconds = [before?.timeoutSeconds ?? null, d.timeoutSeconds];
      changes.push({ kind: 'deployment', target: d.name, action: !before ? 'add' : Object.keys(fields).length > 0 ? 'update' : 'unchanged', fields });
    }
    const mapping = Object.fromEntries(deps.registry.features().map((row) => [row.feature.id, row.deploymentName]));
    for (const [featureId, deploymentName] of Object.entries(document.features)) {
      const before = mapping[featureId] ?? null;
      changes.push({ kind: 'feature', target: featureId, action: before === deploymentName ? 'unchanged' : 'update', fields: before === deploymentName ? {} : { deployment: [before, deploymentName] } });
    }
    const settingsNow = Object.fromEntries(deps.settings.list().map((entry) => [entry.key, entry.value]));
    for (const [key, value] of Object.entries(document.settings)) {
      const same = JSON.stringify(settingsNow[key]) === JSON.stringify(value);
      changes.push({ kind: 'setting', target: key, action: same ? 'unchanged' : 'update', fields: same ? {} : { value: [settingsNow[key], value] } });
    }
    return changes;
  };

  return {
    exportConfig,

    /**
     * Validates the whole document, then applies it in one transaction: an invalid entry anywhere
     * changes nothing. With `dryRun`, only the diff. Deployments are added or updated by name
     * (keys of existing ones are kept); others are left as they are. `beforeApply` sees the changes
     * of a valid document before anything is written, and refuses them by throwing (license limits).
     */
    importConfig(input: unknown, options: { dryRun: boolean; actor: string; beforeApply?: (changes: readonly ConfigChange[]) => void }): { changes: ConfigChange[]; isApplied: boolean } {
      const parsed = configDocumentSchema.safeParse(input);
      if (!parsed.success) throw new AirlockError('CONFIG_IMPORT_INVALID', { issues: describeIssues(parsed.error) });
      const document = parsed.data;
      const unknownSettings = Object.keys(document.settings).filter((key) => !isSettingKey(key));
      if (unknownSettings.length > 0) throw new AirlockError('CONFIG_IMPORT_INVALID', { issues: unknownSettings.map((key) => `settings.${key}: not a setting of this Airlock`) });
      for (const [key, value] of Object.entries(document.settings)) {
        const check = settingSpecs[key as SettingKey].schema.safeParse(value);
        if (!check.success) throw new AirlockError('CONFIG_IMPORT_INVALID', { issues: [`settings.${key}: ${describeIssues(check.error).join('; ')}`] });
      }
      const changes = diff(document);
      if (options.dryRun) return { changes, isApplied: false };
      options.beforeApply?.(changes);

      // All or nothing: every add/update/set runs its own validation inside this transaction; the
      // first refusal throws and SQLite rolls everything back.
      try {
        deps.db.transaction(() => {
          for (const d of document.deployments) {
            const change = changes.find((c) => c.kind === 'deployment' && c.target === d.name)!;
            const draft = { name: d.name, family: d.family, platform: d.platform, endpoint: d.endpoint, identifier: d.identifier, ...(d.timeoutSeconds !== undefined ? { timeoutSeconds: d.timeoutSeconds } : {}) };
            if (change.action === 'add') deps.registry.add(draft, options.actor);
            else if (change.action === 'update') deps.registry.update(d.name, draft, options.actor);
          }
          for (const [featureId, deploymentName] of Object.entries(document.features)) deps.registry.setFeature(featureId, deploymentName, options.actor);
          // Last: settings were checked above and cannot be refused now, and their listeners act at once.
          for (const [key, value] of Object.entries(document.settings)) deps.settings.set(key, value);
        })();
      } catch (error) {
        if (error instanceof AirlockError) {
          throw new AirlockError('CONFIG_IMPORT_INVALID', { issues: [`${error.message.replace(/ Nothing was changed\.$/, '')}`] });
        }
        throw error;
      }
      return { changes, isApplied: true };
    },
  };
}
export type ConfigTransfer = ReturnType<typeof createConfigTransfer>;

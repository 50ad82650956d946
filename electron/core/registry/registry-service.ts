import { randomBytes } from 'node:crypto';
import type { Clock } from '../../shared/clock';
import { AirlockError } from '../../shared/errors';
import type { Catalog, GitlabFamilyId } from '../../shared/fit/catalog-schema';
import type { GatewayDeployment } from '../../shared/gateway/config';
import { type Deployment, type DeploymentDraft, type DeploymentPlatform, validateDeployment } from '../../shared/registry/deployment';
import { type FeaturePlanRow, planFeatureMapping, validateFeatureAssignment } from '../../shared/registry/features';
import { type GitlabSheet, buildGitlabSetupSheet } from '../../shared/registry/gitlab-sheet';
import type { Logger } from '../logger';
import type { SecretStore } from '../secrets/secret-store';
import type { AuditChange, AuditTrail } from '../store/audit-trail';
import type { RegistryRepo, StoredDeployment } from '../store/registry-repo';
import { type ConnectionTestResult, testConnection } from './connection-test';

/** A deployment as the UI and CLI see it: the API key only as "set, ending in …1234". */
export interface DeploymentView {
  name: string;
  family: string;
  platform: string;
  endpoint: string | null;
  identifier: string | null;
  apiKey: { isSet: boolean; last4: string | null };
  /** null: the gateway's default. */
  timeoutSeconds: number | null;
  unitName: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface RegistryDeps {
  repo: RegistryRepo;
  audit: AuditTrail;
  secrets: SecretStore;
  clock: Clock;
  logger: Logger;
  catalog: () => Catalog;
  isBetaEnabled: () => boolean;
  /** The "Local AI Gateway URL" GitLab should use, when set. */
  gatewayUrl: () => string | null;
  /** Health of a local deployment's vLLM unit (running = healthy); undefined when unknown. */
  unitHealth?: (unitName: string) => boolean | undefined;
}

const keyContext = (uid: string) => `deployment:${uid}:apiKey`;

/** A stored deployment's API key in clear, or null: for the core's own use and the operator's local reveal. */
export function storedApiKey(secrets: Pick<SecretStore, 'decrypt'>, row: Pick<StoredDeployment, 'uid' | 'apiKeyEnc'>): string | null {
  return row.apiKeyEnc ? secrets.decrypt(row.apiKeyEnc, keyContext(row.uid)) : null;
}
const last4 = (key: string) => (key.length >= 12 ? key.slice(-4) : null);

/** The registry: deployments (keys encrypted at rest), the feature mapping, every change audited. */
export function createRegistryService(deps: RegistryDeps) {
  const now = () => new Date(deps.clock.now()).toISOString();
  const listeners = new Set<() => void>();
  // After the caller's transaction: a change rolled back is never announced, and the gateway
  // configuration is rebuilt once for a burst (an import) rather than per row.
  let isAnnounced = false;
  const changed = () => {
    if (isAnnounced) return;
    isAnnounced = true;
    setImmediate(() => {
      isAnnounced = false;
      for (const listener of [...listeners]) listener();
    });
  };

  const view = (row: StoredDeployment): DeploymentView => ({
    name: row.name,
    family: row.family,
    platform: row.platform,
    endpoint: row.endpoint,
    identifier: row.identifier,
    apiKey: { isSet: row.apiKeyEnc !== null, last4: row.apiKeyLast4 },
    timeoutSeconds: row.timeoutMs === null ? null : row.timeoutMs / 1000,
    unitName: row.unitName,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  });

  const find = (name: unknown): StoredDeployment => {
    const row = typeof name === 'string' ? deps.repo.byName(name) : undefined;
    if (!row) throw new AirlockError('DEPLOYMENT_NOT_FOUND', { name: String(name).slice(0, 255), known: deps.repo.all().map((d) => d.name) });
    return row;
  };

  const validate = (draft: DeploymentDraft, exceptName: string | null): Deployment => {
    const result = validateDeployment(draft, {
      catalog: deps.catalog(),
      existingNames: deps.repo.all().map((d) => d.name).filter((n) => exceptName === null || n.toLowerCase() !== exceptName.toLowerCase()),
      isBetaEnabled: deps.isBetaEnabled(),
    });
    if (!result.ok) {
      const errors = result.issues.filter((i) => i.severity === 'error');
      throw new AirlockError('DEPLOYMENT_INVALID', {
        // Messages end with a full stop; the catalogue template adds its own after the list.
        issues: errors.map((i) => `${i.field}: ${i.message.replace(/\.$/, '')}${i.suggestion && !i.message.includes(i.suggestion) ? ` (suggested: ${i.suggestion})` : ''}`),
        fields: Object.fromEntries(errors.map((i) => [i.field, i.message])),
      });
    }
    return result.deployment;
  };

  /** The fields that changed, for the audit trail (the key is handled by the callers, masked). */
  const fieldChanges = (before: Partial<StoredDeployment> | null, after: Deployment): AuditChange[] => {
    const changes = (['name', 'family', 'platform', 'endpoint', 'identifier'] as const)
      .filter((field) => (before?.[field] ?? null) !== (after[field] ?? null))
      .map((field): AuditChange => ({ field, old: before?.[field] ?? null, new: after[field] ?? null }));
    const oldTimeout = before?.timeoutMs === null || before?.timeoutMs === undefined ? null : before.timeoutMs / 1000;
    if (oldTimeout !== after.timeoutSeconds) changes.push({ field: 'timeoutSeconds', old: oldTimeout, new: after.timeoutSeconds });
    return changes;
  };
  const maskedKey = (row: Pick<StoredDeployment, 'apiKeyEnc' | 'apiKeyLast4'>) => (row.apiKeyEnc ? `…${row.apiKeyLast4 ?? ''}` : null);

  return {
    list: (): DeploymentView[] => deps.repo.all().map(view),
    get: (name: unknown): DeploymentView => view(find(name)),

    add(draft: DeploymentDraft, actor: string): DeploymentView {
      const deployment = validate(draft, null);
      const uid = randomBytes(8).toString('hex');
      const at = now();
      const row: StoredDeployment = {
        uid,
        name: deployment.name,
        family: deployment.family,
        platform: deployment.platform,
        endpoint: deployment.endpoint,
        identifier: deployment.identifier,
        apiKeyEnc: deployment.apiKey ? deps.secrets.encrypt(deployment.apiKey, keyContext(uid)) : null,
        apiKeyLast4: deployment.apiKey ? last4(deployment.apiKey) : null,
        unitName: null,
        timeoutMs: deployment.timeoutSeconds === null ? null : deployment.timeoutSeconds * 1000,
        createdAt: at,
        updatedAt: at,
      };
      deps.repo.db.transaction(() => {
        deps.repo.insert(row);
        const keyChange = row.apiKeyEnc ? [{ field: 'apiKey', old: null, new: maskedKey(row) }] : [];
        deps.audit.record({ at, actor, action: 'deployment.add', target: row.name, changes: [...fieldChanges(null, deployment), ...keyChange] });
      })();
      deps.logger.info('deployment added', { name: row.name, platform: row.platform });
      changed();
      return view(row);
    },

    /** `apiKey`: undefined keeps the stored key, null removes it, a string replaces it. */
    update(name: unknown, patch: DeploymentDraft, actor: string): DeploymentView {
      const before = find(name);
      const deployment = validate(
        {
          name: patch.name ?? before.name,
          family: patch.family ?? before.family,
          platform: patch.platform ?? before.platform,
          endpoint: patch.endpoint === undefined ? before.endpoint : patch.endpoint,
          identifier: patch.identifier === undefined ? before.identifier : patch.identifier,
          timeoutSeconds: patch.timeoutSeconds === undefined ? (before.timeoutMs === null ? null : before.timeoutMs / 1000) : patch.timeoutSeconds,
          apiKey: patch.apiKey === undefined ? storedApiKey(deps.secrets, before) : patch.apiKey,
        },
        before.name,
      );
      const keyChanged = patch.apiKey !== undefined;
      const at = now();
      const row: StoredDeployment = {
        ...before,
        name: deployment.name,
        family: deployment.family,
        platform: deployment.platform,
        endpoint: deployment.endpoint,
        identifier: deployment.identifier,
        timeoutMs: deployment.timeoutSeconds === null ? null : deployment.timeoutSeconds * 1000,
        apiKeyEnc: keyChanged ? (deployment.apiKey ? deps.secrets.encrypt(deployment.apiKey, keyContext(before.uid)) : null) : before.apiKeyEnc,
        apiKeyLast4: keyChanged ? (deployment.apiKey ? last4(deployment.apiKey) : null) : before.apiKeyLast4,
        updatedAt: at,
      };
      const changes = [...fieldChanges(before, deployment), ...(keyChanged ? [{ field: 'apiKey', old: maskedKey(before), new: maskedKey(row) }] : [])];
      if (changes.length === 0) return view(before);
      deps.repo.db.transaction(() => {
        deps.repo.update(row);
        if (row.name !== before.name) deps.repo.renameInMapping(before.name, row.name);
        deps.audit.record({ at, actor, action: 'deployment.update', target: row.name, changes });
      })();
      changed();
      return view(row);
    },

    remove(name: unknown, actor: string): { removed: string; unitName: string | null } {
      const row = find(name);
      deps.repo.db.transaction(() => {
        deps.repo.remove(row.uid);
        deps.audit.record({ at: now(), actor, action: 'deployment.remove', target: row.name, changes: [] });
      })();
      changed();
      return { removed: row.name, unitName: row.unitName };
    },

    /** Marks `name` as served by the local vLLM unit `unitName` (which then uses its key). */
    linkUnit(name: string, unitName: string): void {
      deps.repo.setUnit(find(name).uid, unitName);
    },

    /** The key of the deployment a local unit serves, so vLLM and the registry agree on it. */
    apiKeyForUnit(unitName: string): string | null {
      const row = deps.repo.byUnit(unitName);
      return row ? storedApiKey(deps.secrets, row) : null;
    },

    /** The API key in clear: only for the gateway's private channel and the connection test. */
    apiKeyOf(name: string): string | null {
      return storedApiKey(deps.secrets, find(name));
    },

    /** Every deployment as the gateway routes to it, keys decrypted: only for the gateway's private channel. */
    gatewayDeployments(defaultTimeoutMs: number): GatewayDeployment[] {
      return deps.repo.all().map((row) => ({
        name: row.name,
        family: row.family,
        platform: row.platform as DeploymentPlatform,
        endpoint: row.endpoint,
        identifier: row.identifier,
        apiKey: storedApiKey(deps.secrets, row),
        timeoutMs: row.timeoutMs ?? defaultTimeoutMs,
      }));
    },

    /** The feature mapping as stored (feature id → deployment name or null). */
    mapping: (): Record<string, string | null> => deps.repo.mapping(),

    /** Called (once per burst, after the transaction) when a deployment or the mapping changed. */
    onDidChange(listener: () => void): { dispose(): void } {
      listeners.add(listener);
      return { dispose: () => void listeners.delete(listener) };
    },

    async test(name: unknown): Promise<ConnectionTestResult> {
      const row = find(name);
      if (!row.endpoint) throw new AirlockError('DEPLOYMENT_INVALID', { issues: ['endpoint: this deployment has no endpoint to test'], fields: { endpoint: 'no endpoint' } });
      return testConnection({
        platform: row.platform as DeploymentPlatform,
        endpoint: row.endpoint,
        apiKey: storedApiKey(deps.secrets, row),
        identifier: row.identifier,
      });
    },

    features(): FeaturePlanRow[] {
      const health = (d: StoredDeployment) => (d.unitName ? deps.unitHealth?.(d.unitName) : undefined);
      return planFeatureMapping({
        catalog: deps.catalog(),
        deployments: deps.repo.all().map((d) => {
          const isHealthy = health(d);
          return { name: d.name, family: d.family as GitlabFamilyId, ...(isHealthy === undefined ? {} : { isHealthy }) };
        }),
        mapping: deps.repo.mapping(),
        isBetaEnabled: deps.isBetaEnabled(),
      });
    },

    setFeature(featureId: string, deploymentName: string | null, actor: string): FeaturePlanRow[] {
      const result = validateFeatureAssignment({
        catalog: deps.catalog(),
        deployments: deps.repo.all().map((d) => ({ name: d.name, family: d.family as GitlabFamilyId })),
        featureId,
        deploymentName,
        isBetaEnabled: deps.isBetaEnabled(),
      });
      if (!result.ok) throw new AirlockError('FEATURE_ASSIGNMENT_INVALID', { reason: result.reason, message: result.message });
      const before = deps.repo.mapping()[result.featureId] ?? null;
      if (before !== result.deploymentName) {
        deps.repo.db.transaction(() => {
          deps.repo.setMapping(result.featureId, result.deploymentName, now());
          deps.audit.record({ at: now(), actor, action: 'feature.set', target: result.featureId, changes: [{ field: 'deployment', old: before, new: result.deploymentName }] });
        })();
        changed();
      }
      return this.features();
    },

    gitlabSheet(gitlabUsername?: string | null): GitlabSheet {
      return buildGitlabSetupSheet({
        gatewayUrl: deps.gatewayUrl(),
        deployments: deps.repo.all().map((d) => ({ name: d.name, family: d.family as GitlabFamilyId, endpoint: d.endpoint, identifier: d.identifier, apiKeyLast4: d.apiKeyLast4 })),
        mapping: deps.repo.mapping(),
        catalog: deps.catalog(),
        ...(gitlabUsername ? { gitlabUsername } : {}),
      });
    },
  };
}
export type RegistryService = ReturnType<typeof createRegistryService>;

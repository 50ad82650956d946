/**
 * GitLab Duo's AI-powered features that Airlock can serve, and the feature → deployment mapping
 * (gitlab-ai-gateway.md §5.2 "AI-native features" tab, §6.1 features and families). Pure: the
 * features page, `airlock features` and the core's store all plan and check with these functions.
 */
import { type Catalog, type CatalogFeature, type GitlabFamilyId } from '../fit/catalog-schema';

/** A feature's release state in GitLab's feature metadata (§6.1). */
export type FeatureState = 'ga' | 'beta' | 'experiment';

/** One AI-powered feature that can be mapped to a deployment. */
export interface AiFeature {
  id: string;
  title: string;
  group: string;
  state: FeatureState;
  /** GitLab version that first allowed a self-hosted model for it; null when not documented. */
  since: string | null;
  /** Model families the feature accepts (`compatible_llms`, §6.1). */
  families: GitlabFamilyId[];
}

/** The catalog parts the feature functions read. */
export type FeatureCatalog = Pick<Catalog, 'features' | 'families'>;

/** A deployment as the mapping sees it. */
export interface MappableDeployment {
  name: string;
  family: GitlabFamilyId;
  /** Last health check; undefined while unknown. */
  isHealthy?: boolean;
}

/** Feature id → deployment name, or null for Disabled. Features not listed are disabled. */
export type FeatureMapping = Readonly<Record<string, string | null>>;

/** Why a mapped feature will not work as configured. */
export type FeatureFlag =
  /** Mapped to a deployment that no longer exists. */
  | 'deployment-missing'
  /** Its deployment failed its last health check. */
  | 'deployment-unhealthy'
  /** Its deployment's family is not one the feature accepts. */
  | 'incompatible-family'
  /** A beta or experimental feature while beta features are off. */
  | 'beta-disabled'
  /** Its deployment's family is a beta family while beta features are off (§7.4). */
  | 'family-beta-disabled';

/** The plan for one feature. */
export interface FeaturePlanRow {
  feature: AiFeature;
  /** The mapped deployment's name (even when it no longer exists); null when disabled. */
  deploymentName: string | null;
  /** Deployments the picker offers: compatible family, and a beta family only while beta is on. */
  compatibleDeployments: string[];
  /** Whether the feature may be assigned a model now (beta and experimental features need beta on). */
  isSelectable: boolean;
  flags: FeatureFlag[];
}

/** Why an assignment was refused. */
export type FeatureAssignmentReason =
  | 'unknown-feature'
  | 'unsupported-feature'
  | 'beta-disabled'
  | 'unknown-deployment'
  | 'family-beta-disabled'
  | 'incompatible-family';

/** Result of `validateFeatureAssignment`; `deploymentName` is the registry's spelling. */
export type FeatureAssignmentResult =
  | { ok: true; featureId: string; deploymentName: string | null }
  | { ok: false; reason: FeatureAssignmentReason; message: string };

/** What `validateFeatureAssignment` checks. */
export interface FeatureAssignmentInput {
  catalog: FeatureCatalog;
  deployments: readonly MappableDeployment[];
  featureId: string;
  /** null: disable the feature. */
  deploymentName: string | null;
  isBetaEnabled: boolean;
}

/** What `planFeatureMapping` plans. */
export interface FeaturePlanInput {
  catalog: FeatureCatalog;
  deployments: readonly MappableDeployment[];
  mapping: FeatureMapping;
  isBetaEnabled: boolean;
}

// §10 puts the Agent Platform (served by GitLab's gRPC workflow service, not the HTTP gateway,
// §6.2) and embeddings out of Airlock's first version; the catalog keeps them for completeness.
const UNSERVED_GROUPS: readonly string[] = ['Agent Platform'];

/** Whether Airlock's gateway serves the feature (§6.2, §10). */
function isServedByAirlock(feature: CatalogFeature): feature is CatalogFeature & { state: FeatureState } {
  return feature.state !== null && !UNSERVED_GROUPS.includes(feature.group) && !feature.families.includes('embedding');
}

/** The features Airlock can map, in catalog order (GitLab's enum order, §6.1). */
export function listAiFeatures(catalog: Pick<Catalog, 'features'>): AiFeature[] {
  return catalog.features.filter(isServedByAirlock).map((f) => ({
    id: f.id,
    title: f.title,
    group: f.group,
    state: f.state,
    since: f.since,
    families: [...f.families],
  }));
}

/** Whether a feature needs "Use beta self-hosted models features" on before it can be assigned. */
export function isBetaFeature(feature: Pick<AiFeature, 'state'>): boolean {
  return feature.state !== 'ga';
}

/** Ids of the families GitLab offers only after the testing terms are accepted (§7.4). */
function betaFamilyIds(catalog: FeatureCatalog): Set<GitlabFamilyId> {
  return new Set(catalog.families.filter((f) => f.releaseState !== 'ga').map((f) => f.id));
}

/** The deployments a feature may be mapped to now, in registry order. */
function offeredDeployments(feature: AiFeature, deployments: readonly MappableDeployment[], betaFamilies: Set<GitlabFamilyId>, isBetaEnabled: boolean): string[] {
  return deployments
    .filter((d) => feature.families.includes(d.family) && (isBetaEnabled || !betaFamilies.has(d.family)))
    .map((d) => d.name);
}

/**
 * For every feature Airlock serves: its deployment or Disabled, what the picker may offer, and
 * what is wrong with the current choice. Mapping keys that name no served feature are ignored
 * (`validateFeatureAssignment` refuses them on the way in).
 */
export function planFeatureMapping(input: FeaturePlanInput): FeaturePlanRow[] {
  const { catalog, deployments, mapping, isBetaEnabled } = input;
  const betaFamilies = betaFamilyIds(catalog);
  return listAiFeatures(catalog).map((feature) => {
    const isSelectable = isBetaEnabled || !isBetaFeature(feature);
    const compatibleDeployments = isSelectable ? offeredDeployments(feature, deployments, betaFamilies, isBetaEnabled) : [];
    const deploymentName = Object.prototype.hasOwnProperty.call(mapping, feature.id) ? (mapping[feature.id] ?? null) : null;
    const flags: FeatureFlag[] = [];
    if (deploymentName !== null) {
      if (!isSelectable) flags.push('beta-disabled');
      const deployment = deployments.find((d) => d.name === deploymentName);
      if (!deployment) flags.push('deployment-missing');
      else {
        if (deployment.isHealthy === false) flags.push('deployment-unhealthy');
        if (!feature.families.includes(deployment.family)) flags.push('incompatible-family');
        if (!isBetaEnabled && betaFamilies.has(deployment.family)) flags.push('family-beta-disabled');
      }
    }
    return { feature, deploymentName, compatibleDeployments, isSelectable, flags };
  });
}

const BETA_SWITCH = '"Use beta self-hosted models features"';

/**
 * Checks one assignment (`airlock features set FEATURE DEPLOYMENT`, the features page). The
 * deployment name matches ignoring case, as names are unique that way; the registry's spelling is
 * returned. Disabling (null) is always allowed for a known feature.
 */
export function validateFeatureAssignment(input: FeatureAssignmentInput): FeatureAssignmentResult {
  const { catalog, deployments, featureId, deploymentName, isBetaEnabled } = input;
  const fail = (reason: FeatureAssignmentReason, message: string): FeatureAssignmentResult => ({ ok: false, reason, message });
  const features = listAiFeatures(catalog);
  const feature = features.find((f) => f.id === featureId);
  if (!feature) {
    const known = catalog.features.find((f) => f.id === featureId);
    if (known) {
      return fail('unsupported-feature', `Feature "${known.title}" (${known.id}) is not served by Airlock's AI gateway, so it cannot be mapped here; set it in GitLab.`);
    }
    return fail('unknown-feature', `Unknown feature "${featureId}"; features: ${features.map((f) => f.id).join(', ')}.`);
  }
  if (deploymentName === null) return { ok: true, featureId, deploymentName: null };

  if (!isBetaEnabled && isBetaFeature(feature)) {
    const kind = feature.state === 'experiment' ? 'an experimental' : 'a beta';
    return fail('beta-disabled', `Feature "${feature.title}" (${feature.id}) is ${kind} feature: turn on ${BETA_SWITCH} and accept the testing terms to assign it a model.`);
  }
  const wanted = deploymentName.trim().toLowerCase();
  const deployment = deployments.find((d) => d.name.toLowerCase() === wanted);
  if (!deployment) {
    const names = deployments.map((d) => `"${d.name}"`).join(', ');
    return fail(
      'unknown-deployment',
      names === '' ? `No deployment named "${deploymentName}": no deployments are registered yet.` : `No deployment named "${deploymentName}"; deployments: ${names}.`,
    );
  }
  const betaFamilies = betaFamilyIds(catalog);
  if (!isBetaEnabled && betaFamilies.has(deployment.family)) {
    return fail(
      'family-beta-disabled',
      `Deployment "${deployment.name}" uses the beta model family ${deployment.family}: turn on ${BETA_SWITCH} and accept the testing terms to assign it.`,
    );
  }
  if (!feature.families.includes(deployment.family)) {
    const offered = offeredDeployments(feature, deployments, betaFamilies, isBetaEnabled).map((name) => `"${name}"`);
    return fail(
      'incompatible-family',
      `Deployment "${deployment.name}" uses the model family ${deployment.family}, which "${feature.title}" does not accept; ` +
        `compatible families: ${feature.families.join(', ')}. ` +
        (offered.length === 0 ? 'No deployment uses one of them.' : `Compatible deployments: ${offered.join(', ')}.`),
    );
  }
  return { ok: true, featureId, deploymentName: deployment.name };
}

/** How the feature mapping reads: release states, the picker's options, and each flag as a sentence. */
import type { CallOutput } from '../../../../electron/shared/contract';

/** One row as `features.list` returns it. */
export type FeatureRowView = CallOutput<'features.list'>[number];

/** A flag of a row. */
export type FeatureFlagView = FeatureRowView['flags'][number];

/** GitLab's words for a feature's release state. */
export const releaseStateLabels: Readonly<Record<FeatureRowView['feature']['state'], string>> = { ga: 'GA', beta: 'Beta', experiment: 'Experiment' };

/** The value of the "Disabled" option (no deployment name can be empty, so it cannot clash). */
export const DISABLED_VALUE = '';

/** One option of a row's select. */
export interface DeploymentOption {
  value: string;
  label: string;
  /** The current choice when it is not one the core offers (deleted, incompatible…): shown, not choosable again. */
  isUnavailable: boolean;
}

/**
 * Disabled, then the deployments the core offers; a current choice the core no longer offers stays
 * in the list, marked, so the select shows what is really configured.
 */
export function deploymentOptions(row: Pick<FeatureRowView, 'deploymentName' | 'compatibleDeployments'>): DeploymentOption[] {
  const options: DeploymentOption[] = [{ value: DISABLED_VALUE, label: 'Disabled', isUnavailable: false }];
  for (const name of row.compatibleDeployments) options.push({ value: name, label: name, isUnavailable: false });
  if (row.deploymentName !== null && !row.compatibleDeployments.includes(row.deploymentName)) {
    options.push({ value: row.deploymentName, label: `${row.deploymentName} (not available)`, isUnavailable: true });
  }
  return options;
}

const BETA_SWITCH = '“Use beta self-hosted models features”';

/** What a flag means for this row, and what to do about it. */
export function describeFlag(flag: FeatureFlagView, row: Pick<FeatureRowView, 'deploymentName' | 'feature'>): string {
  const name = `“${row.deploymentName ?? ''}”`;
  switch (flag) {
    case 'deployment-missing':
      return `Mapped to ${name}, which is no longer registered: GitLab gets no model for this feature. Choose another deployment or Disabled.`;
    case 'deployment-unhealthy':
      return `${name} failed its last health check: requests for this feature will fail until it answers again.`;
    case 'incompatible-family':
      return `${name} uses a model family this feature does not accept (accepted: ${row.feature.families.join(', ')}). Choose a compatible deployment.`;
    case 'beta-disabled':
      return `This is ${row.feature.state === 'experiment' ? 'an experimental' : 'a beta'} feature and ${BETA_SWITCH} is off, so it is not served. Turn it on on the Models page, or set Disabled.`;
    case 'family-beta-disabled':
      return `${name} uses a beta model family and ${BETA_SWITCH} is off. Turn it on on the Models page, or choose a GA-family deployment.`;
  }
}

/** Why a row's select has nothing to offer, or null when it has. */
export function emptyPickerReason(row: Pick<FeatureRowView, 'isSelectable' | 'compatibleDeployments' | 'feature'>): string | null {
  if (!row.isSelectable) return `Needs ${BETA_SWITCH} (Models page).`;
  if (row.compatibleDeployments.length === 0) return `No deployment of a family it accepts (${row.feature.families.join(', ')}).`;
  return null;
}

import { describe, expect, it } from 'vitest';
import { type FeatureRowView, deploymentOptions, describeFlag, emptyPickerReason } from '../../../../../renderer/src/features/ai-features/feature-format';

const feature: FeatureRowView['feature'] = { id: 'code_completions', title: 'Code Completion', group: 'Code Suggestions', state: 'ga', since: '17.9', families: ['codestral', 'mistral'] };
const row = (over: Partial<FeatureRowView>): FeatureRowView => ({ feature, deploymentName: null, compatibleDeployments: [], isSelectable: true, flags: [], ...over });

describe('feature-format', () => {
  it('offers Disabled and the compatible deployments', () => {
    expect(deploymentOptions(row({ compatibleDeployments: ['A', 'B'] }))).toEqual([
      { value: '', label: 'Disabled', isUnavailable: false },
      { value: 'A', label: 'A', isUnavailable: false },
      { value: 'B', label: 'B', isUnavailable: false },
    ]);
  });

  it('keeps a current choice the core no longer offers, marked and not choosable', () => {
    const options = deploymentOptions(row({ deploymentName: 'Gone', compatibleDeployments: ['A'], flags: ['deployment-missing'] }));
    expect(options.at(-1)).toEqual({ value: 'Gone', label: 'Gone (not available)', isUnavailable: true });
  });

  it('turns every flag into a sentence naming the deployment and what to do', () => {
    const mapped = row({ deploymentName: 'Old' });
    expect(describeFlag('deployment-missing', mapped)).toContain('“Old”, which is no longer registered');
    expect(describeFlag('deployment-unhealthy', mapped)).toContain('failed its last health check');
    expect(describeFlag('incompatible-family', mapped)).toContain('accepted: codestral, mistral');
    expect(describeFlag('beta-disabled', row({ deploymentName: 'Old', feature: { ...feature, state: 'experiment' } }))).toContain('an experimental feature');
    expect(describeFlag('family-beta-disabled', mapped)).toContain('beta model family');
  });

  it('says why a picker has nothing to offer', () => {
    expect(emptyPickerReason(row({ isSelectable: false }))).toContain('Use beta self-hosted models features');
    expect(emptyPickerReason(row({}))).toBe('No deployment of a family it accepts (codestral, mistral).');
    expect(emptyPickerReason(row({ compatibleDeployments: ['A'] }))).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { type DeploymentPlatform, validateDeployment } from '../../../../../electron/shared/registry/deployment';
import {
  type DeploymentView,
  addInput,
  describeKey,
  draftOf,
  emptyDeploymentForm,
  familyOptions,
  feedbackByField,
  formFromDeployment,
  identifierFormats,
  identifierHint,
  keyPlaceholder,
  updatePatch,
} from '../../../../../renderer/src/features/models/deployment-form';

const view: DeploymentView = {
  name: 'Codestral on GPU 0',
  family: 'codestral',
  platform: 'vllm-local',
  endpoint: 'http://127.0.0.1:8000/v1',
  identifier: 'custom_openai/codestral',
  apiKey: { isSet: true, last4: '7391' },
  timeoutSeconds: 120,
  unitName: null,
  createdAt: '2026-11-21T12:00:00Z',
  updatedAt: '2026-11-21T12:00:00Z',
};

const families = [
  { id: 'mistral', name: 'Mistral', releaseState: 'ga' },
  { id: 'codestral', name: 'Codestral', releaseState: 'ga' },
  { id: 'qwen', name: 'Qwen', releaseState: 'beta' },
] as const;

describe('deployment-form', () => {
  it('sends a key on add only when one was typed, and blank optional fields as null', () => {
    const values = { ...emptyDeploymentForm, name: 'a', family: 'codestral', endpoint: ' ', identifier: '' };
    expect(addInput(values)).toEqual({ name: 'a', family: 'codestral', endpoint: null, identifier: null, platform: 'vllm-local', timeoutSeconds: null });
    expect(addInput({ ...values, timeoutSeconds: ' 90 ' }).timeoutSeconds).toBe(' 90 ');
    expect(formFromDeployment(view).timeoutSeconds).toBe('120');
    expect(formFromDeployment({ ...view, timeoutSeconds: null }).timeoutSeconds).toBe('');
    expect(addInput({ ...values, apiKey: '  secret-key-1234\n' }).apiKey).toBe('secret-key-1234');
  });

  it('on edit: an empty key keeps the stored one (omitted), "remove" sends null, a typed key replaces it', () => {
    const values = formFromDeployment(view);
    expect(values.apiKey).toBe('');
    expect('apiKey' in updatePatch(values)).toBe(false);
    expect(updatePatch({ ...values, removeKey: true }).apiKey).toBeNull();
    // Remove wins over a key typed before the box was ticked.
    expect(updatePatch({ ...values, removeKey: true, apiKey: 'typed-before-1234' }).apiKey).toBeNull();
    expect(updatePatch({ ...values, apiKey: 'new-key-abcd0000' }).apiKey).toBe('new-key-abcd0000');
    expect(draftOf({ ...values, removeKey: true, apiKey: 'x y' }).apiKey).toBeNull();
  });

  it('shows a key as its last 4, "set" when too short to show any, or "not set"', () => {
    expect(describeKey({ isSet: true, last4: '7391' })).toBe('…7391');
    expect(describeKey({ isSet: true, last4: null })).toBe('set');
    expect(describeKey({ isSet: false, last4: null })).toBe('not set');
    expect(keyPlaceholder(view)).toBe('leave empty to keep …7391');
    expect(keyPlaceholder(null)).toBe('optional');
    expect(keyPlaceholder({ ...view, apiKey: { isSet: false, last4: null } })).toBe('optional; not set now');
  });

  it('offers beta families only while beta is on, but keeps the family a deployment already has', () => {
    expect(familyOptions(families, false, '').map((f) => f.id)).toEqual(['mistral', 'codestral']);
    expect(familyOptions(families, true, '').map((f) => f.label)).toEqual(['Mistral', 'Codestral', 'Qwen (beta)']);
    expect(familyOptions(families, false, 'qwen').map((f) => f.id)).toEqual(['mistral', 'codestral', 'qwen']);
  });

  it("shows live issues only for touched fields, and the core's message for a field instead of the live one", () => {
    const result = validateDeployment(draftOf({ ...emptyDeploymentForm, endpoint: 'http://gpu-host' }), {
      catalog: { families: [] },
      existingNames: [],
      isBetaEnabled: false,
    });
    const onlyEndpoint = feedbackByField(result.issues, {}, (field) => field === 'endpoint');
    expect(onlyEndpoint.name.errors).toEqual([]);
    expect(onlyEndpoint.endpoint.errors[0]).toContain('must end with /v1');
    expect(onlyEndpoint.endpoint.warnings[0]).toContain('port 80');
    expect(onlyEndpoint.endpoint.suggestion).toBe('http://gpu-host:8000/v1');

    const withCore = feedbackByField(result.issues, { name: 'Deployment name "X" is already used by the deployment "x".' }, () => true);
    expect(withCore.name.errors).toEqual(['Deployment name "X" is already used by the deployment "x".']);
  });

  it('states the identifier format the validator asks for, per platform', () => {
    for (const platform of ['vllm-local', 'vllm-remote', 'bedrock', 'azure-openai'] as DeploymentPlatform[]) {
      const result = validateDeployment({ platform, identifier: '' }, { catalog: { families: [] }, existingNames: [], isBetaEnabled: false });
      const message = result.issues.find((issue) => issue.field === 'identifier')?.message ?? '';
      expect(message).toContain(identifierFormats[platform]);
    }
    expect(identifierHint('bedrock')).toBe('Expected: bedrock/<model id>');
    expect(identifierHint('nonsense')).toBe('Choose a platform to see the expected format.');
  });
});

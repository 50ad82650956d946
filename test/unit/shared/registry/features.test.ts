import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Catalog, parseCatalog } from '../../../../electron/shared/fit/catalog-schema';
import {
  type FeaturePlanRow,
  type MappableDeployment,
  listAiFeatures,
  planFeatureMapping,
  validateFeatureAssignment,
} from '../../../../electron/shared/registry/features';

const raw: unknown = JSON.parse(readFileSync(new URL('../../../../resources/catalog/models.json', import.meta.url), 'utf8'));
const parsed = parseCatalog(raw);
if (!parsed.ok) throw new Error(parsed.issues.join('\n'));
const catalog: Catalog = parsed.catalog;

const deployments: MappableDeployment[] = [
  { name: 'Codestral', family: 'codestral', isHealthy: true },
  { name: 'Mixtral', family: 'mixtral' },
  { name: 'Llama', family: 'llama3', isHealthy: true },
  { name: 'Claude', family: 'claude_3', isHealthy: false },
];

const servedIds = [
  'code_generations',
  'code_completions',
  'duo_chat',
  'duo_chat_explain_code',
  'duo_chat_write_tests',
  'duo_chat_refactor_code',
  'duo_chat_fix_code',
  'duo_chat_troubleshoot_job',
  'generate_commit_message',
  'summarize_new_merge_request',
  'duo_chat_explain_vulnerability',
  'resolve_vulnerability',
  'summarize_review',
  'glab_ask_git_command',
  'duo_chat_summarize_comments',
  'review_merge_request',
];

function row(rows: FeaturePlanRow[], id: string): FeaturePlanRow {
  const found = rows.find((r) => r.feature.id === id);
  if (!found) throw new Error(`no row ${id}`);
  return found;
}

describe('listAiFeatures', () => {
  it("lists the features Airlock's gateway serves, in GitLab's order (§6.1), without the Agent Platform and embeddings (§10)", () => {
    expect(listAiFeatures(catalog).map((f) => f.id)).toEqual(servedIds);
  });

  it('carries title, group, state and families from the catalog', () => {
    const features = listAiFeatures(catalog);
    expect(features.find((f) => f.id === 'code_completions')).toEqual({
      id: 'code_completions',
      title: 'Code Completion',
      group: 'Code Suggestions',
      state: 'ga',
      since: '17.9',
      families: ['codegemma', 'codellama', 'codestral', 'deepseekcoder', 'mistral', 'mixtral', 'llama3', 'claude_3', 'gpt', 'general'],
    });
    expect(features.find((f) => f.id === 'duo_chat_troubleshoot_job')?.state).toBe('beta');
    expect(features.find((f) => f.id === 'summarize_review')?.state).toBe('experiment');
  });
});

describe('planFeatureMapping', () => {
  it('disables every feature that the mapping does not name, or names as null', () => {
    const rows = planFeatureMapping({ catalog, deployments, mapping: { duo_chat: null }, isBetaEnabled: true });
    expect(rows.map((r) => r.feature.id)).toEqual(servedIds);
    expect(rows.every((r) => r.deploymentName === null && r.flags.length === 0)).toBe(true);
  });

  it('offers only compatible deployments, and beta families only while beta is on', () => {
    const off = planFeatureMapping({ catalog, deployments, mapping: {}, isBetaEnabled: false });
    expect(row(off, 'code_completions').compatibleDeployments).toEqual(['Codestral', 'Mixtral', 'Claude']);
    expect(row(off, 'review_merge_request').compatibleDeployments).toEqual(['Mixtral', 'Claude']);
    const on = planFeatureMapping({ catalog, deployments, mapping: {}, isBetaEnabled: true });
    expect(row(on, 'code_completions').compatibleDeployments).toEqual(['Codestral', 'Mixtral', 'Llama', 'Claude']);
    // Codestral is not in family set C (§6.1).
    expect(row(on, 'duo_chat_troubleshoot_job').compatibleDeployments).toEqual(['Mixtral', 'Llama', 'Claude']);
  });

  it('makes beta and experimental features unselectable while beta is off', () => {
    const rows = planFeatureMapping({ catalog, deployments, mapping: {}, isBetaEnabled: false });
    expect(row(rows, 'duo_chat_troubleshoot_job')).toMatchObject({ isSelectable: false, compatibleDeployments: [] });
    expect(row(rows, 'summarize_review')).toMatchObject({ isSelectable: false, compatibleDeployments: [] });
    expect(row(rows, 'duo_chat').isSelectable).toBe(true);
  });

  it('flags a mapping to a deleted deployment', () => {
    const rows = planFeatureMapping({ catalog, deployments, mapping: { code_completions: 'Gone' }, isBetaEnabled: true });
    expect(row(rows, 'code_completions')).toMatchObject({ deploymentName: 'Gone', flags: ['deployment-missing'] });
  });

  it('flags an unhealthy deployment, but not one whose health is unknown', () => {
    const rows = planFeatureMapping({ catalog, deployments, mapping: { duo_chat: 'Claude', code_generations: 'Mixtral' }, isBetaEnabled: false });
    expect(row(rows, 'duo_chat').flags).toEqual(['deployment-unhealthy']);
    expect(row(rows, 'code_generations').flags).toEqual([]);
  });

  it('flags an incompatible family', () => {
    const rows = planFeatureMapping({ catalog, deployments, mapping: { review_merge_request: 'Codestral' }, isBetaEnabled: false });
    expect(row(rows, 'review_merge_request').flags).toEqual(['incompatible-family']);
  });

  it('flags a beta feature that is mapped while beta is off', () => {
    const rows = planFeatureMapping({ catalog, deployments, mapping: { generate_commit_message: 'Mixtral' }, isBetaEnabled: false });
    expect(row(rows, 'generate_commit_message').flags).toEqual(['beta-disabled']);
    const on = planFeatureMapping({ catalog, deployments, mapping: { generate_commit_message: 'Mixtral' }, isBetaEnabled: true });
    expect(row(on, 'generate_commit_message').flags).toEqual([]);
  });

  it('flags a deployment of a beta family while beta is off', () => {
    const rows = planFeatureMapping({ catalog, deployments, mapping: { code_completions: 'Llama' }, isBetaEnabled: false });
    expect(row(rows, 'code_completions').flags).toEqual(['family-beta-disabled']);
  });

  it('ignores mapping keys that name no served feature', () => {
    const rows = planFeatureMapping({ catalog, deployments, mapping: { nope: 'Mixtral', duo_agent_platform: 'Claude' }, isBetaEnabled: true });
    expect(rows).toHaveLength(servedIds.length);
  });
});

describe('validateFeatureAssignment', () => {
  const base = { catalog, deployments, isBetaEnabled: false };

  it('accepts a compatible deployment, matching its name ignoring case, and disabling', () => {
    expect(validateFeatureAssignment({ ...base, featureId: 'code_completions', deploymentName: 'codestral' })).toEqual({
      ok: true,
      featureId: 'code_completions',
      deploymentName: 'Codestral',
    });
    expect(validateFeatureAssignment({ ...base, featureId: 'duo_chat_troubleshoot_job', deploymentName: null })).toEqual({
      ok: true,
      featureId: 'duo_chat_troubleshoot_job',
      deploymentName: null,
    });
  });

  it('refuses an unknown feature and lists the known ones', () => {
    expect(validateFeatureAssignment({ ...base, featureId: 'code_review', deploymentName: 'Mixtral' })).toEqual({
      ok: false,
      reason: 'unknown-feature',
      message: `Unknown feature "code_review"; features: ${servedIds.join(', ')}.`,
    });
  });

  it("refuses a GitLab feature that Airlock's gateway does not serve", () => {
    expect(validateFeatureAssignment({ ...base, featureId: 'duo_agent_platform', deploymentName: 'Claude' })).toEqual({
      ok: false,
      reason: 'unsupported-feature',
      message: `Feature "Agents & flows" (duo_agent_platform) is not served by Airlock's AI gateway, so it cannot be mapped here; set it in GitLab.`,
    });
  });

  it('refuses an unknown deployment and lists the registered ones', () => {
    expect(validateFeatureAssignment({ ...base, featureId: 'duo_chat', deploymentName: 'Mistral' })).toEqual({
      ok: false,
      reason: 'unknown-deployment',
      message: 'No deployment named "Mistral"; deployments: "Codestral", "Mixtral", "Llama", "Claude".',
    });
    expect(validateFeatureAssignment({ ...base, deployments: [], featureId: 'duo_chat', deploymentName: 'Mistral' })).toEqual({
      ok: false,
      reason: 'unknown-deployment',
      message: 'No deployment named "Mistral": no deployments are registered yet.',
    });
  });

  it('refuses an incompatible family, naming it and the compatible ones', () => {
    expect(validateFeatureAssignment({ ...base, featureId: 'review_merge_request', deploymentName: 'Codestral' })).toEqual({
      ok: false,
      reason: 'incompatible-family',
      message:
        'Deployment "Codestral" uses the model family codestral, which "Code Review" does not accept; ' +
        'compatible families: mistral, mixtral, claude_3, gpt, llama3, general. Compatible deployments: "Mixtral", "Claude".',
    });
    expect(
      validateFeatureAssignment({ ...base, deployments: [{ name: 'Codestral', family: 'codestral' }], featureId: 'review_merge_request', deploymentName: 'Codestral' }),
    ).toEqual({
      ok: false,
      reason: 'incompatible-family',
      message:
        'Deployment "Codestral" uses the model family codestral, which "Code Review" does not accept; ' +
        'compatible families: mistral, mixtral, claude_3, gpt, llama3, general. No deployment uses one of them.',
    });
  });

  it('refuses a beta or experimental feature while beta is off', () => {
    expect(validateFeatureAssignment({ ...base, featureId: 'duo_chat_troubleshoot_job', deploymentName: 'Mixtral' })).toEqual({
      ok: false,
      reason: 'beta-disabled',
      message:
        'Feature "Root Cause Analysis" (duo_chat_troubleshoot_job) is a beta feature: turn on "Use beta self-hosted models features" and accept the testing terms to assign it a model.',
    });
    expect(validateFeatureAssignment({ ...base, featureId: 'summarize_review', deploymentName: 'Mixtral' })).toEqual({
      ok: false,
      reason: 'beta-disabled',
      message:
        'Feature "Code Review Summary" (summarize_review) is an experimental feature: turn on "Use beta self-hosted models features" and accept the testing terms to assign it a model.',
    });
    expect(validateFeatureAssignment({ ...base, isBetaEnabled: true, featureId: 'summarize_review', deploymentName: 'Mixtral' }).ok).toBe(true);
  });

  it('refuses a deployment of a beta family while beta is off', () => {
    expect(validateFeatureAssignment({ ...base, featureId: 'code_completions', deploymentName: 'Llama' })).toEqual({
      ok: false,
      reason: 'family-beta-disabled',
      message: 'Deployment "Llama" uses the beta model family llama3: turn on "Use beta self-hosted models features" and accept the testing terms to assign it.',
    });
    expect(validateFeatureAssignment({ ...base, isBetaEnabled: true, featureId: 'code_completions', deploymentName: 'Llama' }).ok).toBe(true);
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Catalog, parseCatalog } from '../../../../electron/shared/fit/catalog-schema';
import {
  type GitlabSheetInput,
  buildGitlabSetupSheet,
  renderGitlabSheetText,
  verifyCommand,
} from '../../../../electron/shared/registry/gitlab-sheet';

const KEY_NOTE = "with Airlock's gateway GitLab can leave it empty: the gateway adds the stored key; to read it, run airlock gitlab-sheet --reveal-keys on the appliance";

const raw: unknown = JSON.parse(readFileSync(new URL('../../../../resources/catalog/models.json', import.meta.url), 'utf8'));
const parsed = parseCatalog(raw);
if (!parsed.ok) throw new Error(parsed.issues.join('\n'));
const catalog: Catalog = parsed.catalog;

const input: GitlabSheetInput = {
  gatewayUrl: 'https://airlock.example.internal:5052',
  catalog,
  deployments: [
    { name: 'Mixtral-8x7B-it-v0.1 on GPU 0-1', family: 'mixtral', endpoint: 'http://10.0.0.5:8000/v1', identifier: 'custom_openai/Mixtral-8x7B-Instruct-v0.1', apiKeyLast4: 'c0de' },
    { name: 'Claude on Bedrock', family: 'claude_3', endpoint: null, identifier: 'bedrock/us.anthropic.claude-3-5-sonnet-20240620-v1:0', apiKeyLast4: null },
  ],
  mapping: { code_completions: 'Mixtral-8x7B-it-v0.1 on GPU 0-1', duo_chat: 'Claude on Bedrock', code_generations: 'Deleted one', duo_chat_fix_code: null },
  gitlabUsername: 'admin.jane',
};

describe('buildGitlabSetupSheet', () => {
  const sheet = buildGitlabSetupSheet(input);

  it('starts with the Local AI Gateway URL (§5.1)', () => {
    expect(sheet.gateway).toEqual({
      title: 'Admin → GitLab Duo → Local AI Gateway URL',
      fields: [{ label: 'Local AI Gateway URL', value: { kind: 'text', text: 'https://airlock.example.internal:5052' } }],
    });
  });

  it("says when the gateway URL is not set", () => {
    const unset = buildGitlabSetupSheet({ ...input, gatewayUrl: null });
    expect(unset.gateway.fields[0]).toEqual({
      label: 'Local AI Gateway URL',
      value: { kind: 'empty', text: '(not set)' },
      note: "Set the gateway URL in Airlock's Settings first.",
    });
  });

  it("lists each deployment's fields in the order of GitLab's form (§5.2)", () => {
    expect(sheet.models.title).toBe('Admin → GitLab Duo → Configure models for GitLab Duo → Add self-hosted model');
    for (const deployment of sheet.models.deployments) {
      expect(deployment.fields.map((f) => f.label)).toEqual(['Deployment name', 'Model family', 'Endpoint', 'API key', 'Model identifier']);
    }
    expect(sheet.models.deployments[0]).toEqual({
      deploymentName: 'Mixtral-8x7B-it-v0.1 on GPU 0-1',
      fields: [
        { label: 'Deployment name', value: { kind: 'text', text: 'Mixtral-8x7B-it-v0.1 on GPU 0-1' } },
        { label: 'Model family', value: { kind: 'text', text: 'Mixtral' }, note: 'family id mixtral' },
        { label: 'Endpoint', value: { kind: 'text', text: 'http://10.0.0.5:8000/v1' } },
        { label: 'API key', value: { kind: 'secret', last4: 'c0de' }, note: KEY_NOTE },
        { label: 'Model identifier', value: { kind: 'text', text: 'custom_openai/Mixtral-8x7B-Instruct-v0.1' } },
      ],
    });
    expect(sheet.models.after).toBe('Then select Test connection for each model.');
  });

  it('leaves a Bedrock endpoint and a missing key empty', () => {
    const fields = sheet.models.deployments[1]?.fields ?? [];
    expect(fields[2]).toEqual({ label: 'Endpoint', value: { kind: 'empty', text: '(leave empty)' }, note: 'Amazon Bedrock ignores the endpoint' });
    expect(fields[3]).toEqual({ label: 'API key', value: { kind: 'empty', text: '(leave empty)' } });
  });

  it('lists every served feature with its deployment or Disabled', () => {
    const byId = new Map(sheet.features.features.map((f) => [f.featureId, f]));
    expect(sheet.features.title).toBe('Admin → GitLab Duo → Configure models for GitLab Duo → AI-native features');
    expect(sheet.features.features).toHaveLength(16);
    expect(byId.get('code_completions')).toEqual({
      featureId: 'code_completions',
      title: 'Code Completion',
      group: 'Code Suggestions',
      state: 'ga',
      value: 'Mixtral-8x7B-it-v0.1 on GPU 0-1',
    });
    expect(byId.get('duo_chat')?.value).toBe('Claude on Bedrock');
    expect(byId.get('duo_chat_fix_code')?.value).toBe('Disabled');
    expect(byId.get('summarize_review')).toMatchObject({ value: 'Disabled', state: 'experiment' });
    // A deleted deployment cannot be entered in GitLab.
    expect(byId.get('code_generations')).toMatchObject({ value: 'Disabled', note: 'mapped to "Deleted one", which is not a registered deployment' });
  });

  it('ends with the verification command, exactly (§5.4)', () => {
    expect(sheet.verify).toEqual({ title: 'Verify on the GitLab host', command: 'gitlab-rake "gitlab:duo:verify_self_hosted_setup[admin.jane]"' });
    expect(verifyCommand('root')).toBe('gitlab-rake "gitlab:duo:verify_self_hosted_setup[root]"');
  });

  it('keeps the placeholder when no username is given, or when it could break the quoting', () => {
    expect(buildGitlabSetupSheet({ ...input, gitlabUsername: undefined }).verify).toEqual({
      title: 'Verify on the GitLab host',
      command: 'gitlab-rake "gitlab:duo:verify_self_hosted_setup[<username>]"',
      note: 'Replace <username> with the GitLab user to check as (the task uses root when the brackets are left out).',
    });
    expect(buildGitlabSetupSheet({ ...input, gitlabUsername: 'x"]; rm -rf /' }).verify).toEqual({
      title: 'Verify on the GitLab host',
      command: 'gitlab-rake "gitlab:duo:verify_self_hosted_setup[<username>]"',
      note: '"x"]; rm -rf /" is not a valid GitLab username; replace <username> with the user to check as.',
    });
  });
});

describe('renderGitlabSheetText', () => {
  const sheet = buildGitlabSetupSheet(input);

  it('renders the four sections in order, keys masked', () => {
    const text = renderGitlabSheetText(sheet);
    const lines = text.split('\n');
    expect(lines.slice(0, 5)).toEqual(['GitLab setup sheet', '', '1. Admin → GitLab Duo → Local AI Gateway URL', '   Local AI Gateway URL: https://airlock.example.internal:5052', '']);
    expect(text).toContain(
      [
        '2. Admin → GitLab Duo → Configure models for GitLab Duo → Add self-hosted model',
        '   Deployment "Mixtral-8x7B-it-v0.1 on GPU 0-1":',
        '     Deployment name:  Mixtral-8x7B-it-v0.1 on GPU 0-1',
        '     Model family:     Mixtral  (family id mixtral)',
        '     Endpoint:         http://10.0.0.5:8000/v1',
        `     API key:          …c0de  (${KEY_NOTE})`,
        '     Model identifier: custom_openai/Mixtral-8x7B-Instruct-v0.1',
        '   Deployment "Claude on Bedrock":',
      ].join('\n'),
    );
    expect(text).toContain('     Endpoint:         (leave empty)  (Amazon Bedrock ignores the endpoint)');
    expect(text).toContain('   Then select Test connection for each model.\n\n3. Admin → GitLab Duo → Configure models for GitLab Duo → AI-native features\n');
    expect(text).toMatch(/\n {3}Code Completion: +Mixtral-8x7B-it-v0\.1 on GPU 0-1\n/);
    expect(text).toMatch(/\n {3}Code Review Summary \[experiment\]: +Disabled\n/);
    expect(text).toMatch(/\n {3}Code Generation: +Disabled {2}\(mapped to "Deleted one", which is not a registered deployment\)\n/);
    expect(text.endsWith('4. Verify on the GitLab host\n   gitlab-rake "gitlab:duo:verify_self_hosted_setup[admin.jane]"\n')).toBe(true);
    const order = ['1. ', '2. ', '3. ', '4. '].map((marker) => text.indexOf(`\n${marker}`));
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('shows a key in full only when the caller reveals it', () => {
    const calls: string[] = [];
    const text = renderGitlabSheetText(sheet, {
      revealKey: (name) => {
        calls.push(name);
        return name === 'Mixtral-8x7B-it-v0.1 on GPU 0-1' ? 'sk-full-key-0000c0de' : null;
      },
    });
    expect(text).toContain(`     API key:          sk-full-key-0000c0de  (${KEY_NOTE})\n`);
    expect(text).not.toContain('…c0de');
    // Only deployments that have a key are asked about.
    expect(calls).toEqual(['Mixtral-8x7B-it-v0.1 on GPU 0-1']);
    expect(renderGitlabSheetText(sheet, { revealKey: () => null })).toContain(`     API key:          …c0de  (${KEY_NOTE})\n`);
  });

  it('says when no deployment is registered', () => {
    const text = renderGitlabSheetText(buildGitlabSetupSheet({ ...input, deployments: [], mapping: {} }));
    expect(text).toContain('2. Admin → GitLab Duo → Configure models for GitLab Duo → Add self-hosted model\n   No deployments are registered yet.\n');
  });
});

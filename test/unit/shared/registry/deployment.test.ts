import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Catalog, parseCatalog } from '../../../../electron/shared/fit/catalog-schema';
import {
  type DeploymentContext,
  type DeploymentDraft,
  type DeploymentIssue,
  deploymentSchema,
  issuesByField,
  validateDeployment,
} from '../../../../electron/shared/registry/deployment';

const raw: unknown = JSON.parse(readFileSync(new URL('../../../../resources/catalog/models.json', import.meta.url), 'utf8'));
const parsed = parseCatalog(raw);
if (!parsed.ok) throw new Error(parsed.issues.join('\n'));
const catalog: Catalog = parsed.catalog;

const context: DeploymentContext = { catalog, existingNames: ['Mixtral-8x7B-it-v0.1 on GPU 0-1'], isBetaEnabled: false };
const betaContext: DeploymentContext = { ...context, isBetaEnabled: true };

const vllm: DeploymentDraft = {
  name: 'Codestral on GPU 2-3',
  family: 'codestral',
  endpoint: 'http://127.0.0.1:8001/v1',
  apiKey: 'sk-canary-0123456789abcd',
  identifier: 'custom_openai/Codestral-22B-v0.1',
  platform: 'vllm-local',
};

/** Issues of one field, as [severity, message, suggestion]. */
function issuesOf(draft: DeploymentDraft, field: DeploymentIssue['field'], ctx: DeploymentContext = context) {
  return validateDeployment(draft, ctx)
    .issues.filter((i) => i.field === field)
    .map((i) => [i.severity, i.message, i.suggestion]);
}

describe('validateDeployment: a valid deployment', () => {
  it('passes, trimmed and normalised, and fits the stored schema', () => {
    const result = validateDeployment({ ...vllm, name: '  Codestral on GPU 2-3 ', endpoint: 'http://127.0.0.1:8001/v1/', apiKey: 'sk-canary-0123456789abcd\n' }, context);
    expect(result.issues).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.deployment).toEqual({
      name: 'Codestral on GPU 2-3',
      family: 'codestral',
      endpoint: 'http://127.0.0.1:8001/v1',
      apiKey: 'sk-canary-0123456789abcd',
      identifier: 'custom_openai/Codestral-22B-v0.1',
      platform: 'vllm-local',
      timeoutSeconds: null,
    });
    expect(deploymentSchema.safeParse(result.deployment).success).toBe(true);
  });

  it('takes a gateway timeout in whole seconds, 1–600, blank for the default', () => {
    expect(validateDeployment({ ...vllm, timeoutSeconds: '120' }, context).deployment?.timeoutSeconds).toBe(120);
    expect(validateDeployment({ ...vllm, timeoutSeconds: 600 }, context).deployment?.timeoutSeconds).toBe(600);
    expect(validateDeployment({ ...vllm, timeoutSeconds: ' ' }, context).deployment?.timeoutSeconds).toBeNull();
    for (const bad of ['0', '601', '1.5', '-3', 'soon', 0]) {
      const result = validateDeployment({ ...vllm, timeoutSeconds: bad }, context);
      expect(result.ok, String(bad)).toBe(false);
      expect(issuesOf({ ...vllm, timeoutSeconds: bad }, 'timeoutSeconds')).toEqual([
        ['error', 'Timeout must be a whole number of seconds from 1 to 600, or empty for the default (60 s).', undefined],
      ]);
    }
  });

  it('accepts Bedrock without an endpoint and Azure with its identifier', () => {
    const bedrock = validateDeployment(
      { name: 'Claude on Bedrock', family: 'claude_3', endpoint: '', identifier: 'bedrock/us.anthropic.claude-3-5-sonnet-20240620-v1:0', platform: 'bedrock' },
      context,
    );
    expect(bedrock.issues).toEqual([]);
    expect(bedrock.deployment).toMatchObject({ endpoint: null, apiKey: null });
    const azure = validateDeployment(
      { name: 'GPT-4o', family: 'gpt', endpoint: 'https://acme.openai.azure.com', apiKey: 'azure-key-123456', identifier: 'azure/gpt-4o', platform: 'azure-openai' },
      context,
    );
    expect(azure.issues).toEqual([]);
    expect(azure.ok).toBe(true);
  });

  it('makes the identifier optional for other OpenAI-compatible servers', () => {
    const result = validateDeployment({ name: 'LiteLLM', family: 'mistral', endpoint: 'https://llm.internal/v1', identifier: '', platform: 'openai-compatible' }, context);
    expect(result.issues).toEqual([]);
    expect(result.deployment).toMatchObject({ identifier: null });
  });

  it('keeps warnings without blocking', () => {
    const result = validateDeployment({ ...vllm, endpoint: 'http://gpu-host/v1', platform: 'vllm-remote' }, context);
    expect(result.ok).toBe(true);
    expect(result.issues.map((i) => i.severity)).toEqual(['warning']);
  });
});

describe('validateDeployment: name', () => {
  it('is required', () => {
    expect(issuesOf({ ...vllm, name: '   ' }, 'name')).toEqual([['error', 'Deployment name is required.', undefined]]);
    expect(issuesOf({ ...vllm, name: undefined }, 'name')).toEqual([['error', 'Deployment name is required.', undefined]]);
  });

  it('is at most 255 characters', () => {
    expect(issuesOf({ ...vllm, name: 'x'.repeat(256) }, 'name')).toEqual([['error', 'Deployment name is 256 characters long; the limit is 255.', undefined]]);
    expect(issuesOf({ ...vllm, name: 'x'.repeat(255) }, 'name')).toEqual([]);
  });

  it('has no control characters', () => {
    expect(issuesOf({ ...vllm, name: 'two\nlines' }, 'name')).toEqual([
      ['error', 'Deployment name cannot contain line breaks or other control characters.', undefined],
    ]);
  });

  it('is unique ignoring case, and the message names the clash', () => {
    expect(issuesOf({ ...vllm, name: 'MIXTRAL-8x7B-IT-v0.1 on gpu 0-1' }, 'name')).toEqual([
      [
        'error',
        'Deployment name "MIXTRAL-8x7B-IT-v0.1 on gpu 0-1" is already used by the deployment "Mixtral-8x7B-it-v0.1 on GPU 0-1"; names must be unique, ignoring case.',
        undefined,
      ],
    ]);
  });
});

describe('validateDeployment: family', () => {
  it('is required', () => {
    expect(issuesOf({ ...vllm, family: '' }, 'family')).toEqual([['error', 'Model family is required.', undefined]]);
  });

  it('must be a catalog family; the list offers only selectable ones', () => {
    expect(issuesOf({ ...vllm, family: 'falcon' }, 'family')).toEqual([
      [
        'error',
        'Unknown model family "falcon"; choose one of: mistral, mixtral, codestral, gpt, claude_3. Beta and experimental families ' +
          '(llama3, codegemma, codellama, deepseekcoder, qwen, gemini, general, embedding) need "Use beta self-hosted models features" on.',
        undefined,
      ],
    ]);
    const [[, withBeta]] = issuesOf({ ...vllm, family: 'falcon' }, 'family', betaContext) as [[string, string]];
    expect(withBeta).toContain('choose one of: mistral, mixtral, codestral, llama3, codegemma');
    expect(withBeta).not.toContain('need "Use beta');
  });

  it('refuses beta families until beta features are on', () => {
    const draft = { ...vllm, family: 'llama3' };
    expect(issuesOf(draft, 'family')).toEqual([
      ['error', 'Model family Llama 3 (llama3) is in beta: turn on "Use beta self-hosted models features" and accept the testing terms to use it.', undefined],
    ]);
    expect(issuesOf(draft, 'family', betaContext)).toEqual([]);
    expect(validateDeployment(draft, betaContext).ok).toBe(true);
  });

  it('refuses API-only families on vLLM', () => {
    expect(issuesOf({ ...vllm, family: 'claude_3' }, 'family')).toEqual([
      [
        'error',
        "Model family Claude (claude_3) is only offered through a provider's API, so vLLM cannot serve it; choose the platform Amazon Bedrock, Azure OpenAI or another OpenAI-compatible server.",
        undefined,
      ],
    ]);
  });
});

describe('validateDeployment: platform', () => {
  it('is required and known', () => {
    expect(issuesOf({ ...vllm, platform: '' }, 'platform')).toEqual([
      ['error', 'Platform is required: one of vllm-local, vllm-remote, bedrock, azure-openai, openai-compatible.', undefined],
    ]);
    expect(issuesOf({ ...vllm, platform: 'ollama' }, 'platform')).toEqual([
      ['error', 'Unknown platform "ollama"; expected one of vllm-local, vllm-remote, bedrock, azure-openai, openai-compatible.', undefined],
    ]);
  });
});

describe('validateDeployment: endpoint', () => {
  it('is required except for Bedrock, with an example per platform', () => {
    expect(issuesOf({ ...vllm, endpoint: '' }, 'endpoint')).toEqual([['error', 'Endpoint is required for vLLM on this host, e.g. http://127.0.0.1:8000/v1.', undefined]]);
    expect(issuesOf({ ...vllm, endpoint: null, platform: 'vllm-remote' }, 'endpoint')).toEqual([
      ['error', 'Endpoint is required for vLLM on another host, e.g. http://gpu-host:8000/v1.', undefined],
    ]);
    expect(issuesOf({ ...vllm, family: 'gpt', endpoint: undefined, identifier: 'azure/gpt-4o', platform: 'azure-openai' }, 'endpoint')).toEqual([
      ['error', 'Endpoint is required for Azure OpenAI, e.g. https://<resource>.openai.azure.com.', undefined],
    ]);
    expect(issuesOf({ ...vllm, endpoint: '', platform: 'openai-compatible' }, 'endpoint')).toEqual([
      ['error', 'Endpoint is required for another OpenAI-compatible server, e.g. https://llm.example.internal/v1.', undefined],
    ]);
  });

  it('is at most 255 characters', () => {
    const endpoint = `http://h/${'a'.repeat(250)}/v1`;
    expect(issuesOf({ ...vllm, endpoint }, 'endpoint')).toEqual([['error', 'Endpoint is 262 characters long; GitLab accepts at most 255.', undefined]]);
  });

  it('needs a scheme, and offers one', () => {
    expect(issuesOf({ ...vllm, endpoint: 'gpu-host:8000/v1' }, 'endpoint')).toEqual([['error', 'Endpoint must start with http:// or https://.', 'http://gpu-host:8000/v1']]);
    // Credentials are never copied into a suggestion.
    expect(issuesOf({ ...vllm, endpoint: 'user:pw@gpu-host:8000/v1' }, 'endpoint')).toEqual([['error', 'Endpoint must start with http:// or https://.', undefined]]);
  });

  it('is http or https', () => {
    expect(issuesOf({ ...vllm, endpoint: 'ftp://gpu-host/v1' }, 'endpoint')).toEqual([['error', 'Endpoint must use http:// or https://, not ftp://.', undefined]]);
  });

  it('must parse, and the text is not echoed', () => {
    const result = issuesOf({ ...vllm, endpoint: 'http://us er:secret-pw@gpu host:8000/v1' }, 'endpoint');
    expect(result).toEqual([['error', 'Endpoint is not a valid URL; expected http(s)://host[:port]/path, e.g. http://127.0.0.1:8000/v1.', undefined]]);
    expect(JSON.stringify(result)).not.toContain('secret-pw');
    expect(issuesOf({ ...vllm, endpoint: 'http://gpu-host:/v1' }, 'endpoint')).toHaveLength(1);
    expect(issuesOf({ ...vllm, endpoint: 'http:///v1' }, 'endpoint')).toHaveLength(1);
  });

  it('carries no credentials, and the fix drops them', () => {
    const result = issuesOf({ ...vllm, endpoint: 'http://admin:hunter2@127.0.0.1:8001/v1' }, 'endpoint');
    expect(result).toEqual([['error', 'Endpoint must not contain a user name or password; put the key in the API key field.', 'http://127.0.0.1:8001/v1']]);
    expect(JSON.stringify(result)).not.toContain('hunter2');
  });

  it('has no query string or fragment', () => {
    expect(issuesOf({ ...vllm, endpoint: 'http://127.0.0.1:8001/v1?api-key=abc' }, 'endpoint')).toEqual([
      ['error', 'Endpoint must not contain a query string (?…): the API paths are appended to it.', 'http://127.0.0.1:8001/v1'],
    ]);
    expect(issuesOf({ ...vllm, endpoint: 'http://127.0.0.1:8001/v1#top' }, 'endpoint')).toEqual([
      ['error', 'Endpoint must not contain a fragment (#…).', 'http://127.0.0.1:8001/v1'],
    ]);
  });

  it('has a port in range', () => {
    expect(issuesOf({ ...vllm, endpoint: 'http://127.0.0.1:70000/v1' }, 'endpoint')).toEqual([['error', 'Endpoint port 70000 is out of range; use 1–65535.', undefined]]);
    expect(issuesOf({ ...vllm, endpoint: 'http://127.0.0.1:0/v1' }, 'endpoint')).toEqual([['error', 'Endpoint port 0 is out of range; use 1–65535.', undefined]]);
  });

  it('ends with /v1 for vLLM, and offers the corrected URL', () => {
    expect(issuesOf({ ...vllm, endpoint: 'http://127.0.0.1:8001' }, 'endpoint')).toEqual([
      ['error', 'A vLLM endpoint must end with /v1 (its path is "/"); use http://127.0.0.1:8001/v1.', 'http://127.0.0.1:8001/v1'],
    ]);
    expect(issuesOf({ ...vllm, endpoint: 'https://gpu.example/vllm/', platform: 'vllm-remote' }, 'endpoint')).toEqual([
      ['error', 'A vLLM endpoint must end with /v1 (its path is "/vllm"); use https://gpu.example/vllm/v1.', 'https://gpu.example/vllm/v1'],
    ]);
    // A full API path pasted from a curl line is cut back to the API root.
    expect(issuesOf({ ...vllm, endpoint: 'http://127.0.0.1:8001/v1/chat/completions' }, 'endpoint')).toEqual([
      ['error', 'A vLLM endpoint must end with /v1 (its path is "/v1/chat/completions"); use http://127.0.0.1:8001/v1.', 'http://127.0.0.1:8001/v1'],
    ]);
  });

  it("warns that plain http without a port is not vLLM's default port 8000", () => {
    expect(issuesOf({ ...vllm, endpoint: 'http://gpu-host/v1', platform: 'vllm-remote' }, 'endpoint')).toEqual([
      [
        'warning',
        'Endpoint has no port, so http:// goes to port 80, but vLLM listens on port 8000 by default; use http://gpu-host:8000/v1 unless a proxy listens on port 80.',
        'http://gpu-host:8000/v1',
      ],
    ]);
    // Both at once: the one corrected URL fixes both.
    expect(issuesOf({ ...vllm, endpoint: 'http://gpu-host' }, 'endpoint')).toEqual([
      ['error', 'A vLLM endpoint must end with /v1 (its path is "/"); use http://gpu-host:8000/v1.', 'http://gpu-host:8000/v1'],
      [
        'warning',
        'Endpoint has no port, so http:// goes to port 80, but vLLM listens on port 8000 by default; use http://gpu-host:8000/v1 unless a proxy listens on port 80.',
        'http://gpu-host:8000/v1',
      ],
    ]);
    // https without a port is the documented proxy case (§9): nothing to say.
    expect(issuesOf({ ...vllm, endpoint: 'https://gpu-host/v1', platform: 'vllm-remote' }, 'endpoint')).toEqual([]);
  });

  it('warns when an OpenAI-compatible endpoint does not end with /v1', () => {
    expect(issuesOf({ ...vllm, endpoint: 'https://llm.internal/api', platform: 'openai-compatible', identifier: '' }, 'endpoint')).toEqual([
      [
        'warning',
        "OpenAI-compatible endpoints usually end with /v1 (GitLab's form asks for it); use https://llm.internal/api/v1 if this server follows the OpenAI layout.",
        'https://llm.internal/api/v1',
      ],
    ]);
  });

  it('warns that Bedrock ignores an endpoint', () => {
    const draft = { name: 'Claude', family: 'claude_3', endpoint: 'https://bedrock-runtime.us-east-1.amazonaws.com', identifier: 'bedrock/anthropic.claude-v2', platform: 'bedrock' };
    expect(issuesOf(draft, 'endpoint')).toEqual([
      [
        'warning',
        'Amazon Bedrock ignores the endpoint: the gateway reaches Bedrock with the AWS credentials and region of its environment. You can leave it empty.',
        '',
      ],
    ]);
  });
});

describe('validateDeployment: API key', () => {
  it('is optional', () => {
    expect(issuesOf({ ...vllm, apiKey: '' }, 'apiKey')).toEqual([]);
    expect(validateDeployment({ ...vllm, apiKey: null }, context).deployment).toMatchObject({ apiKey: null });
  });

  it('is at most 2000 characters', () => {
    expect(issuesOf({ ...vllm, apiKey: 'k'.repeat(2001) }, 'apiKey')).toEqual([['error', 'API key is 2001 characters long; GitLab accepts at most 2000.', undefined]]);
  });

  it('has no inner whitespace', () => {
    expect(issuesOf({ ...vllm, apiKey: 'sk-abc def' }, 'apiKey')).toEqual([['error', 'API key contains spaces or line breaks; paste the key alone.', undefined]]);
  });

  it('never appears in any message or suggestion', () => {
    const canary = 'sk-CANARY-9f8e7d6c5b4a';
    const drafts: DeploymentDraft[] = [
      { ...vllm, apiKey: `${canary} x`, name: '', family: 'nope', endpoint: 'nope', identifier: 'nope', platform: 'vllm-local' },
      { ...vllm, apiKey: canary.repeat(200) },
      { ...vllm, apiKey: canary, endpoint: `http://u:${canary}@h/v1?k=${canary}` },
    ];
    for (const draft of drafts) {
      const text = JSON.stringify(validateDeployment(draft, context).issues);
      expect(text).not.toContain('CANARY');
    }
  });
});

describe('validateDeployment: identifier', () => {
  it('is required for vLLM, Bedrock and Azure, with the format', () => {
    expect(issuesOf({ ...vllm, identifier: '' }, 'identifier')).toEqual([
      ['error', 'Model identifier is required for vLLM on this host: custom_openai/<served model name>, e.g. custom_openai/Mixtral-8x7B-Instruct-v0.1.', undefined],
    ]);
    expect(issuesOf({ ...vllm, identifier: null, platform: 'vllm-remote' }, 'identifier')).toEqual([
      ['error', 'Model identifier is required for vLLM on another host: custom_openai/<served model name>, e.g. custom_openai/Mixtral-8x7B-Instruct-v0.1.', undefined],
    ]);
    expect(issuesOf({ ...vllm, family: 'claude_3', identifier: undefined, platform: 'bedrock' }, 'identifier')).toEqual([
      ['error', 'Model identifier is required for Amazon Bedrock: bedrock/<model id>, e.g. bedrock/us.anthropic.claude-3-5-sonnet-20240620-v1:0.', undefined],
    ]);
    expect(issuesOf({ ...vllm, family: 'gpt', identifier: ' ', platform: 'azure-openai' }, 'identifier')).toEqual([
      ['error', 'Model identifier is required for Azure OpenAI: azure/<deployment>, e.g. azure/gpt-4o.', undefined],
    ]);
  });

  it("says which prefix the platform expects, replacing another provider's prefix", () => {
    expect(issuesOf({ ...vllm, identifier: 'openai/Codestral-22B-v0.1' }, 'identifier')).toEqual([
      ['error', 'Model identifier for vLLM on this host must start with "custom_openai/", not "openai/": custom_openai/<served model name>.', 'custom_openai/Codestral-22B-v0.1'],
    ]);
    expect(issuesOf({ ...vllm, family: 'claude_3', identifier: 'anthropic/claude-3-5-sonnet', platform: 'bedrock' }, 'identifier')).toEqual([
      ['error', 'Model identifier for Amazon Bedrock must start with "bedrock/", not "anthropic/": bedrock/<model id>.', 'bedrock/claude-3-5-sonnet'],
    ]);
    expect(issuesOf({ ...vllm, family: 'gpt', identifier: 'gpt-4o', platform: 'azure-openai' }, 'identifier')).toEqual([
      ['error', 'Model identifier for Azure OpenAI must start with "azure/": azure/<deployment>.', 'azure/gpt-4o'],
    ]);
  });

  it("puts the prefix in front of a served name that contains a slash (vLLM's default served name)", () => {
    expect(issuesOf({ ...vllm, identifier: 'mistralai/Codestral-22B-v0.1' }, 'identifier')).toEqual([
      [
        'error',
        'Model identifier for vLLM on this host must start with "custom_openai/": custom_openai/<served model name>.',
        'custom_openai/mistralai/Codestral-22B-v0.1',
      ],
    ]);
  });

  it('needs a name after the prefix', () => {
    expect(issuesOf({ ...vllm, identifier: 'custom_openai/' }, 'identifier')).toEqual([
      ['error', 'Model identifier needs a name after "custom_openai/": custom_openai/<served model name>.', undefined],
    ]);
  });

  it('is at most 255 characters', () => {
    expect(issuesOf({ ...vllm, identifier: `custom_openai/${'m'.repeat(242)}` }, 'identifier')).toEqual([
      ['error', 'Model identifier is 256 characters long; GitLab accepts at most 255.', undefined],
    ]);
  });

  it('accepts the Bedrock ARN form', () => {
    const draft = { ...vllm, family: 'claude_3', endpoint: '', identifier: 'bedrock/converse/arn:aws:bedrock:us-east-1:123456789012:inference-profile/x', platform: 'bedrock' };
    expect(validateDeployment(draft, context).issues).toEqual([]);
  });

  it('warns when an OpenAI-compatible identifier routes to Bedrock or Azure', () => {
    const draft = { ...vllm, endpoint: 'https://llm.internal/v1', platform: 'openai-compatible' };
    expect(issuesOf({ ...draft, identifier: 'bedrock/mistral.mistral-large' }, 'identifier')).toEqual([
      [
        'warning',
        'The prefix "bedrock/" sends requests to Amazon Bedrock, not to this endpoint; choose the platform Amazon Bedrock, or use custom_openai/<model name>.',
        undefined,
      ],
    ]);
    expect(issuesOf({ ...draft, identifier: 'azure/gpt-4o' }, 'identifier')).toEqual([
      ['warning', 'The prefix "azure/" sends requests to Azure OpenAI, not to this endpoint; choose the platform Azure OpenAI, or use custom_openai/<model name>.', undefined],
    ]);
    expect(issuesOf({ ...draft, identifier: 'Mistral-7B' }, 'identifier')).toEqual([]);
  });
});

describe('validateDeployment: result shape', () => {
  it('lists issues in form order and groups them by field', () => {
    const result = validateDeployment({ platform: 'vllm-local', identifier: 'x/y', endpoint: 'gpu', family: '', name: '' }, context);
    expect(result.ok).toBe(false);
    expect(result.deployment).toBeNull();
    expect(result.issues.map((i) => i.field)).toEqual(['name', 'family', 'endpoint', 'identifier']);
    const grouped = issuesByField(result.issues);
    expect(Object.keys(grouped)).toEqual(['name', 'family', 'endpoint', 'identifier']);
    expect(grouped.name?.[0]?.message).toBe('Deployment name is required.');
  });
});

import { describe, expect, it } from 'vitest';
import { type RequestedModel, displayEndpoint, normalizeEndpoint, resolveRoute, splitIdentifier } from '../../../../electron/gateway/routing/resolve-route';
import type { GatewayConfig, GatewayDeployment } from '../../../../electron/shared/gateway/config';

const FAMILIES: ReadonlySet<string> = new Set(['codestral', 'mistral', 'llama3', 'gpt', 'claude_3']);

function deployment(overrides: Partial<GatewayDeployment> & Pick<GatewayDeployment, 'name'>): GatewayDeployment {
  return { family: 'codestral', platform: 'vllm-remote', endpoint: null, identifier: null, apiKey: null, timeoutMs: 60_000, ...overrides };
}

const codestral = deployment({ name: 'codestral', endpoint: 'http://gpu-1.internal:8000/v1', identifier: 'custom_openai/Codestral-22B', apiKey: 'registry-key-1' });
const mistral = deployment({ name: 'mistral', family: 'mistral', endpoint: 'http://gpu-1.internal:8000/v1', identifier: 'custom_openai/Mistral-7B' });
const llama = deployment({ name: 'llama', family: 'llama3', endpoint: 'https://llm.internal/v1', identifier: 'custom_openai/Llama-3.1-70B' });
const claude = deployment({ name: 'claude', family: 'claude_3', platform: 'bedrock', identifier: 'bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0' });
const azure = deployment({ name: 'gpt-azure', family: 'gpt', platform: 'azure-openai', endpoint: 'https://contoso.openai.azure.com', identifier: 'azure/gpt-4o-prod', apiKey: 'azure-key' });
const unnamed = deployment({ name: 'unnamed', endpoint: 'http://gpu-2.internal:8000/v1', identifier: null });

function config(deployments: GatewayDeployment[], features: Record<string, string | null> = {}): Pick<GatewayConfig, 'deployments' | 'features'> {
  return { deployments, features };
}

const all = config([codestral, mistral, llama, claude, azure, unnamed]);

function requested(overrides: Partial<RequestedModel>): RequestedModel {
  return { provider: null, family: null, endpoint: null, apiKey: null, identifier: null, ...overrides };
}

describe('splitIdentifier', () => {
  it('splits on the first slash and lower-cases the provider only', () => {
    expect(splitIdentifier('custom_openai/Mixtral-8x7B')).toEqual({ provider: 'custom_openai', model: 'Mixtral-8x7B' });
    expect(splitIdentifier('Bedrock/anthropic.claude-3')).toEqual({ provider: 'bedrock', model: 'anthropic.claude-3' });
    expect(splitIdentifier('custom_openai/org/Model-7B')).toEqual({ provider: 'custom_openai', model: 'org/Model-7B' });
  });

  it('treats an identifier without a slash as a custom_openai model', () => {
    expect(splitIdentifier('Mixtral')).toEqual({ provider: 'custom_openai', model: 'Mixtral' });
  });
});

describe('normalizeEndpoint', () => {
  it('gives two spellings of one server the same form', () => {
    const canonical = 'http://gpu-1.internal:8000/v1';
    expect(normalizeEndpoint('HTTP://GPU-1.Internal:8000/v1')).toBe(canonical);
    expect(normalizeEndpoint('http://gpu-1.internal:8000/v1/')).toBe(canonical);
    expect(normalizeEndpoint('http://gpu-1.internal:8000/v1///')).toBe(canonical);
    expect(normalizeEndpoint('  http://gpu-1.internal:8000/v1  ')).toBe(canonical);
  });

  it('drops the default port of the scheme, and only that one', () => {
    expect(normalizeEndpoint('http://host:80/v1')).toBe('http://host/v1');
    expect(normalizeEndpoint('https://host:443/v1')).toBe('https://host/v1');
    expect(normalizeEndpoint('https://host:80/v1')).toBe('https://host:80/v1');
    expect(normalizeEndpoint('http://host:443/v1')).toBe('http://host:443/v1');
  });

  it('keeps the path case (paths are case-sensitive) and drops a root slash', () => {
    expect(normalizeEndpoint('http://host/V1')).toBe('http://host/V1');
    expect(normalizeEndpoint('http://host/')).toBe('http://host');
  });

  it('drops user info', () => {
    expect(normalizeEndpoint('http://user:secret@host:8000/v1')).toBe('http://host:8000/v1');
  });

  it('keeps IPv6 literals in brackets', () => {
    expect(normalizeEndpoint('http://[FD00::1]:8000/v1/')).toBe('http://[fd00::1]:8000/v1');
  });

  it('refuses what is not an http(s) URL', () => {
    expect(normalizeEndpoint('ftp://host/v1')).toBeNull();
    expect(normalizeEndpoint('file:///etc/passwd')).toBeNull();
    expect(normalizeEndpoint('unix:/run/vllm.sock')).toBeNull();
    expect(normalizeEndpoint('not a url')).toBeNull();
    expect(normalizeEndpoint('')).toBeNull();
  });
});

describe('displayEndpoint', () => {
  it('shows scheme, host, port and path, never user info, query or fragment', () => {
    const shown = displayEndpoint('https://admin:hunter2@llm.example:8443/v1?api_key=sk-canary#frag');
    expect(shown).toBe('https://llm.example:8443/v1');
    expect(shown).not.toContain('hunter2');
    expect(shown).not.toContain('sk-canary');
  });

  it('caps the length at 255 characters', () => {
    expect(displayEndpoint(`http://host/${'a'.repeat(1000)}`)).toHaveLength(255);
  });

  it('says so for what is not a URL, without echoing it', () => {
    expect(displayEndpoint('sk-canary not a url')).toBe('(not a URL)');
  });
});

describe('resolveRoute by the request\'s model metadata', () => {
  it('routes to the deployment registered at the endpoint, asking for the requested model', () => {
    const result = resolveRoute(all, requested({ endpoint: 'http://gpu-1.internal:8000/v1', identifier: 'custom_openai/Codestral-22B' }), 'code_completions', FAMILIES);
    expect(result).toEqual({ ok: true, target: { deployment: codestral, model: 'Codestral-22B', apiKey: 'registry-key-1' }, family: 'codestral' });
  });

  it('matches another spelling of the registered endpoint', () => {
    const result = resolveRoute(all, requested({ endpoint: 'HTTP://user:pw@GPU-1.internal:8000/v1/', identifier: 'custom_openai/Codestral-22B' }), null, FAMILIES);
    expect(result).toMatchObject({ ok: true, target: { deployment: { name: 'codestral' } } });
  });

  it('picks, of several deployments on one endpoint, the one registered for the requested model', () => {
    const first = resolveRoute(all, requested({ endpoint: 'http://gpu-1.internal:8000/v1', identifier: 'custom_openai/Mistral-7B' }), null, FAMILIES);
    expect(first).toMatchObject({ ok: true, target: { deployment: { name: 'mistral' }, model: 'Mistral-7B' }, family: 'mistral' });
    // Registration order must not decide it.
    const reversed = resolveRoute(config([mistral, codestral]), requested({ endpoint: 'http://gpu-1.internal:8000/v1', identifier: 'custom_openai/Codestral-22B' }), null, FAMILIES);
    expect(reversed).toMatchObject({ ok: true, target: { deployment: { name: 'codestral' }, model: 'Codestral-22B' } });
  });

  it('asks the endpoint\'s first deployment for a model none of them is registered for, by the requested name', () => {
    const result = resolveRoute(all, requested({ endpoint: 'http://gpu-1.internal:8000/v1', identifier: 'custom_openai/Other-Model' }), null, FAMILIES);
    expect(result).toMatchObject({ ok: true, target: { deployment: { name: 'codestral' }, model: 'Other-Model' } });
  });

  it('asks for the registered model when the request names an endpoint but no identifier', () => {
    const result = resolveRoute(all, requested({ endpoint: 'https://llm.internal/v1' }), null, FAMILIES);
    expect(result).toMatchObject({ ok: true, target: { deployment: { name: 'llama' }, model: 'Llama-3.1-70B' } });
  });

  it('answers 400 when neither the request nor the registry names a model', () => {
    const result = resolveRoute(all, requested({ endpoint: 'http://gpu-2.internal:8000/v1' }), null, FAMILIES);
    expect(result).toMatchObject({ ok: false, status: 400 });
    expect(!result.ok && result.detail).toContain('"unnamed"');
  });

  it('presents the request\'s API key over the registry\'s, and the registry\'s when the request has none', () => {
    const metadata = { endpoint: 'http://gpu-1.internal:8000/v1', identifier: 'custom_openai/Codestral-22B' };
    expect(resolveRoute(all, requested({ ...metadata, apiKey: ' request-key ' }), null, FAMILIES)).toMatchObject({ ok: true, target: { apiKey: 'request-key' } });
    expect(resolveRoute(all, requested({ ...metadata, apiKey: '   ' }), null, FAMILIES)).toMatchObject({ ok: true, target: { apiKey: 'registry-key-1' } });
    expect(resolveRoute(all, requested({ endpoint: 'https://llm.internal/v1' }), null, FAMILIES)).toMatchObject({ ok: true, target: { apiKey: null } });
  });

  it('takes the family from the request only when Airlock knows it', () => {
    const metadata = { endpoint: 'http://gpu-1.internal:8000/v1', identifier: 'custom_openai/Codestral-22B' };
    expect(resolveRoute(all, requested({ ...metadata, family: 'mistral' }), null, FAMILIES)).toMatchObject({ ok: true, family: 'mistral' });
    expect(resolveRoute(all, requested({ ...metadata, family: 'no-such-family' }), null, FAMILIES)).toMatchObject({ ok: true, family: 'codestral' });
    expect(resolveRoute(all, requested({ ...metadata, family: '' }), null, FAMILIES)).toMatchObject({ ok: true, family: 'codestral' });
  });

  it('routes Bedrock by the registered identifier, whatever endpoint the request names', () => {
    const result = resolveRoute(
      all,
      requested({ endpoint: 'https://attacker.example/v1', identifier: 'bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0' }),
      null,
      FAMILIES,
    );
    expect(result).toEqual({ ok: true, target: { deployment: claude, model: 'anthropic.claude-3-5-sonnet-20240620-v1:0', apiKey: null }, family: 'claude_3' });
    expect(resolveRoute(all, requested({ identifier: 'bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0' }), null, FAMILIES)).toMatchObject({ ok: true });
  });

  it('refuses an unregistered Bedrock model with 403', () => {
    const result = resolveRoute(all, requested({ identifier: 'bedrock/meta.llama3-70b' }), null, FAMILIES);
    expect(result).toMatchObject({ ok: false, status: 403 });
    expect(!result.ok && result.detail).toContain('bedrock/meta.llama3-70b');
  });

  it('does not route a Bedrock identifier to a deployment of another platform that carries it', () => {
    const impostor = deployment({ name: 'impostor', platform: 'vllm-remote', endpoint: 'http://gpu-3/v1', identifier: 'bedrock/meta.llama3-70b' });
    expect(resolveRoute(config([impostor]), requested({ identifier: 'bedrock/meta.llama3-70b' }), null, FAMILIES)).toMatchObject({ ok: false, status: 403 });
  });

  it('routes Azure OpenAI by its endpoint, asking for the Azure deployment named by the identifier', () => {
    const result = resolveRoute(all, requested({ endpoint: 'https://contoso.openai.azure.com/', identifier: 'azure/gpt-4o-prod' }), null, FAMILIES);
    expect(result).toEqual({ ok: true, target: { deployment: azure, model: 'gpt-4o-prod', apiKey: 'azure-key' }, family: 'gpt' });
  });

  it('refuses an unregistered endpoint with 403, showing it without credentials or query', () => {
    const result = resolveRoute(all, requested({ endpoint: 'http://admin:hunter2@169.254.169.254/latest?x=sk-canary', identifier: 'custom_openai/x' }), null, FAMILIES);
    expect(result).toMatchObject({ ok: false, status: 403 });
    const detail = result.ok ? '' : result.detail;
    expect(detail).toContain('http://169.254.169.254/latest');
    expect(detail).not.toContain('hunter2');
    expect(detail).not.toContain('sk-canary');
  });

  it('refuses an endpoint that is not http(s) with 403, even when a registered endpoint has the same host and path', () => {
    const result = resolveRoute(all, requested({ endpoint: 'ftp://gpu-1.internal:8000/v1', identifier: 'custom_openai/Codestral-22B' }), null, FAMILIES);
    expect(result).toMatchObject({ ok: false, status: 403 });
  });

  it('does not match another path or port on a registered host', () => {
    expect(resolveRoute(all, requested({ endpoint: 'http://gpu-1.internal:8000/v2' }), null, FAMILIES)).toMatchObject({ ok: false, status: 403 });
    expect(resolveRoute(all, requested({ endpoint: 'http://gpu-1.internal:8001/v1' }), null, FAMILIES)).toMatchObject({ ok: false, status: 403 });
  });

  it('answers 400 for an identifier without an endpoint (other than Bedrock)', () => {
    const result = resolveRoute(all, requested({ identifier: 'custom_openai/Codestral-22B' }), 'code_completions', FAMILIES);
    expect(result).toMatchObject({ ok: false, status: 400 });
    expect(!result.ok && result.detail).toContain('no endpoint');
  });

  it('uses the metadata rather than the feature mapping when the request carries some', () => {
    const mapped = config([codestral, llama], { code_completions: 'codestral' });
    const result = resolveRoute(mapped, requested({ endpoint: 'https://llm.internal/v1' }), 'code_completions', FAMILIES);
    expect(result).toMatchObject({ ok: true, target: { deployment: { name: 'llama' } } });
  });
});

describe('resolveRoute by the feature mapping', () => {
  const mapped = config([codestral, mistral, llama], { code_completions: 'codestral', duo_chat: 'llama', duo_chat_explain_code: 'mistral', code_generations: 'gone' });

  it('routes a request without metadata to the deployment its feature is mapped to', () => {
    expect(resolveRoute(mapped, null, 'code_completions', FAMILIES)).toEqual({ ok: true, target: { deployment: codestral, model: 'Codestral-22B', apiKey: 'registry-key-1' }, family: 'codestral' });
    // Blank metadata counts as none.
    expect(resolveRoute(mapped, requested({ endpoint: '  ', identifier: '' }), 'code_completions', FAMILIES)).toMatchObject({ ok: true, target: { deployment: { name: 'codestral' } } });
  });

  it('gives a duo_chat_* sub-feature without its own mapping General Chat\'s deployment', () => {
    expect(resolveRoute(mapped, null, 'duo_chat_write_tests', FAMILIES)).toMatchObject({ ok: true, target: { deployment: { name: 'llama' } } });
    // A sub-feature with its own mapping keeps it.
    expect(resolveRoute(mapped, null, 'duo_chat_explain_code', FAMILIES)).toMatchObject({ ok: true, target: { deployment: { name: 'mistral' } } });
  });

  it('keeps a sub-feature that is explicitly disabled (null) disabled, without falling back', () => {
    const disabled = config([codestral, llama], { duo_chat: 'llama', duo_chat_write_tests: null });
    expect(resolveRoute(disabled, null, 'duo_chat_write_tests', FAMILIES)).toMatchObject({ ok: false, status: 400 });
    expect(resolveRoute(disabled, null, 'duo_chat_fix_code', FAMILIES)).toMatchObject({ ok: true, target: { deployment: { name: 'llama' } } });
  });

  it('does not give other unmapped features General Chat\'s deployment', () => {
    const result = resolveRoute(mapped, null, 'generate_commit_message', FAMILIES);
    expect(result).toMatchObject({ ok: false, status: 400 });
    expect(!result.ok && result.detail).toContain('generate_commit_message');
  });

  it('answers 400 for an unmapped feature, and for an endpoint without a feature', () => {
    expect(resolveRoute(config([codestral]), null, 'duo_chat_write_tests', FAMILIES)).toMatchObject({ ok: false, status: 400 });
    const none = resolveRoute(mapped, null, null, FAMILIES);
    expect(none).toMatchObject({ ok: false, status: 400 });
    expect(!none.ok && none.detail).toContain('no feature');
  });

  it('answers 400 naming the deployment when the feature is mapped to one no longer registered', () => {
    const result = resolveRoute(mapped, null, 'code_generations', FAMILIES);
    expect(result).toMatchObject({ ok: false, status: 400 });
    expect(!result.ok && result.detail).toContain('"gone"');
  });

  it('keeps the request\'s API key and known family on a mapped route', () => {
    const result = resolveRoute(mapped, requested({ apiKey: 'request-key', family: 'mistral' }), 'code_completions', FAMILIES);
    expect(result).toMatchObject({ ok: true, target: { deployment: { name: 'codestral' }, apiKey: 'request-key' }, family: 'mistral' });
  });
});

/**
 * A deployment: one self-hosted model registration, with the fields of GitLab's "Add self-hosted
 * model" form (gitlab-ai-gateway.md §5.2) plus the platform that serves it. Pure: the form, the
 * CLI and the core all validate with `validateDeployment`, so every surface shows the same words.
 *
 * Messages never contain the API key, and never the endpoint when it may carry credentials.
 */
import { type Catalog, type CatalogFamily, gitlabFamilyIds } from '../fit/catalog-schema';
import { z } from '../zod';

/** Where a deployment is served: vLLM here or elsewhere, a cloud provider, or any OpenAI-compatible server (§9). */
export const deploymentPlatforms = ['vllm-local', 'vllm-remote', 'bedrock', 'azure-openai', 'openai-compatible'] as const;

/** Schema of a platform id. */
export const deploymentPlatformSchema = z.enum(deploymentPlatforms);

/** One platform id. */
export type DeploymentPlatform = (typeof deploymentPlatforms)[number];

/** How each platform is named in messages. */
export const platformLabels: Readonly<Record<DeploymentPlatform, string>> = {
  'vllm-local': 'vLLM on this host',
  'vllm-remote': 'vLLM on another host',
  bedrock: 'Amazon Bedrock',
  'azure-openai': 'Azure OpenAI',
  'openai-compatible': 'another OpenAI-compatible server',
};

// Length limits: endpoint 255 and api_key 2000 from the gateway's ModelMetadata, identifier 255
// from the Rails validation (§2.3). The deployment name has no documented limit; 255 is the Rails
// string column default [I].
/** Longest deployment name accepted. */
export const MAX_NAME_LENGTH = 255;
/** Longest endpoint URL GitLab's gateway accepts (§2.3). */
export const MAX_ENDPOINT_LENGTH = 255;
/** Longest API key GitLab's gateway accepts (§2.3). */
export const MAX_API_KEY_LENGTH = 2000;
/** Longest model identifier Rails accepts (§2.3). */
export const MAX_IDENTIFIER_LENGTH = 255;
/** vLLM's default `--port` (§9: "https://<hostname>:8000/v1"). */
export const DEFAULT_VLLM_PORT = 8000;
/**
 * Longest a gateway request to a deployment may wait (seconds). GitLab lets its own side wait
 * 60–600 s (ai_gateway_timeout_seconds, §5.1); past 600 s GitLab has long given up.
 */
export const MAX_TIMEOUT_SECONDS = 600;
/** The gateway's default when a deployment sets none. */
export const DEFAULT_TIMEOUT_SECONDS = 60;

/** A validated deployment, as stored in the registry. `endpoint` is null only for Bedrock, which ignores it (§2.3). */
export const deploymentSchema = z.strictObject({
  name: z.string().min(1).max(MAX_NAME_LENGTH),
  family: z.enum(gitlabFamilyIds),
  endpoint: z.string().min(1).max(MAX_ENDPOINT_LENGTH).nullable(),
  apiKey: z.string().min(1).max(MAX_API_KEY_LENGTH).nullable(),
  identifier: z.string().min(1).max(MAX_IDENTIFIER_LENGTH).nullable(),
  platform: deploymentPlatformSchema,
  /** null: the gateway's default (DEFAULT_TIMEOUT_SECONDS). */
  timeoutSeconds: z.number().int().min(1).max(MAX_TIMEOUT_SECONDS).nullable(),
});

/** A validated deployment. */
export type Deployment = z.infer<typeof deploymentSchema>;

/** What a form or the CLI hands in: every field as typed, possibly missing or blank. */
export const deploymentDraftSchema = z.object({
  name: z.string().optional(),
  family: z.string().optional(),
  endpoint: z.string().nullable().optional(),
  apiKey: z.string().nullable().optional(),
  identifier: z.string().nullable().optional(),
  platform: z.string().optional(),
  /** Whole seconds, as a number or as typed; blank or null: the default. */
  timeoutSeconds: z.union([z.number(), z.string()]).nullable().optional(),
});

/** A deployment as typed, before validation. */
export type DeploymentDraft = z.infer<typeof deploymentDraftSchema>;

/** A field of the deployment form. */
export type DeploymentField = 'name' | 'family' | 'endpoint' | 'apiKey' | 'identifier' | 'platform' | 'timeoutSeconds';

/** One problem with one field; errors block saving, warnings do not. */
export interface DeploymentIssue {
  field: DeploymentField;
  severity: 'error' | 'warning';
  message: string;
  /** A corrected value for the field, offered as a one-click fix. */
  suggestion?: string;
}

/** What `validateDeployment` needs besides the draft. */
export interface DeploymentContext {
  catalog: Pick<Catalog, 'families'>;
  /** Names of the other deployments (leave out the one being edited). */
  existingNames: readonly string[];
  /** "Use beta self-hosted models features" is on, and with it the testing terms accepted (§5.1). */
  isBetaEnabled: boolean;
}

/** Result of `validateDeployment`: the normalised deployment when no issue is an error. */
export type DeploymentValidation =
  | { ok: true; deployment: Deployment; issues: DeploymentIssue[] }
  | { ok: false; deployment: null; issues: DeploymentIssue[] };

/** The identifier each platform needs (§2.3 "Resolving identifier", §9); null: optional, any prefix. */
interface IdentifierRule {
  prefix: string;
  format: string;
  example: string;
}

const identifierRules: Readonly<Record<DeploymentPlatform, IdentifierRule | null>> = {
  'vllm-local': { prefix: 'custom_openai/', format: 'custom_openai/<served model name>', example: 'custom_openai/Mixtral-8x7B-Instruct-v0.1' },
  'vllm-remote': { prefix: 'custom_openai/', format: 'custom_openai/<served model name>', example: 'custom_openai/Mixtral-8x7B-Instruct-v0.1' },
  bedrock: { prefix: 'bedrock/', format: 'bedrock/<model id>', example: 'bedrock/us.anthropic.claude-3-5-sonnet-20240620-v1:0' },
  'azure-openai': { prefix: 'azure/', format: 'azure/<deployment>', example: 'azure/gpt-4o' },
  'openai-compatible': null,
};

/** Example endpoint per platform, for "required" and "not a URL" messages; Bedrock needs none (§2.3). */
const endpointExamples: Readonly<Record<DeploymentPlatform, string | null>> = {
  'vllm-local': 'http://127.0.0.1:8000/v1',
  'vllm-remote': 'http://gpu-host:8000/v1',
  bedrock: null,
  'azure-openai': 'https://<resource>.openai.azure.com',
  'openai-compatible': 'https://llm.example.internal/v1',
};

/** LiteLLM provider prefixes GitLab documents for identifiers (§2.3, §5.2). */
const providerPrefixes: readonly string[] = ['custom_openai/', 'bedrock/', 'azure/', 'vertex_ai/', 'anthropic/', 'openai/'];

/** Identifier prefixes that route away from the endpoint, and the platform that matches them (§2.3 routing table). */
const foreignPrefixes: ReadonlyArray<{ prefix: string; platform: DeploymentPlatform }> = [
  { prefix: 'bedrock/', platform: 'bedrock' },
  { prefix: 'azure/', platform: 'azure-openai' },
];

const isVllm = (platform: DeploymentPlatform | null) => platform === 'vllm-local' || platform === 'vllm-remote';
const platformList = deploymentPlatforms.join(', ');
// eslint-disable-next-line no-control-regex -- the point is to find control characters
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/** An http(s) URL split into the parts the rules look at. */
interface ParsedUrl {
  scheme: string;
  hasCredentials: boolean;
  host: string;
  port: string | null;
  path: string;
  hasQuery: boolean;
  hasFragment: boolean;
}

// scheme://[userinfo@]host[:port][path][?query][#fragment] (RFC 3986 §3). Written out rather than
// `new URL()` so that electron/shared needs no DOM or Node typings, and so that nothing is silently
// normalised (WHATWG URL would turn "http://h:8000" into "http://h:8000/", "HTTP" into "http").
const URL_PATTERN = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(\?[^#]*)?(#.*)?$/;
const HOST_PORT_PATTERN = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~-]+)(?::(\d*))?$/;
const PATH_PATTERN = /^[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/;

/** Splits an absolute URL; null when it is not one. */
function parseUrl(text: string): ParsedUrl | null {
  const match = URL_PATTERN.exec(text);
  if (!match) return null;
  const [, scheme = '', authority = '', path = '', query, fragment] = match;
  const at = authority.lastIndexOf('@');
  const hostPort = at >= 0 ? authority.slice(at + 1) : authority;
  const hostMatch = HOST_PORT_PATTERN.exec(hostPort);
  if (!hostMatch || !PATH_PATTERN.test(path)) return null;
  const [, host = '', port] = hostMatch;
  if (port === '') return null;
  return {
    scheme: scheme.toLowerCase(),
    hasCredentials: at >= 0,
    host,
    port: port ?? null,
    path,
    hasQuery: query !== undefined,
    hasFragment: fragment !== undefined,
  };
}

/** Path without trailing slashes; "" for the root. */
const trimPath = (path: string) => path.replace(/\/+$/, '');

/** The endpoint with every problem this module knows how to fix fixed (credentials, query, port, `/v1`). */
function correctedEndpoint(url: ParsedUrl, platform: DeploymentPlatform | null): string {
  const addsDefaultPort = isVllm(platform) && url.scheme === 'http' && url.port === null;
  const port = addsDefaultPort ? String(DEFAULT_VLLM_PORT) : url.port;
  let path = trimPath(url.path);
  if (isVllm(platform) || platform === 'openai-compatible') {
    // ".../v1/chat/completions" pasted from a curl line: cut back to the API root.
    const v1 = path.indexOf('/v1/');
    path = path.endsWith('/v1') ? path : v1 >= 0 ? path.slice(0, v1 + 3) : `${path}/v1`;
  }
  return `${url.scheme}://${url.host}${port === null ? '' : `:${port}`}${path}`;
}

function validateName(raw: string | undefined, context: DeploymentContext, issues: DeploymentIssue[]): string {
  const name = (raw ?? '').trim();
  const error = (message: string) => issues.push({ field: 'name', severity: 'error', message });
  if (name === '') error('Deployment name is required.');
  else if (name.length > MAX_NAME_LENGTH) error(`Deployment name is ${name.length} characters long; the limit is ${MAX_NAME_LENGTH}.`);
  else if (CONTROL_CHARS.test(name)) error('Deployment name cannot contain line breaks or other control characters.');
  else {
    const clash = context.existingNames.find((other) => other.trim().toLowerCase() === name.toLowerCase());
    if (clash !== undefined) {
      error(`Deployment name "${name}" is already used by the deployment "${clash}"; names must be unique, ignoring case.`);
    }
  }
  return name;
}

function validatePlatform(raw: string | undefined, issues: DeploymentIssue[]): DeploymentPlatform | null {
  const text = (raw ?? '').trim();
  const parsed = deploymentPlatformSchema.safeParse(text);
  if (parsed.success) return parsed.data;
  const message = text === '' ? `Platform is required: one of ${platformList}.` : `Unknown platform "${text}"; expected one of ${platformList}.`;
  issues.push({ field: 'platform', severity: 'error', message });
  return null;
}

function validateFamily(
  raw: string | undefined,
  platform: DeploymentPlatform | null,
  context: DeploymentContext,
  issues: DeploymentIssue[],
): CatalogFamily | null {
  const id = (raw ?? '').trim();
  const error = (message: string) => issues.push({ field: 'family', severity: 'error', message });
  if (id === '') {
    error('Model family is required.');
    return null;
  }
  const family = context.catalog.families.find((f) => f.id === id);
  if (!family) {
    const selectable = context.catalog.families.filter((f) => context.isBetaEnabled || f.releaseState === 'ga').map((f) => f.id);
    const gated = context.isBetaEnabled ? [] : context.catalog.families.filter((f) => f.releaseState !== 'ga').map((f) => f.id);
    error(
      `Unknown model family "${id}"; choose one of: ${selectable.join(', ')}.` +
        (gated.length === 0 ? '' : ` Beta and experimental families (${gated.join(', ')}) need "Use beta self-hosted models features" on.`),
    );
    return null;
  }
  // Rails offers beta families only after the admin accepts the testing terms (§5.1, §7.4).
  if (family.releaseState !== 'ga' && !context.isBetaEnabled) {
    error(
      `Model family ${family.name} (${family.id}) is in beta: turn on "Use beta self-hosted models features" ` +
        'and accept the testing terms to use it.',
    );
    return null;
  }
  if (isVllm(platform) && !family.servable.includes('local')) {
    error(
      `Model family ${family.name} (${family.id}) is only offered through a provider's API, so vLLM cannot serve it; ` +
        `choose the platform ${platformLabels.bedrock}, ${platformLabels['azure-openai']} or ${platformLabels['openai-compatible']}.`,
    );
    return null;
  }
  return family;
}

function validateEndpoint(raw: string | null | undefined, platform: DeploymentPlatform | null, issues: DeploymentIssue[]): string | null {
  const text = (raw ?? '').trim();
  const push = (severity: DeploymentIssue['severity'], message: string, suggestion?: string) =>
    issues.push({ field: 'endpoint', severity, message, ...(suggestion === undefined ? {} : { suggestion }) });
  const example = platform === null ? null : endpointExamples[platform];

  if (text === '') {
    // Bedrock's endpoint is ignored by the gateway (§2.3 step 3), so it may stay empty.
    if (platform !== 'bedrock' && platform !== null) push('error', `Endpoint is required for ${platformLabels[platform]}, e.g. ${example}.`);
    return null;
  }
  if (text.length > MAX_ENDPOINT_LENGTH) {
    push('error', `Endpoint is ${text.length} characters long; GitLab accepts at most ${MAX_ENDPOINT_LENGTH}.`);
    return null;
  }
  const schemeMatch = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(text);
  if (!schemeMatch) {
    const guess = parseUrl(`http://${text}`);
    push('error', 'Endpoint must start with http:// or https://.', guess && !guess.hasCredentials ? correctedEndpoint(guess, platform) : undefined);
    return null;
  }
  const scheme = (schemeMatch[1] ?? '').toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') {
    push('error', `Endpoint must use http:// or https://, not ${scheme}://.`);
    return null;
  }
  const url = parseUrl(text);
  if (!url) {
    // The text is not echoed: it may hold a user name and password.
    push('error', `Endpoint is not a valid URL; expected http(s)://host[:port]/path${example === null ? '' : `, e.g. ${example}`}.`);
    return null;
  }

  const corrected = correctedEndpoint(url, platform);
  const before = issues.length;
  if (url.hasCredentials) push('error', 'Endpoint must not contain a user name or password; put the key in the API key field.', corrected);
  if (url.hasQuery) push('error', 'Endpoint must not contain a query string (?…): the API paths are appended to it.', corrected);
  if (url.hasFragment) push('error', 'Endpoint must not contain a fragment (#…).', corrected);
  if (url.port !== null && (Number(url.port) < 1 || Number(url.port) > 65535)) {
    push('error', `Endpoint port ${url.port} is out of range; use 1–65535.`);
  }
  const path = trimPath(url.path);
  const endsWithV1 = path.endsWith('/v1');
  if (isVllm(platform)) {
    // §9: "The URL must be suffixed with /v1"; the vLLM 404 of §5.4 is often a missing suffix.
    if (!endsWithV1) push('error', `A vLLM endpoint must end with /v1 (its path is "${path === '' ? '/' : path}"); use ${corrected}.`, corrected);
    // §9: the port may be left out only behind a proxy; plain http without one means port 80.
    if (url.scheme === 'http' && url.port === null) {
      push(
        'warning',
        `Endpoint has no port, so http:// goes to port 80, but vLLM listens on port ${DEFAULT_VLLM_PORT} by default; ` +
          `use ${corrected} unless a proxy listens on port 80.`,
        corrected,
      );
    }
  }
  if (platform === 'openai-compatible' && !endsWithV1) {
    push('warning', `OpenAI-compatible endpoints usually end with /v1 (GitLab's form asks for it); use ${corrected} if this server follows the OpenAI layout.`, corrected);
  }
  if (platform === 'bedrock') {
    push('warning', 'Amazon Bedrock ignores the endpoint: the gateway reaches Bedrock with the AWS credentials and region of its environment. You can leave it empty.', '');
  }
  const hasError = issues.slice(before).some((issue) => issue.severity === 'error');
  // Stored as typed, minus trailing slashes (GitLab's gateway strips them too, §2.3 step 3).
  return hasError ? null : `${url.scheme}://${url.host}${url.port === null ? '' : `:${url.port}`}${path}`;
}

function validateApiKey(raw: string | null | undefined, issues: DeploymentIssue[]): string | null {
  // Surrounding whitespace is a paste artefact (a trailing newline); it is dropped, not reported.
  const key = (raw ?? '').trim();
  if (key === '') return null;
  if (key.length > MAX_API_KEY_LENGTH) {
    issues.push({ field: 'apiKey', severity: 'error', message: `API key is ${key.length} characters long; GitLab accepts at most ${MAX_API_KEY_LENGTH}.` });
  } else if (/\s/.test(key) || CONTROL_CHARS.test(key)) {
    issues.push({ field: 'apiKey', severity: 'error', message: 'API key contains spaces or line breaks; paste the key alone.' });
  }
  return key;
}

function validateIdentifier(raw: string | null | undefined, platform: DeploymentPlatform | null, issues: DeploymentIssue[]): string | null {
  const identifier = (raw ?? '').trim();
  const push = (severity: DeploymentIssue['severity'], message: string, suggestion?: string) =>
    issues.push({ field: 'identifier', severity, message, ...(suggestion === undefined ? {} : { suggestion }) });
  if (identifier.length > MAX_IDENTIFIER_LENGTH) {
    push('error', `Model identifier is ${identifier.length} characters long; GitLab accepts at most ${MAX_IDENTIFIER_LENGTH}.`);
    return identifier;
  }
  if (platform === null) return identifier === '' ? null : identifier;
  const rule = identifierRules[platform];
  const label = platformLabels[platform];
  if (rule === null) {
    // Optional; no prefix means custom_openai (§2.3 step 2). A Bedrock or Azure prefix would send
    // the requests away from this endpoint.
    const foreign = foreignPrefixes.find((f) => identifier.startsWith(f.prefix));
    if (foreign) {
      push(
        'warning',
        `The prefix "${foreign.prefix}" sends requests to ${platformLabels[foreign.platform]}, not to this endpoint; ` +
          `choose the platform ${platformLabels[foreign.platform]}, or use custom_openai/<model name>.`,
      );
    }
    return identifier === '' ? null : identifier;
  }
  if (identifier === '') {
    push('error', `Model identifier is required for ${label}: ${rule.format}, e.g. ${rule.example}.`);
    return null;
  }
  if (!identifier.startsWith(rule.prefix)) {
    // Another provider's prefix is replaced; anything else ("mistralai/Mistral-7B", vLLM's default
    // served name) is the model name itself and gets the prefix in front.
    const slash = identifier.indexOf('/');
    const otherPrefix = slash >= 0 && providerPrefixes.includes(identifier.slice(0, slash + 1)) ? identifier.slice(0, slash + 1) : null;
    const rest = otherPrefix === null ? identifier : identifier.slice(otherPrefix.length);
    const found = otherPrefix === null ? '' : `, not "${otherPrefix}"`;
    push('error', `Model identifier for ${label} must start with "${rule.prefix}"${found}: ${rule.format}.`, rest === '' ? undefined : `${rule.prefix}${rest}`);
    return identifier;
  }
  if (identifier.length === rule.prefix.length) {
    push('error', `Model identifier needs a name after "${rule.prefix}": ${rule.format}.`);
  }
  return identifier;
}

function validateTimeout(raw: number | string | null | undefined, issues: DeploymentIssue[]): number | null {
  const text = typeof raw === 'number' ? String(raw) : (raw ?? '').trim();
  if (text === '') return null;
  const seconds = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(seconds) || seconds < 1 || seconds > MAX_TIMEOUT_SECONDS) {
    issues.push({
      field: 'timeoutSeconds',
      severity: 'error',
      message: `Timeout must be a whole number of seconds from 1 to ${MAX_TIMEOUT_SECONDS}, or empty for the default (${DEFAULT_TIMEOUT_SECONDS} s).`,
    });
    return null;
  }
  return seconds;
}

/**
 * Validates a deployment as typed into GitLab's form (§5.2) or `airlock models add`: one issue per
 * problem, with the exact message to show under the field and, where one exists, a corrected value.
 * Checks needing the network (DNS, TLS, `/v1/models`) belong to the connection test, not here.
 */
export function validateDeployment(input: DeploymentDraft, context: DeploymentContext): DeploymentValidation {
  const issues: DeploymentIssue[] = [];
  const name = validateName(input.name, context, issues);
  const platform = validatePlatform(input.platform, issues);
  const family = validateFamily(input.family, platform, context, issues);
  const endpoint = validateEndpoint(input.endpoint, platform, issues);
  const apiKey = validateApiKey(input.apiKey, issues);
  const identifier = validateIdentifier(input.identifier, platform, issues);
  const timeoutSeconds = validateTimeout(input.timeoutSeconds, issues);

  const fieldOrder: DeploymentField[] = ['name', 'family', 'endpoint', 'apiKey', 'identifier', 'platform', 'timeoutSeconds'];
  issues.sort((a, b) => fieldOrder.indexOf(a.field) - fieldOrder.indexOf(b.field));
  if (issues.some((issue) => issue.severity === 'error') || platform === null || family === null) {
    return { ok: false, deployment: null, issues };
  }
  return { ok: true, deployment: { name, family: family.id, endpoint, apiKey, identifier, platform, timeoutSeconds }, issues };
}

/** Groups issues by field, for a form that shows messages under each input. */
export function issuesByField(issues: readonly DeploymentIssue[]): Partial<Record<DeploymentField, DeploymentIssue[]>> {
  const out: Partial<Record<DeploymentField, DeploymentIssue[]>> = {};
  for (const issue of issues) (out[issue.field] ??= []).push(issue);
  return out;
}

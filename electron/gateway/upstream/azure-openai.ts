/**
 * Azure OpenAI (identifier `azure/<deployment>`, gitlab-ai-gateway.md §9): OpenAI's wire format
 * behind deployment-scoped paths, so this is only a dialect of openai-compatible.ts, which does
 * the calling, streaming, timeouts and cancellation.
 *
 * - Endpoint: `https://<resource>.openai.azure.com`, also accepted with a trailing `/openai` or
 *   trailing slashes.
 * - Path: `/openai/deployments/<deployment>/chat/completions?api-version=2024-10-21` (and
 *   `/completions`), the deployment being the target's model.
 * - Key: an `api-key` header, never Authorization.
 * - The body carries no `model` (the path names the deployment).
 */
import { createOpenAiWireAdapter, type OpenAiCompatibleDeps, type OpenAiDialect, parseEndpoint } from './openai-compatible';
import { type UpstreamAdapter, UpstreamError } from './types';

/** The GA data-plane API version used (Azure OpenAI REST reference, "2024-10-21"); it takes `stream_options`. */
export const AZURE_API_VERSION = '2024-10-21';

/** Azure's deployment-scoped addressing and `api-key` header. */
export const azureDialect: OpenAiDialect = {
  locate(target, path) {
    const { origin, basePath } = parseEndpoint(target.deployment.endpoint, target.deployment.name);
    if (target.model === '') throw new UpstreamError('connect', `${target.deployment.name} names no Azure deployment (identifier azure/<deployment>)`);
    const base = basePath.replace(/\/openai$/i, '');
    return { origin, path: `${base}/openai/deployments/${encodeURIComponent(target.model)}/${path}?api-version=${AZURE_API_VERSION}` };
  },
  authHeaders(apiKey): Record<string, string> {
    return apiKey ? { 'api-key': apiKey } : {};
  },
  sendsModel: false,
};

/** The adapter for Azure OpenAI deployments. */
export function createAzureOpenAiAdapter(deps: OpenAiCompatibleDeps): Required<UpstreamAdapter> {
  return createOpenAiWireAdapter(deps, azureDialect);
}

/**
 * Which registered deployment answers a request. GitLab sends the model's details with every
 * request (gitlab-ai-gateway.md §2.3); Airlock routes only to deployments in its registry, so a
 * request naming any other endpoint is refused before a connection is even considered (no SSRF).
 * Pure: the route handlers call it with the current configuration.
 */
import type { GatewayConfig, GatewayDeployment } from '../../shared/gateway/config';
import type { UpstreamTarget } from '../upstream/types';

/** The model details a request carried (Shape A flat fields or Shape B `model_metadata`). */
export interface RequestedModel {
  /** GitLab's `provider` / `model_provider`: any string is accepted and ignored for routing (§2.3). */
  provider: string | null;
  /** The model family (`name` / `model_name`). */
  family: string | null;
  endpoint: string | null;
  apiKey: string | null;
  identifier: string | null;
}

export type RouteResult =
  | { ok: true; target: UpstreamTarget; family: string }
  | { ok: false; status: 400 | 403; detail: string };

/** `custom_openai/Mixtral` → provider `custom_openai`, model `Mixtral`; no `/` → custom_openai (§2.3 step 1–2). */
export function splitIdentifier(identifier: string): { provider: string; model: string } {
  const slash = identifier.indexOf('/');
  if (slash < 0) return { provider: 'custom_openai', model: identifier };
  return { provider: identifier.slice(0, slash).toLowerCase(), model: identifier.slice(slash + 1) };
}

const DEFAULT_PORTS: Readonly<Record<string, string>> = { 'http:': '80', 'https:': '443' };

/**
 * An endpoint in the one form two spellings of the same server share: lower-case scheme and host,
 * default port dropped, no trailing slash, no user info. null when it is not an http(s) URL.
 */
export function normalizeEndpoint(endpoint: string): string | null {
  let url: URL;
  try {
    url = new URL(endpoint.trim());
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  const port = url.port === '' || url.port === DEFAULT_PORTS[url.protocol] ? '' : `:${url.port}`;
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.protocol}//${url.hostname.toLowerCase()}${port}${path}`;
}

/** An endpoint as it may be shown in an error: without user info, query or fragment, at most 255 characters. */
export function displayEndpoint(endpoint: string): string {
  try {
    const url = new URL(endpoint.trim());
    return `${url.protocol}//${url.host}${url.pathname}`.slice(0, 255);
  } catch {
    return '(not a URL)';
  }
}

const nonEmpty = (value: string | null | undefined): string | null => (typeof value === 'string' && value.trim() !== '' ? value.trim() : null);

/** The model name a deployment is asked for when the request names none: its registered identifier's model. */
function registeredModel(deployment: GatewayDeployment): string | null {
  return deployment.identifier ? splitIdentifier(deployment.identifier).model : null;
}

function target(deployment: GatewayDeployment, model: string | null, requested: RequestedModel | null, familyIds: ReadonlySet<string>): RouteResult {
  const modelName = model ?? registeredModel(deployment);
  if (!modelName) {
    return { ok: false, status: 400, detail: `The deployment "${deployment.name}" has no model identifier and the request named no model; set its identifier in Airlock.` };
  }
  const requestedFamily = nonEmpty(requested?.family);
  // GitLab's admin picked the family per model; a family Airlock does not know falls back to the registry's.
  const family = requestedFamily && familyIds.has(requestedFamily) ? requestedFamily : deployment.family;
  return { ok: true, target: { deployment, model: modelName, apiKey: nonEmpty(requested?.apiKey) ?? deployment.apiKey }, family };
}

/**
 * Finds the deployment for a request: by the model details it carries when it carries any
 * (the endpoint must be registered; Bedrock matches on the identifier, §2.3 step 3), else by the
 * feature mapping. `familyIds` are the families Airlock has templates for.
 */
export function resolveRoute(
  config: Pick<GatewayConfig, 'deployments' | 'features'>,
  requested: RequestedModel | null,
  featureId: string | null,
  familyIds: ReadonlySet<string>,
): RouteResult {
  const endpoint = nonEmpty(requested?.endpoint);
  const identifier = nonEmpty(requested?.identifier);

  if (endpoint === null && identifier === null) {
    // Chat sub-features without a setting of their own use General Chat's, as in GitLab (§5.2);
    // one set to null is disabled and stays so.
    const own = featureId ? config.features[featureId] : undefined;
    const name = own !== undefined ? own : featureId?.startsWith('duo_chat_') ? config.features.duo_chat : undefined;
    if (!name) {
      const what = featureId ? `The feature ${featureId} is not mapped to a deployment in Airlock` : 'This endpoint has no feature to map';
      return { ok: false, status: 400, detail: `${what}, and the request named no model. Map the feature on Airlock's AI features page, or send model_metadata.` };
    }
    const deployment = config.deployments.find((d) => d.name === name);
    if (!deployment) return { ok: false, status: 400, detail: `The feature ${featureId} is mapped to the deployment "${name}", which is not registered any more.` };
    return target(deployment, null, requested, familyIds);
  }

  const split = identifier ? splitIdentifier(identifier) : null;
  if (split?.provider === 'bedrock') {
    // Bedrock ignores the endpoint (§2.3 step 3): the registered identifier is what must match.
    const deployment = config.deployments.find((d) => d.platform === 'bedrock' && d.identifier === identifier);
    if (!deployment) return { ok: false, status: 403, detail: `The model ${identifier!.slice(0, 255)} is not registered in Airlock; register the Bedrock deployment first.` };
    return target(deployment, split.model, requested, familyIds);
  }

  if (endpoint === null) {
    return { ok: false, status: 400, detail: 'The request names a model identifier but no endpoint; GitLab sends both for self-hosted models.' };
  }
  const normalized = normalizeEndpoint(endpoint);
  const matches = normalized === null ? [] : config.deployments.filter((d) => d.endpoint !== null && normalizeEndpoint(d.endpoint) === normalized);
  if (matches.length === 0) {
    return {
      ok: false,
      status: 403,
      detail: `The model endpoint ${displayEndpoint(endpoint)} is not registered in Airlock; the gateway only calls registered deployments. Register it on the Models page or with "airlock models add".`,
    };
  }
  // One server may serve several models: prefer the deployment registered for the requested one.
  const model = split?.model ?? null;
  const exact = model === null ? undefined : matches.find((d) => d.identifier !== null && splitIdentifier(d.identifier).model === model);
  return target(exact ?? matches[0]!, model, requested, familyIds);
}

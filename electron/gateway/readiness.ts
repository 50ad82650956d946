/**
 * `/monitoring/ready`'s check of one deployment: its model list answers with the registered key
 * (OpenAI-compatible servers and Azure), through the egress gate like every other call. Bedrock has
 * no call that is free and side-effect-less, so it is reported as not probed rather than guessed.
 */
import type { Dispatcher } from 'undici';
import type { GatewayDeployment } from '../shared/gateway/config';

const AZURE_API_VERSION = '2024-10-21';

/** Probes one deployment; never throws, never reveals the key. */
export function createReadinessProbe(agent: Dispatcher) {
  return async (deployment: GatewayDeployment, signal: AbortSignal): Promise<{ ok: boolean; detail: string }> => {
    if (deployment.platform === 'bedrock' || !deployment.endpoint) return { ok: true, detail: 'not probed (Bedrock has no free readiness call)' };
    const base = deployment.endpoint.replace(/\/+$/, '');
    const isAzure = deployment.platform === 'azure-openai';
    const url = new URL(isAzure ? `${base.replace(/\/openai$/, '')}/openai/models?api-version=${AZURE_API_VERSION}` : `${base}/models`);
    const headers: Record<string, string> = {};
    if (deployment.apiKey) headers[isAzure ? 'api-key' : 'authorization'] = isAzure ? deployment.apiKey : `Bearer ${deployment.apiKey}`;
    try {
      const response = await agent.request({ origin: url.origin, path: `${url.pathname}${url.search}`, method: 'GET', headers, signal });
      await response.body.dump();
      return response.statusCode === 200 ? { ok: true, detail: 'model list answered' } : { ok: false, detail: `model list answered HTTP ${response.statusCode}` };
    } catch (error) {
      const code = (error as { code?: string }).code;
      return { ok: false, detail: signal.aborted ? 'no answer in time' : `cannot connect${code ? ` (${code})` : ''}` };
    }
  };
}

/**
 * The gateway's upstream clients, one per platform, all on one egress-gated dispatcher
 * (egress.ts). Routes ask `adapterFor(deployment.platform)` and call it; the composition root
 * builds this once and disposes it on shutdown (after the dispatcher's requests are done; the
 * dispatcher itself is the root's to close).
 */
import type { Dispatcher } from 'undici';
import type { DeploymentPlatform } from '../../shared/registry/deployment';
import { createAzureOpenAiAdapter } from './azure-openai';
import { type BedrockSettings, createBedrockAdapter } from './bedrock';
import { createOpenAiCompatibleAdapter } from './openai-compatible';
import { type UpstreamAdapter, UpstreamError } from './types';

export interface UpstreamsDeps {
  /** The egress-gated dispatcher every adapter sends through. */
  dispatcher: Dispatcher;
  /** The gateway config's `bedrock` block, read on every Bedrock call. */
  bedrock: () => BedrockSettings;
}

export interface Upstreams {
  /** The adapter for a deployment's platform. */
  adapterFor(platform: DeploymentPlatform): UpstreamAdapter;
  /** Lets go of what the adapters hold (Bedrock's SDK clients). */
  dispose(): Promise<void>;
}

/** Builds the adapters: OpenAI-compatible for vLLM (local or remote) and other OpenAI-compatible servers, Azure OpenAI, Bedrock. */
export function createUpstreams(deps: UpstreamsDeps): Upstreams {
  const openAi = createOpenAiCompatibleAdapter({ dispatcher: deps.dispatcher });
  const azure = createAzureOpenAiAdapter({ dispatcher: deps.dispatcher });
  const bedrock = createBedrockAdapter({ dispatcher: deps.dispatcher, settings: deps.bedrock });
  const byPlatform: Readonly<Record<DeploymentPlatform, UpstreamAdapter>> = {
    'vllm-local': openAi,
    'vllm-remote': openAi,
    'openai-compatible': openAi,
    'azure-openai': azure,
    bedrock,
  };
  return {
    adapterFor(platform) {
      const adapter = byPlatform[platform];
      if (!adapter) throw new UpstreamError('unsupported', `no upstream client for platform "${String(platform)}"`);
      return adapter;
    },
    async dispose() {
      await bedrock.dispose();
    },
  };
}

export { createEgressAgent, fetchJsonThroughEgress, type EgressOrigin } from './egress';
export { UpstreamError, type UpstreamAdapter };

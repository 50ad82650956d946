/**
 * `createUpstreams`: one adapter per platform on the shared dispatcher, and disposal.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createEgressAgent } from '../../../../electron/gateway/upstream/egress';
import { createUpstreams } from '../../../../electron/gateway/upstream/index';
import { startFakeBedrock } from '../../../doubles/fake-bedrock';
import { startScriptedUpstream } from '../../../doubles/scripted-upstream';
import { chatCall, collect, deploymentOf, optionsOf, targetOf } from './upstream-test-kit';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

describe('createUpstreams', () => {
  it('routes vLLM and OpenAI-compatible platforms to one adapter, Azure and Bedrock to their own', async () => {
    const agent = createEgressAgent({ isAllowed: () => true });
    cleanups.push(() => agent.destroy());
    const upstreams = createUpstreams({ dispatcher: agent, bedrock: () => ({ region: 'us-east-1', endpoint: null }) });
    cleanups.push(() => upstreams.dispose());
    const openAi = upstreams.adapterFor('vllm-local');
    expect(upstreams.adapterFor('vllm-remote')).toBe(openAi);
    expect(upstreams.adapterFor('openai-compatible')).toBe(openAi);
    expect(openAi.forward).toBeTypeOf('function');
    expect(upstreams.adapterFor('azure-openai')).not.toBe(openAi);
    expect(upstreams.adapterFor('azure-openai').forward).toBeTypeOf('function');
    expect(upstreams.adapterFor('bedrock').forward).toBeUndefined();
  });

  it('every adapter sends through the one dispatcher, and Bedrock reads its settings on each call', async () => {
    const upstream = await startScriptedUpstream();
    cleanups.push(() => upstream.close());
    const fake = await startFakeBedrock();
    cleanups.push(() => fake.close());
    const asked: number[] = [];
    const agent = createEgressAgent({
      isAllowed: (origin) => {
        asked.push(origin.port);
        return true;
      },
    });
    cleanups.push(() => agent.destroy());
    let bedrock = { region: null as string | null, endpoint: fake.url as string | null };
    const upstreams = createUpstreams({ dispatcher: agent, bedrock: () => bedrock });
    await collect(await upstreams.adapterFor('vllm-remote').call(targetOf(deploymentOf({ endpoint: `${upstream.url}/v1` })), chatCall, optionsOf()));
    await collect(await upstreams.adapterFor('azure-openai').call(targetOf(deploymentOf({ platform: 'azure-openai', endpoint: `${upstream.url}/openai` }), 'gpt'), chatCall, optionsOf()));
    const claude = targetOf(deploymentOf({ platform: 'bedrock', endpoint: null, apiKey: 'AKIAIOSFODNN7EXAMPLE:secret' }), 'anthropic.claude');
    await expect(upstreams.adapterFor('bedrock').call(claude, chatCall, optionsOf())).rejects.toMatchObject({ kind: 'connect' });
    bedrock = { region: 'us-west-2', endpoint: fake.url };
    await collect(await upstreams.adapterFor('bedrock').call(claude, chatCall, optionsOf()));
    expect(fake.calls[0]?.auth).toMatchObject({ region: 'us-west-2' });
    expect(new Set(asked)).toEqual(new Set([upstream.port, fake.port]));
    await upstreams.dispose();
  });
});

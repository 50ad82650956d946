import { describe, expect, it } from 'vitest';
import { ConfigStore, type ConfigSnapshot, originKey, originKeyOf } from '../../../electron/gateway/config-store';
import type { GatewayConfig, GatewayDeployment } from '../../../electron/shared/gateway/config';

function deployment(overrides: Partial<GatewayDeployment> & Pick<GatewayDeployment, 'name'>): GatewayDeployment {
  return { family: 'codestral', platform: 'vllm-remote', endpoint: null, identifier: `custom_openai/${overrides.name}`, apiKey: null, timeoutMs: 60_000, ...overrides };
}

function config(overrides: Partial<GatewayConfig> = {}): GatewayConfig {
  return {
    version: 1,
    listen: { host: '127.0.0.1', port: 5052, tlsCertPath: null, tlsKeyPath: null, metricsHost: '127.0.0.1', metricsPort: 8082 },
    gitlab: { url: null, instanceId: null },
    airlockTokens: { keys: [], active: [] },
    deployments: [],
    features: {},
    network: { allowedNetworks: [], trustedProxies: [] },
    limits: { maxBodyBytes: 8 * 1024 * 1024, streamIdleMs: 60_000 },
    requestLog: { path: null, isAiLoggingEnabled: false, retentionDays: 30 },
    bedrock: { region: null, endpoint: null },
    ...overrides,
  };
}

const originsOf = (c: GatewayConfig) => [...new ConfigStore(c).get().allowedOrigins].sort();

describe('originKey', () => {
  it('gives scheme, lower-case host and explicit port, without path or credentials', () => {
    expect(originKey('http://GPU-1.Internal:8000/v1')).toBe('http://gpu-1.internal:8000');
    expect(originKey('https://user:pw@llm.example/v1?x=1')).toBe('https://llm.example:443');
    expect(originKey('http://llm.example')).toBe('http://llm.example:80');
    expect(originKey('http://llm.example:80/')).toBe('http://llm.example:80');
  });

  it('keeps IPv6 literals in brackets', () => {
    expect(originKey('http://[FD00::1]:8000/v1')).toBe('http://[fd00::1]:8000');
    expect(originKey('https://[::1]/')).toBe('https://[::1]:443');
  });

  it('is null for what is not an http(s) URL', () => {
    expect(originKey('ftp://host/')).toBeNull();
    expect(originKey('not a url')).toBeNull();
  });
});

describe('originKeyOf', () => {
  it('agrees with originKey for host names, IPv4 and IPv6 literals', () => {
    expect(originKeyOf({ protocol: 'http:', hostname: 'GPU-1.internal', port: 8000 })).toBe(originKey('http://gpu-1.internal:8000/v1'));
    expect(originKeyOf({ protocol: 'https:', hostname: '10.0.0.5', port: 443 })).toBe(originKey('https://10.0.0.5/v1'));
    // The egress gate hands IPv6 literals over bare; URL keeps them in brackets.
    expect(originKeyOf({ protocol: 'http:', hostname: 'fd00::1', port: 8000 })).toBe(originKey('http://[fd00::1]:8000/v1'));
    expect(originKeyOf({ protocol: 'http:', hostname: 'FD00::1', port: 8000 })).toBe(originKey('http://[FD00::1]:8000/v1'));
    expect(originKeyOf({ protocol: 'https:', hostname: '::1', port: 443 })).toBe(originKey('https://[::1]/'));
    // Already bracketed: not bracketed twice.
    expect(originKeyOf({ protocol: 'http:', hostname: '[fd00::1]', port: 8000 })).toBe('http://[fd00::1]:8000');
  });

  it('tells different ports and schemes apart', () => {
    const keys = new Set([
      originKeyOf({ protocol: 'http:', hostname: 'host', port: 80 }),
      originKeyOf({ protocol: 'https:', hostname: 'host', port: 80 }),
      originKeyOf({ protocol: 'http:', hostname: 'host', port: 8080 }),
    ]);
    expect(keys.size).toBe(3);
  });
});

describe('ConfigStore allowedOrigins', () => {
  it('holds every registered endpoint\'s origin and the GitLab instance, nothing else', () => {
    const c = config({
      gitlab: { url: 'https://GitLab.example.com/', instanceId: null },
      deployments: [
        deployment({ name: 'a', endpoint: 'http://gpu-1.internal:8000/v1' }),
        deployment({ name: 'b', endpoint: 'http://gpu-1.internal:8000/v1/' }),
        deployment({ name: 'c', endpoint: 'https://[fd00::2]/v1' }),
        deployment({ name: 'azure', platform: 'azure-openai', endpoint: 'https://contoso.openai.azure.com' }),
      ],
    });
    expect(originsOf(c)).toEqual(['http://gpu-1.internal:8000', 'https://[fd00::2]:443', 'https://contoso.openai.azure.com:443', 'https://gitlab.example.com:443'].sort());
  });

  it('lets the egress gate\'s key for a registered IPv6 endpoint through', () => {
    const store = new ConfigStore(config({ deployments: [deployment({ name: 'v6', endpoint: 'http://[FD00::1]:8000/v1' })] }));
    expect(store.get().allowedOrigins.has(originKeyOf({ protocol: 'http:', hostname: 'fd00::1', port: 8000 }))).toBe(true);
    expect(store.get().allowedOrigins.has(originKeyOf({ protocol: 'http:', hostname: 'fd00::1', port: 8001 }))).toBe(false);
  });

  it('is empty with no deployments and no GitLab URL', () => {
    expect(originsOf(config())).toEqual([]);
  });

  it('holds the Bedrock VPC endpoint, else the regional endpoint, only when a Bedrock deployment exists', () => {
    const bedrock = deployment({ name: 'claude', family: 'claude_3', platform: 'bedrock', identifier: 'bedrock/anthropic.claude-3' });
    const vpc = 'https://vpce-0abc.bedrock-runtime.us-east-1.vpce.amazonaws.com';
    expect(originsOf(config({ deployments: [bedrock], bedrock: { region: 'us-east-1', endpoint: vpc } }))).toEqual(['https://vpce-0abc.bedrock-runtime.us-east-1.vpce.amazonaws.com:443']);
    expect(originsOf(config({ deployments: [bedrock], bedrock: { region: 'eu-west-3', endpoint: null } }))).toEqual(['https://bedrock-runtime.eu-west-3.amazonaws.com:443']);
    // No region and no endpoint: nothing to allow.
    expect(originsOf(config({ deployments: [bedrock], bedrock: { region: null, endpoint: null } }))).toEqual([]);
    // No Bedrock deployment: neither the VPC endpoint nor the region's.
    const vllm = deployment({ name: 'a', endpoint: 'http://gpu-1:8000/v1' });
    expect(originsOf(config({ deployments: [vllm], bedrock: { region: 'us-east-1', endpoint: vpc } }))).toEqual(['http://gpu-1:8000']);
    expect(originsOf(config({ deployments: [vllm], bedrock: { region: 'us-east-1', endpoint: null } }))).toEqual(['http://gpu-1:8000']);
  });
});

describe('ConfigStore replace', () => {
  it('swaps the snapshot and tells each listener the next and the previous one', () => {
    const first = config({ version: 1 });
    const second = config({ version: 2, gitlab: { url: 'https://gitlab.example.com', instanceId: null } });
    const store = new ConfigStore(first);
    const before = store.get();
    const seen: [ConfigSnapshot, ConfigSnapshot][] = [];
    store.onDidChange((next, previous) => void seen.push([next, previous]));
    store.replace(second);
    expect(store.get().config).toBe(second);
    expect(store.get().allowedOrigins.has('https://gitlab.example.com:443')).toBe(true);
    expect(seen).toHaveLength(1);
    expect(seen[0]![0]).toBe(store.get());
    expect(seen[0]![1]).toBe(before);
    // A snapshot taken before stays as it was (requests in flight keep theirs).
    expect(before.config.version).toBe(1);
    expect(before.allowedOrigins.size).toBe(0);
  });

  it('stops telling a disposed listener, and a listener may dispose itself while being told', () => {
    const store = new ConfigStore(config());
    const calls: string[] = [];
    const self = store.onDidChange(() => {
      calls.push('self');
      self.dispose();
    });
    const other = store.onDidChange(() => void calls.push('other'));
    store.replace(config({ version: 2 }));
    other.dispose();
    store.replace(config({ version: 3 }));
    expect(calls).toEqual(['self', 'other']);
  });
});

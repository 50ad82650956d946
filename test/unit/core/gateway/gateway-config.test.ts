import { describe, expect, it } from 'vitest';
import { type GatewayConfigInput, type ReadSetting, buildGatewayConfig } from '../../../../electron/core/gateway/gateway-config';
import { type GatewayDeployment, gatewayConfigSchema } from '../../../../electron/shared/gateway/config';
import { type SettingKey, type SettingValue, settingSpecs } from '../../../../electron/shared/settings';

type SettingOverrides = { [K in SettingKey]?: SettingValue<K> };

/** settings.get over the defaults, with `overrides` (values as stored, not re-checked). */
function settings(overrides: SettingOverrides = {}): ReadSetting {
  return ((key: SettingKey) => (Object.hasOwn(overrides, key) ? overrides[key] : settingSpecs[key].defaultValue)) as ReadSetting;
}

const codestral: GatewayDeployment = {
  name: 'codestral',
  family: 'codestral',
  platform: 'vllm-remote',
  endpoint: 'http://gpu-1:8000/v1',
  identifier: 'custom_openai/Codestral-22B',
  apiKey: 'sk-registry',
  timeoutMs: 60_000,
};

const airlockTokens = {
  keys: [{ kid: 'airlock-0a1b2c', jwk: { kty: 'OKP' as const, crv: 'Ed25519' as const, x: 'A'.repeat(43) } }],
  active: [{ id: 'abcdef0123456789', label: 'ci', scopes: ['openai'], expiresAt: 1_900_000_000 }],
};

function input(overrides: Partial<GatewayConfigInput> = {}): GatewayConfigInput {
  return {
    version: 4,
    setting: settings(),
    deployments: [codestral],
    features: { code_completions: 'codestral', duo_chat: null },
    airlockTokens,
    requestsDbPath: '/var/lib/airlock/requests.db',
    ...overrides,
  };
}

describe('buildGatewayConfig', () => {
  it('maps the default settings, the registry and the tokens to a valid configuration', () => {
    const config = buildGatewayConfig(input());
    expect(config).toEqual({
      version: 4,
      listen: { host: '127.0.0.1', port: 5052, tlsCertPath: null, tlsKeyPath: null, metricsHost: '127.0.0.1', metricsPort: 8082 },
      gitlab: { url: null, instanceId: null },
      airlockTokens,
      deployments: [codestral],
      features: { code_completions: 'codestral', duo_chat: null },
      network: { allowedNetworks: [], trustedProxies: [] },
      limits: { maxBodyBytes: 8 * 1024 * 1024, streamIdleMs: 60_000 },
      requestLog: { path: '/var/lib/airlock/requests.db', isAiLoggingEnabled: false, retentionDays: 30 },
      bedrock: { region: null, endpoint: null },
    });
    expect(gatewayConfigSchema.safeParse(config).success).toBe(true);
  });

  it('maps every gateway.* setting to its place, converting MiB and seconds', () => {
    const config = buildGatewayConfig(
      input({
        setting: settings({
          'gateway.host': '0.0.0.0',
          'gateway.port': 6000,
          'gateway.tlsCertPath': '/etc/airlock/cert.pem',
          'gateway.tlsKeyPath': '/etc/airlock/key.pem',
          'gateway.metricsPort': 0,
          'gateway.gitlabUrl': 'https://gitlab.example.com',
          'gateway.gitlabInstanceId': '5c3e9f1a-0000-4000-8000-000000000001',
          'gateway.allowedNetworks': ['10.0.0.0/8'],
          'gateway.trustedProxies': ['10.0.0.5/32'],
          'gateway.maxBodyMiB': 3,
          'gateway.streamIdleSeconds': 45,
          'gateway.aiRequestLogging': true,
          'gateway.requestLogRetentionDays': 7,
          'gateway.bedrockRegion': 'eu-west-3',
          'gateway.bedrockEndpoint': 'https://vpce-1.bedrock-runtime.eu-west-3.vpce.amazonaws.com',
        }),
      }),
    );
    expect(config.listen).toEqual({ host: '0.0.0.0', port: 6000, tlsCertPath: '/etc/airlock/cert.pem', tlsKeyPath: '/etc/airlock/key.pem', metricsHost: '127.0.0.1', metricsPort: 0 });
    expect(config.gitlab).toEqual({ url: 'https://gitlab.example.com', instanceId: '5c3e9f1a-0000-4000-8000-000000000001' });
    expect(config.network).toEqual({ allowedNetworks: ['10.0.0.0/8'], trustedProxies: ['10.0.0.5/32'] });
    expect(config.limits).toEqual({ maxBodyBytes: 3 * 1048576, streamIdleMs: 45_000 });
    expect(config.requestLog).toEqual({ path: '/var/lib/airlock/requests.db', isAiLoggingEnabled: true, retentionDays: 7 });
    expect(config.bedrock).toEqual({ region: 'eu-west-3', endpoint: 'https://vpce-1.bedrock-runtime.eu-west-3.vpce.amazonaws.com' });
  });

  it('keeps the metrics on loopback whatever address the gateway listens on', () => {
    expect(buildGatewayConfig(input({ setting: settings({ 'gateway.host': '0.0.0.0' }) })).listen.metricsHost).toBe('127.0.0.1');
  });

  it('keeps disabled features as null (so a disabled chat sub-feature does not fall back to General Chat) and the mapped ones by name', () => {
    const config = buildGatewayConfig(input({ features: { code_completions: 'codestral', code_generations: null, duo_chat: '', duo_chat_explain_code: 'codestral' } }));
    expect(config.features).toEqual({ code_completions: 'codestral', code_generations: null, duo_chat: null, duo_chat_explain_code: 'codestral' });
  });

  it('copies the deployments rather than sharing the caller\'s array', () => {
    const deployments = [codestral];
    const config = buildGatewayConfig(input({ deployments }));
    expect(config.deployments).toEqual(deployments);
    expect(config.deployments).not.toBe(deployments);
  });

  it('converts the largest body and the longest idle time the settings allow into values the gateway accepts', () => {
    const max = buildGatewayConfig(input({ setting: settings({ 'gateway.maxBodyMiB': 64, 'gateway.streamIdleSeconds': 3600 }) }));
    expect(max.limits).toEqual({ maxBodyBytes: 64 * 1048576, streamIdleMs: 3_600_000 });
    const min = buildGatewayConfig(input({ setting: settings({ 'gateway.maxBodyMiB': 1, 'gateway.streamIdleSeconds': 1 }) }));
    expect(min.limits).toEqual({ maxBodyBytes: 1048576, streamIdleMs: 1000 });
  });

  it('throws when a stored value is one the gateway refuses', () => {
    expect(() => buildGatewayConfig(input({ setting: settings({ 'gateway.allowedNetworks': ['everyone'] }) }))).toThrow(/allowedNetworks/);
    expect(() => buildGatewayConfig(input({ setting: settings({ 'gateway.maxBodyMiB': 1000 }) }))).toThrow(/maxBodyBytes/);
    expect(() => buildGatewayConfig(input({ setting: settings({ 'gateway.gitlabUrl': 'gitlab.example.com' }) }))).toThrow(/gitlab/);
    expect(() => buildGatewayConfig(input({ deployments: [{ ...codestral, endpoint: 'ftp://gpu-1/v1' }] }))).toThrow(/deployments/);
    expect(() => buildGatewayConfig(input({ version: -1 }))).toThrow(/version/);
  });

  it('never meets a URL the settings accept but the gateway refuses (that would stop every configuration push)', () => {
    // A value the settings accept must never make the build throw: the core would then send the
    // gateway no configuration at all (not even token revocations) until the setting is changed.
    const candidates = ['https://gitlab.example.com', 'http://10.0.0.5:8080/gitlab', 'https://gitlab.example.com/?tab=1', 'https://gitlab.example.com#top', 'https://gitlab.example.com/users/sign_in?redirect=x', 'https://a b'];
    for (const url of candidates) {
      for (const key of ['gateway.gitlabUrl', 'gateway.bedrockEndpoint'] as const) {
        if (!settingSpecs[key].schema.safeParse(url).success) continue;
        expect(() => buildGatewayConfig(input({ setting: settings({ [key]: url }) })), `${key} ${url}`).not.toThrow();
      }
    }
    expect(settingSpecs['gateway.gitlabUrl'].schema.safeParse('https://gitlab.example.com/?tab=1').success).toBe(false);
    expect(settingSpecs['gateway.gitlabUrl'].schema.safeParse('https://gitlab.example.com').success).toBe(true);
  });
});

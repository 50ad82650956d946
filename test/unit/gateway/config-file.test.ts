import { chmodSync, chownSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigFileError, readGatewayConfigFile } from '../../../electron/gateway/config-file';
import { GATEWAY_DEFAULTS, gatewayConfigSchema } from '../../../electron/shared/gateway/config';
import { useTempDir } from '../../helpers/temp-dir';

const CANARY = 'sk-canary-4b1d9e';

describe('readGatewayConfigFile', () => {
  const tempDir = useTempDir();

  /** Writes `content` (JSON unless a string) to an owner-only file and returns its path. */
  const file = (content: unknown, mode = 0o600) => {
    const path = join(tempDir(), 'gateway.json');
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content), { mode });
    chmodSync(path, mode);
    return path;
  };

  const failure = (path: string, env: NodeJS.ProcessEnv = {}): ConfigFileError => {
    try {
      readGatewayConfigFile(path, env, 1);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigFileError);
      return error as ConfigFileError;
    }
    throw new Error('expected a ConfigFileError, but the file was accepted');
  };

  const vllm = { name: 'codestral', family: 'codestral', platform: 'vllm-remote', endpoint: 'http://gpu-1:8000/v1', identifier: 'custom_openai/Codestral-22B' };

  it('fills every section left out with its default, and stamps the version', () => {
    const config = readGatewayConfigFile(file({ deployments: [vllm] }), {}, 7);
    expect(config).toEqual({
      version: 7,
      listen: { host: '127.0.0.1', port: GATEWAY_DEFAULTS.port, tlsCertPath: null, tlsKeyPath: null, metricsHost: '127.0.0.1', metricsPort: GATEWAY_DEFAULTS.metricsPort },
      gitlab: { url: null, instanceId: null },
      airlockTokens: { keys: [], active: [] },
      deployments: [{ ...vllm, apiKey: null, timeoutMs: GATEWAY_DEFAULTS.deploymentTimeoutMs }],
      features: {},
      network: { allowedNetworks: [], trustedProxies: [] },
      limits: { maxBodyBytes: GATEWAY_DEFAULTS.maxBodyBytes, streamIdleMs: GATEWAY_DEFAULTS.streamIdleMs },
      requestLog: { path: null, isAiLoggingEnabled: false, retentionDays: GATEWAY_DEFAULTS.retentionDays },
      bedrock: { region: null, endpoint: null },
    });
    expect(gatewayConfigSchema.safeParse(config).success).toBe(true);
  });

  it('keeps what the file sets, and fills the rest of a section', () => {
    const config = readGatewayConfigFile(file({ listen: { port: 6000 }, gitlab: { url: 'https://gitlab.example.com' }, features: { code_completions: 'codestral' }, deployments: [vllm] }), {}, 1);
    expect(config.listen).toEqual({ host: '127.0.0.1', port: 6000, tlsCertPath: null, tlsKeyPath: null, metricsHost: '127.0.0.1', metricsPort: GATEWAY_DEFAULTS.metricsPort });
    expect(config.gitlab).toEqual({ url: 'https://gitlab.example.com', instanceId: null });
    expect(config.features).toEqual({ code_completions: 'codestral' });
  });

  it('takes an API key from the environment variable apiKeyEnv names (trimmed), over an inline one', () => {
    const path = file({ deployments: [{ ...vllm, apiKey: 'inline-key', apiKeyEnv: 'CODESTRAL_KEY' }, { ...vllm, name: 'other' }] });
    const config = readGatewayConfigFile(path, { CODESTRAL_KEY: ` ${CANARY}\n` }, 1);
    expect(config.deployments[0]!.apiKey).toBe(CANARY);
    expect(config.deployments[0]).not.toHaveProperty('apiKeyEnv');
    expect(config.deployments[1]!.apiKey).toBeNull();
  });

  it('refuses a deployment whose apiKeyEnv is unset or empty, naming the variable and the deployment', () => {
    const path = file({ deployments: [{ ...vllm, apiKeyEnv: 'CODESTRAL_KEY' }] });
    for (const env of [{}, { CODESTRAL_KEY: '' }]) {
      const error = failure(path, env);
      expect(error.message).toContain('$CODESTRAL_KEY');
      expect(error.message).toContain('"codestral"');
    }
  });

  it('refuses an apiKeyEnv that is not an environment variable name', () => {
    const error = failure(file({ deployments: [{ ...vllm, apiKeyEnv: 'NOT-A NAME' }] }));
    expect(error.message).toContain('deployments.0.apiKeyEnv');
  });

  it('refuses a file the group or others can read or write, with the chmod to run, without reading it', () => {
    for (const mode of [0o640, 0o604, 0o620, 0o644]) {
      // The content would fail JSON parsing: the mode check must come first.
      const path = file('{ not json', mode);
      const error = failure(path);
      expect(error.message).toContain(`mode ${mode.toString(8)}`);
      expect(error.message).toContain(`chmod 600 ${path}`);
    }
  });

  it('accepts an owner-only file, read-only included', () => {
    expect(readGatewayConfigFile(file({ deployments: [] }, 0o400), {}, 1).deployments).toEqual([]);
  });

  it('refuses a file that is not there, saying why', () => {
    const error = failure(join(tempDir(), 'missing.json'));
    expect(error.message).toContain('ENOENT');
  });

  it('refuses a file that is not JSON', () => {
    const path = file('{ "deployments": [ ');
    const error = failure(path);
    expect(error.message).toContain(`${path} is not valid JSON`);
  });

  it('refuses a schema violation, naming where it is', () => {
    expect(failure(file({ deployments: [{ ...vllm, platform: 'mainframe' }] })).message).toContain('deployments.0.platform');
    expect(failure(file({ deployments: [vllm], listen: { port: 70_000 } })).message).toContain('listen.port');
    expect(failure(file({})).message).toContain('deployments');
    // Unknown keys are refused (strict), at the top level too.
    expect(failure(file({ deployments: [], extra: true })).message).toContain('(file)');
    expect(failure(file({ deployments: [{ ...vllm, apiKeyFile: '/etc/key' }] })).message).toContain('deployments.0');
  });

  it('refuses what only the gateway\'s own schema catches (after defaults and keys are filled)', () => {
    // The file schema takes any string as an endpoint; the gateway's refuses a query.
    const error = failure(file({ deployments: [{ ...vllm, endpoint: 'http://gpu-1:8000/v1?key=x' }] }));
    expect(error.message).toContain('deployments.0.endpoint');
    expect(failure(file({ deployments: [], limits: { maxBodyBytes: 10 } })).message).toContain('limits.maxBodyBytes');
  });

  it('never echoes an API key taken from the environment in an error', () => {
    const error = failure(file({ deployments: [{ ...vllm, endpoint: 'ftp://gpu-1/v1', apiKeyEnv: 'K' }] }), { K: CANARY });
    expect(error.message).not.toContain(CANARY);
  });

  it.runIf(process.getuid?.() === 0)('refuses a file that belongs to another user, even owner-only', () => {
    const path = file({ deployments: [] });
    chownSync(path, 65534, 65534);
    const error = failure(path);
    expect(error.message).toContain('belongs to another user (uid 65534)');
  });
});

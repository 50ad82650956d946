import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ChannelState, GatewayChannel } from '../../../../electron/core/gateway/gateway-channel';
import { type GatewayServiceDeps, createGatewayService, defaultGatewayEntry } from '../../../../electron/core/gateway/gateway-service';
import { createLogger } from '../../../../electron/core/logger';
import { CHANNEL_PATH_ENV, CHANNEL_TOKEN_ENV } from '../../../../electron/shared/gateway/channel';
import { type GatewayConfig, type GatewayDeployment, gatewayConfigSchema } from '../../../../electron/shared/gateway/config';
import type { UnitView } from '../../../../electron/shared/services';
import { type SettingKey, type SettingValue, settingSpecs } from '../../../../electron/shared/settings';
import { manualClock, useTempDir } from '../../../helpers/temp-dir';

type SettingValues = { [K in SettingKey]?: SettingValue<K> };
type Listener = () => void;

/** A set of listeners as the services keep them; `size` tells what is still subscribed. */
function emitter<A extends unknown[] = []>() {
  const listeners = new Set<(...args: A) => void>();
  return {
    on(listener: (...args: A) => void) {
      listeners.add(listener);
      return { dispose: () => void listeners.delete(listener) };
    },
    fire: (...args: A) => {
      for (const listener of [...listeners]) listener(...args);
    },
    get size() {
      return listeners.size;
    },
  };
}

const codestral: GatewayDeployment = { name: 'codestral', family: 'codestral', platform: 'vllm-remote', endpoint: 'http://gpu-1:8000/v1', identifier: 'custom_openai/Codestral-22B', apiKey: null, timeoutMs: 60_000 };

class FakeChannel implements GatewayChannel {
  readonly path: string;
  pushes = 0;
  issued: string[] = [];
  channelState: ChannelState = { isConnected: false, status: null, statusAt: null, sentVersion: null, appliedVersion: null, rejection: null };
  constructor(path: string) {
    this.path = path;
  }
  issueToken(): string {
    const token = `channel-token-${this.issued.length + 1}`;
    this.issued.push(token);
    return token;
  }
  push(): void {
    this.pushes += 1;
  }
  state(): ChannelState {
    return { ...this.channelState };
  }
  async dispose(): Promise<void> {}
}

const unit = (name: string, state: UnitView['state'], preset: UnitView['preset'] = 'airlock-gateway') => ({ name, state, preset }) as UnitView;

describe('gateway service', () => {
  const tempDir = useTempDir();

  function setup(options: { values?: SettingValues; units?: UnitView[]; isBuilt?: boolean; restartFails?: boolean; nodeEnv?: Record<string, string> } = {}) {
    const dir = tempDir();
    const entryPath = join(dir, 'dist', 'gateway', 'main.cjs');
    if (options.isBuilt ?? true) {
      mkdirSync(join(dir, 'dist', 'gateway'), { recursive: true });
      writeFileSync(entryPath, '// built gateway');
    }
    const values: SettingValues = { ...options.values };
    const settingChanges = emitter<[SettingKey]>();
    const registryChanges = emitter();
    const tokenChanges = emitter();
    const channel = new FakeChannel(join(dir, 'gateway.sock'));
    const units = options.units ?? [];
    const restarts: string[] = [];
    const timeoutsAsked: number[] = [];
    const logLines: string[] = [];
    const clock = manualClock();
    const airlockTokens: GatewayConfig['airlockTokens'] = { keys: [], active: [{ id: 'abcdef0123456789', label: 'ci', scopes: ['openai'], expiresAt: 1_900_000_000 }] };
    const deps: GatewayServiceDeps = {
      dataDir: dir,
      logger: createLogger({ level: 'debug', write: (line) => void logLines.push(line) }),
      now: clock.now,
      setting: ((key: SettingKey) => (Object.hasOwn(values, key) ? values[key] : settingSpecs[key].defaultValue)) as GatewayServiceDeps['setting'],
      onSettingChange: (listener) => settingChanges.on(listener),
      registry: {
        gatewayDeployments: (timeoutMs) => {
          timeoutsAsked.push(timeoutMs);
          return [codestral];
        },
        mapping: () => ({ code_completions: 'codestral', duo_chat: null }),
        onDidChange: (listener: Listener) => registryChanges.on(listener),
      },
      tokens: { gatewayView: () => airlockTokens, onDidChange: (listener: Listener) => tokenChanges.on(listener) },
      units: {
        list: () => units,
        restart: async (name) => {
          restarts.push(name);
          if (options.restartFails) throw new Error('unit is fatal');
        },
      },
      channel,
      entryPath,
      node: { command: '/opt/airlock/node', env: options.nodeEnv ?? {} },
    };
    /** Changes a setting the way the settings service would: store, then tell. */
    const change = <K extends SettingKey>(key: K, value: SettingValue<K>) => {
      (values as Record<string, unknown>)[key] = value;
      settingChanges.fire(key);
    };
    const service = createGatewayService(deps);
    return { dir, service, deps, channel, change, settingChanges, registryChanges, tokenChanges, restarts, timeoutsAsked, logLines, clock, units, airlockTokens };
  }

  describe('keeping the gateway\'s configuration current', () => {
    it('pushes a new configuration when the registry or the tokens change', () => {
      const { channel, registryChanges, tokenChanges } = setup();
      registryChanges.fire();
      expect(channel.pushes).toBe(1);
      tokenChanges.fire();
      expect(channel.pushes).toBe(2);
    });

    it('pushes, without a restart, when a gateway.* setting the server is not bound with changes', () => {
      const { channel, change, restarts } = setup({ units: [unit('gateway', 'running')] });
      change('gateway.gitlabUrl', 'https://gitlab.example.com');
      change('gateway.allowedNetworks', ['10.0.0.0/8']);
      change('gateway.streamIdleSeconds', 30);
      change('gateway.aiRequestLogging', true);
      change('gateway.bedrockRegion', 'us-east-1');
      expect(channel.pushes).toBe(5);
      expect(restarts).toEqual([]);
    });

    it('restarts a running gateway unit when a setting it is bound with changes', () => {
      const restartKeys: [SettingKey, unknown][] = [
        ['gateway.port', 6000],
        ['gateway.host', '0.0.0.0'],
        ['gateway.tlsCertPath', '/etc/airlock/cert.pem'],
        ['gateway.tlsKeyPath', '/etc/airlock/key.pem'],
        ['gateway.metricsPort', 9100],
        ['gateway.maxBodyMiB', 16],
      ];
      for (const [key, value] of restartKeys) {
        const { change, restarts, channel } = setup({ units: [unit('gateway', 'running')] });
        change(key, value as never);
        expect(restarts, key).toEqual(['gateway']);
        expect(channel.pushes, key).toBe(0);
      }
    });

    it('restarts gateway units that are starting or backing off, and only those', () => {
      const { change, restarts } = setup({
        units: [
          unit('gw-running', 'running'),
          unit('gw-starting', 'starting'),
          unit('gw-backoff', 'backoff'),
          unit('gw-stopped', 'stopped'),
          unit('gw-stopping', 'stopping'),
          unit('gw-exited', 'exited'),
          unit('gw-fatal', 'fatal'),
          unit('vllm', 'running', 'vllm'),
          unit('gitlab-gw', 'running', 'gitlab-gateway'),
        ],
      });
      change('gateway.port', 6000);
      expect(restarts).toEqual(['gw-running', 'gw-starting', 'gw-backoff']);
    });

    it('logs a failed restart instead of throwing', async () => {
      const { change, restarts, logLines } = setup({ units: [unit('gateway', 'running')], restartFails: true });
      change('gateway.port', 6000);
      expect(restarts).toEqual(['gateway']);
      await new Promise((resolve) => setImmediate(resolve));
      expect(logLines.some((line) => line.includes('restarting the gateway failed') && line.includes('unit is fatal'))).toBe(true);
    });

    it('does nothing for settings that are not the gateway\'s', () => {
      const { change, channel, restarts } = setup({ units: [unit('gateway', 'running')] });
      change('logs.retentionDays', 7);
      change('services.vllmPath', '/opt/vllm/bin/vllm');
      change('models.betaEnabled', true);
      expect(channel.pushes).toBe(0);
      expect(restarts).toEqual([]);
    });

    it('stops listening when disposed', () => {
      const { service, channel, change, registryChanges, tokenChanges, settingChanges, restarts } = setup({ units: [unit('gateway', 'running')] });
      service.dispose();
      expect([registryChanges.size, tokenChanges.size, settingChanges.size]).toEqual([0, 0, 0]);
      registryChanges.fire();
      change('gateway.port', 6000);
      expect(channel.pushes).toBe(0);
      expect(restarts).toEqual([]);
    });

    it('builds the configuration from the registry (with the default timeout), the mapping and the tokens', () => {
      const { service, timeoutsAsked, dir, airlockTokens } = setup({ values: { 'gateway.port': 6000 } });
      const config = service.configFor(12);
      expect(gatewayConfigSchema.safeParse(config).success).toBe(true);
      expect(config).toMatchObject({ version: 12, listen: { port: 6000 }, deployments: [codestral], features: { code_completions: 'codestral' }, airlockTokens });
      expect(config.requestLog.path).toBe(join(dir, 'requests.db'));
      expect(service.requestsDbPath).toBe(join(dir, 'requests.db'));
      expect(timeoutsAsked).toEqual([60_000]);
    });
  });

  describe('launch', () => {
    it('runs the built gateway with the core\'s Node, its channel and this run\'s channel token', () => {
      const { service, deps, channel } = setup();
      const launch = service.launch('gateway');
      expect(launch.command).toBe('/opt/airlock/node');
      expect(launch.args.at(-1)).toBe(deps.entryPath);
      expect(launch.env).toEqual({ MALLOC_ARENA_MAX: '2', [CHANNEL_PATH_ENV]: channel.path, [CHANNEL_TOKEN_ENV]: 'channel-token-1' });
      // One token per core run: issued once, when the service is made.
      expect(channel.issued).toEqual(['channel-token-1']);
      expect(service.launch('gateway').env[CHANNEL_TOKEN_ENV]).toBe('channel-token-1');
    });

    it('keeps the channel token off the command line', () => {
      const { service } = setup();
      const launch = service.launch('gateway');
      expect([launch.command, ...launch.args].join(' ')).not.toContain('channel-token-1');
    });

    it('starts the gateway with the memory settings of Airlock\'s own Node processes, before its entry script', () => {
      const { service, deps } = setup();
      const launch = service.launch('gateway');
      expect(launch.args).toEqual(['--max-semi-space-size=4', deps.entryPath]);
      expect(launch.env.MALLOC_ARENA_MAX).toBe('2');
    });

    it('adds what its Node needs to the environment (ELECTRON_RUN_AS_NODE when Electron runs it), under the channel\'s own variables', () => {
      expect(setup().service.launch('gateway').env).not.toHaveProperty('ELECTRON_RUN_AS_NODE');
      const { service, channel } = setup({ nodeEnv: { ELECTRON_RUN_AS_NODE: '1', [CHANNEL_PATH_ENV]: '/elsewhere' } });
      expect(service.launch('gateway').env).toMatchObject({ ELECTRON_RUN_AS_NODE: '1', [CHANNEL_PATH_ENV]: channel.path });
    });

    it('claims the gateway port and the metrics port, not a metrics port of 0', () => {
      expect(setup({ values: { 'gateway.port': 6000, 'gateway.metricsPort': 9100 } }).service.launch('gateway').ports).toEqual([6000, 9100]);
      expect(setup({ values: { 'gateway.port': 6000, 'gateway.metricsPort': 0 } }).service.launch('gateway').ports).toEqual([6000]);
    });

    it('checks health over HTTP on the address a local client reaches', () => {
      const healthUrl = (host: string) => setup({ values: { 'gateway.host': host, 'gateway.port': 5052 } }).service.launch('gateway').healthUrl;
      expect(healthUrl('127.0.0.1')).toBe('http://127.0.0.1:5052/monitoring/healthz');
      expect(healthUrl('0.0.0.0')).toBe('http://127.0.0.1:5052/monitoring/healthz');
      expect(healthUrl('::')).toBe('http://[::1]:5052/monitoring/healthz');
      expect(healthUrl('[::]')).toBe('http://[::1]:5052/monitoring/healthz');
      expect(healthUrl('fd00::5')).toBe('http://[fd00::5]:5052/monitoring/healthz');
      expect(healthUrl('[fd00::5]')).toBe('http://[fd00::5]:5052/monitoring/healthz');
      expect(healthUrl('airlock.example.internal')).toBe('http://airlock.example.internal:5052/monitoring/healthz');
    });

    it('checks health over HTTPS, with its own check, when a certificate and a key are set', () => {
      const tls = setup({ values: { 'gateway.host': '0.0.0.0', 'gateway.tlsCertPath': '/etc/airlock/cert.pem', 'gateway.tlsKeyPath': '/etc/airlock/key.pem' } }).service.launch('gateway');
      expect(tls.healthUrl).toBe('https://127.0.0.1:5052/monitoring/healthz');
      expect(tls.checkHealth).toBeTypeOf('function');
      // A certificate without its key is not TLS.
      const half = setup({ values: { 'gateway.tlsCertPath': '/etc/airlock/cert.pem' } }).service.launch('gateway');
      expect(half.healthUrl).toBe('http://127.0.0.1:5052/monitoring/healthz');
      expect(half.checkHealth).toBeUndefined();
    });

    it('refuses with GATEWAY_NOT_BUILT, naming the path, when the gateway program is missing', () => {
      const { service, deps } = setup({ isBuilt: false });
      expect(() => service.launch('gateway')).toThrow(expect.objectContaining({ code: 'GATEWAY_NOT_BUILT', data: { path: deps.entryPath } }));
    });
  });

  describe('status', () => {
    it('shows the gateway unit, the channel, and whether the report is fresh (under 10 s, connected)', () => {
      const { service, channel, clock } = setup({ units: [unit('vllm', 'running', 'vllm'), unit('gateway', 'running')] });
      expect(service.status()).toMatchObject({ unit: { name: 'gateway', state: 'running' }, isStatusFresh: false });
      channel.channelState = { ...channel.channelState, isConnected: true, statusAt: clock.now(), sentVersion: 3, appliedVersion: 3 };
      expect(service.status()).toEqual({ unit: { name: 'gateway', state: 'running' }, channel: channel.channelState, isStatusFresh: true });
      clock.advance(9_999);
      expect(service.status().isStatusFresh).toBe(true);
      clock.advance(1);
      expect(service.status().isStatusFresh).toBe(false);
      channel.channelState = { ...channel.channelState, statusAt: clock.now(), isConnected: false };
      expect(service.status().isStatusFresh).toBe(false);
    });

    it('has no unit when no gateway unit is set up', () => {
      expect(setup({ units: [unit('vllm', 'running', 'vllm')] }).service.status().unit).toBeNull();
    });
  });
});

describe('defaultGatewayEntry', () => {
  const tempDir = useTempDir();

  it('takes AIRLOCK_GATEWAY_ENTRY when set', () => {
    expect(defaultGatewayEntry('/opt/airlock/resources', { AIRLOCK_GATEWAY_ENTRY: '/srv/gateway/main.cjs' })).toBe('/srv/gateway/main.cjs');
  });

  it('finds the build under dist/ next to the resources', () => {
    const root = tempDir();
    mkdirSync(join(root, 'resources'));
    mkdirSync(join(root, 'dist', 'gateway'), { recursive: true });
    writeFileSync(join(root, 'dist', 'gateway', 'main.cjs'), '');
    expect(defaultGatewayEntry(join(root, 'resources'), {})).toBe(join(root, 'dist', 'gateway', 'main.cjs'));
  });
});

/**
 * The gateway program: gets its configuration (from the core's private channel, or from a file
 * with --config), starts the runtime, reports its status, and shuts down cleanly on SIGTERM.
 *
 *   supervised:  AIRLOCK_GATEWAY_CHANNEL=<socket> AIRLOCK_GATEWAY_CHANNEL_TOKEN=<token> node gateway/main.cjs
 *   standalone:  node gateway/main.cjs --config /etc/airlock/gateway.json   (SIGHUP reloads it)
 */
import { CHANNEL_PATH_ENV, CHANNEL_TOKEN_ENV } from '../shared/gateway/channel';
import type { GatewayConfig } from '../shared/gateway/config';
import { type ConfigChannel, openConfigChannel } from './config-channel';
import { ConfigFileError, readGatewayConfigFile } from './config-file';
import { ConfigStore } from './config-store';
import { createGatewayLogger } from './logger';
import { type GatewayRuntime, startGatewayRuntime } from './runtime';

declare const __AIRLOCK_BUILD__: { version: string } | undefined;
const VERSION = typeof __AIRLOCK_BUILD__ === 'undefined' ? 'dev' : __AIRLOCK_BUILD__.version;

/** 78 (EX_CONFIG, sysexits.h) tells the supervisor that a restart will not help. */
const EXIT_CONFIG = 78;
const STATUS_INTERVAL_MS = 2000;

async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  const logger = createGatewayLogger({ level: env.AIRLOCK_LOG_LEVEL === 'debug' ? 'debug' : 'info' });
  const configIndex = argv.indexOf('--config');
  const configPath = configIndex >= 0 ? argv[configIndex + 1] : undefined;
  const channelPath = env[CHANNEL_PATH_ENV];
  const channelToken = env[CHANNEL_TOKEN_ENV];
  // The token is for this process alone; children and crash reports never see it.
  delete env[CHANNEL_TOKEN_ENV];

  let store: ConfigStore | null = null;
  let runtime: GatewayRuntime | null = null;
  const apply = (config: GatewayConfig): string | null => {
    if (!store) return 'not started yet';
    store.replace(config);
    logger.info('configuration applied', { version: config.version, deployments: config.deployments.length, tokens: config.airlockTokens.active.length });
    if (runtime?.needsRestart()) logger.warn('the listen address, TLS, metrics port or body limit changed: a restart applies them');
    return null;
  };

  let channel: ConfigChannel | null = null;
  let initial: GatewayConfig;
  if (configPath) {
    initial = readGatewayConfigFile(configPath, env, 1);
  } else if (channelPath && channelToken) {
    channel = openConfigChannel({ path: channelPath, token: channelToken, version: VERSION, logger, onConfig: apply });
    initial = await channel.firstConfig(10_000);
  } else {
    throw new ConfigFileError(`No configuration: start the gateway with --config FILE, or let Airlock's core supervise it (it sets ${CHANNEL_PATH_ENV}).`);
  }
  store = new ConfigStore(initial);
  runtime = await startGatewayRuntime({ store, logger, version: VERSION });
  logger.info('Airlock AI gateway listening', { url: runtime.url, metricsUrl: runtime.metricsUrl, version: VERSION, configVersion: initial.version });

  const started = runtime;
  const statusTimer = setInterval(() => channel?.sendStatus(started.status()), STATUS_INTERVAL_MS);
  statusTimer.unref();
  channel?.sendStatus(started.status());

  if (configPath) {
    let version = 1;
    process.on('SIGHUP', () => {
      try {
        version += 1;
        apply(readGatewayConfigFile(configPath, env, version));
      } catch (error) {
        logger.error('configuration reload failed; keeping the current one', { error: error instanceof Error ? error.message : String(error) });
      }
    });
  }

  let isStopping = false;
  const stop = async (signal: string) => {
    if (isStopping) return;
    isStopping = true;
    logger.info('stopping: no new connections, in-flight requests finish', { signal, inFlight: started.metrics.inFlight });
    clearInterval(statusTimer);
    channel?.dispose();
    await started.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main(process.argv.slice(2), process.env).catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'error', message: `the gateway cannot start: ${message}` })}\n`);
  const code = (error as NodeJS.ErrnoException).code;
  // A taken port may free itself (backoff retries); a bad file or a missing certificate will not.
  process.exit(error instanceof ConfigFileError || code === 'EACCES' || code === 'ENOENT' ? EXIT_CONFIG : 1);
});

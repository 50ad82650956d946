/**
 * The `airlock` command. Commands that act on a running appliance talk to its core over the control
 * socket in the data directory; the others work on their own.
 */
import { resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { AirlockError } from '../shared/errors';
import { buildInfo } from '../core/build-info';
import { type LogLevel, createLogger } from '../core/logger';
import { resolveDataDir } from '../core/paths';
import { runFit } from './commands/fit';
import { LICENSE_EXIT, runLicenseFingerprint, runLicenseInstall, runLicenseShow, runLicenseVerify } from './commands/license';
import { runLogsDownload, runLogsSearch, runLogsTail } from './commands/logs';
import { type ModelFlags, runFeaturesList, runFeaturesSet, runGitlabSheet, runModelsAdd, runModelsList, runModelsRemove, runModelsServe, runModelsTest } from './commands/models';
import { runConfigExport, runConfigImport } from './commands/config';
import { runGatewayExport, runGatewayStandalone, runGatewayStatus, runRequestsList, runRequestsShow, runRequestsStats, runTokensList, runTokensMint, runTokensRevoke } from './commands/gateway';
import { runProbe } from './commands/probe';
import { runSettings } from './commands/settings';
import { type AddOptions, runServicesAction, runServicesAdd, runServicesList, runServicesRemove } from './commands/services';
import { runServe } from './commands/serve';
import { runStatus } from './commands/status';
import { EXIT, reportError } from './output';

const DEFAULT_PORT = 7070;

function parsePort(value: string): number {
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) throw new InvalidArgumentError(`"${value}" is not a port number (0–65535).`);
  return Number(value);
}

function parseTimeout(value: string): number {
  if (!/^\d{1,6}$/.test(value) || Number(value) < 100) throw new InvalidArgumentError(`"${value}" is not a timeout in milliseconds (100 or more).`);
  return Number(value);
}

function positiveInt(flag: string) {
  return (value: string): number => {
    if (!/^\d{1,9}$/.test(value) || Number(value) < 1) throw new InvalidArgumentError(`${flag} must be a positive whole number, not "${value}".`);
    return Number(value);
  };
}

function parseStatusFilter(value: string): '2xx' | '4xx' | '5xx' | number {
  if (value === '2xx' || value === '4xx' || value === '5xx') return value;
  if (/^[1-5]\d\d$/.test(value)) return Number(value);
  throw new InvalidArgumentError(`"${value}" is not a status filter: use 2xx, 4xx, 5xx or a status such as 401.`);
}

function fraction(value: string): number {
  const n = Number(value);
  if (!/^(0?\.\d+|1(\.0+)?)$/.test(value) || !(n > 0 && n <= 1)) throw new InvalidArgumentError(`"${value}" is not a fraction in (0, 1], e.g. 0.9.`);
  return n;
}

function dataDirOption(): Option {
  return new Option('--data-dir <dir>', 'data directory (default: $AIRLOCK_DATA_DIR, else $XDG_DATA_HOME/airlock, else ~/.local/share/airlock)');
}

/** Builds the command tree; `run` resolves with the exit code. */
export function buildProgram(run: (code: Promise<number>) => void): Command {
  const program = new Command('airlock')
    .description('Airlock — appliance manager for a self-hosted, air-gapped GitLab Duo AI stack.')
    .version(`${buildInfo.version} (${buildInfo.commit})`, '-v, --version', 'print the version')
    .showHelpAfterError('(run "airlock --help" for the commands and options)')
    // Set before the subcommands are added, so they inherit it: usage errors throw, and main maps them to exit 2.
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })
    .configureHelp({ helpWidth: 110 })
    .addHelpText(
      'after',
      [
        '',
        'Exit codes: 0 success · 1 failure · 2 invalid usage or refused configuration · 3 no core running · 4 data directory or store refused · 5 refused by the license.',
        'Every command that prints data accepts --json.',
      ].join('\n'),
    );

  program
    .command('serve')
    .description('run the Airlock core and the browser console (prints the URL and a one-time login token)')
    .addOption(new Option('--host <address>', 'address to listen on; a non-loopback address needs --tls-cert and --tls-key').env('AIRLOCK_HOST').default('127.0.0.1'))
    .addOption(new Option('--port <port>', 'port to listen on (0: any free port)').env('AIRLOCK_PORT').default(DEFAULT_PORT).argParser(parsePort))
    .addOption(dataDirOption().env('AIRLOCK_DATA_DIR'))
    .addOption(new Option('--tls-cert <file>', 'PEM certificate for HTTPS').env('AIRLOCK_TLS_CERT'))
    .addOption(new Option('--tls-key <file>', 'PEM private key for HTTPS').env('AIRLOCK_TLS_KEY'))
    .addOption(new Option('--log-level <level>', 'core log level on stderr').choices(['debug', 'info', 'warn', 'error']).env('AIRLOCK_LOG_LEVEL').default('info'))
    .action((options: { host: string; port: number; dataDir?: string; tlsCert?: string; tlsKey?: string; logLevel: LogLevel }) => {
      run(
        runServe({
          host: options.host,
          port: options.port,
          dataDir: resolveDataDir({ flag: options.dataDir }),
          ...(options.tlsCert ? { tlsCert: options.tlsCert } : {}),
          ...(options.tlsKey ? { tlsKey: options.tlsKey } : {}),
          logger: createLogger({ level: options.logLevel, scope: 'core' }),
        }),
      );
    });

  program
    .command('status')
    .description('show the running core: version, uptime, data directory and store health')
    .addOption(dataDirOption())
    .option('--json', 'print JSON')
    .action((options: { dataDir?: string; json?: boolean }) => {
      run(runStatus({ dataDir: resolveDataDir({ flag: options.dataDir }), isJson: options.json }).catch((error: unknown) => reportError(error, { isJson: options.json })));
    });

  program
    .command('probe')
    .description('probe the GPUs (nvidia-smi) and the host, and check GitLab\'s minimums; needs no running core')
    .addOption(new Option('--nvidia-smi <path>', 'nvidia-smi to run (default: found on PATH; AIRLOCK_NVIDIA_SMI overrides)'))
    .addOption(new Option('--timeout <ms>', 'kill nvidia-smi after this long').default(5000).argParser(parseTimeout))
    .addOption(dataDirOption())
    .addOption(new Option('--model-dir <dir>', 'also report free space where the models live'))
    .option('--json', 'print JSON (the shape is documented in the README)')
    .action((options: { nvidiaSmi?: string; timeout: number; dataDir?: string; modelDir?: string; json?: boolean }) => {
      run(
        runProbe({
          ...(options.nvidiaSmi ? { nvidiaSmi: options.nvidiaSmi } : {}),
          ...(options.modelDir ? { modelDir: options.modelDir } : {}),
          timeoutMs: options.timeout,
          dataDir: resolveDataDir({ flag: options.dataDir }),
          isJson: options.json,
        }).catch((error: unknown) => reportError(error, { isJson: options.json })),
      );
    });

  program
    .command('fit')
    .description('will MODEL (a catalog id or a local model directory) fit on this host, how, and with which vLLM flags; exit 0 fits, 1 does not')
    .argument('<model>', 'catalog model id (e.g. gpt-oss-120b) or a directory with config.json and weights')
    .addOption(new Option('--context <tokens>', 'context length per request (default 32768, clamped to the model maximum)').argParser(positiveInt('--context')))
    .addOption(new Option('--concurrency <n>', 'full-length requests that must fit at once (default 1)').argParser(positiveInt('--concurrency')))
    .addOption(new Option('--utilization <fraction>', 'vLLM --gpu-memory-utilization (default 0.9)').argParser(fraction))
    .addOption(new Option('--precision <id>', 'catalog precision, e.g. bf16, fp8, awq (default: the model\'s own)'))
    .addOption(new Option('--gpus <COUNTxMiB>', 'plan for idle GPUs you do not have yet, e.g. 2x81559, instead of probing'))
    .addOption(new Option('--nvidia-smi <path>', 'nvidia-smi to run (default: found on PATH; AIRLOCK_NVIDIA_SMI overrides)'))
    .addOption(new Option('--timeout <ms>', 'kill nvidia-smi after this long').default(5000).argParser(parseTimeout))
    .option('--json', 'print JSON (the shape is documented in the README)')
    .action((model: string, options: { context?: number; concurrency?: number; utilization?: number; precision?: string; gpus?: string; nvidiaSmi?: string; timeout: number; json?: boolean }) => {
      run(runFit({ model, ...options, timeoutMs: options.timeout, isJson: options.json }).catch((error: unknown) => reportError(error, { isJson: options.json })));
    });

  const license = program.command('license').description('show, install and verify the offline license');
  license
    .command('show')
    .description('the running core\'s license: state, details, days left, what it allows, history')
    .addOption(dataDirOption())
    .option('--json', 'print JSON')
    .action((options: { dataDir?: string; json?: boolean }) => {
      run(runLicenseShow({ dataDir: resolveDataDir({ flag: options.dataDir }), isJson: options.json }).catch((error: unknown) => reportError(error, { isJson: options.json })));
    });
  license
    .command('install')
    .description('verify FILE and make it the active license of the running core')
    .argument('<file>', 'the license file (-----BEGIN AIRLOCK LICENSE----- …)')
    .addOption(dataDirOption())
    .option('--json', 'print JSON')
    .action((file: string, options: { dataDir?: string; json?: boolean }) => {
      run(
        runLicenseInstall({ file, dataDir: resolveDataDir({ flag: options.dataDir }), isJson: options.json }).catch((error: unknown) => {
          const code = reportError(error, { isJson: options.json });
          const state = error instanceof Error && 'data' in error ? (error as { data: { state?: string } }).data.state : undefined;
          return state && state in LICENSE_EXIT ? LICENSE_EXIT[state as keyof typeof LICENSE_EXIT] : code;
        }),
      );
    });
  license
    .command('verify')
    .description('check FILE on its own (no core needed, nothing stored)')
    .argument('<file>', 'the license file')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nExit codes: 0 valid or expiring soon · 10 in grace · 11 expired · 12 not yet valid · 13 clock rollback · 14 hardware mismatch · ' +
        '15 not trusted (bad signature, unknown or test key, algorithm) · 16 unsupported version · 17 malformed · 18 no license · 2 unreadable file.',
    )
    .action((file: string, options: { json?: boolean }) => {
      run(runLicenseVerify({ file, isJson: options.json }).catch((error: unknown) => reportError(error, { isJson: options.json })));
    });
  license
    .command('fingerprint')
    .description('print the hashed machine-id and GPU UUIDs a vendor needs to bind a license to this host')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) => {
      run(runLicenseFingerprint({ isJson: options.json }).catch((error: unknown) => reportError(error, { isJson: options.json })));
    });

  const collect = (value: string, previous: string[] = []) => [...previous, value];
  const collectPorts = (value: string, previous: number[] = []) => [...previous, parsePort(value)];
  const services = program.command('services').description('supervised units: vLLM servers, gateways, other commands');
  services
    .command('list')
    .description('every unit: state, pid, uptime, restarts, last exit and why')
    .addOption(dataDirOption())
    .option('--json', 'print JSON')
    .action((options: { dataDir?: string; json?: boolean }) => {
      run(runServicesList({ dataDir: resolveDataDir({ flag: options.dataDir }), isJson: options.json }).catch((error: unknown) => reportError(error, { isJson: options.json })));
    });
  services
    .command('add')
    .description('add a unit (it is not started: "airlock services start NAME")')
    .argument('<name>', 'unit name: lower-case letters, digits and dashes')
    .addOption(new Option('--preset <preset>', 'what it is').choices(['vllm', 'airlock-gateway', 'gitlab-gateway', 'custom']).makeOptionMandatory())
    .option('--command <path>', 'gitlab-gateway, custom: absolute path of the program')
    .option('--arg <arg>', 'an argument (repeat for several); vllm: extra flags after the managed ones', collect)
    .option('--port <port>', 'port it binds (vllm default 8000, gitlab-gateway 5052; custom: repeat for several)', collectPorts)
    .option('--model <dir>', 'vllm: absolute path of the model directory')
    .option('--served-name <name>', 'vllm: name /v1/models serves (repeat for aliases; default: the directory name)', collect)
    .addOption(new Option('--tensor-parallel <n>', 'vllm: --tensor-parallel-size').argParser(positiveInt('--tensor-parallel')))
    .addOption(new Option('--max-model-len <n>', 'vllm: --max-model-len').argParser(positiveInt('--max-model-len')))
    .addOption(new Option('--gpu-memory-utilization <fraction>', 'vllm: --gpu-memory-utilization').argParser(fraction))
    .option('--gpus <list>', 'vllm: GPU indices or UUIDs, comma-separated (sets CUDA_VISIBLE_DEVICES)')
    .option('--env <NAME=VALUE>', 'environment variable (repeat for several)', collect)
    .option('--health-url <url>', 'custom: ready when this URL answers 200')
    .addOption(new Option('--restart <mode>', 'custom: when to restart').choices(['always', 'on-failure', 'never']))
    .addOption(new Option('--stop-timeout <ms>', 'vllm, custom: SIGTERM → SIGKILL grace (vllm default 30000, custom 10000)').argParser(positiveInt('--stop-timeout')))
    .option('--no-auto-start', 'do not start it by itself when the core starts')
    .addOption(dataDirOption())
    .option('--json', 'print JSON')
    .action((name: string, options: AddOptions & { dataDir?: string; json?: boolean }) => {
      run(
        Promise.resolve()
          .then(() => runServicesAdd(name, { ...options, dataDir: resolveDataDir({ flag: options.dataDir }), isJson: options.json }))
          .catch((error: unknown) => reportError(error, { isJson: options.json })),
      );
    });
  services
    .command('rm')
    .description('stop a unit (full stop protocol) and remove it')
    .argument('<name>')
    .addOption(dataDirOption())
    .option('--json', 'print JSON')
    .action((name: string, options: { dataDir?: string; json?: boolean }) => {
      run(runServicesRemove(name, { dataDir: resolveDataDir({ flag: options.dataDir }), isJson: options.json }).catch((error: unknown) => reportError(error, { isJson: options.json })));
    });
  for (const action of ['start', 'stop', 'restart'] as const) {
    services
      .command(action)
      .description({ start: 'start a unit (or retry now when it waits in backoff)', stop: 'stop a unit: SIGTERM, SIGKILL after its stop timeout, sweep by run tag', restart: 'stop a unit if it runs, then start it' }[action])
      .argument('<name>')
      .addOption(dataDirOption())
      .option('--json', 'print JSON')
      .action((name: string, options: { dataDir?: string; json?: boolean }) => {
        run(runServicesAction(action, name, { dataDir: resolveDataDir({ flag: options.dataDir }), isJson: options.json }).catch((error: unknown) => reportError(error, { isJson: options.json })));
      });
  }

  const logs = program.command('logs').description("the units' output: tail and full-text search");
  logs
    .command('tail')
    .description("the last lines of a unit's output; -f follows it live")
    .argument('<name>')
    .addOption(new Option('-n, --lines <n>', 'how many lines').default(50).argParser(positiveInt('--lines')))
    .option('-f, --follow', 'keep printing new output until Ctrl+C')
    .addOption(dataDirOption())
    .option('--json', 'print JSON (without -f)')
    .action((name: string, options: { lines: number; follow?: boolean; dataDir?: string; json?: boolean }) => {
      run(runLogsTail(name, { dataDir: resolveDataDir({ flag: options.dataDir }), lines: options.lines, follow: options.follow, isJson: options.json }).catch((error: unknown) => reportError(error, { isJson: options.json })));
    });
  logs
    .command('search')
    .description('full-text search over every unit (or one), newest first')
    .argument('<query>', 'words to find (all of them, in any order)')
    .option('--unit <name>', 'only this unit')
    .addOption(new Option('--limit <n>', 'most lines to show').default(50).argParser(positiveInt('--limit')))
    .addOption(dataDirOption())
    .option('--json', 'print JSON')
    .action((query: string, options: { unit?: string; limit: number; dataDir?: string; json?: boolean }) => {
      run(
        runLogsSearch(query, { dataDir: resolveDataDir({ flag: options.dataDir }), limit: options.limit, isJson: options.json, ...(options.unit ? { unit: options.unit } : {}) }).catch((error: unknown) =>
          reportError(error, { isJson: options.json }),
        ),
      );
    });

  logs
    .command('download')
    .description("a unit's whole rotating log (up to 50 MiB), oldest first, byte for byte")
    .argument('<name>')
    .option('-o, --output <file>', 'write to this file (default: standard output)')
    .addOption(dataDirOption())
    .action((name: string, options: { output?: string; dataDir?: string }) => {
      run(runLogsDownload(name, { dataDir: resolveDataDir({ flag: options.dataDir }), ...(options.output ? { output: options.output } : {}) }).catch((error: unknown) => reportError(error)));
    });

  const failWith = (json?: boolean) => (error: unknown) => reportError(error, { isJson: json });
  const models = program.command('models').description('self-hosted model deployments, as GitLab registers them');
  models
    .command('list')
    .description('every deployment (API keys only as their last 4 characters)')
    .addOption(dataDirOption())
    .option('--json', 'print JSON')
    .action((o: { dataDir?: string; json?: boolean }) => run(runModelsList({ dataDir: resolveDataDir({ flag: o.dataDir }), isJson: o.json }).catch(failWith(o.json))));
  models
    .command('add')
    .description('register a deployment (the fields of GitLab\'s "Add self-hosted model" form)')
    .requiredOption('--name <name>', 'deployment name, e.g. "Codestral on GPU 0"')
    .requiredOption('--family <family>', 'model family id from the catalog, e.g. codestral, mistral, llama3, gpt_oss')
    .requiredOption('--platform <platform>', 'vllm-local, vllm-remote, bedrock, azure-openai or openai-compatible')
    .option('--endpoint <url>', 'for vLLM: http(s)://host:8000/v1')
    .option('--api-key <key>', 'stored encrypted; only its last 4 characters are ever shown (prefer --api-key-env)')
    .option('--api-key-env <VAR>', 'read the API key from this environment variable (keeps it out of the shell history)')
    .option('--identifier <id>', 'custom_openai/<served name>, bedrock/<model id> or azure/<deployment>')
    .addOption(new Option('--timeout <seconds>', "how long Airlock's gateway waits for this model (1–600; default 60)").argParser(positiveInt('--timeout')))
    .addOption(dataDirOption())
    .option('--json', 'print JSON')
    .action((o: ModelFlags & { apiKeyEnv?: string; dataDir?: string; json?: boolean }) => {
      const apiKey = o.apiKeyEnv ? process.env[o.apiKeyEnv] : o.apiKey;
      run(runModelsAdd({ ...o, ...(apiKey !== undefined ? { apiKey } : {}), dataDir: resolveDataDir({ flag: o.dataDir }), isJson: o.json }).catch(failWith(o.json)));
    });
  models
    .command('test')
    .description('test a deployment step by step: URL, DNS, TCP, TLS, HTTP, served model, one-token completion; exit 1 on a failed step')
    .argument('<name>')
    .addOption(dataDirOption())
    .option('--json', 'print JSON')
    .action((name: string, o: { dataDir?: string; json?: boolean }) => run(runModelsTest(name, { dataDir: resolveDataDir({ flag: o.dataDir }), isJson: o.json }).catch(failWith(o.json))));
  models
    .command('serve')
    .description('serve a local model directory on this host: fit plan, vLLM unit and deployment in one step')
    .argument('<dir>', 'model directory (config.json, tokenizer, weights)')
    .requiredOption('--family <family>', 'GitLab model family of the model, e.g. mistral, codestral, llama3')
    .option('--name <name>', 'deployment name (default: "<model> on GPU n")')
    .addOption(new Option('--port <port>', 'port for vLLM (default: the first free from 8000)').argParser(parsePort))
    .addOption(new Option('--context <tokens>', 'context length').argParser(positiveInt('--context')))
    .addOption(new Option('--concurrency <n>', 'full-length requests that must fit at once').argParser(positiveInt('--concurrency')))
    .addOption(new Option('--utilization <fraction>', 'vLLM --gpu-memory-utilization').argParser(fraction))
    .addOption(dataDirOption())
    .option('--json', 'print JSON')
    .action((dir: string, o: { family: string; name?: string; port?: number; context?: number; concurrency?: number; utilization?: number; dataDir?: string; json?: boolean }) =>
      run(runModelsServe(resolve(dir), { ...o, dataDir: resolveDataDir({ flag: o.dataDir }), isJson: o.json }).catch(failWith(o.json))),
    );
  models
    .command('rm')
    .description('remove a deployment (features mapped to it are flagged)')
    .argument('<name>')
    .addOption(dataDirOption())
    .option('--json', 'print JSON')
    .action((name: string, o: { dataDir?: string; json?: boolean }) => run(runModelsRemove(name, { dataDir: resolveDataDir({ flag: o.dataDir }), isJson: o.json }).catch(failWith(o.json))));

  const features = program.command('features').description('GitLab Duo features and the deployment each uses');
  features
    .command('list')
    .description('every feature: state, mapped deployment, flags')
    .addOption(dataDirOption())
    .option('--json', 'print JSON')
    .action((o: { dataDir?: string; json?: boolean }) => run(runFeaturesList({ dataDir: resolveDataDir({ flag: o.dataDir }), isJson: o.json }).catch(failWith(o.json))));
  features
    .command('set')
    .description('map FEATURE to DEPLOYMENT ("disabled" turns it off)')
    .argument('<feature>')
    .argument('<deployment>')
    .addOption(dataDirOption())
    .option('--json', 'print JSON')
    .action((feature: string, deployment: string, o: { dataDir?: string; json?: boolean }) =>
      run(runFeaturesSet(feature, deployment, { dataDir: resolveDataDir({ flag: o.dataDir }), isJson: o.json }).catch(failWith(o.json))),
    );

  program
    .command('gitlab-sheet')
    .description('exactly what to enter in GitLab (gateway URL, each deployment\'s fields, feature assignments, the verify command)')
    .option('--username <user>', 'GitLab user for the verification command')
    .option('--reveal-keys', 'show the API keys in clear (read on this host from the data directory; only when GitLab must hold them)')
    .addOption(dataDirOption())
    .option('--json', 'print JSON')
    .action((o: { username?: string; revealKeys?: boolean; dataDir?: string; json?: boolean }) =>
      run(
        runGitlabSheet({ dataDir: resolveDataDir({ flag: o.dataDir }), isJson: o.json, revealKeys: o.revealKeys === true, ...(o.username ? { username: o.username } : {}) }).catch(
          failWith(o.json),
        ),
      ),
    );

  const config = program.command('config').description('export and import the configuration (deployments without keys, features, settings)');
  config
    .command('export')
    .description('print the configuration as JSON (or write it to a file)')
    .option('-o, --output <file>', 'write to this file (0600)')
    .addOption(dataDirOption())
    .action((o: { output?: string; dataDir?: string }) => run(runConfigExport({ dataDir: resolveDataDir({ flag: o.dataDir }), ...(o.output ? { output: o.output } : {}) }).catch(failWith())));
  config
    .command('import')
    .description('apply a configuration file: everything is checked first, then all of it is applied, or none')
    .argument('<file>')
    .option('--dry-run', 'only show what would change')
    .addOption(dataDirOption())
    .option('--json', 'print JSON')
    .action((file: string, o: { dryRun?: boolean; dataDir?: string; json?: boolean }) =>
      run(runConfigImport(file, { dataDir: resolveDataDir({ flag: o.dataDir }), dryRun: o.dryRun, isJson: o.json }).catch(failWith(o.json))),
    );

  const gateway = program.command('gateway').description("Airlock's AI gateway: status, or run it standalone from a configuration file");
  gateway
    .command('status')
    .description('the gateway unit, its channel to the core, and what the gateway last reported')
    .addOption(dataDirOption())
    .option('--json', 'print JSON')
    .action((o: { dataDir?: string; json?: boolean }) => run(runGatewayStatus({ dataDir: resolveDataDir({ flag: o.dataDir }), isJson: o.json }).catch(failWith(o.json))));
  gateway
    .command('export')
    .description('write a configuration file for a standalone gateway on another host (keys replaced by environment variable names)')
    .requiredOption('-o, --output <file>', 'the file to write (mode 600)')
    .addOption(dataDirOption())
    .action((o: { output: string; dataDir?: string }) => run(runGatewayExport({ output: resolve(o.output), dataDir: resolveDataDir({ flag: o.dataDir }) }).catch(failWith())));
  gateway
    .command('run')
    .description('run the gateway in the foreground from a JSON configuration file (for a gateway on another host; SIGHUP reloads the file)')
    .requiredOption('--config <file>', 'configuration file, owner-only (chmod 600)')
    .action((o: { config: string }) => run(runGatewayStandalone(resolve(o.config))));

  const tokens = program.command('tokens').description('Airlock-issued gateway tokens for IDEs, scripts and the OpenAI-compatible API');
  tokens
    .command('mint')
    .description('mint a token and print it once (store it: it is never shown again)')
    .requiredOption('--label <label>', 'who or what uses it, e.g. "ci-pipeline"')
    .option('--scopes <list>', 'comma-separated: openai and/or GitLab unit primitives (complete_code, generate_code, duo_chat…)', 'openai')
    .option('--expires <when>', 'lifetime (30d, 12h) or a date (2027-01-31); at most 365 days', '90d')
    .addOption(dataDirOption())
    .option('--json', 'print JSON')
    .action((o: { label: string; scopes: string; expires: string; dataDir?: string; json?: boolean }) =>
      run(runTokensMint({ label: o.label, scopes: o.scopes, expires: o.expires, dataDir: resolveDataDir({ flag: o.dataDir }), isJson: o.json }).catch(failWith(o.json))),
    );
  tokens
    .command('list')
    .description('every token: label, scopes, state, expiry, last 4 characters')
    .addOption(dataDirOption())
    .option('--json', 'print JSON')
    .action((o: { dataDir?: string; json?: boolean }) => run(runTokensList({ dataDir: resolveDataDir({ flag: o.dataDir }), isJson: o.json }).catch(failWith(o.json))));
  tokens
    .command('revoke')
    .description('revoke a token: the gateway refuses it within a second')
    .argument('<id>')
    .addOption(dataDirOption())
    .option('--json', 'print JSON')
    .action((id: string, o: { dataDir?: string; json?: boolean }) => run(runTokensRevoke(id, { dataDir: resolveDataDir({ flag: o.dataDir }), isJson: o.json }).catch(failWith(o.json))));

  const requests = program.command('requests').description("the gateway's request log");
  requests
    .command('list')
    .description('logged requests, newest first')
    .option('--feature <id>', 'only this feature (e.g. code_completions)')
    .option('--deployment <name>', 'only this deployment')
    .addOption(new Option('--status <status>', 'a class (2xx, 4xx, 5xx) or a status (e.g. 401)').argParser(parseStatusFilter))
    .addOption(new Option('--since <minutes>', 'only the last N minutes').argParser(positiveInt('--since')))
    .addOption(new Option('--limit <n>', 'at most N rows (default 50, at most 1000)').argParser(positiveInt('--limit')))
    .addOption(dataDirOption())
    .option('--json', 'print JSON')
    .action((o: { feature?: string; deployment?: string; status?: '2xx' | '4xx' | '5xx' | number; since?: number; limit?: number; dataDir?: string; json?: boolean }) =>
      run(
        runRequestsList(
          {
            ...(o.feature ? { feature: o.feature } : {}),
            ...(o.deployment ? { deployment: o.deployment } : {}),
            ...(o.status !== undefined ? { status: o.status } : {}),
            ...(o.since !== undefined ? { since: Date.now() - o.since * 60_000 } : {}),
            limit: Math.min(o.limit ?? 50, 1000),
          },
          { dataDir: resolveDataDir({ flag: o.dataDir }), isJson: o.json },
        ).catch(failWith(o.json)),
      ),
    );
  requests
    .command('show')
    .description('one request in full (with its prompt and response when they were kept)')
    .argument('<id>', 'the ID column of "airlock requests list"', positiveInt('<id>'))
    .addOption(dataDirOption())
    .option('--json', 'print JSON')
    .action((id: number, o: { dataDir?: string; json?: boolean }) => run(runRequestsShow(id, { dataDir: resolveDataDir({ flag: o.dataDir }), isJson: o.json }).catch(failWith(o.json))));
  requests
    .command('stats')
    .description('counters: totals, errors, latency, tokens, per feature')
    .addOption(new Option('--since <minutes>', 'window in minutes (default 1440: a day)').argParser(positiveInt('--since')))
    .addOption(dataDirOption())
    .option('--json', 'print JSON')
    .action((o: { since?: number; dataDir?: string; json?: boolean }) =>
      run(runRequestsStats(o.since ?? 1440, { dataDir: resolveDataDir({ flag: o.dataDir }), isJson: o.json }).catch(failWith(o.json))),
    );

  const settings = program.command('settings').description('the appliance settings (nvidia-smi and vllm paths, intervals, retention…)');
  const settingsAction = (action: 'list' | 'get' | 'set') => (key: string | undefined, value: string | undefined, maybeOptions?: unknown) => {
    const options = (action === 'list' ? key : action === 'get' ? value : maybeOptions) as { dataDir?: string; json?: boolean };
    run(
      runSettings(action, { dataDir: resolveDataDir({ flag: options.dataDir }), isJson: options.json, ...(action !== 'list' ? { key } : {}), ...(action === 'set' ? { value } : {}) }).catch(
        (error: unknown) => reportError(error, { isJson: options.json }),
      ),
    );
  };
  settings.command('list').description('every setting with its value, default and meaning').addOption(dataDirOption()).option('--json', 'print JSON').action(settingsAction('list'));
  settings.command('get').description('one setting').argument('<key>').addOption(dataDirOption()).option('--json', 'print JSON').action(settingsAction('get'));
  settings
    .command('set')
    .description('change one setting (VALUE is JSON when it parses, else text; null resets it)')
    .argument('<key>')
    .argument('<value>')
    .addOption(dataDirOption())
    .option('--json', 'print JSON')
    .action(settingsAction('set'));

  return program;
}

/** Runs the CLI with `argv` (without node and script) and exits with the command's code. */
export function main(argv: string[]): void {
  let isJson = argv.includes('--json');
  const finish = (code: number) => {
    process.exitCode = code;
    // serve leaves nothing running after close; a stuck handle must not keep a CLI alive.
    setTimeout(() => process.exit(code), 2000).unref();
  };
  const program = buildProgram((pending) => {
    pending.then(finish, (error: unknown) => finish(reportError(error, { isJson })));
  });
  try {
    program.parse(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version "fail" with exit code 0.
      process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return;
    }
    isJson = false;
    finish(error instanceof AirlockError ? reportError(error) : reportError(error));
  }
}

main(process.argv.slice(2));

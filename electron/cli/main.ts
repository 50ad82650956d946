/**
 * The `airlock` command. Commands that act on a running appliance talk to its core over the control
 * socket in the data directory; the others work on their own.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { AirlockError } from '../shared/errors';
import { buildInfo } from '../core/build-info';
import { type LogLevel, createLogger } from '../core/logger';
import { resolveDataDir } from '../core/paths';
import { runFit } from './commands/fit';
import { LICENSE_EXIT, runLicenseFingerprint, runLicenseInstall, runLicenseShow, runLicenseVerify } from './commands/license';
import { runProbe } from './commands/probe';
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
        'Exit codes: 0 success · 1 failure · 2 invalid usage or refused configuration · 3 no core running · 4 data directory or store refused.',
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

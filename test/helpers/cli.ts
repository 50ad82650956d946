import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { NODE_RUNTIME } from '../../electron/shared/node-runtime';

/** The built CLI: integration tests run what ships (npm test builds first). */
export const CLI = join(process.cwd(), 'dist', 'cli', 'main.cjs');

export function assertBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" (npm test does it for you)`);
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs `airlock ARGS` to completion. */
export function runCli(args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  assertBuilt();
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`airlock ${args.join(' ')} did not finish in ${options.timeoutMs ?? 15_000} ms\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? 15_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

export interface RunningServe {
  url: string;
  token: string;
  child: ChildProcess;
  output: () => string;
  /** SIGTERM, then wait for exit; resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `airlock serve` on a free port and waits for its URL and token. */
export function startServe(dataDir: string, extraArgs: string[] = [], options: { env?: NodeJS.ProcessEnv } = {}): Promise<RunningServe> {
  assertBuilt();
  return new Promise((resolve, reject) => {
    // The flag bin/airlock.cjs gives the core, so tests run the core as it ships.
    const child = spawn(process.execPath, [...NODE_RUNTIME.nodeFlags, CLI, 'serve', '--data-dir', dataDir, '--port', '0', '--log-level', 'warn', ...extraArgs], {
      env: { ...process.env, ...NODE_RUNTIME.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const url = /URL:\s+(\S+)/.exec(out)?.[1];
      const token = /Token:\s+(\S+)/.exec(out)?.[1];
      if (url && token) {
        clearTimeout(timer);
        resolve({
          url,
          token,
          child,
          output: () => out,
          stop: (signal = 'SIGTERM') =>
            new Promise((done) => {
              if (child.exitCode !== null) return done(child.exitCode);
              child.once('exit', (code) => done(code));
              child.kill(signal);
            }),
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`airlock serve exited with ${code} before it was ready:\n${out}`)));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`airlock serve printed no URL and token within 20 s:\n${out}`));
    }, 20_000);
  });
}

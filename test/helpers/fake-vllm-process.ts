/**
 * Runs test/doubles/fake-vllm as its own process group for a test that needs a model server with
 * vLLM's wire format; `stop()` kills the whole group.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from './net';

const FAKE_VLLM = fileURLToPath(new URL('../doubles/fake-vllm', import.meta.url));

export interface FakeVllmProcess {
  /** `http://127.0.0.1:<port>/v1`: the endpoint to register. */
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** Starts a fake vLLM serving `servedName` and waits until /health answers 200. */
export async function startFakeVllm(options: { servedName: string; apiKey?: string; env?: Record<string, string> }): Promise<FakeVllmProcess> {
  const port = await freePort();
  const args = ['serve', '/models/fake', '--port', String(port), '--served-model-name', options.servedName, ...(options.apiKey ? ['--api-key', options.apiKey] : [])];
  const child: ChildProcess = spawn(process.execPath, [FAKE_VLLM, ...args], {
    detached: true,
    stdio: 'ignore',
    env: { ...process.env, FAKE_VLLM_STARTUP_MS: '50', FAKE_VLLM_MAX_LIFETIME_MS: '120000', ...options.env },
  });
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/health`);
      if (response.status === 200) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error('fake vLLM did not become healthy in 10 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    endpoint: `http://127.0.0.1:${port}/v1`,
    port,
    async stop() {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
      if (child.exitCode === null && child.signalCode === null) await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

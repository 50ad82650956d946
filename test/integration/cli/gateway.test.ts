/**
 * Airlock's gateway as the core runs it: `airlock serve`, a fake vLLM, the airlock-gateway unit.
 * The configuration reaches the gateway over the 0600 channel only (no key in its environment,
 * argv or files), changes apply without a restart and without dropping the gateway, a revoked token
 * is refused within 1 s, and a change of the listen port restarts it on the new port.
 */
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, type RunningServe, runCli, startServe } from '../../helpers/cli';
import { type FakeVllmProcess, startFakeVllm } from '../../helpers/fake-vllm-process';
import { freePort } from '../../helpers/net';
import { useTempDir } from '../../helpers/temp-dir';

const LICENSE = join(process.cwd(), 'test/fixtures/license/sample-valid.airlock-license');
const KEY = 'canary-supervised-key-2d7e91f0';

describe('the Airlock gateway supervised by the core', () => {
  const tempDir = useTempDir('al-gw-');
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  let dataDir = '';
  const cli = async (...args: string[]) => {
    const result = await runCli([...args, '--data-dir', dataDir], { env: { VLLM_KEY: KEY } });
    expect(result.code, `airlock ${args.join(' ')}\n${result.stderr}`).toBe(0);
    return result;
  };
  const json = async <T>(...args: string[]) => JSON.parse((await cli(...args, '--json')).stdout) as T;
  const gatewayUnit = async () => (await json<{ name: string; state: string; pid: number | null }[]>('services', 'list')).find((u) => u.name === 'gateway');

  it('serves with the registry, applies changes live, refuses a revoked token within 1 s, restarts on a new port', async () => {
    dataDir = tempDir();
    const serve: RunningServe = await startServe(dataDir);
    cleanups.push(() => serve.stop());
    const vllm: FakeVllmProcess = await startFakeVllm({ servedName: 'codestral', apiKey: KEY });
    cleanups.push(() => vllm.stop());

    await cli('license', 'install', LICENSE);
    await cli('models', 'add', '--name', 'codestral', '--family', 'codestral', '--platform', 'vllm-remote', '--endpoint', vllm.endpoint, '--identifier', 'custom_openai/codestral', '--api-key-env', 'VLLM_KEY');
    await cli('features', 'set', 'code_completions', 'codestral');
    const port = await freePort();
    await cli('settings', 'set', 'gateway.port', String(port));
    await cli('settings', 'set', 'gateway.metricsPort', String(await freePort()));
    await cli('services', 'add', 'gateway', '--preset', 'airlock-gateway');
    await cli('services', 'start', 'gateway');
    await expect.poll(async () => (await gatewayUnit())?.state, { timeout: 20_000, interval: 200 }).toBe('running');
    const pid = (await gatewayUnit())!.pid!;

    // The channel: owner-only, and the gateway reports through it.
    expect(statSync(join(dataDir, 'gateway.sock')).mode & 0o777).toBe(0o600);
    await expect.poll(async () => (await json<{ channel: { isConnected: boolean }; status: { listening: { url: string } } | null }>('gateway', 'status')).status?.listening.url, { timeout: 10_000 }).toBe(
      `http://127.0.0.1:${port}`,
    );
    // No API key in the gateway's environment or command line: it came over the channel.
    const processText = readFileSync(`/proc/${pid}/environ`, 'latin1') + readFileSync(`/proc/${pid}/cmdline`, 'latin1');
    expect(processText).not.toContain(KEY);
    // (Its channel token is there: one per core run, worth nothing without the owner's right to the 0600 socket.)

    const base = `http://127.0.0.1:${port}`;
    const minted = await json<{ token: string; view: { id: string } }>('tokens', 'mint', '--label', 'ci', '--scopes', 'openai,complete_code', '--expires', '30d');
    const auth = { authorization: `Bearer ${minted.token}`, 'content-type': 'application/json' };
    const chat = () => fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: auth, body: JSON.stringify({ model: 'codestral', messages: [{ role: 'user', content: 'hi' }], max_tokens: 3 }) });
    await expect.poll(async () => (await chat()).status, { timeout: 5000, interval: 50 }).toBe(200);

    // A registry change reaches the running gateway without a restart.
    await cli('models', 'add', '--name', 'second', '--family', 'codestral', '--platform', 'vllm-remote', '--endpoint', vllm.endpoint, '--identifier', 'custom_openai/codestral', '--api-key-env', 'VLLM_KEY');
    const models = async () => ((await (await fetch(`${base}/v1/models`, { headers: auth })).json()) as { data: { id: string }[] }).data.map((m) => m.id);
    await expect.poll(models, { timeout: 2000, interval: 50 }).toContain('second');
    expect((await gatewayUnit())!.pid).toBe(pid);

    // Revocation: refused within 1 s of the core having it.
    await cli('tokens', 'revoke', minted.view.id);
    const revokedAt = performance.now();
    let refusedAfter = Number.POSITIVE_INFINITY;
    while (performance.now() - revokedAt < 3000) {
      if ((await chat()).status === 401) {
        refusedAfter = performance.now() - revokedAt;
        break;
      }
    }
    expect(refusedAfter).toBeLessThan(1000);

    // Every request is in the log, with the deployment.
    const rows = await json<{ status: number; deployment: string | null; endpoint: string }[]>('requests', 'list', '--limit', '50');
    expect(rows.some((r) => r.status === 200 && r.deployment === 'codestral' && r.endpoint === '/v1/chat/completions')).toBe(true);
    expect(rows.some((r) => r.status === 401)).toBe(true);

    // A stranger on the channel socket gets nothing.
    const refusal = await new Promise<string>((resolve, reject) => {
      const socket = connect(join(dataDir, 'gateway.sock'));
      let text = '';
      socket.setEncoding('utf8');
      socket.on('connect', () => socket.write(`${JSON.stringify({ t: 'hello', token: 'guess', pid: 1, version: 'x' })}\n`));
      socket.on('data', (chunk: string) => (text += chunk));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    expect(refusal).toContain('"t":"refused"');
    expect(refusal).not.toContain(KEY);

    // A new listen port restarts the gateway there.
    const newPort = await freePort();
    await cli('settings', 'set', 'gateway.port', String(newPort));
    await expect.poll(async () => (await fetch(`http://127.0.0.1:${newPort}/monitoring/healthz`).catch(() => null))?.status, { timeout: 20_000, interval: 200 }).toBe(200);
    expect((await gatewayUnit())!.pid).not.toBe(pid);

    // Stopping the core stops the gateway.
    const last = (await gatewayUnit())!.pid!;
    await serve.stop();
    cleanups.pop();
    expect(() => process.kill(last, 0)).toThrow();
  }, 90_000);
  it('exports a standalone configuration without keys, and a standalone gateway runs from it', async () => {
    dataDir = tempDir();
    const serve = await startServe(dataDir);
    cleanups.push(() => serve.stop());
    const vllm = await startFakeVllm({ servedName: 'codestral', apiKey: KEY });
    cleanups.push(() => vllm.stop());
    await cli('license', 'install', LICENSE);
    await cli('models', 'add', '--name', 'Codestral 22B', '--family', 'codestral', '--platform', 'vllm-remote', '--endpoint', vllm.endpoint, '--identifier', 'custom_openai/codestral', '--api-key-env', 'VLLM_KEY');
    const port = await freePort();
    await cli('settings', 'set', 'gateway.port', String(port));
    await cli('settings', 'set', 'gateway.metricsPort', '0');
    const minted = await json<{ token: string }>('tokens', 'mint', '--label', 'remote-ide', '--scopes', 'openai');
    const file = join(dataDir, 'standalone.json');
    const exported = await cli('gateway', 'export', '--output', file);
    expect(exported.stdout).toContain('AIRLOCK_KEY_CODESTRAL_22B');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).not.toContain(KEY);

    // Run it as another host would: only the file and the key's variable.
    const standalone = spawn(process.execPath, [CLI, 'gateway', 'run', '--config', file], { env: { ...process.env, AIRLOCK_KEY_CODESTRAL_22B: KEY }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    standalone.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    standalone.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => standalone.once('exit', (code) => resolve(code)));
    cleanups.push(async () => {
      standalone.kill('SIGKILL');
      await exited;
    });
    await expect.poll(async () => (await fetch(`http://127.0.0.1:${port}/monitoring/healthz`).catch(() => null))?.status, { timeout: 15_000, interval: 100 }).toBe(200);
    const answer = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${minted.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'Codestral 22B', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 }),
    });
    expect(answer.status, output).toBe(200);
    standalone.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).not.toContain(KEY);
  }, 60_000);
});

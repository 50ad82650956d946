/**
 * "Test connection" against real sockets: the fake vLLM (test/doubles/fake-vllm) started with an
 * API key and a served name, a closed port, and an https server with a self-signed certificate made
 * by openssl at test time. Real DNS, TCP, TLS and fetch: no injected fakes.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { type ConnectionTestResult, testConnection, UNKNOWN_CA_HINT } from '../../../electron/core/registry/connection-test';
import { useTempDir } from '../../helpers/temp-dir';

const FAKE_VLLM = fileURLToPath(new URL('../../doubles/fake-vllm', import.meta.url));
const CANARY_KEY = 'sk-airlock-canary-7f3c9b2e5d1a-QRST';

const children: ChildProcess[] = [];
const servers: HttpsServer[] = [];
const tempDir = useTempDir('al-conn-');

afterEach(async () => {
  // Each fake runs in its own process group (detached): kill the whole group, workers included.
  for (const child of children.splice(0)) {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) continue;
    const exited = once(child, 'exit');
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
    await exited;
  }
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts the fake vLLM with a key and a served name, and waits for /health 200. */
async function startFakeVllm(apiKey: string): Promise<{ port: number; base: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [FAKE_VLLM, 'serve', '/srv/models/qwen', '--host', '127.0.0.1', '--port', String(port), '--served-model-name', 'qwen-coder', '--api-key', apiKey], {
    detached: true,
    stdio: 'ignore',
    env: { ...process.env, FAKE_VLLM_STARTUP_MS: '200', FAKE_VLLM_MAX_LIFETIME_MS: '60000' },
  });
  children.push(child);
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const response = await fetch(`${base}/health`);
      await response.arrayBuffer();
      if (response.status === 200) return { port, base };
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error('fake vLLM did not become healthy within 10 s');
    await sleep(25);
  }
}

const statuses = (result: ConnectionTestResult) => Object.fromEntries(result.steps.map((step) => [step.id, step.status]));
const stepOf = (result: ConnectionTestResult, id: string) => {
  const found = result.steps.find((step) => step.id === id);
  if (!found) throw new Error(`no step ${id}`);
  return found;
};

describe('testConnection against the fake vLLM', () => {
  it('passes with the right key and identifier custom_openai/qwen-coder, and never shows the key', async () => {
    const { port, base } = await startFakeVllm(CANARY_KEY);
    const result = await testConnection({ platform: 'vllm-local', endpoint: `${base}/v1`, apiKey: CANARY_KEY, identifier: 'custom_openai/qwen-coder' });
    expect(statuses(result)).toEqual({ url: 'ok', dns: 'skipped', tcp: 'ok', tls: 'skipped', http: 'ok', model: 'ok', completion: 'ok', latency: 'ok' });
    expect(result).toMatchObject({ ok: true, failedStep: null });
    expect(stepOf(result, 'tcp').detail).toBe(`Connected to 127.0.0.1:${port}.`);
    expect(stepOf(result, 'http').detail).toMatch(new RegExp(`^GET http://127\\.0\\.0\\.1:${port}/v1/models → 200 OK in \\d+ ms, 1 model listed\\.$`));
    expect(stepOf(result, 'model').detail).toBe('"qwen-coder" (from custom_openai/qwen-coder) is served. Served: "qwen-coder".');
    expect(stepOf(result, 'completion').detail).toMatch(new RegExp(`^POST http://127\\.0\\.0\\.1:${port}/v1/completions → 200 OK: model "qwen-coder" answered "[^"]+" \\(max_tokens 1\\) in \\d+ ms\\.$`));
    expect(stepOf(result, 'latency').detail).toMatch(/^TCP \d+ ms · GET \/models \d+ ms · completion \d+ ms · total \d+ ms\.$/);
    expect(JSON.stringify(result)).not.toContain(CANARY_KEY);
  });

  it('resolves localhost with the system resolver and still reaches a server bound to 127.0.0.1', async () => {
    const { port } = await startFakeVllm(CANARY_KEY);
    const result = await testConnection({ platform: 'vllm-local', endpoint: `http://localhost:${port}/v1`, apiKey: CANARY_KEY, identifier: 'custom_openai/qwen-coder' });
    expect(result.ok).toBe(true);
    expect(stepOf(result, 'dns').detail).toMatch(/^localhost → .*127\.0\.0\.1/);
  });

  it('fails at the HTTP step with "API key wrong or missing" for a wrong key, which it never shows', async () => {
    const { base } = await startFakeVllm(CANARY_KEY);
    const wrongKey = 'sk-airlock-wrong-canary-0c4d8e2f-UVWX';
    const result = await testConnection({ platform: 'vllm-local', endpoint: `${base}/v1`, apiKey: wrongKey, identifier: 'custom_openai/qwen-coder' });
    expect(result).toMatchObject({ ok: false, failedStep: 'http' });
    expect(stepOf(result, 'http')).toMatchObject({
      status: 'failed',
      detail: `GET ${base}/v1/models → 401 Unauthorized: API key wrong or missing (API key …UVWX was sent).`,
      hint: 'Enter the key the server was started with (vLLM: --api-key or VLLM_API_KEY).',
    });
    const serialized = JSON.stringify(result);
    expect(serialized).not.toContain(wrongKey);
    expect(serialized).not.toContain(CANARY_KEY);
  });

  it('fails at the HTTP step without a key', async () => {
    const { base } = await startFakeVllm(CANARY_KEY);
    const result = await testConnection({ platform: 'vllm-remote', endpoint: `${base}/v1`, apiKey: null, identifier: 'custom_openai/qwen-coder' });
    expect(stepOf(result, 'http').detail).toBe(`GET ${base}/v1/models → 401 Unauthorized: API key wrong or missing (no API key was sent).`);
  });

  it('fails at the model step for custom_openai/qwen_coder and suggests qwen-coder', async () => {
    const { base } = await startFakeVllm(CANARY_KEY);
    const result = await testConnection({ platform: 'vllm-local', endpoint: `${base}/v1`, apiKey: CANARY_KEY, identifier: 'custom_openai/qwen_coder' });
    expect(result).toMatchObject({ ok: false, failedStep: 'model' });
    expect(stepOf(result, 'model')).toMatchObject({
      status: 'failed',
      detail: 'The server does not serve "qwen_coder" (from identifier custom_openai/qwen_coder). Served: "qwen-coder".',
      hint: 'Did you mean "qwen-coder"? Set the identifier to custom_openai/qwen-coder.',
    });
    expect(stepOf(result, 'completion').status).toBe('skipped');
    expect(JSON.stringify(result)).not.toContain(CANARY_KEY);
  });

  it('fails at the HTTP step with "path wrong" when /v1 is missing (after the URL step already said so for a generic server)', async () => {
    const { base } = await startFakeVllm(CANARY_KEY);
    const result = await testConnection({ platform: 'openai-compatible', endpoint: base, apiKey: CANARY_KEY, identifier: 'custom_openai/qwen-coder' });
    expect(stepOf(result, 'url').status).toBe('warning');
    expect(stepOf(result, 'http')).toMatchObject({
      status: 'failed',
      detail: `GET ${base}/models → 404 Not Found: path wrong, nothing is served there.`,
      hint: `Try ${base}/v1: OpenAI-compatible servers, vLLM included, serve their API under /v1.`,
    });
  });

  it('fails at TCP with "refused" for a closed port', async () => {
    const port = await freePort();
    const result = await testConnection({ platform: 'vllm-local', endpoint: `http://127.0.0.1:${port}/v1`, apiKey: CANARY_KEY, identifier: 'custom_openai/qwen-coder' });
    expect(result).toMatchObject({ ok: false, failedStep: 'tcp' });
    expect(stepOf(result, 'tcp')).toMatchObject({
      status: 'failed',
      detail: `Connection to 127.0.0.1:${port} refused: nothing is listening on port ${port}.`,
      hint: 'Start the server or fix the port. A vLLM server refuses connections while it is still starting or after it stopped; its default port is 8000.',
    });
    expect(JSON.stringify(result)).not.toContain(CANARY_KEY);
  });
});

/** True when an `openssl` binary is on PATH (it makes the X.509 certificate; node:crypto cannot). */
function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const OPENSSL = hasOpenssl();
if (!OPENSSL) console.warn('connection-test TLS case skipped: no `openssl` on PATH to make a self-signed certificate (node:crypto cannot create X.509 certificates).');

describe('testConnection against an https server with a self-signed certificate', () => {
  it.skipIf(!OPENSSL)('fails at the TLS step with the unknown-CA hint, and sends no request', async () => {
    const dir = tempDir();
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=airlock-test', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
      { stdio: 'ignore' },
    );
    let requests = 0;
    const server = createHttpsServer({ key: readFileSync(key), cert: readFileSync(cert) }, (_request, response) => {
      requests += 1;
      response.end('{"data":[]}');
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;

    const result = await testConnection({ platform: 'openai-compatible', endpoint: `https://127.0.0.1:${port}/v1`, apiKey: CANARY_KEY, identifier: 'custom_openai/qwen-coder' });
    expect(result).toMatchObject({ ok: false, failedStep: 'tls' });
    const tls = stepOf(result, 'tls');
    expect(tls.status).toBe('failed');
    expect(tls.detail).toMatch(/^TLSv1\.[23]: certificate CN=airlock-test, issued by CN=airlock-test, valid until \d{4}-\d{2}-\d{2} is not trusted \(self-signed, unknown CA: DEPTH_ZERO_SELF_SIGNED_CERT\)\.$/);
    expect(tls.hint).toBe(UNKNOWN_CA_HINT);
    expect(statuses(result)).toMatchObject({ http: 'skipped', model: 'skipped', completion: 'skipped' });
    expect(requests).toBe(0);
    expect(JSON.stringify(result)).not.toContain(CANARY_KEY);
  });
});

/**
 * The fake vLLM (test/doubles/fake-vllm) behaves the way the supervisor's tests rely on. Plain
 * child_process here (the supervisor's own node-pty runner is tested elsewhere); every fake runs in
 * its own process group, and after each test the group is killed and /proc is swept for the run
 * marker this file puts in every fake's environment, so nothing outlives the suite.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { diagnoseVllmOutput, flushOutputLines, INITIAL_VLLM_PROGRESS, reduceVllmProgress, splitOutputLines } from '../../../electron/core/supervisor/vllm-classifier';
import { freePort } from '../../helpers/net';

const FAKE_VLLM = fileURLToPath(new URL('../../doubles/fake-vllm', import.meta.url));
const MARK = `fake-vllm-test-${process.pid}-${randomUUID()}`;
const API_KEY = 'test-key-1234';

interface Fake {
  child: ChildProcess;
  pid: number;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const started: Fake[] = [];

function startFake(args: string[], env: Record<string, string> = {}): Fake {
  // detached: a new session and process group, so the whole tree can be signalled with kill(-pid).
  const child = spawn(process.execPath, [FAKE_VLLM, ...args], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FAKE_VLLM_TEST_RUN: MARK, FAKE_VLLM_MAX_LIFETIME_MS: '60000', ...env },
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
  // Wait for 'close' after 'exit', so every byte of stdout and stderr has been read, but not for long:
  // a helper that inherited the pipes (the port holder) keeps them open after the server is gone.
  const closed = once(child, 'close');
  const exit = once(child, 'exit').then(async ([code, signal]) => {
    await Promise.race([closed, sleep(500)]);
    return { code: code as number | null, signal: signal as NodeJS.Signals | null };
  });
  if (child.pid === undefined) throw new Error('spawn failed');
  const fake = { child, pid: child.pid, stdout: () => Buffer.concat(out).toString('utf8'), stderr: () => Buffer.concat(err).toString('utf8'), exit };
  started.push(fake);
  return fake;
}

/** Live (non-zombie) processes whose environment carries this file's marker. */
function markedProcesses(): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/environ`).includes(`FAKE_VLLM_TEST_RUN=${MARK}\0`)) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z') found.push(Number(entry));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}

function killQuietly(pid: number, signal: NodeJS.Signals = 'SIGKILL') {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/** Kills every group this file started, then anything else with the marker; returns what the sweep had to kill. */
async function reapAll(): Promise<number[]> {
  for (const fake of started.splice(0)) killQuietly(-fake.pid);
  await sleep(50);
  const swept = markedProcesses();
  for (const pid of swept) killQuietly(pid);
  await waitFor(() => markedProcesses().length === 0, 3_000);
  return swept;
}

afterAll(() => {
  expect(markedProcesses()).toEqual([]);
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(check: () => boolean | Promise<boolean>, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${withinMs} ms`);
    await sleep(20);
  }
}


async function status(url: string): Promise<number | null> {
  try {
    const response = await fetch(url);
    await response.arrayBuffer();
    return response.status;
  } catch {
    return null;
  }
}

async function startReady(env: Record<string, string> = {}, extraArgs: string[] = []) {
  const port = await freePort();
  const fake = startFake(['serve', '/srv/models/qwen', '--host', '127.0.0.1', '--port', String(port), '--served-model-name', 'qwen-coder', ...extraArgs], {
    FAKE_VLLM_STARTUP_MS: '150',
    ...env,
  });
  const base = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await status(`${base}/health`)) === 200, 5_000);
  return { fake, port, base };
}

function lines(text: string): string[] {
  const split = splitOutputLines('', text);
  return [...split.lines, ...flushOutputLines(split.rest)];
}

function sse(text: string): string[] {
  return text
    .split('\n\n')
    .filter((event) => event.length > 0)
    .map((event) => {
      expect(event.startsWith('data: ')).toBe(true);
      return event.slice('data: '.length);
    });
}

describe('fake vLLM: serving', () => {
  let port = 0;
  let base = '';
  let fake: Fake;
  const auth = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' };

  beforeAll(async () => {
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    fake = startFake(['serve', '/srv/models/qwen', '--host', '127.0.0.1', '--port', String(port), '--served-model-name', 'qwen-coder', 'Qwen/Qwen2.5-Coder', '--max-model-len', '4096'], {
      FAKE_VLLM_STARTUP_MS: '400',
      VLLM_API_KEY: API_KEY,
    });
    const seen: Array<number | null> = [];
    await waitFor(async () => {
      seen.push(await status(`${base}/health`));
      return seen.at(-1) === 200;
    }, 5_000);
    // Bound at once, like vLLM; 503 until the startup lines are through.
    expect(seen).toContain(503);
  });

  // One server for the whole block; stopped (and swept) once at the end.
  afterAll(async () => {
    await reapAll();
  });

  it('printed the startup lines the classifier follows to "ready"', () => {
    const progress = lines(fake.stdout()).reduce(reduceVllmProgress, INITIAL_VLLM_PROGRESS);
    expect(progress).toMatchObject({
      phase: 'ready',
      version: '0.11.0',
      maxModelLen: 4096,
      weightShards: { done: 4, total: 4 },
      kvCacheTokens: 71_761,
      maxConcurrency: { tokensPerRequest: 4096, concurrency: 17.52 },
      graphCapture: { done: 67, total: 67 },
      serverUrl: `http://127.0.0.1:${port}`,
      failure: null,
    });
    expect(fake.stdout()).not.toContain(API_KEY);
  });

  it('guards /v1 with the API key (401 with vLLM body), leaves /health and /metrics public', async () => {
    const denied = await fetch(`${base}/v1/models`);
    expect(denied.status).toBe(401);
    expect(await denied.json()).toEqual({ error: 'Unauthorized' });
    const wrong = await fetch(`${base}/v1/models`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    await wrong.arrayBuffer();
    expect(await status(`${base}/health`)).toBe(200);
    const metrics = await fetch(`${base}/metrics`);
    expect(await metrics.text()).toMatch(/^vllm:num_requests_running\{model_name="qwen-coder"\} 0$/m);
  });

  it('lists the served names in /v1/models', async () => {
    const response = await fetch(`${base}/v1/models`, { headers: auth });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data: Array<{ id: string; root: string; max_model_len: number }> };
    expect(body.data.map((model) => model.id)).toEqual(['qwen-coder', 'Qwen/Qwen2.5-Coder']);
    expect(body.data[0]).toMatchObject({ root: '/srv/models/qwen', max_model_len: 4096 });
  });

  it('answers /v1/completions with exactly max_tokens deterministic tokens', async () => {
    const request = { model: 'qwen-coder', prompt: 'def fibonacci(n):', max_tokens: 5 };
    const first = await fetch(`${base}/v1/completions`, { method: 'POST', headers: auth, body: JSON.stringify(request) });
    const body = (await first.json()) as { object: string; choices: Array<{ text: string; finish_reason: string }>; usage: { completion_tokens: number } };
    expect(body.object).toBe('text_completion');
    expect(body.choices[0]?.finish_reason).toBe('length');
    expect(body.choices[0]?.text.trim().split(' ')).toHaveLength(5);
    expect(body.usage.completion_tokens).toBe(5);
    const again = (await (await fetch(`${base}/v1/completions`, { method: 'POST', headers: auth, body: JSON.stringify(request) })).json()) as typeof body;
    expect(again.choices[0]?.text).toBe(body.choices[0]?.text);
  });

  it('streams /v1/completions as SSE chunks, one per token, ending with [DONE]', async () => {
    const plain = (await (
      await fetch(`${base}/v1/completions`, { method: 'POST', headers: auth, body: JSON.stringify({ model: 'qwen-coder', prompt: 'x = ', max_tokens: 4 }) })
    ).json()) as { choices: Array<{ text: string }> };
    const response = await fetch(`${base}/v1/completions`, { method: 'POST', headers: auth, body: JSON.stringify({ model: 'qwen-coder', prompt: 'x = ', max_tokens: 4, stream: true }) });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = sse(await response.text());
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((data) => JSON.parse(data) as { object: string; choices: Array<{ text: string; finish_reason: string | null }> });
    expect(chunks).toHaveLength(4);
    expect(chunks.every((chunk) => chunk.object === 'text_completion')).toBe(true);
    expect(chunks.map((chunk) => chunk.choices[0]?.finish_reason)).toEqual([null, null, null, 'length']);
    expect(chunks.map((chunk) => chunk.choices[0]?.text).join('')).toBe(plain.choices[0]?.text);
  });

  it('answers /v1/chat/completions, plain and streamed', async () => {
    const messages = [{ role: 'user', content: 'Write a haiku about GPUs' }];
    const plain = (await (
      await fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: auth, body: JSON.stringify({ model: 'Qwen/Qwen2.5-Coder', messages, max_tokens: 3 }) })
    ).json()) as { object: string; choices: Array<{ message: { role: string; content: string } }> };
    expect(plain.object).toBe('chat.completion');
    expect(plain.choices[0]?.message.role).toBe('assistant');
    const streamed = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ model: 'Qwen/Qwen2.5-Coder', messages, max_tokens: 3, stream: true, stream_options: { include_usage: true } }),
    });
    const events = sse(await streamed.text());
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((data) => JSON.parse(data) as { object: string; choices: Array<{ delta: { role?: string; content?: string } }>; usage?: { completion_tokens: number } });
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: 'assistant', content: '' });
    expect(chunks.slice(1, 4).map((chunk) => chunk.choices[0]?.delta.content).join('')).toBe(plain.choices[0]?.message.content);
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { completion_tokens: 3 } });
  });

  it('refuses an unknown model (404) and a bad max_tokens (400)', async () => {
    const unknown = await fetch(`${base}/v1/completions`, { method: 'POST', headers: auth, body: JSON.stringify({ model: 'gpt-4', prompt: 'x' }) });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { type: 'NotFoundError', message: 'The model `gpt-4` does not exist.' } });
    const bad = await fetch(`${base}/v1/completions`, { method: 'POST', headers: auth, body: JSON.stringify({ model: 'qwen-coder', prompt: 'x', max_tokens: 0 }) });
    expect(bad.status).toBe(400);
    await bad.arrayBuffer();
  });

  it('shuts down on SIGTERM with exit 0 and Uvicorn\'s lines', async () => {
    process.kill(-fake.pid, 'SIGTERM');
    expect(await fake.exit).toEqual({ code: 0, signal: null });
    expect(fake.stdout()).toContain('Application shutdown complete.');
  });
});

describe('fake vLLM: command line and exits', () => {
  afterEach(async () => {
    await reapAll();
  });

  it('an unknown flag exits 2 with an argparse usage message', async () => {
    const fake = startFake(['serve', '/srv/models/qwen', '--port', '8000', '--bogus-flag']);
    expect(await fake.exit).toEqual({ code: 2, signal: null });
    expect(fake.stderr()).toBe('usage: vllm serve [model_tag] [options]\nvllm serve: error: unrecognized arguments: --bogus-flag\n');
    expect(fake.stdout()).toBe('');
  });

  it('a bad value exits 2 too', async () => {
    const fake = startFake(['serve', '/srv/models/qwen', '--max-model-len', 'lots']);
    expect((await fake.exit).code).toBe(2);
    expect(fake.stderr()).toContain("error: argument --max-model-len: invalid int value: 'lots'");
  });

  it('FAKE_VLLM_PRINT_AND_EXIT_BYTES=65536 prints exactly 64 KiB of checkable lines, then exits 1', async () => {
    const fake = startFake(['serve', '/srv/models/qwen'], { FAKE_VLLM_PRINT_AND_EXIT_BYTES: '65536' });
    expect(await fake.exit).toEqual({ code: 1, signal: null });
    const output = Buffer.from(fake.stdout(), 'utf8');
    expect(output.length).toBe(65_536);
    const trailerStart = output.lastIndexOf('fake-vllm end ');
    const trailer = /^fake-vllm end lines=(\d{8}) bytes=(\d{10}) sha256=([0-9a-f]{64})\n$/.exec(output.subarray(trailerStart).toString());
    expect(trailer).not.toBeNull();
    const body = output.subarray(0, trailerStart);
    expect(createHash('sha256').update(body).digest('hex')).toBe(trailer?.[3]);
    expect(Number(trailer?.[2])).toBe(65_536);
    const bodyLines = body.toString().split('\n').slice(0, -1);
    expect(bodyLines).toHaveLength(Number(trailer?.[1]));
    bodyLines.slice(0, -1).forEach((line, index) => expect(line.startsWith(`fake-vllm ${String(index + 1).padStart(8, '0')} `)).toBe(true));
  });

  it('FAKE_VLLM_CRASH_AFTER_MS=200 exits 1 after 200 ms with a traceback', async () => {
    const began = Date.now();
    const fake = startFake(['serve', '/srv/models/qwen', '--port', String(await freePort())], { FAKE_VLLM_CRASH_AFTER_MS: '200' });
    expect(await fake.exit).toEqual({ code: 1, signal: null });
    expect(Date.now() - began).toBeGreaterThanOrEqual(200);
    expect(fake.stderr()).toMatch(/^Traceback \(most recent call last\):\n/);
    expect(fake.stderr()).toContain('RuntimeError: fake-vllm crashed after 200 ms');
  });

  it.each([
    ['FAKE_VLLM_OOM', '1', 'cuda-oom'],
    ['FAKE_VLLM_FAIL', 'kv-cache', 'kv-cache-too-small'],
    ['FAKE_VLLM_FAIL', 'free-memory', 'insufficient-free-memory'],
  ])('%s=%s prints what the classifier reads as %s, and exits 1', async (name, value, id) => {
    const fake = startFake(['serve', '/srv/models/qwen', '--port', String(await freePort()), '--max-model-len', '40960'], { [name]: value, FAKE_VLLM_STARTUP_MS: '100' });
    expect(await fake.exit).toEqual({ code: 1, signal: null });
    const diagnosis = diagnoseVllmOutput(lines(fake.stdout() + fake.stderr()));
    expect(diagnosis?.id).toBe(id);
    if (id === 'kv-cache-too-small') expect(diagnosis?.suggestedMaxModelLen).toBe(24576);
    if (id === 'cuda-oom') expect(diagnosis?.gpuHolders).toEqual([{ pid: 41235, memory: '40.00 GiB' }]);
  });

  it('a port already taken fails the way vLLM does: [Errno 98], exit 1', async () => {
    const { port } = await startReady();
    const second = startFake(['serve', '/srv/models/qwen', '--host', '127.0.0.1', '--port', String(port)]);
    expect((await second.exit).code).toBe(1);
    expect(diagnoseVllmOutput(lines(second.stderr()))).toMatchObject({ id: 'port-in-use' });
  });
});

describe('fake vLLM: process-tree hazards', () => {
  afterEach(async () => {
    await reapAll();
  });

  it('workers share the group; the setsid grandchild survives a group kill and only the marker sweep finds it', async () => {
    const pidFile = join(tmpdir(), `fake-vllm-pids-${randomUUID()}`);
    const { fake } = await startReady({ FAKE_VLLM_WORKERS: '2', FAKE_VLLM_SETSID_GRANDCHILD: '1', FAKE_VLLM_PID_FILE: pidFile });
    await waitFor(() => markedProcesses().length === 4, 3_000);
    // A process can be visible in /proc before it has appended its line: wait for all four lines.
    await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim().split('\n').length === 4, 3_000);
    const roles = new Map(
      readFileSync(pidFile, 'utf8')
        .trim()
        .split('\n')
        .map((line) => line.split(' ') as [string, string])
        .map(([role, pid]) => [Number(pid), role]),
    );
    expect([...roles.values()].sort()).toEqual(['api-server', 'grandchild', 'worker', 'worker']);
    const grandchild = [...roles].find(([, role]) => role === 'grandchild')?.[0];

    process.kill(-fake.pid, 'SIGKILL');
    await fake.exit;
    await waitFor(() => markedProcesses().length === 1, 3_000);
    expect(markedProcesses()).toEqual([grandchild]);
    expect(await reapAll()).toEqual([grandchild]);
  });

  it('a dead worker takes the server down with exit 1', async () => {
    const pidFile = join(tmpdir(), `fake-vllm-pids-${randomUUID()}`);
    const { fake } = await startReady({ FAKE_VLLM_WORKERS: '1', FAKE_VLLM_PID_FILE: pidFile });
    await waitFor(() => readFileSync(pidFile, 'utf8').includes('worker'), 3_000);
    const worker = Number(/worker (\d+)/.exec(readFileSync(pidFile, 'utf8'))?.[1]);
    process.kill(worker, 'SIGKILL');
    expect(await fake.exit).toEqual({ code: 1, signal: null });
    expect(fake.stdout()).toMatch(/Worker proc Worker_TP0 died unexpectedly \(SIGKILL\)/);
  });

  it('FAKE_VLLM_IGNORE_SIGTERM=1 survives SIGTERM to the group, not SIGKILL', async () => {
    const { fake, base } = await startReady({ FAKE_VLLM_IGNORE_SIGTERM: '1', FAKE_VLLM_WORKERS: '1' });
    process.kill(-fake.pid, 'SIGTERM');
    await sleep(300);
    expect(await status(`${base}/health`)).toBe(200);
    expect(markedProcesses()).toHaveLength(2);
    process.kill(-fake.pid, 'SIGKILL');
    expect((await fake.exit).signal).toBe('SIGKILL');
    expect(fake.stdout()).toContain('Received SIGTERM; ignoring it');
  });

  it('FAKE_VLLM_HOLD_PORT_AFTER_EXIT=1 keeps the port taken after the server is killed', async () => {
    const { fake, port } = await startReady({ FAKE_VLLM_HOLD_PORT_AFTER_EXIT: '1' });
    process.kill(fake.pid, 'SIGKILL'); // the server only, not its group
    await fake.exit;
    const bind = createServer();
    const error = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
      bind.once('error', resolve);
      bind.listen(port, '127.0.0.1', () => resolve(null));
    });
    bind.close();
    expect(error?.code).toBe('EADDRINUSE');
    expect(markedProcesses()).toHaveLength(1);
  });
});

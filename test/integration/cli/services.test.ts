import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createProcessTable, findTagged } from '../../../electron/core/supervisor/process-table';
import { type RunningServe, runCli, startServe } from '../../helpers/cli';
import { writeSmallQwenModel } from '../../helpers/model-dir';
import { useTempDir } from '../../helpers/temp-dir';
import { freePort } from '../../helpers/net';

const FAKE_VLLM = join(process.cwd(), 'test/doubles/fake-vllm');
const table = createProcessTable();


/** The appliance id that prefixes every run tag of this data directory. */
function applianceId(dataDir: string): string {
  const db = new Database(join(dataDir, 'config.db'), { readonly: true });
  try {
    return (db.prepare("SELECT value FROM meta WHERE key = 'appliance_id'").get() as { value: string }).value;
  } finally {
    db.close();
  }
}

describe('airlock services and logs (serve + fake vLLM)', () => {
  const tempDir = useTempDir();
  const running: RunningServe[] = [];
  afterEach(async () => {
    for (const serve of running.splice(0)) await serve.stop();
  });
  const cli = (dataDir: string, ...args: string[]) => runCli([...args, '--data-dir', dataDir]);
  const unitJson = async (dataDir: string, name: string) =>
    (JSON.parse((await cli(dataDir, 'services', 'list', '--json')).stdout) as { name: string; state: string; cannotStart: { reason: string } | null; pid: number | null; revision: number; progress: { phase: string } | null; lastProblem: { summary: string } | null }[]).find(
      (u) => u.name === name,
    );

  it('adds a vLLM unit, starts it (running only once /health and /v1/models agree), tails and searches its log, stops it', async () => {
    const dataDir = tempDir();
    running.push(await startServe(dataDir));
    const port = await freePort();
    expect((await cli(dataDir, 'settings', 'set', 'services.vllmPath', FAKE_VLLM)).code).toBe(0);
    const add = await cli(dataDir, 'services', 'add', 'qwen', '--preset', 'vllm', '--model', writeSmallQwenModel(tempDir()), '--served-name', 'qwen-coder', '--port', String(port), '--env', 'FAKE_VLLM_STARTUP_MS=400');
    expect(add.code, add.stderr).toBe(0);
    // The key is in the environment, never on the command line.
    expect(add.stdout).not.toContain('--api-key');
    const added = await unitJson(dataDir, 'qwen');
    expect((await cli(dataDir, 'services', 'start', 'qwen')).code).toBe(0);
    await expect.poll(async () => (await unitJson(dataDir, 'qwen'))?.state, { timeout: 15_000 }).toBe('running');
    const unit = await unitJson(dataDir, 'qwen');
    expect(unit?.progress?.phase).toBe('ready');
    // Every change (starting, each progress phase, running) moved the unit's revision on.
    expect(unit!.revision).toBeGreaterThan(added!.revision + 2);

    // /v1 needs the key the core gave vLLM: without it, 401.
    const unauthorized = await fetch(`http://127.0.0.1:${port}/v1/models`);
    expect(unauthorized.status).toBe(401);

    const tail = await cli(dataDir, 'logs', 'tail', 'qwen', '-n', '200');
    expect(tail.stdout).toContain('Application startup complete');
    const search = await cli(dataDir, 'logs', 'search', 'KV cache', '--unit', 'qwen', '--json');
    expect((JSON.parse(search.stdout) as unknown[]).length).toBeGreaterThan(0);

    const list = await cli(dataDir, 'services', 'list');
    expect(list.stdout).toMatch(/qwen\s+vllm\s+running/);
    expect((await cli(dataDir, 'services', 'stop', 'qwen')).code).toBe(0);
    await expect.poll(async () => (await unitJson(dataDir, 'qwen'))?.state, { timeout: 15_000 }).toBe('stopped');
    expect(findTagged(table, `${applianceId(dataDir)}:`)).toEqual([]);
  }, 60_000);

  it('refuses bad definitions with the field at fault, unknown units, and a second unit on the same port', async () => {
    const dataDir = tempDir();
    running.push(await startServe(dataDir));
    const relative = await cli(dataDir, 'services', 'add', 'bad', '--preset', 'custom', '--command', 'bin/thing');
    expect(relative.code).toBe(2);
    expect(relative.stderr).toContain('command: must be an absolute path');
    const badName = await cli(dataDir, 'services', 'add', 'Bad_Name', '--preset', 'custom', '--command', '/bin/true');
    expect(badName.stderr).toContain('lower-case letters');
    expect((await cli(dataDir, 'services', 'add', 'one', '--preset', 'custom', '--command', '/bin/sleep', '--arg', '300', '--port', '9911')).code).toBe(0);
    const clash = await cli(dataDir, 'services', 'add', 'two', '--preset', 'custom', '--command', '/bin/sleep', '--port', '9911');
    expect(clash.stderr).toContain('port 9911 is already used by unit "one"');
    const unknown = await cli(dataDir, 'services', 'start', 'nope');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('There is no unit "nope". Units: one.');
    // A vLLM unit whose model directory is wrong is refused at start, with the path, before anything
    // is spawned (vLLM would start, fail, and crash-loop); the unit's card says so from the start.
    await cli(dataDir, 'settings', 'set', 'services.vllmPath', FAKE_VLLM);
    const notAModel = tempDir();
    for (const [name, model, why] of [
      ['missing', '/srv/models/not-there', 'the model directory /srv/models/not-there does not exist'],
      ['no-config', notAModel, `the model directory ${notAModel} has no config.json`],
    ] as const) {
      const added = await cli(dataDir, 'services', 'add', name, '--preset', 'vllm', '--model', model, '--port', String(await freePort()));
      expect(added.code).toBe(0);
      expect(added.stdout).toContain(`Added ${name} (vllm), but it cannot start as it is: ${why}`);
      expect((await cli(dataDir, 'services', 'list')).stdout).toContain(`${name}: cannot start — ${why}`);
      const start = await cli(dataDir, 'services', 'start', name);
      expect(start.code).not.toBe(0);
      expect(start.stderr).toContain(`Cannot start "${name}": ${why}`);
      expect((await unitJson(dataDir, name))?.state).toBe('stopped');
    }
    expect(findTagged(table, `${applianceId(dataDir)}:`)).toEqual([]);
    // Fixed on disk: the next start gets past it, and the unit no longer says it cannot start.
    writeFileSync(join(notAModel, 'config.json'), '{}');
    expect((await cli(dataDir, 'services', 'start', 'no-config')).code).toBe(0);
    expect((await unitJson(dataDir, 'no-config'))?.cannotStart).toBeNull();
    expect((await cli(dataDir, 'services', 'stop', 'no-config')).code).toBe(0);
  });

  it('after the evaluation ended, adding a vLLM unit is refused through the CLI with the license message (exit 5); probing still works', async () => {
    const dataDir = tempDir();
    // First run 40 days ago: the 30-day evaluation is over and no license is installed.
    const first = await startServe(dataDir);
    await first.stop();
    const db = new Database(join(dataDir, 'config.db'));
    db.prepare("UPDATE meta SET value = ? WHERE key = 'first_run_at'").run(String(Date.now() - 40 * 86_400_000));
    db.close();
    running.push(await startServe(dataDir));
    const refused = await cli(dataDir, 'services', 'add', 'qwen', '--preset', 'vllm', '--model', '/srv/models/qwen');
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain('Refused (register-model)');
    expect(refused.stderr).toContain('evaluation ended');
    const json = await cli(dataDir, 'services', 'add', 'qwen', '--preset', 'vllm', '--model', '/srv/models/qwen', '--json');
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'LICENSE_REQUIRED', data: { action: 'register-model', state: 'missing' } } });
    expect((await runCli(['probe', '--json', '--data-dir', dataDir], { env: { AIRLOCK_NVIDIA_SMI: '/nonexistent' } })).code).toBe(0);
    expect((await cli(dataDir, 'services', 'list')).code).toBe(0);
  });

  it('core death: after SIGKILL of the core, the next start reaps every tagged survivor before spawning, and the unit comes back on its port', async () => {
    const dataDir = tempDir();
    const first = await startServe(dataDir);
    const port = await freePort();
    await cli(dataDir, 'settings', 'set', 'services.vllmPath', FAKE_VLLM);
    await cli(dataDir, 'services', 'add', 'qwen', '--preset', 'vllm', '--model', writeSmallQwenModel(tempDir()), '--port', String(port), '--env', 'FAKE_VLLM_WORKERS=2', '--env', 'FAKE_VLLM_SETSID_GRANDCHILD=1', '--env', 'FAKE_VLLM_STARTUP_MS=200', '--stop-timeout', '2000');
    await cli(dataDir, 'services', 'start', 'qwen');
    await expect.poll(async () => (await unitJson(dataDir, 'qwen'))?.state, { timeout: 15_000 }).toBe('running');
    const prefix = `${applianceId(dataDir)}:`;
    const before = findTagged(table, prefix).map((p) => p.pid);
    expect(before.length).toBeGreaterThanOrEqual(4); // wrapper, api server, 2 workers, setsid grandchild

    await first.stop('SIGKILL');
    // The core is gone; its units live on as orphans (that is the hazard).
    expect(findTagged(table, prefix).length).toBeGreaterThanOrEqual(before.length - 1);

    const second = await startServe(dataDir);
    running.push(second);
    for (const pid of before) expect(table.stat(pid)?.state ?? 'gone').toMatch(/gone|Z/);
    await expect.poll(async () => (await unitJson(dataDir, 'qwen'))?.state, { timeout: 15_000 }).toBe('running');
    const unit = await unitJson(dataDir, 'qwen');
    expect(unit?.lastProblem).toBeNull(); // no port-in-use on the way back
    const after = findTagged(table, prefix).map((p) => p.pid);
    expect(after.some((pid) => before.includes(pid))).toBe(false);
    // Exactly one API server listens on the port.
    const listeners = spawnSync('sh', ['-c', `grep -c ":$(printf '%04X' ${port}) 00000000:0000 0A" /proc/net/tcp`], { encoding: 'utf8' }).stdout.trim();
    expect(Number(listeners)).toBe(1);
  }, 60_000);

  it('logs download gives the full log byte for byte (multibyte characters whole); only the unit\'s own files can be read', async () => {
    const dataDir = tempDir();
    running.push(await startServe(dataDir));
    const script = 'for i in $(seq 1 3000); do echo "line $i – naïve café €"; done';
    await cli(dataDir, 'services', 'add', 'talker', '--preset', 'custom', '--command', '/bin/sh', '--arg', '-c', '--arg', script, '--restart', 'never');
    await cli(dataDir, 'services', 'start', 'talker');
    await expect.poll(async () => (await unitJson(dataDir, 'talker'))?.state, { timeout: 15_000 }).toBe('exited');
    const out = join(dataDir, 'download.log');
    const download = await cli(dataDir, 'logs', 'download', 'talker', '-o', out);
    expect(download.code, download.stderr).toBe(0);
    const { readFileSync: read } = await import('node:fs');
    const expected = Array.from({ length: 3000 }, (_, i) => `line ${i + 1} – naïve café €\n`).join('');
    expect(read(out, 'utf8')).toBe(expected);
    expect(read(out)).toEqual(read(join(dataDir, 'logs', 'talker.log')));
    // No way out of the unit's own log files.
    const { connectToCore } = await import('../../../electron/cli/core-client');
    const core = await connectToCore(dataDir);
    try {
      for (const file of ['../config.db', 'talker.log/../../config.db', '/etc/passwd', 'other.log']) {
        await expect(core.client.call('logs.read', { name: 'talker', file, fromByte: 0, maxBytes: 10 })).rejects.toMatchObject({ code: 'LOG_FILE_NOT_FOUND' });
      }
    } finally {
      core.close();
    }
  });
});

import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, readdirSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningServe, runCli, startServe } from '../../helpers/cli';
import { writeSmallQwenModel } from '../../helpers/model-dir';
import { freePort } from '../../helpers/net';
import { useTempDir } from '../../helpers/temp-dir';

const FAKE_VLLM = join(process.cwd(), 'test/doubles/fake-vllm');
const CANARY = 'sk-canary-registry-8d7c6b5a4f3e';

describe('airlock models, features, gitlab-sheet (serve + fake vLLM)', () => {
  const tempDir = useTempDir();
  const running: RunningServe[] = [];
  const fakes: ChildProcess[] = [];
  afterEach(async () => {
    for (const serve of running.splice(0)) await serve.stop();
    for (const fake of fakes.splice(0)) if (fake.pid) process.kill(-fake.pid, 'SIGKILL');
  });

  async function startFakeVllm(): Promise<number> {
    const port = await freePort();
    const fake = spawn(FAKE_VLLM, ['serve', '/srv/models/codestral', '--host', '127.0.0.1', '--port', String(port), '--served-model-name', 'codestral'], {
      env: { ...process.env, VLLM_API_KEY: CANARY, FAKE_VLLM_STARTUP_MS: '100' },
      detached: true,
      stdio: 'ignore',
    });
    fakes.push(fake);
    await expect.poll(async () => (await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined))?.status, { timeout: 10_000 }).toBe(200);
    return port;
  }

  it('registers, tests (green, then a wrong key fails at the HTTP step), maps features, prints the sheet; the key is nowhere in clear', async () => {
    const dataDir = tempDir();
    running.push(await startServe(dataDir));
    const port = await startFakeVllm();
    const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli([...args, '--data-dir', dataDir], { env });

    const add = await cli(
      ['models', 'add', '--name', 'Codestral on GPU 0', '--family', 'codestral', '--platform', 'vllm-local', '--endpoint', `http://127.0.0.1:${port}/v1`, '--identifier', 'custom_openai/codestral', '--api-key-env', 'CODESTRAL_KEY'],
      { CODESTRAL_KEY: CANARY },
    );
    expect(add.code, add.stderr).toBe(0);
    const list = await cli(['models', 'list']);
    expect(list.stdout).toContain(`key …${CANARY.slice(-4)}`);
    expect(list.stdout).not.toContain(CANARY);

    const green = await cli(['models', 'test', 'Codestral on GPU 0', '--json']);
    expect(green.code, green.stdout).toBe(0);
    expect(JSON.parse(green.stdout)).toMatchObject({ ok: true, failedStep: null });

    // A wrong identifier is refused at add time with the field's own message.
    const badId = await cli(['models', 'add', '--name', 'other', '--family', 'codestral', '--platform', 'vllm-local', '--endpoint', `http://127.0.0.1:${port}/v1`, '--identifier', 'codestral']);
    expect(badId.code).toBe(2);
    expect(badId.stderr).toContain('identifier');

    const features = await cli(['features', 'set', 'code_completions', 'Codestral on GPU 0']);
    expect(features.code, features.stderr).toBe(0);
    expect((await cli(['features', 'set', 'code_generations', 'codestral on gpu 0'])).code).toBe(0);
    const featureList = await cli(['features', 'list', '--json']);
    const mapped = (JSON.parse(featureList.stdout) as { feature: { id: string }; deploymentName: string | null }[]).filter((r) => r.deploymentName !== null).map((r) => r.feature.id);
    expect(mapped.sort()).toEqual(['code_completions', 'code_generations']);

    const sheet = await cli(['gitlab-sheet', '--username', 'root']);
    expect(sheet.stdout).toContain('Codestral on GPU 0');
    expect(sheet.stdout).toContain('custom_openai/codestral');
    expect(sheet.stdout).toContain('gitlab-rake "gitlab:duo:verify_self_hosted_setup[root]"');
    expect(sheet.stdout).not.toContain(CANARY);
    // Revealed only on purpose, read on this host from the data directory (not over the core's socket).
    const revealed = await cli(['gitlab-sheet', '--reveal-keys']);
    expect(revealed.code, revealed.stderr).toBe(0);
    expect(revealed.stdout).toContain(`API key:          ${CANARY}`);
    expect(revealed.stderr).toContain('showing API keys in clear, as asked');

    // Now break the key through the contract: the test fails at the HTTP step with the 401 reason.
    const { connectToCore } = await import('../../../electron/cli/core-client');
    const core = await connectToCore(dataDir);
    try {
      await core.client.call('models.update', { name: 'Codestral on GPU 0', patch: { apiKey: 'sk-wrong-key-000000000000' } });
      const red = await core.client.call('models.test', { name: 'Codestral on GPU 0' });
      expect(red).toMatchObject({ ok: false, failedStep: 'http' });
      const httpStep = red.steps.find((s) => s.id === 'http')!;
      expect(`${httpStep.detail} ${httpStep.hint}`).toMatch(/401|key/i);
      expect(JSON.stringify(red)).not.toContain('sk-wrong-key-000000000000');
      await core.client.call('settings.set', { key: 'models.betaEnabled', value: true });
      const verify = await core.client.call('audit.verify', {});
      expect(verify).toMatchObject({ isIntact: true });
      const [latest] = await core.client.call('audit.list', { limit: 1 });
      // The actor is the client the change came from: here the control socket (the CLI's).
      expect(latest).toMatchObject({ actor: 'cli', action: 'setting.set', target: 'models.betaEnabled', changes: [{ field: 'value', old: false, new: true }] });
      expect(JSON.stringify(await core.client.call('audit.list', { limit: 50 }))).not.toContain(CANARY);
    } finally {
      core.close();
    }

    // The canary is found nowhere in the data directory in clear: config.db, its WAL, logs, files.
    for (const file of readdirSync(dataDir, { recursive: true, withFileTypes: true })) {
      if (file.isFile()) expect(readFileSync(join(file.parentPath, file.name)).includes(Buffer.from(CANARY)), file.name).toBe(false);
    }
  }, 60_000);

  it('serve on this host: the fit plan on the probed GPUs makes a running vLLM unit and a deployment that passes its connection test', async () => {
    const dataDir = tempDir();
    const { FAKE_NVIDIA_SMI, NVIDIA_SMI_FIXTURES, fakeNvidiaSmiEnv } = await import('../../doubles/fake-nvidia-smi-env');
    const env = { AIRLOCK_NVIDIA_SMI: FAKE_NVIDIA_SMI, ...fakeNvidiaSmiEnv('capture', { xml: join(NVIDIA_SMI_FIXTURES, 'xml_2gpu_rtx-a5000_driver-590.44.01_schema-v13.xml') }) };
    running.push(await startServe(dataDir, [], { env }));
    const cli = (args: string[]) => runCli([...args, '--data-dir', dataDir]);
    await cli(['settings', 'set', 'services.vllmPath', FAKE_VLLM]);
    // Qwen models register under the "general" family, which GitLab offers only with beta features on.
    await cli(['settings', 'set', 'models.betaEnabled', 'true']);

    const modelDir = writeSmallQwenModel(dataDir);

    const served = await cli(['models', 'serve', modelDir, '--family', 'general', '--context', '4096', '--json']);
    expect(served.code, served.stderr).toBe(0);
    const result = JSON.parse(served.stdout) as { deployment: { name: string; endpoint: string; identifier: string }; unitName: string; plan: { gpuIndices: number[] } };
    expect(result.deployment.identifier).toBe('custom_openai/qwen2.5-0.5b-instruct');
    expect(result.deployment.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    // GPU 0 has 1.6 GB free, GPU 1 6.8 GB: the plan must pick GPU 1.
    expect(result.plan.gpuIndices).toEqual([1]);

    await expect
      .poll(async () => (JSON.parse((await cli(['services', 'list', '--json'])).stdout) as { name: string; state: string }[]).find((u) => u.name === result.unitName)?.state, { timeout: 15_000 })
      .toBe('running');
    const test = await cli(['models', 'test', result.deployment.name, '--json']);
    expect(test.code, test.stdout).toBe(0);
    expect(JSON.parse(test.stdout)).toMatchObject({ ok: true });

    // Too big for the free memory: refused, and nothing half-made stays behind.
    truncateSync(join(modelDir, 'model.safetensors'), 40 * 1024 ** 3);
    const refused = await cli(['models', 'serve', modelDir, '--family', 'general', '--name', 'too big']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('does not fit');
    expect((JSON.parse((await cli(['models', 'list', '--json'])).stdout) as unknown[]).length).toBe(1);
  }, 60_000);
});

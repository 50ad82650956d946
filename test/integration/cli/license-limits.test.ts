import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FAKE_NVIDIA_SMI, NVIDIA_SMI_FIXTURES, fakeNvidiaSmiEnv } from '../../doubles/fake-nvidia-smi-env';
import { type RunningServe, runCli, startServe } from '../../helpers/cli';
import { writeSmallQwenModel } from '../../helpers/model-dir';
import { useTempDir } from '../../helpers/temp-dir';
import { basePayload, issue } from '../../unit/core/license/license-test-kit';

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
/** GPU 0 of the two-GPU capture the fake nvidia-smi prints. */
const GPU0_UUID = 'GPU-12345678-aaaa-bbbb-cccc-0123456789ab';

describe('license limits (airlock serve + CLI, a license for 1 GPU and 1 deployment)', () => {
  const tempDir = useTempDir();
  const running: RunningServe[] = [];
  afterEach(async () => {
    for (const serve of running.splice(0)) await serve.stop();
  });

  it('refuses the deployment and the GPU past the limits (exit 5, nothing changed); more units on the GPU already used are fine', async () => {
    const dataDir = tempDir();
    const env = { AIRLOCK_NVIDIA_SMI: FAKE_NVIDIA_SMI, ...fakeNvidiaSmiEnv('capture', { xml: join(NVIDIA_SMI_FIXTURES, 'xml_2gpu_rtx-a5000_driver-590.44.01_schema-v13.xml') }) };
    running.push(await startServe(dataDir, [], { env }));
    const cli = (...args: string[]) => runCli([...args, '--data-dir', dataDir]);

    const now = Date.now();
    const licenseFile = join(dataDir, 'limited.airlock-license');
    const dates = { issuedAt: iso(now - DAY), startsAt: iso(now - DAY), expiresAt: iso(now + 365 * DAY), notifyFrom: iso(now + 335 * DAY) };
    const payload = basePayload({
      licenseId: 'AL-LIMITS-0001',
      ...dates,
      addOns: [{ id: 'duo_enterprise', seats: 10, startsAt: dates.startsAt, expiresAt: dates.expiresAt }],
      limits: { maxGpus: 1, maxDeployments: 1 },
    });
    writeFileSync(licenseFile, issue(payload, 'test'));
    const installed = await cli('license', 'install', licenseFile);
    expect(installed.code, installed.stderr).toBe(0);

    const add = (name: string) => cli('models', 'add', '--name', name, '--family', 'codestral', '--platform', 'vllm-remote', '--endpoint', 'http://10.0.0.5:8000/v1', '--identifier', 'custom_openai/codestral');
    expect((await add('first')).code).toBe(0);
    const second = await add('second');
    expect(second.code).toBe(5);
    expect(second.stderr).toContain('License AL-LIMITS-0001 allows 1 deployment; this change would make 2 (1 registered, 1 more asked). Nothing was changed');

    // An import that would add one is refused whole; one that only updates the existing one is applied.
    const exported = JSON.parse((await cli('config', 'export')).stdout) as { deployments: { name: string; endpoint: string }[] };
    const adding = join(dataDir, 'adding.json');
    writeFileSync(adding, JSON.stringify({ ...exported, deployments: [...exported.deployments, { ...exported.deployments[0]!, name: 'third' }] }));
    const refusedImport = await cli('config', 'import', adding);
    expect(refusedImport.code).toBe(5);
    expect(refusedImport.stderr).toContain('allows 1 deployment');
    const updating = join(dataDir, 'updating.json');
    writeFileSync(updating, JSON.stringify({ ...exported, deployments: [{ ...exported.deployments[0]!, endpoint: 'http://10.0.0.6:8000/v1' }] }));
    expect((await cli('config', 'import', updating)).code).toBe(0);
    const names = (JSON.parse((await cli('models', 'list', '--json')).stdout) as { name: string; endpoint: string }[]).map((d) => `${d.name} ${d.endpoint}`);
    expect(names).toEqual(['first http://10.0.0.6:8000/v1']);

    // GPUs: the first vLLM unit takes GPU 0; another on GPU 0 (by index or UUID) is fine; GPU 1 is not.
    let port = 18_000;
    const unit = (name: string, ...gpus: string[]) =>
      cli('services', 'add', name, '--preset', 'vllm', '--model', '/srv/models/qwen', '--port', String((port += 1)), ...(gpus.length ? ['--gpus', gpus.join(',')] : []));
    const onGpu0 = await unit('on-gpu0', '0');
    expect(onGpu0.code, onGpu0.stderr).toBe(0);
    const alsoGpu0 = await unit('also-gpu0', GPU0_UUID);
    expect(alsoGpu0.code, alsoGpu0.stderr).toBe(0);
    const onGpu1 = await unit('on-gpu1', '1');
    expect(onGpu1.code).toBe(5);
    expect(onGpu1.stderr).toContain('License AL-LIMITS-0001 allows 1 GPU; this change would make 2 (gpu 0 already assigned)');
    const anyGpu = await unit('any-gpu');
    expect(anyGpu.code).toBe(5);
    expect(anyGpu.stderr).toContain('the unit names no GPUs, so vLLM would see all 2 of this host; name the GPUs it may use');
    const units = (JSON.parse((await cli('services', 'list', '--json')).stdout) as { name: string }[]).map((u) => u.name).sort();
    expect(units).toEqual(['also-gpu0', 'on-gpu0']);
    const shown = await cli('license', 'show');
    expect(shown.stdout).toContain('limits: 1 of 1 GPUs in use (gpu 0), 1 of 1 deployments');
    expect(JSON.parse((await cli('license', 'show', '--json')).stdout)).toMatchObject({ usage: { deployments: 1, gpus: ['gpu 0'] } });

    // "Serve on this host" is checked on its plan before anything is made: with the deployment slot
    // free again, the plan (GPU 1: GPU 0 has 1.6 GB free) is refused for the GPU, and nothing is left.
    expect((await cli('models', 'rm', 'first')).code).toBe(0);
    expect((await cli('settings', 'set', 'models.betaEnabled', 'true')).code).toBe(0);
    const modelDir = writeSmallQwenModel(dataDir);
    const served = await cli('models', 'serve', modelDir, '--family', 'general', '--context', '4096');
    expect(served.code).toBe(5);
    expect(served.stderr).toContain('License AL-LIMITS-0001 allows 1 GPU; this change would make 2 (gpu 0 already assigned)');
    expect(JSON.parse((await cli('models', 'list', '--json')).stdout)).toEqual([]);
    expect((JSON.parse((await cli('services', 'list', '--json')).stdout) as unknown[]).length).toBe(2);
  }, 60_000);
});

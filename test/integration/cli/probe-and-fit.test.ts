import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAKE_NVIDIA_SMI, NVIDIA_SMI_FIXTURES, fakeNvidiaSmiEnv } from '../../doubles/fake-nvidia-smi-env';
import { runCli } from '../../helpers/cli';
import { useTempDir } from '../../helpers/temp-dir';

const GIB = 1024 ** 3;

/** Every XML capture, with what a human reading the file sees in it. */
const captures = [
  { file: 'xml_2gpu_rtx-a5000_driver-590.44.01_schema-v13.xml', count: 2, name: 'NVIDIA RTX A5000', totalMiB: 24564, driver: '590.44.01' },
  { file: 'xml_1gpu_rtx-4000-sff-ada_driver-595.84_schema-v13.xml', count: 1, name: 'NVIDIA RTX 4000 SFF Ada Generation', totalMiB: 20475, driver: '595.84' },
  { file: 'xml_1-of-4gpu_a100-sxm4-80gb-mig-enabled_driver-535.54.03_schema-v12.xml', count: 1, name: 'NVIDIA A100-SXM4-80GB', totalMiB: 81920, driver: '535.54.03' },
];

describe('airlock probe (AIRLOCK_NVIDIA_SMI pointing at the fake)', () => {
  const tempDir = useTempDir();

  it.each(captures)('$file → $count × $name', async ({ file, count, name, totalMiB, driver }) => {
    const result = await runCli(['probe', '--json', '--data-dir', tempDir()], {
      env: { AIRLOCK_NVIDIA_SMI: FAKE_NVIDIA_SMI, ...fakeNvidiaSmiEnv('capture', { xml: join(NVIDIA_SMI_FIXTURES, file) }) },
    });
    expect(result.code, result.stderr).toBe(0);
    const snapshot = JSON.parse(result.stdout) as { gpu: { status: string; driverVersion: string; gpus: { name: string; memoryTotalMiB: number }[] }; nvidiaSmi: { source: string } };
    expect(snapshot.gpu.status).toBe('ok');
    expect(snapshot.gpu.driverVersion).toBe(driver);
    expect(snapshot.gpu.gpus).toHaveLength(count);
    for (const gpu of snapshot.gpu.gpus) expect(gpu).toMatchObject({ name, memoryTotalMiB: totalMiB });
    expect(snapshot.nvidiaSmi.source).toBe('env');
  });

  it('driver not loaded: exit 0, "no usable GPU" with the reason', async () => {
    const result = await runCli(['probe', '--json', '--data-dir', tempDir()], { env: { AIRLOCK_NVIDIA_SMI: FAKE_NVIDIA_SMI, ...fakeNvidiaSmiEnv('driver-failure') } });
    expect(result.code).toBe(0);
    const { gpu } = JSON.parse(result.stdout) as { gpu: { status: string; reason: string; message: string; detail: string } };
    expect(gpu).toMatchObject({ status: 'no-gpu', reason: 'driver-not-loaded' });
    expect(gpu.detail).toContain("couldn't communicate with the NVIDIA driver");
    const human = await runCli(['probe', '--data-dir', tempDir()], { env: { AIRLOCK_NVIDIA_SMI: FAKE_NVIDIA_SMI, ...fakeNvidiaSmiEnv('driver-failure') } });
    expect(human.stdout).toContain('no usable GPU (driver-not-loaded)');
  });

  it('nvidia-smi that hangs: answered within the timeout, the hang named', async () => {
    const result = await runCli(['probe', '--json', '--timeout', '1000', '--data-dir', tempDir()], { env: { AIRLOCK_NVIDIA_SMI: FAKE_NVIDIA_SMI, ...fakeNvidiaSmiEnv('hang') } });
    expect(result.ms).toBeLessThan(1000 + 3000); // the timeout, plus Node start-up and the host probe
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ gpu: { status: 'error', reason: 'timeout' } });
  });

  it('nvidia-smi missing is a normal no-GPU state', async () => {
    const result = await runCli(['probe', '--json', '--data-dir', tempDir()], { env: { AIRLOCK_NVIDIA_SMI: join(tempDir(), 'no-such-nvidia-smi') } });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ gpu: { status: 'no-gpu', reason: 'not-installed' } });
  });
});

describe('airlock fit', () => {
  const tempDir = useTempDir();
  type FitJson = { plan: { fits: boolean; weightsBytes: number; tensorParallelSize: number | null; maxConcurrency: number; kvCache: { bytesPerToken: number }; vllmArgs: string[] | null; suggestions: { kind: string }[] }; gpus: unknown[] };
  const fit = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const result = await runCli(['fit', ...args, '--json'], { env });
    return { ...result, json: result.stdout ? (JSON.parse(result.stdout) as FitJson) : undefined };
  };

  it("reproduces GitLab's GPT-OSS-120B sizing on 1× H100 80 GB at 0.95 with 32k", async () => {
    const { code, json } = await fit(['gpt-oss-120b', '--gpus', '1x81559', '--utilization', '0.95', '--context', '32768']);
    expect(code).toBe(0);
    const plan = json!.plan;
    expect(plan.fits).toBe(true);
    expect(plan.weightsBytes / 1e9).toBeGreaterThan(60);
    expect(plan.weightsBytes / 1e9).toBeLessThan(67);
    expect(plan.kvCache.bytesPerToken).toBe(36 * 1024);
    expect(plan.maxConcurrency).toBeGreaterThanOrEqual(9);
    expect(plan.maxConcurrency).toBeLessThanOrEqual(12);
    expect(plan.vllmArgs).toEqual(expect.arrayContaining(['--tensor-parallel-size', '1', '--max-model-len', '32768', '--gpu-memory-utilization', '0.95']));
  });

  it('Mixtral 8x22B at its full context: not on 4× A100 80 GB (exit 1, suggests more GPUs), yes on 8×', async () => {
    const four = await fit(['mixtral-8x22b-instruct-v0.1', '--gpus', '4x81920', '--context', '65536']);
    expect(four.code).toBe(1);
    expect(four.json!.plan.fits).toBe(false);
    expect(four.json!.plan.suggestions.map((s) => s.kind)).toContain('more-gpus');
    const eight = await fit(['mixtral-8x22b-instruct-v0.1', '--gpus', '8x81920', '--context', '65536']);
    expect(eight.code).toBe(0);
    expect(eight.json!.plan.tensorParallelSize).toBe(8);
  });

  it('probes this host when no --gpus is given (free VRAM, not total)', async () => {
    const env = { AIRLOCK_NVIDIA_SMI: FAKE_NVIDIA_SMI, ...fakeNvidiaSmiEnv('capture', { xml: join(NVIDIA_SMI_FIXTURES, 'xml_2gpu_rtx-a5000_driver-590.44.01_schema-v13.xml') }) };
    // Both A5000s are nearly full (llama-server holds 22 GB and 17 GB): a 7B model in bf16 does not fit.
    const busy = await fit(['mistral-7b-instruct-v0.3', '--context', '8192'], env);
    expect(busy.json!.gpus).toHaveLength(2);
    expect(busy.json!.plan.fits).toBe(false);
    expect(busy.json!.plan.suggestions.map((s) => s.kind)).toContain('free-gpu-memory');
    // The same GPUs idle would hold it.
    const idle = await fit(['mistral-7b-instruct-v0.3', '--context', '8192', '--gpus', '2x24564']);
    expect(idle.json!.plan.fits).toBe(true);
  });

  it('plans a local model directory from its config.json and the size of its weight files', async () => {
    const dir = join(tempDir(), 'my-llama-8b');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({
        architectures: ['LlamaForCausalLM'],
        model_type: 'llama',
        hidden_size: 4096,
        intermediate_size: 14336,
        num_hidden_layers: 32,
        num_attention_heads: 32,
        num_key_value_heads: 8,
        max_position_embeddings: 131072,
        vocab_size: 128256,
        torch_dtype: 'bfloat16',
      }),
    );
    writeFileSync(join(dir, 'tokenizer.json'), '{}');
    // Sparse files: the size is real to stat(), no disk is used.
    writeFileSync(join(dir, 'model-00001-of-00002.safetensors'), '');
    truncateSync(join(dir, 'model-00001-of-00002.safetensors'), 10 * GIB);
    writeFileSync(join(dir, 'model-00002-of-00002.safetensors'), '');
    truncateSync(join(dir, 'model-00002-of-00002.safetensors'), 6 * GIB);
    const { code, json } = await fit([dir, '--gpus', '1x24564', '--context', '8192']);
    expect(code).toBe(0);
    expect(json!.plan.weightsBytes).toBe(16 * GIB);
    expect(json!.plan.kvCache.bytesPerToken).toBe(2 * 32 * 8 * 128 * 2);
  });

  it('says what is wrong with a model directory or an unknown model (exit 2)', async () => {
    const empty = tempDir();
    const dirResult = await runCli(['fit', empty]);
    expect(dirResult.code).toBe(2);
    expect(dirResult.stderr).toContain('config.json is missing');
    const unknown = await runCli(['fit', 'mixtral']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Did you mean');
    const badGpus = await runCli(['fit', 'gpt-oss-120b', '--gpus', 'lots']);
    expect(badGpus.code).toBe(2);
    expect(badGpus.stderr).toContain('COUNTxMiB');
  });
});

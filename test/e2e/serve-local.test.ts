import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAKE_NVIDIA_SMI, NVIDIA_SMI_FIXTURES, fakeNvidiaSmiEnv } from '../doubles/fake-nvidia-smi-env';
import { ARTIFACTS, openLoggedIn, useBrowser } from '../helpers/browser';
import { runCli, startServe } from '../helpers/cli';
import { writeSmallQwenModel } from '../helpers/model-dir';
import { useTempDir } from '../helpers/temp-dir';

const FAKE_VLLM = join(process.cwd(), 'test/doubles/fake-vllm');

describe('Serve on this host (airlock serve + fake nvidia-smi + fake vLLM + Chromium)', () => {
  const tempDir = useTempDir();
  const browser = useBrowser();

  it('serves a local model directory from the Models page: a deployment and a running vLLM unit', async () => {
    const dataDir = tempDir();
    const env = { AIRLOCK_NVIDIA_SMI: FAKE_NVIDIA_SMI, ...fakeNvidiaSmiEnv('capture', { xml: join(NVIDIA_SMI_FIXTURES, 'xml_2gpu_rtx-a5000_driver-590.44.01_schema-v13.xml') }) };
    const serve = await startServe(dataDir, [], { env });
    try {
      await runCli(['settings', 'set', 'services.vllmPath', FAKE_VLLM, '--data-dir', dataDir]);
      await runCli(['settings', 'set', 'models.betaEnabled', 'true', '--data-dir', dataDir]);
      const modelDir = writeSmallQwenModel(dataDir);

      const { page, problems } = await openLoggedIn(browser(), serve, { width: 1440, height: 1000 });
      await page.getByRole('link', { name: 'Models', exact: true }).click();
      const card = page.getByRole('form', { name: 'Serve a model on this host' });
      await card.getByLabel('Model directory').fill(modelDir);
      await card.getByLabel('Model family').selectOption('general');
      await card.getByLabel('Context length (optional)').fill('4096');
      await card.getByRole('button', { name: 'Plan and serve' }).click();
      const result = page.getByTestId('serve-local-result');
      await expect.poll(() => result.textContent(), { timeout: 15_000 }).toContain('Serving as “qwen2.5-0.5b-instruct on GPU 1”');
      await page.screenshot({ path: join(ARTIFACTS, 'serve-local.png'), fullPage: true });
      expect(problems).toEqual([]);

      await expect
        .poll(async () => (JSON.parse((await runCli(['services', 'list', '--json', '--data-dir', dataDir])).stdout) as { state: string }[])[0]?.state, { timeout: 15_000 })
        .toBe('running');
      const test = await runCli(['models', 'test', 'qwen2.5-0.5b-instruct on GPU 1', '--json', '--data-dir', dataDir]);
      expect(JSON.parse(test.stdout)).toMatchObject({ ok: true });
    } finally {
      await serve.stop();
    }
  }, 60_000);
});

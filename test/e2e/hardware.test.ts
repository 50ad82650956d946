import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { type RunningServe, startServe } from '../helpers/cli';
import { ARTIFACTS, openLoggedIn, useBrowser } from '../helpers/browser';
import { useTempDir } from '../helpers/temp-dir';

const FAKE_NVIDIA_SMI = join(process.cwd(), 'test', 'doubles', 'fake-nvidia-smi');
const TWO_GPU_XML = join(process.cwd(), 'test', 'fixtures', 'nvidia-smi', 'xml_2gpu_rtx-a5000_driver-590.44.01_schema-v13.xml');

describe('Hardware page (airlock serve + fake nvidia-smi + Chromium)', () => {
  const tempDir = useTempDir();
  const browser = useBrowser();

  /** Starts the console with nvidia-smi replaced by the double in `mode`. */
  function serveWith(mode: 'capture' | 'driver-failure'): Promise<RunningServe> {
    return startServe(tempDir(), [], {
      env: { AIRLOCK_NVIDIA_SMI: FAKE_NVIDIA_SMI, FAKE_NVIDIA_SMI_MODE: mode, FAKE_NVIDIA_SMI_XML: TWO_GPU_XML },
    });
  }

  /** Logs in and opens the Hardware page; records script errors. */
  async function openHardware(serve: RunningServe): Promise<{ page: Page; errors: string[] }> {
    const { page, problems: errors } = await openLoggedIn(browser(), serve, { width: 1440, height: 900 });
    await page.getByRole('link', { name: 'Hardware' }).click();
    await page.getByRole('heading', { name: 'Hardware', level: 1 }).waitFor();
    return { page, errors };
  }

  it('shows two RTX A5000 cards with VRAM, bus ids, processes, live charts, host checks, the fit table and a live plan', async () => {
    const serve = await serveWith('capture');
    try {
      const { page, errors } = await openHardware(serve);
      const cards = page.getByTestId('gpu-card');
      await expect.poll(() => cards.count()).toBe(2);
      expect(await page.getByTestId('gpu-name').allTextContents()).toEqual(['NVIDIA RTX A5000', 'NVIDIA RTX A5000']);
      expect((await page.getByTestId('gpu-vram-total').allTextContents()).map((t) => t.split(' (')[0])).toEqual(['24564 MiB', '24564 MiB']);
      expect(await page.getByTestId('gpu-bus-id').allTextContents()).toEqual(['00000000:81:00.0', '00000000:C1:00.0']);
      expect(await page.getByTestId('gpu-vram-used').allTextContents()).toEqual(['22437 MiB', '17253 MiB']);
      expect(await page.getByTestId('gpu-vram-free').allTextContents()).toEqual(['1678 MiB', '6862 MiB']);

      // The processes holding VRAM, per GPU, with pid, name and MiB.
      const firstProcesses = cards.nth(0).getByTestId('gpu-processes');
      expect(await firstProcesses.textContent()).toContain('100477');
      expect(await firstProcesses.textContent()).toContain('/root/src/llama.cpp/build/bin/llama-server');
      expect(await firstProcesses.textContent()).toContain('22430 MiB');
      expect(await cards.nth(1).getByTestId('gpu-processes').textContent()).toContain('17246 MiB');

      // Where the readings come from, and how long the probe took.
      const probeLine = await page.getByTestId('probe-line').textContent();
      expect(probeLine).toContain(FAKE_NVIDIA_SMI);
      expect(probeLine).toContain('AIRLOCK_NVIDIA_SMI');
      expect(probeLine).toMatch(/probed at .+ in \d/);

      // Live telemetry arrives (every 2 s) and is plotted: a line in the VRAM chart of each GPU.
      await expect.poll(() => cards.nth(0).getByTestId('gpu-asof').textContent(), { timeout: 10_000 }).toMatch(/^Live · as of /);
      await expect.poll(() => page.locator('[data-testid="chart-vram"] path.line-chart-line').count(), { timeout: 10_000 }).toBe(2);

      // Host facts and GitLab's minimums.
      const requirements = page.getByTestId('host-requirements');
      expect(await requirements.textContent()).toContain('CPU cores');
      expect(await requirements.textContent()).toContain('Memory (RAM)');
      expect(await requirements.locator('tbody tr').count()).toBeGreaterThanOrEqual(3);
      expect(await page.getByTestId('host-disks').textContent()).toContain('Airlock data');

      // The fit table: a row for every local catalog model, each with a verdict.
      const rows = page.getByTestId('fit-row');
      // The table needs catalog.get too, which nothing above waited for.
      await expect.poll(() => rows.count()).toBeGreaterThan(10);
      expect(await rows.filter({ hasText: 'Mistral 7B' }).first().getAttribute('data-verdict')).toMatch(/^(fits|no)$/);
      expect(await page.getByTestId('fit-summary').textContent()).toMatch(/\d+ of \d+ local catalog models fit/);

      // Plan one model: moving a slider recomputes at once.
      await rows.filter({ hasText: 'Mistral 7B' }).first().getByRole('button').click();
      const panel = page.getByTestId('plan-panel');
      await panel.waitFor();
      expect(await page.getByTestId('plan-model').inputValue()).toMatch(/^mistral-7b/);
      const kvNeeded = page.getByTestId('plan-kv-needed');
      const maxContext = page.getByTestId('plan-max-context');
      const before = { kv: await kvNeeded.textContent(), context: await page.getByTestId('plan-context-value').textContent() };
      expect(before.context).toBe('32,768 tokens');
      await page.getByTestId('plan-context').fill('8192');
      await expect.poll(() => page.getByTestId('plan-context-value').textContent()).toBe('8,192 tokens');
      expect(await kvNeeded.textContent()).not.toBe(before.kv);
      const maxContextAtOne = await maxContext.textContent();
      await page.getByTestId('plan-concurrency').fill('4');
      await expect.poll(() => kvNeeded.textContent()).toContain('32,768 tokens');
      expect(await maxContext.textContent()).not.toBe(maxContextAtOne);

      // "If the GPUs were idle": the 24 GB cards hold a 7B model in bf16, and the panel gives the command.
      await page.getByLabel('If the GPUs were idle').check();
      await page.getByTestId('plan-concurrency').fill('1');
      await expect.poll(() => page.getByTestId('plan-verdict').textContent()).toMatch(/^Fits on GPU/);
      const command = await page.getByTestId('plan-command').textContent();
      expect(command).toContain('vllm serve mistralai/Mistral-7B-Instruct');
      expect(command).toContain('--max-model-len 8192');
      expect(command).toContain('CUDA_VISIBLE_DEVICES=');
      await panel.screenshot({ path: join(ARTIFACTS, 'hardware-2gpu-plan-idle.png') });
      expect(await page.getByTestId('fit-summary').textContent()).toMatch(/^[1-9]\d* of \d+ local catalog models fit if the GPUs were idle/);
      await page.getByTestId('fit-table').screenshot({ path: join(ARTIFACTS, 'hardware-2gpu-fit-idle.png') });
      await page.getByLabel('Free VRAM now').check();

      await page.screenshot({ path: join(ARTIFACTS, 'hardware-2gpu.png'), fullPage: true });
      await cards.nth(0).screenshot({ path: join(ARTIFACTS, 'hardware-2gpu-card.png') });
      await panel.screenshot({ path: join(ARTIFACTS, 'hardware-2gpu-plan.png') });
      expect(errors).toEqual([]);

      // With the core gone, the page keeps its figures and says they are the last known ones.
      await serve.stop();
      const stale = page.getByTestId('stale-note');
      await stale.waitFor({ timeout: 10_000 });
      expect(await stale.textContent()).toMatch(/last known values, inventory from .+, live readings from /);
      expect(await cards.count()).toBe(2);
    } finally {
      await serve.stop();
    }
  });

  it('shows "no usable GPU" calmly, with the driver message, when nvidia-smi cannot reach the driver', async () => {
    const serve = await serveWith('driver-failure');
    try {
      const { page, errors } = await openHardware(serve);
      const noGpu = page.getByTestId('no-gpu');
      await noGpu.waitFor();
      expect(await noGpu.textContent()).toContain('No usable GPU');
      // Regression: the sidebar once kept saying "Connecting…" when the WebSocket opened before the
      // connection-state hook subscribed (seen in this very screenshot).
      await expect.poll(() => page.getByTestId('connection-status').textContent()).toBe('Connected to core');
      expect(await noGpu.textContent()).toContain('NVIDIA driver not loaded');
      expect(await page.getByTestId('no-gpu-message').textContent()).toContain('could not communicate with the NVIDIA driver');
      // A normal state, not an error page: no alert, and the host is still shown.
      expect(await page.getByTestId('probe-error').count()).toBe(0);
      expect(await page.getByTestId('host-requirements').isVisible()).toBe(true);
      // Nothing fits locally, and the table says why.
      expect(await page.getByTestId('fit-summary').textContent()).toContain('Nothing fits locally');
      const rows = page.getByTestId('fit-row');
      expect(await rows.count()).toBeGreaterThan(10);
      expect(await rows.filter({ hasText: 'No usable NVIDIA GPU on this host.' }).count()).toBeGreaterThan(10);
      await page.screenshot({ path: join(ARTIFACTS, 'hardware-no-gpu.png'), fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await serve.stop();
    }
  });
});

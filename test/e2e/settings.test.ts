import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ARTIFACTS, useBrowser } from '../helpers/browser';
import { runCli, startServe } from '../helpers/cli';
import { useTempDir } from '../helpers/temp-dir';

describe('Settings page (airlock serve + Chromium)', () => {
  const tempDir = useTempDir();
  const browser = useBrowser();

  it('shows every setting with its meaning; a refused value shows the core\'s message and changes nothing; a valid one is saved', async () => {
    const dataDir = tempDir();
    const serve = await startServe(dataDir);
    try {
      const page = await (await browser().newContext({ viewport: { width: 1280, height: 900 } })).newPage();
      await page.goto(serve.url);
      await page.getByLabel('Login token').fill(serve.token);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('link', { name: 'Settings', exact: true }).click();
      await page.getByRole('heading', { name: 'Settings', exact: true }).waitFor();
      expect(await page.getByTestId('settings-data-dir').textContent()).toContain(dataDir);

      const row = page.getByTestId('setting-probe-telemetryIntervalMs');
      await row.locator('input').fill('10');
      await row.getByRole('button', { name: 'Save' }).click();
      await expect.poll(() => row.getByRole('alert').textContent()).toContain('Invalid value for probe.telemetryIntervalMs');
      expect(JSON.parse((await runCli(['settings', 'get', 'probe.telemetryIntervalMs', '--json', '--data-dir', dataDir])).stdout)).toMatchObject({ value: 2000, isDefault: true });

      await row.locator('input').fill('5000');
      await row.getByRole('button', { name: 'Save' }).click();
      await expect.poll(() => row.getByRole('status').textContent()).toBe('Saved.');
      expect(JSON.parse((await runCli(['settings', 'get', 'probe.telemetryIntervalMs', '--json', '--data-dir', dataDir])).stdout)).toMatchObject({ value: 5000, isDefault: false });
      await page.screenshot({ path: join(ARTIFACTS, 'settings.png'), fullPage: true });
    } finally {
      await serve.stop();
    }
  });
});

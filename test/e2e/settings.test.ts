import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ARTIFACTS, openLoggedIn, useBrowser } from '../helpers/browser';
import { runCli, startServe } from '../helpers/cli';
import { useTempDir } from '../helpers/temp-dir';

describe('Settings page (airlock serve + Chromium)', () => {
  const tempDir = useTempDir();
  const browser = useBrowser();

  it('shows every setting with its meaning; a refused value shows the core\'s message and changes nothing; a valid one is saved', async () => {
    const dataDir = tempDir();
    const serve = await startServe(dataDir);
    try {
      const { page, problems } = await openLoggedIn(browser(), serve);
      await page.getByRole('link', { name: 'Settings', exact: true }).click();
      await page.getByRole('heading', { name: 'Settings', exact: true }).waitFor();
      // The page renders before the core answers ('…' until then): wait for the answer.
      await expect.poll(() => page.getByTestId('settings-data-dir').textContent()).toContain(dataDir);

      const row = page.getByTestId('setting-probe-telemetryIntervalMs');
      await row.locator('input').fill('10');
      await row.getByRole('button', { name: 'Save' }).click();
      await expect.poll(() => row.getByRole('alert').textContent()).toContain('Invalid value for probe.telemetryIntervalMs');
      expect(JSON.parse((await runCli(['settings', 'get', 'probe.telemetryIntervalMs', '--json', '--data-dir', dataDir])).stdout)).toMatchObject({ value: 2000, isDefault: true });

      await row.locator('input').fill('5000');
      await row.getByRole('button', { name: 'Save' }).click();
      await expect.poll(() => row.getByRole('status').textContent()).toBe('Saved.');
      expect(JSON.parse((await runCli(['settings', 'get', 'probe.telemetryIntervalMs', '--json', '--data-dir', dataDir])).stdout)).toMatchObject({ value: 5000, isDefault: false });
      // Import: the changes are shown first; an invalid file changes nothing; a valid one is applied whole.
      const exported = JSON.parse((await runCli(['config', 'export', '--data-dir', dataDir])).stdout) as Record<string, unknown>;
      const file = (name: string, document: unknown) => ({ name, mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(document)) });
      await page.getByTestId('config-import-file').setInputFiles(file('bad.json', { ...exported, settings: { 'probe.timeoutMs': 3 } }));
      await expect.poll(() => page.getByTestId('config-note').textContent()).toContain('nothing was changed');
      await page.getByTestId('config-import-file').setInputFiles(file('good.json', { ...exported, settings: { 'probe.telemetryIntervalMs': 7000, 'logs.retentionDays': 30 } }));
      const diff = page.getByTestId('config-diff');
      await expect.poll(() => diff.textContent()).toContain('2 changes');
      expect(await diff.textContent()).toContain('5000 → 7000');
      expect(JSON.parse((await runCli(['settings', 'get', 'logs.retentionDays', '--json', '--data-dir', dataDir])).stdout)).toMatchObject({ value: 14 });
      await page.screenshot({ path: join(ARTIFACTS, 'settings-import.png'), fullPage: true });
      await diff.getByRole('button', { name: 'Apply all changes' }).click();
      await expect.poll(() => page.getByTestId('config-note').textContent()).toContain('every change was applied');
      expect(JSON.parse((await runCli(['settings', 'get', 'logs.retentionDays', '--json', '--data-dir', dataDir])).stdout)).toMatchObject({ value: 30 });
      // The page shows the imported values, not the ones it loaded before.
      await expect.poll(() => page.getByTestId('setting-logs-retentionDays').locator('input').inputValue()).toBe('30');
      await expect.poll(() => page.getByTestId('setting-probe-telemetryIntervalMs').locator('input').inputValue()).toBe('7000');
      await page.screenshot({ path: join(ARTIFACTS, 'settings.png'), fullPage: true });
      expect(problems).toEqual([]);
    } finally {
      await serve.stop();
    }
  });
});

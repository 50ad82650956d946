import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ARTIFACTS, openLoggedIn, useBrowser } from '../helpers/browser';
import { startServe } from '../helpers/cli';
import { useTempDir } from '../helpers/temp-dir';

const SAMPLE = join(process.cwd(), 'test/fixtures/license/sample-valid.airlock-license');

describe('License page (airlock serve + Chromium)', () => {
  const tempDir = useTempDir();
  const browser = useBrowser();

  it('shows the evaluation banner, refuses a tampered file, installs a license from a file, and the banner goes', async () => {
    const serve = await startServe(tempDir());
    try {
      const { page, problems } = await openLoggedIn(browser(), serve, { height: 900 });
      const banner = page.getByTestId('license-banner');
      await banner.waitFor();
      expect(await banner.getAttribute('data-state')).toBe('evaluation');
      expect(await banner.textContent()).toContain('Evaluation: 30 days left');

      await page.getByRole('link', { name: 'License', exact: true }).click();
      await page.getByRole('heading', { name: 'License', exact: true }).waitFor();
      expect(await page.getByTestId('license-state').getAttribute('data-state')).toBe('evaluation');

      // A pasted file with one character changed is refused, with the verifier's reason.
      const text = readFileSync(SAMPLE, 'latin1');
      const lines = text.split('\n');
      lines[3] = `${lines[3]!.slice(0, 5)}${lines[3]![5] === 'A' ? 'B' : 'A'}${lines[3]!.slice(6)}`;
      await page.getByLabel('…or paste its text').fill(lines.join('\n'));
      await page.getByRole('button', { name: 'Install pasted license' }).click();
      const refusal = page.getByTestId('license-install-outcome');
      await expect.poll(() => refusal.textContent()).toContain('The license was not installed');
      expect(await page.getByTestId('license-state').getAttribute('data-state')).toBe('evaluation');

      await page.getByTestId('license-file').setInputFiles(SAMPLE);
      await expect.poll(() => page.getByTestId('license-install-outcome').textContent()).toContain('Installed license AL-TEST-0001');
      await expect.poll(() => page.getByTestId('license-state').getAttribute('data-state')).toBe('valid');
      expect(await page.getByTestId('license-details').textContent()).toContain('Example Test Org');
      expect(await page.getByTestId('license-details').textContent()).toContain('TEST KEY');
      // The limits with what this box uses of them (nothing registered yet).
      await expect.poll(() => page.getByTestId('license-limits').textContent()).toBe('0 of 8 GPUs in use, 0 of 16 deployments');
      await expect.poll(() => page.getByTestId('license-history').locator('tbody tr').count()).toBe(1);
      await banner.waitFor({ state: 'detached' });
      await page.screenshot({ path: join(ARTIFACTS, 'license-installed.png'), fullPage: true });
      expect(problems).toEqual([]);
    } finally {
      await serve.stop();
    }
  });
});

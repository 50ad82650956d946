import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { type RunningServe, startServe } from '../helpers/cli';
import { ARTIFACTS, useBrowser } from '../helpers/browser';
import { useTempDir } from '../helpers/temp-dir';
import { type TcpTunnel, openTcpTunnel } from '../doubles/tcp-tunnel';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };

describe('browser console (airlock serve + Chromium)', () => {
  const tempDir = useTempDir();
  const browser = useBrowser();

  /** Opens a page that records console errors and every request it makes. */
  async function openPage(url: string): Promise<{ page: Page; errors: string[]; requests: string[] }> {
    const context = await browser().newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('request', (request) => requests.push(request.url()));
    // Every CSP violation, also those that are only reported (zod's eval probe once was one).
    await page.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { cspViolations: string[] }).cspViolations = seen;
      document.addEventListener('securitypolicyviolation', (event) => seen.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}:${event.columnNumber}`));
    });
    await page.goto(url);
    return { page, errors, requests };
  }

  it('logs in with the printed token, shows the Overview, and refuses a wrong token', async () => {
    const dataDir = tempDir();
    const serve: RunningServe = await startServe(dataDir);
    try {
      const { page, errors, requests } = await openPage(serve.url);
      await page.getByLabel('Login token').fill('not-the-token');
      await page.getByRole('button', { name: 'Log in' }).click();
      const alert = page.getByRole('alert');
      await expect.poll(() => alert.textContent()).toContain('That token is not valid');
      expect(await alert.getAttribute('data-code')).toBe('CONSOLE_LOGIN_INVALID');
      await page.screenshot({ path: join(ARTIFACTS, 'login-refused.png') });

      await page.getByLabel('Login token').fill(serve.token);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('heading', { name: 'Overview' }).waitFor();
      await expect.poll(() => page.getByTestId('app-version').textContent()).toBe(pkg.version);
      await expect.poll(() => page.getByTestId('store-health').textContent()).toBe('Healthy');
      await expect.poll(() => page.getByTestId('data-dir').textContent()).toBe(dataDir);
      expect(await page.getByTestId('connection-status').textContent()).toBe('Connected to core');
      await page.screenshot({ path: join(ARTIFACTS, 'overview.png'), fullPage: true });

      // A reload keeps the session (cookie), with no second login.
      await page.reload();
      await page.getByRole('heading', { name: 'Overview' }).waitFor();

      // No CSP violation, no script error, and nothing fetched from anywhere but the console.
      expect(await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations)).toEqual([]);
      expect(errors.filter((e) => !e.includes('401'))).toEqual([]);
      const origin = new URL(serve.url).origin;
      expect(requests.filter((url) => !url.startsWith(origin) && !url.startsWith('data:'))).toEqual([]);
    } finally {
      await serve.stop();
    }
  });

  it('shows a lost connection and recovers by itself when the link comes back', async () => {
    const serve = await startServe(tempDir());
    const tunnel: TcpTunnel = await openTcpTunnel(Number(new URL(serve.url).port));
    try {
      const { page } = await openPage(`http://127.0.0.1:${tunnel.port}/`);
      await page.getByLabel('Login token').fill(serve.token);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('heading', { name: 'Overview' }).waitFor();

      await tunnel.cut();
      const banner = page.getByTestId('connection-banner');
      await banner.waitFor({ timeout: 10_000 });
      expect(await banner.textContent()).toContain('Connection to the Airlock core lost');
      await page.screenshot({ path: join(ARTIFACTS, 'connection-lost.png') });

      await tunnel.restore();
      await banner.waitFor({ state: 'detached', timeout: 15_000 });
      await expect.poll(() => page.getByTestId('connection-status').textContent()).toBe('Connected to core');
      // Still logged in: the page did not fall back to the login form.
      expect(await page.getByRole('heading', { name: 'Overview' }).isVisible()).toBe(true);
      await expect.poll(() => page.getByTestId('store-health').textContent()).toBe('Healthy');
    } finally {
      await tunnel.close();
      await serve.stop();
    }
  });
});

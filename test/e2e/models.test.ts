import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ARTIFACTS, openLoggedIn, useBrowser } from '../helpers/browser';
import { type RunningServe, startServe } from '../helpers/cli';
import { freePort } from '../helpers/net';
import { useTempDir } from '../helpers/temp-dir';

const FAKE_VLLM = join(process.cwd(), 'test', 'doubles', 'fake-vllm');
const RIGHT_KEY = 'e2e-right-key-7391';
const WRONG_KEY = 'e2e-wrong-key-0000';
const NAME = 'Codestral on GPU 0';

/** Starts the fake vLLM in its own process group (killed as a group after) and waits for /health. */
async function startFakeVllm(port: number): Promise<ChildProcess> {
  const child = spawn(FAKE_VLLM, ['serve', '/srv/models/codestral', '--host', '127.0.0.1', '--port', String(port), '--served-model-name', 'codestral'], {
    env: { ...process.env, VLLM_API_KEY: RIGHT_KEY, FAKE_VLLM_STARTUP_MS: '100' },
    detached: true,
    stdio: 'ignore',
  });
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const status = await fetch(`http://127.0.0.1:${port}/health`).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return child;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  stopGroup(child);
  throw new Error(`the fake vLLM on port ${port} was not healthy within 10 s`);
}

/** The main navigation (the pages link to each other too). */
const nav = (page: Page) => page.getByRole('navigation', { name: 'Main' });

function stopGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGTERM');
  } catch {
    // Already gone.
  }
}

describe('Models, AI features and GitLab setup pages (airlock serve + fake vLLM + Chromium)', () => {
  const tempDir = useTempDir();
  const browser = useBrowser();

  /** Logs in; records console errors and every CSP violation. */
  async function loggedIn(serve: RunningServe): Promise<{ page: Page; errors: string[] }> {
    const { page, problems: errors } = await openLoggedIn(browser(), serve, { width: 1440, height: 1000, acceptDownloads: true });
    return { page, errors };
  }

  it('registers a deployment through the form, tests it green, breaks its key (401), maps two features, and shows the GitLab sheet', async () => {
    const port = await freePort();
    const vllm = await startFakeVllm(port);
    const serve = await startServe(tempDir());
    try {
      const { page, errors } = await loggedIn(serve);
      await nav(page).getByRole('link', { name: 'Models', exact: true }).click();
      await page.getByRole('heading', { name: 'Models', level: 1 }).waitFor();

      // Beta features need the testing terms accepted first: the switch stays off until the box is ticked.
      const betaSwitch = page.getByTestId('beta-switch');
      expect(await betaSwitch.getAttribute('data-state')).toBe('off');
      expect(await betaSwitch.textContent()).toContain('GitLab Testing Agreement');
      const turnOn = betaSwitch.getByRole('button', { name: 'Turn on beta features' });
      expect(await turnOn.isDisabled()).toBe(true);
      await betaSwitch.getByLabel('I accept the testing terms').check();
      expect(await turnOn.isEnabled()).toBe(true);
      await betaSwitch.getByLabel('I accept the testing terms').uncheck();

      // An empty registry: the form is open. Fields in GitLab's order, live feedback from the shared validator.
      const form = page.getByTestId('deployment-form');
      await form.waitFor();
      await form.getByLabel('Deployment name').fill(NAME);
      // Beta is off: beta families are not offered.
      expect(await form.getByLabel('Model family').locator('option').allTextContents()).not.toContain('Qwen (beta)');
      await form.getByLabel('Model family').selectOption('codestral');
      await form.getByLabel('Endpoint').fill(`http://127.0.0.1:${port}`);
      await form.getByLabel('Endpoint').blur();
      await expect.poll(() => form.getByTestId('field-feedback-endpoint').textContent()).toContain('A vLLM endpoint must end with /v1');
      await form.screenshot({ path: join(ARTIFACTS, 'models-form.png') });
      // The corrected URL is one click away.
      await form.getByTestId('fix-endpoint').click();
      expect(await form.getByLabel('Endpoint').inputValue()).toBe(`http://127.0.0.1:${port}/v1`);
      await expect.poll(() => form.getByTestId('field-feedback-endpoint').textContent()).not.toContain('must end with /v1');
      expect(await form.getByLabel('API key').getAttribute('type')).toBe('password');
      await form.getByLabel('API key').fill(RIGHT_KEY);
      expect(await form.getByTestId('field-feedback-identifier').textContent()).toContain('custom_openai/<served model name>');
      await form.getByLabel('Model identifier').fill('custom_openai/codestral');
      expect(await form.getByLabel('Platform').inputValue()).toBe('vllm-local');
      await form.getByRole('button', { name: 'Add deployment' }).click();

      await expect.poll(() => page.getByTestId('models-notice').textContent()).toContain(`Deployment “${NAME}” added`);
      const row = page.locator(`[data-testid="deployment-row"][data-name="${NAME}"]`);
      await row.waitFor();
      expect(await row.getByTestId('deployment-key').textContent()).toBe('…7391');
      expect(await row.textContent()).toContain(`http://127.0.0.1:${port}/v1`);
      expect(await row.textContent()).toContain('custom_openai/codestral');
      // The key in clear is nowhere on the page.
      expect(await page.content()).not.toContain(RIGHT_KEY);

      // Test connection: every step passes.
      await row.getByRole('button', { name: 'Test connection' }).click();
      const result = page.getByTestId('connection-test');
      await expect.poll(() => result.getAttribute('data-ok'), { timeout: 15_000 }).toBe('true');
      const statuses = await result.getByTestId('connection-step').evaluateAll((items) => items.map((item) => `${item.getAttribute('data-step')}:${item.getAttribute('data-status')}`));
      expect(statuses.filter((s) => s.endsWith(':failed'))).toEqual([]);
      expect(statuses).toContain('http:ok');
      expect(statuses).toContain('model:ok');
      expect(statuses).toContain('completion:ok');
      expect(await page.getByTestId('connection-test-summary').textContent()).toMatch(/^Connection OK in \d+ ms/);
      expect(await page.getByTestId('connection-latency').textContent()).toContain('total');

      // Edit: an empty key keeps the stored one; typing a new one replaces it.
      await row.getByRole('button', { name: 'Edit' }).click();
      const edit = page.getByTestId('deployment-form');
      expect(await edit.getByLabel('API key').getAttribute('placeholder')).toBe('leave empty to keep …7391');
      await edit.getByLabel('API key').fill(WRONG_KEY);
      await edit.getByRole('button', { name: 'Save changes' }).click();
      await expect.poll(() => row.getByTestId('deployment-key').textContent()).toBe('…0000');

      // The same test now stops at the HTTP step with the 401 and says why.
      await row.getByRole('button', { name: 'Test connection' }).click();
      await expect.poll(() => result.getAttribute('data-ok'), { timeout: 15_000 }).toBe('false');
      expect(await result.getAttribute('data-failed-step')).toBe('http');
      const http = result.locator('[data-testid="connection-step"][data-step="http"]');
      expect(await http.getAttribute('data-status')).toBe('failed');
      expect(await http.textContent()).toContain('401');
      expect(await http.textContent()).toContain('API key wrong or missing');
      expect(await result.locator('[data-testid="connection-step"][data-step="completion"]').getAttribute('data-status')).toBe('skipped');
      expect(await page.getByTestId('connection-test-summary').textContent()).toContain('Failed at “HTTP: list models”');

      // The change history: add, then the key change (masked), and the chain holds.
      const audit = page.getByTestId('audit');
      await expect.poll(() => audit.getByTestId('audit-entry').count()).toBe(2);
      expect(await audit.locator('[data-action="deployment.update"]').textContent()).toContain('…7391 → …0000');
      // Who: the browser session, by its address (the CLI's changes say "cli").
      expect(await audit.locator('[data-action="deployment.update"] td').nth(2).textContent()).toBe('console 127.0.0.1');
      // audit.verify is its own call, re-run after the save: the badge may show the old answer until it returns.
      await expect.poll(() => page.getByTestId('audit-chain').textContent()).toBe('Audit chain: Intact, 2 entries');
      await page.screenshot({ path: join(ARTIFACTS, 'models.png'), fullPage: true });

      // AI features: map code completion and code generation to the deployment.
      await nav(page).getByRole('link', { name: 'AI features', exact: true }).click();
      await page.getByRole('heading', { name: 'AI features', level: 1 }).waitFor();
      for (const featureId of ['code_completions', 'code_generations']) {
        const featureRow = page.locator(`[data-testid="feature-row"][data-feature="${featureId}"]`);
        const select = featureRow.getByTestId('feature-select');
        // The rows appear when features.list answers, which may be after the heading.
        await expect.poll(() => select.locator('option').allTextContents()).toEqual(['Disabled', NAME]);
        await select.selectOption(NAME);
        await expect.poll(() => featureRow.getByTestId('feature-outcome').textContent()).toBe(`Served by “${NAME}”.`);
        expect(await select.inputValue()).toBe(NAME);
      }
      expect(await page.getByTestId('features-summary').textContent()).toMatch(/^2 of \d+ features mapped\.$/);
      // A beta feature cannot be given a model while beta is off, and says so.
      const beta = page.locator('[data-testid="feature-row"][data-feature="duo_chat_troubleshoot_job"]');
      expect(await beta.getByTestId('feature-select').isDisabled()).toBe(true);
      expect(await beta.textContent()).toContain('Use beta self-hosted models features');
      await page.screenshot({ path: join(ARTIFACTS, 'ai-features.png'), fullPage: true });

      // GitLab setup: the deployment's fields in GitLab's order, the key masked and not copyable.
      await nav(page).getByRole('link', { name: 'GitLab setup', exact: true }).click();
      await page.getByRole('heading', { name: 'GitLab setup', level: 1 }).waitFor();
      const sheet = page.locator(`[data-testid="sheet-deployment"][data-name="${NAME}"]`);
      await sheet.waitFor();
      const fields = sheet.getByTestId('sheet-field');
      expect(await fields.evaluateAll((items) => items.map((item) => item.getAttribute('data-label')))).toEqual(['Deployment name', 'Model family', 'Endpoint', 'API key', 'Model identifier']);
      expect(await fields.getByTestId('sheet-value').allTextContents()).toEqual([NAME, 'Codestral', `http://127.0.0.1:${port}/v1`, '…0000', 'custom_openai/codestral']);
      expect(await sheet.locator('[data-label="API key"]').getByTestId('copy-button').count()).toBe(0);
      expect(await sheet.locator('[data-label="Endpoint"]').getByTestId('copy-button').count()).toBe(1);
      expect(await page.locator('[data-testid="sheet-feature"][data-feature="code_completions"]').textContent()).toContain(NAME);

      // The verify command takes the username typed here.
      const command = page.getByTestId('sheet-verify-command');
      expect(await command.textContent()).toBe('gitlab-rake "gitlab:duo:verify_self_hosted_setup[<username>]"');
      await page.getByLabel('GitLab username to check as').fill('root');
      await expect.poll(() => command.textContent()).toBe('gitlab-rake "gitlab:duo:verify_self_hosted_setup[root]"');

      // The gateway URL is set here: a bad one is refused before it is sent, a good one lands on the sheet.
      const gatewayUrl = page.getByLabel('Gateway URL setting (what GitLab should call)');
      await gatewayUrl.fill('airlock:5052');
      await expect.poll(() => page.getByTestId('gateway-url-form').textContent()).toContain('must be an http(s) URL without query or fragment, or empty');
      expect(await page.getByTestId('gateway-url-form').getByRole('button', { name: 'Save' }).isDisabled()).toBe(true);
      await gatewayUrl.fill('https://airlock.example.internal:5052');
      await page.getByTestId('gateway-url-form').getByRole('button', { name: 'Save' }).click();
      await expect
        .poll(() => page.getByTestId('sheet-gateway').locator('[data-label="Local AI Gateway URL"]').getByTestId('sheet-value').textContent())
        .toBe('https://airlock.example.internal:5052');
      await page.screenshot({ path: join(ARTIFACTS, 'gitlab-sheet.png'), fullPage: true });

      // Export the configuration from the Settings page: the deployment and both features, no key.
      await page.getByRole('link', { name: 'Settings', exact: true }).click();
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('config-export').click()]);
      const exported = readFileSync((await download.path())!, 'utf8');
      const document = JSON.parse(exported) as { deployments: { name: string; hasApiKey: boolean }[]; features: Record<string, string> };
      expect(document.deployments).toEqual([expect.objectContaining({ name: 'Codestral on GPU 0', hasApiKey: true })]);
      expect(Object.keys(document.features).sort()).toEqual(['code_completions', 'code_generations']);
      expect(exported).not.toContain(RIGHT_KEY);
      expect(exported).not.toContain(WRONG_KEY);

      expect(errors).toEqual([]);
    } finally {
      await serve.stop();
      stopGroup(vllm);
    }
  });
});

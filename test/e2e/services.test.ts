import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ARTIFACTS, openLoggedIn, useBrowser } from '../helpers/browser';
import { type RunningServe, runCli, startServe } from '../helpers/cli';
import { writeSmallQwenModel } from '../helpers/model-dir';
import { useTempDir } from '../helpers/temp-dir';
import { freePort } from '../helpers/net';

const FAKE_VLLM = join(process.cwd(), 'test', 'doubles', 'fake-vllm');


describe('Services page (airlock serve + fake vLLM + Chromium)', () => {
  const tempDir = useTempDir();
  const browser = useBrowser();

  /** Logs in and opens the Services page; `errors` collects console errors and CSP violations. */
  async function openServices(serve: RunningServe): Promise<{ page: Page; errors: string[] }> {
    // openLoggedIn records every CSP violation as an error: xterm injects styles at run time.
    const { page, problems: errors } = await openLoggedIn(browser(), serve, { width: 1360, height: 1000, acceptDownloads: true });
    await page.getByRole('link', { name: 'Services' }).click();
    await page.getByRole('heading', { name: 'Services', level: 1 }).waitFor();
    return { page, errors };
  }

  const cardOf = (page: Page, name: string): Locator => page.locator(`[data-testid="unit-card"][data-unit="${name}"]`);
  const stateOf = (card: Locator) => card.getByTestId('unit-state').getAttribute('data-state');

  it('adds a vLLM unit from the page, starts it, streams its output into the terminal, finds in it, downloads it, stops it', async () => {
    const dataDir = tempDir();
    const serve = await startServe(dataDir);
    try {
      const set = await runCli(['settings', 'set', 'services.vllmPath', FAKE_VLLM, '--data-dir', dataDir]);
      expect(set.code, set.stderr).toBe(0);
      const port = await freePort();
      const { page, errors } = await openServices(serve);

      // No unit yet: the form is open, vLLM preset first.
      const form = page.getByTestId('add-unit-form');
      await form.waitFor();
      await form.getByLabel('Unit name').fill('qwen');
      const modelDir = writeSmallQwenModel(tempDir());
      await form.getByLabel('Model directory').fill(modelDir);
      await form.getByLabel('Served model name').fill('qwen-coder');
      await form.getByLabel('Port').fill(String(port));
      await form.getByLabel('Environment, one KEY=VALUE per line').fill('FAKE_VLLM_STARTUP_MS=800');
      await form.getByRole('button', { name: 'Add unit' }).click();
      await expect.poll(() => page.getByTestId('add-unit-outcome').textContent()).toContain('Added unit "qwen"');

      const card = cardOf(page, 'qwen');
      await card.waitFor();
      expect(await stateOf(card)).toBe('stopped');
      const command = await card.getByTestId('unit-command').textContent();
      expect(command).toContain(`${FAKE_VLLM} serve ${modelDir}`);
      expect(command).toContain(`--port ${port}`);
      expect(command).not.toContain('--api-key airlock-');

      // Start: starting (vLLM's phases go by), then running once /health answers.
      await card.getByRole('button', { name: 'Start', exact: true }).click();
      await card.locator('[data-testid="unit-state"][data-state="starting"]').waitFor({ timeout: 5_000 });
      await card.locator('[data-testid="unit-state"][data-state="running"]').waitFor({ timeout: 15_000 });
      await expect.poll(() => card.getByTestId('unit-progress').getAttribute('data-phase'), { timeout: 10_000 }).toBe('ready');
      expect(await card.getByTestId('unit-progress-phase').textContent()).toBe('Ready');
      expect(await card.getByTestId('unit-state').textContent()).toMatch(/^Running · pid \d+$/);

      // The output streams into the xterm terminal (its DOM renderer's rows).
      const rows = card.locator('.xterm-rows');
      await expect.poll(() => rows.textContent(), { timeout: 10_000 }).toContain('Application startup complete');
      expect(await rows.textContent()).toContain('Starting vLLM API server');

      // Find in output: matches counted, the active one selected (so it can be copied).
      const find = card.getByTestId('terminal-find');
      await find.fill('startup');
      await find.press('Enter');
      await expect.poll(() => card.getByTestId('terminal-find-count').textContent()).toMatch(/^1 of [1-9]\d*$/);
      await expect.poll(() => card.getByRole('button', { name: 'Copy selection' }).isEnabled()).toBe(true);
      // The selected match is painted (through the CSSOM: a style attribute would be refused by the CSP).
      await expect.poll(() => rows.locator('span[style*="background-color"]').count()).toBeGreaterThan(0);
      await find.fill('no such words anywhere');
      await find.press('Enter');
      await expect.poll(() => card.getByTestId('terminal-find-count').textContent()).toBe('No match');
      await find.fill('');

      // "Download recent": what the ring holds, as a text file with a header saying so.
      const [download] = await Promise.all([page.waitForEvent('download'), card.getByRole('button', { name: 'Download recent' }).click()]);
      expect(download.suggestedFilename()).toMatch(/^qwen-output-.*\.txt$/);
      const file = readFileSync((await download.path())!, 'utf8');
      expect(file).toContain('# Output of unit "qwen"');
      expect(file).toContain(join(dataDir, 'logs', 'qwen.log'));
      expect(file).toContain('Application startup complete');
      // Plain text: no escape sequences left from the coloured log levels.
      expect(file).not.toContain('\x1b[');

      // "Download full log": the rotating file on the appliance, byte for byte.
      const [full] = await Promise.all([page.waitForEvent('download'), card.getByTestId('download-full-log').click()]);
      expect(full.suggestedFilename()).toMatch(/^qwen-log-.*\.log$/);
      const fullBytes = readFileSync((await full.path())!);
      const onDisk = readFileSync(join(dataDir, 'logs', 'qwen.log'));
      expect(fullBytes.length).toBeGreaterThan(0);
      // The file may have grown since (health checks are logged): what was downloaded is its beginning.
      expect(onDisk.subarray(0, fullBytes.length).equals(fullBytes)).toBe(true);

      await expect.poll(() => page.getByTestId('services-summary').textContent()).toBe('1 unit: 1 running');
      await page.screenshot({ path: join(ARTIFACTS, 'services.png'), fullPage: true });
      await card.screenshot({ path: join(ARTIFACTS, 'services-vllm-card.png') });

      // Stop: the full stop protocol; the exit is recorded as asked for.
      await card.getByRole('button', { name: 'Stop', exact: true }).click();
      await card.locator('[data-testid="unit-state"][data-state="stopped"]').waitFor({ timeout: 15_000 });
      await expect.poll(() => card.getByTestId('unit-last-exit').textContent()).toContain('(asked for)');
      await expect.poll(() => rows.textContent()).toContain('Shutting down');

      // The Logs page finds the unit's lines in the full-text index, matched words marked.
      await page.getByRole('link', { name: 'Logs', exact: true }).click();
      await page.getByLabel('Search the logs').fill('startup complete');
      await page.getByLabel('Unit', { exact: true }).selectOption('qwen');
      await expect
        .poll(
          async () => {
            // Lines reach the index in batches: search again until they are there.
            await page.getByRole('button', { name: 'Search' }).click();
            await page.getByTestId('logs-count').waitFor();
            return page.getByTestId('log-hit').count();
          },
          { timeout: 10_000 },
        )
        .toBeGreaterThan(0);
      const hit = page.getByTestId('log-hit').first();
      expect(await hit.textContent()).toContain('Application startup complete');
      expect(await hit.locator('mark').allTextContents()).toEqual(['startup', 'complete']);
      await page.screenshot({ path: join(ARTIFACTS, 'logs-search.png'), fullPage: true });

      expect(errors).toEqual([]);
    } finally {
      await serve.stop();
    }
  });

  it('shows a custom unit that exits with a configuration-error code as fatal, with why; refusals verbatim; reset and remove', async () => {
    const dataDir = tempDir();
    const serve = await startServe(dataDir);
    try {
      const { page, errors } = await openServices(serve);
      const form = page.getByTestId('add-unit-form');
      await form.getByLabel('Custom').check();
      await form.getByLabel('Unit name').fill('hello');
      await form.getByLabel('Command').fill('/bin/sh');
      await form.getByLabel('Arguments, one per line').fill("-c\necho hello; exit 2");
      await form.getByLabel('Restart').selectOption('always');
      await form.getByRole('button', { name: 'Add unit' }).click();
      await expect.poll(() => page.getByTestId('add-unit-outcome').textContent()).toContain('Added unit "hello"');

      // The core's refusal is shown as it wrote it.
      await form.getByLabel('Unit name').fill('hello');
      await form.getByLabel('Command').fill('/bin/sh');
      await form.getByRole('button', { name: 'Add unit' }).click();
      await expect.poll(() => page.getByTestId('add-unit-outcome').textContent()).toBe('A unit named "hello" already exists. Pick another name, or remove it first.');
      await form.getByLabel('Unit name').fill('Bad Name');
      await form.getByRole('button', { name: 'Add unit' }).click();
      await expect.poll(() => page.getByTestId('add-unit-outcome').textContent()).toMatch(/^The unit definition is not valid: .*lower-case letters.*Nothing was changed\.$/);
      await form.getByRole('button', { name: 'Close' }).click();

      const card = cardOf(page, 'hello');
      await card.getByRole('button', { name: 'Start', exact: true }).click();
      await card.locator('[data-testid="unit-state"][data-state="fatal"]').waitFor({ timeout: 15_000 });
      const fatal = await card.getByTestId('unit-fatal').textContent();
      expect(fatal).toContain('configuration is wrong');
      expect(fatal).toContain('Fix the cause, then start it again.');
      expect(await card.getByTestId('unit-last-exit').textContent()).toContain('exit code 2');
      await expect.poll(() => card.locator('.xterm-rows').textContent(), { timeout: 10_000 }).toContain('hello');
      await card.screenshot({ path: join(ARTIFACTS, 'services-fatal-card.png') });

      // Reset acknowledges the failure; Remove asks first, then the card goes.
      await card.getByRole('button', { name: 'Reset' }).click();
      await card.locator('[data-testid="unit-state"][data-state="stopped"]').waitFor();
      await card.getByRole('button', { name: 'Remove…' }).click();
      await card.getByRole('group', { name: 'Confirm removing hello' }).getByRole('button', { name: 'Remove' }).click();
      await card.waitFor({ state: 'detached' });
      const list = await runCli(['services', 'list', '--json', '--data-dir', dataDir]);
      expect(JSON.parse(list.stdout)).toEqual([]);

      // A vLLM unit that cannot start as defined says why on its card before anyone presses Start.
      const blocked = await runCli(['services', 'add', 'no-vllm', '--preset', 'vllm', '--model', '/srv/models/missing', '--data-dir', dataDir]);
      expect(blocked.code, blocked.stderr).toBe(0);
      const blockedCard = cardOf(page, 'no-vllm');
      await expect.poll(() => blockedCard.getByTestId('unit-cannot-start').textContent()).toContain('vLLM is not installed: no "vllm" on PATH');
      expect(await blockedCard.getByTestId('unit-command').textContent()).toBe('—');
      expect((await runCli(['services', 'rm', 'no-vllm', '--data-dir', dataDir])).code).toBe(0);
      await blockedCard.waitFor({ state: 'detached', timeout: 5_000 });

      // Another client (the CLI) adds and removes a unit: the open page follows without a reload.
      const added = await runCli(['services', 'add', 'from-cli', '--preset', 'custom', '--command', '/bin/true', '--data-dir', dataDir]);
      expect(added.code, added.stderr).toBe(0);
      await cardOf(page, 'from-cli').waitFor();
      const removed = await runCli(['services', 'rm', 'from-cli', '--data-dir', dataDir]);
      expect(removed.code, removed.stderr).toBe(0);
      await cardOf(page, 'from-cli').waitFor({ state: 'detached', timeout: 5_000 });
      expect(errors).toEqual([]);
    } finally {
      await serve.stop();
    }
  });
});

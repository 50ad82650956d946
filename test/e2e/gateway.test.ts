/**
 * The AI gateway and Requests pages end to end: `airlock serve` on a temp data directory with the
 * test license, a deployment on a fake vLLM, and Chromium. The gateway is set up from the page, a
 * token minted there serves a real chat from this process, revoking it there makes the gateway
 * refuse it, and the Requests page and the Overview show what the gateway logged.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ARTIFACTS, openLoggedIn, useBrowser } from '../helpers/browser';
import { runCli, startServe } from '../helpers/cli';
import { startFakeVllm } from '../helpers/fake-vllm-process';
import { freePort } from '../helpers/net';
import { useTempDir } from '../helpers/temp-dir';

const LICENSE = join(process.cwd(), 'test/fixtures/license/sample-valid.airlock-license');
const DEPLOYMENT = 'Codestral on GPU 0';
const LABEL = 'e2e client';

/** The main navigation (pages link to each other too). */
const nav = (page: Page) => page.getByRole('navigation', { name: 'Main' });

/** `airlock ARGS --data-dir DIR`, which must succeed. */
async function cli(dataDir: string, args: string[]): Promise<void> {
  const result = await runCli([...args, '--data-dir', dataDir]);
  expect(result.code, `airlock ${args.join(' ')}\n${result.stdout}\n${result.stderr}`).toBe(0);
}

/** Two different ports free a moment ago (5052 and 8082 may be taken on CI). */
async function twoFreePorts(): Promise<[number, number]> {
  const first = await freePort();
  let second = await freePort();
  while (second === first) second = await freePort();
  return [first, second];
}

describe('AI gateway and Requests pages (airlock serve + gateway + fake vLLM + Chromium)', () => {
  const tempDir = useTempDir();
  const browser = useBrowser();

  it('sets up the gateway, mints a token that serves a chat, revokes it (401), and shows the requests and the Overview figures', { timeout: 120_000 }, async () => {
    const dataDir = tempDir();
    const vllm = await startFakeVllm({ servedName: 'codestral' });
    const serve = await startServe(dataDir);
    try {
      const [port, metricsPort] = await twoFreePorts();
      await cli(dataDir, ['license', 'install', LICENSE]);
      await cli(dataDir, ['settings', 'set', 'gateway.port', String(port)]);
      await cli(dataDir, ['settings', 'set', 'gateway.metricsPort', String(metricsPort)]);
      await cli(dataDir, ['models', 'add', '--name', DEPLOYMENT, '--family', 'codestral', '--platform', 'vllm-remote', '--endpoint', vllm.endpoint, '--identifier', 'custom_openai/codestral']);
      await cli(dataDir, ['features', 'set', 'code_completions', DEPLOYMENT]);
      const url = `http://127.0.0.1:${port}`;

      const { page, problems } = await openLoggedIn(browser(), serve, { width: 1680, height: 1000 });
      // Every console message of the page, not only errors: the token must never be logged.
      const consoleLines: string[] = [];
      page.on('console', (message) => consoleLines.push(message.text()));
      // Before any gateway ran: the Overview says so instead of showing zeros.
      await expect.poll(() => page.getByTestId('overview-gateway').textContent()).toContain('the gateway has not run on this appliance');

      // No gateway unit yet: one action adds it and starts it.
      await nav(page).getByRole('link', { name: 'AI gateway', exact: true }).click();
      await page.getByRole('heading', { name: 'AI gateway', level: 1 }).waitFor();
      await page.getByTestId('gateway-setup').getByRole('button', { name: 'Set up the gateway' }).click();
      await page.locator('[data-testid="gateway-unit-state"][data-state="running"]').waitFor({ timeout: 30_000 });
      // The address is the gateway's own report, which follows within a couple of polls.
      await expect.poll(() => page.getByTestId('gateway-listening-url').textContent(), { timeout: 15_000 }).toBe(url);
      expect(await page.getByTestId('gateway-metrics-url').textContent()).toBe(`http://127.0.0.1:${metricsPort}/metrics`);
      await expect.poll(() => page.getByTestId('gateway-channel').textContent()).toMatch(/^Connected · configuration (\d+) applied of \1 sent$/);
      expect(await page.getByTestId('gateway-gitlab-keys').textContent()).toContain('GitLab tokens are refused: set gateway.gitlabUrl');
      expect(await page.getByTestId('use-it-url').textContent()).toBe(url);
      expect(await page.getByTestId('use-it-base-url').textContent()).toBe(`${url}/v1`);

      // A refused mint: the core's words under the form, and the field it names is marked.
      const form = page.getByTestId('mint-form');
      await form.getByRole('button', { name: 'Mint token' }).click();
      const refusal = form.getByTestId('mint-refusal');
      await expect.poll(() => refusal.getAttribute('data-field')).toBe('label');
      expect(await refusal.getAttribute('data-code')).toBe('TOKEN_INVALID');
      expect(await refusal.textContent()).toContain('A label is required');
      expect(await form.getByLabel('Label').getAttribute('aria-invalid')).toBe('true');

      // Mint with the default scope (openai): shown once, with the note, then gone after Done.
      await form.getByLabel('Label').fill(LABEL);
      expect(await form.getByRole('checkbox', { name: 'openai', exact: true }).isChecked()).toBe(true);
      await form.getByLabel('Expires').selectOption('30d');
      await form.getByRole('button', { name: 'Mint token' }).click();
      const minted = page.getByTestId('minted-token');
      await minted.waitFor();
      const token = await minted.getByLabel('New token', { exact: true }).inputValue();
      expect(token).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
      expect(await minted.getByTestId('minted-token-note').textContent()).toContain('Store it now: it is never shown again.');
      const tokenRow = page.locator(`[data-testid="token-row"][data-label="${LABEL}"]`);
      await tokenRow.waitFor();
      expect(await tokenRow.textContent()).toContain(`…${token.slice(-4)}`);
      expect(await tokenRow.getByTestId('token-state').getAttribute('data-state')).toBe('active');
      await page.screenshot({ path: join(ARTIFACTS, 'gateway-minted.png'), fullPage: true });
      await minted.getByRole('button', { name: /^Done/ }).click();
      await minted.waitFor({ state: 'detached' });
      expect(await page.content()).not.toContain(token);
      expect(await page.evaluate(() => document.body.innerText)).not.toContain(token);

      // From this process, as an OpenAI client would. Every call is logged, so every status is kept.
      const statuses: number[] = [];
      const chat = async (): Promise<Response> => {
        const response = await fetch(`${url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: DEPLOYMENT, messages: [{ role: 'user', content: 'Say hello' }], max_tokens: 4 }),
        });
        statuses.push(response.status);
        return response;
      };
      const answered = await chat();
      expect(answered.status, await answered.clone().text()).toBe(200);
      const completion = (await answered.json()) as { usage: { completion_tokens: number } };
      expect(completion.usage.completion_tokens).toBe(4);

      // Revoke with its confirm step; the gateway refuses the token within a few seconds.
      await tokenRow.getByRole('button', { name: 'Revoke', exact: true }).click();
      await tokenRow.getByRole('button', { name: 'Yes, revoke' }).click();
      await expect.poll(() => tokenRow.getByTestId('token-state').getAttribute('data-state')).toBe('revoked');
      expect(await page.getByTestId('tokens-notice').textContent()).toContain(`Revoked “${LABEL}”`);
      await expect.poll(async () => (await chat()).status, { timeout: 5_000, interval: 200 }).toBe(401);
      await expect.poll(() => page.getByTestId('gateway-requests').textContent(), { timeout: 10_000 }).toMatch(/ [1-9]\d* refused \(401\)/);
      await page.screenshot({ path: join(ARTIFACTS, 'gateway.png'), fullPage: true });

      // The Requests page: every call, newest first, the answered one with its deployment.
      await nav(page).getByRole('link', { name: 'Requests', exact: true }).click();
      await page.getByRole('heading', { name: 'Requests', level: 1 }).waitFor();
      const rows = page.getByTestId('request-row');
      // Rows reach requests.db in batches; the page refreshes every 5 s.
      await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(statuses.length);
      expect(await rows.evaluateAll((items) => items.map((item) => Number(item.getAttribute('data-status'))))).toEqual([...statuses].reverse());
      const okRow = page.locator('[data-testid="request-row"][data-status="200"]').first();
      expect(await okRow.getByTestId('request-deployment').textContent()).toBe(DEPLOYMENT);
      expect(await rows.first().getAttribute('data-status')).toBe('401');
      const count = (status: number) => statuses.filter((s) => s === status).length;
      await expect.poll(() => page.getByTestId('stat-total').textContent()).toBe(String(statuses.length));
      expect(await page.getByTestId('stat-ok').textContent()).toBe(String(count(200)));
      expect(await page.getByTestId('stat-4xx').textContent()).toBe(String(count(401)));

      // Filters go to the core: 4xx only, then one deployment.
      await page.getByLabel('Status').selectOption('4xx');
      await expect.poll(() => rows.evaluateAll((items) => items.map((item) => item.getAttribute('data-status')))).toEqual(Array(count(401)).fill('401'));
      await page.getByLabel('Status').selectOption('');
      await page.getByLabel('Deployment').selectOption(DEPLOYMENT);
      await expect.poll(() => rows.evaluateAll((items) => items.map((item) => item.getAttribute('data-status')))).toEqual(Array(count(200)).fill('200'));

      // The detail of the answered request: every field; the prompt was not kept (AI logging is off).
      await rows.first().click();
      const detail = page.getByTestId('request-detail');
      await detail.getByTestId('request-detail-fields').waitFor();
      expect(await detail.locator('dd[data-field="Deployment"]').textContent()).toBe(DEPLOYMENT);
      expect(await detail.locator('dd[data-field="Status"]').textContent()).toBe('200');
      expect(await detail.locator('dd[data-field="Client"]').textContent()).toContain(`token:${LABEL}`);
      expect(await detail.locator('dd[data-field="Tokens in / out"]').textContent()).toMatch(/^\d+ \/ 4$/);
      expect(await detail.getByTestId('request-not-kept').textContent()).toContain('gateway.aiRequestLogging');
      await page.screenshot({ path: join(ARTIFACTS, 'requests.png'), fullPage: true });

      // The Overview card counts the same requests over the last 24 hours.
      await nav(page).getByRole('link', { name: 'Overview', exact: true }).click();
      await expect.poll(() => page.getByTestId('overview-gateway-requests').getAttribute('data-count')).toBe(String(statuses.length));
      expect(await page.getByTestId('overview-gateway-state').getAttribute('data-state')).toBe('running');
      expect(await page.getByTestId('overview-gateway-errors').textContent()).toContain(`${count(401)} 4xx`);
      await page.getByTestId('overview-gateway').screenshot({ path: join(ARTIFACTS, 'overview-gateway.png') });

      expect(problems).toEqual([]);
      expect(consoleLines.filter((line) => line.includes(token))).toEqual([]);

      // Stopping the core stops the gateway it supervises: nothing is left listening.
      await serve.stop();
      await expect(fetch(`${url}/monitoring/healthz`)).rejects.toThrow();
    } finally {
      await serve.stop();
      await vllm.stop();
    }
  });
});

import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Appliance, createAppliance } from '../../../electron/core/appliance';
import { silentLogger } from '../../../electron/core/logger';
import { ConsoleAuth } from '../../../electron/server/auth';
import { SESSION_COOKIE, buildConsoleServer } from '../../../electron/server/console-server';
import { UI_CONTENT_SECURITY_POLICY } from '../../../electron/shared/ipc-channels';
import { manualClock, useTempDir } from '../../helpers/temp-dir';

const TOKEN = 'correct-horse-battery-staple-0123456789ab';

describe('console server', () => {
  const tempDir = useTempDir();
  let appliance: Appliance;
  let app: FastifyInstance;
  let base: string;

  beforeEach(async () => {
    const clock = manualClock();
    appliance = await createAppliance({ dataDir: tempDir(), clock, logger: silentLogger, mode: 'console' });
    app = await buildConsoleServer({
      dispatcher: appliance.dispatcher,
      hub: appliance.hub,
      auth: new ConsoleAuth({ token: TOKEN, clock }),
      staticDir: join(process.cwd(), 'dist', 'renderer'),
      logger: silentLogger,
      isSecure: false,
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    await app.close();
    await appliance.dispose();
  });

  const login = (token: unknown, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/api/login', headers: { 'content-type': 'application/json', host: 'console.test', ...headers }, payload: JSON.stringify({ token }) });

  it('serves the UI with a strict CSP and hardening headers, and no inline script', async () => {
    const response = await app.inject({ method: 'GET', url: '/' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-security-policy']).toBe(UI_CONTENT_SECURITY_POLICY);
    expect(UI_CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    expect(response.headers['x-frame-options']).toBe('DENY');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(response.body).not.toMatch(/https?:\/\//);
    const deepLink = await app.inject({ method: 'GET', url: '/some/page' });
    expect(deepLink.statusCode).toBe(200);
    const missingApi = await app.inject({ method: 'GET', url: '/api/nope' });
    expect(missingApi.statusCode).toBe(404);
  });

  it('exchanges the token for an HttpOnly, SameSite=Strict session cookie', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/session' })).json()).toEqual({ isAuthenticated: false });
    const response = await login(TOKEN);
    expect(response.statusCode).toBe(204);
    const setCookie = String(response.headers['set-cookie']);
    expect(setCookie).toMatch(new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9_-]{43};`));
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).toContain('Path=/');
    expect(setCookie).not.toContain(TOKEN);
    const cookie = setCookie.split(';')[0]!;
    expect((await app.inject({ method: 'GET', url: '/api/session', headers: { cookie } })).json()).toEqual({ isAuthenticated: true });
    await app.inject({ method: 'POST', url: '/api/logout', headers: { cookie } });
    expect((await app.inject({ method: 'GET', url: '/api/session', headers: { cookie } })).json()).toEqual({ isAuthenticated: false });
  });

  it('refuses a wrong token with a clear message, then slows repeated failures down (429 + Retry-After)', async () => {
    const wrong = await login('guess');
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toMatchObject({ error: { code: 'CONSOLE_LOGIN_INVALID', message: expect.stringContaining('token printed by "airlock serve"') } });
    await login('guess');
    await login('guess');
    await login('guess');
    const throttled = await login(TOKEN);
    expect(throttled.statusCode).toBe(429);
    expect(throttled.headers['retry-after']).toBe('1');
    expect(throttled.json()).toMatchObject({ error: { code: 'CONSOLE_LOGIN_THROTTLED' } });
  });

  it('refuses a login posted from another origin, and oversized bodies', async () => {
    const crossSite = await login(TOKEN, { origin: 'https://evil.example' });
    expect(crossSite.statusCode).toBe(403);
    expect(crossSite.json()).toMatchObject({ error: { code: 'CONSOLE_ORIGIN_REJECTED' } });
    const huge = await app.inject({ method: 'POST', url: '/api/login', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ token: 'x'.repeat(20_000) }) });
    expect(huge.statusCode).toBe(413);
  });

  it('accepts the WebSocket only with a session and from its own origin, then serves the contract', async () => {
    const url = `${base.replace('http', 'ws')}/api/ws`;
    const refusedStatus = (headers: Record<string, string>) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(url, { headers });
        ws.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
        ws.on('open', () => resolve(101));
        ws.on('error', () => undefined);
      });
    expect(await refusedStatus({})).toBe(401);
    expect(await refusedStatus({ cookie: `${SESSION_COOKIE}=forged` })).toBe(401);

    const loginResponse = await fetch(`${base}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: TOKEN }) });
    const cookie = (loginResponse.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect(await refusedStatus({ cookie, origin: 'https://evil.example' })).toBe(403);

    const ws = new WebSocket(url, { headers: { cookie, origin: base } });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const reply = new Promise<unknown>((resolve) => ws.once('message', (data) => resolve(JSON.parse(String(data)))));
    ws.send(JSON.stringify({ t: 'call', id: 7, name: 'store.health', input: {} }));
    expect(await reply).toMatchObject({ t: 'result', id: 7, ok: true, value: { isHealthy: true, journalMode: 'wal' } });
    ws.close();
  });
});

import { describe, expect, it } from 'vitest';
import { ConsoleAuth, generateLoginToken, isLoopbackHost, readCookie } from '../../../electron/server/auth';
import { checkConsoleOptions } from '../../../electron/server/start-console';
import { AirlockError } from '../../../electron/shared/errors';
import { manualClock } from '../../helpers/temp-dir';

describe('ConsoleAuth', () => {
  const setup = () => {
    const clock = manualClock();
    const token = generateLoginToken();
    return { clock, token, auth: new ConsoleAuth({ token, clock, sessionTtlMs: 60_000 }) };
  };

  it('exchanges the right token for a session and refuses others', () => {
    const { auth, token } = setup();
    const ok = auth.login(token, 'a');
    expect(ok.ok).toBe(true);
    if (ok.ok) expect(auth.isSessionValid(ok.sessionId)).toBe(true);
    for (const wrong of ['', 'x', `${token} `, token.slice(1), 42, undefined, null, { token }]) {
      const outcome = auth.login(wrong, `client-${String(wrong)}`);
      expect(outcome.ok).toBe(false);
      if (!outcome.ok) expect(outcome.error.code).toBe('CONSOLE_LOGIN_INVALID');
    }
  });

  it('slows repeated failures down exponentially, even for the right token, per client', () => {
    const { auth, token, clock } = setup();
    for (let i = 0; i < 3; i += 1) expect(auth.login('wrong', 'a').ok).toBe(false);
    // The 4th failure starts a 1 s lock-out.
    const fourth = auth.login('wrong', 'a');
    expect(fourth.ok || fourth.error.code).toBe('CONSOLE_LOGIN_INVALID');
    const locked = auth.login(token, 'a');
    expect(locked.ok).toBe(false);
    if (!locked.ok) {
      expect(locked.error.code).toBe('CONSOLE_LOGIN_THROTTLED');
      expect(locked.error.data).toEqual({ retryAfterSeconds: 1 });
    }
    // Another client is not affected.
    expect(auth.login(token, 'b').ok).toBe(true);
    clock.advance(1000);
    expect(auth.login('wrong', 'a').ok).toBe(false); // 5th failure: 2 s
    const again = auth.login(token, 'a');
    expect(!again.ok && again.error.data).toEqual({ retryAfterSeconds: 2 });
    clock.advance(2000);
    expect(auth.login(token, 'a').ok).toBe(true);
    // Success forgets the failures.
    expect(auth.login('wrong', 'a').ok).toBe(false);
    const afterReset = auth.login(token, 'a');
    expect(afterReset.ok).toBe(true);
  });

  it('doubles the lock-out up to a 5-minute cap, and forgets a client after 15 quiet minutes', () => {
    const { auth, token, clock } = setup();
    for (let i = 0; i < 3; i += 1) auth.login('wrong', 'a');
    const delays: number[] = [];
    for (let i = 0; i < 12; i += 1) {
      auth.login('wrong', 'a');
      const blocked = auth.login(token, 'a');
      const retryAfter = blocked.ok ? 0 : (blocked.error.data as { retryAfterSeconds: number }).retryAfterSeconds;
      delays.push(retryAfter);
      clock.advance(retryAfter * 1000);
    }
    expect(delays).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]);
    auth.login('wrong', 'a');
    clock.advance(16 * 60_000);
    expect(auth.login(token, 'a').ok).toBe(true);
  });

  it('expires sessions and ends them on logout', () => {
    const { auth, token, clock } = setup();
    const first = auth.login(token, 'a');
    const second = auth.login(token, 'a');
    if (!first.ok || !second.ok) throw new Error('login failed');
    auth.logout(first.sessionId);
    expect(auth.isSessionValid(first.sessionId)).toBe(false);
    expect(auth.isSessionValid(second.sessionId)).toBe(true);
    clock.advance(60_001);
    expect(auth.isSessionValid(second.sessionId)).toBe(false);
    expect(auth.isSessionValid(undefined)).toBe(false);
    expect(auth.isSessionValid('forged')).toBe(false);
  });

  it('makes a different 256-bit token every time', () => {
    const tokens = new Set(Array.from({ length: 100 }, generateLoginToken));
    expect(tokens.size).toBe(100);
    for (const token of tokens) expect(Buffer.from(token, 'base64url')).toHaveLength(32);
  });
});

describe('isLoopbackHost', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['localhost', true],
    ['::1', true],
    ['[::1]', true],
    ['0.0.0.0', false],
    ['::', false],
    ['192.168.1.10', false],
    ['10.0.0.1', false],
    ['localhost.example.com', false],
    ['127.0.0.1.example.com', false],
  ])('%s → %s', (host, expected) => expect(isLoopbackHost(host)).toBe(expected));
});

describe('readCookie', () => {
  it('finds one cookie among several', () => {
    expect(readCookie('a=1; airlock_session=abc; b=2', 'airlock_session')).toBe('abc');
    expect(readCookie('xairlock_session=abc', 'airlock_session')).toBeUndefined();
    expect(readCookie(undefined, 'airlock_session')).toBeUndefined();
  });
});

describe('checkConsoleOptions', () => {
  const refusal = (options: Parameters<typeof checkConsoleOptions>[0]) => {
    try {
      checkConsoleOptions(options);
      return undefined;
    } catch (error) {
      return (error as AirlockError).code;
    }
  };

  it('refuses a non-loopback address without TLS and says how to proceed', () => {
    expect(refusal({ host: '0.0.0.0', port: 7070 })).toBe('CONSOLE_TLS_REQUIRED');
    expect(refusal({ host: '192.168.0.5', port: 7070 })).toBe('CONSOLE_TLS_REQUIRED');
    const message = new AirlockError('CONSOLE_TLS_REQUIRED', { host: '0.0.0.0' }).message;
    expect(message).toContain('--tls-cert');
    expect(message).toContain('ssh -L');
  });

  it('accepts loopback without TLS and any address with a full TLS pair', () => {
    expect(refusal({ host: '127.0.0.1', port: 7070 })).toBeUndefined();
    expect(refusal({ host: '0.0.0.0', port: 7070, tlsCert: 'c.pem', tlsKey: 'k.pem' })).toBeUndefined();
  });

  it('refuses half a TLS pair and bad ports', () => {
    expect(refusal({ host: '0.0.0.0', port: 7070, tlsCert: 'c.pem' })).toBe('CLI_INVALID_ARGUMENT');
    expect(refusal({ host: '127.0.0.1', port: 70000 })).toBe('CLI_INVALID_ARGUMENT');
    expect(refusal({ host: '127.0.0.1', port: 1.5 })).toBe('CLI_INVALID_ARGUMENT');
  });
});

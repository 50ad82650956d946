import { describe, expect, it } from 'vitest';
import { airlockTokenScopes } from '../../../../electron/shared/gateway/scopes';
import { MAX_TOKEN_DAYS, checkTokenLabel, checkTokenScopes, parseTokenExpiry } from '../../../../electron/shared/gateway/tokens';

const NOW = Date.parse('2026-11-21T12:00:00Z');
const HOUR = 3_600_000;
const DAY = 86_400_000;

describe('checkTokenLabel', () => {
  it('keeps a label trimmed', () => {
    expect(checkTokenLabel('  alice laptop ')).toEqual({ ok: true, label: 'alice laptop' });
  });

  it('requires a label', () => {
    for (const label of ['', '   ', '\t']) expect(checkTokenLabel(label)).toMatchObject({ ok: false, message: expect.stringContaining('label is required') });
  });

  it('allows 100 characters and refuses 101, saying how long it is', () => {
    expect(checkTokenLabel('x'.repeat(100))).toMatchObject({ ok: true });
    expect(checkTokenLabel('x'.repeat(101))).toEqual({ ok: false, message: 'The label is 101 characters long; the limit is 100.' });
  });

  it('refuses line breaks and other control characters inside the label', () => {
    for (const label of ['ci\npipeline', 'ci\rx', 'a\u0000b', 'a\u001bb', 'a\u007fb']) {
      expect(checkTokenLabel(label)).toMatchObject({ ok: false, message: expect.stringContaining('control characters') });
    }
  });
});

describe('checkTokenScopes', () => {
  it('deduplicates and puts the scopes in catalogue order', () => {
    const result = checkTokenScopes(['duo_chat', 'openai', ' complete_code ', 'duo_chat', 'openai']);
    const expected = airlockTokenScopes.filter((scope) => ['openai', 'complete_code', 'duo_chat'].includes(scope));
    expect(result).toEqual({ ok: true, scopes: expected });
    expect(expected[0]).toBe('openai');
  });

  it('requires at least one scope, blank ones not counting, and lists the known ones', () => {
    for (const scopes of [[], ['', '  ']]) {
      const result = checkTokenScopes(scopes);
      expect(result).toMatchObject({ ok: false, message: expect.stringContaining('at least one scope') });
      expect(!result.ok && result.message).toContain('openai');
    }
  });

  it('names every unknown scope', () => {
    expect(checkTokenScopes(['openai', 'admin'])).toMatchObject({ ok: false, message: expect.stringMatching(/^Unknown scope "admin"; known scopes: /) });
    const several = checkTokenScopes(['root', 'openai', 'sudo']);
    expect(several).toMatchObject({ ok: false, message: expect.stringMatching(/^Unknown scopes "root", "sudo"; /) });
  });

  it('is case-sensitive (scopes are GitLab\'s unit primitive names)', () => {
    expect(checkTokenScopes(['OpenAI'])).toMatchObject({ ok: false });
  });

  it('shortens an unknown scope to 50 characters in the message', () => {
    const result = checkTokenScopes(['z'.repeat(90)]);
    expect(!result.ok && result.message).toContain(`"${'z'.repeat(50)}"`);
    expect(!result.ok && result.message).not.toContain('z'.repeat(51));
  });
});

describe('parseTokenExpiry', () => {
  const ok = (text: string) => {
    const result = parseTokenExpiry(text, NOW);
    if (!result.ok) throw new Error(`expected "${text}" to be accepted: ${result.message}`);
    return result.expiresAt;
  };
  const message = (text: string) => {
    const result = parseTokenExpiry(text, NOW);
    if (result.ok) throw new Error(`expected "${text}" to be refused, got ${new Date(result.expiresAt).toISOString()}`);
    return result.message;
  };

  it('reads days and hours from now', () => {
    expect(ok('30d')).toBe(NOW + 30 * DAY);
    expect(ok('12h')).toBe(NOW + 12 * HOUR);
    expect(ok(' 90D ')).toBe(NOW + 90 * DAY);
    expect(ok('2 h')).toBe(NOW + 2 * HOUR);
  });

  it('reads a date as the end of that day in UTC', () => {
    expect(ok('2027-01-31')).toBe(Date.parse('2027-01-31T23:59:59Z'));
    // Even today's date: the end of today is more than an hour away at noon.
    expect(ok('2026-11-21')).toBe(Date.parse('2026-11-21T23:59:59Z'));
  });

  it('reads an ISO date-time with Z or an offset', () => {
    expect(ok('2027-01-31T10:00:00Z')).toBe(Date.parse('2027-01-31T10:00:00Z'));
    expect(ok('2027-01-31T10:00:00+02:00')).toBe(Date.parse('2027-01-31T08:00:00Z'));
    expect(ok('2027-01-31T10:00:00.500-05:00')).toBe(Date.parse('2027-01-31T15:00:00.500Z'));
  });

  it('accepts exactly one hour and exactly the longest lifetime', () => {
    expect(ok('1h')).toBe(NOW + HOUR);
    expect(ok(`${MAX_TOKEN_DAYS}d`)).toBe(NOW + MAX_TOKEN_DAYS * DAY);
    expect(ok(`${MAX_TOKEN_DAYS * 24}h`)).toBe(NOW + MAX_TOKEN_DAYS * DAY);
  });

  it('refuses less than an hour ahead, and the past', () => {
    for (const text of ['0h', '0d', '2026-11-21T12:59:59Z', '2026-11-20', '2020-01-01T00:00:00Z']) expect(message(text)).toContain('at least one hour');
  });

  it('refuses more than the longest lifetime', () => {
    for (const text of [`${MAX_TOKEN_DAYS + 1}d`, `${MAX_TOKEN_DAYS * 24 + 1}h`, '9999d', '2030-01-01']) expect(message(text)).toContain(`more than ${MAX_TOKEN_DAYS} days`);
  });

  it('refuses what is not an expiry, with the forms it takes', () => {
    for (const text of ['', 'soon', '30', '30m', '1w', '-5d', '2027-01-31T10:00:00', '31/01/2027', 'tomorrow', '12345d']) {
      expect(message(text)).toContain('is not an expiry; write 30d, 12h');
    }
  });

  it('refuses a date-time that matches the form but is no time', () => {
    expect(message('2027-01-31T99:99:99Z')).toContain('not a valid date');
    expect(message('2027-13-01')).toContain('not a valid date');
  });

  it('refuses a day the month does not have instead of moving to the next month', () => {
    // Date.parse rolls 2027-02-30 over to 2027-03-02: a typo would give a token another expiry than asked.
    expect(message('2027-02-30')).toContain('not a valid date');
    expect(message('2027-04-31')).toContain('not a valid date');
    expect(message('2027-02-29T10:00:00Z')).toContain('not a valid date');
  });

  it('does not echo more than 50 characters of the text', () => {
    expect(message(`x${'y'.repeat(200)}`)).not.toContain('y'.repeat(50));
  });
});

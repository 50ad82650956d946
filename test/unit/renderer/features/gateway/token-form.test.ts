import { describe, expect, it } from 'vitest';
import { RemoteError } from '../../../../../electron/shared/rpc-client';
import { airlockTokenScopes } from '../../../../../electron/shared/gateway/scopes';
import { parseTokenExpiry } from '../../../../../electron/shared/gateway/tokens';
import {
  DEFAULT_EXPIRY,
  DEFAULT_SCOPES,
  describeExpiry,
  describeMintError,
  describeScopes,
  expiresInput,
  expiryChoices,
  expiryDateBounds,
  scopeGroups,
  toggleScope,
} from '../../../../../renderer/src/features/gateway/token-form';

const NOW = Date.parse('2026-11-21T13:30:00Z');

describe('token-form', () => {
  it('defaults to the openai scope and the core\'s default lifetime', () => {
    expect(DEFAULT_SCOPES).toEqual(['openai']);
    expect(DEFAULT_EXPIRY).toBe('90d');
  });

  it('offers every scope the core knows, once, the OpenAI door first', () => {
    const offered = scopeGroups.flatMap((group) => group.scopes);
    expect(offered[0]).toBe('openai');
    expect([...offered].sort()).toEqual([...airlockTokenScopes].sort());
    expect(new Set(offered).size).toBe(offered.length);
  });

  it('toggles scopes and keeps the catalogue order', () => {
    expect(toggleScope(['openai'], 'complete_code', true)).toEqual(['openai', 'complete_code']);
    expect(toggleScope(['complete_code'], 'openai', true)).toEqual(['openai', 'complete_code']);
    expect(toggleScope(['openai', 'complete_code'], 'openai', false)).toEqual(['complete_code']);
    expect(toggleScope(['openai'], 'openai', true)).toEqual(['openai']);
  });

  it('sends what the core parses: a lifetime, or the chosen date', () => {
    for (const choice of expiryChoices.filter((c) => c.id !== 'date')) {
      expect(parseTokenExpiry(expiresInput(choice.id, ''), NOW)).toMatchObject({ ok: true });
    }
    expect(expiresInput('date', ' 2027-01-31 ')).toBe('2027-01-31');
    expect(expiresInput('date', '')).toBe('');
  });

  it('bounds the date input to days the core accepts', () => {
    const { min, max } = expiryDateBounds(NOW);
    expect(min).toBe('2026-11-21');
    expect(parseTokenExpiry(min, NOW)).toMatchObject({ ok: true });
    expect(parseTokenExpiry(max, NOW)).toMatchObject({ ok: true });
    const dayAfter = new Date(Date.parse(`${max}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    expect(parseTokenExpiry(dayAfter, NOW)).toMatchObject({ ok: false });
  });

  it('words an expiry relative to now', () => {
    expect(describeExpiry('2026-12-21T13:30:00.000Z', NOW)).toBe('in 30 days');
    expect(describeExpiry('2026-11-22T14:00:00.000Z', NOW)).toBe('in 1 day');
    expect(describeExpiry('2026-11-21T18:45:00.000Z', NOW)).toBe('in 5 h');
    expect(describeExpiry('2026-11-21T14:40:00.000Z', NOW)).toBe('in 1 h');
    expect(describeExpiry('2026-11-21T13:40:00.000Z', NOW)).toBe('in 10 min');
    expect(describeExpiry('2026-11-21T13:29:50.000Z', NOW)).toBe('1 min ago');
    expect(describeExpiry('2026-11-18T13:30:00.000Z', NOW)).toBe('3 days ago');
  });

  it('shortens a long scope list', () => {
    expect(describeScopes(['openai'])).toBe('openai');
    expect(describeScopes(['openai', 'a', 'b', 'c', 'd'])).toBe('openai, a, b + 2 more');
  });

  it('reads the field a TOKEN_INVALID refusal names, and keeps the core\'s message', () => {
    const error = new RemoteError({ code: 'TOKEN_INVALID', message: 'The token was not minted: label: A label is required.', data: { field: 'label', message: 'A label is required.' } });
    expect(describeMintError(error)).toEqual({ message: 'The token was not minted: label: A label is required.', code: 'TOKEN_INVALID', field: 'label' });
    const license = new RemoteError({ code: 'LICENSE_REQUIRED', message: 'No license allows this.', data: { field: 'label' } });
    expect(describeMintError(license)).toEqual({ message: 'No license allows this.', code: 'LICENSE_REQUIRED', field: null });
    expect(describeMintError(new Error('The connection to the core closed.'))).toEqual({ message: 'The connection to the core closed.', code: null, field: null });
  });
});

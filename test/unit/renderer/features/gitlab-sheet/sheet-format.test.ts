import { describe, expect, it } from 'vitest';
import { checkGatewayUrl, copyableText, sheetValueText } from '../../../../../renderer/src/features/gitlab-sheet/sheet-format';

describe('sheet-format', () => {
  it('shows a secret by its last 4 and never offers it for copying', () => {
    expect(sheetValueText({ kind: 'secret', last4: '7391' })).toBe('…7391');
    expect(copyableText({ kind: 'secret', last4: '7391' })).toBeNull();
  });

  it('copies text values, and nothing for "(leave empty)"', () => {
    expect(copyableText({ kind: 'text', text: 'http://gpu:8000/v1' })).toBe('http://gpu:8000/v1');
    expect(sheetValueText({ kind: 'empty', text: '(leave empty)' })).toBe('(leave empty)');
    expect(copyableText({ kind: 'empty', text: '(leave empty)' })).toBeNull();
  });

  it("checks the gateway URL with the setting's own rule, and warns about loopback addresses", () => {
    expect(checkGatewayUrl('https://airlock.example.internal:5052')).toEqual({ error: null, warning: null });
    expect(checkGatewayUrl('')).toEqual({ error: null, warning: null });
    expect(checkGatewayUrl('airlock:5052').error).toBe('The gateway URL must be an http(s) URL without query or fragment, or empty, e.g. https://airlock.example.internal:5052.');
    expect(checkGatewayUrl('http://127.0.0.1:5052').warning).toContain('loopback');
    expect(checkGatewayUrl('http://localhost').warning).toContain('loopback');
  });
});

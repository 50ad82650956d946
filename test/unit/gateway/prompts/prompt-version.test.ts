import { describe, expect, it } from 'vitest';
import { isPromptVersion } from '../../../../electron/gateway/prompts/prompt-version';

describe('isPromptVersion', () => {
  it.each(['1.2.3', '0.0.0', '10.20.30', '1.0.0-rc.1', '1.0.0-alpha-1+build.7', '^1.0.0', '^1', '^1.2', '~2.0', '~2', '~2.0.1-beta'])('accepts %s', (version) => {
    expect(isPromptVersion(version)).toBe(true);
  });

  it.each(['', '1', '1.2', 'v1.2.3', '01.2.3', '1.02.3', '1.2.3.4', '^', '^^1', '>=1.0.0', '1.x', '*', 'latest', ' 1.2.3', '^1.2-rc', '1.2.3-', '1.2.3+'])(
    'refuses %j',
    (version) => {
      expect(isPromptVersion(version)).toBe(false);
    },
  );

  it('refuses absurd lengths', () => {
    expect(isPromptVersion(`1.2.3-${'a'.repeat(300)}`)).toBe(false);
  });
});

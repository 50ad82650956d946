import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { contextTokensFor, DEFAULT_CONTEXT_TOKENS, familyContextTokens, normaliseFamily } from '../../../../electron/gateway/prompts/families';

interface CatalogFamily {
  id: string;
  maxContextTokens: number | null;
}

const catalog = JSON.parse(readFileSync(new URL('../../../../resources/catalog/models.json', import.meta.url), 'utf8')) as { families: CatalogFamily[] };

describe('family context lengths', () => {
  it('match the model catalog for every family the catalog gives a figure', () => {
    for (const family of catalog.families) {
      if (family.maxContextTokens === null) expect(Object.hasOwn(familyContextTokens, family.id)).toBe(false);
      else expect(contextTokensFor(family.id)).toBe(family.maxContextTokens);
    }
    expect(Object.keys(familyContextTokens).every((id) => catalog.families.some((family) => family.id === id))).toBe(true);
  });

  it('fall back to 128k for families without a figure, unknown ones and prototype members', () => {
    expect(contextTokensFor('gpt')).toBe(DEFAULT_CONTEXT_TOKENS);
    expect(contextTokensFor('no-such-family')).toBe(131_072);
    expect(contextTokensFor('constructor')).toBe(131_072);
  });

  it('normalises family ids', () => {
    expect(normaliseFamily('  CodeGemma ')).toBe('codegemma');
    expect(contextTokensFor('CodeGemma')).toBe(8192);
  });
});

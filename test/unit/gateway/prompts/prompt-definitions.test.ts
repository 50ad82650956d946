import { describe, expect, it } from 'vitest';
import { promptDefinitions } from '../../../../electron/gateway/prompts/prompt-definitions';
import { promptRoutes } from '../../../../electron/shared/gateway/scopes';

describe('promptDefinitions', () => {
  it('define exactly the prompt ids the gateway routes', () => {
    expect(Object.keys(promptDefinitions).sort()).toEqual(Object.keys(promptRoutes).sort());
  });

  it('have sane output lengths and temperatures', () => {
    for (const [id, definition] of Object.entries(promptDefinitions)) {
      expect(definition.maxTokens, id).toBeGreaterThan(0);
      expect(definition.maxTokens, id).toBeLessThanOrEqual(4096);
      expect(definition.temperature, id).toBeGreaterThanOrEqual(0);
      expect(definition.temperature, id).toBeLessThanOrEqual(1);
      expect(definition.task.trim(), id).not.toBe('');
    }
  });

  it('do not list one input name twice in a prompt', () => {
    for (const [id, definition] of Object.entries(promptDefinitions)) {
      const names = definition.slots.flatMap((slot) => slot.names);
      expect(new Set(names).size, id).toBe(names.length);
    }
  });
});

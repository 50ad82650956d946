import { describe, expect, it } from 'vitest';
import { inputProblem, inputsSize, inputText } from '../../../../electron/gateway/prompts/prompt-inputs';

describe('inputProblem', () => {
  it('accepts JSON values and absent ones', () => {
    for (const value of ['x', 0, -1.5, true, null, undefined, [], {}, [1, 'a', { b: [null] }], Object.create(null) as object]) {
      expect(inputProblem('v', value)).toBeNull();
    }
  });

  it('names the input and says what is wrong with it', () => {
    expect(inputProblem('cb', () => 1)).toBe("Input 'cb' is a function; inputs must be strings, numbers, booleans, or arrays and objects of those.");
    expect(inputProblem('n', Number.POSITIVE_INFINITY)).toContain('a number that is not finite');
    expect(inputProblem('d', new Date(0))).toContain("Input 'd' is an object holding a value that is not JSON");
    expect(inputProblem('l', [1, undefined])).toContain("Input 'l' is an array");
  });

  it('refuses values nested too deep', () => {
    let deep: unknown = 'leaf';
    for (let level = 0; level < 40; level += 1) deep = [deep];
    expect(inputProblem('deep', deep)).toContain('nested deeper than 32');
  });
});

describe('inputText and inputsSize', () => {
  it('gives strings as they are and other values as compact JSON', () => {
    expect(inputText('a b')).toBe('a b');
    expect(inputText(12)).toBe('12');
    expect(inputText(false)).toBe('false');
    expect(inputText({ a: [1, 2] })).toBe('{"a":[1,2]}');
    expect(inputText(null)).toBeNull();
    expect(inputText('  ')).toBeNull();
  });

  it('counts names and values', () => {
    expect(inputsSize({ ab: 'xyz', n: 10, gone: null })).toBe(2 + 3 + 1 + 2 + 4);
  });
});

import { describe, expect, it } from 'vitest';
import { extractCode } from '../../../../electron/gateway/prompts/code-generation';
import { createFenceStripper } from '../../../../electron/gateway/prompts/fence-stripper';

/** Whole answers and the code a stripper must let through (the same as extractCode gives). */
const cases: readonly { name: string; text: string; code: string }[] = [
  { name: 'a fenced answer', text: '```python\ndef f():\n    return 1\n```\n', code: 'def f():\n    return 1' },
  { name: 'commentary after the fence', text: '```python\ndef f():\n    return 1\n```\nThis defines f.', code: 'def f():\n    return 1' },
  { name: 'plain code', text: 'def f():\n    return 1\n', code: 'def f():\n    return 1' },
  { name: 'blank lines around and inside', text: '\n\n```\n\nx = 1\n\n\ny = 2\n\n```', code: 'x = 1\n\n\ny = 2' },
  { name: 'backticks inside a line of code', text: '```js\nconst a = "```";\n```', code: 'const a = "```";' },
  { name: 'an answer cut before the fence closed', text: '```ts\nlet x = 1;\nlet y', code: 'let x = 1;\nlet y' },
  { name: 'a tilde fence', text: '~~~\ncode\n~~~', code: 'code' },
  { name: 'a longer fence around a shorter one', text: '````md\n```sh\nls\n```\n````', code: '```sh\nls\n```' },
  { name: 'a backtick fence not closed by tildes', text: '```\na\n~~~\nb\n```', code: 'a\n~~~\nb' },
  { name: 'whitespace-only lines in plain code', text: 'a\n  \nb\n  \n', code: 'a\n  \nb' },
  { name: 'an indented first line', text: '  indented first\nsecond', code: '  indented first\nsecond' },
  { name: 'two backticks are not a fence', text: '``inline``\nx', code: '``inline``\nx' },
  { name: 'a line of code starting with backticks', text: '```md\n`code` here\n``\n```', code: '`code` here\n``' },
  { name: 'a lone opening fence', text: '```', code: '' },
  { name: 'a fence with spaces after the closing marks', text: '```\nx\n```   \nafter', code: 'x' },
  { name: 'plain code with a fence later on', text: 'x = 1\n```\nmore', code: 'x = 1\n```\nmore' },
  { name: 'nothing', text: '', code: '' },
  { name: 'only blank lines', text: '\n \n\n', code: '' },
];

function streamed(deltas: readonly string[]): string {
  const stripper = createFenceStripper();
  return deltas.map((delta) => stripper.push(delta)).join('') + stripper.end();
}

describe('createFenceStripper', () => {
  it.each(cases)('passes the code of $name through whole', ({ text, code }) => {
    expect(streamed([text])).toBe(code);
    expect(extractCode(text)).toBe(code);
  });

  it.each(cases)('gives the same result for $name split at every position', ({ text, code }) => {
    for (let cut = 0; cut <= text.length; cut += 1) expect(streamed([text.slice(0, cut), text.slice(cut)])).toBe(code);
    expect(streamed([...text])).toBe(code);
  });

  it.each(cases.filter((item) => item.text.length <= 40))('gives the same result for $name split at every pair of positions', ({ text, code }) => {
    for (let first = 0; first <= text.length; first += 1) {
      for (let second = first; second <= text.length; second += 1) {
        expect(streamed([text.slice(0, first), text.slice(first, second), text.slice(second)])).toBe(code);
      }
    }
  });

  it('writes plain code out at once', () => {
    const stripper = createFenceStripper();
    expect(stripper.push('def')).toBe('def');
    expect(stripper.push(' f():\n    ret')).toBe(' f():\n    ret');
    expect(stripper.push('urn 1')).toBe('urn 1');
    expect(stripper.end()).toBe('');
  });

  it('holds back only what may still be a fence line or a blank line', () => {
    const stripper = createFenceStripper();
    expect(stripper.push('``')).toBe('');
    expect(stripper.push('`python\n')).toBe('');
    expect(stripper.push('x')).toBe('x');
    expect(stripper.push(' = 1\n')).toBe(' = 1');
    expect(stripper.push('`')).toBe('');
    expect(stripper.push('x`')).toBe('\n`x`');
    expect(stripper.push('\n\n')).toBe('');
    expect(stripper.push('y')).toBe('\n\ny');
    expect(stripper.push('\n``')).toBe('');
    expect(stripper.push('`\nThat is all.')).toBe('');
    expect(stripper.push('more')).toBe('');
    expect(stripper.end()).toBe('');
  });
});

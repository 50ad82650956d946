import { describe, expect, it } from 'vitest';
import { couldBecomeClosingFence, couldBecomeOpeningFence, fenced, fenceFor, isClosingFence, parseOpeningFence } from '../../../../electron/gateway/prompts/markdown-fence';

describe('fenceFor and fenced', () => {
  it('uses three backticks unless the content holds a run that long', () => {
    expect(fenceFor('no fences')).toBe('```');
    expect(fenceFor('a `b` ``c``')).toBe('```');
    expect(fenceFor('```js\nx\n```')).toBe('````');
    expect(fenceFor('`````')).toBe('``````');
    expect(fenced('x', 'py')).toBe('```py\nx\n```');
  });
});

describe('parseOpeningFence', () => {
  it('reads backtick and tilde fences with their info string', () => {
    expect(parseOpeningFence('```python')).toEqual({ char: '`', length: 3, info: 'python' });
    expect(parseOpeningFence('   ~~~~ ruby extra ')).toEqual({ char: '~', length: 4, info: 'ruby extra' });
    expect(parseOpeningFence('```\r')).toEqual({ char: '`', length: 3, info: '' });
  });

  it('refuses what CommonMark does not call a fence', () => {
    expect(parseOpeningFence('``')).toBeNull();
    expect(parseOpeningFence('    ```')).toBeNull();
    expect(parseOpeningFence('```a`b')).toBeNull();
    expect(parseOpeningFence('x ```')).toBeNull();
  });
});

describe('isClosingFence', () => {
  const opening = { char: '`', length: 4, info: '' } as const;

  it('needs the same character, at least as many, and nothing after', () => {
    expect(isClosingFence('````', opening)).toBe(true);
    expect(isClosingFence('`````  ', opening)).toBe(true);
    expect(isClosingFence('```', opening)).toBe(false);
    expect(isClosingFence('~~~~', opening)).toBe(false);
    expect(isClosingFence('```` x', opening)).toBe(false);
  });
});

describe('couldBecomeClosingFence and couldBecomeOpeningFence', () => {
  const opening = { char: '`', length: 3, info: '' } as const;

  it('hold back only what may still grow into a fence line', () => {
    expect(couldBecomeClosingFence('', opening)).toBe(true);
    expect(couldBecomeClosingFence('  `', opening)).toBe(true);
    expect(couldBecomeClosingFence('``` ', opening)).toBe(true);
    expect(couldBecomeClosingFence('` ', opening)).toBe(false);
    expect(couldBecomeClosingFence('~', opening)).toBe(false);
    expect(couldBecomeClosingFence('    ', opening)).toBe(false);
    expect(couldBecomeClosingFence('`x', opening)).toBe(false);
    expect(couldBecomeOpeningFence('``')).toBe(true);
    expect(couldBecomeOpeningFence('~')).toBe(true);
    expect(couldBecomeOpeningFence('`~')).toBe(false);
    expect(couldBecomeOpeningFence('x')).toBe(false);
  });
});

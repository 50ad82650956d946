import { describe, expect, it } from 'vitest';
import {
  clampMaxTokens,
  fitLengths,
  promptCharBudget,
  takeHead,
  takeTail,
  trimAroundCursor,
  truncateWithMarker,
} from '../../../../electron/gateway/prompts/budget';

describe('promptCharBudget', () => {
  it('turns the context left after the output into characters at 3 per token', () => {
    // codegemma: 8192 tokens, minus 64 for output, minus the 256-token template reserve.
    expect(promptCharBudget('codegemma', 64)).toBe((8192 - 64 - 256) * 3);
    expect(promptCharBudget('qwen', 64, { capTokens: 8192 })).toBe((8192 - 64 - 256) * 3);
    expect(promptCharBudget('codegemma', 64, { capTokens: 100_000 })).toBe((8192 - 64 - 256) * 3);
  });

  it('is never negative', () => {
    expect(promptCharBudget('codegemma', 100_000)).toBe(0);
  });
});

describe('clampMaxTokens', () => {
  it('keeps the output to half the context at most', () => {
    expect(clampMaxTokens('codegemma', 6000)).toBe(4096);
    expect(clampMaxTokens('llama3', 2048)).toBe(2048);
    expect(clampMaxTokens('llama3', 0)).toBe(1);
  });
});

describe('takeHead and takeTail', () => {
  it('keep the first or last characters', () => {
    expect(takeHead('abcdef', 3)).toBe('abc');
    expect(takeTail('abcdef', 3)).toBe('def');
    expect(takeHead('abc', 10)).toBe('abc');
    expect(takeTail('abc', 0)).toBe('');
  });

  it('never split a surrogate pair', () => {
    // '😀' is two UTF-16 units.
    expect(takeHead('ab😀cd', 3)).toBe('ab');
    expect(takeTail('ab😀cd', 3)).toBe('cd');
    expect(takeTail('ab😀cd', 4)).toBe('😀cd');
  });

  it('drop a cut line at the far end when that costs less than half', () => {
    // The last 20 characters are 'ne\nsecond line\nthird': the cut 'ne' goes.
    expect(takeTail('first line\nsecond line\nthird', 20, true)).toBe('second line\nthird');
    expect(takeTail('aaaa\nbbbbbbbbbbbbbbbbbbbb', 22, true)).toBe('bbbbbbbbbbbbbbbbbbbb');
    expect(takeHead('one\ntwo\nthree four', 12, true)).toBe('one\ntwo\n');
  });

  it('keep a cut line when it is most of what is kept (one long line)', () => {
    const minified = 'x'.repeat(50) + '\nend';
    expect(takeTail(minified, 20, true)).toBe('x'.repeat(16) + '\nend');
    expect(takeHead('start\n' + 'y'.repeat(50), 20, true)).toBe('start\n' + 'y'.repeat(14));
  });

  it('keep everything when the cut falls on a line boundary', () => {
    expect(takeTail('aaa\nbbb', 3, true)).toBe('bbb');
    expect(takeHead('aaa\nbbb', 3, true)).toBe('aaa');
  });
});

describe('trimAroundCursor', () => {
  it('leaves text that fits alone', () => {
    expect(trimAroundCursor('abc', 'def', 6)).toEqual({ prefix: 'abc', suffix: 'def' });
  });

  it('keeps the end of the prefix and the start of the suffix, prefix first', () => {
    const prefix = 'p'.repeat(100_000) + 'NEAR_PREFIX';
    const suffix = 'NEAR_SUFFIX' + 's'.repeat(100_000);
    const trimmed = trimAroundCursor(prefix, suffix, 1000);
    expect(trimmed.prefix.length + trimmed.suffix.length).toBeLessThanOrEqual(1000);
    expect(trimmed.prefix.endsWith('NEAR_PREFIX')).toBe(true);
    expect(trimmed.suffix.startsWith('NEAR_SUFFIX')).toBe(true);
    expect(trimmed.prefix.length).toBe(750);
    expect(trimmed.suffix.length).toBe(250);
  });

  it('gives the suffix what a short prefix leaves, and the prefix what a short suffix leaves', () => {
    expect(trimAroundCursor('abc', 'x'.repeat(100), 50)).toEqual({ prefix: 'abc', suffix: 'x'.repeat(47) });
    expect(trimAroundCursor('x'.repeat(100), 'abc', 50)).toEqual({ prefix: 'x'.repeat(47), suffix: 'abc' });
  });

  it('cuts at line boundaries where it can', () => {
    const prefix = Array.from({ length: 50 }, (_, index) => `line ${index}`).join('\n') + '\n    ret';
    const trimmed = trimAroundCursor(prefix, '', 40);
    // The last 40 characters start with the line break before 'line 46'.
    expect(trimmed.prefix).toBe('line 46\nline 47\nline 48\nline 49\n    ret');
  });
});

describe('fitLengths', () => {
  it('keeps everything that fits', () => {
    expect(fitLengths([10, 20], 30)).toEqual([10, 20]);
  });

  it('cuts the longest items to one common length', () => {
    expect(fitLengths([10, 100, 1000], 210)).toEqual([10, 100, 100]);
    expect(fitLengths([10, 100, 1000], 110)).toEqual([10, 50, 50]);
    expect(fitLengths([60, 60], 100)).toEqual([50, 50]);
    expect(fitLengths([5, 5], 0)).toEqual([0, 0]);
  });
});

describe('truncateWithMarker', () => {
  const text = 'a'.repeat(500) + 'b'.repeat(500);

  it('leaves text that fits alone', () => {
    expect(truncateWithMarker('short', 10, 'start')).toBe('short');
  });

  it('keeps the start, the end or both, and says how much was left out', () => {
    const start = truncateWithMarker(text, 200, 'start');
    const end = truncateWithMarker(text, 200, 'end');
    const middle = truncateWithMarker(text, 200, 'middle');
    for (const result of [start, end, middle]) expect(result.length).toBeLessThanOrEqual(200);
    expect(start).toMatch(/^a+\n\[… \d+ characters left out …\]\n$/);
    expect(end).toMatch(/^\n\[… \d+ characters left out …\]\nb+$/);
    expect(middle).toMatch(/^a+\n\[… \d+ characters left out …\]\nb+$/);
    const kept = start.replace(/\n\[.*\]\n/, '').length;
    expect(start).toContain(`[… ${1000 - kept} characters left out …]`);
  });

  it('drops the marker when there is no room for it', () => {
    expect(truncateWithMarker(text, 10, 'end')).toBe('bbbbbbbbbb');
  });
});

import { describe, expect, it } from 'vitest';
import { droppedNotice, findMatches, firstMatchingRow, terminalTextToPlain } from '../../../../../renderer/src/features/services/output-text';

describe('terminalTextToPlain', () => {
  it('removes colours, keeps a progress bar only in its final state, and makes CRLF LF', () => {
    const raw = '\x1b[32mINFO\x1b[0m 11-21 12:00:00 start\r\nLoading shards:  50% 1/2\rLoading shards: 100% 2/2\r\n\x1b]0;title\x07done';
    expect(terminalTextToPlain(raw)).toBe('INFO 11-21 12:00:00 start\nLoading shards: 100% 2/2\ndone');
  });
});

describe('firstMatchingRow', () => {
  const row = (text: string, isWrapped = false) => ({ text, isWrapped });

  it('finds the first line with error, traceback, exception or fatal, in any case', () => {
    expect(firstMatchingRow([row('INFO ok'), row('Traceback (most recent call last):'), row('ERROR x')])).toBe(1);
    expect(firstMatchingRow([row('all good')])).toBe(-1);
    expect(firstMatchingRow([])).toBe(-1);
  });

  it('matches a word split over soft-wrapped rows, and answers the first row of that line', () => {
    expect(firstMatchingRow([row('INFO fine'), row('torch.OutOfMemoryErr'), row('or: CUDA out of memory', true)])).toBe(1);
  });
});

describe('droppedNotice', () => {
  it('says how many bytes and why', () => {
    expect(droppedNotice(12345, false)).toBe('… 12,345 bytes dropped: the output came faster than it was read');
    expect(droppedNotice(10, true)).toMatch(/^… 10 earlier bytes are no longer held in memory/);
  });
});

describe('findMatches', () => {
  const row = (text: string, isWrapped = false) => ({ text, isWrapped });

  it('finds every case-insensitive occurrence with its row and column', () => {
    expect(findMatches([row('Startup: waiting for application startup.'), row('nothing'), row('STARTUP complete')], 'startup')).toEqual([
      { row: 0, col: 0 },
      { row: 0, col: 33 },
      { row: 2, col: 0 },
    ]);
    expect(findMatches([row('abc')], '')).toEqual([]);
  });

  it('finds a match across a soft wrap and places it on the row it starts in', () => {
    expect(findMatches([row('xxxxxxstar'), row('tup here', true), row('startup')], 'startup')).toEqual([
      { row: 0, col: 6 },
      { row: 2, col: 0 },
    ]);
    expect(findMatches([row('0123456789'), row('ab startup', true)], 'startup')).toEqual([{ row: 1, col: 3 }]);
  });
});

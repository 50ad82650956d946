import { describe, expect, it } from 'vitest';
import { formatHitTime, sinceFor, splitHighlights } from '../../../../../renderer/src/features/logs/log-highlight';

describe('splitHighlights', () => {
  it('splits a hit at the core\'s \\u0002 … \\u0003 markers', () => {
    expect(splitHighlights('torch \u0002CUDA\u0003 out of \u0002memory\u0003.')).toEqual([
      { text: 'torch ', isMatch: false },
      { text: 'CUDA', isMatch: true },
      { text: ' out of ', isMatch: false },
      { text: 'memory', isMatch: true },
      { text: '.', isMatch: false },
    ]);
  });

  it('survives a line cut inside a match and stray markers', () => {
    expect(splitHighlights('a \u0002b')).toEqual([
      { text: 'a ', isMatch: false },
      { text: 'b', isMatch: true },
    ]);
    expect(splitHighlights('x\u0003y')).toEqual([{ text: 'xy', isMatch: false }]);
    expect(splitHighlights('')).toEqual([]);
  });
});

describe('search ranges and times', () => {
  it('turns a range into a since, or none for any time', () => {
    expect(sinceFor('all', 1_000_000)).toBeUndefined();
    expect(sinceFor('15m', 1_000_000)).toBe(100_000);
  });

  it('shows milliseconds, and the date only for another day', () => {
    const now = new Date(2026, 10, 21, 15, 0, 0).getTime();
    expect(formatHitTime(new Date(2026, 10, 21, 14, 3, 7, 120).getTime(), now)).toBe('14:03:07.120');
    expect(formatHitTime(new Date(2026, 10, 20, 9, 0, 0, 5).getTime(), now)).toBe('2026-11-20 09:00:00.005');
  });
});

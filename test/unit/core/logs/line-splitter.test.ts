import { describe, expect, it } from 'vitest';
import { LineSplitterForIndex, stripAnsi, toFtsQuery } from '../../../../electron/core/logs/line-splitter';

describe('LineSplitterForIndex', () => {
  it('splits on \\n and \\r\\n across chunks, strips colour, keeps a progress bar only in its final state', () => {
    const splitter = new LineSplitterForIndex();
    expect(splitter.push('\x1b[32mINFO\x1b[0m loading weights\r\nLoad')).toEqual(['INFO loading weights']);
    expect(splitter.push('ing 10%\rLoading 50%\rLoading 100%\n')).toEqual(['Loading 100%']);
    expect(splitter.push('no newline yet')).toEqual([]);
    expect(splitter.flush()).toEqual(['no newline yet']);
  });

  it('cuts a line that never ends at the limit', () => {
    const splitter = new LineSplitterForIndex(10);
    expect(splitter.push('x'.repeat(25))).toEqual(['x'.repeat(10), 'x'.repeat(10)]);
    expect(splitter.flush()).toEqual(['x'.repeat(5)]);
  });
});

describe('stripAnsi and toFtsQuery', () => {
  it('removes CSI, OSC and control characters', () => {
    expect(stripAnsi('\x1b]0;title\x07\x1b[1;31mERROR\x1b[0m\ttab\x08')).toBe('ERROR\ttab');
  });

  it('quotes every word so no input is an FTS5 syntax error', () => {
    expect(toFtsQuery('CUDA out-of-memory "x" AND:')).toBe('"CUDA" "out-of-memory" """x""" "AND:"');
    expect(toFtsQuery('   ')).toBe('');
  });
});

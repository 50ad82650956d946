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

  it('gives the same lines as one block (joined by newlines) for the index worker', () => {
    const chunks = ['\x1b[32mINFO\x1b[0m a\r\nb', '\n\nLoading 1%\rLoading 100%\n', 'no newline'];
    const asLines = new LineSplitterForIndex();
    const asBlocks = new LineSplitterForIndex();
    for (const chunk of chunks) {
      const lines = asLines.push(chunk);
      expect(asBlocks.pushBlock(chunk)).toEqual({ text: lines.join('\n'), count: lines.length });
    }
    expect(asBlocks.pushBlock('')).toEqual({ text: '', count: 0 });
    expect(asBlocks.flush()).toEqual(['no newline']);
  });

  it('cuts a line that never ends at the limit', () => {
    const splitter = new LineSplitterForIndex(10);
    expect(splitter.push('x'.repeat(25))).toEqual(['x'.repeat(10), 'x'.repeat(10)]);
    expect(splitter.flush()).toEqual(['x'.repeat(5)]);
  });
});

describe('stripAnsi and toFtsQuery', () => {
  it('removes CSI (also the one-byte C1 form), OSC and control characters', () => {
    expect(stripAnsi('\x1b]0;title\x07\x1b[1;31mERROR\x1b[0m\ttab\x08')).toBe('ERROR\ttab');
    expect(stripAnsi('\x9b31mred\x9b0m')).toBe('red');
  });

  it('strips a block of lines exactly as it strips each line: an unterminated OSC never eats the next lines', () => {
    const lines = ['\x1b]0;unterminated title', 'next line', '\x1b]2;done\x07kept \x1b[1mbold\x1b[0m'];
    expect(stripAnsi(lines.join('\n'))).toBe(lines.map(stripAnsi).join('\n'));
    expect(stripAnsi(lines.join('\n')).split('\n')).toEqual(['0;unterminated title', 'next line', 'kept bold']);
  });

  it('quotes every word so no input is an FTS5 syntax error', () => {
    expect(toFtsQuery('CUDA out-of-memory "x" AND:')).toBe('"CUDA" "out-of-memory" """x""" "AND:"');
    expect(toFtsQuery('   ')).toBe('');
  });
});

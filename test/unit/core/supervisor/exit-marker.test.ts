import { describe, expect, it } from 'vitest';
import { ExitMarkerScanner, decodeExitStatus } from '../../../../electron/core/supervisor/pty-process';

const marker = (id: string, status: number) => `\x1b]777;airlock-exit;${id};${status}\x07`;

describe('ExitMarkerScanner', () => {
  const push = (scanner: ExitMarkerScanner, text: string | Buffer) => {
    const { data, status } = scanner.push(typeof text === 'string' ? Buffer.from(text) : text);
    return { text: data.toString(), status };
  };

  it('finds the marker in one chunk and strips it', () => {
    const scanner = new ExitMarkerScanner('abc123');
    expect(push(scanner, `last line\n${marker('abc123', 1)}`)).toEqual({ text: 'last line\n', status: 1 });
  });

  it('finds a marker split at every possible position, passing on all bytes in order', () => {
    const full = Buffer.from(`tail of output€${marker('abc123', 137)}`);
    for (let cut = 0; cut <= full.length; cut += 1) {
      const scanner = new ExitMarkerScanner('abc123');
      const first = scanner.push(full.subarray(0, cut));
      const second = scanner.push(full.subarray(cut));
      expect(Buffer.concat([first.data, second.data]).toString(), `cut at ${cut}`).toBe('tail of output€');
      expect(first.status ?? second.status).toBe(137);
    }
  });

  it('ignores a marker with another id (a child printing one) and other escape sequences', () => {
    const scanner = new ExitMarkerScanner('abc123');
    const text = `\x1b[31mred\x1b[0m ${marker('999999', 0)} done`;
    const result = push(scanner, text);
    expect(result.status).toBeUndefined();
    expect(result.text + scanner.flush().toString()).toBe(text);
  });

  it('holds back only what could still become the marker', () => {
    const scanner = new ExitMarkerScanner('abc123');
    expect(push(scanner, 'abc\x1b]777;airl')).toEqual({ text: 'abc', status: undefined });
    expect(push(scanner, 'X')).toEqual({ text: '\x1b]777;airlX', status: undefined });
  });
});

describe('decodeExitStatus', () => {
  it.each([
    [0, { code: 0, signal: null }],
    [1, { code: 1, signal: null }],
    [128, { code: 128, signal: null }],
    [137, { code: null, signal: 'SIGKILL' }],
    [143, { code: null, signal: 'SIGTERM' }],
  ])('%i → %o', (status, expected) => expect(decodeExitStatus(status)).toEqual(expected));
});

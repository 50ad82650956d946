import { describe, expect, it } from 'vitest';
import { parseProcStat } from '../../../../electron/core/supervisor/process-table';

// A real line's shape (proc(5)); comm may contain spaces and ")" — only the last ")" ends it.
const line = (comm: string, state = 'S') =>
  `4242 (${comm}) ${state} 1 4242 4242 34816 4242 4194560 115 0 0 0 1 0 0 0 20 0 1 0 987654 2240512 196 18446744073709551615 1 1 0 0 0 0 0 0 65536 0 0 0 17 1 0 0 0 0 0`;

describe('parseProcStat', () => {
  it('reads pid, state, ppid, pgid, session and start time', () => {
    expect(parseProcStat(line('sleep'))).toEqual({ pid: 4242, ppid: 1, pgid: 4242, sid: 4242, state: 'S', startTime: 987654 });
  });

  it('survives a command name with spaces and parentheses', () => {
    expect(parseProcStat(line('vllm (worker) x) y'))).toMatchObject({ pid: 4242, state: 'S', startTime: 987654 });
  });

  it('sees zombies as such and rejects garbage', () => {
    expect(parseProcStat(line('python3', 'Z'))?.state).toBe('Z');
    expect(parseProcStat('')).toBeUndefined();
    expect(parseProcStat('12 no parens here')).toBeUndefined();
  });
});

import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type PtyExit, type PtyProcess, findRunWrapper, spawnPtyProcess } from '../../../electron/core/supervisor/pty-process';

const wrapper = findRunWrapper(join(process.cwd(), 'resources'));

function run(command: string, args: string[], options: { withWrapper?: boolean } = {}): { child: PtyProcess; done: Promise<{ output: string; exit: PtyExit }> } {
  const child = spawnPtyProcess({ command, args, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, cwd: '/', wrapper: options.withWrapper === false ? null : wrapper });
  let output = '';
  child.onData((text) => (output += text));
  const done = new Promise<{ output: string; exit: PtyExit }>((resolve) => child.onExit((exit) => resolve({ output, exit })));
  return { child, done };
}

/** Pids whose process group is `pgid` (read from /proc: zombies count as gone). */
function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') members.push(Number(entry));
    } catch {
      // Gone while we looked.
    }
  }
  return members;
}

describe('pty process (node-pty + airlock-run)', () => {
  it('has the wrapper', () => {
    expect(wrapper).not.toBeNull();
  });

  it('captures 64 KiB printed right before exit completely, 100 runs out of 100', async () => {
    const script = 'seq 1 20000 | head -c 65536; exit 1';
    const expected = execFileSync('/bin/sh', ['-c', 'seq 1 20000 | head -c 65536'], { encoding: 'utf8' });
    expect(expected).toHaveLength(65536);
    let complete = 0;
    for (let i = 0; i < 100; i += 1) {
      const { output, exit } = await run('/bin/sh', ['-c', script]).done;
      if (output === expected && exit.code === 1 && exit.isOutputComplete) complete += 1;
    }
    expect(complete).toBe(100);
  }, 120_000);

  it('reports exit codes and signals, and the command sees a terminal', async () => {
    expect((await run('/bin/sh', ['-c', 'exit 3']).done).exit).toEqual({ code: 3, signal: null, isOutputComplete: true });
    expect((await run('/bin/sh', ['-c', 'kill -TERM $$']).done).exit).toMatchObject({ code: null, signal: 'SIGTERM' });
    const tty = await run('/bin/sh', ['-c', 'test -t 0 && test -t 1 && echo has-a-tty']).done;
    expect(tty.output).toBe('has-a-tty\n');
  });

  it('a signal to the group ends the command and its children, and the exit is still reported in full', async () => {
    const { child, done } = run('/bin/sh', ['-c', 'sleep 300 & sleep 300 & echo started; wait']);
    await new Promise((resolve) => child.onData((text) => text.includes('started') && resolve(undefined)));
    expect(groupMembers(child.pid).length).toBeGreaterThanOrEqual(3);
    child.signalGroup('SIGTERM');
    const { exit } = await done;
    expect(exit.isOutputComplete).toBe(true);
    // The shell's exit can be reported before the kernel has finished ending its children (a
    // signal is delivered, not executed, by kill(2)): they must be gone soon after, not at once.
    await expect.poll(() => groupMembers(child.pid), { timeout: 2_000, interval: 20 }).toEqual([]);
  });

  it('without the marker (wrapper SIGKILLed) the exit still comes, flagged incomplete', async () => {
    const { child, done } = run('/bin/sh', ['-c', 'echo up; sleep 300']);
    await new Promise((resolve) => child.onData((text) => text.includes('up') && resolve(undefined)));
    child.signalGroup('SIGKILL');
    const { exit } = await done;
    expect(exit.isOutputComplete).toBe(false);
  });
});

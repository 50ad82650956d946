import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as pty from 'node-pty';
import type { Disposable } from '../../shared/disposable';
import { toDisposable } from '../../shared/disposable';

/** How a supervised process ended. `signal` is set when it was killed by one (exit status 128 + n). */
export interface PtyExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** False when the exit marker never came (the wrapper was SIGKILLed): output may be incomplete. */
  isOutputComplete: boolean;
}

export interface PtyProcessOptions {
  command: string;
  args: readonly string[];
  env: Readonly<Record<string, string>>;
  cwd: string;
  /** The resources/bin/airlock-run wrapper; without it the process runs bare (no capture guarantee). */
  wrapper: string | null;
  cols?: number;
  rows?: number;
  /** How long to wait for the exit marker after the pty reports exit (ms). */
  exitMarkerGraceMs?: number;
}

export interface PtyProcess extends Disposable {
  /** Pid of the process group leader (the wrapper, or the command when run bare). */
  readonly pid: number;
  /** Raw output bytes (UTF-8 split anywhere): decode only where text is needed. */
  onData(listener: (chunk: Buffer) => void): Disposable;
  onExit(listener: (exit: PtyExit) => void): Disposable;
  /** Sends `signal` to the whole process group. */
  signalGroup(signal: NodeJS.Signals): void;
  write(text: string): void;
  resize(cols: number, rows: number): void;
}

const signalNames = new Map<number, NodeJS.Signals>([
  [1, 'SIGHUP'],
  [2, 'SIGINT'],
  [6, 'SIGABRT'],
  [9, 'SIGKILL'],
  [11, 'SIGSEGV'],
  [13, 'SIGPIPE'],
  [15, 'SIGTERM'],
]);

/** Exit status as the shell reports it (128 + n for a signal) → code or signal. */
export function decodeExitStatus(status: number): { code: number | null; signal: NodeJS.Signals | null } {
  if (status > 128 && status < 160) return { code: null, signal: signalNames.get(status - 128) ?? (`SIG${status - 128}` as NodeJS.Signals) };
  return { code: status, signal: null };
}

/**
 * Finds the wrapper's exit marker (ESC ] 777 ; airlock-exit ; ID ; STATUS BEL) in a stream of byte
 * chunks, holding back a chunk tail that may be the start of a marker split across reads. Bytes:
 * the marker is ASCII, and the output is never turned into strings here (scripts/bench-flood.mjs).
 */
export class ExitMarkerScanner {
  private pending: Buffer = Buffer.alloc(0);
  private readonly prefix: Buffer;

  constructor(exitId: string) {
    this.prefix = Buffer.from(`\x1b]777;airlock-exit;${exitId};`, 'latin1');
  }

  /** Returns the bytes to pass on, and the exit status once the marker has been seen. */
  push(chunk: Buffer): { data: Buffer; status?: number } {
    const data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = Buffer.alloc(0);
    const at = data.indexOf(this.prefix);
    if (at >= 0) {
      const digitsFrom = at + this.prefix.length;
      let cursor = digitsFrom;
      while (cursor < data.length && cursor - digitsFrom < 3 && data[cursor]! >= 0x30 && data[cursor]! <= 0x39) cursor += 1;
      if (cursor < data.length && data[cursor] === 0x07 && cursor > digitsFrom) {
        const status = Number(data.subarray(digitsFrom, cursor).toString('latin1'));
        return { data: Buffer.concat([data.subarray(0, at), data.subarray(cursor + 1)]), status };
      }
      if (cursor === data.length) {
        // The digits or the BEL are still to come.
        this.pending = Buffer.from(data.subarray(at));
        return { data: data.subarray(0, at) };
      }
    }
    const escape = data.lastIndexOf(0x1b);
    if (escape >= 0 && escape >= data.length - this.prefix.length) {
      const tail = data.subarray(escape);
      if (this.prefix.subarray(0, tail.length).equals(tail)) {
        this.pending = Buffer.from(tail);
        return { data: data.subarray(0, escape) };
      }
    }
    return { data };
  }

  /** Whatever was held back, when the stream ends without a marker. */
  flush(): Buffer {
    const rest = this.pending;
    this.pending = Buffer.alloc(0);
    return rest;
  }
}

/** resources/bin/airlock-run, when it and bash are there. */
export function findRunWrapper(resources: string): string | null {
  const path = join(resources, 'bin', 'airlock-run');
  return existsSync(path) && existsSync('/bin/bash') ? path : null;
}

/**
 * Starts one supervised process in a pty: its own session and process group, led by the
 * airlock-run wrapper, which holds the pty open until every byte the command printed was read.
 */
export function spawnPtyProcess(options: PtyProcessOptions): PtyProcess {
  const exitId = randomBytes(6).toString('hex');
  const [file, args] = options.wrapper ? [options.wrapper, [exitId, options.command, ...options.args]] : [options.command, [...options.args]];
  const child = pty.spawn(file, args, {
    name: 'xterm-256color',
    // Buffers, not strings: a flood of output then costs V8 almost nothing (scripts/bench-flood.mjs).
    encoding: null,
    cols: options.cols ?? 160,
    rows: options.rows ?? 48,
    cwd: options.cwd,
    env: { ...options.env },
  });
  const scanner = new ExitMarkerScanner(exitId);
  const dataListeners = new Set<(chunk: Buffer) => void>();
  const exitListeners = new Set<(exit: PtyExit) => void>();
  let markerStatus: number | undefined;
  let ptyExit: { exitCode: number; signal?: number } | undefined;
  let isFinished = false;
  let graceTimer: NodeJS.Timeout | undefined;

  const emitData = (chunk: Buffer) => {
    if (chunk.length === 0) return;
    for (const listener of [...dataListeners]) listener(chunk);
  };

  const finish = () => {
    if (isFinished) return;
    isFinished = true;
    clearTimeout(graceTimer);
    emitData(scanner.flush());
    const ptySignal = ptyExit?.signal ? (signalNames.get(ptyExit.signal) ?? null) : null;
    const exit: PtyExit =
      markerStatus !== undefined
        ? { ...decodeExitStatus(markerStatus), isOutputComplete: true }
        : { code: ptySignal ? null : (ptyExit?.exitCode ?? null), signal: ptySignal, isOutputComplete: false };
    for (const listener of [...exitListeners]) listener(exit);
  };

  // With `encoding: null` node-pty hands out Buffers; its typings still say string.
  child.onData((raw) => {
    const chunk = raw as unknown as Buffer;
    if (markerStatus !== undefined) return emitData(chunk);
    const { data, status } = scanner.push(chunk);
    emitData(data);
    if (status === undefined) return;
    markerStatus = status;
    // Everything the command printed came before the marker: let the wrapper exit.
    try {
      child.write('\r');
    } catch {
      // The pty is already closing.
    }
    if (ptyExit) finish();
  });
  child.onExit((event) => {
    ptyExit = event;
    // The wrapper traps TERM, INT and HUP, so a signal death means SIGKILL (or a crash): no marker
    // will ever come. Otherwise the marker may still be in flight behind the exit notice.
    if (markerStatus !== undefined || !options.wrapper || event.signal) return finish();
    graceTimer = setTimeout(finish, options.exitMarkerGraceMs ?? 2000);
  });

  return {
    pid: child.pid,
    onData(listener) {
      dataListeners.add(listener);
      return toDisposable(() => void dataListeners.delete(listener));
    },
    onExit(listener) {
      exitListeners.add(listener);
      return toDisposable(() => void exitListeners.delete(listener));
    },
    signalGroup(signal) {
      try {
        process.kill(-child.pid, signal);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
    },
    write: (text) => child.write(text),
    resize: (cols, rows) => child.resize(cols, rows),
    dispose() {
      dataListeners.clear();
      exitListeners.clear();
      clearTimeout(graceTimer);
    },
  };
}

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
  onData(listener: (text: string) => void): Disposable;
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
 * Finds the wrapper's exit marker (ESC ] 777 ; airlock-exit ; ID ; STATUS BEL) in a stream of
 * chunks, holding back a chunk tail that may be the start of a marker split across reads.
 */
export class ExitMarkerScanner {
  private pending = '';
  private readonly prefix: string;
  private readonly marker: RegExp;

  constructor(exitId: string) {
    this.prefix = `\x1b]777;airlock-exit;${exitId};`;
    this.marker = new RegExp(`\\x1b\\]777;airlock-exit;${exitId};(\\d{1,3})\\x07`);
  }

  /** Returns the text to pass on, and the exit status once the marker has been seen. */
  push(chunk: string): { text: string; status?: number } {
    const data = this.pending + chunk;
    this.pending = '';
    const match = this.marker.exec(data);
    if (match) return { text: data.slice(0, match.index) + data.slice(match.index + match[0].length), status: Number(match[1]) };
    const escape = data.lastIndexOf('\x1b');
    if (escape >= 0) {
      const tail = data.slice(escape);
      const couldBeMarker = this.prefix.startsWith(tail) || (tail.startsWith(this.prefix) && /^\d{0,3}$/.test(tail.slice(this.prefix.length)));
      if (couldBeMarker) {
        this.pending = tail;
        return { text: data.slice(0, escape) };
      }
    }
    return { text: data };
  }

  /** Whatever was held back, when the stream ends without a marker. */
  flush(): string {
    const rest = this.pending;
    this.pending = '';
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
    cols: options.cols ?? 160,
    rows: options.rows ?? 48,
    cwd: options.cwd,
    env: { ...options.env },
  });
  const scanner = new ExitMarkerScanner(exitId);
  const dataListeners = new Set<(text: string) => void>();
  const exitListeners = new Set<(exit: PtyExit) => void>();
  let markerStatus: number | undefined;
  let ptyExit: { exitCode: number; signal?: number } | undefined;
  let isFinished = false;
  let graceTimer: NodeJS.Timeout | undefined;

  const emitData = (text: string) => {
    if (text.length === 0) return;
    for (const listener of [...dataListeners]) listener(text);
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

  child.onData((chunk) => {
    if (markerStatus !== undefined) return emitData(chunk);
    const { text, status } = scanner.push(chunk);
    emitData(text);
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

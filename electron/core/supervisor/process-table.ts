import { readFileSync, readdirSync } from 'node:fs';

/** The environment variable every supervised process and all its descendants carry. */
export const RUN_TAG_ENV = 'AIRLOCK_RUN_TAG';

export interface ProcStat {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  /** R, S, D, Z, T…: a zombie (Z) is dead, whatever kill(pid, 0) says. */
  state: string;
  /** Start time in clock ticks since boot: with the pid, identifies one process across pid reuse. */
  startTime: number;
}

/** Parses /proc/PID/stat. The command name may hold spaces and parentheses: split after the last ")". */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  const fields = text.slice(close + 2).split(' ');
  // proc(5): state is field 3, ppid 4, pgrp 5, session 6, starttime 22 (1-based over the whole line).
  const [state, ppid, pgid, sid] = [fields[0], Number(fields[1]), Number(fields[2]), Number(fields[3])];
  const startTime = Number(fields[19]);
  if (!state || [pid, ppid, pgid, sid, startTime].some((n) => !Number.isFinite(n))) return undefined;
  return { pid, ppid, pgid, sid, state, startTime };
}

/** /proc, read through an injectable root so tests can use a fake one. */
export interface ProcessTable {
  /** Every live (non-zombie) process. */
  list(): ProcStat[];
  stat(pid: number): ProcStat | undefined;
  /** The value of `key` in the process's environment, if readable. */
  environ(pid: number, key: string): string | undefined;
}

export function createProcessTable(root = '/proc'): ProcessTable {
  const stat = (pid: number): ProcStat | undefined => {
    try {
      return parseProcStat(readFileSync(`${root}/${pid}/stat`, 'utf8'));
    } catch {
      return undefined;
    }
  };
  return {
    stat,
    list() {
      const out: ProcStat[] = [];
      for (const entry of readdirSync(root)) {
        if (!/^\d+$/.test(entry)) continue;
        const s = stat(Number(entry));
        if (s && s.state !== 'Z') out.push(s);
      }
      return out;
    },
    environ(pid, key) {
      try {
        const prefix = `${key}=`;
        const entry = readFileSync(`${root}/${pid}/environ`, 'latin1').split('\0').find((e) => e.startsWith(prefix));
        return entry?.slice(prefix.length);
      } catch {
        return undefined;
      }
    },
  };
}

/** True when `pid` no longer runs (gone, or a zombie waiting to be reaped). */
export function isGone(table: ProcessTable, pid: number, startTime?: number): boolean {
  const s = table.stat(pid);
  return !s || s.state === 'Z' || (startTime !== undefined && s.startTime !== startTime);
}

/** Live processes whose run tag equals `tag`, or starts with `prefix` when given one ending in ":". */
export function findTagged(table: ProcessTable, tagOrPrefix: string): ProcStat[] {
  const isPrefix = tagOrPrefix.endsWith(':');
  return table.list().filter((p) => {
    if (p.pid === process.pid) return false;
    const tag = table.environ(p.pid, RUN_TAG_ENV);
    return tag !== undefined && (isPrefix ? tag.startsWith(tagOrPrefix) : tag === tagOrPrefix);
  });
}

/** Live members of process group `pgid`. */
export function groupMembers(table: ProcessTable, pgid: number): ProcStat[] {
  return table.list().filter((p) => p.pgid === pgid);
}

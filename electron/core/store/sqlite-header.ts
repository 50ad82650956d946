import { closeSync, openSync, readSync } from 'node:fs';

/** "SQLite format 3\0": the first 16 bytes of every SQLite database (sqlite.org/fileformat.html §1.3). */
const MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
/** The user_version pragma lives at byte offset 60 of the header, 4 bytes big-endian (fileformat §1.3). */
const USER_VERSION_OFFSET = 60;

export type HeaderReading = { kind: 'empty' } | { kind: 'not-sqlite' } | { kind: 'sqlite'; userVersion: number };

/** Interprets the first bytes of a database file without opening it through SQLite. */
export function parseSqliteHeader(header: Buffer): HeaderReading {
  if (header.length === 0) return { kind: 'empty' };
  if (header.length < 100 || !header.subarray(0, 16).equals(MAGIC)) return { kind: 'not-sqlite' };
  return { kind: 'sqlite', userVersion: header.readUInt32BE(USER_VERSION_OFFSET) };
}

/** Reads the header of `path` read-only, so a refused file is never touched. Undefined if absent. */
export function readSqliteHeader(path: string): HeaderReading | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const buffer = Buffer.alloc(100);
    const read = readSync(fd, buffer, 0, 100, 0);
    return parseSqliteHeader(buffer.subarray(0, read));
  } finally {
    closeSync(fd);
  }
}

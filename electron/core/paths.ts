import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { AirlockError } from '../shared/errors';

/**
 * Where Airlock keeps its data: --data-dir, else AIRLOCK_DATA_DIR, else $XDG_DATA_HOME/airlock,
 * else ~/.local/share/airlock. The desktop app and the CLI use the same rule, so `airlock status`
 * finds the desktop app's core.
 */
export function resolveDataDir(options: { flag?: string; env?: NodeJS.ProcessEnv; home?: string } = {}): string {
  const env = options.env ?? process.env;
  if (options.flag) return resolve(options.flag);
  if (env.AIRLOCK_DATA_DIR) return resolve(env.AIRLOCK_DATA_DIR);
  if (env.XDG_DATA_HOME) return join(resolve(env.XDG_DATA_HOME), 'airlock');
  return join(options.home ?? homedir(), '.local', 'share', 'airlock');
}

/** Creates the data directory (0700) if needed and checks it is a writable directory. */
export function ensureDataDir(path: string): void {
  try {
    mkdirSync(path, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new AirlockError('DATA_DIR_UNUSABLE', { path, reason: (error as NodeJS.ErrnoException).code ?? String(error) });
  }
  const stat = statSync(path);
  if (!stat.isDirectory()) throw new AirlockError('DATA_DIR_UNUSABLE', { path, reason: 'it is not a directory' });
  try {
    accessSync(path, constants.W_OK | constants.R_OK | constants.X_OK);
  } catch {
    throw new AirlockError('DATA_DIR_UNUSABLE', { path, reason: 'it is not readable and writable by this user' });
  }
}

/** The files of a data directory. */
export function dataPaths(dataDir: string) {
  return {
    configDb: join(dataDir, 'config.db'),
    controlSocket: join(dataDir, 'airlock.sock'),
    lockFile: join(dataDir, 'airlock.lock'),
  };
}

import { redactFields } from '../shared/redact';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Structured logger. Fields whose names look secret are masked before anything is written. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(scope: string): Logger;
}

const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** A logger writing one JSON line per entry to `write` (stderr by default). */
export function createLogger(options: { level?: LogLevel; scope?: string; write?: (line: string) => void; now?: () => number } = {}): Logger {
  const level = options.level ?? 'info';
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const now = options.now ?? Date.now;
  const log = (scope: string | undefined) => (entryLevel: LogLevel) => (message: string, fields?: Record<string, unknown>) => {
    if (order[entryLevel] < order[level]) return;
    const entry = { time: new Date(now()).toISOString(), level: entryLevel, scope, message, ...(fields ? (redactFields(fields) as object) : {}) };
    write(`${JSON.stringify(entry)}\n`);
  };
  const build = (scope: string | undefined): Logger => {
    const at = log(scope);
    return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: (s) => build(scope ? `${scope}.${s}` : s) };
  };
  return build(options.scope);
}

/** A logger that drops everything (tests that do not look at logs). */
export const silentLogger: Logger = createLogger({ write: () => undefined });

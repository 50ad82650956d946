/**
 * The gateway's log: one JSON object per line on stdout, which the supervisor captures like any
 * unit's output. Fields whose names look secret are masked (electron/shared/redact.ts); messages
 * never carry a token, a key or an Authorization header in the first place.
 */
import { redactFields } from '../shared/redact';

export type GatewayLogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface GatewayLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const order: Record<GatewayLogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** A logger writing JSON lines to `write` (stdout by default). */
export function createGatewayLogger(options: { level?: GatewayLogLevel; write?: (line: string) => void } = {}): GatewayLogger {
  const threshold = order[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => void process.stdout.write(line));
  const at =
    (level: GatewayLogLevel) =>
    (message: string, fields?: Record<string, unknown>): void => {
      if (order[level] < threshold) return;
      const entry = { time: new Date().toISOString(), level, message, ...(fields ? (redactFields(fields) as object) : {}) };
      write(`${JSON.stringify(entry)}\n`);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Drops everything (tests that do not read the log). */
export const silentGatewayLogger: GatewayLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

import { RemoteError } from '../shared/rpc-client';
import { AirlockError, type ErrorCode } from '../shared/errors';

/**
 * Exit codes of every `airlock` command (documented in `airlock --help` and the README):
 * 0 success · 1 unexpected failure · 2 invalid usage or refused configuration ·
 * 3 no core running · 4 the data directory or its store was refused · 5 refused by the license.
 */
export const EXIT = { ok: 0, failure: 1, usage: 2, noCore: 3, store: 4, license: 5 } as const;

const exitByCode: Partial<Record<ErrorCode, number>> = {
  CLI_INVALID_ARGUMENT: EXIT.usage,
  MODEL_NOT_FOUND: EXIT.usage,
  SERVE_LOCAL_REFUSED: EXIT.failure,
  CONFIG_IMPORT_INVALID: EXIT.usage,
  DEPLOYMENT_INVALID: EXIT.usage,
  DEPLOYMENT_NOT_FOUND: EXIT.usage,
  FEATURE_ASSIGNMENT_INVALID: EXIT.usage,
  SERVICE_INVALID: EXIT.usage,
  LICENSE_REQUIRED: EXIT.license,
  LICENSE_LIMIT_REACHED: EXIT.license,
  SERVICE_NOT_FOUND: EXIT.usage,
  SERVICE_EXISTS: EXIT.usage,
  LICENSE_FILE_UNREADABLE: EXIT.usage,
  MODEL_DIR_INVALID: EXIT.usage,
  SETTING_UNKNOWN: EXIT.usage,
  SETTING_INVALID: EXIT.usage,
  CONSOLE_TLS_REQUIRED: EXIT.usage,
  CONSOLE_TLS_UNREADABLE: EXIT.usage,
  CORE_NOT_RUNNING: EXIT.noCore,
  STORE_SCHEMA_TOO_NEW: EXIT.store,
  STORE_NOT_SQLITE: EXIT.store,
  STORE_OPEN_FAILED: EXIT.store,
  DATA_DIR_UNUSABLE: EXIT.store,
  DATA_DIR_IN_USE: EXIT.store,
  SOCKET_PATH_TOO_LONG: EXIT.store,
  TOKEN_INVALID: EXIT.usage,
  TOKEN_NOT_FOUND: EXIT.usage,
  GATEWAY_UNIT_EXISTS: EXIT.usage,
  REQUEST_NOT_FOUND: EXIT.usage,
};

/** Prints an error the way every command does (with --json: as JSON on stdout) and returns the exit code. */
export function reportError(error: unknown, options: { isJson?: boolean } = {}): number {
  let code: ErrorCode | undefined;
  let message: string;
  let data: Record<string, unknown> = {};
  if (error instanceof AirlockError || error instanceof RemoteError) {
    code = error.code;
    message = error.message;
    data = error.data as Record<string, unknown>;
  } else {
    message = error instanceof Error ? error.message : String(error);
  }
  if (options.isJson) process.stdout.write(`${JSON.stringify({ error: { code: code ?? 'INTERNAL', message, data } })}\n`);
  else process.stderr.write(`airlock: ${message}\n`);
  return (code && exitByCode[code]) ?? EXIT.failure;
}

/** Prints `value` as JSON (with --json) or as the human text `render` gives. */
export function printResult(value: unknown, isJson: boolean | undefined, render: () => string): void {
  process.stdout.write(isJson ? `${JSON.stringify(value, null, 2)}\n` : `${render()}\n`);
}

/**
 * The one catalogue of error codes. Every error that crosses a boundary (contract, HTTP, CLI) carries
 * one of these codes, a message built from the template and the data, and the data itself.
 * The UI maps codes to words and actions; the CLI maps them to exit codes.
 */

type Data = Record<string, unknown>;

interface CatalogEntry<D extends Data> {
  /** Builds the message from the structured data: what happened, the values, what to do next. */
  readonly message: (data: D) => string;
  /** HTTP status when the error is answered over HTTP. */
  readonly httpStatus: number;
}

function entry<D extends Data>(httpStatus: number, message: (data: D) => string): CatalogEntry<D> {
  return { httpStatus, message };
}

export const errorCatalog = {
  // Contract edge
  CONTRACT_UNKNOWN_CALL: entry<{ name: string }>(
    404,
    (d) => `Unknown call "${d.name}". The client and the core are from different Airlock versions; reload the page or restart the app.`,
  ),
  CONTRACT_INVALID_INPUT: entry<{ name: string; issues: string[] }>(
    400,
    (d) => `Invalid input for "${d.name}": ${d.issues.join('; ')}.`,
  ),
  CONTRACT_INVALID_MESSAGE: entry<{ reason: string }>(400, (d) => `Malformed message: ${d.reason}.`),
  CONTRACT_SENDER_REJECTED: entry<{ origin: string }>(
    403,
    (d) => `Call refused: it came from "${d.origin}", which is not the Airlock app.`,
  ),
  CONTRACT_TIMEOUT: entry<{ name: string; timeoutMs: number }>(
    504,
    (d) => `The core did not answer "${d.name}" within ${d.timeoutMs} ms. Check that the Airlock core is running.`,
  ),
  CONTRACT_DISCONNECTED: entry<{ name: string }>(
    503,
    (d) => `The connection to the Airlock core closed before "${d.name}" was answered. It reconnects by itself; try again.`,
  ),
  INTERNAL: entry<{ ref: string }>(
    500,
    (d) => `Internal error (reference ${d.ref}). The details are in the core's log under that reference.`,
  ),

  // Store
  STORE_SCHEMA_TOO_NEW: entry<{ path: string; found: number; supported: number }>(
    409,
    (d) =>
      `${d.path} has schema version ${d.found}, but this Airlock understands versions up to ${d.supported}. ` +
      `It was written by a newer Airlock and has not been touched. Run the newer Airlock, or point --data-dir at another directory.`,
  ),
  STORE_NOT_SQLITE: entry<{ path: string }>(
    409,
    (d) => `${d.path} is not an SQLite database (bad header). It was not modified; move it aside or restore it from a backup.`,
  ),
  STORE_OPEN_FAILED: entry<{ path: string; reason: string }>(
    500,
    (d) => `Could not open ${d.path}: ${d.reason}. Check the file's permissions and the free disk space.`,
  ),

  // Data directory and the local control socket
  DATA_DIR_UNUSABLE: entry<{ path: string; reason: string }>(
    500,
    (d) => `The data directory ${d.path} cannot be used: ${d.reason}. Give another one with --data-dir or AIRLOCK_DATA_DIR.`,
  ),
  DATA_DIR_IN_USE: entry<{ path: string }>(
    409,
    (d) => `Another Airlock core is already running on ${d.path}. Stop it first, or use another --data-dir.`,
  ),
  CORE_NOT_RUNNING: entry<{ dataDir: string }>(
    503,
    (d) =>
      `No Airlock core is running for ${d.dataDir}. Start one with "airlock serve" (or the desktop app), ` +
      `or pass the --data-dir it uses.`,
  ),
  SOCKET_PATH_TOO_LONG: entry<{ path: string; max: number }>(
    500,
    (d) => `The control socket path ${d.path} is longer than the ${d.max} bytes Unix sockets allow. Use a shorter --data-dir.`,
  ),

  // Console server
  CONSOLE_TLS_REQUIRED: entry<{ host: string }>(
    400,
    (d) =>
      `Refusing to listen on ${d.host} without TLS: the login token and the session cookie would cross the network in clear. ` +
      `Either give --tls-cert FILE and --tls-key FILE, or keep the default --host 127.0.0.1 and open the console through an SSH tunnel ` +
      `(ssh -L 7070:127.0.0.1:7070 you@this-host).`,
  ),
  CONSOLE_TLS_UNREADABLE: entry<{ path: string; reason: string }>(
    400,
    (d) => `Cannot read the TLS file ${d.path}: ${d.reason}.`,
  ),
  CONSOLE_LOGIN_INVALID: entry<Data>(
    401,
    () => 'That token is not valid. Use the token printed by "airlock serve" when it started (it changes at every start).',
  ),
  CONSOLE_LOGIN_THROTTLED: entry<{ retryAfterSeconds: number }>(
    429,
    (d) => `Too many wrong tokens. Wait ${d.retryAfterSeconds} s before trying again.`,
  ),
  CONSOLE_NOT_AUTHENTICATED: entry<Data>(401, () => 'Not logged in. Log in with the token that "airlock serve" printed.'),
  CONSOLE_ORIGIN_REJECTED: entry<{ origin: string }>(
    403,
    (d) => `Refused a connection from origin "${d.origin}": the console only accepts its own pages.`,
  ),

  // License
  LICENSE_REQUIRED: entry<{ action: string; state: string; reason: string }>(
    403,
    (d) => `Refused (${d.action}): ${d.reason}`,
  ),
  LICENSE_LIMIT_REACHED: entry<{ licenseId: string; limit: 'deployments' | 'GPUs'; allowed: number; wouldBe: number; detail: string }>(
    403,
    (d) => {
      const noun = d.allowed === 1 ? d.limit.replace(/s$/, '') : d.limit;
      return `License ${d.licenseId} allows ${d.allowed} ${noun}; this change would make ${d.wouldBe} (${d.detail}). Nothing was changed: free one first, or install a license with a higher limit.`;
    },
  ),
  LICENSE_NOT_INSTALLED: entry<{ state: string; reason: string }>(
    422,
    (d) => `The license was not installed: ${d.reason}`,
  ),
  LICENSE_FILE_UNREADABLE: entry<{ path: string; reason: string }>(
    400,
    (d) => `Cannot read the license file ${d.path}: ${d.reason}.`,
  ),

  // Services (supervised units)
  SERVICE_NOT_FOUND: entry<{ name: string; known: string[] }>(
    404,
    (d) => `There is no unit "${d.name}".${d.known.length > 0 ? ` Units: ${d.known.join(', ')}.` : ' Add one with "airlock services add".'}`,
  ),
  SERVICE_EXISTS: entry<{ name: string }>(409, (d) => `A unit named "${d.name}" already exists. Pick another name, or remove it first.`),
  SERVICE_INVALID: entry<{ issues: string[] }>(400, (d) => `The unit definition is not valid: ${d.issues.join('; ')}. Nothing was changed.`),
  SERVICE_CANNOT_START: entry<{ name: string; reason: string }>(409, (d) => `Cannot start "${d.name}": ${d.reason}`),
  LOG_FILE_NOT_FOUND: entry<{ name: string; file: string }>(
    404,
    (d) => `Unit "${d.name}" has no log file "${d.file}" (it may have rotated away meanwhile). List them again and retry.`,
  ),
  LOGS_UNAVAILABLE: entry<{ reason: string }>(503, (d) => `The log index cannot answer: ${d.reason}.`),

  // Model registry and features
  DEPLOYMENT_NOT_FOUND: entry<{ name: string; known: string[] }>(
    404,
    (d) => `There is no deployment "${d.name}".${d.known.length > 0 ? ` Deployments: ${d.known.join(', ')}.` : ' Add one first.'}`,
  ),
  DEPLOYMENT_INVALID: entry<{ issues: string[]; fields: Record<string, string> }>(
    400,
    (d) => `The deployment is not valid: ${d.issues.join('; ')}. Nothing was changed.`,
  ),
  SERVE_LOCAL_REFUSED: entry<{ reason: string }>(409, (d) => `Cannot serve this model here: ${d.reason}. Nothing was created.`),
  CONFIG_IMPORT_INVALID: entry<{ issues: string[] }>(
    400,
    (d) => `The configuration file was not imported, and nothing was changed: ${d.issues.join('; ')}.`,
  ),
  FEATURE_ASSIGNMENT_INVALID: entry<{ reason: string; message: string }>(400, (d) => `${d.message} Nothing was changed.`),

  // Gateway
  TOKEN_INVALID: entry<{ field: 'label' | 'scopes' | 'expires'; message: string }>(400, (d) => `The token was not minted: ${d.field}: ${d.message}`),
  TOKEN_NOT_FOUND: entry<{ id: string }>(404, (d) => `There is no gateway token "${d.id}". List them with "airlock tokens list".`),
  GATEWAY_UNIT_EXISTS: entry<{ name: string }>(
    409,
    (d) => `The Airlock gateway already runs as the unit "${d.name}"; one gateway per host (it owns gateway.port). Start or restart that one.`,
  ),
  GATEWAY_NOT_BUILT: entry<{ path: string }>(
    500,
    (d) => `The gateway program ${d.path} is missing. Build Airlock first ("npm run build"), or reinstall it.`,
  ),
  REQUEST_NOT_FOUND: entry<{ id: number }>(404, (d) => `There is no logged request ${d.id}; it may have been removed by the retention (gateway.requestLogRetentionDays).`),
  REQUESTS_UNAVAILABLE: entry<{ path: string; reason: string }>(503, (d) => `The request log ${d.path} cannot be read: ${d.reason}.`),

  // Secrets
  SECRET_KEY_UNSAFE: entry<{ path: string; mode: string }>(
    500,
    (d) => `The secrets key ${d.path} is not safe to use (${d.mode}). It must be a 32-byte file only its owner can read: chmod 600 it, or restore it from your backup.`,
  ),
  SECRET_UNREADABLE: entry<{ context: string }>(
    500,
    (d) => `A stored secret (${d.context}) cannot be decrypted: it was changed, or the secrets key is not the one it was stored with. Enter it again.`,
  ),

  // Settings
  SETTING_UNKNOWN: entry<{ key: string; known: string[] }>(
    404,
    (d) => `There is no setting "${d.key}". Known settings: ${d.known.join(', ')}.`,
  ),
  SETTING_INVALID: entry<{ key: string; reason: string }>(
    400,
    (d) => `Invalid value for ${d.key}: ${d.reason}. Nothing was changed.`,
  ),

  // Catalog and fit
  CATALOG_INVALID: entry<{ path: string; reason: string }>(
    500,
    (d) => `The model catalog ${d.path} is not valid (${d.reason}). Reinstall Airlock; the catalog ships with it.`,
  ),
  MODEL_NOT_FOUND: entry<{ model: string; suggestions: string[] }>(
    404,
    (d) =>
      `No catalog model or model directory "${d.model}".` +
      (d.suggestions.length > 0 ? ` Did you mean: ${d.suggestions.join(', ')}?` : ' Run "airlock fit --list" for the catalog, or give a directory with config.json.'),
  ),
  MODEL_DIR_INVALID: entry<{ path: string; reason: string }>(
    400,
    (d) => `${d.path} is not a usable model directory: ${d.reason}.`,
  ),

  // CLI
  CLI_INVALID_ARGUMENT: entry<{ argument: string; reason: string }>(
    2,
    (d) => `Invalid ${d.argument}: ${d.reason}.`,
  ),
} as const;

/** Every error code Airlock can produce. */
export type ErrorCode = keyof typeof errorCatalog;

/** The structured data an error code carries. */
export type ErrorData<C extends ErrorCode> = Parameters<(typeof errorCatalog)[C]['message']>[0];

/** What crosses a boundary: never a stack trace, never a secret. */
export interface WireError {
  code: ErrorCode;
  message: string;
  data: Record<string, unknown>;
}

/** An error from the catalogue; `message` is built from the template. */
export class AirlockError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;
  readonly data: ErrorData<C>;

  constructor(code: C, data: ErrorData<C>) {
    const build = errorCatalog[code].message as (d: ErrorData<C>) => string;
    super(build(data));
    this.name = 'AirlockError';
    this.code = code;
    this.data = data;
  }

  /** The form that crosses a boundary. */
  toWire(): WireError {
    return { code: this.code, message: this.message, data: { ...this.data } };
  }

  /** HTTP status for this code. */
  get httpStatus(): number {
    return errorCatalog[this.code].httpStatus;
  }
}

/** Narrows an unknown value to an AirlockError. */
export function isAirlockError(value: unknown): value is AirlockError {
  return value instanceof AirlockError;
}

/** True when `code` names an entry of the catalogue. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(errorCatalog, code);
}

/**
 * Verifying an Airlock license: a pure function from (file, trusted keys, clock, hardware) to a
 * status the UI, the CLI and the gates can act on. No I/O; the clock is a parameter.
 *
 * Order of checks, and why:
 * 1. structure (license-format.ts): size, armor, base64, envelope — `malformed`, `unsupported-version`;
 * 2. `alg` must be exactly Ed25519 — `unsupported-algorithm` (alg "none" is the classic JWT hole);
 * 3. the key: unknown kid — `unknown-key`;
 * 4. the Ed25519 signature over the domain prefix and the exact payload bytes — `bad-signature`.
 *    Nothing from the payload is read before this point, so an unverified payload never reaches a
 *    parser, a message or a decision;
 * 5. a valid test-key signature in a production build — `test-key-in-production`. It is a state of
 *    its own rather than `unknown-key`, so the operator is told the file is genuine but a test one;
 * 6. the payload: JSON and the strict schema — `malformed` / `unsupported-version`;
 * 7. the clock against the high-water mark — `clock-rollback-suspected` (nothing dated is trusted
 *    on a clock that went back);
 * 8. the hardware binding, k of n — `hardware-mismatch` (the license is not for this host,
 *    whatever the date);
 * 9. the dates — `not-yet-valid`, `valid`, `expiring-soon`, `in-grace`, `expired`.
 *
 * Time windows are half-open and exact to the millisecond of the injected clock, with dates that
 * are whole seconds (license-payload.ts): valid on [startsAt, expiresAt), grace on
 * [expiresAt, expiresAt + graceDays), expired from then on.
 */
import { licenseActions, licenseStates } from '../../shared/license';
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { describeComponent, matchHardwareBinding, type HardwareFingerprint, type MissingComponent } from './hardware-binding';
import { LICENSE_ALG, parseLicenseEnvelope, signedMessage, SUPPORTED_ENVELOPE_VERSIONS, type MalformedReason } from './license-format';
import { parseLicensePayload, SUPPORTED_PAYLOAD_VERSIONS, type LicensePayload } from './license-payload';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Warn from this long before expiry at the latest (issue 4; GitLab warns admins 15 days before). */
export const EXPIRY_WARNING_DAYS = 30;
/** Length of the evaluation that starts on first run without a license (issue 4). */
export const EVALUATION_DAYS = 30;
/**
 * How far the clock may be behind the high-water mark before it is suspected: 24 h absorbs time
 * zones, DST and a drifting RTC, and still catches a clock set back by days (reliability.md §2, "Clock").
 */
export const CLOCK_ROLLBACK_TOLERANCE_MS = 24 * HOUR_MS;

/** A public key this build trusts, by key id. A test key is trusted only outside production builds. */
export type TrustedKey = { readonly kid: string; readonly isTestKey: boolean } & (
  | { readonly publicKeyPem: string; readonly publicKeyRaw?: undefined }
  | { readonly publicKeyRaw: Uint8Array; readonly publicKeyPem?: undefined }
);

/** Inputs of verifyLicense besides the file. */
export interface VerifyLicenseOptions {
  /** Keys this build trusts (several at once during a rotation). */
  readonly trustedKeys: readonly TrustedKey[];
  /** True in packaged production builds: test-key licenses are refused. */
  readonly isProductionBuild: boolean;
  /** Current time, ms since the epoch (the injected clock). */
  readonly now: number;
  /** This host's hashed components; a bound license without them is a mismatch. */
  readonly hardware?: HardwareFingerprint;
  /** Latest trusted time seen (ms), for rollback detection. */
  readonly highWaterMark?: number;
  /** First run of this installation (ms): with no license file, the evaluation is answered. */
  readonly firstRunAt?: number;
}

/** What every state whose license verified carries, for the details page and the history. */
export interface VerifiedLicense {
  readonly licenseId: string;
  readonly license: LicensePayload;
  readonly kid: string;
  readonly isTestKey: boolean;
  /** SHA-256 (hex) of the decoded envelope: identifies the file, the same for LF and CRLF armor. */
  readonly licenseSha256: string;
}

/** The license status: one discriminated state, each with a message naming the id, dates and next step. */
export type LicenseStatus =
  | { readonly state: 'missing'; readonly message: string; readonly evaluationEndedAt?: string }
  | { readonly state: 'evaluation'; readonly message: string; readonly daysLeft: number; readonly startedAt: string; readonly endsAt: string }
  | (VerifiedLicense & { readonly state: 'valid'; readonly message: string; readonly daysLeft: number; readonly expiresAt: string })
  | (VerifiedLicense & { readonly state: 'expiring-soon'; readonly message: string; readonly daysLeft: number; readonly expiresAt: string })
  | (VerifiedLicense & {
      readonly state: 'in-grace';
      readonly message: string;
      readonly daysLeft: number;
      readonly expiredAt: string;
      readonly graceEndsAt: string;
    })
  | (VerifiedLicense & { readonly state: 'expired'; readonly message: string; readonly expiredAt: string; readonly graceEndsAt: string })
  | (VerifiedLicense & {
      readonly state: 'not-yet-valid';
      readonly message: string;
      /** `before-start`: the license starts later; `before-issue`: the clock is more than 24 h before the issue date. */
      readonly reason: 'before-start' | 'before-issue';
      readonly startsAt: string;
      readonly issuedAt: string;
    })
  | {
      readonly state: 'clock-rollback-suspected';
      readonly message: string;
      readonly licenseId?: string;
      readonly now: string;
      readonly highWaterMark: string;
      readonly behindHours: number;
    }
  | (VerifiedLicense & {
      readonly state: 'hardware-mismatch';
      readonly message: string;
      readonly matched: number;
      readonly required: number;
      readonly total: number;
      readonly missing: readonly MissingComponent[];
      /** True when the caller gave no hardware fingerprint at all. */
      readonly isHardwareUnknown: boolean;
    })
  | { readonly state: 'bad-signature'; readonly message: string; readonly kid: string }
  | { readonly state: 'unknown-key'; readonly message: string; readonly kid: string; readonly trustedKids: readonly string[] }
  | { readonly state: 'test-key-in-production'; readonly message: string; readonly kid: string }
  | { readonly state: 'unsupported-algorithm'; readonly message: string; readonly alg: string }
  | {
      readonly state: 'unsupported-version';
      readonly message: string;
      readonly layer: 'envelope' | 'payload';
      readonly version: number;
      readonly supported: readonly number[];
      readonly licenseId?: string;
    }
  | {
      readonly state: 'malformed';
      readonly message: string;
      readonly reason: MalformedReason;
      /** Schema issues (field paths and rule names only) when reason is `payload-schema`. */
      readonly issues?: readonly string[];
      readonly licenseId?: string;
    };

/** Every state name, for exhaustive tables (UI banners, CLI exit codes). */
export type LicenseState = LicenseStatus['state'];

/** All states, in the order of the documentation (the one list lives in electron/shared/license). */
export const LICENSE_STATES: readonly LicenseState[] = licenseStates;

const INSTALL_HINT = 'Install it on the License page or with "airlock license install FILE".';
const RENEW_HINT = `Ask your vendor for a renewed license. ${INSTALL_HINT}`;
const BLOCKED_HINT =
  'Probing, viewing and logs keep working, and running services are not stopped; registering or changing models and features and starting the gateway are refused';

/** `2026-03-01 00:00:00 UTC`: the date form used in messages. */
export function formatUtc(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function days(n: number): string {
  return n === 1 ? '1 day' : `${n} days`;
}

/** Whole days from `now` until `until`, rounded up: 1 s before expiry is "1 day left". */
function daysUntil(until: number, now: number): number {
  return Math.ceil((until - now) / DAY_MS);
}

/** Result of comparing the clock with the high-water mark. */
export interface ClockCheck {
  readonly isRollbackSuspected: boolean;
  /** How far the clock is behind the mark, ms (0 when it is not behind). */
  readonly behindMs: number;
}

/** Flags a clock more than 24 h behind the latest trusted time seen (now < highWaterMark − 24 h). */
export function checkClock(input: { now: number; highWaterMark: number | undefined }): ClockCheck {
  if (input.highWaterMark === undefined) return { isRollbackSuspected: false, behindMs: 0 };
  const behindMs = Math.max(0, input.highWaterMark - input.now);
  return { isRollbackSuspected: input.now < input.highWaterMark - CLOCK_ROLLBACK_TOLERANCE_MS, behindMs };
}

/**
 * The high-water mark to store after a check: `max(mark, now)`, but unchanged when the clock was
 * suspected, so a wrong clock never moves the mark (the caller stores it in config.db and a file).
 */
export function nextHighWaterMark(input: { now: number; highWaterMark: number | undefined }): number {
  if (input.highWaterMark === undefined) return input.now;
  return checkClock(input).isRollbackSuspected ? input.highWaterMark : Math.max(input.highWaterMark, input.now);
}

function rollbackStatus(now: number, highWaterMark: number, licenseId: string | undefined): LicenseStatus {
  const behindHours = Math.floor((highWaterMark - now) / HOUR_MS);
  const subject = licenseId === undefined ? 'The evaluation' : `License ${licenseId}`;
  return {
    state: 'clock-rollback-suspected',
    ...(licenseId === undefined ? {} : { licenseId }),
    now: new Date(now).toISOString(),
    highWaterMark: new Date(highWaterMark).toISOString(),
    behindHours,
    message:
      `This host's clock (${formatUtc(now)}) is ${behindHours} h behind the latest time Airlock has seen (${formatUtc(highWaterMark)}). ` +
      `${subject} is not trusted until the clock is corrected. Set the system clock (or the network's time server) to the right time; ` +
      `${BLOCKED_HINT} until then.`,
  };
}

/**
 * The 30-day evaluation that starts on first run without a license: `evaluation` with the days
 * left while it runs, `missing` once it has ended, `clock-rollback-suspected` on a clock set back.
 */
export function evaluateEvaluation(input: { firstRunAt: number; now: number; highWaterMark?: number }): LicenseStatus {
  const { firstRunAt, now } = input;
  // The first run is itself a time seen: a clock well before it is the same rollback.
  const mark = Math.max(firstRunAt, input.highWaterMark ?? firstRunAt);
  if (checkClock({ now, highWaterMark: mark }).isRollbackSuspected) return rollbackStatus(now, mark, undefined);
  const endsAt = firstRunAt + EVALUATION_DAYS * DAY_MS;
  if (now >= endsAt) {
    return {
      state: 'missing',
      evaluationEndedAt: new Date(endsAt).toISOString(),
      message: `The ${EVALUATION_DAYS}-day evaluation ended on ${formatUtc(endsAt)} and no license is installed. ${BLOCKED_HINT}. ${INSTALL_HINT}`,
    };
  }
  const daysLeft = Math.min(EVALUATION_DAYS, daysUntil(endsAt, now));
  return {
    state: 'evaluation',
    daysLeft,
    startedAt: new Date(firstRunAt).toISOString(),
    endsAt: new Date(endsAt).toISOString(),
    message: `Evaluation: ${days(daysLeft)} left (ends ${formatUtc(endsAt)}). Everything works until then; install a license from your vendor to keep it that way. ${INSTALL_HINT}`,
  };
}

/** Parsed public keys, built once per TrustedKey object. */
const keyCache = new WeakMap<TrustedKey, KeyObject | null>();

/** The Ed25519 KeyObject of a trusted key, or null when the configured key is not a usable Ed25519 key. */
function keyObjectOf(key: TrustedKey): KeyObject | null {
  const cached = keyCache.get(key);
  if (cached !== undefined) return cached;
  let object: KeyObject | null;
  try {
    object =
      key.publicKeyPem !== undefined
        ? createPublicKey(key.publicKeyPem)
        : createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(key.publicKeyRaw).toString('base64url') }, format: 'jwk' });
    if (object.asymmetricKeyType !== 'ed25519') object = null;
  } catch {
    object = null;
  }
  keyCache.set(key, object);
  return object;
}

const MALFORMED_TEXT: Record<MalformedReason, string> = {
  'not-file-contents': 'what was given is not the contents of a file',
  empty: 'the file is empty',
  'too-large': 'the file is far larger than a license',
  'not-ascii': 'the file contains characters a license never has (a byte-order mark, UTF-16 text or binary data)',
  armor: `the BEGIN/END AIRLOCK LICENSE lines or the 64-column body are not intact`,
  base64: 'the body is not valid base64',
  'envelope-json': 'the decoded body is not a license envelope',
  'envelope-fields': 'the envelope fields are missing, unknown or of the wrong type',
  'envelope-not-canonical': 'the envelope was re-encoded or edited',
  'bad-kid': 'the key id is not a valid key id',
  'payload-encoding': 'the payload is not valid base64url',
  'signature-encoding': 'the signature is not a valid Ed25519 signature encoding',
  'payload-json': 'the signed payload is not valid JSON',
  'payload-schema': 'the signed payload does not have the fields this Airlock expects',
};

function malformedStatus(reason: MalformedReason, extra: { issues?: readonly string[]; licenseId?: string } = {}): LicenseStatus {
  const subject = extra.licenseId === undefined ? 'The license file' : `The license file for ${extra.licenseId}`;
  const detail = extra.issues !== undefined && extra.issues.length > 0 ? ` (${extra.issues.join('; ')})` : '';
  const nextStep =
    reason === 'payload-schema'
      ? 'It is signed correctly, so it may be meant for a newer Airlock: update Airlock, or ask your vendor to re-issue it.'
      : 'Install the whole file exactly as your vendor sent it, without edits or re-encoding.';
  return {
    state: 'malformed',
    reason,
    ...(extra.issues === undefined ? {} : { issues: extra.issues }),
    ...(extra.licenseId === undefined ? {} : { licenseId: extra.licenseId }),
    message: `${subject} is not a valid Airlock license: ${MALFORMED_TEXT[reason]}${detail}. ${nextStep}`,
  };
}

function unsupportedVersionStatus(layer: 'envelope' | 'payload', version: number, licenseId?: string): LicenseStatus {
  const supported = layer === 'envelope' ? SUPPORTED_ENVELOPE_VERSIONS : SUPPORTED_PAYLOAD_VERSIONS;
  const subject = licenseId === undefined ? 'The license file' : `License ${licenseId}`;
  return {
    state: 'unsupported-version',
    layer,
    version,
    supported,
    ...(licenseId === undefined ? {} : { licenseId }),
    message: `${subject} uses ${layer} format version ${version}; this Airlock reads version ${supported.join(', ')}. Update Airlock, or ask your vendor for a license in a format this version reads.`,
  };
}

/** Applies the clock, the hardware binding and the dates to a verified payload. */
function evaluateVerified(verified: VerifiedLicense, options: VerifyLicenseOptions): LicenseStatus {
  const { license, licenseId } = verified;
  const { now } = options;

  if (options.highWaterMark !== undefined && checkClock({ now, highWaterMark: options.highWaterMark }).isRollbackSuspected) {
    return rollbackStatus(now, options.highWaterMark, licenseId);
  }

  if (license.hardware !== undefined) {
    const match = matchHardwareBinding(license.hardware, options.hardware);
    if (!match.isMatch) {
      const isHardwareUnknown = options.hardware === undefined;
      const which = match.missing.map(describeComponent).join(', ');
      return {
        ...verified,
        state: 'hardware-mismatch',
        matched: match.matched,
        required: match.required,
        total: match.total,
        missing: match.missing,
        isHardwareUnknown,
        message: isHardwareUnknown
          ? `License ${licenseId} is bound to specific hardware, and this host's hardware ids could not be read. Check that the GPU probe sees the GPUs and that /etc/machine-id exists, then check again.`
          : `License ${licenseId} is bound to other hardware: ${match.matched} of ${match.total} components match and ${match.required} are required. ` +
            `Not found on this host: ${which}. Ask your vendor to re-issue the license for this host, with the output of "airlock license fingerprint".`,
      };
    }
  }

  const startsAt = Date.parse(license.startsAt);
  const issuedAt = Date.parse(license.issuedAt);
  const expiresAt = Date.parse(license.expiresAt);
  const graceEndsAt = expiresAt + license.graceDays * DAY_MS;
  // Warn from notifyFrom, or 30 days before expiry if that comes first.
  const warnFrom = Math.min(Date.parse(license.notifyFrom), expiresAt - EXPIRY_WARNING_DAYS * DAY_MS);

  if (now < startsAt || now < issuedAt - CLOCK_ROLLBACK_TOLERANCE_MS) {
    const reason = now < startsAt ? 'before-start' : 'before-issue';
    return {
      ...verified,
      state: 'not-yet-valid',
      reason,
      startsAt: license.startsAt,
      issuedAt: license.issuedAt,
      message:
        reason === 'before-start'
          ? `License ${licenseId} starts on ${formatUtc(startsAt)}; this host's clock says ${formatUtc(now)}. If the clock is right, keep the current license until then; otherwise correct the system clock.`
          : `License ${licenseId} was issued on ${formatUtc(issuedAt)}, but this host's clock says ${formatUtc(now)}, more than a day earlier. Correct the system clock (or the network's time server).`,
    };
  }
  if (now < expiresAt) {
    const daysLeft = daysUntil(expiresAt, now);
    if (now >= warnFrom) {
      return {
        ...verified,
        state: 'expiring-soon',
        daysLeft,
        expiresAt: license.expiresAt,
        message: `License ${licenseId} expires on ${formatUtc(expiresAt)}, in ${days(daysLeft)}. ${RENEW_HINT}`,
      };
    }
    return {
      ...verified,
      state: 'valid',
      daysLeft,
      expiresAt: license.expiresAt,
      message: `License ${licenseId} (${license.licensee.company}, plan ${license.plan}) is valid until ${formatUtc(expiresAt)}, ${days(daysLeft)} from now.`,
    };
  }
  if (now < graceEndsAt) {
    const daysLeft = daysUntil(graceEndsAt, now);
    return {
      ...verified,
      state: 'in-grace',
      daysLeft,
      expiredAt: license.expiresAt,
      graceEndsAt: new Date(graceEndsAt).toISOString().replace('.000Z', 'Z'),
      message:
        `License ${licenseId} expired on ${formatUtc(expiresAt)}; everything keeps working for the grace period, ${days(daysLeft)} left (until ${formatUtc(graceEndsAt)}). ` +
        `After that, configuration changes are blocked. ${RENEW_HINT}`,
    };
  }
  return {
    ...verified,
    state: 'expired',
    expiredAt: license.expiresAt,
    graceEndsAt: new Date(graceEndsAt).toISOString().replace('.000Z', 'Z'),
    message: `License ${licenseId} expired on ${formatUtc(expiresAt)} and its grace period ended on ${formatUtc(graceEndsAt)}. ${BLOCKED_HINT}. ${RENEW_HINT}`,
  };
}

/**
 * Verifies a license file and evaluates it at `options.now`. Never throws on any input.
 * `null`/`undefined` means no license is installed: `missing`, or the evaluation when `firstRunAt` is given.
 */
export function verifyLicense(input: string | Uint8Array | null | undefined, options: VerifyLicenseOptions): LicenseStatus {
  if (input === null || input === undefined) {
    if (options.firstRunAt !== undefined) {
      return evaluateEvaluation({
        firstRunAt: options.firstRunAt,
        now: options.now,
        ...(options.highWaterMark === undefined ? {} : { highWaterMark: options.highWaterMark }),
      });
    }
    return { state: 'missing', message: `No license is installed. ${INSTALL_HINT}` };
  }

  // Types vanish at runtime: whatever else arrives (a number, an object from a bad caller) is not a file.
  if (typeof input !== 'string' && !(input instanceof Uint8Array)) return malformedStatus('not-file-contents');

  const parsed = parseLicenseEnvelope(input);
  if (!parsed.ok) {
    return parsed.kind === 'malformed' ? malformedStatus(parsed.reason) : unsupportedVersionStatus('envelope', parsed.version);
  }
  const { envelope } = parsed;

  if (envelope.alg !== LICENSE_ALG) {
    // Only a short token from the unverified file may reach a message.
    const alg = /^[A-Za-z0-9._+-]{1,32}$/.test(envelope.alg) ? envelope.alg : '(unprintable)';
    return {
      state: 'unsupported-algorithm',
      alg,
      message: `The license file uses the signature algorithm "${alg}"; Airlock accepts only ${LICENSE_ALG}. The file was not issued by your vendor's tool: ask your vendor for the original file.`,
    };
  }

  const trusted = options.trustedKeys.find((key) => key.kid === envelope.kid);
  const keyObject = trusted === undefined ? null : keyObjectOf(trusted);
  if (trusted === undefined || keyObject === null) {
    const trustedKids = options.trustedKeys.filter((key) => !(options.isProductionBuild && key.isTestKey)).map((key) => key.kid);
    return {
      state: 'unknown-key',
      kid: envelope.kid,
      trustedKids,
      message: `The license file is signed with key "${envelope.kid}", which this Airlock does not trust (trusted: ${trustedKids.join(', ') || 'none'}). Update Airlock, or ask your vendor for a license signed with a current key.`,
    };
  }

  let isSignatureValid: boolean;
  try {
    isSignatureValid = verify(null, signedMessage(envelope.payloadBytes), keyObject, envelope.signature);
  } catch {
    isSignatureValid = false;
  }
  if (!isSignatureValid) {
    return {
      state: 'bad-signature',
      kid: envelope.kid,
      message: `The license file's signature does not verify with key "${envelope.kid}": it was changed after it was issued, or damaged in transfer. Install the original file from your vendor.`,
    };
  }

  if (trusted.isTestKey && options.isProductionBuild) {
    return {
      state: 'test-key-in-production',
      kid: envelope.kid,
      message: `The license file is signed with the test key "${envelope.kid}", which production builds of Airlock refuse. Install the license your vendor issued for this site.`,
    };
  }

  const payload = parseLicensePayload(envelope.payloadBytes);
  if (!payload.ok) {
    if (payload.kind === 'unsupported-version') return unsupportedVersionStatus('payload', payload.version, payload.licenseId);
    if (payload.kind === 'payload-json') return malformedStatus('payload-json');
    return malformedStatus('payload-schema', { issues: payload.issues, ...(payload.licenseId === undefined ? {} : { licenseId: payload.licenseId }) });
  }

  const verified: VerifiedLicense = {
    licenseId: payload.payload.licenseId,
    license: payload.payload,
    kid: envelope.kid,
    isTestKey: trusted.isTestKey,
    licenseSha256: createHash('sha256').update(envelope.envelopeBytes).digest('hex'),
  };
  return evaluateVerified(verified, options);
}

/** Actions the license gates. */
export const LICENSE_ACTIONS = licenseActions;
/** One gated action. */
export type LicenseAction = (typeof LICENSE_ACTIONS)[number];

/** Actions allowed whatever the license says: the operator can always see and diagnose the box. */
const ALWAYS_ALLOWED: ReadonlySet<LicenseAction> = new Set(['probe', 'view', 'logs']);
/** States that entitle the full product: a good license (also while warned or in grace) or the evaluation. */
const ENTITLED_STATES: ReadonlySet<LicenseState> = new Set(['valid', 'expiring-soon', 'in-grace', 'evaluation']);

/** What the license allows right now, and the message to show for what it refuses. */
export interface LicenseGates {
  readonly allowed: Readonly<Record<LicenseAction, boolean>>;
  /** True in states that entitle the whole product. */
  readonly isEntitled: boolean;
  /** The status message, to answer a refused action with; null when nothing is refused. */
  readonly refusal: string | null;
}

/**
 * Which actions the license allows. Probing, viewing and logs: always. Registering or changing
 * models and features, and starting the gateway: only in `valid`, `expiring-soon`, `in-grace` and
 * `evaluation` (issue 4, "What is gated"). Gates apply to new actions only: like GitLab's
 * block-changes date, expiry never stops a running service mid-request.
 */
export function gates(status: LicenseStatus): LicenseGates {
  const isEntitled = ENTITLED_STATES.has(status.state);
  const allowed = Object.fromEntries(LICENSE_ACTIONS.map((action) => [action, isEntitled || ALWAYS_ALLOWED.has(action)])) as Record<
    LicenseAction,
    boolean
  >;
  return { allowed, isEntitled, refusal: isEntitled ? null : status.message };
}

/** True when `action` is allowed under `status` (see gates). */
export function isActionAllowed(status: LicenseStatus, action: LicenseAction): boolean {
  return gates(status).allowed[action];
}

/** The add-ons in force at `now` (startsAt ≤ now < expiresAt), e.g. to check for `duo_enterprise`. */
export function activeAddOns(license: LicensePayload, now: number): LicensePayload['addOns'] {
  return license.addOns.filter((addOn) => Date.parse(addOn.startsAt) <= now && now < Date.parse(addOn.expiresAt));
}

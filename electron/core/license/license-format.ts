/**
 * The Airlock license file format: armor → base64 → JSON envelope `{v, kid, alg, payload, sig}`.
 *
 * Design (../shared/reference/reliability.md §2 "Offline signed licence", issue 4):
 * - the signature covers the exact payload bytes behind a domain prefix, so a signature made for
 *   anything else can never be replayed as a license (Keygen's `"license/" + enc`, same idea);
 * - every layer is parsed strictly and has exactly one accepted byte form: the base64 body must be
 *   canonical and wrapped at 64, the envelope must be the exact compact JSON this module writes.
 *   Together with the signature this makes every single-byte change of a file detectable, and
 *   leaves only the armor's line endings (LF or CRLF, outside the signed bytes) as tolerated variation;
 * - nothing is trimmed or normalised before the signature is checked (Mattermost trimmed trailing
 *   NULs before verifying, so appended NULs still verified — the smell we avoid);
 * - the size cap is checked before anything else, so a huge input costs nothing.
 *
 * This module only parses and writes; the signature check and the policy live in verify-license.ts.
 */

/** First line of a license file. */
export const ARMOR_BEGIN = '-----BEGIN AIRLOCK LICENSE-----';
/** Last line of a license file. */
export const ARMOR_END = '-----END AIRLOCK LICENSE-----';
/** Base64 body line length: every body line but the last is exactly this long (PEM's 64, RFC 7468 §2). */
export const ARMOR_LINE_LENGTH = 64;
/** Largest license file accepted, in bytes (or UTF-16 units for a string). A real one is ~2 KB. */
export const LICENSE_MAX_BYTES = 64 * 1024;
/** Envelope versions this Airlock reads. */
export const SUPPORTED_ENVELOPE_VERSIONS: readonly number[] = [1];
/** The one signature algorithm accepted; anything else (including "none") is refused. */
export const LICENSE_ALG = 'Ed25519';
/** Domain prefix in front of the payload bytes in the signed message (version 1). */
export const SIGNATURE_DOMAIN = 'airlock-license/v1\n';
/** An Ed25519 signature is 64 bytes (RFC 8032 §5.1.6). */
export const ED25519_SIGNATURE_BYTES = 64;

/** Key ids are short tokens: they appear in messages, so nothing else from an unverified file may. */
const KID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** The only characters an armored file may hold: printable ASCII, CR and LF. */
const ARMOR_CHARSET = /^[\x20-\x7E\r\n]*$/;
/** Standard base64 with padding (RFC 4648 §4); canonical form is checked separately. */
const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** base64url without padding (RFC 4648 §5); canonical form is checked separately. */
const BASE64URL_PATTERN = /^[A-Za-z0-9_-]*$/;
/** The envelope's fields, in the order they are written. */
const ENVELOPE_KEYS = ['v', 'kid', 'alg', 'payload', 'sig'] as const;

/** Why a file was not readable as a license; stable identifiers for tests, the CLI and the UI. */
export type MalformedReason =
  | 'not-file-contents'
  | 'empty'
  | 'too-large'
  | 'not-ascii'
  | 'armor'
  | 'base64'
  | 'envelope-json'
  | 'envelope-fields'
  | 'envelope-not-canonical'
  | 'bad-kid'
  | 'payload-encoding'
  | 'signature-encoding'
  | 'payload-json'
  | 'payload-schema';

/** A decoded, structurally valid envelope whose signature has not been checked yet. */
export interface LicenseEnvelope {
  /** Envelope version (one of SUPPORTED_ENVELOPE_VERSIONS). */
  readonly v: number;
  /** Id of the key that signed the payload. */
  readonly kid: string;
  /** Signature algorithm as written in the file (checked against LICENSE_ALG by the verifier). */
  readonly alg: string;
  /** The exact payload bytes that were signed. */
  readonly payloadBytes: Buffer;
  /** The raw 64-byte signature. */
  readonly signature: Buffer;
  /** The decoded envelope bytes (the base64 body): the same for LF and CRLF armor. */
  readonly envelopeBytes: Buffer;
}

/** Result of reading a file up to (not including) the signature check. */
export type EnvelopeParseResult =
  | { readonly ok: true; readonly envelope: LicenseEnvelope }
  | { readonly ok: false; readonly kind: 'malformed'; readonly reason: MalformedReason }
  | { readonly ok: false; readonly kind: 'unsupported-version'; readonly version: number };

function malformed(reason: MalformedReason): EnvelopeParseResult {
  return { ok: false, kind: 'malformed', reason };
}

/** True when `kid` is a well-formed key id (a short token; it is shown in messages). */
export function isValidKid(kid: string): boolean {
  return KID_PATTERN.test(kid);
}

/** Decodes standard padded base64, refusing anything that does not re-encode to the same text. */
export function decodeBase64Strict(text: string): Buffer | null {
  if (text.length === 0 || !BASE64_PATTERN.test(text)) return null;
  const bytes = Buffer.from(text, 'base64');
  // Non-zero unused bits in the last character decode to the same bytes; refuse them so that each
  // byte string has exactly one accepted spelling.
  return bytes.toString('base64') === text ? bytes : null;
}

/** Decodes unpadded base64url, refusing anything that does not re-encode to the same text. */
export function decodeBase64UrlStrict(text: string): Buffer | null {
  if (text.length === 0 || text.length % 4 === 1 || !BASE64URL_PATTERN.test(text)) return null;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : null;
}

/** The message an Ed25519 signature covers: the domain prefix, then the exact payload bytes. */
export function signedMessage(payloadBytes: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(SIGNATURE_DOMAIN, 'ascii'), payloadBytes]);
}

/**
 * Splits an armored file into its base64 body. LF or CRLF may end each line and the file may end
 * with one line ending or none; nothing else (no blank lines, no spaces, no headers) is accepted.
 */
export function dearmor(text: string): string | null {
  const parts = text.split('\n');
  const hasFinalEol = parts[parts.length - 1] === '';
  if (hasFinalEol) parts.pop();
  const lines: string[] = [];
  for (let i = 0; i < parts.length; i += 1) {
    let line = parts[i] ?? '';
    const isTerminated = hasFinalEol || i < parts.length - 1;
    if (isTerminated && line.endsWith('\r')) line = line.slice(0, -1);
    if (line.includes('\r')) return null;
    lines.push(line);
  }
  if (lines.length < 3 || lines[0] !== ARMOR_BEGIN || lines[lines.length - 1] !== ARMOR_END) return null;
  const body = lines.slice(1, -1);
  for (let i = 0; i < body.length; i += 1) {
    const length = (body[i] ?? '').length;
    const isLast = i === body.length - 1;
    if (isLast ? length < 1 || length > ARMOR_LINE_LENGTH : length !== ARMOR_LINE_LENGTH) return null;
  }
  return body.join('');
}

/** Wraps base64 text at 64 columns between the armor lines, LF line endings, final newline. */
export function armor(base64: string): string {
  const lines: string[] = [];
  for (let i = 0; i < base64.length; i += ARMOR_LINE_LENGTH) lines.push(base64.slice(i, i + ARMOR_LINE_LENGTH));
  return `${ARMOR_BEGIN}\n${lines.join('\n')}\n${ARMOR_END}\n`;
}

/** Serialises an envelope exactly as the parser requires it: compact JSON, fixed key order. */
export function serializeEnvelope(fields: { v: number; kid: string; alg: string; payload: string; sig: string }): string {
  return JSON.stringify({ v: fields.v, kid: fields.kid, alg: fields.alg, payload: fields.payload, sig: fields.sig });
}

/** Builds the armored license text from the payload bytes and their signature. */
export function encodeLicense(input: { kid: string; payloadBytes: Uint8Array; signature: Uint8Array; alg?: string; v?: number }): string {
  const envelope = serializeEnvelope({
    v: input.v ?? 1,
    kid: input.kid,
    alg: input.alg ?? LICENSE_ALG,
    payload: Buffer.from(input.payloadBytes).toString('base64url'),
    sig: Buffer.from(input.signature).toString('base64url'),
  });
  return armor(Buffer.from(envelope, 'utf8').toString('base64'));
}

/** Reads input as a string of single-byte characters, refusing anything outside the armor's charset. */
function toArmorText(input: string | Uint8Array): { text: string } | { reason: MalformedReason } {
  // Size first (an O(1) check), so a 10 MB paste or a UTF-16 file costs nothing more.
  const size = typeof input === 'string' ? input.length : input.byteLength;
  if (size === 0) return { reason: 'empty' };
  if (size > LICENSE_MAX_BYTES) return { reason: 'too-large' };
  // latin1 maps each byte to one character, so a non-ASCII byte stays visible to the charset check
  // instead of being folded into U+FFFD by a UTF-8 decode.
  const text = typeof input === 'string' ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('latin1');
  return ARMOR_CHARSET.test(text) ? { text } : { reason: 'not-ascii' };
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Parses a license file up to the signature check: armor, base64, envelope.
 * The payload is returned as bytes and is not looked at; it is parsed only after its signature verifies.
 */
export function parseLicenseEnvelope(input: string | Uint8Array): EnvelopeParseResult {
  const read = toArmorText(input);
  if ('reason' in read) return malformed(read.reason);
  const body = dearmor(read.text);
  if (body === null) return malformed('armor');
  const envelopeBytes = decodeBase64Strict(body);
  if (envelopeBytes === null) return malformed('base64');

  let envelopeText: string;
  let parsed: unknown;
  try {
    envelopeText = utf8.decode(envelopeBytes);
    parsed = JSON.parse(envelopeText);
  } catch {
    return malformed('envelope-json');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return malformed('envelope-json');
  const record = parsed as Record<string, unknown>;

  // The version first: a future envelope may have other fields, and deserves "unsupported version".
  const v = record.v;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) return malformed('envelope-fields');
  if (!SUPPORTED_ENVELOPE_VERSIONS.includes(v)) return { ok: false, kind: 'unsupported-version', version: v };

  const keys = Object.keys(record);
  if (keys.length !== ENVELOPE_KEYS.length || !ENVELOPE_KEYS.every((key) => Object.hasOwn(record, key))) {
    return malformed('envelope-fields');
  }
  const { kid, alg, payload, sig } = record;
  if (typeof kid !== 'string' || typeof alg !== 'string' || typeof payload !== 'string' || typeof sig !== 'string') {
    return malformed('envelope-fields');
  }
  // One byte form only: no whitespace, no reordering, no escapes, no duplicate keys.
  if (serializeEnvelope({ v, kid, alg, payload, sig }) !== envelopeText) return malformed('envelope-not-canonical');
  if (!KID_PATTERN.test(kid)) return malformed('bad-kid');

  const payloadBytes = decodeBase64UrlStrict(payload);
  if (payloadBytes === null) return malformed('payload-encoding');
  const signature = decodeBase64UrlStrict(sig);
  if (signature === null || signature.length !== ED25519_SIGNATURE_BYTES) return malformed('signature-encoding');

  return { ok: true, envelope: { v, kid, alg, payloadBytes, signature, envelopeBytes } };
}

/**
 * The vendor's half: key generation and signing. Used by scripts/issue-license.mjs and by the tests;
 * the appliance never signs anything (it ships public keys only). Kept next to the verifier so the
 * two halves of the format cannot drift apart: both use license-format.ts.
 */
import { createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { encodeLicense, isValidKid, signedMessage } from './license-format';
import { describeIssues, licensePayloadSchema, type LicensePayload } from './license-payload';

/** A fresh Ed25519 key pair in PEM (PKCS#8 private, SPKI public). */
export function generateLicenseKeyPair(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

function toPrivateKey(key: string | KeyObject): KeyObject {
  const object = typeof key === 'string' ? createPrivateKey(key) : key;
  if (object.type !== 'private' || object.asymmetricKeyType !== 'ed25519') throw new Error('the signing key is not an Ed25519 private key');
  return object;
}

/** Signs exact payload bytes and returns the armored license. Tests use it to sign arbitrary bytes. */
export function signPayloadBytes(input: { payloadBytes: Uint8Array; kid: string; privateKey: string | KeyObject }): string {
  const signature = sign(null, signedMessage(input.payloadBytes), toPrivateKey(input.privateKey));
  return encodeLicense({ kid: input.kid, payloadBytes: input.payloadBytes, signature });
}

/** Result of checking a payload before signing: the normalised payload, or the issues by field path. */
export type PayloadCheck = { ok: true; payload: LicensePayload } | { ok: false; issues: string[] };

/** Checks a payload against the schema the appliance will apply, so the vendor never ships a license it refuses. */
export function checkPayload(value: unknown): PayloadCheck {
  const result = licensePayloadSchema.safeParse(value);
  return result.success ? { ok: true, payload: result.data } : { ok: false, issues: describeIssues(result.error) };
}

/**
 * Validates a payload and signs its compact JSON. The signed bytes are the compact serialisation,
 * not the vendor's input file, so the license does not depend on how payload.json was indented.
 */
export function signLicense(input: { payload: unknown; kid: string; privateKey: string | KeyObject }): string {
  if (!isValidKid(input.kid)) throw new Error('invalid kid: use letters, digits, ".", "_" or "-", at most 64 characters');
  const check = checkPayload(input.payload);
  if (!check.ok) throw new Error(`invalid payload: ${check.issues.join('; ')}`);
  return signPayloadBytes({ payloadBytes: Buffer.from(JSON.stringify(check.payload), 'utf8'), kid: input.kid, privateKey: input.privateKey });
}

// Shared setup for the license tests: the committed TEST key, a throwaway "production" key made
// at load time, a payload builder and a signer. Test-only; see test/fixtures/license/README.md.
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LicensePayload } from '../../../../electron/core/license/license-payload';
import { generateLicenseKeyPair, signLicense, signPayloadBytes } from '../../../../electron/core/license/sign-license';
import { type TrustedKey, type VerifyLicenseOptions } from '../../../../electron/core/license/verify-license';

/** Repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
/** Key id of the committed test key. */
export const TEST_KID = 'airlock-test-2026';
/** The committed TEST private key (test/fixtures/license). */
export const TEST_PRIVATE_KEY_PEM = readFileSync(path.join(ROOT, 'test/fixtures/license/airlock-test-2026.key.pem'), 'utf8');
/** The committed TEST public key (resources/license-keys). */
export const TEST_PUBLIC_KEY_PEM = readFileSync(path.join(ROOT, 'resources/license-keys/airlock-test-2026.pub.pem'), 'utf8');
/** The test key as a trusted key. */
export const TEST_KEY: TrustedKey = { kid: TEST_KID, isTestKey: true, publicKeyPem: TEST_PUBLIC_KEY_PEM };

/** A stand-in for a production key, generated per run so no private key of this kind is ever on disk. */
export const PROD_KID = 'airlock-prod-unit';
const prodPair = generateLicenseKeyPair();
/** Private half of the stand-in production key. */
export const PROD_PRIVATE_KEY_PEM = prodPair.privateKeyPem;
/** The stand-in production key as a trusted (non-test) key. */
export const PROD_KEY: TrustedKey = { kid: PROD_KID, isTestKey: false, publicKeyPem: prodPair.publicKeyPem };
/** The stand-in production public key as PEM and as the raw 32 bytes. */
export const PROD_PUBLIC_KEY = {
  pem: prodPair.publicKeyPem,
  raw: Buffer.from(String(createPublicKey(prodPair.publicKeyPem).export({ format: 'jwk' }).x), 'base64url'),
};

/** Milliseconds of an ISO instant. */
export function at(iso: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad date ${iso}`);
  return ms;
}

/** One second, one hour, one day in ms. */
export const SECOND = 1000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

/** A valid payload: 2026-01-01 → 2027-01-01, 14 days of grace, notify from 2026-12-15 (less than 30 days before). */
export function basePayload(overrides: Partial<LicensePayload> = {}): LicensePayload {
  return {
    formatVersion: 1,
    licenseId: 'AL-2026-0042',
    licensee: { name: 'Grace Hopper', company: 'Example Corp', email: 'ops@example.com' },
    plan: 'ultimate',
    addOns: [{ id: 'duo_enterprise', seats: 250, startsAt: '2026-01-01T00:00:00Z', expiresAt: '2027-01-01T00:00:00Z' }],
    issuedAt: '2026-01-01T00:00:00Z',
    startsAt: '2026-01-01T00:00:00Z',
    expiresAt: '2027-01-01T00:00:00Z',
    notifyFrom: '2026-12-15T00:00:00Z',
    graceDays: 14,
    limits: { maxGpus: 8, maxDeployments: 16 },
    ...overrides,
  };
}

/** Signs a payload with the stand-in production key (or the test key with `key: 'test'`). */
export function issue(payload: unknown = basePayload(), key: 'prod' | 'test' = 'prod'): string {
  return key === 'prod'
    ? signLicense({ payload, kid: PROD_KID, privateKey: PROD_PRIVATE_KEY_PEM })
    : signLicense({ payload, kid: TEST_KID, privateKey: TEST_PRIVATE_KEY_PEM });
}

/** Signs arbitrary bytes as a payload with the stand-in production key. */
export function issueBytes(payloadBytes: Uint8Array | string): string {
  const bytes = typeof payloadBytes === 'string' ? Buffer.from(payloadBytes, 'utf8') : payloadBytes;
  return signPayloadBytes({ payloadBytes: bytes, kid: PROD_KID, privateKey: PROD_PRIVATE_KEY_PEM });
}

/** Options for a production build trusting both keys, at a time when basePayload() is plainly valid. */
export function options(overrides: Partial<VerifyLicenseOptions> = {}): VerifyLicenseOptions {
  return { trustedKeys: [PROD_KEY, TEST_KEY], isProductionBuild: true, now: at('2026-06-01T12:00:00Z'), ...overrides };
}

/** Decodes the armored body of a license text to its envelope object. */
export function decodeEnvelope(license: string): { v: number; kid: string; alg: string; payload: string; sig: string } {
  const body = license.split(/\r?\n/).filter((line) => line.length > 0 && !line.startsWith('-----')).join('');
  return JSON.parse(Buffer.from(body, 'base64').toString('utf8')) as { v: number; kid: string; alg: string; payload: string; sig: string };
}

/** Re-armors an envelope object (any field values, any key order) the way the real encoder does. */
export function encodeEnvelope(envelope: object, raw?: string): string {
  const json = raw ?? JSON.stringify(envelope);
  const base64 = Buffer.from(json, 'utf8').toString('base64');
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN AIRLOCK LICENSE-----\n${lines.join('\n')}\n-----END AIRLOCK LICENSE-----\n`;
}

/** A deterministic PRNG (mulberry32) so fuzz failures reproduce from the seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** States a tampered or unreadable file may end in; anything else means it was accepted. */
export const REJECTED_STATES = new Set(['malformed', 'bad-signature', 'unknown-key', 'unsupported-version', 'unsupported-algorithm']);

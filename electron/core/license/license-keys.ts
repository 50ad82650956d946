/**
 * Reads the trusted public keys shipped in resources/license-keys/ (thin I/O around a pure parser).
 *
 * `keys.json` lists `{kid, file, isTestKey}`; each file is an Ed25519 public key in SPKI PEM.
 * Several keys may be trusted at once (rotation); a test key is listed with `isTestKey: true`, and
 * verifyLicense refuses licenses it signed in production builds (reliability.md §2, "Keys").
 */
import { createPublicKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { isValidKid } from './license-format';
import type { TrustedKey } from './verify-license';

/** Schema of resources/license-keys/keys.json. `note` is free text for humans. */
export const keyIndexSchema = z.strictObject({
  formatVersion: z.literal(1),
  keys: z
    .array(
      z.strictObject({
        kid: z.string().refine(isValidKid, { message: 'invalid kid' }),
        // A plain file name inside the keys folder: no separators, so the index cannot point elsewhere.
        file: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*\.pem$/),
        isTestKey: z.boolean(),
        note: z.string().optional(),
      }),
    )
    .refine((keys) => new Set(keys.map((k) => k.kid)).size === keys.length, { message: 'duplicate kid' }),
});

/** The key index as parsed from keys.json. */
export type KeyIndex = z.infer<typeof keyIndexSchema>;

/** Checks that a PEM holds an Ed25519 public key; throws with the kid otherwise (a build error, not a license state). */
export function toTrustedKey(entry: { kid: string; isTestKey: boolean }, publicKeyPem: string): TrustedKey {
  const key = createPublicKey(publicKeyPem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`license key ${entry.kid} is not an Ed25519 public key`);
  return { kid: entry.kid, isTestKey: entry.isTestKey, publicKeyPem };
}

/**
 * Reads keys.json and the PEM files it lists from `dir`. With `includeTestKeys: false` test keys are
 * left out entirely (what a production build should load); by default they are kept so that a
 * test-signed file gets the precise `test-key-in-production` state rather than `unknown-key`.
 */
export async function readTrustedKeys(dir: string, options: { includeTestKeys?: boolean } = {}): Promise<TrustedKey[]> {
  const index = keyIndexSchema.parse(JSON.parse(await readFile(path.join(dir, 'keys.json'), 'utf8')));
  const entries = index.keys.filter((entry) => options.includeTestKeys !== false || !entry.isTestKey);
  return Promise.all(entries.map(async (entry) => toTrustedKey(entry, await readFile(path.join(dir, entry.file), 'utf8'))));
}

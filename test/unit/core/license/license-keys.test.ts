import { createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTrustedKeys } from '../../../../electron/core/license/license-keys';
import { verifyLicense } from '../../../../electron/core/license/verify-license';
import { basePayload, issue, options, ROOT, TEST_PRIVATE_KEY_PEM } from './license-test-kit';

const KEYS_DIR = path.join(ROOT, 'resources/license-keys');

describe('resources/license-keys', () => {
  it('lists the test key, marked as a test key, matching the committed test private key', async () => {
    const keys = await readTrustedKeys(KEYS_DIR);
    const testKey = keys.find((key) => key.kid === 'airlock-test-2026');
    expect(testKey?.isTestKey).toBe(true);
    const derived = createPublicKey(createPrivateKey(TEST_PRIVATE_KEY_PEM)).export({ type: 'spki', format: 'pem' }).toString();
    expect(testKey?.publicKeyPem).toBe(derived);
  });

  it('holds no private key', () => {
    for (const file of readdirSync(KEYS_DIR)) {
      expect(readFileSync(path.join(KEYS_DIR, file), 'utf8')).not.toMatch(/PRIVATE KEY/);
    }
  });

  it('the shipped keys verify a test-signed license in development and refuse it in production', async () => {
    const trustedKeys = await readTrustedKeys(KEYS_DIR);
    const license = issue(basePayload(), 'test');
    expect(verifyLicense(license, options({ trustedKeys, isProductionBuild: false })).state).toBe('valid');
    expect(verifyLicense(license, options({ trustedKeys, isProductionBuild: true })).state).toBe('test-key-in-production');
    const withoutTest = await readTrustedKeys(KEYS_DIR, { includeTestKeys: false });
    expect(withoutTest.some((key) => key.isTestKey)).toBe(false);
    expect(verifyLicense(license, options({ trustedKeys: withoutTest })).state).toBe('unknown-key');
  });

  it('refuses an index that points outside the folder, repeats a kid, or names a non-Ed25519 key', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'airlock-keys-'));
    try {
      const write = (keys: unknown[]) => writeFileSync(path.join(dir, 'keys.json'), JSON.stringify({ formatVersion: 1, keys }));
      write([{ kid: 'a', file: '../x.pem', isTestKey: false }]);
      await expect(readTrustedKeys(dir)).rejects.toThrow();
      write([
        { kid: 'a', file: 'a.pem', isTestKey: false },
        { kid: 'a', file: 'b.pem', isTestKey: false },
      ]);
      await expect(readTrustedKeys(dir)).rejects.toThrow(/duplicate kid/);
      const { generateKeyPairSync } = await import('node:crypto');
      writeFileSync(path.join(dir, 'ec.pem'), generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }));
      write([{ kid: 'ec', file: 'ec.pem', isTestKey: false }]);
      await expect(readTrustedKeys(dir)).rejects.toThrow(/not an Ed25519 public key/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

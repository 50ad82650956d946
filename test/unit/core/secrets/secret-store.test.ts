import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SecretStore } from '../../../../electron/core/secrets/secret-store';
import { useTempDir } from '../../../helpers/temp-dir';
import { refusalOf } from '../../../helpers/errors';

const CANARY = 'sk-canary-7f3e9a1b2c4d5e6f';

describe('SecretStore', () => {
  const tempDir = useTempDir();

  it('creates a 0600 key on first use and round-trips secrets with it, across reopen', () => {
    const keyPath = join(tempDir(), 'secrets.key');
    const store = SecretStore.open(keyPath);
    expect(statSync(keyPath).mode & 0o777).toBe(0o600);
    expect(readFileSync(keyPath)).toHaveLength(32);
    const blob = store.encrypt(CANARY, 'deployment:1:apiKey');
    expect(blob).toMatch(/^v1:/);
    expect(blob).not.toContain(CANARY);
    expect(Buffer.from(blob.slice(3), 'base64').includes(Buffer.from(CANARY))).toBe(false);
    expect(SecretStore.open(keyPath).decrypt(blob, 'deployment:1:apiKey')).toBe(CANARY);
    // A fresh nonce each time: the same secret never gives the same blob.
    expect(store.encrypt(CANARY, 'deployment:1:apiKey')).not.toBe(blob);
  });

  it('refuses a blob moved to another row, tampered with, or read with another key — without echoing anything', () => {
    const dir = tempDir();
    const store = SecretStore.open(join(dir, 'secrets.key'));
    const blob = store.encrypt(CANARY, 'deployment:1:apiKey');
    const moved = refusalOf(() => store.decrypt(blob, 'deployment:2:apiKey'));
    expect(moved.code).toBe('SECRET_UNREADABLE');
    const bytes = Buffer.from(blob.slice(3), 'base64');
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 1;
    expect(refusalOf(() => store.decrypt(`v1:${bytes.toString('base64')}`, 'deployment:1:apiKey')).code).toBe('SECRET_UNREADABLE');
    expect(refusalOf(() => store.decrypt('garbage', 'deployment:1:apiKey')).code).toBe('SECRET_UNREADABLE');
    const other = SecretStore.open(join(tempDir(), 'secrets.key'));
    const wrongKey = refusalOf(() => other.decrypt(blob, 'deployment:1:apiKey'));
    expect(wrongKey.code).toBe('SECRET_UNREADABLE');
    expect(wrongKey.message).not.toContain(blob.slice(3, 20));
  });

  it('refuses a key file others can read, or of the wrong size', () => {
    const dir = tempDir();
    const keyPath = join(dir, 'secrets.key');
    SecretStore.open(keyPath);
    chmodSync(keyPath, 0o644);
    const open = refusalOf(() => SecretStore.open(keyPath));
    expect(open.code).toBe('SECRET_KEY_UNSAFE');
    expect(open.message).toContain('chmod 600');
    const short = join(dir, 'short.key');
    writeFileSync(short, 'too short', { mode: 0o600 });
    expect(refusalOf(() => SecretStore.open(short)).code).toBe('SECRET_KEY_UNSAFE');
  });
});

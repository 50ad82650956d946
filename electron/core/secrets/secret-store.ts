import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { AirlockError } from '../../shared/errors';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const FORMAT = 'v1';

/**
 * Encrypts secrets at rest (endpoint API keys) with AES-256-GCM. Each ciphertext is bound to where
 * it is stored by associated data (e.g. "deployment:42:apiKey"): copied to another row, it does not
 * decrypt. The data key lives in a 0600 file in the data directory (DESIGN.md "Data", server mode).
 */
export class SecretStore {
  private constructor(private readonly key: Buffer) {}

  /** Opens the key file, creating it (0600, random) on first use. Refuses a key readable by others. */
  static open(keyPath: string): SecretStore {
    let key: Buffer;
    try {
      const mode = statSync(keyPath).mode & 0o777;
      if ((mode & 0o077) !== 0) {
        throw new AirlockError('SECRET_KEY_UNSAFE', { path: keyPath, mode: `0${mode.toString(8)}` });
      }
      key = readFileSync(keyPath);
    } catch (error) {
      if (error instanceof AirlockError) throw error;
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      key = randomBytes(KEY_BYTES);
      // O_EXCL: two cores racing on a fresh data directory cannot both write a key.
      const fd = openSync(keyPath, 'wx', 0o600);
      try {
        writeSync(fd, key);
      } finally {
        closeSync(fd);
      }
    }
    if (key.length !== KEY_BYTES) throw new AirlockError('SECRET_KEY_UNSAFE', { path: keyPath, mode: `${key.length} bytes instead of ${KEY_BYTES}` });
    return new SecretStore(key);
  }

  encrypt(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${FORMAT}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
  }

  /** Throws SECRET_UNREADABLE (never the ciphertext or the key) when it was tampered with or moved. */
  decrypt(blob: string, context: string): string {
    const [format, data] = blob.split(':', 2);
    const raw = format === FORMAT && data ? Buffer.from(data, 'base64') : Buffer.alloc(0);
    if (raw.length < IV_BYTES + TAG_BYTES) throw new AirlockError('SECRET_UNREADABLE', { context });
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new AirlockError('SECRET_UNREADABLE', { context });
    }
  }
}

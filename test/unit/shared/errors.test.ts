import { describe, expect, it } from 'vitest';
import { AirlockError, isErrorCode } from '../../../electron/shared/errors';

describe('error catalogue', () => {
  it('builds the message from the template and keeps the data', () => {
    const error = new AirlockError('STORE_SCHEMA_TOO_NEW', { path: '/d/config.db', found: 9, supported: 1 });
    expect(error.message).toContain('/d/config.db has schema version 9');
    expect(error.message).toContain('up to 1');
    expect(error.toWire()).toEqual({ code: 'STORE_SCHEMA_TOO_NEW', message: error.message, data: { path: '/d/config.db', found: 9, supported: 1 } });
    expect(error.httpStatus).toBe(409);
  });

  it('recognises only its own codes, not prototype members', () => {
    expect(isErrorCode('INTERNAL')).toBe(true);
    expect(isErrorCode('toString')).toBe(false);
    expect(isErrorCode('__proto__')).toBe(false);
    expect(isErrorCode(42)).toBe(false);
  });
});

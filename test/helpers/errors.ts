import type { AirlockError } from '../../electron/shared/errors';

/** Runs `fn`, which must throw, and returns what it threw (as the catalogue error it should be). */
export function refusalOf(fn: () => unknown): AirlockError {
  try {
    fn();
  } catch (error) {
    return error as AirlockError;
  }
  throw new Error('expected a refusal, but nothing was thrown');
}

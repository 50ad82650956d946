import { randomBytes } from 'node:crypto';
import { type CallContext, type CallHandlers, contract, isCallName } from '../../shared/contract';
import { AirlockError, type WireError } from '../../shared/errors';
import { describeIssues } from '../../shared/wire';
import type { Logger } from '../logger';

export type DispatchResult = { ok: true; value: unknown } | { ok: false; error: WireError };

/** Runs a contract call: name checked, input parsed with its schema, handler run, output checked. */
export interface Dispatcher {
  dispatch(name: unknown, input: unknown, context: CallContext): Promise<DispatchResult>;
}

/** Builds the one place where every call from every transport enters the core. */
export function createDispatcher(handlers: CallHandlers, logger: Logger): Dispatcher {
  return {
    async dispatch(name, input, context) {
      if (!isCallName(name)) {
        return { ok: false, error: new AirlockError('CONTRACT_UNKNOWN_CALL', { name: String(name).slice(0, 100) }).toWire() };
      }
      const spec = contract.calls[name];
      const parsed = spec.input.safeParse(input ?? {});
      if (!parsed.success) {
        return { ok: false, error: new AirlockError('CONTRACT_INVALID_INPUT', { name, issues: describeIssues(parsed.error) }).toWire() };
      }
      try {
        const handler = handlers[name] as (input: unknown, context: CallContext) => Promise<unknown>;
        const value = await handler(parsed.data, context);
        const checked = spec.output.safeParse(value);
        if (!checked.success) {
          // The core broke its own contract: a bug, reported as one, never passed on half-formed.
          return { ok: false, error: internal(logger, name, new Error(`output does not match the contract: ${describeIssues(checked.error).join('; ')}`)) };
        }
        return { ok: true, value: checked.data };
      } catch (error) {
        if (error instanceof AirlockError) return { ok: false, error: error.toWire() };
        return { ok: false, error: internal(logger, name, error) };
      }
    },
  };
}

function internal(logger: Logger, name: string, error: unknown): WireError {
  const ref = randomBytes(4).toString('hex');
  logger.error('call failed', { call: name, ref, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  return new AirlockError('INTERNAL', { ref }).toWire();
}

/** How a connection test reads: one line of verdict, and a mark per step status. */
import type { CallOutput } from '../../../../electron/shared/contract';

/** What `models.test` returns. */
export type ConnectionTestView = CallOutput<'models.test'>;

/** One step of it. */
export type ConnectionStepView = ConnectionTestView['steps'][number];

/** A mark that reads without colour too. */
export const stepMarks: Readonly<Record<ConnectionStepView['status'], string>> = { ok: '✓', failed: '✗', skipped: '–', warning: '!' };

/** "Connection OK in 42 ms (1 warning)" or "Failed at “HTTP: list models” after 12 ms". */
export function summarizeTest(result: ConnectionTestView): string {
  if (!result.ok) {
    const failed = result.steps.find((step) => step.status === 'failed');
    return `Failed at “${failed?.label ?? result.failedStep ?? 'a step'}” after ${result.totalMs} ms`;
  }
  const warnings = result.steps.filter((step) => step.status === 'warning').length;
  return `Connection OK in ${result.totalMs} ms${warnings === 0 ? '' : ` (${warnings} ${warnings === 1 ? 'warning' : 'warnings'})`}`;
}

/** The latency step's figures ("DNS 1 ms · TCP 0 ms · … · total 42 ms"), or null when there is none. */
export function latencyLine(result: ConnectionTestView): string | null {
  return result.steps.find((step) => step.id === 'latency')?.detail ?? null;
}

/** How the audit trail reads on the page: values, actions and the chain's verdict. */
import type { CallOutput } from '../../../../electron/shared/contract';

/** One entry as `audit.list` returns it. */
export type AuditEntryView = CallOutput<'audit.list'>[number];

/** The chain check as `audit.verify` returns it. */
export type AuditVerification = CallOutput<'audit.verify'>;

/** An old or new value: "—" for none, text as it is (keys arrive masked, "…1234"), anything else as JSON. */
export function formatAuditValue(value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

const actionLabels: Readonly<Record<string, string>> = {
  'deployment.add': 'Deployment added',
  'deployment.update': 'Deployment changed',
  'deployment.remove': 'Deployment removed',
  'feature.set': 'Feature mapped',
};

/** "deployment.add" → "Deployment added"; unknown actions as they are. */
export function describeAction(action: string): string {
  return actionLabels[action] ?? action;
}

/** "Intact, 3 entries" or "Broken at entry #7: its content does not match its hash (it was edited)". */
export function describeVerification(result: AuditVerification): string {
  if (result.isIntact) return `Intact, ${result.count} ${result.count === 1 ? 'entry' : 'entries'}`;
  return `Broken at entry #${result.brokenAtId}: ${result.reason}`;
}

import type { CallState } from '../../api/api-context';
import { type AuditEntryView, type AuditVerification, describeAction, describeVerification, formatAuditValue } from './audit-format';

/** The latest configuration changes, and whether the hash chain over all of them holds. */
export function AuditSection({ entries, verification }: { entries: CallState<AuditEntryView[]>; verification: CallState<AuditVerification> }) {
  return (
    <article className="card card-wide" aria-labelledby="audit-title" data-testid="audit">
      <div className="audit-header">
        <h2 id="audit-title">Change history</h2>
        {verification.status === 'ok' ? (
          <span className={`pill pill-small ${verification.value.isIntact ? 'pill-ok' : 'pill-bad'}`} data-testid="audit-chain" data-intact={verification.value.isIntact ? 'true' : 'false'}>
            Audit chain: {describeVerification(verification.value)}
          </span>
        ) : verification.status === 'error' ? (
          <span className="error small">{verification.message}</span>
        ) : null}
      </div>
      {entries.status === 'error' && (
        <p className="error" role="alert">
          {entries.message}
        </p>
      )}
      {entries.status === 'loading' && <p className="muted">Asking the core…</p>}
      {entries.status === 'ok' && entries.value.length === 0 && <p className="muted">No change recorded yet.</p>}
      {entries.status === 'ok' && entries.value.length > 0 && (
        <table className="table audit-table" data-testid="audit-table">
          <thead>
            <tr>
              <th>#</th>
              <th>Time</th>
              <th>Actor</th>
              <th>Action</th>
              <th>Target</th>
              <th>Changes</th>
            </tr>
          </thead>
          <tbody>
            {entries.value.map((entry) => (
              <tr key={entry.id} data-testid="audit-entry" data-action={entry.action}>
                <td className="num">{entry.id}</td>
                <td className="nowrap">{new Date(entry.at).toLocaleString()}</td>
                <td>{entry.actor}</td>
                <td>{describeAction(entry.action)}</td>
                <td>{entry.target}</td>
                <td>
                  {entry.changes.length === 0 ? (
                    <span className="muted">—</span>
                  ) : (
                    <ul className="audit-changes">
                      {entry.changes.map((change) => (
                        <li key={change.field}>
                          <span className="audit-field">{change.field}</span> <AuditValue value={change.old} className="audit-old" /> → <AuditValue value={change.new} className="audit-new" />
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </article>
  );
}

/** An old or new value; "none" is shown plain, not struck through or highlighted. */
function AuditValue({ value, className }: { value: unknown; className: string }) {
  const text = formatAuditValue(value);
  return <span className={text === '—' ? 'audit-none' : className}>{text}</span>;
}

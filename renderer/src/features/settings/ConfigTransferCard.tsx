import { useState } from 'react';
import type { CallOutput } from '../../../../electron/shared/contract';
import { useApi } from '../../api/api-context';
import { saveTextFile } from '../services/download-output';

type ImportResult = CallOutput<'config.import'>;

/** Export the configuration as a file; import one: the changes first, then apply all or none. */
export function ConfigTransferCard({ onApplied }: { onApplied: () => void }) {
  const api = useApi();
  const [note, setNote] = useState<{ ok: boolean; text: string } | undefined>();
  const [pending, setPending] = useState<{ document: unknown; fileName: string; result: ImportResult } | undefined>();
  const [isBusy, setIsBusy] = useState(false);

  const run = async (action: () => Promise<void>) => {
    setIsBusy(true);
    setNote(undefined);
    try {
      await action();
    } catch (error) {
      setNote({ ok: false, text: (error as Error).message });
    } finally {
      setIsBusy(false);
    }
  };

  const exportConfig = () =>
    run(async () => {
      const document = await api.call('config.export', {});
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      saveTextFile(`airlock-config-${stamp}.json`, `${JSON.stringify(document, null, 2)}\n`);
      setNote({ ok: true, text: 'Exported. API keys are not in the file: enter them again after an import elsewhere.' });
    });

  const pickFile = (file: File | undefined) =>
    run(async () => {
      if (!file) return;
      setPending(undefined);
      let document: unknown;
      try {
        document = JSON.parse(await file.text());
      } catch {
        throw new Error(`${file.name} is not JSON. Pick a file made by "Export configuration".`);
      }
      const result = await api.call('config.import', { document, dryRun: true });
      setPending({ document, fileName: file.name, result });
    });

  const apply = () =>
    run(async () => {
      if (!pending) return;
      await api.call('config.import', { document: pending.document, dryRun: false });
      setPending(undefined);
      setNote({ ok: true, text: 'Imported: every change was applied.' });
      onApplied();
    });

  const changes = pending?.result.changes.filter((c) => c.action !== 'unchanged') ?? [];
  return (
    <article className="card card-wide" aria-labelledby="config-transfer-title">
      <h2 id="config-transfer-title">Configuration file</h2>
      <p className="muted small">Deployments (without API keys), feature assignments and settings, as one JSON file.</p>
      <div className="setting-edit">
        <button type="button" onClick={() => void exportConfig()} disabled={isBusy} data-testid="config-export">
          Export configuration
        </button>
        <label className="button-like">
          Import a file…
          <input type="file" accept=".json,application/json" className="visually-hidden" onChange={(event) => void pickFile(event.target.files?.[0])} data-testid="config-import-file" />
        </label>
      </div>
      {pending && (
        <div className="config-diff" data-testid="config-diff">
          <p>
            <strong>{pending.fileName}</strong>: {changes.length === 0 ? 'nothing would change.' : `${changes.length} change${changes.length === 1 ? '' : 's'} (nothing is applied until you confirm):`}
          </p>
          <ul>
            {changes.map((change) => (
              <li key={`${change.kind}:${change.target}`}>
                {change.action === 'add' ? 'Add' : 'Change'} {change.kind} <code>{change.target}</code>
                {Object.entries(change.fields).map(([field, [from, to]]) => (
                  <div key={field} className="muted small">
                    {field}: {JSON.stringify(from)} → {JSON.stringify(to)}
                  </div>
                ))}
              </li>
            ))}
          </ul>
          <button type="button" onClick={() => void apply()} disabled={isBusy || changes.length === 0}>
            Apply all changes
          </button>{' '}
          <button type="button" className="link" onClick={() => setPending(undefined)}>
            Cancel
          </button>
        </div>
      )}
      {note && (
        <p className={note.ok ? 'ok small' : 'error small'} role={note.ok ? 'status' : 'alert'} data-testid="config-note">
          {note.text}
        </p>
      )}
    </article>
  );
}

import { useState } from 'react';
import type { SettingEntry } from '../../../../electron/shared/settings';
import { useApi, useCall } from '../../api/api-context';
import { ConfigTransferCard } from './ConfigTransferCard';
import { fromInputText, settingKind, toInputText } from './setting-input';

/** Groups, in the order an operator meets them. */
const GROUPS: { prefix: string; title: string }[] = [
  { prefix: 'gateway.', title: 'AI gateway' },
  { prefix: 'models.', title: 'Models' },
  { prefix: 'services.', title: 'Services' },
  { prefix: 'probe.', title: 'Hardware probe' },
  { prefix: 'logs.', title: 'Logs' },
  { prefix: 'paths.', title: 'Paths' },
];

/** Every setting with its meaning and default; each saved on its own, refusals shown as the core words them. */
export function SettingsPage() {
  const [entries, refresh] = useCall('settings.list', {});
  const [status] = useCall('app.status', {});
  return (
    <section aria-labelledby="settings-title">
      <h1 id="settings-title">Settings</h1>
      <article className="card card-wide" aria-labelledby="settings-appliance">
        <h2 id="settings-appliance">Appliance</h2>
        <dl>
          <dt>Data directory</dt>
          <dd data-testid="settings-data-dir">
            <code>{status.status === 'ok' ? status.value.dataDir : '…'}</code> (set when Airlock starts: <code>--data-dir</code> or <code>AIRLOCK_DATA_DIR</code>)
          </dd>
        </dl>
      </article>
      <ConfigTransferCard onApplied={refresh} />
      {entries.status === 'error' && (
        <p className="error" role="alert">
          {entries.message}
        </p>
      )}
      {entries.status === 'ok' &&
        GROUPS.map((group) => {
          const rows = entries.value.filter((entry) => entry.key.startsWith(group.prefix));
          if (rows.length === 0) return null;
          return (
            <article key={group.prefix} className="card card-wide" aria-label={group.title}>
              <h2>{group.title}</h2>
              <div className="settings-list">
                {rows.map((entry) => (
                  <SettingRow key={entry.key} entry={entry} onSaved={refresh} />
                ))}
              </div>
            </article>
          );
        })}
    </section>
  );
}

function SettingRow({ entry, onSaved }: { entry: SettingEntry; onSaved: () => void }) {
  const api = useApi();
  const kind = settingKind(entry.defaultValue);
  const [text, setText] = useState(toInputText(entry.value));
  // A value changed elsewhere (an import, the CLI) replaces what the input shows
  // (react.dev: "adjusting some state when a prop changes").
  const [shownValue, setShownValue] = useState(JSON.stringify(entry.value));
  if (shownValue !== JSON.stringify(entry.value)) {
    setShownValue(JSON.stringify(entry.value));
    setText(toInputText(entry.value));
  }
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | undefined>();
  const [isBusy, setIsBusy] = useState(false);
  const id = `setting-${entry.key.replace(/\./g, '-')}`;

  const save = async (value: unknown) => {
    setIsBusy(true);
    setOutcome(undefined);
    try {
      const saved = await api.call('settings.set', { key: entry.key, value });
      setText(toInputText(saved.value));
      setOutcome({ ok: true, text: saved.isDefault ? 'Back to the default.' : 'Saved.' });
      onSaved();
    } catch (error) {
      setOutcome({ ok: false, text: (error as Error).message });
    } finally {
      setIsBusy(false);
    }
  };

  const submit = () => {
    const parsed = fromInputText(kind, text);
    if ('error' in parsed) setOutcome({ ok: false, text: parsed.error });
    else void save(parsed.value);
  };

  return (
    <div className="setting-row" data-testid={id}>
      <label htmlFor={id}>
        <code>{entry.key}</code>
        {entry.isDefault ? <span className="muted small"> (default)</span> : null}
      </label>
      <p className="muted small">{entry.description}</p>
      {kind === 'boolean' ? (
        <label className="inline">
          <input id={id} type="checkbox" checked={entry.value === true} disabled={isBusy} onChange={(event) => void save(event.target.checked)} /> {entry.value === true ? 'On' : 'Off'}
        </label>
      ) : (
        <div className="setting-edit">
          {kind === 'list' ? (
            <textarea id={id} rows={3} value={text} onChange={(event) => setText(event.target.value)} spellCheck={false} />
          ) : (
            <input id={id} type={kind === 'number' ? 'number' : 'text'} value={text} onChange={(event) => setText(event.target.value)} spellCheck={false} />
          )}
          <button type="button" onClick={submit} disabled={isBusy}>
            Save
          </button>
          {!entry.isDefault && (
            <button type="button" className="link" onClick={() => void save(null)} disabled={isBusy}>
              Reset to default ({toInputText(entry.defaultValue) || 'empty'})
            </button>
          )}
        </div>
      )}
      {outcome && (
        <p className={outcome.ok ? 'ok small' : 'error small'} role={outcome.ok ? 'status' : 'alert'}>
          {outcome.text}
        </p>
      )}
    </div>
  );
}

import { useId, useState } from 'react';
import type { SettingEntry } from '../../../../electron/shared/settings';
import { useApi } from '../../api/api-context';
import { type CallRefusal, describeCallError } from './call-error';

/** GitLab's switch, worded as GitLab words it (gitlab-ai-gateway.md §5.1). */
export const BETA_SWITCH_LABEL = 'Use beta self-hosted models features';

/** The sentence the operator accepts by turning the switch on. */
export const BETA_TERMS =
  'Beta and experimental model families and features are not production-ready and may change or break. ' +
  "By turning this on you accept GitLab's testing terms (the GitLab Testing Agreement) for them, as GitLab's own switch does.";

/**
 * "Use beta self-hosted models features": turning it on records the acceptance of the testing terms,
 * so it needs a ticked box first; turning it off needs nothing.
 */
export function BetaSwitch({ entry, onChanged }: { entry: SettingEntry | undefined; onChanged: () => void }) {
  const api = useApi();
  const id = useId();
  const [isAccepted, setIsAccepted] = useState(false);
  const [isBusy, setIsBusy] = useState(false);
  const [refusal, setRefusal] = useState<CallRefusal | null>(null);
  const isOn = entry?.value === true;

  const change = async (value: boolean) => {
    setIsBusy(true);
    setRefusal(null);
    try {
      await api.call('settings.set', { key: 'models.betaEnabled', value });
      setIsAccepted(false);
      onChanged();
    } catch (error) {
      setRefusal(describeCallError(error));
    } finally {
      setIsBusy(false);
    }
  };

  return (
    <article className={`card beta-switch${isOn ? ' beta-switch-on' : ''}`} aria-labelledby={`${id}-title`} data-testid="beta-switch" data-state={isOn ? 'on' : 'off'}>
      <div className="beta-switch-row">
        <h3 id={`${id}-title`}>{BETA_SWITCH_LABEL}</h3>
        <span className={`pill pill-small ${isOn ? 'pill-warn' : 'pill-muted'}`}>{entry === undefined ? '…' : isOn ? 'On' : 'Off'}</span>
      </div>
      {isOn ? (
        <>
          <p className="small">
            Beta and experimental families and features are offered.
            {entry?.updatedAt ? ` Testing terms accepted ${new Date(entry.updatedAt).toLocaleString()}.` : ''}
          </p>
          <button type="button" className="small-button" disabled={isBusy} onClick={() => void change(false)}>
            Turn off
          </button>
        </>
      ) : (
        <>
          <p className="small">{BETA_TERMS}</p>
          <label className="checkbox">
            <input type="checkbox" checked={isAccepted} onChange={(event) => setIsAccepted(event.target.checked)} disabled={entry === undefined} /> I accept the testing terms
          </label>
          <button type="button" className="small-button" disabled={!isAccepted || isBusy} onClick={() => void change(true)}>
            Turn on beta features
          </button>
        </>
      )}
      {refusal && (
        <p className="error" role="alert" data-code={refusal.code ?? undefined}>
          {refusal.message}
        </p>
      )}
    </article>
  );
}

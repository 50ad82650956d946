import { Fragment, useState } from 'react';
import { platformLabels } from '../../../../electron/shared/registry/deployment';
import { useApi, useCall, useConnectionState } from '../../api/api-context';
import { AuditSection } from './AuditSection';
import { BetaSwitch } from './BetaSwitch';
import { type CallRefusal, describeCallError } from './call-error';
import { ConnectionTestPanel } from './ConnectionTestPanel';
import type { ConnectionTestView } from './connection-test-format';
import { DeploymentForm } from './DeploymentForm';
import { type DeploymentView, describeKey } from './deployment-form';
import { ServeLocalCard } from './ServeLocalCard';

/** How many audit entries the page shows. */
const AUDIT_LIMIT = 50;

type TestState = { status: 'running' } | { status: 'done'; result: ConnectionTestView } | { status: 'refused'; refusal: CallRefusal };
type FormState = { mode: 'new' } | { mode: 'edit'; deployment: DeploymentView } | null;

const day = (iso: string) => new Date(iso).toLocaleString();

/** The Models page: the beta switch, the registered deployments, the add/edit form, connection tests, and the change history. */
export function ModelsPage() {
  const api = useApi();
  const connection = useConnectionState();
  const [models, refreshModels] = useCall('models.list', {});
  const [catalog] = useCall('catalog.get', {});
  const [settings, refreshSettings] = useCall('settings.list', {});
  const [audit, refreshAudit] = useCall('audit.list', { limit: AUDIT_LIMIT });
  const [chain, refreshChain] = useCall('audit.verify', {});
  // undefined until the first list: then open on an empty registry, and what the operator chooses after.
  const [form, setForm] = useState<FormState | undefined>(undefined);
  if (form === undefined && models.status === 'ok') setForm(models.value.length === 0 ? { mode: 'new' } : null);
  const [tests, setTests] = useState<Record<string, TestState>>({});
  const [confirming, setConfirming] = useState<string | null>(null);
  const [notice, setNotice] = useState<{ ok: boolean; text: string; code?: string | null; unitName?: string | null } | null>(null);

  const betaEntry = settings.status === 'ok' ? settings.value.find((s) => s.key === 'models.betaEnabled') : undefined;
  const isBetaEnabled = betaEntry?.value === true;
  const deployments = models.status === 'ok' ? models.value : [];
  const families = catalog.status === 'ok' ? catalog.value.families : [];
  const familyName = (id: string) => families.find((f) => f.id === id)?.name ?? id;
  const isConnected = connection.status === 'connected';

  const afterChange = () => {
    refreshModels();
    refreshAudit();
    refreshChain();
  };

  const test = async (name: string) => {
    setTests((t) => ({ ...t, [name]: { status: 'running' } }));
    try {
      const result = await api.call('models.test', { name });
      setTests((t) => ({ ...t, [name]: { status: 'done', result } }));
    } catch (error) {
      setTests((t) => ({ ...t, [name]: { status: 'refused', refusal: describeCallError(error) } }));
    }
  };

  const remove = async (name: string) => {
    setConfirming(null);
    setNotice(null);
    try {
      const { removed, unitName } = await api.call('models.remove', { name });
      setNotice({ ok: true, text: `Removed deployment “${removed}”.`, unitName });
      setTests((t) => Object.fromEntries(Object.entries(t).filter(([other]) => other !== name)));
      if (form?.mode === 'edit' && form.deployment.name === name) setForm(null);
      afterChange();
    } catch (error) {
      const refusal = describeCallError(error);
      setNotice({ ok: false, text: refusal.message, code: refusal.code });
    }
  };

  const removeUnit = async (unitName: string) => {
    try {
      await api.call('services.remove', { name: unitName });
      setNotice({ ok: true, text: `Stopped and removed unit “${unitName}”.` });
    } catch (error) {
      const refusal = describeCallError(error);
      setNotice({ ok: false, text: refusal.message, code: refusal.code });
    }
  };

  return (
    <section aria-labelledby="models-title" className="models">
      <div className="page-header">
        <h1 id="models-title">Models</h1>
        <div className="page-header-actions">
          <a href="#/ai-features">AI features</a>
          <a href="#/gitlab-setup">GitLab setup</a>
          <button type="button" onClick={() => setForm({ mode: 'new' })} disabled={!isConnected || form?.mode === 'new'}>
            Add deployment
          </button>
        </div>
      </div>
      <p className="muted">Self-hosted model deployments, as GitLab&apos;s Admin → GitLab Duo → Self-hosted models page registers them. API keys are stored encrypted; only their last 4 characters are shown.</p>

      <BetaSwitch entry={betaEntry} onChanged={refreshSettings} />

      {catalog.status === 'ok' && <ServeLocalCard families={families} isBetaEnabled={isBetaEnabled} onServed={afterChange} />}

      {form && catalog.status === 'ok' && (
        <DeploymentForm
          key={form.mode === 'edit' ? `edit:${form.deployment.name}:${form.deployment.updatedAt}` : 'new'}
          editing={form.mode === 'edit' ? form.deployment : null}
          families={families}
          isBetaEnabled={isBetaEnabled}
          names={deployments.map((d) => d.name)}
          onSaved={(view, verb) => {
            // A test of the deployment as it was says nothing about it now.
            const before = form.mode === 'edit' ? form.deployment.name : view.name;
            setTests((t) => Object.fromEntries(Object.entries(t).filter(([name]) => name !== before && name !== view.name)));
            setForm(null);
            setNotice({ ok: true, text: `Deployment “${view.name}” ${verb}. Test its connection below.` });
            afterChange();
          }}
          onClose={() => setForm(null)}
        />
      )}
      {catalog.status === 'error' && (
        <p className="error" role="alert">
          {catalog.message}
        </p>
      )}

      {notice && (
        <div className={`models-notice ${notice.ok ? 'ok' : 'error'}`} role={notice.ok ? 'status' : 'alert'} data-testid="models-notice" data-code={notice.code ?? undefined}>
          {notice.text}
          {notice.unitName && (
            <>
              {' '}
              It was served by the unit “{notice.unitName}”, which still runs.{' '}
              <button type="button" className="small-button" onClick={() => void removeUnit(notice.unitName!)}>
                Stop and remove unit {notice.unitName}
              </button>
            </>
          )}
        </div>
      )}

      <article className="card card-flush card-wide" aria-labelledby="deployments-title">
        <h2 id="deployments-title" className="card-flush-title">
          Deployments
        </h2>
        {models.status === 'error' && (
          <p className="error card-flush-text" role="alert">
            {models.message}
          </p>
        )}
        {models.status === 'loading' && <p className="muted card-flush-text">Asking the core…</p>}
        {models.status === 'ok' && deployments.length === 0 && <p className="muted card-flush-text">No deployment yet. Add the first one with the form above.</p>}
        {deployments.length > 0 && (
          <table className="table deployments-table" data-testid="deployments">
            <thead>
              <tr>
                <th>Deployment name</th>
                <th>Platform</th>
                <th>Model family</th>
                <th>Endpoint</th>
                <th>Model identifier</th>
                <th>API key</th>
                <th>Created / updated</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {deployments.map((d) => {
                const state = tests[d.name];
                return (
                  <Fragment key={d.name}>
                    <tr data-testid="deployment-row" data-name={d.name}>
                      <td className="deployment-name">{d.name}</td>
                      <td>{(platformLabels as Record<string, string>)[d.platform] ?? d.platform}</td>
                      <td>
                        {familyName(d.family)} <span className="muted small">({d.family})</span>
                      </td>
                      <td>{d.endpoint ? <code>{d.endpoint}</code> : <span className="muted">none</span>}</td>
                      <td>{d.identifier ? <code>{d.identifier}</code> : <span className="muted">none</span>}</td>
                      <td className={d.apiKey.isSet ? 'nowrap' : 'nowrap muted'} data-testid="deployment-key">
                        {describeKey(d.apiKey)}
                      </td>
                      <td className="small nowrap">
                        {day(d.createdAt)}
                        {d.updatedAt !== d.createdAt && (
                          <>
                            <br />
                            <span className="muted">updated {day(d.updatedAt)}</span>
                          </>
                        )}
                      </td>
                      <td>
                        <div className="row-actions">
                          <button type="button" className="small-button" onClick={() => void test(d.name)} disabled={!isConnected || state?.status === 'running'}>
                            {state?.status === 'running' ? 'Testing…' : 'Test connection'}
                          </button>
                          <button type="button" className="small-button" onClick={() => setForm({ mode: 'edit', deployment: d })} disabled={!isConnected}>
                            Edit
                          </button>
                          {confirming === d.name ? (
                            <span className="unit-confirm" role="group" aria-label={`Confirm removing ${d.name}`}>
                              Remove?
                              <button type="button" className="small-button danger" onClick={() => void remove(d.name)}>
                                Yes, remove
                              </button>
                              <button type="button" className="small-button" onClick={() => setConfirming(null)}>
                                Cancel
                              </button>
                            </span>
                          ) : (
                            <button type="button" className="small-button" onClick={() => setConfirming(d.name)} disabled={!isConnected}>
                              Remove
                            </button>
                          )}
                        </div>
                      </td>
                    </tr>
                    {state && state.status !== 'running' && (
                      <tr className="deployment-test-row">
                        <td colSpan={8}>
                          {state.status === 'done' ? (
                            <ConnectionTestPanel result={state.result} />
                          ) : (
                            <p className="error" role="alert" data-testid="connection-test-refusal" data-code={state.refusal.code ?? undefined}>
                              {state.refusal.message}
                            </p>
                          )}
                        </td>
                      </tr>
                    )}
                  </Fragment>
                );
              })}
            </tbody>
          </table>
        )}
      </article>

      <AuditSection entries={audit} verification={chain} />
    </section>
  );
}

import { type FormEvent, type ReactNode, useId, useMemo, useState } from 'react';
import type { CatalogFamily } from '../../../../electron/shared/fit/catalog-schema';
import { type DeploymentField, validateDeployment } from '../../../../electron/shared/registry/deployment';
import { useApi } from '../../api/api-context';
import { type CallRefusal, describeCallError } from './call-error';
import {
  type DeploymentFormValues,
  type DeploymentView,
  type FieldFeedback,
  addInput,
  describeKey,
  draftOf,
  emptyDeploymentForm,
  familyOptions,
  feedbackByField,
  fieldOrder,
  formFromDeployment,
  identifierHint,
  keyPlaceholder,
  platformOptions,
  updatePatch,
} from './deployment-form';

type TextField = Exclude<DeploymentField, 'family' | 'platform'>;

interface Props {
  /** The deployment being edited; null: a new one. */
  editing: DeploymentView | null;
  families: readonly CatalogFamily[];
  isBetaEnabled: boolean;
  /** Every registered name (the edited one is left out here for the uniqueness check). */
  names: readonly string[];
  onSaved: (view: DeploymentView, verb: 'added' | 'updated') => void;
  onClose: () => void;
}

/**
 * Add or edit a deployment, with the fields in the order of GitLab's "Add self-hosted model" form.
 * The shared validator runs on every keystroke (the same rules and words as the core); the core
 * validates again on save, and its messages are shown as they are, each under its field.
 */
export function DeploymentForm({ editing, families, isBetaEnabled, names, onSaved, onClose }: Props) {
  const api = useApi();
  const id = useId();
  const [values, setValues] = useState<DeploymentFormValues>(() => (editing ? formFromDeployment(editing) : emptyDeploymentForm));
  const [touched, setTouched] = useState<ReadonlySet<DeploymentField>>(() => new Set(editing ? fieldOrder : []));
  const [isSubmitted, setIsSubmitted] = useState(false);
  const [refusal, setRefusal] = useState<CallRefusal | null>(null);
  const [isBusy, setIsBusy] = useState(false);

  const others = useMemo(() => names.filter((n) => editing === null || n.toLowerCase() !== editing.name.toLowerCase()), [names, editing]);
  const validation = useMemo(
    () => validateDeployment(draftOf(values), { catalog: { families: [...families] }, existingNames: others, isBetaEnabled }),
    [values, families, others, isBetaEnabled],
  );
  const feedback = feedbackByField(validation.issues, refusal?.fields ?? {}, (field) => isSubmitted || touched.has(field));
  const options = familyOptions(families, isBetaEnabled, values.family);

  const set = <K extends keyof DeploymentFormValues>(key: K, value: DeploymentFormValues[K]) => {
    setValues((v) => ({ ...v, [key]: value }));
    if (key !== 'removeKey') setTouched((t) => new Set(t).add(key as DeploymentField));
    // The core's word on a field stands until that field changes.
    if (refusal && key in refusal.fields) setRefusal({ ...refusal, fields: Object.fromEntries(Object.entries(refusal.fields).filter(([f]) => f !== key)) });
  };
  const touch = (field: DeploymentField) => setTouched((t) => (t.has(field) ? t : new Set(t).add(field)));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setIsSubmitted(true);
    setRefusal(null);
    if (!validation.ok) return;
    setIsBusy(true);
    try {
      const view = editing ? await api.call('models.update', { name: editing.name, patch: updatePatch(values) }) : await api.call('models.add', { deployment: addInput(values) });
      onSaved(view, editing ? 'updated' : 'added');
    } catch (error) {
      setRefusal(describeCallError(error));
    } finally {
      setIsBusy(false);
    }
  };

  const messages = (field: DeploymentField, extra?: ReactNode) => (
    <Feedback id={`${id}-${field}-msg`} feedback={feedback[field]} onFix={(value) => set(field as keyof DeploymentFormValues, value)} field={field} extra={extra} />
  );

  const textField = (field: TextField, label: string, input: { placeholder?: string; hint?: ReactNode; type?: string; autoComplete?: string }) => (
    <div className={`field${feedback[field].errors.length > 0 ? ' field-invalid' : ''}`} data-field={field}>
      <label htmlFor={`${id}-${field}`}>{label}</label>
      <input
        id={`${id}-${field}`}
        type={input.type ?? 'text'}
        value={values[field]}
        placeholder={input.placeholder}
        onChange={(event) => set(field, event.target.value)}
        onBlur={() => touch(field)}
        aria-invalid={feedback[field].errors.length > 0}
        aria-describedby={`${id}-${field}-msg`}
        spellCheck={false}
        autoComplete={input.autoComplete ?? 'off'}
        disabled={field === 'apiKey' && values.removeKey}
      />
      {messages(field, input.hint)}
    </div>
  );

  const heading = editing ? `Edit “${editing.name}”` : 'Add a self-hosted model';
  return (
    <form className="card deployment-form" onSubmit={(event) => void submit(event)} aria-labelledby={`${id}-title`} data-testid="deployment-form" noValidate>
      <div className="add-unit-header">
        <h2 id={`${id}-title`}>{heading}</h2>
        <button type="button" className="link" onClick={onClose}>
          Close
        </button>
      </div>
      <p className="muted small">The fields in the order of GitLab&apos;s “Add self-hosted model” form; the GitLab setup page lists the same values to copy.</p>
      <div className="deployment-grid">
        {textField('name', 'Deployment name', { placeholder: 'Mixtral-8x7B-it-v0.1 on GPU 0-1', hint: 'Unique, ignoring case.' })}

        <div className={`field${feedback.family.errors.length > 0 ? ' field-invalid' : ''}`} data-field="family">
          <label htmlFor={`${id}-family`}>Model family</label>
          <select
            id={`${id}-family`}
            value={values.family}
            onChange={(event) => set('family', event.target.value)}
            onBlur={() => touch('family')}
            aria-invalid={feedback.family.errors.length > 0}
            aria-describedby={`${id}-family-msg`}
          >
            <option value="">Choose a family…</option>
            {options.map((family) => (
              <option key={family.id} value={family.id}>
                {family.label}
              </option>
            ))}
          </select>
          {messages('family', isBetaEnabled ? 'Beta families are offered: beta features are on.' : 'Beta families appear once “Use beta self-hosted models features” is on (above).')}
        </div>

        {textField('endpoint', 'Endpoint', {
          placeholder: values.platform === 'bedrock' ? 'leave empty for Amazon Bedrock' : 'http://127.0.0.1:8000/v1',
          hint: values.platform.startsWith('vllm') ? 'vLLM: http(s)://host:port/v1 (vLLM listens on port 8000 by default).' : undefined,
        })}

        <div className={`field${feedback.apiKey.errors.length > 0 ? ' field-invalid' : ''}`} data-field="apiKey">
          <label htmlFor={`${id}-apiKey`}>API key</label>
          <input
            id={`${id}-apiKey`}
            type="password"
            value={values.apiKey}
            placeholder={values.removeKey ? 'the key will be removed' : keyPlaceholder(editing)}
            onChange={(event) => set('apiKey', event.target.value)}
            onBlur={() => touch('apiKey')}
            aria-invalid={feedback.apiKey.errors.length > 0}
            aria-describedby={`${id}-apiKey-msg`}
            autoComplete="new-password"
            spellCheck={false}
            disabled={values.removeKey}
          />
          {messages(
            'apiKey',
            editing?.apiKey.isSet ? (
              <label className="checkbox checkbox-inline">
                <input type="checkbox" checked={values.removeKey} onChange={(event) => set('removeKey', event.target.checked)} /> Remove the stored key ({describeKey(editing.apiKey)})
              </label>
            ) : (
              'Optional. Stored encrypted; only its last 4 characters are ever shown.'
            ),
          )}
        </div>

        {textField('identifier', 'Model identifier', { placeholder: 'custom_openai/<served model name>', hint: identifierHint(values.platform) })}

        <div className={`field${feedback.platform.errors.length > 0 ? ' field-invalid' : ''}`} data-field="platform">
          <label htmlFor={`${id}-platform`}>Platform</label>
          <select id={`${id}-platform`} value={values.platform} onChange={(event) => set('platform', event.target.value)} aria-describedby={`${id}-platform-msg`}>
            {platformOptions.map((p) => (
              <option key={p.id} value={p.id}>
                {p.label}
              </option>
            ))}
          </select>
          {messages('platform', 'Where the model is served; decides the checks and the identifier format. Not a GitLab field.')}
        </div>

        {textField('timeoutSeconds', 'Gateway timeout (s)', { placeholder: '60', hint: "How long Airlock's gateway waits for this model's answer to start (1–600 s; empty: 60). Not a GitLab field." })}
      </div>

      <div className="add-unit-footer">
        <button type="submit" disabled={isBusy}>
          {isBusy ? 'Saving…' : editing ? 'Save changes' : 'Add deployment'}
        </button>
        {isSubmitted && !validation.ok && !refusal && (
          <p className="error" role="alert" data-testid="deployment-form-invalid">
            Fix the fields marked above; nothing was sent.
          </p>
        )}
        {refusal && (
          <p className="error" role="alert" data-testid="deployment-form-refusal" data-code={refusal.code ?? undefined}>
            {refusal.message}
          </p>
        )}
      </div>
    </form>
  );
}

/** The messages under one field: errors, warnings, the one-click fix, and the hint. */
function Feedback({ id, field, feedback, onFix, extra }: { id: string; field: DeploymentField; feedback: FieldFeedback; onFix: (value: string) => void; extra?: ReactNode }) {
  return (
    <div id={id} className="field-feedback" data-testid={`field-feedback-${field}`}>
      {feedback.errors.map((message) => (
        <span key={message} className="field-error">
          {message}
        </span>
      ))}
      {feedback.warnings.map((message) => (
        <span key={message} className="field-warning">
          {message}
        </span>
      ))}
      {feedback.suggestion !== null && (
        <button type="button" className="small-button fix-button" onClick={() => onFix(feedback.suggestion ?? '')} data-testid={`fix-${field}`}>
          {feedback.suggestion === '' ? 'Clear it' : <>Use <code>{feedback.suggestion}</code></>}
        </button>
      )}
      {extra && <span className="muted small">{extra}</span>}
    </div>
  );
}

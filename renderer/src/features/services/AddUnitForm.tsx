import { type FormEvent, type ReactNode, useId, useState } from 'react';
import type { UnitView } from '../../../../electron/shared/services';
import { useApi } from '../../api/api-context';
import { type Preset, type UnitForm, buildDefinition, emptyUnitForm } from './unit-definition-form';

/** The fields typed as free text. */
type TextKey = Exclude<keyof UnitForm, 'preset' | 'autoStart' | 'restart'>;

const presets: { id: Preset; label: string; hint: string }[] = [
  { id: 'vllm', label: 'vLLM', hint: 'A local model served by vllm serve. Airlock adds the offline switches and an API key of its own.' },
  { id: 'airlock-gateway', label: 'Airlock AI gateway', hint: "Airlock's own gateway for GitLab and OpenAI-compatible clients; its address, TLS and trust are the gateway settings. One per host." },
  { id: 'custom', label: 'Custom', hint: 'Any other long-running program, started and restarted by Airlock.' },
  { id: 'gitlab-gateway', label: 'GitLab AI gateway', hint: "GitLab's official AI gateway, for sites that must run it (needs a license that allows it)." },
];

/** The Add-unit form: a preset and its fields; the core validates, and its message is shown as it is. */
export function AddUnitForm({ onAdded, onClose }: { onAdded: (view: UnitView) => void; onClose: () => void }) {
  const api = useApi();
  const id = useId();
  const [form, setForm] = useState<UnitForm>(emptyUnitForm);
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);
  const [isBusy, setIsBusy] = useState(false);
  const set = <K extends keyof UnitForm>(key: K, value: UnitForm[K]) => setForm((f) => ({ ...f, [key]: value }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const built = buildDefinition(form);
    if (!built.ok) {
      setOutcome({ ok: false, text: built.message });
      return;
    }
    setIsBusy(true);
    setOutcome(null);
    try {
      const view = await api.call('services.add', { definition: built.definition });
      onAdded(view);
      setOutcome({ ok: true, text: `Added unit "${view.name}". Start it from its card.` });
      setForm({ ...emptyUnitForm, preset: form.preset });
    } catch (error) {
      setOutcome({ ok: false, text: (error as Error).message });
    } finally {
      setIsBusy(false);
    }
  };

  const field = (key: TextKey, label: string, input: Partial<{ placeholder: string; hint: ReactNode; type: string; inputMode: 'numeric' | 'decimal'; required: boolean }> = {}) => (
    <div className="field">
      <label htmlFor={`${id}-${key}`}>{label}</label>
      <input
        id={`${id}-${key}`}
        type={input.type ?? 'text'}
        inputMode={input.inputMode}
        required={input.required}
        placeholder={input.placeholder}
        value={form[key]}
        onChange={(event) => set(key, event.target.value)}
        spellCheck={false}
        autoComplete="off"
      />
      {input.hint && <span className="muted small">{input.hint}</span>}
    </div>
  );

  const lines = (key: 'args' | 'env', label: string, placeholder: string, hint: ReactNode) => (
    <div className="field field-wide">
      <label htmlFor={`${id}-${key}`}>{label}</label>
      <textarea id={`${id}-${key}`} rows={3} spellCheck={false} value={form[key]} onChange={(event) => set(key, event.target.value)} placeholder={placeholder} />
      <span className="muted small">{hint}</span>
    </div>
  );

  return (
    <form className="card add-unit" onSubmit={(event) => void submit(event)} aria-labelledby={`${id}-title`} data-testid="add-unit-form">
      <div className="add-unit-header">
        <h2 id={`${id}-title`}>Add a unit</h2>
        <button type="button" className="link" onClick={onClose}>
          Close
        </button>
      </div>
      <fieldset className="segmented">
        <legend className="visually-hidden">Preset</legend>
        {presets.map((preset) => (
          <label key={preset.id}>
            <input type="radio" name={`${id}-preset`} checked={form.preset === preset.id} onChange={() => set('preset', preset.id)} /> {preset.label}
          </label>
        ))}
      </fieldset>
      <p className="muted small">{presets.find((p) => p.id === form.preset)?.hint}</p>

      <div className="add-unit-grid">
        {field('name', 'Unit name', { placeholder: form.preset === 'vllm' ? 'vllm-qwen' : 'my-service', required: true, hint: 'Lower-case letters, digits and dashes.' })}
        {form.preset === 'vllm' && (
          <>
            {field('modelPath', 'Model directory', { placeholder: '/srv/models/Qwen2.5-Coder-7B-Instruct', required: true, hint: 'An absolute path on this host; nothing is downloaded.' })}
            {field('servedNames', 'Served model name', { placeholder: 'qwen-coder', hint: 'The name clients ask for (several: separate with spaces). Empty: the unit name.' })}
            {field('port', 'Port', { placeholder: '8000', inputMode: 'numeric' })}
            {field('tensorParallelSize', 'Tensor parallel size', { placeholder: '1', inputMode: 'numeric', hint: 'GPUs the model is split over.' })}
            {field('maxModelLen', 'Max model length', { placeholder: "model's own", inputMode: 'numeric', hint: 'Context in tokens.' })}
            {field('gpuMemoryUtilization', 'GPU memory utilization', { placeholder: '0.9', inputMode: 'decimal', hint: 'Share of each GPU vLLM may take, 0–1.' })}
            {field('gpus', 'GPUs', { placeholder: '0, 1', hint: 'Indexes or UUIDs (CUDA_VISIBLE_DEVICES). Empty: all.' })}
          </>
        )}
        {form.preset !== 'vllm' && form.preset !== 'airlock-gateway' && field('command', 'Command', { placeholder: form.preset === 'custom' ? '/usr/bin/my-server' : '/opt/ai-gateway/bin/ai-gateway', required: true, hint: 'Absolute path of the executable; no shell is involved.' })}
        {form.preset === 'gitlab-gateway' && field('port', 'Port', { placeholder: '5052', inputMode: 'numeric' })}
        {form.preset === 'custom' && (
          <>
            {field('ports', 'Ports it binds', { placeholder: '9000, 9001', hint: 'Checked before each start: a taken port is reported with its holder.' })}
            {field('healthUrl', 'Health URL', { placeholder: 'http://127.0.0.1:9000/health', hint: 'Running means this answers 200. Empty: running once started.' })}
            <div className="field">
              <label htmlFor={`${id}-restart`}>Restart</label>
              <select id={`${id}-restart`} value={form.restart} onChange={(event) => set('restart', event.target.value as UnitForm['restart'])}>
                <option value="always">Always</option>
                <option value="on-failure">On failure</option>
                <option value="never">Never</option>
              </select>
            </div>
          </>
        )}
      </div>
      {form.preset !== 'vllm' && form.preset !== 'airlock-gateway' && lines('args', 'Arguments, one per line', '--port\n9000', 'Each line is one argument, spaces included.')}
      {form.preset !== 'airlock-gateway' && lines('env', 'Environment, one KEY=VALUE per line', form.preset === 'vllm' ? 'NCCL_P2P_DISABLE=1' : 'LOG_LEVEL=info', form.preset === 'vllm' ? 'Added to the offline switches (HF_HUB_OFFLINE=1 …), which always win.' : 'Added to a minimal environment (PATH, HOME, LANG…).')}
      <label className="checkbox">
        <input type="checkbox" checked={form.autoStart} onChange={(event) => set('autoStart', event.target.checked)} /> Start again when Airlock starts, if it was running
      </label>
      <div className="add-unit-footer">
        <button type="submit" disabled={isBusy}>
          {isBusy ? 'Adding…' : 'Add unit'}
        </button>
        {outcome && (
          <p className={outcome.ok ? 'ok' : 'error'} role={outcome.ok ? 'status' : 'alert'} data-testid="add-unit-outcome">
            {outcome.text}
          </p>
        )}
      </div>
    </form>
  );
}

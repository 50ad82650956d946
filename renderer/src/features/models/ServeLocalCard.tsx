import { type FormEvent, useState } from 'react';
import type { CallOutput } from '../../../../electron/shared/contract';
import type { CatalogFamily } from '../../../../electron/shared/fit/catalog-schema';
import { useApi } from '../../api/api-context';
import { familyOptions } from './deployment-form';

type ServeResult = CallOutput<'models.serveLocal'>;

const positive = (text: string) => (/^\d+$/.test(text.trim()) && Number(text) > 0 ? Number(text) : undefined);

/**
 * "Serve on this host": a model directory on this machine becomes a vLLM unit and a deployment in
 * one step, planned on the GPUs' free memory. The core refuses, with the reason, what does not fit.
 */
export function ServeLocalCard({ families, isBetaEnabled, onServed }: { families: readonly CatalogFamily[]; isBetaEnabled: boolean; onServed: () => void }) {
  const api = useApi();
  const [dir, setDir] = useState('');
  const [family, setFamily] = useState('');
  const [name, setName] = useState('');
  const [context, setContext] = useState('');
  const [concurrency, setConcurrency] = useState('');
  const [outcome, setOutcome] = useState<{ ok: true; result: ServeResult } | { ok: false; text: string } | undefined>();
  const [isBusy, setIsBusy] = useState(false);
  const options = familyOptions(families, isBetaEnabled, family);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setIsBusy(true);
    setOutcome(undefined);
    try {
      const contextLength = positive(context);
      const requests = positive(concurrency);
      const result = await api.call('models.serveLocal', {
        modelDir: dir.trim(),
        family,
        ...(name.trim() ? { name: name.trim() } : {}),
        ...(contextLength ? { contextLength } : {}),
        ...(requests ? { concurrency: requests } : {}),
      });
      setOutcome({ ok: true, result });
      onServed();
    } catch (error) {
      setOutcome({ ok: false, text: (error as Error).message });
    } finally {
      setIsBusy(false);
    }
  };

  return (
    <article className="card card-wide" aria-labelledby="serve-local-title">
      <h2 id="serve-local-title">Serve a model on this host</h2>
      <p className="muted small">
        A model directory on this machine (config.json, tokenizer, weights): Airlock plans it on the GPUs&apos; free memory, starts vLLM for it, and registers the deployment
        with a generated API key.
      </p>
      <form className="serve-local-form" onSubmit={(event) => void submit(event)} aria-label="Serve a model on this host">
        <label>
          Model directory
          <input value={dir} onChange={(event) => setDir(event.target.value)} placeholder="/srv/models/Mistral-7B-Instruct-v0.3" spellCheck={false} required />
        </label>
        <label>
          Model family
          <select value={family} onChange={(event) => setFamily(event.target.value)} required>
            <option value="">Choose…</option>
            {options.map((option) => (
              <option key={option.id} value={option.id}>
                {option.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Deployment name (optional)
          <input value={name} onChange={(event) => setName(event.target.value)} placeholder="<model> on GPU n" />
        </label>
        <label>
          Context length (optional)
          <input value={context} onChange={(event) => setContext(event.target.value)} inputMode="numeric" placeholder="32768" />
        </label>
        <label>
          Full-length requests at once (optional)
          <input value={concurrency} onChange={(event) => setConcurrency(event.target.value)} inputMode="numeric" placeholder="1" />
        </label>
        <div>
          <button type="submit" disabled={isBusy || dir.trim() === '' || family === ''}>
            {isBusy ? 'Planning and starting…' : 'Plan and serve'}
          </button>
        </div>
      </form>
      {outcome?.ok === true && (
        <p className="ok" role="status" data-testid="serve-local-result">
          Serving as “{outcome.result.deployment.name}” (unit {outcome.result.unitName}, starting now): GPUs {outcome.result.plan.gpuIndices.join(', ')}, tensor parallel{' '}
          {outcome.result.plan.tensorParallelSize}, context {outcome.result.plan.contextLength}, {outcome.result.plan.maxConcurrency} full-length requests at once. Follow it on the
          Services page.
        </p>
      )}
      {outcome?.ok === false && (
        <p className="error" role="alert" data-testid="serve-local-result">
          {outcome.text}
        </p>
      )}
    </article>
  );
}

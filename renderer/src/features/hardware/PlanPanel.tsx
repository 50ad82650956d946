import { useId, useMemo, useState } from 'react';
import type { CatalogModel } from '../../../../electron/shared/fit/catalog-schema';
import { kvBytesPerSequence } from '../../../../electron/shared/fit/kv-cache';
import type { ModelSpec } from '../../../../electron/shared/fit/model-spec';
import type { ProbedGpu } from '../../../../electron/shared/fit/plan-fit';
import { copyText } from '../../lib/copy-text';
import { type GpuMemoryView, formatCommandMultiline, modelReference, planSafely, vllmServeCommand } from './fit-rows';
import { formatCount, formatGiB, formatKiB, formatTokensShort } from './hardware-format';
import { MemoryBreakdown } from './MemoryBreakdown';

/** vLLM's default (fit-constants.ts). */
const DEFAULT_UTILIZATION = 0.9;
const DEFAULT_CONTEXT = 32_768;
const CONTEXT_STEP = 256;
const MAX_CONCURRENCY = 64;

/** Models the panel can plan, the chosen one, and the GPUs to plan on. */
export interface PlanPanelProps {
  /** Models that can be planned: catalog entry and planner spec. */
  models: { model: CatalogModel; spec: ModelSpec }[];
  selectedId: string;
  onSelect: (modelId: string) => void;
  gpus: readonly ProbedGpu[];
  /** Whether `gpus` carry the free memory probed now or assume idle GPUs. */
  gpuView: GpuMemoryView;
}

/** A labelled slider with its value, and a number box for an exact figure. */
function Slider(props: { label: string; value: number; min: number; max: number; step: number; onChange: (value: number) => void; display: string; testId: string }) {
  const id = useId();
  return (
    <div className="slider">
      <label htmlFor={id}>
        {props.label} <strong data-testid={`${props.testId}-value`}>{props.display}</strong>
      </label>
      <input
        id={id}
        type="range"
        min={props.min}
        max={props.max}
        step={props.step}
        value={props.value}
        onChange={(e) => props.onChange(Number(e.target.value))}
        data-testid={props.testId}
      />
      <span className="slider-range muted small">
        {props.min} – {props.max}
      </span>
    </div>
  );
}

/**
 * One model against this host, with sliders for context, concurrency and
 * `--gpu-memory-utilization`; the planner is pure, so every change recomputes at once.
 */
export function PlanPanel({ models, selectedId, onSelect, gpus, gpuView }: PlanPanelProps) {
  const entry = models.find((m) => m.model.id === selectedId) ?? models[0];
  if (!entry) return <p className="muted">No catalog model can be planned.</p>;
  // A new model starts from its own defaults: the form below is keyed by the model id.
  return <PlanForm key={entry.model.id} entry={entry} models={models} onSelect={onSelect} gpus={gpus} gpuView={gpuView} />;
}

function PlanForm({ entry, models, onSelect, gpus, gpuView }: Omit<PlanPanelProps, 'selectedId'> & { entry: PlanPanelProps['models'][number] }) {
  const { model, spec } = entry;
  const maxContext = spec.architecture.maxContext;
  const [precisionId, setPrecisionId] = useState(spec.defaultPrecisionId);
  const [context, setContext] = useState(Math.min(maxContext, DEFAULT_CONTEXT));
  const [concurrency, setConcurrency] = useState(1);
  const [utilization, setUtilization] = useState(DEFAULT_UTILIZATION);
  const [kvCacheDtype, setKvCacheDtype] = useState<'auto' | 'fp8'>('auto');
  const [copied, setCopied] = useState<{ text: string; isCopied: boolean } | null>(null);
  const modelSelectId = useId();
  const precisionSelectId = useId();
  const kvSelectId = useId();

  const { plan, problem } = useMemo(
    () => planSafely(spec, gpus, { precisionId, contextLength: context, concurrency, gpuMemoryUtilization: utilization, kvCacheDtype }),
    [spec, gpus, precisionId, context, concurrency, utilization, kvCacheDtype],
  );
  const modelRef = modelReference(model, precisionId) ?? `<${precisionId} checkpoint directory>`;
  const command = plan ? vllmServeCommand(plan, modelRef) : null;
  const commandText = command ? formatCommandMultiline(command) : null;
  const tp = plan?.tensorParallelSize ?? 1;
  // Without GPUs the planner sizes nothing per GPU; the cache one request needs on a single GPU still says how big it is.
  const activationBytes = spec.precisions.find((p) => p.id === precisionId)?.activationBytes ?? 2;
  const perRequest =
    plan && plan.gpus.length > 0 ? plan.kvCache.bytesPerSequencePerGpu : kvBytesPerSequence(spec.architecture, plan?.contextLength ?? context, kvCacheDtype === 'fp8' ? 1 : activationBytes);
  const perGpu = plan && plan.gpus.length > 0 ? 'per GPU' : 'on one GPU';
  // The label speaks of the command shown now, not of one copied before a slider moved.
  const copyState = copied && copied.text === commandText ? (copied.isCopied ? 'copied' : 'failed') : 'idle';

  const copy = async () => {
    if (!commandText) return;
    setCopied({ text: commandText, isCopied: await copyText(commandText) });
  };

  return (
    <div className="plan" data-testid="plan-panel">
      <div className="plan-controls">
        <div className="field">
          <label htmlFor={modelSelectId}>Model</label>
          <select id={modelSelectId} value={model.id} onChange={(e) => onSelect(e.target.value)} data-testid="plan-model">
            {models.map((m) => (
              <option key={m.model.id} value={m.model.id}>
                {m.model.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={precisionSelectId}>Precision</label>
          <select id={precisionSelectId} value={precisionId} onChange={(e) => setPrecisionId(e.target.value)}>
            {spec.precisions.map((p) => (
              <option key={p.id} value={p.id}>
                {p.label} · {formatGiB(p.weightBytes)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={kvSelectId}>KV cache</label>
          <select id={kvSelectId} value={kvCacheDtype} onChange={(e) => setKvCacheDtype(e.target.value as 'auto' | 'fp8')}>
            <option value="auto">Activation dtype (auto)</option>
            <option value="fp8">FP8 (--kv-cache-dtype fp8)</option>
          </select>
        </div>
        <Slider
          label="Context length"
          value={context}
          min={Math.min(CONTEXT_STEP, maxContext)}
          max={maxContext}
          step={CONTEXT_STEP}
          onChange={setContext}
          display={`${formatCount(context)} tokens`}
          testId="plan-context"
        />
        <Slider label="Concurrent full-length requests" value={concurrency} min={1} max={MAX_CONCURRENCY} step={1} onChange={setConcurrency} display={String(concurrency)} testId="plan-concurrency" />
        <Slider
          label="--gpu-memory-utilization"
          value={utilization}
          min={0.3}
          max={0.99}
          step={0.01}
          onChange={(v) => setUtilization(Math.round(v * 100) / 100)}
          display={utilization.toFixed(2)}
          testId="plan-utilization"
        />
      </div>

      <div className="plan-result" aria-live="polite">
        {problem && (
          <p className="error" role="alert">
            {problem}
          </p>
        )}
        {plan && (
          <>
            <p className={`plan-verdict ${plan.fits ? 'plan-verdict-ok' : 'plan-verdict-bad'}`} data-testid="plan-verdict">
              {plan.fits
                ? `Fits on ${plan.gpuIndices.length === 1 ? `GPU ${plan.gpuIndices[0]}` : `GPUs ${plan.gpuIndices.join(', ')}`} with tensor parallel ${tp}.`
                : plan.tensorParallelSize === null
                  ? 'Does not fit: this host has no usable NVIDIA GPU.'
                  : `Does not fit: short by ${formatGiB(plan.shortfallBytes)} on ${plan.gpuIndices.length} GPU(s) with tensor parallel ${tp}.`}
            </p>
            <dl className="plan-figures">
              <dt>Planned with</dt>
              <dd>{gpuView === 'idle' ? 'all VRAM of the GPUs, as if nothing else ran on them' : 'the VRAM free on each GPU now'}</dd>
              <dt>Weights</dt>
              <dd data-testid="plan-weights">
                {formatGiB(plan.weightsBytes)}
                {tp > 1 && <span className="muted"> · {formatGiB(plan.weightsBytes / tp)} per GPU</span>}
              </dd>
              <dt>KV cache per token</dt>
              <dd>
                {formatKiB(plan.kvCache.bytesPerToken)}
                {tp > 1 && <span className="muted"> · {formatKiB(plan.kvCache.bytesPerTokenPerGpu)} per GPU</span>}
              </dd>
              <dt>KV cache per request</dt>
              <dd>
                {formatGiB(perRequest)} {perGpu} at {formatTokensShort(plan.contextLength)}
              </dd>
              <dt>KV cache needed</dt>
              <dd data-testid="plan-kv-needed">
                {formatGiB(perRequest * plan.concurrency)} {perGpu} · {formatCount(plan.kvCache.tokensNeeded)} tokens
              </dd>
              <dt>KV cache room</dt>
              <dd data-testid="plan-kv-capacity">{plan.gpus.length > 0 ? `${formatCount(plan.kvCache.capacityTokens)} tokens` : '—'}</dd>
              <dt>Largest context</dt>
              <dd data-testid="plan-max-context">
                {formatCount(plan.maxContextLength)} tokens for {plan.concurrency} request{plan.concurrency === 1 ? '' : 's'}
              </dd>
              <dt>Requests at once</dt>
              <dd data-testid="plan-max-concurrency">
                {formatCount(plan.maxConcurrency)} at {formatCount(plan.contextLength)} tokens
              </dd>
              <dt>Memory utilisation</dt>
              <dd>
                {plan.gpuMemoryUtilization === null ? '—' : plan.gpuMemoryUtilization}
                {plan.gpuMemoryUtilization !== null && plan.gpuMemoryUtilization < utilization && <span className="warn-text"> (lowered from {utilization})</span>}
              </dd>
            </dl>
            <MemoryBreakdown plan={plan} />
            {plan.notes.length > 0 && (
              <ul className="plan-notes">
                {plan.notes.map((note) => (
                  <li key={note.code + note.message}>{note.message}</li>
                ))}
              </ul>
            )}
            {plan.suggestions.length > 0 && (
              <>
                <h4>What would make it fit</h4>
                <ul className="plan-suggestions" data-testid="plan-suggestions">
                  {plan.suggestions.map((s) => (
                    <li key={s.kind + s.message}>{s.message}</li>
                  ))}
                </ul>
              </>
            )}
            {commandText ? (
              <div className="command">
                <div className="command-header">
                  <h4>vllm serve</h4>
                  <button type="button" className="small-button" onClick={() => void copy()} data-testid="plan-copy">
                    {copyState === 'copied' ? 'Copied' : copyState === 'failed' ? 'Copy failed: select the text' : 'Copy'}
                  </button>
                </div>
                <pre data-testid="plan-command">
                  <code>{commandText}</code>
                </pre>
                <p className="muted small">
                  With <code>HF_HUB_OFFLINE=1</code> vLLM finds the model in the local Hugging Face cache; or give the directory that holds its weights instead of{' '}
                  <code>{modelRef}</code>. Figures are an estimate until vLLM logs its own KV cache size at start.
                </p>
              </div>
            ) : (
              <p className="muted">No command: the plan does not fit.</p>
            )}
          </>
        )}
      </div>
    </div>
  );
}

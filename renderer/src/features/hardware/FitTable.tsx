import type { FitPlan } from '../../../../electron/shared/fit/plan-fit';
import type { FitRow } from './fit-rows';
import { formatCount, formatGiB, formatTokensShort } from './hardware-format';

const RELEASE = { ga: 'GA', beta: 'Beta', experimental: 'Experimental' } as const;

/** How the model would run, for a plan that fits. */
function howText(plan: FitPlan): string {
  const gpus = plan.gpuIndices.length === 1 ? `GPU ${plan.gpuIndices[0]}` : `GPUs ${plan.gpuIndices.join(', ')}`;
  return `${gpus} · TP ${plan.tensorParallelSize} · ${formatTokensShort(plan.contextLength)} context · ${formatCount(plan.maxConcurrency)} full-length request${plan.maxConcurrency === 1 ? '' : 's'} at once`;
}

/** Why not, and what would change that, for a plan that does not fit. */
function whyNot(plan: FitPlan): { reason: string; suggestion: string | null } {
  if (plan.tensorParallelSize === null) {
    return { reason: 'No usable NVIDIA GPU on this host.', suggestion: null };
  }
  const tried = plan.gpuIndices.length === 1 ? `GPU ${plan.gpuIndices[0]}` : `${plan.gpuIndices.length} GPUs`;
  const reason = `Short by ${formatGiB(plan.shortfallBytes)} on ${tried} (TP ${plan.tensorParallelSize}) at ${formatTokensShort(plan.contextLength)} context.`;
  const suggestion = plan.suggestions[0]?.message ?? plan.notes.find((n) => n.code === 'beyond-one-host' || n.code === 'weights-do-not-fit')?.message ?? null;
  return { reason, suggestion };
}

/** Rows to show, the one planned in the panel below, and how to pick another. */
export interface FitTableProps {
  rows: FitRow[];
  selectedId: string | null;
  onPlan: (modelId: string) => void;
}

/** Every locally servable catalog model against this host: fits, how, or why not. */
export function FitTable({ rows, selectedId, onPlan }: FitTableProps) {
  return (
    <table className="table fit-table" data-testid="fit-table">
      <thead>
        <tr>
          <th scope="col">Model</th>
          <th scope="col">Weights</th>
          <th scope="col">Verdict</th>
          <th scope="col">How / why not</th>
          <th scope="col">
            <span className="visually-hidden">Plan</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map(({ model, spec, plan, problem }) => {
          const precision = spec?.precisions.find((p) => p.id === (plan?.precisionId ?? spec.defaultPrecisionId));
          const verdict = plan ? (plan.fits ? 'fits' : 'no') : 'unknown';
          const why = plan && !plan.fits ? whyNot(plan) : null;
          return (
            <tr key={model.id} data-testid="fit-row" data-model={model.id} data-verdict={verdict} className={model.id === selectedId ? 'is-selected' : undefined}>
              <td>
                <div className="fit-model">{model.name}</div>
                <div className="muted small">
                  {RELEASE[model.gitlab.releaseState]} in GitLab · <code>{model.id}</code>
                </div>
              </td>
              <td className="nowrap">
                {precision ? (
                  <>
                    {formatGiB(precision.weightBytes)}
                    <div className="muted small">{precision.label}</div>
                  </>
                ) : (
                  '—'
                )}
              </td>
              <td>
                <span className={`pill pill-small ${verdict === 'fits' ? 'pill-ok' : verdict === 'no' ? 'pill-bad' : 'pill-muted'}`}>
                  {verdict === 'fits' ? 'Fits' : verdict === 'no' ? 'Does not fit' : 'Not planned'}
                </span>
              </td>
              <td>
                {plan?.fits && howText(plan)}
                {why && (
                  <>
                    <div>{why.reason}</div>
                    {why.suggestion && <div className="muted small">{why.suggestion}</div>}
                  </>
                )}
                {problem && <span className="muted">{problem}</span>}
              </td>
              <td>
                {spec && (
                  <button type="button" className="small-button" onClick={() => onPlan(model.id)} aria-label={`Plan ${model.name}`}>
                    Plan
                  </button>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

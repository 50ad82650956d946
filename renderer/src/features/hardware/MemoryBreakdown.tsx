import { useId } from 'react';
import type { FitPlan, GpuMemoryPlan } from '../../../../electron/shared/fit/plan-fit';
import { formatGiB } from './hardware-format';

/** One part of what vLLM needs on a GPU. */
export interface NeedSegment {
  key: 'weights' | 'overhead' | 'tp' | 'kv';
  label: string;
  bytes: number;
}

/** What the plan needs on one GPU, in the order vLLM allocates it: weights, overheads, then the KV cache asked for. */
export function gpuNeeds(gpu: GpuMemoryPlan): NeedSegment[] {
  const needs: NeedSegment[] = [
    { key: 'weights', label: 'Weights', bytes: gpu.weightsBytes },
    { key: 'overhead', label: 'Activations, CUDA graphs', bytes: gpu.frameworkOverheadBytes },
    { key: 'tp', label: 'Tensor-parallel buffers', bytes: gpu.tensorParallelOverheadBytes },
    { key: 'kv', label: 'KV cache asked for', bytes: gpu.kvCacheBytes },
  ];
  return needs.filter((n) => n.bytes > 0);
}

/**
 * Per GPU: what the plan needs, stacked, against the GPU's memory, with a mark where vLLM's budget
 * (`--gpu-memory-utilization` × total) ends; anything past the mark is shaded as over budget.
 * SVG geometry, so no inline style is needed.
 */
export function MemoryBreakdown({ plan }: { plan: FitPlan }) {
  const stripesId = `over-${useId().replace(/:/g, '')}`;
  if (plan.gpus.length === 0) return <p className="muted">No GPU to lay the memory out on.</p>;
  return (
    <div className="breakdown" data-testid="plan-breakdown">
      {plan.gpus.map((gpu) => {
        const needs = gpuNeeds(gpu);
        const needed = needs.reduce((sum, n) => sum + n.bytes, 0);
        const scale = Math.max(gpu.usableTotalBytes, needed, 1);
        const at = (bytes: number) => (bytes / scale) * 100;
        const over = needed - gpu.budgetBytes;
        let x = 0;
        return (
          <figure key={gpu.index} className="breakdown-gpu">
            <figcaption>
              GPU {gpu.index} · {gpu.name} · {formatGiB(gpu.usableTotalBytes)} usable, {formatGiB(gpu.freeBytes)} free now
            </figcaption>
            <svg
              className="breakdown-bar"
              viewBox="0 0 100 10"
              preserveAspectRatio="none"
              role="img"
              aria-label={`${needs.map((n) => `${n.label} ${formatGiB(n.bytes)}`).join(', ')}; budget ${formatGiB(gpu.budgetBytes)}`}
            >
              <defs>
                <pattern id={stripesId} patternUnits="userSpaceOnUse" width={2} height={10} patternTransform="skewX(-30)">
                  <rect className="seg-over-stripe" x={0} y={0} width={1} height={10} />
                </pattern>
              </defs>
              <rect className="seg-usable" x={0} y={0} width={at(gpu.usableTotalBytes)} height={10} />
              {needs.map((n) => {
                const rect = <rect key={n.key} className={`seg seg-${n.key}`} x={x} y={0} width={at(n.bytes)} height={10} />;
                x += at(n.bytes);
                return rect;
              })}
              {over > 0 && <rect className="seg-over" x={at(gpu.budgetBytes)} y={0} width={at(over)} height={10} fill={`url(#${stripesId})`} />}
              <line className="seg-budget" x1={at(gpu.budgetBytes)} x2={at(gpu.budgetBytes)} y1={0} y2={10} vectorEffect="non-scaling-stroke" />
            </svg>
            <ul className="breakdown-legend">
              {needs.map((n) => (
                <li key={n.key}>
                  <span className={`swatch seg-swatch-${n.key}`} aria-hidden="true" /> {n.label} <strong>{formatGiB(n.bytes)}</strong>
                </li>
              ))}
              <li>
                <span className="swatch seg-swatch-budget" aria-hidden="true" /> vLLM budget <strong>{formatGiB(gpu.budgetBytes)}</strong>
              </li>
              <li className={over > 0 ? 'error' : 'ok-text'}>
                {over > 0 ? `Over budget by ${formatGiB(over)}` : `${formatGiB(gpu.headroomBytes)} spare for more KV cache`}
              </li>
            </ul>
          </figure>
        );
      })}
    </div>
  );
}

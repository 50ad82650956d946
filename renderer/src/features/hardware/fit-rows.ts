/**
 * The fit table's rows: every locally servable catalog model planned against this host's GPUs,
 * with the pure planner of electron/shared/fit. Runs in the browser; recomputed when the
 * inventory (free VRAM) changes.
 */
import type { CatalogModel, Catalog } from '../../../../electron/shared/fit/catalog-schema';
import { type ModelSpec, modelSpecFromCatalog } from '../../../../electron/shared/fit/model-spec';
import { type FitInput, type FitPlan, type ProbedGpu, planFit } from '../../../../electron/shared/fit/plan-fit';
import type { GpuProbeWire } from '../../../../electron/shared/hardware';

/** One row of the fit table. */
export interface FitRow {
  model: CatalogModel;
  /** The planner's view of the model; null when the catalog has no verified architecture. */
  spec: ModelSpec | null;
  plan: FitPlan | null;
  /** Why there is no plan (no architecture, or the planner refused the input). */
  problem: string | null;
}

/** Which memory the planner counts as free. */
export type GpuMemoryView = 'as-probed' | 'idle';

/**
 * The probed GPUs as the planner takes them. `as-probed` uses the free VRAM nvidia-smi reported
 * (other processes keep theirs); `idle` assumes they were stopped, to show what the hardware could
 * hold. GPUs without memory readings cannot be planned and are left out.
 */
export function probedGpus(probe: GpuProbeWire | undefined, view: GpuMemoryView = 'as-probed'): ProbedGpu[] {
  if (!probe || probe.status !== 'ok') return [];
  const gpus: ProbedGpu[] = [];
  for (const gpu of probe.gpus) {
    const { memoryTotalMiB: total, memoryUsedMiB: used, memoryFreeMiB: free } = gpu;
    if (total === null || free === null) continue;
    // Drivers that report `reserved` leave it out of both used and free; older ones do not report
    // it and count it as used, so total − used − free is then 0.
    const reserved = gpu.memoryReservedMiB ?? (used === null ? 0 : Math.max(0, total - used - free));
    gpus.push({ index: gpu.index, name: gpu.name, memoryTotalMiB: total, memoryReservedMiB: reserved, memoryFreeMiB: view === 'idle' ? total - reserved : free });
  }
  return gpus;
}

/** Options the table and the plan panel pass to the planner. */
export type PlanOptions = Omit<FitInput, 'model' | 'gpus'>;

/** planFit, with a refused input (a RangeError) turned into a message. */
export function planSafely(spec: ModelSpec, gpus: readonly ProbedGpu[], options: PlanOptions = {}): { plan: FitPlan | null; problem: string | null } {
  try {
    return { plan: planFit({ ...options, model: spec, gpus }), problem: null };
  } catch (error) {
    return { plan: null, problem: (error as Error).message };
  }
}

/** Every catalog model that can run on local GPUs, in catalog order, planned at the defaults. */
export function fitRows(catalog: Catalog, gpus: readonly ProbedGpu[]): FitRow[] {
  return catalog.models
    .filter((model) => model.servable === 'local')
    .map((model) => {
      const spec = modelSpecFromCatalog(model);
      if (!spec) {
        return {
          model,
          spec: null,
          plan: null,
          problem: 'The catalog has no verified architecture for this model: plan it from its model directory (airlock fit <dir>).',
        };
      }
      return { model, spec, ...planSafely(spec, gpus) };
    });
}

/**
 * Repository to serve for a precision: a pre-quantised checkpoint is a repository of its own (null
 * when the catalog names none); the original and vLLM's online quantisation use the original.
 */
export function modelReference(model: CatalogModel, precisionId: string): string | null {
  const precision = model.precisions.find((p) => p.id === precisionId);
  if (precision?.checkpoint === 'pre-quantized') return precision.exampleRepo;
  return model.hfRepo;
}

/** Quotes one shell word when it needs it. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The command line for a plan that fits: the environment that pins the GPUs (in nvidia-smi's
 * numbering), `vllm serve`, the model, and the planner's flags. Null when it does not fit.
 */
export function vllmServeCommand(plan: FitPlan, modelRef: string): string | null {
  if (!plan.fits || !plan.vllmArgs) return null;
  const env = Object.entries(plan.env ?? {}).map(([key, value]) => `${key}=${shellQuote(value)}`);
  const words = [...env, 'vllm', 'serve', shellQuote(modelRef), ...plan.vllmArgs.map(shellQuote)];
  return words.join(' ');
}

/** The same command, one flag per line with shell continuations, for reading. */
export function formatCommandMultiline(command: string): string {
  return command.replace(/ (--[a-z])/g, ' \\\n  $1');
}

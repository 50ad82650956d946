import { existsSync, statSync } from 'node:fs';
import { AirlockError } from '../../shared/errors';
import type { Catalog } from '../../shared/fit/catalog-schema';
import { type ModelSpec, modelSpecFromCatalog } from '../../shared/fit/model-spec';
import { type FitPlan, type ProbedGpu, formatGiB, planFit } from '../../shared/fit/plan-fit';
import { loadCatalog } from '../../core/catalog/catalog-service';
import { readLocalModelDir } from '../../core/models/local-model-dir';
import { createNvidiaSmiProbe, resolveNvidiaSmiPath } from '../../core/probe/nvidia-smi-probe';
import { resourcesDir } from '../../core/resources';
import { printResult } from '../output';

export interface FitOptions {
  model: string;
  context?: number;
  concurrency?: number;
  utilization?: number;
  precision?: string;
  /** Plan for hypothetical idle GPUs instead of probing: `2x81559` (count × MiB). */
  gpus?: string;
  nvidiaSmi?: string;
  timeoutMs: number;
  isJson?: boolean;
}

/**
 * Share of VRAM the driver reserves on a real card (nvidia-smi's "Reserved"): 869 of 81920 MiB on
 * the A100 80GB capture, 450 of 24564 on the RTX A5000 one. A hypothetical card gets 1.1 %.
 */
const TYPICAL_RESERVED_SHARE = 0.011;

/** `2x81559` → two idle GPUs of 81559 MiB, with a typical driver reservation. */
export function parseGpuSpec(spec: string): ProbedGpu[] {
  const match = /^(\d{1,2})x(\d{3,7})$/.exec(spec.trim());
  if (!match || Number(match[1]) < 1) {
    throw new AirlockError('CLI_INVALID_ARGUMENT', { argument: '--gpus', reason: `"${spec}" is not COUNTxMiB, e.g. 2x81559 for two H100 80GB` });
  }
  const mib = Number(match[2]);
  const reserved = Math.round(mib * TYPICAL_RESERVED_SHARE);
  return Array.from({ length: Number(match[1]) }, (_, index) => ({
    index,
    name: `idle ${mib} MiB GPU`,
    memoryTotalMiB: mib,
    memoryReservedMiB: reserved,
    memoryFreeMiB: mib - reserved,
  }));
}

/** Finds a catalog model by id or name (case-insensitive); suggests close ids when none matches. */
export function findCatalogModel(catalog: Catalog, query: string): ModelSpec {
  const q = query.toLowerCase();
  const model = catalog.models.find((m) => m.id.toLowerCase() === q || m.name.toLowerCase() === q);
  if (model) {
    const spec = modelSpecFromCatalog(model);
    if (!spec) throw new AirlockError('MODEL_NOT_FOUND', { model: query, suggestions: [`${model.id} is served through an API (${model.servable}), not on local GPUs`] });
    return spec;
  }
  const suggestions = catalog.models.filter((m) => m.id.toLowerCase().includes(q) || q.includes(m.id.toLowerCase().split('-')[0] ?? '')).map((m) => m.id);
  throw new AirlockError('MODEL_NOT_FOUND', { model: query, suggestions: suggestions.slice(0, 6) });
}

async function probedGpus(options: FitOptions): Promise<{ gpus: ProbedGpu[]; source: string }> {
  if (options.gpus) return { gpus: parseGpuSpec(options.gpus), source: `--gpus ${options.gpus}` };
  const { executable, source } = resolveNvidiaSmiPath({ setting: options.nvidiaSmi, env: process.env });
  const probe = createNvidiaSmiProbe({ executable, executableSource: source, timeoutMs: options.timeoutMs });
  try {
    const result = await probe.probeGpus();
    if (result.status !== 'ok') return { gpus: [], source: `this host: ${result.message}` };
    const gpus = result.gpus.flatMap((g) =>
      g.memoryTotalMiB === null || g.memoryFreeMiB === null
        ? []
        : [{ index: g.index, name: g.name, memoryTotalMiB: g.memoryTotalMiB, memoryFreeMiB: g.memoryFreeMiB, memoryReservedMiB: g.memoryReservedMiB }],
    );
    return { gpus, source: `this host (${executable})` };
  } finally {
    await probe.dispose();
  }
}

/** `airlock fit MODEL`: will it fit, how, and with which vLLM flags. Exit 0 fits, 1 does not. */
export async function runFit(options: FitOptions): Promise<number> {
  const isDirectory = existsSync(options.model) && statSync(options.model).isDirectory();
  const model = isDirectory ? (await readLocalModelDir(options.model)).spec : findCatalogModel(loadCatalog(resourcesDir()), options.model);
  const { gpus, source } = await probedGpus(options);
  let plan: FitPlan;
  try {
    plan = planFit({
      model,
      gpus,
      ...(options.precision ? { precisionId: options.precision } : {}),
      ...(options.context ? { contextLength: options.context } : {}),
      ...(options.concurrency ? { concurrency: options.concurrency } : {}),
      ...(options.utilization ? { gpuMemoryUtilization: options.utilization } : {}),
    });
  } catch (error) {
    if (error instanceof RangeError) throw new AirlockError('CLI_INVALID_ARGUMENT', { argument: 'fit input', reason: error.message.replace(/\.$/, '') });
    throw error;
  }
  const result = { model: { id: model.id, name: model.name, source: isDirectory ? 'directory' : 'catalog' }, gpuSource: source, gpus, plan };
  printResult(result, options.isJson, () => renderPlan(model, plan, source, isDirectory ? options.model : model.id));
  return plan.fits ? 0 : 1;
}

function renderPlan(model: ModelSpec, plan: FitPlan, gpuSource: string, modelPath: string): string {
  const lines = [`${model.name} (${plan.precisionId}) on ${gpuSource}: ${plan.fits ? 'FITS' : 'DOES NOT FIT'}`];
  if (plan.tensorParallelSize !== null) {
    lines.push(`  GPUs ${plan.gpuIndices.join(', ')} · tensor-parallel ${plan.tensorParallelSize} · gpu-memory-utilization ${plan.gpuMemoryUtilization}`);
  }
  lines.push(`  weights ${formatGiB(plan.weightsBytes)} in all · KV cache ${(plan.kvCache.bytesPerToken / 1024).toFixed(1)} KiB per token`);
  for (const gpu of plan.gpus) {
    lines.push(
      `  GPU ${gpu.index} ${gpu.name}: budget ${formatGiB(gpu.budgetBytes)} = weights ${formatGiB(gpu.weightsBytes)} + overhead ${formatGiB(gpu.frameworkOverheadBytes + gpu.tensorParallelOverheadBytes)}` +
        ` + KV cache ${formatGiB(gpu.kvCacheAvailableBytes)}`,
    );
  }
  lines.push(`  context ${plan.contextLength} (largest that fits: ${plan.maxContextLength}) · ${plan.maxConcurrency} concurrent full-length requests fit (asked ${plan.concurrency})`);
  if (!plan.fits && plan.shortfallBytes > 0) lines.push(`  short by ${formatGiB(plan.shortfallBytes)}`);
  if (plan.vllmArgs) {
    const env = plan.env ? `${Object.entries(plan.env).map(([k, v]) => `${k}=${v}`).join(' ')} ` : '';
    lines.push(`  ${env}vllm serve ${modelPath} ${plan.vllmArgs.join(' ')}`);
  }
  for (const note of plan.notes) lines.push(`  note: ${note.message}`);
  for (const suggestion of plan.suggestions) lines.push(`  try: ${suggestion.message}`);
  return lines.join('\n');
}

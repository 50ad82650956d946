import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { AirlockError } from '../../shared/errors';
import type { HardwareSnapshot } from '../../shared/hardware';
import { type FitPlan, type ProbedGpu, formatGiB, planFit } from '../../shared/fit/plan-fit';
import { readLocalModelDir } from '../models/local-model-dir';
import { isPortFree } from '../supervisor/port-check';
import { type SupervisorService, portsOf } from '../supervisor/supervisor-service';
import type { DeploymentView, RegistryService } from './registry-service';

export interface ServeLocalInput {
  modelDir: string;
  /** GitLab's model family for the deployment (the catalog id, e.g. mistral, codestral, llama3). */
  family: string;
  name?: string;
  port?: number;
  contextLength?: number;
  concurrency?: number;
  gpuMemoryUtilization?: number;
}

export interface ServeLocalResult {
  deployment: DeploymentView;
  unitName: string;
  plan: { tensorParallelSize: number; gpuIndices: number[]; contextLength: number; maxConcurrency: number; vllmArgs: string[] };
}

/** `My-Model_7B` → `my-model_7b`: what /v1/models will serve and the identifier will name. */
export function servedNameFor(dir: string): string {
  return (basename(dir).toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'model').slice(0, 100);
}

/** A unit name (lower-case, digits, dashes, ≤ 40) that is not taken yet. */
export function unitNameFor(servedName: string, taken: ReadonlySet<string>): string {
  const base = `vllm-${servedName.replace(/[^a-z0-9-]+/g, '-')}`.replace(/-+/g, '-').slice(0, 36).replace(/-$/, '');
  for (let i = 1; ; i += 1) {
    const candidate = i === 1 ? base : `${base}-${i}`;
    if (!taken.has(candidate)) return candidate;
  }
}

const gpusOf = (snapshot: HardwareSnapshot): ProbedGpu[] =>
  snapshot.gpu.status === 'ok'
    ? snapshot.gpu.gpus.flatMap((g) =>
        g.memoryTotalMiB === null || g.memoryFreeMiB === null ? [] : [{ index: g.index, name: g.name, memoryTotalMiB: g.memoryTotalMiB, memoryFreeMiB: g.memoryFreeMiB, memoryReservedMiB: g.memoryReservedMiB }],
      )
    : [];

/**
 * "Serve on this host": reads the model directory, plans it on the probed GPUs (free VRAM), and — when
 * it fits — creates the vLLM unit, a deployment at http://127.0.0.1:PORT/v1 with identifier
 * custom_openai/<served name> and a generated API key shared by both, then starts the unit.
 */
export async function serveLocalModel(
  input: ServeLocalInput,
  deps: {
    registry: RegistryService;
    supervisor: SupervisorService;
    snapshot: () => Promise<HardwareSnapshot>;
    actor: string;
    /** Refuses (throws) before anything is created when the plan passes the license's limits. */
    checkLimits?: (unit: { preset: 'vllm'; gpus: number[] }) => Promise<void>;
  },
): Promise<ServeLocalResult> {
  const model = await readLocalModelDir(input.modelDir);
  const snapshot = await deps.snapshot();
  const gpus = gpusOf(snapshot);
  if (gpus.length === 0) {
    const why = snapshot.gpu.status === 'ok' ? 'nvidia-smi lists no GPU with memory figures' : snapshot.gpu.message;
    throw new AirlockError('SERVE_LOCAL_REFUSED', { reason: `no usable GPU on this host (${why})` });
  }
  let plan: FitPlan;
  try {
    plan = planFit({
      model: model.spec,
      gpus,
      ...(input.contextLength ? { contextLength: input.contextLength } : {}),
      ...(input.concurrency ? { concurrency: input.concurrency } : {}),
      ...(input.gpuMemoryUtilization ? { gpuMemoryUtilization: input.gpuMemoryUtilization } : {}),
    });
  } catch (error) {
    throw new AirlockError('SERVE_LOCAL_REFUSED', { reason: (error as Error).message });
  }
  if (!plan.fits || plan.tensorParallelSize === null || !plan.vllmArgs || plan.gpuMemoryUtilization === null) {
    const tip = plan.suggestions[0]?.message;
    throw new AirlockError('SERVE_LOCAL_REFUSED', { reason: `it does not fit in the free GPU memory (short by ${formatGiB(plan.shortfallBytes)})${tip ? `; ${tip}` : ''}` });
  }

  const units = deps.supervisor.list();
  const usedPorts = new Set(units.flatMap((u) => portsOf(u.definition)));
  let port = input.port ?? 8000;
  if (input.port === undefined) while (usedPorts.has(port) || !(await isPortFree(port))) port += 1;
  const servedName = servedNameFor(model.path);
  const unitName = unitNameFor(servedName, new Set(units.map((u) => u.name)));
  const maxNumSeqs = Number(plan.vllmArgs[plan.vllmArgs.indexOf('--max-num-seqs') + 1]);
  await deps.checkLimits?.({ preset: 'vllm', gpus: plan.gpuIndices });

  const deployment = deps.registry.add(
    {
      name: input.name ?? `${servedName} on GPU ${plan.gpuIndices.join('-')}`,
      family: input.family,
      platform: 'vllm-local',
      endpoint: `http://127.0.0.1:${port}/v1`,
      identifier: `custom_openai/${servedName}`,
      apiKey: `airlock-${randomBytes(24).toString('base64url')}`,
    },
    deps.actor,
  );
  try {
    deps.supervisor.add({
      preset: 'vllm',
      name: unitName,
      modelPath: model.path,
      port,
      servedModelNames: [servedName],
      tensorParallelSize: plan.tensorParallelSize,
      maxModelLen: plan.contextLength,
      gpuMemoryUtilization: plan.gpuMemoryUtilization,
      ...(Number.isInteger(maxNumSeqs) && maxNumSeqs > 0 ? { maxNumSeqs } : {}),
      gpus: plan.gpuIndices,
    });
    deps.registry.linkUnit(deployment.name, unitName);
    deps.supervisor.start(unitName);
  } catch (error) {
    // Nothing half-made stays behind: the deployment goes with the unit that could not be made.
    deps.registry.remove(deployment.name, deps.actor);
    await deps.supervisor.remove(unitName).catch(() => undefined);
    throw error;
  }
  return {
    deployment: deps.registry.get(deployment.name),
    unitName,
    plan: { tensorParallelSize: plan.tensorParallelSize, gpuIndices: plan.gpuIndices, contextLength: plan.contextLength, maxConcurrency: plan.maxConcurrency, vllmArgs: plan.vllmArgs },
  };
}

import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { UnitDefinition } from '../../shared/services';
import { localModelDirProblem } from '../models/local-model-dir';
import { DEFAULT_RESTART_POLICY, type RestartPolicy, VLLM_RESTART_POLICY } from './restart-policy';
import type { Diagnosis } from './state';
import type { UnitSpec } from './unit-runner';
import { httpStatus } from './unit-runner';
import { buildVllmCommand, vllmHealthUrl } from './vllm-command';
import { diagnoseVllmOutput } from './vllm-classifier';

/** vLLM loads for minutes (vllm.md §3.2): give a start 30 minutes before it counts as failed. */
const VLLM_START_TIMEOUT_MS = 30 * 60_000;

export interface PresetContext {
  /** The `services.vllmPath` setting, or '' to look `vllm` up on PATH. */
  vllmPath: string;
  /** The environment every unit starts from (PATH, HOME, LANG…), never the core's whole environment. */
  baseEnv: Readonly<Record<string, string>>;
  /** The API key this vLLM unit gets for this run of the core (memory only). */
  apiKeyFor: (unit: string) => string;
  /** How to launch Airlock's own gateway; absent where the core cannot run one. */
  airlockGateway?: (unit: string) => AirlockGatewayLaunch;
}

/** What the core decides for a launch of its gateway (program, channel, address). */
export interface AirlockGatewayLaunch {
  command: string;
  args: string[];
  /** The channel's path and this run's token; never shown (the command line has no secret). */
  env: Record<string, string>;
  ports: number[];
  healthUrl: string;
  checkHealth?: (url: string) => Promise<number | null>;
}

export interface PresetResult {
  spec: UnitSpec;
  /** The command line as shown to the operator: no secret in it (vLLM's key is in its environment). */
  commandLine: string;
  checkHealth?: (url: string) => Promise<number | null>;
  diagnose?: (lines: readonly string[]) => Diagnosis | null;
  isVllm: boolean;
}

/** Finds an executable on PATH, as a shell would; undefined when there is none. */
export function whichExecutable(name: string, path: string | undefined): string | undefined {
  for (const dir of (path ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

const quote = (arg: string) => (/^[A-Za-z0-9_./:=,@+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`);

function restartFor(mode: 'always' | 'on-failure' | 'never', base: RestartPolicy): RestartPolicy {
  return { ...base, mode };
}

/** Turns a stored unit definition into what the runner needs. Throws Error with the field at fault. */
export function resolvePreset(definition: UnitDefinition, context: PresetContext): PresetResult {
  switch (definition.preset) {
    case 'vllm': {
      const executable = context.vllmPath || whichExecutable('vllm', context.baseEnv.PATH);
      if (!executable) throw new Error('vLLM is not installed: no "vllm" on PATH. Install vLLM, or set services.vllmPath to its absolute path.');
      const apiKey = context.apiKeyFor(definition.name);
      const built = buildVllmCommand({
        executable,
        modelPath: definition.modelPath,
        port: definition.port,
        servedModelNames: definition.servedModelNames,
        apiKey,
        extraArgs: definition.extraArgs,
        ...(definition.tensorParallelSize !== undefined ? { tensorParallelSize: definition.tensorParallelSize } : {}),
        ...(definition.maxModelLen !== undefined ? { maxModelLen: definition.maxModelLen } : {}),
        ...(definition.gpuMemoryUtilization !== undefined ? { gpuMemoryUtilization: definition.gpuMemoryUtilization } : {}),
        ...(definition.maxNumSeqs !== undefined ? { maxNumSeqs: definition.maxNumSeqs } : {}),
        ...(definition.gpus !== undefined ? { gpus: definition.gpus } : {}),
      });
      if (!built.ok) throw new Error(built.issues.map((issue) => `${issue.field}: ${issue.message}`).join('; '));
      const modelProblem = localModelDirProblem(definition.modelPath);
      if (modelProblem !== null) throw new Error(modelProblem);
      const healthUrl = vllmHealthUrl({ port: definition.port });
      const modelsUrl = healthUrl.replace(/\/health$/, '/v1/models');
      const servedName = definition.servedModelNames[0]!;
      return {
        spec: {
          name: definition.name,
          command: built.command.command,
          args: built.command.args,
          // The operator's extra variables first: the offline switches and the key cannot be overridden.
          env: { ...context.baseEnv, ...definition.env, ...built.command.env },
          cwd: '/',
          ports: [definition.port],
          health: { url: healthUrl, expectStatus: 200 },
          restart: VLLM_RESTART_POLICY,
          stopTimeoutMs: definition.stopTimeoutMs,
          startTimeoutMs: VLLM_START_TIMEOUT_MS,
        },
        commandLine: [built.command.command, ...built.command.args].map(quote).join(' '),
        // Ready = /health 200 and the served name listed by /v1/models (vllm.md §3.2), asked with the key.
        checkHealth: async (url) => {
          const status = await httpStatus(url);
          if (status !== 200) return status;
          try {
            const response = await fetch(modelsUrl, { headers: { authorization: `Bearer ${apiKey}` }, signal: AbortSignal.timeout(2000), redirect: 'manual' });
            const body = (await response.json()) as { data?: { id?: string }[] };
            return response.ok && body.data?.some((model) => model.id === servedName) ? 200 : 503;
          } catch {
            return null;
          }
        },
        diagnose: (lines) => {
          const found = diagnoseVllmOutput(lines);
          return found ? { id: found.id, summary: found.summary, action: found.action, isPermanent: found.isPermanent } : null;
        },
        isVllm: true,
      };
    }
    case 'airlock-gateway': {
      if (!context.airlockGateway) throw new Error('this Airlock core cannot run its gateway here');
      const launch = context.airlockGateway(definition.name);
      return {
        spec: {
          name: definition.name,
          command: launch.command,
          args: launch.args,
          env: { ...context.baseEnv, ...launch.env },
          cwd: '/',
          ports: launch.ports,
          health: { url: launch.healthUrl, expectStatus: 200 },
          restart: DEFAULT_RESTART_POLICY,
          // In-flight requests get 10 s to finish after SIGTERM (gateway/main.ts); then SIGKILL.
          stopTimeoutMs: 12_000,
          startTimeoutMs: 60_000,
        },
        commandLine: [launch.command, ...launch.args].map(quote).join(' '),
        ...(launch.checkHealth ? { checkHealth: launch.checkHealth } : {}),
        isVllm: false,
      };
    }
    case 'gitlab-gateway':
      return {
        spec: {
          name: definition.name,
          command: definition.command,
          args: definition.args,
          env: { ...context.baseEnv, AIGW_FASTAPI__API_PORT: String(definition.port), ...definition.env },
          cwd: '/',
          ports: [definition.port],
          // GitLab's gateway health endpoint (gitlab-ai-gateway.md §4.3).
          health: { url: `http://127.0.0.1:${definition.port}/monitoring/healthz`, expectStatus: 200 },
          restart: DEFAULT_RESTART_POLICY,
          stopTimeoutMs: 10_000,
          startTimeoutMs: 5 * 60_000,
        },
        commandLine: [definition.command, ...definition.args].map(quote).join(' '),
        isVllm: false,
      };
    case 'custom':
      return {
        spec: {
          name: definition.name,
          command: definition.command,
          args: definition.args,
          env: { ...context.baseEnv, ...definition.env },
          cwd: definition.cwd ?? '/',
          ports: definition.ports,
          health: definition.health,
          restart: restartFor(definition.restart, DEFAULT_RESTART_POLICY),
          stopTimeoutMs: definition.stopTimeoutMs,
          startTimeoutMs: null,
        },
        commandLine: [definition.command, ...definition.args].map(quote).join(' '),
        isVllm: false,
      };
  }
}

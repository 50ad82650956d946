/**
 * Runs nvidia-smi and hands its output to the pure parsers in parse-nvidia-smi.ts.
 *
 * Every run is asynchronous, bounded by a hard timeout (SIGKILL to the whole process group, since a
 * hung driver call does not answer SIGTERM) and by an output cap, and never throws: failures come
 * back as classified states with a message. The spawner and the clock are injected for tests.
 */
import { spawn as nodeSpawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import type { Disposable } from '../../shared/disposable';
import type { GpuComputeApp, GpuInfo, GpuInventory, GpuTelemetrySample } from './gpu-types';
import {
  classifyNvidiaSmiFailure,
  COMPUTE_APPS_ARGS,
  NVIDIA_SMI_ENV,
  parseComputeAppsCsv,
  parseNvidiaSmiXml,
  parseTelemetryCsv,
  TELEMETRY_ARGS,
  type NvidiaSmiExecutableSource,
  type NvidiaSmiFailure,
  type NvidiaSmiNotOk,
  type NvidiaSmiRunOutcome,
} from './parse-nvidia-smi';

/** Default hard timeout for one nvidia-smi call (issue 3: "default 5 s"). */
export const DEFAULT_NVIDIA_SMI_TIMEOUT_MS = 5000;

/**
 * Default output cap. The largest capture in the fixtures (2× RTX A5000, `-q -x`) is 94 KB, about
 * 47 KB per GPU; 16 MiB leaves room for a 16-GPU host's many-times-larger output and stops a runaway.
 */
export const DEFAULT_NVIDIA_SMI_MAX_OUTPUT_BYTES = 16 * 1024 * 1024;

/** After SIGKILL, how long to wait for the exit event before giving up on it (a D-state process may linger). */
const KILL_GRACE_MS = 1000;

/** The subset of `child_process.spawn` the probe uses; tests pass their own. */
export type SpawnFunction = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

/** Wall clock for timestamps and a monotonic clock for durations. */
export interface ProbeClock {
  nowMs(): number;
  monotonicMs(): number;
}

const systemClock: ProbeClock = { nowMs: () => Date.now(), monotonicMs: () => performance.now() };

/** Which nvidia-smi to run and where that choice came from. */
export interface ResolvedNvidiaSmiPath {
  executable: string;
  source: NvidiaSmiExecutableSource;
}

/**
 * Picks the nvidia-smi to run: `AIRLOCK_NVIDIA_SMI` overrides the setting; without either it is
 * plain `nvidia-smi`, which spawn looks up on PATH.
 */
export function resolveNvidiaSmiPath(input: {
  setting?: string | null | undefined;
  env: Readonly<Record<string, string | undefined>>;
}): ResolvedNvidiaSmiPath {
  const fromEnv = input.env[NVIDIA_SMI_ENV]?.trim();
  if (fromEnv) return { executable: fromEnv, source: 'env' };
  const fromSetting = input.setting?.trim();
  if (fromSetting) return { executable: fromSetting, source: 'setting' };
  return { executable: 'nvidia-smi', source: 'default' };
}

/** Options of {@link createNvidiaSmiProbe}. */
export interface NvidiaSmiProbeOptions {
  executable: string;
  executableSource?: NvidiaSmiExecutableSource;
  timeoutMs?: number;
  maxOutputBytes?: number;
  spawn?: SpawnFunction;
  clock?: ProbeClock;
}

/** When and how long; carried by every probe result. */
interface Timing {
  /** ISO 8601 time the run started. */
  probedAt: string;
  durationMs: number;
}

/** Result of {@link NvidiaSmiProbe.inventory}. */
export type InventoryRunResult = ({ ok: true; inventory: GpuInventory } | NvidiaSmiNotOk) & Timing;

/** Result of {@link NvidiaSmiProbe.telemetry}. */
export type TelemetryRunResult = ({ ok: true; samples: GpuTelemetrySample[] } | NvidiaSmiNotOk) & Timing;

/** Result of {@link NvidiaSmiProbe.computeApps}. */
export type ComputeAppsRunResult = ({ ok: true; apps: GpuComputeApp[] } | NvidiaSmiNotOk) & Timing;

/** Failure states that mean "this host has no usable NVIDIA GPU", a normal state rather than an error. */
export type NoGpuReason = 'no-devices' | 'not-installed' | 'driver-not-loaded';

/** Failure states that mean the probe itself went wrong. */
export type GpuProbeErrorReason = Exclude<NvidiaSmiFailure['state'], NoGpuReason>;

/** What `airlock probe` and the Hardware page show about GPUs. */
export type GpuProbeResult =
  | ({
      status: 'ok';
      gpus: GpuInfo[];
      driverVersion: string | null;
      cudaVersion: string | null;
      attachedGpus: number | null;
    } & Timing)
  | ({ status: 'no-gpu'; reason: NoGpuReason; message: string; detail: string | null } & Timing)
  | ({ status: 'error'; reason: GpuProbeErrorReason; message: string; detail: string | null } & Timing);

/** The probe: one method per nvidia-smi query, plus the combined {@link NvidiaSmiProbe.probeGpus}. */
export interface NvidiaSmiProbe extends Disposable {
  /** `nvidia-smi -q -x`, parsed. */
  inventory(): Promise<InventoryRunResult>;
  /** The CSV telemetry query ({@link TELEMETRY_ARGS}), parsed. A call while one is running shares it. */
  telemetry(): Promise<TelemetryRunResult>;
  /** The CSV compute-apps query, parsed. */
  computeApps(): Promise<ComputeAppsRunResult>;
  /** The inventory as ok / no-gpu / error, each with a message. Never throws. */
  probeGpus(): Promise<GpuProbeResult>;
  /** Kills any nvidia-smi still running and waits for it. */
  dispose(): Promise<void>;
}

const NO_GPU_REASONS: ReadonlySet<string> = new Set<NoGpuReason>(['no-devices', 'not-installed', 'driver-not-loaded']);

/** Creates a probe for one nvidia-smi executable. */
export function createNvidiaSmiProbe(options: NvidiaSmiProbeOptions): NvidiaSmiProbe {
  const timeoutMs = options.timeoutMs ?? DEFAULT_NVIDIA_SMI_TIMEOUT_MS;
  const maxOutputBytes = options.maxOutputBytes ?? DEFAULT_NVIDIA_SMI_MAX_OUTPUT_BYTES;
  const spawn = options.spawn ?? (nodeSpawn as SpawnFunction);
  const clock = options.clock ?? systemClock;
  const running = new Set<{ kill: () => void; done: Promise<unknown> }>();
  const inFlight = new Map<string, Promise<unknown>>();
  let isDisposed = false;

  function run(args: readonly string[]): Promise<NvidiaSmiRunOutcome & { durationMs: number; probedAt: string }> {
    const startedAt = clock.monotonicMs();
    const probedAt = new Date(clock.nowMs()).toISOString();
    const base = { executable: options.executable, executableSource: options.executableSource ?? 'default', timeoutMs } as const;
    if (isDisposed) {
      return Promise.resolve({ ...base, exitCode: null, stdout: '', stderr: '', error: { code: 'EDISPOSED', message: 'probe disposed' }, durationMs: 0, probedAt });
    }
    // A process-group kill needs the child to lead its own group (detached); Windows has no groups.
    const useGroup = process.platform !== 'win32';
    let child: ChildProcess;
    try {
      child = spawn(options.executable, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: useGroup, windowsHide: true, shell: false });
    } catch (error) {
      const { code, message } = errorFields(error);
      return Promise.resolve({ ...base, exitCode: null, stdout: '', stderr: '', error: { code, message }, durationMs: clock.monotonicMs() - startedAt, probedAt });
    }

    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let outputBytes = 0;
    let timedOut = false;
    let outputTooLarge = false;
    let spawnError: { code?: string | undefined; message?: string | undefined } | null = null;

    const kill = (): void => {
      const pid = child.pid;
      if (pid === undefined) return;
      try {
        if (useGroup) process.kill(-pid, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {
        // The group is already gone (ESRCH); make sure of the child itself.
        try {
          child.kill('SIGKILL');
        } catch {
          // Already exited.
        }
      }
    };

    const done = new Promise<NvidiaSmiRunOutcome & { durationMs: number; probedAt: string }>((resolve) => {
      let isSettled = false;
      let graceTimer: NodeJS.Timeout | undefined;
      const settle = (exitCode: number | null, signal: string | null): void => {
        if (isSettled) return;
        isSettled = true;
        clearTimeout(hardTimer);
        clearTimeout(graceTimer);
        child.stdout?.destroy();
        child.stderr?.destroy();
        resolve({
          ...base,
          exitCode,
          signal,
          stdout: Buffer.concat(stdout).toString('utf8'),
          stderr: Buffer.concat(stderr).toString('utf8'),
          error: spawnError,
          timedOut,
          outputTooLarge,
          durationMs: clock.monotonicMs() - startedAt,
          probedAt,
        });
      };
      const abort = (): void => {
        kill();
        // Wait for the exit event so the child is reaped before we answer, but not forever.
        graceTimer ??= setTimeout(() => settle(null, 'SIGKILL'), KILL_GRACE_MS);
      };
      const collect = (chunks: Buffer[]) => (chunk: Buffer) => {
        if (outputTooLarge) return;
        outputBytes += chunk.length;
        if (outputBytes > maxOutputBytes) {
          outputTooLarge = true;
          abort();
          return;
        }
        chunks.push(chunk);
      };
      const hardTimer = setTimeout(() => {
        timedOut = true;
        abort();
      }, timeoutMs);

      child.stdout?.on('data', collect(stdout));
      child.stderr?.on('data', collect(stderr));
      child.on('error', (error) => {
        spawnError = errorFields(error);
        // A spawn failure (ENOENT, EACCES) ends here: no process, so no 'close' to wait for.
        if (child.pid === undefined) settle(null, null);
      });
      // 'exit' after a kill: stdio may stay open if a grandchild escaped the group; do not wait on it.
      child.on('exit', (code, signal) => {
        if (timedOut || outputTooLarge) settle(code, signal);
      });
      // 'close' after a normal run: the process exited and all of its output has been read.
      child.on('close', (code, signal) => settle(code, signal));
    });

    const entry = { kill, done };
    running.add(entry);
    void done.finally(() => running.delete(entry));
    return done;
  }

  /** Shares one run among concurrent callers of the same query, so ticks never overlap. */
  function once<T>(key: string, start: () => Promise<T>): Promise<T> {
    const current = inFlight.get(key) as Promise<T> | undefined;
    if (current) return current;
    const started = start().finally(() => inFlight.delete(key));
    inFlight.set(key, started);
    return started;
  }

  function failureOf(outcome: NvidiaSmiRunOutcome): NvidiaSmiNotOk | null {
    const ranCleanly = !outcome.error && !outcome.timedOut && !outcome.outputTooLarge && outcome.exitCode === 0;
    return ranCleanly ? null : { ok: false, ...classifyNvidiaSmiFailure(outcome) };
  }

  const inventory = (): Promise<InventoryRunResult> =>
    once('inventory', async () => {
      const outcome = await run(['-q', '-x']);
      const timing = { probedAt: outcome.probedAt, durationMs: outcome.durationMs };
      const failure = failureOf(outcome);
      if (failure) return { ...failure, ...timing };
      if (outcome.stdout.trim().length === 0) return { ok: false, ...classifyNvidiaSmiFailure(outcome), ...timing };
      return { ...parseNvidiaSmiXml(outcome.stdout), ...timing };
    });

  const telemetry = (): Promise<TelemetryRunResult> =>
    once('telemetry', async () => {
      const outcome = await run(TELEMETRY_ARGS);
      const timing = { probedAt: outcome.probedAt, durationMs: outcome.durationMs };
      const failure = failureOf(outcome);
      if (failure) return { ...failure, ...timing };
      return { ...parseTelemetryCsv(outcome.stdout), ...timing };
    });

  const computeApps = (): Promise<ComputeAppsRunResult> =>
    once('compute-apps', async () => {
      const outcome = await run(COMPUTE_APPS_ARGS);
      const timing = { probedAt: outcome.probedAt, durationMs: outcome.durationMs };
      const failure = failureOf(outcome);
      if (failure) return { ...failure, ...timing };
      return { ...parseComputeAppsCsv(outcome.stdout), ...timing };
    });

  const probeGpus = async (): Promise<GpuProbeResult> => {
    try {
      const result = await inventory();
      const timing = { probedAt: result.probedAt, durationMs: result.durationMs };
      if (result.ok) {
        const { gpus, driverVersion, cudaVersion, attachedGpus } = result.inventory;
        if (gpus.length === 0) {
          return {
            status: 'no-gpu',
            reason: 'no-devices',
            message:
              `The NVIDIA driver${driverVersion ? ` ${driverVersion}` : ''} is running but lists no GPUs. Airlock can still serve remote models; ` +
              'to serve local ones, check that the GPU is seated and powered and, in a container, passed through.',
            detail: attachedGpus === null ? null : `attached_gpus: ${attachedGpus}`,
            ...timing,
          };
        }
        return { status: 'ok', gpus, driverVersion, cudaVersion, attachedGpus, ...timing };
      }
      if (NO_GPU_REASONS.has(result.state)) {
        return { status: 'no-gpu', reason: result.state as NoGpuReason, message: result.message, detail: result.detail, ...timing };
      }
      return { status: 'error', reason: result.state as GpuProbeErrorReason, message: result.message, detail: result.detail, ...timing };
    } catch (error) {
      // Defensive: nothing above should throw, but a probe must never take the core down.
      return {
        status: 'error',
        reason: 'failed',
        message: `The GPU probe failed unexpectedly (${errorFields(error).message ?? 'unknown error'}). Probe again; if it persists, the core's log has details.`,
        detail: null,
        probedAt: new Date(clock.nowMs()).toISOString(),
        durationMs: 0,
      };
    }
  };

  return {
    inventory,
    telemetry,
    computeApps,
    probeGpus,
    async dispose() {
      isDisposed = true;
      const entries = [...running];
      for (const entry of entries) entry.kill();
      await Promise.all(entries.map((entry) => entry.done));
    },
  };
}

function errorFields(error: unknown): { code?: string | undefined; message?: string | undefined } {
  if (typeof error === 'object' && error !== null) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    return { code: typeof code === 'string' ? code : undefined, message: typeof message === 'string' ? message : undefined };
  }
  return { message: String(error) };
}

import { randomBytes } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import { mkdirSync } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../../shared/clock';
import { AirlockError } from '../../shared/errors';
import { type OutputSlice, type UnitDefinition, type UnitView, unitDefinitionSchema } from '../../shared/services';
import { describeIssues } from '../../shared/wire';
import type { EventHub } from '../edge/event-hub';
import type { Logger } from '../logger';
import type { LogIndex } from '../logs/log-index';
import { OutputRing, completeUtf8Length, leadingContinuationBytes } from '../logs/output-ring';
import { RotatingLogFile } from '../logs/rotating-log-file';
import type { UnitsRepo } from '../store/units-repo';
import { createLaunchLedger } from './launch-ledger';
import type { ProcessTable } from './process-table';
import { type PresetContext, resolvePreset } from './unit-presets';
import type { UnitState } from './state';
import { type StopDeps, reapSurvivors } from './stop-protocol';
import { UnitRunner } from './unit-runner';
import { INITIAL_VLLM_PROGRESS, type VllmProgress, flushOutputLines, reduceVllmProgress, splitOutputLines } from './vllm-classifier';

/** Per unit on disk: 5 files of 10 MiB (50 MiB) of plain-text log. */
const LOG_FILE_BYTES = 10 * 1024 * 1024;
const LOG_FILES = 5;

export interface SupervisorDeps {
  repo: UnitsRepo;
  clock: Clock;
  logger: Logger;
  hub: EventHub;
  dataDir: string;
  table: ProcessTable;
  stopDeps: StopDeps;
  wrapper: string | null;
  logIndex: LogIndex;
  /** The environment units start from (never the core's whole environment). */
  baseEnv: Readonly<Record<string, string>>;
  vllmPath: () => string;
  /** The stored key of the deployment a unit serves ("serve on this host"), if any. */
  apiKeyForUnit?: (unit: string) => string | null;
  /** Pids holding GPU memory (nvidia-smi compute apps), or null when that cannot be known. */
  gpuProcessPids?: () => Promise<number[] | null>;
  /** How to launch Airlock's own gateway (the airlock-gateway preset). */
  airlockGateway?: PresetContext['airlockGateway'];
}

/** How long a stopped GPU unit may take to give its memory back before the sweep reports it. */
const GPU_RELEASE_TIMEOUT_MS = 30_000;

interface UnitEntry {
  definition: UnitDefinition;
  wasRunning: boolean;
  commandLine: string;
  /** Why the last attempt to resolve the unit's command failed (epoch ms), or null. */
  cannotStart: { at: number; reason: string } | null;
  runner: UnitRunner | undefined;
  ring: OutputRing;
  file: RotatingLogFile;
  logPath: string;
  progress: VllmProgress | null;
  lineRest: string;
  /** Decodes the output for the vLLM progress reader, keeping characters split between batches. */
  decoder: StringDecoder;
  /** The revision of its latest change (UnitView.revision). */
  revision: number;
}

/**
 * Owns the supervised units: their definitions in config.db, one runner per operator start, and the
 * output pipeline (replay ring for the live terminal, rotating files, the full-text index).
 */
export function createSupervisorService(deps: SupervisorDeps) {
  const logsDir = join(deps.dataDir, 'logs');
  mkdirSync(logsDir, { recursive: true, mode: 0o700 });
  const ledger = createLaunchLedger(join(deps.dataDir, 'launch-ledger.jsonl'));
  const applianceId = deps.repo.applianceId(() => randomBytes(6).toString('hex'));
  const runTagPrefix = `${applianceId}:`;
  const units = new Map<string, UnitEntry>();
  const apiKeys = new Map<string, string>();
  const at = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

  const presetContext = (): PresetContext => ({
    vllmPath: deps.vllmPath(),
    baseEnv: deps.baseEnv,
    ...(deps.airlockGateway ? { airlockGateway: deps.airlockGateway } : {}),
    // The linked deployment's key when the unit serves one; otherwise fresh for every run of the
    // core, kept in memory only: never on disk, in argv or in a log.
    apiKeyFor: (name) => {
      const linked = deps.apiKeyForUnit?.(name);
      if (linked) return linked;
      let key = apiKeys.get(name);
      if (!key) {
        key = `airlock-${randomBytes(24).toString('base64url')}`;
        apiKeys.set(name, key);
      }
      return key;
    },
  });

  const entryOf = (name: unknown): UnitEntry & { name: string } => {
    const entry = typeof name === 'string' ? units.get(name) : undefined;
    if (!entry) throw new AirlockError('SERVICE_NOT_FOUND', { name: String(name).slice(0, 100), known: [...units.keys()] });
    return { ...entry, name: name as string };
  };

  /**
   * One counter for every unit change in this core run: a client that holds two views of a unit (a
   * call's answer and an event, in either order) keeps the higher revision (use-units.ts).
   */
  let revision = 0;
  const nextRevision = () => (revision += 1);

  const view = (name: string): UnitView => {
    const entry = units.get(name)!;
    const state: UnitState | undefined = entry.runner?.current;
    const problem = entry.runner?.lastProblem ?? null;
    const exit = state?.lastExit ?? null;
    const fileStats = entry.file.getStats();
    return {
      name,
      preset: entry.definition.preset,
      definition: entry.definition,
      commandLine: entry.commandLine,
      cannotStart: entry.cannotStart ? { at: at(entry.cannotStart.at)!, reason: entry.cannotStart.reason } : null,
      state: state?.name ?? 'stopped',
      pid: state?.pid ?? null,
      generation: state?.generation ?? 0,
      startedAt: at(state?.spawnedAt ?? null),
      readyAt: at(state?.readyAt ?? null),
      restarts: state?.restarts ?? 0,
      nextStartAt: at(state?.nextStartAt ?? null),
      lastExit: exit
        ? { code: exit.code, signal: exit.signal, at: at(exit.at)!, isExpected: exit.isExpected, reason: exit.diagnosis?.summary ?? null, action: exit.diagnosis?.action ?? null }
        : null,
      fatal: state?.fatal ? { reason: state.fatal.reason, summary: describeFatal(state.fatal.reason, problem?.summary), at: at(state.fatal.at)! } : null,
      lastProblem: problem ? { at: at(problem.at)!, summary: problem.summary, action: problem.action } : null,
      progress: entry.progress ? { phase: entry.progress.phase, detail: progressDetail(entry.progress) } : null,
      output: { endOffset: entry.ring.endOffset, droppedBytes: entry.ring.droppedBytes },
      logFile: { path: entry.logPath, writtenBytes: fileStats.writtenBytes, droppedBytes: fileStats.droppedBytes },
      autoStart: entry.definition.autoStart,
      revision: entry.revision,
    };
  };

  const announce = (name: string) => {
    units.get(name)!.revision = nextRevision();
    deps.hub.emit('services.changed', view(name));
  };

  const onOutput = (name: string, data: Buffer, ms: number) => {
    const entry = units.get(name);
    if (!entry) return;
    entry.ring.append(data);
    entry.file.append(data);
    deps.logIndex.append(name, data, ms);
    if (entry.progress) {
      const { lines, rest } = splitOutputLines(entry.lineRest, entry.decoder.write(data));
      entry.lineRest = rest;
      const before = entry.progress.phase;
      for (const line of lines) entry.progress = reduceVllmProgress(entry.progress, line);
      if (entry.progress.phase !== before) announce(name);
    }
    if (deps.hub.listenerCount('services.output') > 0) deps.hub.emit('services.output', { unit: name, endOffset: entry.ring.endOffset });
  };

  const register = (definition: UnitDefinition, wasRunning: boolean) => {
    const logPath = join(logsDir, `${definition.name}.log`);
    let commandLine = '';
    let cannotStart: UnitEntry['cannotStart'] = null;
    try {
      commandLine = resolvePreset(definition, presetContext()).commandLine;
    } catch (error) {
      cannotStart = { at: deps.clock.now(), reason: (error as Error).message };
    }
    units.set(definition.name, {
      revision: nextRevision(),
      definition,
      wasRunning,
      commandLine,
      cannotStart,
      runner: undefined,
      ring: new OutputRing(),
      file: new RotatingLogFile({ path: logPath, maxFileBytes: LOG_FILE_BYTES, maxFiles: LOG_FILES }),
      logPath,
      progress: null,
      lineRest: '',
      decoder: new StringDecoder('utf8'),
    });
  };

  const start = (name: string) => {
    const entry = units.get(name)!;
    if (entry.runner && !['stopped', 'exited', 'fatal'].includes(entry.runner.current.name)) {
      entry.runner.dispatch({ type: 'start' });
      return;
    }
    let preset;
    try {
      preset = resolvePreset(entry.definition, presetContext());
    } catch (error) {
      const reason = (error as Error).message;
      entry.cannotStart = { at: deps.clock.now(), reason };
      announce(name);
      throw new AirlockError('SERVICE_CANNOT_START', { name, reason });
    }
    entry.commandLine = preset.commandLine;
    entry.cannotStart = null;
    entry.progress = preset.isVllm ? INITIAL_VLLM_PROGRESS : null;
    entry.lineRest = '';
    entry.decoder = new StringDecoder('utf8');
    const runner = new UnitRunner(preset.spec, {
      now: deps.clock.now,
      logger: deps.logger.child(name),
      runTagPrefix,
      ledger,
      table: deps.table,
      stopDeps: deps.stopDeps,
      wrapper: deps.wrapper,
      onOutput: (text, ms) => onOutput(name, text, ms),
      onStateChange: (state) => {
        if (state.name === 'stopped' || state.name === 'exited' || state.name === 'fatal') {
          const done = units.get(name);
          if (done?.progress) {
            for (const line of flushOutputLines(done.lineRest + done.decoder.end())) done.progress = reduceVllmProgress(done.progress, line);
            done.lineRest = '';
          }
          deps.logIndex.endOfOutput(name, deps.clock.now());
        }
        announce(name);
      },
      ...(preset.checkHealth ? { checkHealth: preset.checkHealth } : {}),
      ...(preset.isVllm && deps.gpuProcessPids ? { waitForGpuRelease: (pids: readonly number[]) => waitForGpuRelease(pids, deps.gpuProcessPids!, deps.clock) } : {}),
      ...(preset.diagnose ? { diagnose: preset.diagnose } : {}),
    });
    entry.runner = runner;
    runner.dispatch({ type: 'start' });
  };

  const setWasRunning = (name: string, wasRunning: boolean) => {
    units.get(name)!.wasRunning = wasRunning;
    deps.repo.setWasRunning(name, wasRunning, new Date(deps.clock.now()).toISOString());
  };

  return {
    /**
     * Before anything is spawned: kill every survivor of an earlier run of this appliance (by run
     * tag and by the launch ledger), then start the units that were running and start by themselves.
     */
    async init(): Promise<{ reaped: number[]; started: string[] }> {
      const reaped = await reapSurvivors(runTagPrefix, ledger.read(), deps.stopDeps);
      if (reaped.length > 0) deps.logger.warn('killed processes left by an earlier run', { pids: reaped });
      ledger.clear();
      for (const stored of deps.repo.all()) {
        const parsed = unitDefinitionSchema.safeParse(JSON.parse(stored.definition));
        if (!parsed.success) {
          deps.logger.error('stored unit is not valid; skipped', { unit: stored.name, issues: describeIssues(parsed.error) });
          continue;
        }
        register(parsed.data, stored.wasRunning);
      }
      const started: string[] = [];
      for (const [name, entry] of units) {
        if (!entry.wasRunning || !entry.definition.autoStart) continue;
        try {
          start(name);
          started.push(name);
        } catch (error) {
          deps.logger.error('auto-start failed', { unit: name, error: (error as Error).message });
        }
      }
      return { reaped, started };
    },

    list: (): UnitView[] => [...units.keys()].map(view),
    get: (name: unknown): UnitView => view(entryOf(name).name),

    add(input: unknown): UnitView {
      const parsed = unitDefinitionSchema.safeParse(input);
      if (!parsed.success) throw new AirlockError('SERVICE_INVALID', { issues: describeIssues(parsed.error) });
      const definition = parsed.data;
      if (units.has(definition.name)) throw new AirlockError('SERVICE_EXISTS', { name: definition.name });
      const clash = [...units.values()].find((u) => portsOf(u.definition).some((p) => portsOf(definition).includes(p)));
      if (clash) throw new AirlockError('SERVICE_INVALID', { issues: [`port ${portsOf(definition).find((p) => portsOf(clash.definition).includes(p))} is already used by unit "${clash.definition.name}"`] });
      deps.repo.insert({ name: definition.name, preset: definition.preset, definition: JSON.stringify(definition) }, new Date(deps.clock.now()).toISOString());
      register(definition, false);
      deps.logger.info('unit added', { unit: definition.name, preset: definition.preset });
      announce(definition.name);
      return view(definition.name);
    },

    async remove(name: unknown): Promise<void> {
      const entry = entryOf(name);
      await entry.runner?.dispose();
      await entry.file.close();
      deps.repo.remove(entry.name);
      units.delete(entry.name);
      apiKeys.delete(entry.name);
      deps.logger.info('unit removed', { unit: entry.name });
      // Every other client (a console tab, the desktop window) drops its card.
      deps.hub.emit('services.removed', { name: entry.name, revision: nextRevision() });
    },

    start(name: unknown): UnitView {
      const entry = entryOf(name);
      start(entry.name);
      setWasRunning(entry.name, true);
      return view(entry.name);
    },

    stop(name: unknown): UnitView {
      const entry = entryOf(name);
      entry.runner?.dispatch({ type: 'stop' });
      setWasRunning(entry.name, false);
      return view(entry.name);
    },

    restart(name: unknown): UnitView {
      const entry = entryOf(name);
      if (entry.runner && !['stopped', 'exited', 'fatal'].includes(entry.runner.current.name)) entry.runner.dispatch({ type: 'restart' });
      else start(entry.name);
      setWasRunning(entry.name, true);
      return view(entry.name);
    },

    reset(name: unknown): UnitView {
      const entry = entryOf(name);
      entry.runner?.dispatch({ type: 'reset' });
      return view(entry.name);
    },

    /**
     * Output from `fromOffset` on, at most `maxBytes`, decoded on whole characters: the live terminal
     * pulls slice by slice, so it is never flooded.
     */
    output(name: unknown, fromOffset: number, maxBytes: number): OutputSlice {
      const entry = entryOf(name);
      const read = entry.ring.read(Math.min(fromOffset, entry.ring.endOffset), maxBytes);
      // After a gap the first bytes may be the tail of a character: start on the next one.
      const skip = read.gap > 0 ? leadingContinuationBytes(read.data) : 0;
      const whole = read.data.subarray(skip);
      const length = completeUtf8Length(whole);
      return {
        unit: entry.name,
        offset: read.offset + skip,
        text: whole.subarray(0, length).toString('utf8'),
        nextOffset: read.offset + skip + length,
        gap: read.gap + skip,
        endOffset: read.end,
      };
    },

    /** The unit's log files, oldest first, after writing out what is queued. */
    async logFiles(name: unknown): Promise<{ file: string; bytes: number }[]> {
      const entry = entryOf(name);
      await entry.file.flush();
      const own = new RegExp(`^${entry.name}\\.log(\\.(\\d+))?$`);
      const files = (await readdir(logsDir)).flatMap((file) => {
        const match = own.exec(file);
        return match ? [{ file, order: match[2] ? Number(match[2]) : 0 }] : [];
      });
      files.sort((a, b) => b.order - a.order);
      return Promise.all(files.map(async ({ file }) => ({ file, bytes: (await stat(join(logsDir, file))).size })));
    },

    /** A piece of one log file; only the unit's own files can be named (no path, no traversal). */
    async readLog(name: unknown, file: string, fromByte: number, maxBytes: number): Promise<{ file: string; fromByte: number; nextByte: number; totalBytes: number; base64: string }> {
      const entry = entryOf(name);
      if (!new RegExp(`^${entry.name}\\.log(\\.\\d+)?$`).test(file)) throw new AirlockError('LOG_FILE_NOT_FOUND', { name: entry.name, file: file.slice(0, 200) });
      let handle;
      try {
        handle = await open(join(logsDir, file), 'r');
      } catch {
        throw new AirlockError('LOG_FILE_NOT_FOUND', { name: entry.name, file });
      }
      try {
        const totalBytes = (await handle.stat()).size;
        const buffer = Buffer.alloc(Math.max(0, Math.min(maxBytes, totalBytes - fromByte)));
        const { bytesRead } = buffer.length > 0 ? await handle.read(buffer, 0, buffer.length, fromByte) : { bytesRead: 0 };
        return { file, fromByte, nextByte: fromByte + bytesRead, totalBytes, base64: buffer.subarray(0, bytesRead).toString('base64') };
      } finally {
        await handle.close();
      }
    },

    /** Stops every unit with the full protocol; `wasRunning` is kept so they start again next time. */
    async dispose(): Promise<void> {
      await Promise.all([...units.values()].map((entry) => entry.runner?.dispose()));
      await Promise.all([...units.values()].map((entry) => entry.file.close()));
    },
  };
}
export type SupervisorService = ReturnType<typeof createSupervisorService>;

/** Ports a definition names; the Airlock gateway's come from the gateway.* settings, checked when it starts. */
export function portsOf(definition: UnitDefinition): number[] {
  if (definition.preset === 'custom') return definition.ports;
  return definition.preset === 'airlock-gateway' ? [] : [definition.port];
}

function describeFatal(reason: string, problem: string | undefined): string {
  const why: Record<string, string> = {
    'too-many-failures': 'It failed too often in a short time and will not be restarted by itself.',
    'permanent-exit-code': 'It exited with a code that means its configuration is wrong; a restart would fail the same way.',
    'permanent-cause': 'Its output shows a cause that a restart would not fix.',
    'cleanup-failed': 'Some of its processes could not be killed; nothing new is started next to them.',
  };
  return `${why[reason] ?? reason}${problem ? ` ${problem}` : ''} Fix the cause, then start it again.`;
}

function progressDetail(progress: VllmProgress): string | null {
  if (progress.failure) return progress.failure.summary;
  if (progress.phase === 'loading-weights' && progress.weightShards) return `weights ${progress.weightShards.done}/${progress.weightShards.total}`;
  if (progress.kvCacheTokens !== null && progress.maxConcurrency) return `KV cache ${progress.kvCacheTokens} tokens, ${progress.maxConcurrency.concurrency}× concurrency`;
  if (progress.graphCapture) return `CUDA graphs ${progress.graphCapture.done}/${progress.graphCapture.total}`;
  if (progress.serverUrl) return progress.serverUrl;
  return null;
}

/**
 * Polls the GPU's process list until none of `pids` is on it, or the timeout ends; returns those
 * still there. When nvidia-smi cannot answer, there is nothing to wait for.
 */
export async function waitForGpuRelease(
  pids: readonly number[],
  gpuProcessPids: () => Promise<number[] | null>,
  clock: Clock,
  options: { timeoutMs?: number; pollMs?: number } = {},
): Promise<number[]> {
  const deadline = clock.now() + (options.timeoutMs ?? GPU_RELEASE_TIMEOUT_MS);
  for (;;) {
    const holders = await gpuProcessPids();
    if (holders === null) return [];
    const still = pids.filter((pid) => holders.includes(pid));
    if (still.length === 0 || clock.now() >= deadline) return still;
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
  }
}

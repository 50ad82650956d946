import type { Clock } from '../../shared/clock';
import type { Disposable } from '../../shared/disposable';
import type { HardwareSnapshot, TelemetryTick } from '../../shared/hardware';
import type { EventHub } from '../edge/event-hub';
import type { Logger } from '../logger';
import type { SettingsService } from '../settings/settings-service';
import { checkHostRequirements } from './host-requirements';
import { type HostInfo, probeHost } from './host-probe';
import { type NvidiaSmiProbe, createNvidiaSmiProbe, resolveNvidiaSmiPath } from './nvidia-smi-probe';

/** GPUs and host probed together, with the GitLab minimum checks: what the Hardware page and `airlock probe` show. */
export async function takeHardwareSnapshot(
  probe: NvidiaSmiProbe,
  hostInfo: Promise<HostInfo>,
  nvidiaSmi: HardwareSnapshot['nvidiaSmi'],
): Promise<HardwareSnapshot> {
  const [gpu, host] = await Promise.all([probe.probeGpus(), hostInfo]);
  return { gpu, host, requirements: checkHostRequirements(host), nvidiaSmi };
}

/** Charts on the Hardware page show the last 10 minutes. */
export const HISTORY_WINDOW_MS = 10 * 60_000;
/** Host facts change rarely (disks fill slowly): re-read at most this often. */
const HOST_CACHE_MS = 30_000;

export interface ProbeServiceDeps {
  clock: Clock;
  logger: Logger;
  hub: EventHub;
  settings: SettingsService;
  dataDir: string;
  env?: NodeJS.ProcessEnv;
  /** Injected for tests; the real ones by default. */
  createProbe?: typeof createNvidiaSmiProbe;
  probeHostInfo?: (paths: Record<string, string | undefined>) => Promise<HostInfo>;
}

/**
 * The hardware side of the core: snapshots for the Hardware page and `airlock probe`, and the live
 * telemetry loop (one nvidia-smi call per tick, never two at once) with 10 minutes of history.
 */
export function createProbeService(deps: ProbeServiceDeps) {
  const env = deps.env ?? process.env;
  const createProbe = deps.createProbe ?? createNvidiaSmiProbe;
  const probeHostInfo = deps.probeHostInfo ?? ((paths) => probeHost({ paths }));
  let probe: NvidiaSmiProbe = makeProbe();
  let history: TelemetryTick[] = [];
  let hostCache: { at: number; host: HostInfo } | undefined;
  let timer: NodeJS.Timeout | undefined;
  let isRunning = false;

  function resolved() {
    return { ...resolveNvidiaSmiPath({ setting: deps.settings.get('probe.nvidiaSmiPath'), env }), timeoutMs: deps.settings.get('probe.timeoutMs') };
  }

  function makeProbe(): NvidiaSmiProbe {
    const { executable, source, timeoutMs } = resolved();
    return createProbe({ executable, executableSource: source, timeoutMs });
  }

  const settingsSubscription = deps.settings.onDidChange((key) => {
    if (key === 'probe.nvidiaSmiPath' || key === 'probe.timeoutMs') {
      const old = probe;
      probe = makeProbe();
      void old.dispose();
    }
    if (key === 'paths.modelDir') hostCache = undefined;
  });

  async function host(): Promise<HostInfo> {
    const now = deps.clock.now();
    if (hostCache && now - hostCache.at < HOST_CACHE_MS) return hostCache.host;
    const modelDir = deps.settings.get('paths.modelDir');
    const info = await probeHostInfo({ data: deps.dataDir, ...(modelDir ? { models: modelDir } : {}) });
    hostCache = { at: now, host: info };
    return info;
  }

  async function tick(): Promise<void> {
    const result = await probe.telemetry();
    const entry: TelemetryTick = result.ok
      ? { at: result.probedAt, durationMs: result.durationMs, status: 'ok', samples: result.samples }
      : {
          at: result.probedAt,
          durationMs: result.durationMs,
          status: ['no-devices', 'not-installed', 'driver-not-loaded'].includes(result.state) ? 'no-gpu' : 'error',
          samples: [],
          message: result.message,
        };
    const cutoff = deps.clock.now() - HISTORY_WINDOW_MS;
    history.push(entry);
    while (history.length > 0 && Date.parse(history[0]!.at) < cutoff) history.shift();
    deps.hub.emit('hardware.telemetry', entry);
  }

  /** Schedules the next tick after the previous one finished: ticks never overlap. */
  function schedule(): void {
    if (!isRunning) return;
    timer = setTimeout(() => {
      tick()
        .catch((error: unknown) => deps.logger.error('telemetry tick failed', { error: String(error) }))
        .finally(schedule);
    }, deps.settings.get('probe.telemetryIntervalMs'));
    timer.unref();
  }

  return {
    snapshot: (): Promise<HardwareSnapshot> => takeHardwareSnapshot(probe, host(), resolved()),
    /**
     * Pids of the processes holding GPU memory, or null when nvidia-smi cannot tell (no driver, no
     * GPU): the supervisor then does not wait for a release it cannot see.
     */
    async gpuProcessPids(): Promise<number[] | null> {
      const result = await probe.computeApps();
      return result.ok ? result.apps.map((app) => app.pid) : null;
    },
    /** UUIDs of the GPUs in the latest telemetry tick (for hardware-bound licenses). */
    lastGpuUuids(): string[] {
      return history.at(-1)?.samples.map((sample) => sample.uuid) ?? [];
    },
    history(): { intervalMs: number; ticks: TelemetryTick[] } {
      return { intervalMs: deps.settings.get('probe.telemetryIntervalMs'), ticks: [...history] };
    },
    /** Starts the telemetry loop; the first tick comes at once. */
    start(): Disposable {
      isRunning = true;
      void tick().finally(schedule);
      return {
        dispose: async () => {
          isRunning = false;
          clearTimeout(timer);
          settingsSubscription.dispose();
          history = [];
          await probe.dispose();
        },
      };
    },
  };
}
export type ProbeService = ReturnType<typeof createProbeService>;

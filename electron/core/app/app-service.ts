import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { AppInfo, AppMetrics, AppStatus } from '../../shared/contract';
import type { Clock } from '../../shared/clock';
import { type Disposable, toDisposable } from '../../shared/disposable';
import { buildInfo } from '../build-info';
import type { EventHub } from '../edge/event-hub';

export type CoreMode = AppInfo['mode'];

/** Version, uptime and data directory of the running core, and the heartbeat event. */
export function createAppService(deps: { clock: Clock; dataDir: string; mode: CoreMode; hub: EventHub; heartbeatMs?: number }) {
  const startedAt = deps.clock.now();
  // 10 ms resolution: enough to see the 50 ms p99 target (issue 5) with room to spare.
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  let loopSince = deps.clock.now();
  const uptimeSeconds = () => Math.max(0, Math.round((deps.clock.now() - startedAt) / 1000));

  return {
    info: async (): Promise<AppInfo> => ({
      name: 'Airlock',
      version: buildInfo.version,
      commit: buildInfo.commit,
      builtAt: buildInfo.builtAt,
      channel: buildInfo.channel,
      runtime: { node: process.versions.node, platform: process.platform, arch: process.arch },
      mode: deps.mode,
      pid: process.pid,
    }),
    metrics: async (reset: boolean): Promise<AppMetrics> => {
      const ms = (ns: number) => Math.round((Number.isFinite(ns) ? ns : 0) / 1e4) / 100;
      const memory = process.memoryUsage();
      const result = {
        rssBytes: memory.rss,
        heapUsedBytes: memory.heapUsed,
        heapTotalBytes: memory.heapTotal,
        externalBytes: memory.external,
        eventLoopDelayMs: { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max) },
        since: new Date(loopSince).toISOString(),
      };
      if (reset) {
        loop.reset();
        loopSince = deps.clock.now();
      }
      return result;
    },
    status: async (): Promise<AppStatus> => ({
      startedAt: new Date(startedAt).toISOString(),
      uptimeSeconds: uptimeSeconds(),
      dataDir: deps.dataDir,
    }),
    /** Emits `app.heartbeat` every heartbeatMs while someone listens; clients use it to see a stalled core. */
    startHeartbeat(): Disposable {
      const timer = setInterval(() => {
        if (deps.hub.listenerCount('app.heartbeat') === 0) return;
        deps.hub.emit('app.heartbeat', { at: new Date(deps.clock.now()).toISOString(), uptimeSeconds: uptimeSeconds() });
      }, deps.heartbeatMs ?? 5000);
      timer.unref();
      return toDisposable(() => {
        clearInterval(timer);
        loop.disable();
      });
    },
  };
}

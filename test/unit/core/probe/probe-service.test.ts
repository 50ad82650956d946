import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventHub } from '../../../../electron/core/edge/event-hub';
import { silentLogger } from '../../../../electron/core/logger';
import type { HostInfo } from '../../../../electron/core/probe/host-probe';
import type { NvidiaSmiProbe, NvidiaSmiProbeOptions, TelemetryRunResult } from '../../../../electron/core/probe/nvidia-smi-probe';
import { HISTORY_WINDOW_MS, createProbeService } from '../../../../electron/core/probe/probe-service';
import { createSettingsService } from '../../../../electron/core/settings/settings-service';
import { openConfigDb } from '../../../../electron/core/store/config-db';
import { createSettingsRepo } from '../../../../electron/core/store/settings-repo';
import type { TelemetryTick } from '../../../../electron/shared/hardware';
import { useTempDir } from '../../../helpers/temp-dir';

const host: HostInfo = { cpuModel: 'x', physicalCores: 8, threads: 16, ramTotalBytes: 64 * 1024 ** 3, osPlatform: 'linux', osDistro: 'd', osRelease: '1', kernel: 'k', arch: 'x64', disks: [] };

/** A probe double whose telemetry calls resolve when the test says so. */
function controlledProbe(now: () => number) {
  const created: NvidiaSmiProbeOptions[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let calls = 0;
  const pending: (() => void)[] = [];
  const create = (options: NvidiaSmiProbeOptions): NvidiaSmiProbe => {
    created.push(options);
    return {
      telemetry: () =>
        new Promise<TelemetryRunResult>((resolve) => {
          calls += 1;
          inFlight += 1;
          maxInFlight = Math.max(maxInFlight, inFlight);
          pending.push(() => {
            inFlight -= 1;
            resolve({ ok: true, samples: [], probedAt: new Date(now()).toISOString(), durationMs: 1 });
          });
        }),
      inventory: () => Promise.reject(new Error('unused')),
      computeApps: () => Promise.reject(new Error('unused')),
      probeGpus: async () => ({ status: 'no-gpu', reason: 'not-installed', message: 'm', detail: null, probedAt: new Date(now()).toISOString(), durationMs: 1 }),
      dispose: async () => undefined,
    };
  };
  return {
    create,
    created,
    finishAll: () => pending.splice(0).forEach((finish) => finish()),
    get calls() {
      return calls;
    },
    get maxInFlight() {
      return maxInFlight;
    },
  };
}

describe('probe service', () => {
  const tempDir = useTempDir();
  beforeEach(() => vi.useFakeTimers({ now: Date.parse('2026-11-21T12:00:00Z') }));
  afterEach(() => vi.useRealTimers());

  const setup = () => {
    const clock = { now: () => Date.now() };
    const store = openConfigDb({ path: join(tempDir(), 'config.db'), clock, logger: silentLogger });
    const settings = createSettingsService({ repo: createSettingsRepo(store.db), clock, logger: silentLogger });
    const hub = new EventHub();
    const probe = controlledProbe(clock.now);
    const service = createProbeService({ clock, logger: silentLogger, hub, settings, dataDir: '/d', env: {}, createProbe: probe.create, probeHostInfo: async () => host });
    return { store, settings, hub, probe, service };
  };

  it('never runs two nvidia-smi calls at once, even when one is slower than the interval', async () => {
    const { probe, service, store } = setup();
    const running = service.start();
    await vi.advanceTimersByTimeAsync(20_000); // ten intervals pass while the first call hangs
    expect(probe.calls).toBe(1);
    probe.finishAll();
    await vi.advanceTimersByTimeAsync(2000);
    expect(probe.calls).toBe(2);
    expect(probe.maxInFlight).toBe(1);
    await running.dispose();
    store.close();
  });

  it('keeps 10 minutes of history and pushes each tick as an event', async () => {
    const { probe, service, hub, store } = setup();
    const seen: TelemetryTick[] = [];
    hub.subscribe('hardware.telemetry', (tick) => seen.push(tick));
    const running = service.start();
    for (let i = 0; i < 400; i += 1) {
      probe.finishAll();
      await vi.advanceTimersByTimeAsync(2000);
    }
    probe.finishAll();
    await vi.advanceTimersByTimeAsync(0);
    const { ticks, intervalMs } = service.history();
    expect(intervalMs).toBe(2000);
    expect(seen.length).toBeGreaterThan(399);
    const span = Date.parse(ticks.at(-1)!.at) - Date.parse(ticks[0]!.at);
    expect(span).toBeLessThanOrEqual(HISTORY_WINDOW_MS);
    expect(span).toBeGreaterThan(HISTORY_WINDOW_MS - 5000);
    await running.dispose();
    store.close();
  });

  it('rebuilds the nvidia-smi runner when its path or timeout setting changes', async () => {
    const { probe, service, settings, store } = setup();
    const running = service.start();
    expect(probe.created.at(-1)).toMatchObject({ executable: 'nvidia-smi', executableSource: 'default', timeoutMs: 5000 });
    settings.set('probe.nvidiaSmiPath', '/opt/nvidia/bin/nvidia-smi');
    expect(probe.created.at(-1)).toMatchObject({ executable: '/opt/nvidia/bin/nvidia-smi', executableSource: 'setting' });
    settings.set('probe.timeoutMs', 2500);
    expect(probe.created.at(-1)).toMatchObject({ timeoutMs: 2500 });
    const snapshot = await service.snapshot();
    expect(snapshot.nvidiaSmi).toEqual({ executable: '/opt/nvidia/bin/nvidia-smi', source: 'setting', timeoutMs: 2500 });
    expect(snapshot.gpu.status).toBe('no-gpu');
    expect(snapshot.requirements.length).toBeGreaterThan(0);
    probe.finishAll();
    await running.dispose();
    store.close();
  });
});

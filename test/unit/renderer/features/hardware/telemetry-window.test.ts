import { describe, expect, it } from 'vitest';
import type { GpuSample, TelemetryTick } from '../../../../../electron/shared/hardware';
import { TELEMETRY_WINDOW_MS, latestTick, mergeTicks, metricSeries } from '../../../../../renderer/src/features/hardware/telemetry-window';

const T0 = Date.parse('2026-11-21T12:00:00Z');

function sample(uuid: string, used: number | null): GpuSample {
  return {
    index: 0,
    uuid,
    pciBusId: '00000000:81:00.0',
    memoryTotalMiB: 24564,
    memoryUsedMiB: used,
    memoryFreeMiB: used === null ? null : 24564 - used,
    utilizationGpuPercent: 10,
    utilizationMemoryPercent: 5,
    temperatureC: 40,
    powerDrawW: 60,
    powerLimitW: 230,
  };
}

function tick(secondsAfter: number, samples: GpuSample[] = [sample('GPU-a', 1000)], status: TelemetryTick['status'] = 'ok'): TelemetryTick {
  return { at: new Date(T0 + secondsAfter * 1000).toISOString(), durationMs: 40, status, samples };
}

describe('telemetry window', () => {
  it('merges history and live ticks in time order, once per timestamp', () => {
    const history = [tick(0), tick(2), tick(4)];
    const live = [tick(4), tick(6)];
    const merged = mergeTicks(history, live);
    expect(merged.map((t) => t.at)).toEqual([tick(0), tick(2), tick(4), tick(6)].map((t) => t.at));
    // Out of order arrival still ends sorted.
    expect(mergeTicks([tick(6)], [tick(2)]).map((t) => t.at)).toEqual([tick(2).at, tick(6).at]);
  });

  it('drops ticks older than ten minutes before the newest', () => {
    const ticks = [tick(0), tick(300), tick(600), tick(601)];
    const merged = mergeTicks([], ticks);
    expect(merged.map((t) => t.at)).toEqual([tick(300), tick(600), tick(601)].map((t) => t.at));
    expect(TELEMETRY_WINDOW_MS).toBe(600_000);
  });

  it('turns ticks without the GPU, failed ticks and null readings into gaps', () => {
    const ticks = [
      tick(0, [sample('GPU-a', 1000)]),
      tick(2, [], 'error'),
      tick(4, [sample('GPU-b', 2000)]),
      tick(6, [sample('GPU-a', null)]),
      tick(8, [sample('GPU-a', 3000)]),
    ];
    expect(metricSeries(ticks, 'GPU-a', 'memoryUsedMiB').map((p) => p.value)).toEqual([1000, null, null, null, 3000]);
    expect(metricSeries(ticks, 'GPU-a', 'memoryUsedMiB')[4]!.t).toBe(T0 + 8000);
    expect(latestTick(ticks)?.at).toBe(tick(8).at);
    expect(latestTick([])).toBeUndefined();
  });
});

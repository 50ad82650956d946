/**
 * The last 10 minutes of live GPU telemetry as the Hardware page keeps it: the raw ticks, oldest
 * first, seeded from `hardware.history` and extended by `hardware.telemetry` events. Pure, so the
 * merging, de-duplication and trimming are tested without a browser.
 */
import type { GpuSample, TelemetryTick } from '../../../../electron/shared/hardware';

/** Charts show this much history (the core keeps the same window, probe-service.ts). */
export const TELEMETRY_WINDOW_MS = 10 * 60_000;

/** One chart point; `value` null is a gap (no reading, probe failed), never drawn as zero. */
export interface TimePoint {
  t: number;
  value: number | null;
}

/** The readings of a GPU that are charted. */
export type ChartedMetric = 'memoryUsedMiB' | 'utilizationGpuPercent' | 'temperatureC' | 'powerDrawW';

const tickTime = (tick: TelemetryTick): number => Date.parse(tick.at);

/**
 * Ticks of `current` and `incoming` together, oldest first, one per timestamp (history and live
 * events overlap right after a (re)connect), and none older than `windowMs` before the newest.
 */
export function mergeTicks(current: readonly TelemetryTick[], incoming: readonly TelemetryTick[], windowMs = TELEMETRY_WINDOW_MS): TelemetryTick[] {
  const byTime = new Map<number, TelemetryTick>();
  for (const tick of [...current, ...incoming]) {
    const t = tickTime(tick);
    if (Number.isFinite(t)) byTime.set(t, tick);
  }
  const sorted = [...byTime.entries()].sort((a, b) => a[0] - b[0]);
  if (sorted.length === 0) return [];
  const cutoff = sorted[sorted.length - 1]![0] - windowMs;
  return sorted.filter(([t]) => t >= cutoff).map(([, tick]) => tick);
}

/** The sample of one GPU (by UUID, which survives re-numbering) in a tick, if the tick has it. */
export function sampleOf(tick: TelemetryTick, uuid: string): GpuSample | undefined {
  return tick.status === 'ok' ? tick.samples.find((s) => s.uuid === uuid) : undefined;
}

/** One metric of one GPU over the ticks: a tick without that GPU (no-gpu, error) is a gap. */
export function metricSeries(ticks: readonly TelemetryTick[], uuid: string, metric: ChartedMetric): TimePoint[] {
  return ticks.map((tick) => ({ t: tickTime(tick), value: sampleOf(tick, uuid)?.[metric] ?? null }));
}

/** The newest tick, if any. */
export function latestTick(ticks: readonly TelemetryTick[]): TelemetryTick | undefined {
  return ticks[ticks.length - 1];
}

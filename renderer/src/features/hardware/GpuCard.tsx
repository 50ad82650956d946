import type { GpuInfoWire, TelemetryTick } from '../../../../electron/shared/hardware';
import { LineChart } from '../../components/charts/LineChart';
import { maxValue } from '../../components/charts/line-path';
import {
  MISSING,
  describeThrottleReason,
  formatCelsius,
  formatClock,
  formatMiB,
  formatMiBAsGiB,
  formatPercent,
  formatWatts,
} from './hardware-format';
import { TELEMETRY_WINDOW_MS, metricSeries, sampleOf } from './telemetry-window';
import { VramBar } from './VramBar';

/** One probed GPU with the telemetry ticks that carry its live readings. */
export interface GpuCardProps {
  gpu: GpuInfoWire;
  /** When the inventory (processes, ECC, MIG) was read. */
  probedAt: string;
  ticks: readonly TelemetryTick[];
  intervalMs: number | null;
}

/** The readings to show: the newest telemetry tick that has this GPU, when newer than the inventory. */
function liveReadings(gpu: GpuInfoWire, probedAt: string, ticks: readonly TelemetryTick[]) {
  for (let i = ticks.length - 1; i >= 0; i -= 1) {
    const tick = ticks[i]!;
    const sample = sampleOf(tick, gpu.uuid);
    if (!sample) continue;
    if (Date.parse(tick.at) < Date.parse(probedAt)) break;
    return { readings: { ...gpu, ...sample }, at: tick.at, isLive: true };
  }
  return { readings: gpu, at: probedAt, isLive: false };
}

/** One GPU: identity, VRAM, live readings, health, the processes holding memory, and 10 minutes of charts. */
export function GpuCard({ gpu, probedAt, ticks, intervalMs }: GpuCardProps) {
  const { readings, at, isLive } = liveReadings(gpu, probedAt, ticks);
  const newest = ticks.length > 0 ? Date.parse(ticks[ticks.length - 1]!.at) : Date.parse(probedAt);
  const from = newest - TELEMETRY_WINDOW_MS;
  // Two and a half missed ticks is a gap, not a slope (default interval 2 s).
  const maxGapMs = (intervalMs ?? 2000) * 2.5;
  const ecc = gpu.eccErrors;
  const eccEntries = (
    [
      ['volatile corrected', ecc.volatileCorrected],
      ['volatile uncorrected', ecc.volatileUncorrected],
      ['aggregate corrected', ecc.aggregateCorrected],
      ['aggregate uncorrected', ecc.aggregateUncorrected],
    ] as const
  ).filter(([, count]) => count !== null && count > 0);
  const memorySeries = metricSeries(ticks, gpu.uuid, 'memoryUsedMiB');
  const utilSeries = metricSeries(ticks, gpu.uuid, 'utilizationGpuPercent');
  const tempSeries = metricSeries(ticks, gpu.uuid, 'temperatureC');
  const powerSeries = metricSeries(ticks, gpu.uuid, 'powerDrawW');
  const titleId = `gpu-${gpu.index}-title`;

  return (
    <article className="card gpu-card" aria-labelledby={titleId} data-testid="gpu-card">
      <header className="gpu-card-header">
        <h3 id={titleId}>
          <span className="gpu-index">GPU {gpu.index}</span> <span data-testid="gpu-name">{gpu.name}</span>
        </h3>
        <span className="muted gpu-asof" data-testid="gpu-asof">
          {isLive ? 'Live' : 'Inventory'} · as of {formatClock(at)}
        </span>
      </header>
      <div className="gpu-card-body">
        <div className="gpu-card-facts">
          <VramBar total={readings.memoryTotalMiB} used={readings.memoryUsedMiB} free={readings.memoryFreeMiB} reserved={gpu.memoryReservedMiB} />
          <dl className="gpu-stats">
            <dt>VRAM total</dt>
            <dd data-testid="gpu-vram-total">
              {formatMiB(readings.memoryTotalMiB)} <span className="muted">({formatMiBAsGiB(readings.memoryTotalMiB)})</span>
            </dd>
            <dt>Utilisation</dt>
            <dd>
              {formatPercent(readings.utilizationGpuPercent)} <span className="muted">GPU · {formatPercent(readings.utilizationMemoryPercent)} memory bus</span>
            </dd>
            <dt>Temperature</dt>
            <dd>{formatCelsius(readings.temperatureC)}</dd>
            <dt>Power</dt>
            <dd>
              {formatWatts(readings.powerDrawW)} of {formatWatts(readings.powerLimitW)} limit
            </dd>
            <dt>PCI bus</dt>
            <dd>
              <code data-testid="gpu-bus-id">{gpu.pciBusId}</code>
            </dd>
            <dt>UUID</dt>
            <dd>
              <code>{gpu.uuid}</code>
            </dd>
            <dt>Driver · CUDA</dt>
            <dd>
              {gpu.driverVersion ?? MISSING} · {gpu.cudaVersion ?? MISSING}
            </dd>
            <dt>MIG</dt>
            <dd>{gpu.migMode === null ? 'not supported' : gpu.migMode === 'enabled' ? `enabled, ${gpu.migDeviceCount} instance(s)` : 'disabled'}</dd>
            {eccEntries.length > 0 && (
              <>
                <dt>ECC errors</dt>
                <dd className="warn-text" data-testid="gpu-ecc">
                  {eccEntries.map(([label, count]) => `${count} ${label}`).join(' · ')}
                </dd>
              </>
            )}
            <dt>Clock events</dt>
            <dd>
              {gpu.throttleReasons.length === 0 ? (
                <span className="muted">none</span>
              ) : (
                <ul className="chips">
                  {gpu.throttleReasons.map((key) => {
                    const reason = describeThrottleReason(key);
                    return (
                      <li key={key} className={`chip ${reason.isConcern ? 'chip-warn' : ''}`} title={key}>
                        {reason.label}
                      </li>
                    );
                  })}
                </ul>
              )}
            </dd>
          </dl>
          <h4>Processes holding VRAM</h4>
          {gpu.processes.length === 0 ? (
            <p className="muted">None: all of its memory is free for vLLM.</p>
          ) : (
            <table className="table gpu-processes" data-testid="gpu-processes">
              <thead>
                <tr>
                  <th scope="col">PID</th>
                  <th scope="col">Process</th>
                  <th scope="col" className="num">
                    VRAM
                  </th>
                </tr>
              </thead>
              <tbody>
                {gpu.processes.map((process) => (
                  <tr key={`${process.pid}-${process.name}`}>
                    <td className="num">{process.pid}</td>
                    <td>
                      <code>{process.name}</code> {process.type && <span className="muted">({process.type === 'C' ? 'compute' : process.type === 'G' ? 'graphics' : process.type})</span>}
                    </td>
                    <td className="num">{formatMiB(process.usedMemoryMiB)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <p className="muted small">Processes, ECC and MIG as of {formatClock(probedAt)}.</p>
        </div>
        <div className="gpu-charts" aria-label={`GPU ${gpu.index}, last 10 minutes`}>
          <LineChart
            title="VRAM used"
            points={memorySeries}
            from={from}
            to={newest}
            max={gpu.memoryTotalMiB ?? Math.max(1, maxValue(memorySeries) ?? 1)}
            maxGapMs={maxGapMs}
            format={(v) => formatMiB(v)}
            tone="accent"
            testId="chart-vram"
          />
          <LineChart title="Utilisation" points={utilSeries} from={from} to={newest} max={100} maxGapMs={maxGapMs} format={formatPercent} tone="ok" testId="chart-util" />
          <LineChart
            title="Temperature"
            points={tempSeries}
            from={from}
            to={newest}
            max={Math.max(100, Math.ceil((maxValue(tempSeries) ?? 0) / 10) * 10)}
            maxGapMs={maxGapMs}
            format={formatCelsius}
            tone="warn"
            testId="chart-temp"
          />
          <LineChart
            title="Power"
            points={powerSeries}
            from={from}
            to={newest}
            max={Math.max(gpu.powerLimitW ?? 0, maxValue(powerSeries) ?? 0, 1)}
            maxGapMs={maxGapMs}
            format={formatWatts}
            tone="violet"
            testId="chart-power"
          />
          <p className="muted small gpu-charts-note">
            {ticks.length === 0
              ? 'No live readings yet.'
              : `${ticks.length} readings since ${formatClock(ticks[0]!.at)}${intervalMs ? `, every ${intervalMs / 1000} s` : ''}; gaps are missing readings.`}
          </p>
        </div>
      </div>
    </article>
  );
}

import { useMemo, useState } from 'react';
import type { Catalog } from '../../../../electron/shared/fit/catalog-schema';
import type { GpuProbeWire, HardwareSnapshot } from '../../../../electron/shared/hardware';
import { type CallState, useCall, useConnectionState } from '../../api/api-context';
import { FitTable } from './FitTable';
import { type GpuMemoryView, fitRows, probedGpus } from './fit-rows';
import { GpuCard } from './GpuCard';
import { formatClock, formatMs } from './hardware-format';
import { HostCard, RequirementsCard } from './HostCard';
import { PlanPanel } from './PlanPanel';
import { latestTick } from './telemetry-window';
import { useTelemetry } from './use-telemetry';

/** The inventory (processes, ECC, MIG, host) is re-read this often; live readings come every tick. */
const SNAPSHOT_REFRESH_MS = 10_000;

const NO_GPU_TITLE = {
  'no-devices': 'No NVIDIA GPU found',
  'not-installed': 'nvidia-smi is not installed',
  'driver-not-loaded': 'NVIDIA driver not loaded',
} as const;

const SOURCE = { env: 'AIRLOCK_NVIDIA_SMI', setting: 'setting probe.nvidiaSmiPath', default: 'found on PATH' } as const;

/** What the host can run: GPUs live, host facts, GitLab's minimums, and which models fit. */
export function HardwarePage() {
  const [snapshot, probeAgain] = useCall('hardware.snapshot', {}, SNAPSHOT_REFRESH_MS);
  const [catalog] = useCall('catalog.get', {});
  const telemetry = useTelemetry();
  const connection = useConnectionState();
  const isConnected = connection.status === 'connected';
  const value = snapshot.status === 'ok' ? snapshot.value : undefined;
  const tick = latestTick(telemetry.ticks);

  return (
    <section aria-labelledby="hardware-title" className="hardware">
      <div className="page-header">
        <h1 id="hardware-title">Hardware</h1>
        <button type="button" onClick={probeAgain} disabled={!isConnected}>
          Probe again
        </button>
      </div>
      {!isConnected && (value || tick) && (
        <p className="stale-note" data-testid="stale-note">
          Not connected to the core: these are the last known values
          {value && snapshot.status === 'ok' ? `, inventory from ${formatClock(snapshot.at)}` : ''}
          {tick ? `, live readings from ${formatClock(tick.at)}` : ''}.
        </p>
      )}

      {value ? <ProbeLine snapshot={value} /> : <CallStatus state={snapshot} what="Probing the GPUs and the host…" />}

      {value && (
        <>
          <h2 className="section-title">GPUs</h2>
          <GpuSection probe={value.gpu} telemetry={telemetry} />
          <h2 className="section-title">Host</h2>
          <div className="cards cards-wide">
            <HostCard host={value.host} />
            <RequirementsCard requirements={value.requirements} />
          </div>
        </>
      )}

      <h2 className="section-title" id="fit-title">
        What fits on this host
      </h2>
      {catalog.status === 'ok' && value ? <FitSection catalog={catalog.value} probe={value.gpu} /> : <CallStatus state={catalog.status === 'ok' ? snapshot : catalog} what="Loading the model catalog…" />}
    </section>
  );
}

/** Which nvidia-smi answered, how long it took, and when. */
function ProbeLine({ snapshot }: { snapshot: HardwareSnapshot }) {
  const { gpu, nvidiaSmi } = snapshot;
  return (
    <p className="probe-line muted" data-testid="probe-line">
      <code>{nvidiaSmi.executable}</code> ({SOURCE[nvidiaSmi.source]}, timeout {formatMs(nvidiaSmi.timeoutMs)}) · probed at {formatClock(gpu.probedAt)} in {formatMs(gpu.durationMs)}
      {gpu.status === 'ok' && gpu.driverVersion && ` · driver ${gpu.driverVersion}`}
      {gpu.status === 'ok' && gpu.cudaVersion && ` · CUDA ${gpu.cudaVersion}`}
    </p>
  );
}

function GpuSection({ probe, telemetry }: { probe: GpuProbeWire; telemetry: ReturnType<typeof useTelemetry> }) {
  const tick = latestTick(telemetry.ticks);
  if (probe.status === 'no-gpu') {
    return (
      <article className="card notice" data-testid="no-gpu" aria-labelledby="no-gpu-title">
        <h3 id="no-gpu-title">No usable GPU · {NO_GPU_TITLE[probe.reason]}</h3>
        <p data-testid="no-gpu-message">{probe.message}</p>
        {probe.detail && (
          <details>
            <summary>What nvidia-smi said</summary>
            <pre>{probe.detail}</pre>
          </details>
        )}
        <p className="muted small">Airlock still manages models served elsewhere (API providers); local models need an NVIDIA GPU.</p>
      </article>
    );
  }
  if (probe.status === 'error') {
    return (
      <article className="card notice notice-error" data-testid="probe-error" role="alert">
        <h3>The GPU probe failed ({probe.reason})</h3>
        <p>{probe.message}</p>
        {probe.detail && <pre>{probe.detail}</pre>}
      </article>
    );
  }
  if (probe.gpus.length === 0) {
    return (
      <article className="card notice" data-testid="no-gpu">
        <h3>No usable GPU</h3>
        <p>nvidia-smi answered but listed no GPU.</p>
      </article>
    );
  }
  return (
    <>
      {tick && tick.status !== 'ok' && (
        <p className="warn-text" role="status" data-testid="telemetry-problem">
          Live telemetry at {formatClock(tick.at)}: {tick.message ?? tick.status}. The readings below are from the last good tick.
        </p>
      )}
      {telemetry.historyError && <p className="warn-text">The last 10 minutes could not be read: {telemetry.historyError}</p>}
      <div className="gpu-list">
        {probe.gpus.map((gpu) => (
          <GpuCard key={gpu.uuid} gpu={gpu} probedAt={probe.probedAt} ticks={telemetry.ticks} intervalMs={telemetry.intervalMs} />
        ))}
      </div>
    </>
  );
}

function FitSection({ catalog, probe }: { catalog: Catalog; probe: GpuProbeWire }) {
  const [view, setView] = useState<GpuMemoryView>('as-probed');
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const gpus = useMemo(() => probedGpus(probe, view), [probe, view]);
  const rows = useMemo(() => fitRows(catalog, gpus), [catalog, gpus]);
  const plannable = useMemo(() => rows.flatMap((r) => (r.spec ? [{ model: r.model, spec: r.spec }] : [])), [rows]);
  const fitting = rows.filter((r) => r.plan?.fits).length;
  const chosen = selectedId ?? rows.find((r) => r.plan?.fits)?.model.id ?? plannable[0]?.model.id ?? null;
  const hasGpus = gpus.length > 0;

  const plan = (modelId: string) => {
    setSelectedId(modelId);
    document.getElementById('plan-title')?.scrollIntoView({ behavior: 'smooth', block: 'start' });
  };

  return (
    <>
      {hasGpus ? (
        <div className="fit-summary">
          <p data-testid="fit-summary">
            {fitting} of {rows.length} local catalog models fit {view === 'idle' ? 'if the GPUs were idle' : 'in the VRAM free now'}, at up to 32k context, one request at a time, --gpu-memory-utilization 0.9.
          </p>
          <fieldset className="segmented">
            <legend className="visually-hidden">Memory to plan with</legend>
            <label>
              <input type="radio" name="gpu-view" checked={view === 'as-probed'} onChange={() => setView('as-probed')} /> Free VRAM now
            </label>
            <label>
              <input type="radio" name="gpu-view" checked={view === 'idle'} onChange={() => setView('idle')} /> If the GPUs were idle
            </label>
          </fieldset>
        </div>
      ) : (
        <p className="notice-inline" data-testid="fit-summary">
          Nothing fits locally: {probe.status === 'ok' ? 'no GPU with memory readings was found' : probe.status === 'no-gpu' ? `this host has no usable NVIDIA GPU (${NO_GPU_TITLE[probe.reason]}).` : `the GPU probe failed (${probe.reason}).`}{' '}
          Models served through an API provider are not affected.
        </p>
      )}
      <div className="card card-flush">
        <FitTable rows={rows} selectedId={chosen} onPlan={plan} />
      </div>
      <h2 className="section-title" id="plan-title">
        Plan
      </h2>
      <div className="card">
        {chosen ? <PlanPanel models={plannable} selectedId={chosen} onSelect={setSelectedId} gpus={gpus} gpuView={view} /> : <p className="muted">No catalog model can be planned.</p>}
      </div>
    </>
  );
}

function CallStatus({ state, what }: { state: CallState<unknown>; what: string }) {
  const connection = useConnectionState();
  if (state.status === 'ok') return null;
  if (state.status === 'loading') return <p className="muted">{connection.status === 'connected' ? what : 'Waiting for the connection to the core…'}</p>;
  return (
    <p className="error" role="alert">
      {state.message}
    </p>
  );
}

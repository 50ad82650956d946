import type { HardwareSnapshot } from '../../shared/hardware';
import { createNvidiaSmiProbe, resolveNvidiaSmiPath } from '../../core/probe/nvidia-smi-probe';
import { probeHost } from '../../core/probe/host-probe';
import { takeHardwareSnapshot } from '../../core/probe/probe-service';
import { printResult } from '../output';

export interface ProbeOptions {
  nvidiaSmi?: string;
  timeoutMs: number;
  dataDir: string;
  modelDir?: string;
  isJson?: boolean;
}

/**
 * `airlock probe`: GPUs and host, with no core needed. Exit 0 when the probe worked (GPUs found, or
 * a normal "no usable GPU" state such as a missing driver), 1 when the probe itself failed.
 */
export async function runProbe(options: ProbeOptions): Promise<number> {
  const { executable, source } = resolveNvidiaSmiPath({ setting: options.nvidiaSmi, env: process.env });
  const probe = createNvidiaSmiProbe({ executable, executableSource: source, timeoutMs: options.timeoutMs });
  try {
    const snapshot = await takeHardwareSnapshot(
      probe,
      probeHost({ paths: { data: options.dataDir, ...(options.modelDir ? { models: options.modelDir } : {}) } }),
      { executable, source, timeoutMs: options.timeoutMs },
    );
    printResult(snapshot, options.isJson, () => renderSnapshot(snapshot));
    return snapshot.gpu.status === 'error' ? 1 : 0;
  } finally {
    await probe.dispose();
  }
}

const gib = (bytes: number | null) => (bytes === null ? '?' : `${(bytes / 1024 ** 3).toFixed(0)} GiB`);
const value = (n: number | null, unit: string) => (n === null ? 'n/a' : `${n}${unit}`);

/** The human form of a snapshot. */
export function renderSnapshot(snapshot: HardwareSnapshot): string {
  const lines: string[] = [];
  const { gpu, host } = snapshot;
  if (gpu.status === 'ok') {
    lines.push(`GPUs: ${gpu.gpus.length} (driver ${gpu.driverVersion ?? '?'}, CUDA ${gpu.cudaVersion ?? '?'}) — ${snapshot.nvidiaSmi.executable}, ${Math.round(gpu.durationMs)} ms`);
    for (const g of gpu.gpus) {
      lines.push(
        `  GPU ${g.index}  ${g.name}  ${g.pciBusId}  VRAM ${value(g.memoryUsedMiB, '')}/${value(g.memoryTotalMiB, ' MiB')} used, ${value(g.memoryFreeMiB, ' MiB')} free` +
          `  util ${value(g.utilizationGpuPercent, ' %')}  ${value(g.temperatureC, ' °C')}  power ${value(g.powerDrawW, '')}/${value(g.powerLimitW, ' W')}` +
          `  MIG ${g.migMode ?? 'n/a'}`,
      );
      for (const p of g.processes) lines.push(`         pid ${p.pid} ${p.name} (${p.type}) ${value(p.usedMemoryMiB, ' MiB')}`);
    }
  } else {
    lines.push(`GPUs: ${gpu.status === 'no-gpu' ? 'no usable GPU' : 'probe failed'} (${gpu.reason}) — ${gpu.message}`);
    if (gpu.detail) lines.push(`  nvidia-smi said: ${gpu.detail}`);
  }
  lines.push(
    `Host: ${host.cpuModel ?? 'unknown CPU'}, ${host.physicalCores ?? '?'} cores / ${host.threads ?? '?'} threads, ${gib(host.ramTotalBytes)} RAM, ` +
      `${host.osDistro ?? host.osPlatform ?? '?'} ${host.osRelease ?? ''} (kernel ${host.kernel ?? '?'})`,
  );
  for (const disk of host.disks) lines.push(`  ${disk.role}: ${disk.path} on ${disk.mount ?? '?'} (${disk.storageKind}), ${gib(disk.freeBytes)} free of ${gib(disk.sizeBytes)}`);
  lines.push('GitLab Duo Self-Hosted minimums:');
  for (const line of snapshot.requirements) {
    lines.push(`  ${line.verdict === 'pass' ? 'pass' : 'WARN'}  ${line.label}: needs ${line.required}, has ${line.actual}${line.note ? ` — ${line.note}` : ''}`);
  }
  return lines.join('\n');
}

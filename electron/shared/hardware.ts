/**
 * What the probe reports, as contract schemas. The core's own types (electron/core/probe) are checked
 * against these at compile time (core/probe/contract-types.ts), so the two cannot drift apart.
 */
import { z } from './zod';

const num = z.number().nullable();

export const gpuProcessSchema = z.object({ pid: z.number().int(), name: z.string(), usedMemoryMiB: num, type: z.string() });

export const gpuInfoSchema = z.object({
  index: z.number().int(),
  name: z.string(),
  uuid: z.string(),
  pciBusId: z.string(),
  memoryTotalMiB: num,
  memoryUsedMiB: num,
  memoryFreeMiB: num,
  memoryReservedMiB: num,
  utilizationGpuPercent: num,
  utilizationMemoryPercent: num,
  temperatureC: num,
  powerDrawW: num,
  powerLimitW: num,
  driverVersion: z.string().nullable(),
  cudaVersion: z.string().nullable(),
  migMode: z.enum(['enabled', 'disabled']).nullable(),
  migDeviceCount: z.number().int(),
  eccErrors: z.object({ volatileCorrected: num, volatileUncorrected: num, aggregateCorrected: num, aggregateUncorrected: num }),
  throttleReasons: z.array(z.string()),
  processes: z.array(gpuProcessSchema),
});
export type GpuInfoWire = z.infer<typeof gpuInfoSchema>;

const timing = { probedAt: z.string(), durationMs: z.number() };

/** The GPU half of the probe: ok, a normal "no GPU" state with its reason, or a probe error. */
export const gpuProbeSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('ok'), gpus: z.array(gpuInfoSchema), driverVersion: z.string().nullable(), cudaVersion: z.string().nullable(), attachedGpus: z.number().int().nullable(), ...timing }),
  z.object({ status: z.literal('no-gpu'), reason: z.enum(['no-devices', 'not-installed', 'driver-not-loaded']), message: z.string(), detail: z.string().nullable(), ...timing }),
  z.object({ status: z.literal('error'), reason: z.enum(['timeout', 'malformed', 'permission', 'failed']), message: z.string(), detail: z.string().nullable(), ...timing }),
]);
export type GpuProbeWire = z.infer<typeof gpuProbeSchema>;

export const hostDiskSchema = z.object({
  role: z.string(),
  path: z.string(),
  mount: z.string().nullable(),
  device: z.string().nullable(),
  fsType: z.string().nullable(),
  sizeBytes: num,
  freeBytes: num,
  storageKind: z.enum(['ssd', 'hdd', 'unknown']),
});

export const hostInfoSchema = z.object({
  cpuModel: z.string().nullable(),
  physicalCores: num,
  threads: num,
  ramTotalBytes: num,
  osPlatform: z.string().nullable(),
  osDistro: z.string().nullable(),
  osRelease: z.string().nullable(),
  kernel: z.string().nullable(),
  arch: z.string().nullable(),
  disks: z.array(hostDiskSchema),
});
export type HostInfoWire = z.infer<typeof hostInfoSchema>;

export const hostRequirementSchema = z.object({
  id: z.string(),
  label: z.string(),
  required: z.string(),
  actual: z.string(),
  verdict: z.enum(['pass', 'warn']),
  note: z.string().optional(),
});

/** Everything the Hardware page and `airlock probe` show at once. */
export const hardwareSnapshotSchema = z.object({
  gpu: gpuProbeSchema,
  host: hostInfoSchema,
  requirements: z.array(hostRequirementSchema),
  nvidiaSmi: z.object({ executable: z.string(), source: z.enum(['env', 'setting', 'default']), timeoutMs: z.number() }),
});
export type HardwareSnapshot = z.infer<typeof hardwareSnapshotSchema>;

export const gpuSampleSchema = z.object({
  index: z.number().int(),
  uuid: z.string(),
  pciBusId: z.string(),
  memoryTotalMiB: num,
  memoryUsedMiB: num,
  memoryFreeMiB: num,
  utilizationGpuPercent: num,
  utilizationMemoryPercent: num,
  temperatureC: num,
  powerDrawW: num,
  powerLimitW: num,
});
export type GpuSample = z.infer<typeof gpuSampleSchema>;

/** One telemetry tick: every GPU's readings from one nvidia-smi call, or why there are none. */
export const telemetryTickSchema = z.object({
  at: z.string(),
  durationMs: z.number(),
  status: z.enum(['ok', 'no-gpu', 'error']),
  samples: z.array(gpuSampleSchema),
  message: z.string().optional(),
});
export type TelemetryTick = z.infer<typeof telemetryTickSchema>;

export const telemetryHistorySchema = z.object({
  intervalMs: z.number(),
  /** Oldest first; at most the last 10 minutes. */
  ticks: z.array(telemetryTickSchema),
});

/**
 * Domain types for what the probe learns about NVIDIA GPUs.
 *
 * Every reading that nvidia-smi can leave out, or report as `N/A`, `[Not Supported]` or
 * `Requested functionality has been deprecated`, is `number | null` here: null means "nvidia-smi did
 * not give a value", never 0 and never NaN, so the UI can tell "idle" from "unknown".
 */

/** MIG mode as nvidia-smi reports it; null where the GPU has no MIG support (`N/A`). */
export type MigMode = 'enabled' | 'disabled';

/** ECC error counters, each the sum over the SRAM and DRAM counters nvidia-smi lists. */
export interface GpuEccErrors {
  volatileCorrected: number | null;
  volatileUncorrected: number | null;
  aggregateCorrected: number | null;
  aggregateUncorrected: number | null;
}

/**
 * A process holding memory on a GPU.
 * `type` is nvidia-smi's code: `C` (compute), `G` (graphics), `C+G`, or `M`/`M+C` on MIG hosts.
 */
export interface GpuProcess {
  pid: number;
  name: string;
  usedMemoryMiB: number | null;
  type: string;
}

/** Everything the inventory (`nvidia-smi -q -x`) says about one GPU. */
export interface GpuInfo {
  /** nvidia-smi's index: the position in its output (PCI bus order), not the /dev minor number. */
  index: number;
  /** Product name, e.g. `NVIDIA RTX A5000`; empty when nvidia-smi did not report one (as for `uuid`). */
  name: string;
  uuid: string;
  /** Full PCI bus id as nvidia-smi prints it, e.g. `00000000:81:00.0`; the stable key for a GPU. */
  pciBusId: string;
  memoryTotalMiB: number | null;
  memoryUsedMiB: number | null;
  memoryFreeMiB: number | null;
  /** VRAM the driver reserves for itself (`<reserved>`, driver ≥ 510): never available to vLLM. */
  memoryReservedMiB: number | null;
  utilizationGpuPercent: number | null;
  utilizationMemoryPercent: number | null;
  temperatureC: number | null;
  powerDrawW: number | null;
  powerLimitW: number | null;
  /** From the top of the XML, repeated here so one GPU card needs nothing else. */
  driverVersion: string | null;
  cudaVersion: string | null;
  migMode: MigMode | null;
  /** Number of MIG devices listed under the GPU (0 when MIG is off or unsupported). */
  migDeviceCount: number;
  eccErrors: GpuEccErrors;
  /** Active clock event ("throttle") reasons, e.g. `sw_power_cap`, `hw_thermal_slowdown`; `gpu_idle` included. */
  throttleReasons: string[];
  processes: GpuProcess[];
}

/** The whole inventory: driver facts plus one entry per `<gpu>` element. */
export interface GpuInventory {
  driverVersion: string | null;
  cudaVersion: string | null;
  /**
   * `<attached_gpus>` as printed. It can be larger than `gpus.length`: the A100 MIG capture in the
   * fixtures says 4 but lists one `<gpu>` (the others were not visible to that container).
   */
  attachedGpus: number | null;
  gpus: GpuInfo[];
}

/** One GPU's live readings from one `--query-gpu` call. */
export interface GpuTelemetrySample {
  index: number;
  uuid: string;
  pciBusId: string;
  memoryTotalMiB: number | null;
  memoryUsedMiB: number | null;
  memoryFreeMiB: number | null;
  utilizationGpuPercent: number | null;
  utilizationMemoryPercent: number | null;
  temperatureC: number | null;
  powerDrawW: number | null;
  powerLimitW: number | null;
}

/** One row of `--query-compute-apps`: a compute process and the GPU it runs on. */
export interface GpuComputeApp {
  gpuUuid: string;
  gpuBusId: string;
  pid: number;
  processName: string;
  usedMemoryMiB: number | null;
}

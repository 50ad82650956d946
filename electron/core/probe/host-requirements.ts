/**
 * Checks a host against GitLab Duo Self-Hosted's published base-system minimums.
 *
 * Source: GitLab docs `supported_models_and_hardware_requirements.md`, as summarised in
 * ../shared/reference/gitlab-ai-gateway.md §8 "Hardware requirements" (unchanged from GitLab 17.9 to
 * the newest docs): CPU 8 cores / 16 threads (16+ cores recommended), RAM 32 GB (64 GB recommended),
 * storage SSD. GitLab publishes no disk size; a caller that knows one (e.g. the fit planner's weight
 * sizes) passes it in.
 *
 * Pure: no I/O. Every line is `pass` or `warn` — a host below the minimums can still run smaller
 * models, so nothing here blocks.
 */
import type { HostDisk, HostInfo } from './host-probe';

/** One line of the requirements table on the Hardware page. */
export interface HostRequirementLine {
  id: string;
  label: string;
  required: string;
  actual: string;
  verdict: 'pass' | 'warn';
  /** Why it warns and what to do; absent on a pass. */
  note?: string;
}

/** Options of {@link checkHostRequirements}. */
export interface HostRequirementOptions {
  /** Free bytes needed per disk role (e.g. `{ models: 130e9 }`); checked in addition to the SSD line. */
  requiredFreeBytes?: Readonly<Record<string, number>>;
}

/** GitLab's minimum physical cores (reference §8). */
export const MIN_PHYSICAL_CORES = 8;
/** GitLab's minimum hardware threads (reference §8). */
export const MIN_THREADS = 16;
/** GitLab's minimum RAM as published: "32 GB" (reference §8). */
export const MIN_RAM_GB = 32;

const GIB = 1024 ** 3;

/**
 * The RAM total that counts as GitLab's "32 GB". Firmware and the kernel keep part of the installed
 * memory, so a machine with 32 GiB of DIMMs reports about 31 GiB as its total (MemTotal); a strict
 * 32 GiB threshold would fail every such machine. 30 GiB passes those and still fails 24 or 28 GiB.
 */
export const MIN_RAM_REPORTED_BYTES = 30 * GIB;

function formatGiB(bytes: number): string {
  return `${(bytes / GIB).toFixed(1)} GiB`;
}

function diskLine(disk: HostDisk, requiredFree: number | undefined): HostRequirementLine {
  const label = `Storage for ${disk.role} (${disk.path})`;
  const required = requiredFree === undefined ? 'SSD' : `SSD, ${formatGiB(requiredFree)} free`;
  if (disk.mount === null) {
    return {
      id: `disk-${disk.role}`,
      label,
      required,
      actual: 'unknown',
      verdict: 'warn',
      note: `No mounted file system was found for ${disk.path}. Check that the directory is on a local disk.`,
    };
  }
  const kind = disk.storageKind === 'ssd' ? 'SSD' : disk.storageKind === 'hdd' ? 'rotational disk' : 'disk type unknown';
  const free = disk.freeBytes === null ? 'free space unknown' : `${formatGiB(disk.freeBytes)} free`;
  const actual = `${kind}, ${free} on ${disk.mount}`;
  const notes: string[] = [];
  if (disk.storageKind === 'hdd') {
    notes.push('The kernel reports this disk as rotational; GitLab asks for an SSD. Virtual disks sometimes report this wrongly.');
  } else if (disk.storageKind === 'unknown') {
    notes.push('Airlock could not tell the disk type; GitLab asks for an SSD. Check it by hand (lsblk -d -o name,rota).');
  }
  if (requiredFree !== undefined && (disk.freeBytes === null || disk.freeBytes < requiredFree)) {
    notes.push(`Needs ${formatGiB(requiredFree)} free; free up space or choose a directory on a larger disk.`);
  }
  return notes.length === 0
    ? { id: `disk-${disk.role}`, label, required, actual, verdict: 'pass' }
    : { id: `disk-${disk.role}`, label, required, actual, verdict: 'warn', note: notes.join(' ') };
}

/** Compares `host` with GitLab's base-system minimums; one line per resource, pass or warn. */
export function checkHostRequirements(host: HostInfo, options: HostRequirementOptions = {}): HostRequirementLine[] {
  const lines: HostRequirementLine[] = [];

  const cores = host.physicalCores;
  lines.push(
    cores !== null && cores >= MIN_PHYSICAL_CORES
      ? { id: 'cpu-cores', label: 'CPU cores', required: `${MIN_PHYSICAL_CORES} physical cores`, actual: `${cores}`, verdict: 'pass' }
      : {
          id: 'cpu-cores',
          label: 'CPU cores',
          required: `${MIN_PHYSICAL_CORES} physical cores`,
          actual: cores === null ? 'unknown' : `${cores}`,
          verdict: 'warn',
          note: `GitLab asks for at least ${MIN_PHYSICAL_CORES} physical cores (16+ recommended).`,
        },
  );

  const threads = host.threads;
  lines.push(
    threads !== null && threads >= MIN_THREADS
      ? { id: 'cpu-threads', label: 'CPU threads', required: `${MIN_THREADS} threads`, actual: `${threads}`, verdict: 'pass' }
      : {
          id: 'cpu-threads',
          label: 'CPU threads',
          required: `${MIN_THREADS} threads`,
          actual: threads === null ? 'unknown' : `${threads}`,
          verdict: 'warn',
          note: `GitLab asks for at least ${MIN_THREADS} hardware threads.`,
        },
  );

  const ram = host.ramTotalBytes;
  lines.push(
    ram !== null && ram >= MIN_RAM_REPORTED_BYTES
      ? { id: 'ram', label: 'Memory (RAM)', required: `${MIN_RAM_GB} GB`, actual: formatGiB(ram), verdict: 'pass' }
      : {
          id: 'ram',
          label: 'Memory (RAM)',
          required: `${MIN_RAM_GB} GB`,
          actual: ram === null ? 'unknown' : formatGiB(ram),
          verdict: 'warn',
          note: `GitLab asks for at least ${MIN_RAM_GB} GB of RAM (64 GB recommended).`,
        },
  );

  if (host.disks.length === 0) {
    lines.push({
      id: 'disk',
      label: 'Storage',
      required: 'SSD',
      actual: 'not checked',
      verdict: 'warn',
      note: 'No directory was given to check. GitLab asks for an SSD for the models.',
    });
  }
  for (const disk of host.disks) lines.push(diskLine(disk, options.requiredFreeBytes?.[disk.role]));
  return lines;
}

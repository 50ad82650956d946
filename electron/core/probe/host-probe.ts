/**
 * Host facts for the Hardware page: CPU, memory, OS, and the free space and disk type under the
 * data and model directories.
 *
 * Uses systeminformation's cpu(), mem(), osInfo() and fsSize() only. Its graphics() is deliberately
 * not used: it finds GPUs only through lspci, drops every value that is 0, and runs nvidia-smi
 * synchronously with no timeout (issue 3); GPUs come from nvidia-smi-probe.ts instead.
 */
import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import * as si from 'systeminformation';

/** The systeminformation calls the host probe makes; tests pass a fake. */
export interface HostInfoSource {
  cpu(): Promise<{ manufacturer: string; brand: string; physicalCores: number; cores: number }>;
  mem(): Promise<{ total: number }>;
  osInfo(): Promise<{ platform: string; distro: string; release: string; kernel: string; arch: string }>;
  fsSize(): Promise<readonly { fs: string; type: string; size: number; available: number; mount: string }[]>;
}

/** The file-system reads used to resolve paths and find a disk's type; tests pass a fake. */
export interface HostFileSystem {
  readFile(file: string): Promise<string>;
  realpath(file: string): Promise<string>;
}

/** SSD or spinning disk, from Linux's `queue/rotational`; unknown elsewhere or for virtual devices. */
export type StorageKind = 'ssd' | 'hdd' | 'unknown';

/** The file system that holds one directory Airlock cares about. */
export interface HostDisk {
  /** What the directory is for, e.g. `data` or `models`. */
  role: string;
  /** The directory as given. */
  path: string;
  /** Mount point of the file system that contains it; null if none matched. */
  mount: string | null;
  device: string | null;
  fsType: string | null;
  sizeBytes: number | null;
  /** Space available to Airlock's user (`df`'s "Available", which excludes root's reserve). */
  freeBytes: number | null;
  storageKind: StorageKind;
}

/** Everything the host probe reports; unknown values are null. */
export interface HostInfo {
  cpuModel: string | null;
  physicalCores: number | null;
  /** Logical processors (hardware threads). */
  threads: number | null;
  ramTotalBytes: number | null;
  osPlatform: string | null;
  osDistro: string | null;
  osRelease: string | null;
  kernel: string | null;
  arch: string | null;
  disks: HostDisk[];
}

/** Options of {@link probeHost}. */
export interface ProbeHostOptions {
  /** Directories to report on, by role, e.g. `{ data: '/var/lib/airlock', models: '/srv/models' }`. */
  paths: Readonly<Record<string, string | undefined>>;
  source?: HostInfoSource;
  fs?: HostFileSystem;
}

const nodeFileSystem: HostFileSystem = { readFile: (file) => readFile(file, 'utf8'), realpath: (file) => realpath(file) };

/** Runs `call`, turning a rejection into null: one failing source must not hide the others. */
async function settle<T>(call: () => Promise<T>): Promise<T | null> {
  try {
    return await call();
  } catch {
    return null;
  }
}

function positiveOrNull(value: number | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : null;
}

function nonEmptyOrNull(value: string | undefined): string | null {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
}

/**
 * The mount that contains `target`: the longest mount point that equals it or is a whole-segment
 * prefix of it (`/data` contains `/data/models` but not `/database`). Both must be absolute.
 */
export function findContainingMount<M extends { mount: string }>(target: string, mounts: readonly M[]): M | null {
  const normalize = (value: string) => value.replace(/\\/g, '/').replace(/\/+$/, '') || '/';
  const wanted = normalize(target);
  // Windows drive mounts ("C:") compare without case.
  const isDrive = (mount: string) => /^[A-Za-z]:$/.test(mount);
  let best: M | null = null;
  let bestLength = -1;
  for (const candidate of mounts) {
    const mount = normalize(candidate.mount);
    const a = isDrive(mount) ? wanted.toLowerCase() : wanted;
    const b = isDrive(mount) ? mount.toLowerCase() : mount;
    const contains = b === '/' ? a.startsWith('/') : a === b || a.startsWith(`${b}/`);
    if (contains && b.length > bestLength) {
      best = candidate;
      bestLength = b.length;
    }
  }
  return best;
}

/** The path with symlinks resolved; for a path that does not exist yet, its nearest existing ancestor's. */
async function resolveExisting(target: string, fs: HostFileSystem): Promise<string> {
  let current = path.resolve(target);
  const rest: string[] = [];
  for (;;) {
    try {
      return path.join(await fs.realpath(current), ...rest.reverse());
    } catch {
      const parent = path.dirname(current);
      if (parent === current) return path.resolve(target);
      rest.push(path.basename(current));
      current = parent;
    }
  }
}

/**
 * Linux only: whether the block device under a file system is rotational, from
 * `/sys/class/block/<dev>/queue/rotational` (the kernel's queue-sysfs attribute; a partition reads
 * its parent's). Virtual disks may report 1 even on SSD storage, so `hdd` is a hint, not a verdict.
 */
async function detectStorageKind(device: string | null, fs: HostFileSystem): Promise<StorageKind> {
  if (!device?.startsWith('/dev/')) return 'unknown';
  try {
    const name = path.basename(await fs.realpath(device)); // /dev/mapper/vg-root → dm-0
    let node = await fs.realpath(`/sys/class/block/${name}`);
    const isPartition = (await settle(() => fs.readFile(`${node}/partition`))) !== null;
    if (isPartition) node = path.dirname(node);
    const rotational = (await fs.readFile(`${node}/queue/rotational`)).trim();
    if (rotational === '0') return 'ssd';
    if (rotational === '1') return 'hdd';
    return 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Collects the host facts. Never throws: what cannot be read is null (or `unknown`). */
export async function probeHost(options: ProbeHostOptions): Promise<HostInfo> {
  const source = options.source ?? (si as HostInfoSource);
  const fs = options.fs ?? nodeFileSystem;
  const [cpu, mem, os, mounts] = await Promise.all([
    settle(() => source.cpu()),
    settle(() => source.mem()),
    settle(() => source.osInfo()),
    settle(() => source.fsSize()),
  ]);

  const disks: HostDisk[] = [];
  for (const [role, dir] of Object.entries(options.paths)) {
    if (!dir) continue;
    const resolved = await resolveExisting(dir, fs);
    const mount = findContainingMount(resolved, mounts ?? []);
    disks.push({
      role,
      path: dir,
      mount: mount?.mount ?? null,
      device: nonEmptyOrNull(mount?.fs),
      fsType: nonEmptyOrNull(mount?.type),
      sizeBytes: positiveOrNull(mount?.size),
      freeBytes: typeof mount?.available === 'number' && mount.available >= 0 ? mount.available : null,
      storageKind: await detectStorageKind(mount?.fs ?? null, fs),
    });
  }

  const cpuModel = [cpu?.manufacturer, cpu?.brand].map(nonEmptyOrNull).filter((part): part is string => part !== null).join(' ');
  return {
    cpuModel: cpuModel.length > 0 ? cpuModel : null,
    physicalCores: positiveOrNull(cpu?.physicalCores),
    threads: positiveOrNull(cpu?.cores),
    ramTotalBytes: positiveOrNull(mem?.total),
    osPlatform: nonEmptyOrNull(os?.platform),
    osDistro: nonEmptyOrNull(os?.distro),
    osRelease: nonEmptyOrNull(os?.release),
    kernel: nonEmptyOrNull(os?.kernel),
    arch: nonEmptyOrNull(os?.arch),
    disks,
  };
}

/**
 * Reads this host's hardware ids and hashes them for license binding (thin I/O over hardware-binding.ts).
 *
 * The machine-id comes from /etc/machine-id, falling back to /var/lib/dbus/machine-id on systems
 * where only D-Bus wrote one (machine-id(5)). GPU UUIDs are passed in by the caller, which already
 * has them from the GPU probe, so this module never runs nvidia-smi itself.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fingerprintFromIds, type HardwareFingerprint } from './hardware-binding';

/** Where the machine-id is looked for, in order (machine-id(5)). */
export const MACHINE_ID_PATHS: readonly string[] = ['/etc/machine-id', '/var/lib/dbus/machine-id'];

/** machine-id(5): 32 lower-case hex characters; "uninitialized" during first boot counts as absent. */
const MACHINE_ID_PATTERN = /^[0-9a-f]{32}$/;

/** Reads the machine-id, or null when neither file holds a valid one. `root` lets tests point at a fake tree. */
export async function readMachineId(options: { root?: string } = {}): Promise<string | null> {
  const root = options.root ?? '/';
  for (const file of MACHINE_ID_PATHS) {
    try {
      const id = (await readFile(path.join(root, file), 'utf8')).trim().toLowerCase();
      if (MACHINE_ID_PATTERN.test(id)) return id;
    } catch {
      // Missing or unreadable: try the next location.
    }
  }
  return null;
}

/** Reads the machine-id and hashes it together with the given GPU UUIDs. */
export async function readHardwareFingerprint(options: { gpuUuids: readonly string[]; root?: string }): Promise<HardwareFingerprint> {
  const machineId = await readMachineId(options.root === undefined ? {} : { root: options.root });
  return fingerprintFromIds({ machineId, gpuUuids: options.gpuUuids });
}

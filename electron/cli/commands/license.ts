import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AirlockError } from '../../shared/errors';
import { type LicenseHistoryEntry, type LicenseStateName, type LicenseUsage, type LicenseView, describeLimits } from '../../shared/license';
import { buildInfo } from '../../core/build-info';
import { fingerprintFromIds } from '../../core/license/hardware-binding';
import { readMachineId } from '../../core/license/hardware-id';
import { readTrustedKeys } from '../../core/license/license-keys';
import { toLicenseView } from '../../core/license/license-service';
import { verifyLicense } from '../../core/license/verify-license';
import { createNvidiaSmiProbe, resolveNvidiaSmiPath } from '../../core/probe/nvidia-smi-probe';
import { resourcesDir } from '../../core/resources';
import { connectToCore } from '../core-client';
import { printResult } from '../output';

/**
 * Exit codes of `airlock license verify` and `install`, one per failure class (README, --help):
 * 0 valid or expiring soon · 10 in grace · 11 expired · 12 not yet valid · 13 clock rollback ·
 * 14 hardware mismatch · 15 not trusted (bad signature, unknown or test key, algorithm) ·
 * 16 unsupported version · 17 malformed · 18 no license / evaluation.
 */
export const LICENSE_EXIT: Record<LicenseStateName, number> = {
  valid: 0,
  'expiring-soon': 0,
  'in-grace': 10,
  expired: 11,
  'not-yet-valid': 12,
  'clock-rollback-suspected': 13,
  'hardware-mismatch': 14,
  'bad-signature': 15,
  'unknown-key': 15,
  'test-key-in-production': 15,
  'unsupported-algorithm': 15,
  'unsupported-version': 16,
  malformed: 17,
  missing: 18,
  evaluation: 18,
};

/** Largest file read as a license: far above any real one (license-format caps at 64 KiB). */
const MAX_FILE_BYTES = 256 * 1024;

async function readLicenseFile(path: string): Promise<string> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new AirlockError('LICENSE_FILE_UNREADABLE', { path, reason: 'it is not a file' });
    if (info.size > MAX_FILE_BYTES) throw new AirlockError('LICENSE_FILE_UNREADABLE', { path, reason: `it is ${info.size} bytes; a license file is a few KB` });
    return await readFile(path, 'latin1');
  } catch (error) {
    if (error instanceof AirlockError) throw error;
    throw new AirlockError('LICENSE_FILE_UNREADABLE', { path, reason: (error as NodeJS.ErrnoException).code ?? String(error) });
  }
}

/** This host's machine-id and GPU UUIDs (a quick nvidia-smi call; none when it fails). */
async function hostIds(): Promise<{ machineId: string | null; gpuUuids: string[] }> {
  const { executable, source } = resolveNvidiaSmiPath({ env: process.env });
  const probe = createNvidiaSmiProbe({ executable, executableSource: source, timeoutMs: 5000 });
  try {
    const telemetry = await probe.telemetry();
    return { machineId: await readMachineId(), gpuUuids: telemetry.ok ? telemetry.samples.map((s) => s.uuid) : [] };
  } finally {
    await probe.dispose();
  }
}

export function renderLicense(view: LicenseView, history: LicenseHistoryEntry[] = [], usage?: LicenseUsage): string {
  const lines = [`License: ${view.state}${view.daysLeft !== null ? ` (${view.daysLeft} days left)` : ''}`, `  ${view.message}`];
  const d = view.details;
  if (d) {
    lines.push(
      `  id ${d.licenseId} · ${d.plan} · ${d.licensee.name}, ${d.licensee.company} <${d.licensee.email}>`,
      `  valid ${d.startsAt} → ${d.expiresAt} (+${d.graceDays} days grace) · limits: ${describeLimits(d.limits, usage)}`,
      ...d.addOns.map((a) => `  add-on ${a.id}: ${a.seats} seats, ${a.startsAt} → ${a.expiresAt}`),
      `  ${d.binding ? `bound to this hardware (${d.binding.required} of ${d.binding.total} components)` : 'not bound to hardware'} · key ${d.kid}${d.isTestKey ? ' (TEST KEY)' : ''} · sha256 ${d.sha256.slice(0, 16)}…`,
    );
  }
  if (view.missingHardware.length > 0) lines.push(`  missing hardware: ${view.missingHardware.join(', ')}`);
  const refused = Object.entries(view.allowed).filter(([, isAllowed]) => !isAllowed).map(([action]) => action);
  lines.push(refused.length === 0 ? '  allows: everything' : `  refuses: ${refused.join(', ')}`);
  if (history.length > 0) {
    lines.push('History:');
    for (const h of history) lines.push(`  ${h.isActive ? '*' : ' '} ${h.installedAt}  ${h.licenseId}  ${h.licensee}  expires ${h.expiresAt}`);
  }
  return lines.join('\n');
}

/** `airlock license verify FILE`: checks a file on its own (no core, nothing stored). */
export async function runLicenseVerify(options: { file: string; isJson?: boolean }): Promise<number> {
  const text = await readLicenseFile(options.file);
  const now = Date.now();
  const status = verifyLicense(text, {
    trustedKeys: await readTrustedKeys(join(resourcesDir(), 'license-keys')),
    isProductionBuild: buildInfo.channel === 'production',
    now,
    hardware: fingerprintFromIds(await hostIds()),
  });
  const view = toLicenseView(status, now);
  printResult(view, options.isJson, () => renderLicense(view));
  return LICENSE_EXIT[view.state];
}

/** `airlock license fingerprint`: the hashed ids a vendor needs to bind a license to this host. */
export async function runLicenseFingerprint(options: { isJson?: boolean }): Promise<number> {
  const ids = await hostIds();
  const fingerprint = { ...fingerprintFromIds(ids), gpuCount: ids.gpuUuids.length };
  printResult(fingerprint, options.isJson, () =>
    [
      `machine-id hash: ${fingerprint.machineIdHash ?? '(this host has no machine-id)'}`,
      ...fingerprint.gpuUuidHashes.map((hash, i) => `GPU ${i} UUID hash: ${hash}`),
      ids.gpuUuids.length === 0 ? '(no GPUs seen by nvidia-smi)' : '',
      'Send these hashes (not the ids) to your Airlock vendor to bind a license to this host.',
    ]
      .filter(Boolean)
      .join('\n'),
  );
  return 0;
}

/** `airlock license show`: the running core's license state and history. */
export async function runLicenseShow(options: { dataDir: string; isJson?: boolean }): Promise<number> {
  const core = await connectToCore(options.dataDir);
  try {
    const [view, history, usage] = await Promise.all([core.client.call('license.status', {}), core.client.call('license.history', {}), core.client.call('license.usage', {})]);
    printResult({ ...view, history, usage }, options.isJson, () => renderLicense(view, history, usage));
    return 0;
  } finally {
    core.close();
  }
}

/** `airlock license install FILE`: verifies and installs through the running core. */
export async function runLicenseInstall(options: { dataDir: string; file: string; isJson?: boolean }): Promise<number> {
  const text = await readLicenseFile(options.file);
  const core = await connectToCore(options.dataDir);
  try {
    const view = await core.client.call('license.install', { text });
    printResult(view, options.isJson, () => `Installed.\n${renderLicense(view)}`);
    return 0;
  } finally {
    core.close();
  }
}

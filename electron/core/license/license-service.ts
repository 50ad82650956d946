import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../../shared/clock';
import { AirlockError } from '../../shared/errors';
import type { LicenseActionName, LicenseHistoryEntry, LicenseView } from '../../shared/license';
import type { EventHub } from '../edge/event-hub';
import type { Logger } from '../logger';
import type { LicenseRepo } from '../store/license-repo';
import { type HardwareFingerprint, describeComponent } from './hardware-binding';
import { type LicenseAction, type LicenseState, type LicenseStatus, type TrustedKey, gates, nextHighWaterMark, verifyLicense } from './verify-license';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** The contract's lists of states and actions are the verifier's, checked at compile time. */
export type StatesMatch = [Same<LicenseState, LicenseView['state']>, Same<LicenseAction, LicenseActionName>] extends [true, true] ? true : never;
const statesMatch: StatesMatch = true;
void statesMatch;

/** States in which a license file may be installed: it works now. */
const INSTALLABLE: ReadonlySet<LicenseState> = new Set(['valid', 'expiring-soon', 'in-grace']);

export interface LicenseServiceDeps {
  repo: LicenseRepo;
  clock: Clock;
  logger: Logger;
  hub: EventHub;
  trustedKeys: readonly TrustedKey[];
  isProductionBuild: boolean;
  /** Second copy of the clock high-water mark, outside config.db (reliability.md §2). */
  clockMarkFile: string;
  /** This host's hashed machine-id and GPU UUIDs, for bound licenses. */
  hardware: () => Promise<HardwareFingerprint>;
}

/** Projects a verifier status onto what the UI and CLI may see. */
export function toLicenseView(status: LicenseStatus, checkedAt: number): LicenseView {
  const { allowed, isEntitled } = gates(status);
  const license = 'license' in status ? status : undefined;
  return {
    state: status.state,
    message: status.message,
    daysLeft: 'daysLeft' in status ? status.daysLeft : null,
    details: license
      ? {
          licenseId: license.licenseId,
          licensee: { ...license.license.licensee },
          plan: license.license.plan,
          addOns: license.license.addOns.map((a) => ({ ...a })),
          issuedAt: license.license.issuedAt,
          startsAt: license.license.startsAt,
          expiresAt: license.license.expiresAt,
          notifyFrom: license.license.notifyFrom,
          graceDays: license.license.graceDays,
          limits: { ...license.license.limits },
          binding: license.license.hardware ? { required: license.license.hardware.required, total: 1 + license.license.hardware.gpuUuidHashes.length } : null,
          kid: license.kid,
          isTestKey: license.isTestKey,
          sha256: license.licenseSha256,
        }
      : null,
    evaluation: status.state === 'evaluation' ? { startedAt: status.startedAt, endsAt: status.endsAt } : null,
    missingHardware: status.state === 'hardware-mismatch' ? status.missing.map(describeComponent) : [],
    isEntitled,
    allowed: { ...allowed },
    checkedAt: new Date(checkedAt).toISOString(),
  };
}

/**
 * The appliance's license: the active file re-verified on every check (dates, clock, hardware), the
 * evaluation that starts on first run, the clock high-water mark kept in config.db and a second file,
 * and the gate that refuses changes when nothing entitles them.
 */
export function createLicenseService(deps: LicenseServiceDeps) {
  if (deps.repo.firstRunAt() === undefined) deps.repo.setFirstRunAt(deps.clock.now());
  let lastState: LicenseState | undefined;

  const readFileMark = (): number | undefined => {
    try {
      const value = Number(JSON.parse(readFileSync(deps.clockMarkFile, 'utf8')).ms);
      return Number.isFinite(value) ? value : undefined;
    } catch {
      return undefined;
    }
  };

  const highWaterMark = (): number | undefined => {
    const marks = [deps.repo.highWaterMark(), readFileMark()].filter((m): m is number => m !== undefined);
    return marks.length > 0 ? Math.max(...marks) : undefined;
  };

  const verify = async (text: string | undefined, now: number): Promise<LicenseStatus> =>
    verifyLicense(text ?? null, {
      trustedKeys: deps.trustedKeys,
      isProductionBuild: deps.isProductionBuild,
      now,
      hardware: await deps.hardware(),
      ...(highWaterMark() === undefined ? {} : { highWaterMark: highWaterMark()! }),
      firstRunAt: deps.repo.firstRunAt()!,
    });

  const remember = (now: number) => {
    const next = nextHighWaterMark({ now, highWaterMark: highWaterMark() });
    deps.repo.setHighWaterMark(next);
    try {
      writeFileSync(deps.clockMarkFile, JSON.stringify({ ms: next }), { mode: 0o600 });
    } catch (error) {
      deps.logger.warn('could not write the clock mark file', { path: deps.clockMarkFile, error: String(error) });
    }
  };

  const service = {
    async view(): Promise<LicenseView> {
      const now = deps.clock.now();
      const status = await verify(deps.repo.activeArmored(), now);
      remember(now);
      if (status.state !== lastState) {
        if (lastState !== undefined) deps.logger.info('license state changed', { from: lastState, to: status.state });
        lastState = status.state;
      }
      return toLicenseView(status, now);
    },

    /** Verifies `text` and, when it works now, makes it the active license. */
    async install(text: string): Promise<LicenseView> {
      const now = deps.clock.now();
      const status = await verify(text, now);
      if (!INSTALLABLE.has(status.state) || !('license' in status)) {
        deps.logger.warn('license install refused', { state: status.state });
        throw new AirlockError('LICENSE_NOT_INSTALLED', { state: status.state, reason: status.message });
      }
      deps.repo.install({
        licenseId: status.licenseId,
        licensee: `${status.license.licensee.name}, ${status.license.licensee.company}`,
        plan: status.license.plan,
        expiresAt: status.license.expiresAt,
        sha256: status.licenseSha256,
        armored: text,
        installedAt: new Date(now).toISOString(),
      });
      deps.logger.info('license installed', { licenseId: status.licenseId, expiresAt: status.license.expiresAt });
      const view = await service.view();
      deps.hub.emit('license.changed', view);
      return view;
    },

    history(): LicenseHistoryEntry[] {
      return deps.repo.history();
    },

    /** Throws LICENSE_REQUIRED with the license's own message when `action` is not allowed now. */
    async require(action: LicenseActionName): Promise<void> {
      const view = await service.view();
      if (!view.allowed[action]) throw new AirlockError('LICENSE_REQUIRED', { action, state: view.state, reason: view.message });
    },
  };
  return service;
}
export type LicenseService = ReturnType<typeof createLicenseService>;

/** Where the second copy of the clock mark lives. */
export function clockMarkPath(dataDir: string): string {
  return join(dataDir, 'clock-mark.json');
}

/** Version, commit and build time, baked in by scripts/build.mjs (and vitest.config.ts for tests). */
declare const __AIRLOCK_BUILD__: BuildInfo | undefined;

export interface BuildInfo {
  version: string;
  commit: string;
  builtAt: string;
  /** `production` only for release builds (AIRLOCK_BUILD_CHANNEL=production npm run build). */
  channel: 'production' | 'development';
}

/** The build facts of this program. */
export const buildInfo: BuildInfo =
  typeof __AIRLOCK_BUILD__ === 'undefined' ? { version: '0.0.0-unbuilt', commit: 'unknown', builtAt: 'unknown', channel: 'development' } : __AIRLOCK_BUILD__;

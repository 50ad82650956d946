import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { preferUnpacked } from './packaging';

/**
 * The resources/ folder shipped with Airlock (model catalog, license keys). Found by walking up from
 * this file: dist/cli/main.cjs, dist/core/desktop-entry.cjs and the TypeScript sources under test all
 * sit below the folder that holds it. AIRLOCK_RESOURCES_DIR overrides (packaging).
 */
export function resourcesDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.AIRLOCK_RESOURCES_DIR) return env.AIRLOCK_RESOURCES_DIR;
  let dir = __dirname;
  for (let i = 0; i < 6; i += 1) {
    const candidate = join(dir, 'resources');
    // In the packaged app resources/ is unpacked beside app.asar: the pty wrapper in it is executed.
    if (existsSync(join(candidate, 'catalog'))) return preferUnpacked(candidate);
    dir = dirname(dir);
  }
  return join(__dirname, '..', '..', 'resources');
}

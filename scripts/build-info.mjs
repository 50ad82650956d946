// Build facts baked into every bundle: version from package.json, git commit, build time.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Returns {version, commit, builtAt} for this checkout. */
export function readBuildInfo(root = process.cwd()) {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    // Not a git checkout (an unpacked release): keep "unknown".
  }
  // Release builds set AIRLOCK_BUILD_CHANNEL=production: they refuse test-signed licenses.
  const channel = process.env.AIRLOCK_BUILD_CHANNEL === 'production' ? 'production' : 'development';
  return { version: pkg.version, commit, builtAt: new Date().toISOString(), channel };
}

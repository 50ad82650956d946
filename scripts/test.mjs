// `npm test`: builds what is stale (the integration and end-to-end suites run the built programs),
// runs every vitest project (unit, integration, e2e), and ends with one line "N passed, N failed".
// Extra arguments go to vitest, e.g. `npm test -- --project unit`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAll, isBuildStale } from './build.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
const resultsDir = join(root, 'test-results');
const reportFile = join(resultsDir, 'vitest.json');

if (Number(process.versions.node.split('.')[0]) !== 24) {
  console.error(`npm test needs Node 24 (the project's own, node_modules/.bin/node); this is ${process.version}. Run it through npm.`);
  process.exit(2);
}
if (isBuildStale()) await buildAll({ quiet: true });
mkdirSync(resultsDir, { recursive: true });
rmSync(reportFile, { force: true });

const vitest = join(require.resolve('vitest/package.json', { paths: [root] }), '..', 'vitest.mjs');
const result = spawnSync(process.execPath, [vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${reportFile}`, ...process.argv.slice(2)], {
  stdio: 'inherit',
  cwd: root,
});

let passed = 0;
let failed = 1; // No report means the run broke: never count that as a pass.
let skipped = 0;
if (existsSync(reportFile)) {
  const report = JSON.parse(readFileSync(reportFile, 'utf8'));
  passed = report.numPassedTests ?? 0;
  failed = (report.numFailedTests ?? 0) + (report.numRuntimeErrorTestSuites ?? 0);
  skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  // A suite that failed to load has no tests to count: count it as a failure, never as nothing.
  for (const suite of report.testResults ?? []) if (suite.status === 'failed' && (suite.assertionResults ?? []).length === 0) failed += 1;
}
const exitCode = result.status === 0 && failed === 0 ? 0 : 1;
if (passed + failed === 0) failed = 1; // Running no test is a failure, not a pass.
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(exitCode || (passed === 0 ? 1 : 0));

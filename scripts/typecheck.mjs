// Type-checks each runtime's project in turn; exits non-zero on the first failure.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
const projects = ['tsconfig.shared.json', 'tsconfig.node.json', 'tsconfig.electron.json', 'tsconfig.renderer.json', 'tsconfig.test.json'];
for (const project of projects) {
  const started = Date.now();
  const result = spawnSync(process.execPath, [tsc, '-p', project, '--noEmit'], { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`typecheck: ${project} failed`);
    process.exit(result.status ?? 1);
  }
  console.log(`typecheck: ${project} ok (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

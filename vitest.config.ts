import { defineConfig } from 'vitest/config';
import { readBuildInfo } from './scripts/build-info.mjs';

const buildInfo = readBuildInfo() as { version: string; commit: string; builtAt: string; channel: string };

export default defineConfig({
  define: { __AIRLOCK_BUILD__: JSON.stringify(buildInfo) },
  test: {
    // Real processes, sockets and browsers: keep the 2-core CI machine from thrashing.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'integration', include: ['test/integration/**/*.test.ts'] } },
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], maxWorkers: 1, fileParallelism: false } },
    ],
  },
});

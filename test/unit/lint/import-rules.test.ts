import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/**
 * The layout rules of ../shared/DESIGN.md are lint errors. These cases lint source text as if it
 * sat at the given path, with the project's own eslint.config.js.
 */
const eslint = new ESLint({ cwd: process.cwd() });

async function restrictedImports(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('import rules', () => {
  it.each([
    ['electron/core/store/bad.ts', "import { app } from 'electron';\nexport const x = app;\n"],
    ['electron/core/bad.ts', "import { ipcMain } from 'electron/main';\nexport const x = ipcMain;\n"],
    ['electron/gateway/bad.ts', "import { buildInfo } from '../core/build-info';\nexport const x = buildInfo;\n"],
    ['electron/shared/bad.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n"],
    ['electron/shared/bad.ts', "import { join } from 'path';\nexport const x = join;\n"],
    ['electron/shared/bad.ts', "import { systemClock } from '../core/clock';\nexport const x = systemClock;\n"],
    ['renderer/src/bad.ts', "import { join } from 'node:path';\nexport const x = join;\n"],
    ['renderer/src/bad.ts', "import { buildInfo } from '../../electron/core/build-info';\nexport const x = buildInfo;\n"],
    ['electron/server/bad.ts', "import { BrowserWindow } from 'electron';\nexport const x = BrowserWindow;\n"],
    ['electron/preload/bad.ts', "import { systemClock } from '../core/clock';\nexport const x = systemClock;\n"],
    ['electron/shared/bad.ts', "import { z } from 'zod';\nexport const x = z;\n"],
    ['renderer/src/bad.ts', "import { z } from 'zod';\nexport const x = z;\n"],
    ['renderer/src/features/requests/bad.ts', "import { buildGateway } from '../../../../electron/gateway/app';\nexport const x = buildGateway;\n"],
  ])('%s: a wrong import is an error', async (filePath, code) => {
    expect((await restrictedImports(filePath, code)).length).toBeGreaterThan(0);
  });

  it.each([
    ['electron/main/ok.ts', "import { app } from 'electron';\nexport const x = app;\n"],
    ['electron/preload/ok.ts', "import { contextBridge } from 'electron';\nexport const x = contextBridge;\n"],
    ['electron/core/ok.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n"],
    ['renderer/src/ok.ts', "import { contract } from '../../electron/shared/contract';\nexport const x = contract;\n"],
    ['electron/server/ok.ts', "import { buildInfo } from '../core/build-info';\nexport const x = buildInfo;\n"],
    ['electron/shared/zod.ts', "import { z } from 'zod';\nexport const x = z;\n"],
    // A renderer feature named like a runtime folder is still the renderer's own.
    ['renderer/src/features/requests/ok.ts', "import { useNow } from '../gateway/use-now';\nexport const x = useNow;\n"],
  ])('%s: an allowed import passes', async (filePath, code) => {
    expect(await restrictedImports(filePath, code)).toEqual([]);
  });

  it('the message says why', async () => {
    const [message] = await restrictedImports('electron/core/bad.ts', "import { app } from 'electron';\nexport const x = app;\n");
    expect(message).toContain('Only electron/main and electron/preload may import electron');
  });
});

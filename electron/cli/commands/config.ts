import { readFile, writeFile } from 'node:fs/promises';
import { AirlockError } from '../../shared/errors';
import { connectToCore } from '../core-client';
import { printResult } from '../output';

/** `airlock config export [-o FILE]`: deployments (without keys), features and settings as JSON. */
export async function runConfigExport(options: { dataDir: string; output?: string }): Promise<number> {
  const core = await connectToCore(options.dataDir);
  try {
    const document = await core.client.call('config.export', {});
    const text = `${JSON.stringify(document, null, 2)}\n`;
    if (options.output) {
      await writeFile(options.output, text, { mode: 0o600 });
      process.stderr.write(`Exported to ${options.output} (API keys are not in it: enter them again after an import).\n`);
    } else {
      process.stdout.write(text);
    }
    return 0;
  } finally {
    core.close();
  }
}

/** `airlock config import FILE [--dry-run]`: shows the changes, then applies them all or none. */
export async function runConfigImport(file: string, options: { dataDir: string; dryRun?: boolean; isJson?: boolean }): Promise<number> {
  let document: unknown;
  try {
    document = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new AirlockError('CONFIG_IMPORT_INVALID', { issues: [`${file}: ${(error as NodeJS.ErrnoException).code ?? 'not valid JSON'}`] });
  }
  const core = await connectToCore(options.dataDir);
  try {
    const result = await core.client.call('config.import', { document, dryRun: options.dryRun ?? false });
    printResult(result, options.isJson, () => {
      const changed = result.changes.filter((c) => c.action !== 'unchanged');
      const lines = changed.map((c) => `  ${c.action === 'add' ? '+' : '~'} ${c.kind} ${c.target}${Object.entries(c.fields).map(([f, [a, b]]) => `\n      ${f}: ${JSON.stringify(a)} → ${JSON.stringify(b)}`).join('')}`);
      const head = changed.length === 0 ? 'Nothing to change.' : `${changed.length} change${changed.length === 1 ? '' : 's'}:`;
      return [head, ...lines, result.isApplied ? 'Applied.' : options.dryRun ? '(dry run: nothing was changed)' : ''].filter(Boolean).join('\n');
    });
    return 0;
  } finally {
    core.close();
  }
}

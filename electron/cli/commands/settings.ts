import { AirlockError } from '../../shared/errors';
import type { SettingEntry } from '../../shared/settings';
import { connectToCore } from '../core-client';
import { printResult } from '../output';

/** `--value 5000` → 5000, `--value /usr/bin/x` → "/usr/bin/x", `null` → reset: JSON when it parses, else text. */
export function parseSettingValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const show = (value: unknown) => (value === '' ? '(empty)' : typeof value === 'string' ? value : JSON.stringify(value));

export function renderSettings(entries: SettingEntry[]): string {
  return entries.map((e) => `${e.key} = ${show(e.value)}${e.isDefault ? ' (default)' : ''}\n    ${e.description}`).join('\n');
}

export async function runSettings(action: 'list' | 'get' | 'set', options: { dataDir: string; key?: string; value?: string; isJson?: boolean }): Promise<number> {
  const core = await connectToCore(options.dataDir);
  try {
    if (action === 'set') {
      const entry = await core.client.call('settings.set', { key: options.key!, value: parseSettingValue(options.value!) });
      printResult(entry, options.isJson, () => `${entry.key} = ${show(entry.value)}${entry.isDefault ? ' (default)' : ''}`);
      return 0;
    }
    const entries = await core.client.call('settings.list', {});
    if (action === 'list') {
      printResult(entries, options.isJson, () => renderSettings(entries));
      return 0;
    }
    const entry = entries.find((e) => e.key === options.key);
    if (!entry) throw new AirlockError('SETTING_UNKNOWN', { key: options.key ?? '', known: entries.map((e) => e.key) });
    printResult(entry, options.isJson, () => show(entry.value));
    return 0;
  } finally {
    core.close();
  }
}

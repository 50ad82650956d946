/** How a setting is edited, from its default value's type (the core validates the value again). */
export type SettingKind = 'boolean' | 'number' | 'list' | 'text';

export function settingKind(defaultValue: unknown): SettingKind {
  if (typeof defaultValue === 'boolean') return 'boolean';
  if (typeof defaultValue === 'number') return 'number';
  if (Array.isArray(defaultValue)) return 'list';
  return 'text';
}

/** The text shown in an input for a value. Lists: one entry per line. */
export function toInputText(value: unknown): string {
  if (Array.isArray(value)) return value.join('\n');
  if (value === null || value === undefined) return '';
  return String(value);
}

/**
 * The value to send for what was typed; `{ error }` when it cannot be one (e.g. "12a" for a number).
 * Empty text means the empty string for text settings, and nothing for numbers.
 */
export function fromInputText(kind: SettingKind, text: string): { value: unknown } | { error: string } {
  switch (kind) {
    case 'number': {
      const trimmed = text.trim();
      if (!/^-?\d+(\.\d+)?$/.test(trimmed)) return { error: `"${text}" is not a number.` };
      return { value: Number(trimmed) };
    }
    case 'list':
      return { value: text.split('\n').map((line) => line.trim()).filter(Boolean) };
    case 'boolean':
      return { value: text === 'true' };
    case 'text':
      return { value: text.trim() };
  }
}

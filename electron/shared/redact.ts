/**
 * Secrets never leave the core beyond their last 4 characters. These helpers are the one way to
 * show a secret anywhere (logs, errors, UI, IPC replies).
 */

/** `sk-abcdef1234` → `…1234`. Short secrets are masked completely. */
export function maskSecret(secret: string): string {
  if (secret.length < 12) return '…';
  return `…${secret.slice(-4)}`;
}

const SECRET_KEY = /(token|secret|password|passphrase|api[-_]?key|authorization|cookie|license[-_]?blob)/i;

/** Returns a copy of `value` in which every field whose name looks secret is masked. */
export function redactFields(value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => redactFields(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value as Record<string, unknown>)) {
    if (SECRET_KEY.test(key)) out[key] = typeof field === 'string' ? maskSecret(field) : '…';
    else out[key] = redactFields(field, depth + 1);
  }
  return out;
}

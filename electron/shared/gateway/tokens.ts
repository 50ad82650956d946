/**
 * Airlock-issued gateway tokens for direct clients (IDEs, scripts, the OpenAI-compatible door):
 * what the UI and the CLI show of them, and the rules for minting one. Pure, so the form, the CLI
 * and the core check with the same words.
 */
import { z } from '../zod';
import { airlockTokenScopes } from './scopes';

/** Longest lifetime a token may be given: a leaked token stays dangerous at most this long. */
export const MAX_TOKEN_DAYS = 365;
export const DEFAULT_TOKEN_DAYS = 90;

export const tokenViewSchema = z.object({
  id: z.string(),
  label: z.string(),
  scopes: z.array(z.string()),
  /** The token's last 4 characters, to tell tokens apart; the token itself is shown once, at minting. */
  last4: z.string(),
  createdAt: z.string(),
  createdBy: z.string(),
  expiresAt: z.string(),
  revokedAt: z.string().nullable(),
  state: z.enum(['active', 'expired', 'revoked']),
});
export type TokenView = z.infer<typeof tokenViewSchema>;

export const mintTokenInputSchema = z
  .object({
    label: z.string().max(200),
    scopes: z.array(z.string().max(100)).max(64),
    /** `30d`, `12h`, `2027-01-31` or an ISO date-time. */
    expires: z.string().max(100),
  })
  .strict();
export type MintTokenInput = z.infer<typeof mintTokenInputSchema>;

// eslint-disable-next-line no-control-regex -- the point is to find control characters
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/** The label as stored, or the reason it cannot be. */
export function checkTokenLabel(label: string): { ok: true; label: string } | { ok: false; message: string } {
  const trimmed = label.trim();
  if (trimmed === '') return { ok: false, message: 'A label is required: say who or what uses the token (e.g. "ci-pipeline" or "alice laptop").' };
  if (trimmed.length > 100) return { ok: false, message: `The label is ${trimmed.length} characters long; the limit is 100.` };
  if (CONTROL_CHARS.test(trimmed)) return { ok: false, message: 'The label cannot contain line breaks or other control characters.' };
  return { ok: true, label: trimmed };
}

/** The scopes as stored (deduplicated, in catalogue order), or the reason they cannot be. */
export function checkTokenScopes(scopes: readonly string[]): { ok: true; scopes: string[] } | { ok: false; message: string } {
  const cleaned = [...new Set(scopes.map((scope) => scope.trim()).filter((scope) => scope !== ''))];
  if (cleaned.length === 0) return { ok: false, message: `Give at least one scope: ${airlockTokenScopes.join(', ')}.` };
  const unknown = cleaned.filter((scope) => !airlockTokenScopes.includes(scope));
  if (unknown.length > 0) return { ok: false, message: `Unknown scope${unknown.length > 1 ? 's' : ''} ${unknown.map((s) => `"${s.slice(0, 50)}"`).join(', ')}; known scopes: ${airlockTokenScopes.join(', ')}.` };
  return { ok: true, scopes: airlockTokenScopes.filter((scope) => cleaned.includes(scope)) };
}

const DAY_MS = 86_400_000;

/**
 * When a token minted at `now` expires: `30d`, `12h`, a date (`2027-01-31`, end of that day UTC)
 * or an ISO date-time. At least one hour ahead, at most MAX_TOKEN_DAYS.
 */
export function parseTokenExpiry(text: string, now: number): { ok: true; expiresAt: number } | { ok: false; message: string } {
  const value = text.trim();
  let at: number;
  const relative = /^(\d{1,4})\s*([dh])$/i.exec(value);
  if (relative) {
    const amount = Number(relative[1]);
    at = now + amount * (relative[2]!.toLowerCase() === 'd' ? DAY_MS : 3_600_000);
  } else if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    at = Date.parse(`${value}T23:59:59Z`);
  } else if (/^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})$/.test(value)) {
    at = Date.parse(value);
  } else {
    return { ok: false, message: `"${value.slice(0, 50)}" is not an expiry; write 30d, 12h, a date such as 2027-01-31, or an ISO date-time.` };
  }
  // Date.parse rolls an impossible day over into the next month (2027-02-30 → 2 March): refuse it.
  const ymd = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
  if (ymd) {
    const [y, m, d] = [Number(ymd[1]), Number(ymd[2]), Number(ymd[3])];
    const day = new Date(Date.UTC(y, m - 1, d));
    if (day.getUTCFullYear() !== y || day.getUTCMonth() !== m - 1 || day.getUTCDate() !== d) return { ok: false, message: `"${value.slice(0, 50)}" is not a valid date.` };
  }
  if (!Number.isFinite(at)) return { ok: false, message: `"${value.slice(0, 50)}" is not a valid date.` };
  if (at < now + 3_600_000) return { ok: false, message: 'The expiry must be at least one hour from now.' };
  if (at > now + MAX_TOKEN_DAYS * DAY_MS) return { ok: false, message: `The expiry is more than ${MAX_TOKEN_DAYS} days away; mint a new token before this one expires instead.` };
  return { ok: true, expiresAt: at };
}

/**
 * The mint form's choices and the token list's wording. Pure: the core checks every field again
 * (checkTokenLabel, checkTokenScopes, parseTokenExpiry) and its words are the ones shown.
 */
import { OPENAI_SCOPE, airlockTokenScopes } from '../../../../electron/shared/gateway/scopes';
import { DEFAULT_TOKEN_DAYS, MAX_TOKEN_DAYS, type TokenView } from '../../../../electron/shared/gateway/tokens';
import type { Tone } from './gateway-format';

/** Lifetimes the form offers; `date` takes a day from the date input. */
export const expiryChoices = [
  { id: '30d', label: '30 days' },
  { id: '90d', label: '90 days' },
  { id: '365d', label: '365 days' },
  { id: 'date', label: 'Until a date…' },
] as const;

export type ExpiryChoice = (typeof expiryChoices)[number]['id'];

/** The core's default lifetime, as one of the choices. */
export const DEFAULT_EXPIRY: ExpiryChoice = expiryChoices.find((choice) => choice.id === `${DEFAULT_TOKEN_DAYS}d`)?.id ?? '90d';

/** The `expires` the core parses: `30d`, or the chosen date (`2027-01-31`, valid to the end of that day UTC). */
export function expiresInput(choice: ExpiryChoice, date: string): string {
  return choice === 'date' ? date.trim() : choice;
}

const DAY_MS = 86_400_000;
const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * Bounds of the date input. A date means the end of that day UTC, so today may still be an hour
 * away; the last day whose end stays within MAX_TOKEN_DAYS is MAX_TOKEN_DAYS − 1 days ahead.
 */
export function expiryDateBounds(now: number): { min: string; max: string } {
  return { min: utcDay(now), max: utcDay(now + (MAX_TOKEN_DAYS - 1) * DAY_MS) };
}

/** The scopes a new token gets unless the operator changes them: the OpenAI-compatible door. */
export const DEFAULT_SCOPES: readonly string[] = [OPENAI_SCOPE];

/** The checkboxes, in two groups: the OpenAI door, and GitLab's unit primitives (a token for a GitLab-style client). */
export const scopeGroups: readonly { title: string; hint: string; scopes: readonly string[] }[] = [
  { title: 'OpenAI-compatible API', hint: '/v1/chat/completions, /v1/completions and /v1/models', scopes: [OPENAI_SCOPE] },
  { title: 'GitLab Duo features (unit primitives)', hint: 'the GitLab endpoints, for clients that call them directly', scopes: airlockTokenScopes.filter((scope) => scope !== OPENAI_SCOPE) },
];

/** Adds or removes a scope; the result keeps the catalogue's order. */
export function toggleScope(scopes: readonly string[], scope: string, isOn: boolean): string[] {
  const chosen = new Set(scopes);
  if (isOn) chosen.add(scope);
  else chosen.delete(scope);
  return airlockTokenScopes.filter((known) => chosen.has(known));
}

/** The colour of each token state. */
export const tokenStateTones: Record<TokenView['state'], Tone> = { active: 'ok', expired: 'muted', revoked: 'bad' };

/** "in 29 days", "in 5 h", "in 10 min", "3 days ago": the expiry, relative to `now`. */
export function describeExpiry(expiresAt: string, now: number): string {
  const at = Date.parse(expiresAt);
  const ms = at - now;
  const span = (abs: number) => {
    if (abs >= DAY_MS) return `${Math.floor(abs / DAY_MS)} ${Math.floor(abs / DAY_MS) === 1 ? 'day' : 'days'}`;
    if (abs >= 3_600_000) return `${Math.floor(abs / 3_600_000)} h`;
    return `${Math.max(1, Math.floor(abs / 60_000))} min`;
  };
  return ms > 0 ? `in ${span(ms)}` : `${span(-ms)} ago`;
}

/** "openai", "openai + 2 more": a short cell for a long scope list. */
export function describeScopes(scopes: readonly string[], shown = 3): string {
  if (scopes.length <= shown) return scopes.join(', ');
  return `${scopes.slice(0, shown).join(', ')} + ${scopes.length - shown} more`;
}

export type MintField = 'label' | 'scopes' | 'expires';

/** A refused mint: the core's message as it is, its code, and for TOKEN_INVALID the field it names. */
export interface MintRefusal {
  message: string;
  code: string | null;
  field: MintField | null;
}

/** Reads a rejected `tokens.mint` (RemoteError from the core, or a transport error). */
export function describeMintError(error: unknown): MintRefusal {
  const raw = (error ?? {}) as { message?: unknown; code?: unknown; data?: unknown };
  const message = typeof raw.message === 'string' && raw.message !== '' ? raw.message : String(error);
  const code = typeof raw.code === 'string' ? raw.code : null;
  const field = (raw.data as { field?: unknown } | undefined)?.field;
  const isField = field === 'label' || field === 'scopes' || field === 'expires';
  return { message, code, field: code === 'TOKEN_INVALID' && isField ? field : null };
}

/** How the GitLab setup sheet reads: each value's text, and whether it may be copied. */
import type { CallOutput } from '../../../../electron/shared/contract';
import { settingSpecs } from '../../../../electron/shared/settings';

/** The sheet as `gitlab.sheet` returns it. */
export type GitlabSheetView = CallOutput<'gitlab.sheet'>;

/** One labelled value. */
export type SheetFieldView = GitlabSheetView['gateway']['fields'][number];

/** What the page shows for a value; a secret only as its last 4 characters. */
export function sheetValueText(value: SheetFieldView['value']): string {
  return value.kind === 'secret' ? `…${value.last4}` : value.text;
}

/**
 * The text a copy button copies, or null when there is none: nothing to enter ("(leave empty)"),
 * and never a secret — the page only has its last 4 characters, and copying those would paste a
 * wrong key into GitLab.
 */
export function copyableText(value: SheetFieldView['value']): string | null {
  return value.kind === 'text' ? value.text : null;
}

/** Why a secret has no copy button. */
export const SECRET_NOTE =
  "Masked: API keys never leave the core toward the console. With Airlock's gateway, leave this field empty in GitLab: the gateway adds the key Airlock stores. If GitLab must hold the key, read it on purpose on the appliance with: airlock gitlab-sheet --reveal-keys";

/** The state of the gateway URL as typed: an error blocks saving, a warning does not. */
export interface GatewayUrlCheck {
  error: string | null;
  warning: string | null;
}

const LOOPBACK = /^https?:\/\/(localhost|127\.[\d.]+|\[::1\]|0\.0\.0\.0)(:|\/|$)/i;

/**
 * Checks the "Local AI Gateway URL" with the setting's own schema (the core checks again), and warns
 * about an address GitLab cannot use: GitLab runs on another host, where 127.0.0.1 is GitLab itself.
 */
export function checkGatewayUrl(text: string): GatewayUrlCheck {
  const value = text.trim();
  const parsed = settingSpecs['gateway.url'].schema.safeParse(value);
  if (!parsed.success) {
    const reason = parsed.error.issues[0]?.message ?? 'is not valid';
    return { error: `The gateway URL ${reason}, e.g. https://airlock.example.internal:5052.`, warning: null };
  }
  if (LOOPBACK.test(value)) {
    return { error: null, warning: 'GitLab calls this URL from its own host, where a loopback address means GitLab itself; use an address GitLab can reach, unless GitLab runs on this host.' };
  }
  return { error: null, warning: null };
}

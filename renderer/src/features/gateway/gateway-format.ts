/**
 * How the Gateway page and the Overview card word what `gateway.status` answered. Pure: every
 * figure comes from the view passed in, and `now` is a parameter.
 */
import type { GatewayStatus, GatewayView } from '../../../../electron/shared/gateway/channel';
import { formatDuration } from '../../lib/format';
import { stateLabels } from '../services/unit-format';

/** The colour of a pill (`pill-state-*`). */
export type Tone = 'ok' | 'warn' | 'bad' | 'muted' | 'busy';

/** The unit's state as the Services page words it. `gateway.status` types it as a string, so a state this build does not know is shown as it is. */
export function describeUnitState(state: string): { label: string; tone: Tone } {
  return (stateLabels as Record<string, { label: string; tone: Tone } | undefined>)[state] ?? { label: state, tone: 'muted' };
}

/** Whole seconds since the gateway's last report; null when it never sent one. */
export function reportAgeSeconds(statusAt: number | null, now: number): number | null {
  if (statusAt === null) return null;
  return Math.max(0, Math.floor((now - statusAt) / 1000));
}

/** "3 s", "2m 5s": the age of a report, in the words the page uses. */
export function formatAge(seconds: number): string {
  return seconds < 60 ? `${seconds} s` : formatDuration(seconds);
}

/** The private channel in one line, and whether the gateway runs an older configuration than the one sent. */
export function describeChannel(channel: GatewayView['channel']): { text: string; isBehind: boolean } {
  if (!channel.isConnected) return { text: 'Not connected', isBehind: false };
  const applied = channel.appliedVersion;
  const sent = channel.sentVersion;
  const isBehind = sent !== null && applied !== sent;
  return { text: `Connected · configuration ${applied ?? '—'} applied of ${sent ?? '—'} sent`, isBehind };
}

/** "12 answered · 3 refused (401) · 0 in flight". */
export function describeRequestCounters(status: Pick<GatewayStatus, 'requests' | 'inFlight'>): string {
  return `${status.requests.total} answered · ${status.requests.authFailures} refused (401) · ${status.inFlight} in flight`;
}

/** "5 written · 0 dropped · 0 queued", or why there is no request log. */
export function describeRequestLog(log: GatewayStatus['requestLog']): string {
  if (!log) return 'Off: the gateway keeps no request log.';
  return `${log.written} written · ${log.dropped} dropped · ${log.queued} queued`;
}

/** What the gateway said about GitLab's signing keys: not configured, or where from, how many and when. */
export type GitlabKeysSummary =
  | { isConfigured: false }
  | { isConfigured: true; url: string | null; keyCount: number; fetched: string; lastError: string | null };

export function summarizeGitlabKeys(keys: GatewayStatus['gitlabKeys'], now: number): GitlabKeysSummary {
  if (!keys) return { isConfigured: false };
  const fetched = keys.lastFetchAt === null ? 'never fetched' : `fetched ${formatAge(Math.max(0, Math.floor((now - keys.lastFetchAt) / 1000)))} ago`;
  return { isConfigured: true, url: keys.url, keyCount: keys.keyIds.length, fetched, lastError: keys.lastError };
}

/** "1 key", "3 keys". */
export function countKeys(count: number): string {
  return `${count} ${count === 1 ? 'key' : 'keys'}`;
}

/**
 * The URL GitLab (and any client) should call: the gateway.url setting when the operator set it
 * (a name behind a proxy, a TLS name), else the address the gateway reported listening on.
 */
export function clientGatewayUrl(urlSetting: unknown, status: Pick<GatewayStatus, 'listening'> | null): { url: string; source: 'setting' | 'listening' } | null {
  if (typeof urlSetting === 'string' && urlSetting.trim() !== '') return { url: trimSlash(urlSetting.trim()), source: 'setting' };
  if (status?.listening?.url) return { url: trimSlash(status.listening.url), source: 'listening' };
  return null;
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** The OpenAI-compatible base URL under a gateway URL. */
export function openAiBaseUrl(gatewayUrl: string): string {
  return `${trimSlash(gatewayUrl)}/v1`;
}

/** True when the URL's host is a loopback address: only clients on this host can reach it. */
export function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return false;
  }
  return host === 'localhost' || host === '[::1]' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** A Python example for the OpenAI client; the token is a placeholder, never the real one. */
export function openAiPythonExample(baseUrl: string): string {
  return [
    'from openai import OpenAI',
    '',
    `client = OpenAI(base_url="${baseUrl}", api_key="<your Airlock token>")`,
    'reply = client.chat.completions.create(',
    '    model="<deployment name or feature id>",',
    '    messages=[{"role": "user", "content": "Hello"}],',
    ')',
    'print(reply.choices[0].message.content)',
  ].join('\n');
}

/** The same call with curl, reading the token from an environment variable. */
export function curlExample(baseUrl: string): string {
  return [
    `curl ${baseUrl}/chat/completions \\`,
    '  -H "Authorization: Bearer $AIRLOCK_TOKEN" \\',
    '  -H "Content-Type: application/json" \\',
    '  -d \'{"model": "<deployment name or feature id>", "messages": [{"role": "user", "content": "Hello"}]}\'',
  ].join('\n');
}

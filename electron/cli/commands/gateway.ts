import { spawn } from 'node:child_process';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AirlockError } from '../../shared/errors';
import { NODE_RUNTIME } from '../../shared/node-runtime';
import type { GatewayView } from '../../shared/gateway/channel';
import type { RequestDetail, RequestFilter, RequestRow, RequestStats } from '../../shared/gateway/requests';
import type { TokenView } from '../../shared/gateway/tokens';
import { connectToCore } from '../core-client';
import { printResult } from '../output';

type CoreClient = Awaited<ReturnType<typeof connectToCore>>['client'];

async function withCore<T>(dataDir: string, fn: (client: CoreClient) => Promise<T>): Promise<T> {
  const core = await connectToCore(dataDir);
  try {
    return await fn(core.client);
  } finally {
    core.close();
  }
}

/** A table with a header row; columns padded to their widest cell. */
function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

const day = (iso: string | null) => (iso ? iso.slice(0, 16).replace('T', ' ') : '—');

export function renderTokens(tokens: TokenView[]): string {
  if (tokens.length === 0) return 'No gateway tokens. Mint one with "airlock tokens mint --label LABEL --scopes openai".';
  return table([
    ['ID', 'LABEL', 'SCOPES', 'STATE', 'EXPIRES', 'ENDS IN', 'CREATED BY'],
    ...tokens.map((t) => [t.id, t.label, t.scopes.join(','), t.state, day(t.expiresAt), `…${t.last4}`, t.createdBy]),
  ]);
}

export async function runTokensMint(options: { dataDir: string; label: string; scopes: string; expires: string; isJson?: boolean }): Promise<number> {
  return withCore(options.dataDir, async (client) => {
    const minted = await client.call('tokens.mint', { label: options.label, scopes: options.scopes.split(','), expires: options.expires });
    printResult(minted, options.isJson, () =>
      [
        minted.token,
        '',
        `Token ${minted.view.id} "${minted.view.label}" (${minted.view.scopes.join(', ')}), valid until ${day(minted.view.expiresAt)} UTC.`,
        'This is the only time it is shown: store it now. Use it as "Authorization: Bearer <token>" (the OpenAI client\'s api_key).',
      ].join('\n'),
    );
    return 0;
  });
}

export async function runTokensList(options: { dataDir: string; isJson?: boolean }): Promise<number> {
  return withCore(options.dataDir, async (client) => {
    const tokens = await client.call('tokens.list', {});
    printResult(tokens, options.isJson, () => renderTokens(tokens));
    return 0;
  });
}

export async function runTokensRevoke(id: string, options: { dataDir: string; isJson?: boolean }): Promise<number> {
  return withCore(options.dataDir, async (client) => {
    const token = await client.call('tokens.revoke', { id });
    printResult(token, options.isJson, () => `Revoked ${token.id} "${token.label}" (…${token.last4}); the gateway refuses it from now on.`);
    return 0;
  });
}

export function renderRequests(rows: RequestRow[]): string {
  if (rows.length === 0) return 'No requests logged (for this filter).';
  return table([
    ['ID', 'TIME (UTC)', 'STATUS', 'ENDPOINT', 'FEATURE', 'DEPLOYMENT', 'LATENCY', 'TOKENS', 'CLIENT', 'ERROR'],
    ...rows.map((r) => [
      String(r.id),
      new Date(r.ts).toISOString().slice(0, 19).replace('T', ' '),
      String(r.status),
      r.endpoint,
      r.feature ?? '—',
      r.deployment ?? '—',
      `${Math.round(r.latencyMs)} ms`,
      r.tokensIn === null && r.tokensOut === null ? '—' : `${r.tokensIn ?? '?'}/${r.tokensOut ?? '?'}`,
      r.client,
      (r.error ?? '').slice(0, 60),
    ]),
  ]);
}

export function renderRequest(detail: RequestDetail): string {
  const lines = Object.entries({
    id: detail.id,
    time: new Date(detail.ts).toISOString(),
    'request id': detail.requestId,
    client: `${detail.client} from ${detail.clientIp}`,
    endpoint: `${detail.method} ${detail.endpoint}`,
    feature: detail.feature ?? '—',
    'unit primitive': detail.unitPrimitive ?? '—',
    deployment: detail.deployment ?? '—',
    model: detail.model ?? '—',
    status: detail.status,
    stream: detail.isStream ? 'yes' : 'no',
    latency: `${detail.latencyMs} ms`,
    'first byte': detail.ttfbMs === null ? '—' : `${detail.ttfbMs} ms`,
    tokens: `${detail.tokensIn ?? '?'} in, ${detail.tokensOut ?? '?'} out`,
    error: detail.error ?? '—',
  }).map(([key, value]) => `${key.padEnd(15)} ${value}`);
  if (detail.prompt !== null) lines.push('', '--- prompt ---', detail.prompt);
  if (detail.response !== null) lines.push('', '--- response ---', detail.response);
  if (detail.prompt === null && detail.response === null) lines.push('', '(prompt and response not kept: gateway.aiRequestLogging is off, or GitLab did not allow verbose AI logs)');
  return lines.join('\n');
}

/** A percentile as read: "≤ 120 ms" when it is a histogram bucket's upper edge, "—" when there is none. */
const percentile = (ms: number | null, isUpperBound: boolean) => (ms === null ? '—' : `${isUpperBound ? '≤ ' : ''}${ms} ms`);

export function renderRequestStats(stats: RequestStats, minutes: number): string {
  if (!stats.isAvailable) return 'No request log yet: the gateway has not run on this appliance.';
  return [
    `Last ${minutes >= 1440 && minutes % 1440 === 0 ? `${minutes / 1440} d` : `${minutes} min`}: ${stats.total} requests, ${stats.ok} ok, ${stats.clientErrors} client errors, ${stats.serverErrors} server errors.`,
    `Latency p50 ${percentile(stats.latencyMs.p50, stats.latencyMs.isUpperBound)}, p95 ${percentile(stats.latencyMs.p95, stats.latencyMs.isUpperBound)}. Tokens ${stats.tokensIn} in, ${stats.tokensOut} out.`,
    ...(stats.dropped > 0 ? [`${stats.dropped} requests were not logged: the request log fell behind.`] : []),
    ...stats.byFeature.map((f) => `  ${f.feature.padEnd(32)} ${String(f.count).padStart(7)} requests, ${f.errors} errors`),
  ].join('\n');
}

export async function runRequestsList(filter: RequestFilter, options: { dataDir: string; isJson?: boolean }): Promise<number> {
  return withCore(options.dataDir, async (client) => {
    const rows = await client.call('requests.list', filter);
    printResult(rows, options.isJson, () => renderRequests(rows));
    return 0;
  });
}

export async function runRequestsShow(id: number, options: { dataDir: string; isJson?: boolean }): Promise<number> {
  return withCore(options.dataDir, async (client) => {
    const detail = await client.call('requests.get', { id });
    printResult(detail, options.isJson, () => renderRequest(detail));
    return 0;
  });
}

export async function runRequestsStats(minutes: number, options: { dataDir: string; isJson?: boolean }): Promise<number> {
  return withCore(options.dataDir, async (client) => {
    const stats = await client.call('requests.stats', { sinceMinutes: minutes });
    printResult(stats, options.isJson, () => renderRequestStats(stats, minutes));
    return 0;
  });
}

export function renderGateway(view: GatewayView): string {
  if (!view.unit) return 'The Airlock gateway is not set up. Add it with "airlock services add gateway --preset airlock-gateway".';
  const status = view.status;
  const lines = [`Unit ${view.unit.name}: ${view.unit.state}.`, `Channel: ${view.channel.isConnected ? 'connected' : 'not connected'}; configuration ${view.channel.appliedVersion ?? '—'} applied of ${view.channel.sentVersion ?? '—'} sent.`];
  if (view.channel.rejection) lines.push(`The gateway refused the last configuration: ${view.channel.rejection}`);
  if (status) {
    lines.push(`Listening on ${status.listening?.url ?? '—'}${status.listening?.metricsUrl ? `, metrics on ${status.listening.metricsUrl}` : ''}.`);
    lines.push(`${status.requests.total} requests answered, ${status.requests.authFailures} refused (401), ${status.inFlight} in flight. RSS ${Math.round(status.rssBytes / 1048576)} MiB.`);
    if (status.requestLog) lines.push(`Request log: ${status.requestLog.written} written, ${status.requestLog.dropped} dropped${status.requestLog.lastError ? `; last error: ${status.requestLog.lastError}` : ''}.`);
    if (status.gitlabKeys) {
      const keys = status.gitlabKeys;
      lines.push(`GitLab keys from ${keys.url}: ${keys.keyIds.length} key(s)${keys.lastFetchAt ? `, fetched ${new Date(keys.lastFetchAt).toISOString()}` : ', never fetched'}${keys.lastError ? `; last error: ${keys.lastError}` : ''}.`);
    } else {
      lines.push('GitLab tokens are refused: gateway.gitlabUrl is not set.');
    }
    if (status.needsRestart) lines.push('A setting it is bound with changed: restart the unit to apply it.');
    if (!view.isStatusFresh) lines.push('(this report is more than 10 s old)');
  }
  return lines.join('\n');
}

export async function runGatewayStatus(options: { dataDir: string; isJson?: boolean }): Promise<number> {
  return withCore(options.dataDir, async (client) => {
    const view = await client.call('gateway.status', {});
    printResult(view, options.isJson, () => renderGateway(view));
    return 0;
  });
}

/** Writes the standalone configuration file (0600) and says which variables must hold the keys. */
export async function runGatewayExport(options: { dataDir: string; output: string }): Promise<number> {
  return withCore(options.dataDir, async (client) => {
    const { document, keyVariables } = await client.call('gateway.standaloneConfig', {});
    // Owner-only from creation: the file names the valid token ids and the site's topology.
    writeFileSync(options.output, `${JSON.stringify(document, null, 2)}\n`, { mode: 0o600, flag: 'w' });
    chmodSync(options.output, 0o600);
    const lines = [`Wrote ${options.output} (mode 600). Run it on the other host with: airlock gateway run --config ${options.output}`];
    if (keyVariables.length > 0) {
      lines.push('No API key is in the file; set these variables in the gateway\'s environment there:');
      for (const { deployment, variable } of keyVariables) lines.push(`  ${variable}  (the key of "${deployment}")`);
    }
    lines.push('Set requestLog.path in the file to keep a request log on that host.');
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  });
}

/** Runs the gateway program in the foreground from a configuration file (a standalone gateway). */
export function runGatewayStandalone(configPath: string): Promise<number> {
  const entry = process.env.AIRLOCK_GATEWAY_ENTRY ?? join(__dirname, '..', 'gateway', 'main.cjs');
  if (!existsSync(entry)) return Promise.reject(new AirlockError('GATEWAY_NOT_BUILT', { path: entry }));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...NODE_RUNTIME.nodeFlags, entry, '--config', configPath], { stdio: 'inherit', env: { ...process.env, ...NODE_RUNTIME.env } });
    const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, forward(signal));
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

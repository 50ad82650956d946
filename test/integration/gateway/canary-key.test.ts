/**
 * A deployment's API key never leaves the way to its model server (issue; reliability.md §7 G8):
 * with a canary key registered, every error path — the upstream refusing the key and echoing it
 * back, failing with the key in its body, being down, too slow, answering garbage, and a request
 * that carries its own key — is driven through the gateway at debug log level; the canary then
 * appears in no response body or header, no log line, and no byte of requests.db (with its WAL).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ScriptedUpstream, startScriptedUpstream } from '../../doubles/scripted-upstream';
import { type GatewayHarness, startGatewayHarness, vllmDeployment } from '../../helpers/gateway-harness';
import { freePort } from '../../helpers/net';

const CANARY = 'canary-5b2f0e8d41c97a36-do-not-leak';
const REQUEST_CANARY = 'canary-request-key-99c1e4a7-do-not-leak';
let upstream: ScriptedUpstream;
let gw: GatewayHarness;
let dir: string;
const bodies: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'al-canary-'));
  upstream = await startScriptedUpstream();
  const downPort = await freePort();
  gw = await startGatewayHarness({
    deployments: [
      vllmDeployment('codestral', `${upstream.url}/v1`, { apiKey: CANARY, timeoutMs: 1500 }),
      vllmDeployment('down', `http://127.0.0.1:${downPort}/v1`, { apiKey: CANARY }),
    ],
    features: { duo_chat: 'codestral', code_completions: 'codestral', code_generations: 'down' },
    requestLogPath: join(dir, 'requests.db'),
    config: { requestLog: { path: null, isAiLoggingEnabled: true, retentionDays: 30 } },
  });
});

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
  rmSync(dir, { recursive: true, force: true });
});

const echoAuthorization = (request: { headers: Record<string, unknown> }) => JSON.stringify({ error: { message: `Invalid key: ${String(request.headers.authorization)}` } });

async function call(path: string, body: unknown, headers: Record<string, string> = { ...gw.gitlabHeaders(), 'x-gitlab-enabled-instance-verbose-ai-logs': 'true' }) {
  const response = await fetch(`${gw.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  const text = await response.text();
  bodies.push(text, JSON.stringify([...response.headers.entries()]));
  return { status: response.status, text };
}

const chat = { messages: [{ role: 'user', content: 'hi' }] };
const completion = { current_file: { file_name: 'a.py', content_above_cursor: 'x = ', content_below_cursor: '' } };

describe('the canary API key', () => {
  it('is sent to the model server and nowhere else, whatever goes wrong', async () => {
    upstream.script(
      { kind: 'status', status: 401, body: echoAuthorization },
      { kind: 'status', status: 500, body: (request) => `upstream crashed while using ${String(request.headers.authorization)} (key ${CANARY})` },
      { kind: 'raw', status: 200, contentType: 'application/json', parts: ['{"choices": [not json'] },
      { kind: 'never-answer' },
      { kind: 'status', status: 401, body: echoAuthorization },
      { kind: 'openai', chunks: 2 },
    );
    expect((await call('/v2/chat/agent', chat)).status).toBe(502);
    expect((await call('/v2/code/completions', completion)).status).toBe(502);
    expect((await call('/v2/code/completions', completion)).status).toBe(502);
    expect((await call('/v2/code/completions', completion)).status).toBe(504);
    // The request's own key, echoed back by the upstream, is scrubbed as well.
    const own = await call('/v2/code/completions', { ...completion, model_endpoint: `${upstream.url}/v1`, model_identifier: 'custom_openai/codestral', model_api_key: REQUEST_CANARY });
    expect(own.status).toBe(502);
    // A server that is down, through generation (mapped to "down").
    const generation = await call('/v4/code/suggestions', { prompt_components: [{ type: 'code_editor_generation', payload: { file_name: 'a.go', content_above_cursor: 'package a', content_below_cursor: '' } }] });
    expect(generation.status).toBe(502);
    // And a success with prompt logging on: the prompt is kept, the key is not in it.
    expect((await call('/v2/chat/agent', chat)).status).toBe(200);

    // The model server did get the key, each time (so the canary was really in play).
    expect(upstream.requests.filter((r) => r.headers.authorization === `Bearer ${CANARY}`).length).toBeGreaterThanOrEqual(5);
    expect(upstream.requests.some((r) => r.headers.authorization === `Bearer ${REQUEST_CANARY}`)).toBe(true);

    await gw.waitForRecords(7);
    const rows = gw.records.slice(0, 7);
    expect(rows.map((r) => r.status)).toEqual([502, 502, 502, 504, 502, 502, 200]);
    expect(rows.every((r) => r.error === null || r.error.length > 0)).toBe(true);
    expect(rows.at(-1)!.prompt).toContain('hi');

    // Let the request log write, then read the database files byte for byte.
    const log = gw.runtime.status().requestLog!;
    const deadline = Date.now() + 5000;
    while (gw.runtime.status().requestLog!.written < 7 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(gw.runtime.status().requestLog!.written).toBeGreaterThanOrEqual(7);
    expect(log).toBeTruthy();
    const files = ['requests.db', 'requests.db-wal'].map((name) => join(dir, name)).filter((path) => existsSync(path));
    expect(files.length).toBeGreaterThan(0);
    const everything = [
      ...bodies,
      ...gw.logLines,
      JSON.stringify(gw.records),
      ...files.map((path) => readFileSync(path).toString('latin1')),
    ].join('\n');
    for (const secret of [CANARY, REQUEST_CANARY]) {
      expect(everything).not.toContain(secret);
      expect(everything).not.toContain(secret.slice(0, 20));
    }
    // The errors still say what happened.
    expect(rows[0]!.error).toContain('401');
    expect(rows[3]!.error).toMatch(/no answer|within/);
  });
});

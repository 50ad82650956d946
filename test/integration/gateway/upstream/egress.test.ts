/**
 * The egress gate (reliability.md §6): a destination the allowlist does not name gets no socket
 * at all (a listener on it sees 0 connections) and the call fails with `egress-denied`; allowed
 * origins are asked about once per connection, not per request (keep-alive pooling); the JWKS
 * fetch follows no redirect, caps the body and checks the content type.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createEgressAgent, type EgressOrigin, fetchJsonThroughEgress, isEgressDenied } from '../../../../electron/gateway/upstream/egress';
import { createOpenAiCompatibleAdapter } from '../../../../electron/gateway/upstream/openai-compatible';
import { type ScriptedUpstream, startScriptedUpstream } from '../../../doubles/scripted-upstream';
import { chatCall, collect, deploymentOf, expectUpstreamError, optionsOf, sleep, targetOf } from './upstream-test-kit';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function upstreamFor(): Promise<ScriptedUpstream> {
  const upstream = await startScriptedUpstream();
  cleanups.push(() => upstream.close());
  return upstream;
}

function gate(isAllowed: (origin: EgressOrigin) => boolean, options: { connections?: number } = {}) {
  const asked: EgressOrigin[] = [];
  const agent = createEgressAgent({
    ...options,
    isAllowed: (origin) => {
      asked.push(origin);
      return isAllowed(origin);
    },
  });
  cleanups.push(() => agent.destroy());
  return { agent, asked };
}

/** A plain HTTP server answering every request with `handler`, counting connections. */
async function plainServer(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; port: number; connections: () => number }> {
  let connections = 0;
  const server: Server = createServer(handler);
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, port, connections: () => connections };
}

describe('createEgressAgent', () => {
  it('a disallowed origin: egress-denied, and its listener sees 0 connections', async () => {
    const upstream = await upstreamFor();
    const { agent, asked } = gate(() => false);
    const adapter = createOpenAiCompatibleAdapter({ dispatcher: agent });
    const error = await expectUpstreamError(adapter.call(targetOf(deploymentOf({ endpoint: `${upstream.url}/v1` })), chatCall, optionsOf({ stream: true })), 'egress-denied');
    expect(error.detail).toBe(`codestral-test: http://127.0.0.1:${upstream.port} is not on the egress allowlist`);
    await sleep(50);
    expect(upstream.connections).toHaveLength(0);
    expect(asked).toEqual([{ protocol: 'http:', hostname: '127.0.0.1', port: upstream.port }]);
  });

  it('asks once per connection: 20 calls one after another, one question, one connection', async () => {
    const upstream = await upstreamFor();
    const { agent, asked } = gate(() => true);
    const adapter = createOpenAiCompatibleAdapter({ dispatcher: agent });
    for (let i = 0; i < 20; i += 1) {
      await collect(await adapter.call(targetOf(deploymentOf({ endpoint: `${upstream.url}/v1` })), chatCall, optionsOf({ stream: i % 2 === 0 })));
      await sleep(1);
    }
    expect(asked).toHaveLength(1);
    expect(upstream.connections).toHaveLength(1);
  });

  it('passes default ports, lower-case names and bare IPv6 literals to the allowlist', async () => {
    const { agent, asked } = gate(() => false);
    for (const origin of ['https://Models.Example.internal', 'http://models.example.internal', 'http://[::1]:8000']) {
      await expect(agent.request({ origin, path: '/', method: 'GET' })).rejects.toSatisfy(isEgressDenied);
    }
    expect(asked).toEqual([
      { protocol: 'https:', hostname: 'models.example.internal', port: 443 },
      { protocol: 'http:', hostname: 'models.example.internal', port: 80 },
      { protocol: 'http:', hostname: '::1', port: 8000 },
    ]);
  });

  it('a disallowed origin is refused before any DNS lookup (an unresolvable name is still egress-denied)', async () => {
    const { agent } = gate(() => false);
    const adapter = createOpenAiCompatibleAdapter({ dispatcher: agent });
    await expectUpstreamError(adapter.call(targetOf(deploymentOf({ endpoint: 'http://nonexistent.invalid/v1' })), chatCall, optionsOf()), 'egress-denied');
  });

  it('allows one origin and not its neighbour on another port', async () => {
    const allowed = await upstreamFor();
    const other = await upstreamFor();
    const { agent } = gate((origin) => origin.port === allowed.port);
    const adapter = createOpenAiCompatibleAdapter({ dispatcher: agent });
    await collect(await adapter.call(targetOf(deploymentOf({ endpoint: `${allowed.url}/v1` })), chatCall, optionsOf()));
    await expectUpstreamError(adapter.call(targetOf(deploymentOf({ endpoint: `${other.url}/v1` })), chatCall, optionsOf()), 'egress-denied');
    expect(allowed.connections).toHaveLength(1);
    expect(other.connections).toHaveLength(0);
  });
});

describe('fetchJsonThroughEgress', () => {
  const signal = () => AbortSignal.timeout(5000);

  it('GETs a small JSON document', async () => {
    const server = await plainServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/jwk-set+json' });
      res.end(JSON.stringify({ keys: [{ kid: 'a', path: req.url }] }));
    });
    const { agent } = gate(() => true);
    expect(await fetchJsonThroughEgress(agent, `${server.url}/oauth/discovery/keys?x=1`, signal(), { maxBytes: 1024 })).toEqual({ keys: [{ kid: 'a', path: '/oauth/discovery/keys?x=1' }] });
  });

  it('does not follow a redirect: the target sees 0 connections', async () => {
    const target = await plainServer((_req, res) => res.end('{}'));
    const server = await plainServer((_req, res) => {
      res.writeHead(302, { location: `${target.url}/keys` });
      res.end();
    });
    const { agent } = gate(() => true);
    const error = await expectUpstreamError(fetchJsonThroughEgress(agent, `${server.url}/keys`, signal(), { maxBytes: 1024 }), 'status');
    expect(error.status).toBe(302);
    expect(error.detail).toBe(`${server.url}/keys answered 302 (a redirect, not followed)`);
    expect(target.connections()).toBe(0);
  });

  it('refuses a body over the cap, announced or not', async () => {
    const server = await plainServer((req, res) => {
      res.writeHead(200, req.url === '/chunked' ? { 'content-type': 'application/json' } : { 'content-type': 'application/json', 'content-length': '5000' });
      if (req.url === '/chunked') {
        res.write(`{"pad": "${'x'.repeat(3000)}`);
        res.end(`${'y'.repeat(3000)}"}`);
      } else res.end(`{"pad": "${'x'.repeat(4988)}"}`);
    });
    const { agent } = gate(() => true);
    await expectUpstreamError(fetchJsonThroughEgress(agent, `${server.url}/length`, signal(), { maxBytes: 1024 }), 'protocol');
    await expectUpstreamError(fetchJsonThroughEgress(agent, `${server.url}/chunked`, signal(), { maxBytes: 1024 }), 'protocol');
  });

  it('refuses HTML and non-JSON; accepts a missing content type', async () => {
    const server = await plainServer((req, res) => {
      if (req.url === '/html') res.writeHead(200, { 'content-type': 'text/html' });
      else if (req.url === '/bad') res.writeHead(200, { 'content-type': 'application/json' });
      res.end(req.url === '/bad' ? '{not json' : '{"ok": true}');
    });
    const { agent } = gate(() => true);
    expect((await expectUpstreamError(fetchJsonThroughEgress(agent, `${server.url}/html`, signal(), { maxBytes: 1024 }), 'protocol')).detail).toMatch(/text\/html, not JSON/);
    await expectUpstreamError(fetchJsonThroughEgress(agent, `${server.url}/bad`, signal(), { maxBytes: 1024 }), 'protocol');
    expect(await fetchJsonThroughEgress(agent, `${server.url}/none`, signal(), { maxBytes: 1024 })).toEqual({ ok: true });
  });

  it('a disallowed origin: egress-denied, 0 connections; credentials in the URL never in the error', async () => {
    const server = await plainServer((_req, res) => res.end('{}'));
    const { agent } = gate(() => false);
    const error = await expectUpstreamError(fetchJsonThroughEgress(agent, `http://user:s3cretpass@127.0.0.1:${server.port}/keys`, signal(), { maxBytes: 1024 }), 'egress-denied');
    expect(error.detail).not.toContain('s3cretpass');
    expect(server.connections()).toBe(0);
  });

  it('an abort ends it at once', async () => {
    const server = await plainServer(() => {
      // Never answers.
    });
    const { agent } = gate(() => true);
    const controller = new AbortController();
    const fetching = fetchJsonThroughEgress(agent, `${server.url}/keys`, controller.signal, { maxBytes: 1024 });
    await sleep(50);
    controller.abort();
    await expectUpstreamError(fetching, 'aborted');
  });
});

/**
 * The Bedrock adapter through the real AWS SDK, pointed at the fake Bedrock runtime
 * (`bedrock.endpoint = http://127.0.0.1:<port>`): Converse and ConverseStream, SigV4 and bearer
 * credentials from the deployment's key only, every cancellation window with "closed within 1 s
 * of the abort", stalls, errors, canaries, and a proof that the SDK's default credential chain,
 * IMDS and configured endpoint URLs are never consulted even when the environment offers them.
 */
import { mkdtempSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Agent } from 'undici';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  bedrockModelId,
  type BedrockSettings,
  converseMessages,
  createBedrockAdapter,
  finishReasonOf,
  parseBedrockCredentials,
} from '../../../../electron/gateway/upstream/bedrock';
import { createEgressAgent, type EgressOrigin } from '../../../../electron/gateway/upstream/egress';
import { UpstreamError } from '../../../../electron/gateway/upstream/types';
import { type FakeBedrock, startFakeBedrock } from '../../../doubles/fake-bedrock';
import {
  chatCall,
  closeTimes,
  collect,
  completionCall,
  deploymentOf,
  expectClosedPromptly,
  expectNoListeners,
  expectUpstreamError,
  optionsOf,
  sleep,
  targetOf,
  upstreamErrorOf,
} from './upstream-test-kit';

const STATIC_KEY = 'AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const MODEL = 'us.anthropic.claude-3-5-sonnet-20240620-v1:0';

let fake: FakeBedrock;
let agent: Agent;
let settings: BedrockSettings;
let adapter: ReturnType<typeof createBedrockAdapter>;

beforeEach(async () => {
  fake = await startFakeBedrock();
  agent = createEgressAgent({ isAllowed: () => true });
  settings = { region: 'eu-west-1', endpoint: fake.url };
  adapter = createBedrockAdapter({ dispatcher: agent, settings: () => settings });
});

afterEach(async () => {
  await adapter.dispose();
  await agent.destroy();
  await fake.close();
});

afterAll(() => {
  if (process.env.AIRLOCK_REPORT_CLOSE_TIMES) console.log(`bedrock close-after-abort ms: ${JSON.stringify(closeTimes.map((t) => [t.window, Number(t.ms.toFixed(1))]))}`);
});

const bedrock = (overrides: Parameters<typeof deploymentOf>[0] = {}) =>
  deploymentOf({ name: 'claude-bedrock', family: 'claude_3', platform: 'bedrock', endpoint: null, identifier: `bedrock/${MODEL}`, apiKey: STATIC_KEY, ...overrides });
const target = (overrides: Parameters<typeof deploymentOf>[0] = {}, model = MODEL) => targetOf(bedrock(overrides), model);

describe('pure parts', () => {
  it('reads credentials: static keys with and without a session token, else a Bedrock API key', () => {
    expect(parseBedrockCredentials('AKIAIOSFODNN7EXAMPLE:secret/with+chars=')).toEqual({ kind: 'static', accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'secret/with+chars=' });
    expect(parseBedrockCredentials('ASIAIOSFODNN7EXAMPLE:secret:FwoGZXIvYXdzEJr//token=')).toEqual({
      kind: 'static',
      accessKeyId: 'ASIAIOSFODNN7EXAMPLE',
      secretAccessKey: 'secret',
      sessionToken: 'FwoGZXIvYXdzEJr//token=',
    });
    expect(parseBedrockCredentials('ABSKQmVkcm9ja0FQSUtleS1hYmNk')).toEqual({ kind: 'bearer', token: 'ABSKQmVkcm9ja0FQSUtleS1hYmNk' });
    expect(parseBedrockCredentials('bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t')).toMatchObject({ kind: 'bearer' });
    // Not an access key id (lower case), or an empty part: a bearer token, not half a key pair.
    expect(parseBedrockCredentials('notakeyid:secret')).toMatchObject({ kind: 'bearer' });
    expect(parseBedrockCredentials('AKIAIOSFODNN7EXAMPLE:')).toMatchObject({ kind: 'bearer' });
    expect(parseBedrockCredentials('AKIAIOSFODNN7EXAMPLE:s:')).toMatchObject({ kind: 'bearer' });
    expect(parseBedrockCredentials(null)).toBeNull();
    expect(parseBedrockCredentials('')).toBeNull();
  });

  it('maps chat turns: system blocks, merged same-role turns, user first', () => {
    expect(
      converseMessages('d', [
        { role: 'system', content: 'a' },
        { role: 'user', content: 'u1' },
        { role: 'user', content: 'u2' },
        { role: 'system', content: 'b' },
        { role: 'assistant', content: 'x' },
        { role: 'user', content: 'u3' },
      ]),
    ).toEqual({
      system: [{ text: 'a' }, { text: 'b' }],
      messages: [
        { role: 'user', content: [{ text: 'u1' }, { text: 'u2' }] },
        { role: 'assistant', content: [{ text: 'x' }] },
        { role: 'user', content: [{ text: 'u3' }] },
      ],
    });
    expect(() => converseMessages('d', [{ role: 'assistant', content: 'x' }])).toThrow(UpstreamError);
    expect(() => converseMessages('d', [{ role: 'system', content: 'x' }])).toThrow(/start with a user message/);
  });

  it('strips converse/ from ARN identifiers and speaks OpenAI\'s finish reasons', () => {
    expect(bedrockModelId('converse/arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.x')).toBe('arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.x');
    expect(bedrockModelId(MODEL)).toBe(MODEL);
    expect([finishReasonOf('end_turn'), finishReasonOf('max_tokens'), finishReasonOf('stop_sequence'), finishReasonOf(undefined), finishReasonOf('odd')]).toEqual(['stop', 'length', 'stop', null, 'odd']);
  });
});

describe('Converse and ConverseStream', () => {
  it('a whole answer through Converse, signed with the deployment\'s static keys', async () => {
    const response = await adapter.call(target(), chatCall, optionsOf());
    expect(await collect(response)).toEqual(['Hello from Bedrock']);
    expect(response.result()).toEqual({ finishReason: 'stop', usage: { inputTokens: 11, outputTokens: 3 } });
    const [call] = fake.calls;
    expect(call?.operation).toBe('converse');
    expect(call?.modelId).toBe(MODEL);
    expect(call?.auth).toEqual({ scheme: 'sigv4', accessKeyId: 'AKIAIOSFODNN7EXAMPLE', region: 'eu-west-1', service: 'bedrock', sessionToken: null });
    expect(call?.body).toEqual({
      system: [{ text: 'You are terse.' }],
      messages: [{ role: 'user', content: [{ text: 'Say hello.' }] }],
      inferenceConfig: { maxTokens: 5, temperature: 0.2, topP: 0.9, stopSequences: ['\n\n'] },
    });
  });

  it('deltas as they arrive through ConverseStream, with the stop reason and usage from the metadata event', async () => {
    fake.script({ deltas: ['Hé', 'llo', ' 😀'], intervalMs: 20, stopReason: 'max_tokens', usage: { inputTokens: 40, outputTokens: 3 } });
    const options = optionsOf({ stream: true });
    const response = await adapter.call(target(), chatCall, options);
    expect(await collect(response)).toEqual(['Hé', 'llo', ' 😀']);
    expect(response.result()).toEqual({ finishReason: 'length', usage: { inputTokens: 40, outputTokens: 3 } });
    expectNoListeners(options.signal);
    expect(fake.calls[0]?.operation).toBe('converse-stream');
  });

  it('a session token travels as x-amz-security-token', async () => {
    await collect(await adapter.call(target({ apiKey: 'ASIAIOSFODNN7EXAMPLE:secret:session-token-1' }), chatCall, optionsOf()));
    expect(fake.calls[0]?.auth).toMatchObject({ scheme: 'sigv4', accessKeyId: 'ASIAIOSFODNN7EXAMPLE', sessionToken: 'session-token-1' });
  });

  it('a Bedrock API key is sent as a bearer token, not signed', async () => {
    await collect(await adapter.call(target({ apiKey: 'ABSKQmVkcm9ja0FQSUtleS10ZXN0' }), chatCall, optionsOf({ stream: true })));
    expect(fake.calls[0]?.auth).toEqual({ scheme: 'bearer', token: 'ABSKQmVkcm9ja0FQSUtleS10ZXN0' });
  });

  it('ARN identifiers call the ARN', async () => {
    const arn = 'arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.anthropic.claude';
    await collect(await adapter.call(target({}, `converse/${arn}`), chatCall, optionsOf()));
    expect(fake.calls[0]?.modelId).toBe(arn);
  });

  it('keeps one connection for calls one after another', async () => {
    for (let i = 0; i < 4; i += 1) {
      await collect(await adapter.call(target(), chatCall, optionsOf({ stream: i % 2 === 1 })));
      await sleep(1);
    }
    expect(fake.connections).toHaveLength(1);
  });
});

describe('refusals before any network', () => {
  it('a raw completion is unsupported; no region, no key or no user turn are clear errors; the SDK is not even loaded', async () => {
    const loadSdk = vi.fn(() => import('@aws-sdk/client-bedrock-runtime'));
    const lazy = createBedrockAdapter({ dispatcher: agent, settings: () => settings, loadSdk });
    expect((await expectUpstreamError(lazy.call(target(), completionCall, optionsOf()), 'unsupported')).detail).toMatch(/chat requests only/);
    settings = { region: null, endpoint: fake.url };
    expect((await expectUpstreamError(lazy.call(target(), chatCall, optionsOf()), 'connect')).detail).toBe(
      'cannot call claude-bedrock: no Bedrock region is set (the gateway\'s bedrock.region setting, e.g. us-east-1)',
    );
    settings = { region: 'eu-west-1', endpoint: fake.url };
    expect((await expectUpstreamError(lazy.call(target({ apiKey: null }), chatCall, optionsOf()), 'connect')).detail).toMatch(/no AWS credentials/);
    await expectUpstreamError(lazy.call(target(), { kind: 'chat', messages: [{ role: 'assistant', content: 'hi' }], params: chatCall.params }, optionsOf()), 'unsupported');
    expect(loadSdk).not.toHaveBeenCalled();
    expect(fake.connections).toHaveLength(0);
    // The first real call loads it, once.
    await collect(await lazy.call(target(), chatCall, optionsOf()));
    await collect(await lazy.call(target(), chatCall, optionsOf()));
    expect(loadSdk).toHaveBeenCalledTimes(1);
    await lazy.dispose();
  });
});

describe('no default credential chain, no IMDS, no configured endpoint URLs', () => {
  it('uses only the deployment\'s key and settings even when the environment offers others', async () => {
    let trapConnections = 0;
    const trap: Server = createServer((req, res) => {
      trapConnections += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ AccessKeyId: 'AKIATRAPTRAPTRAPTRAP', SecretAccessKey: 'trap', Token: 'trap', Expiration: new Date(Date.now() + 3600_000).toISOString(), Code: 'Success' }));
    });
    trap.on('connection', () => (trapConnections += 0));
    await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
    const trapUrl = `http://127.0.0.1:${(trap.address() as { port: number }).port}`;
    const dir = mkdtempSync(join(tmpdir(), 'airlock-aws-trap-'));
    const marker = join(dir, 'credential-process-ran');
    writeFileSync(join(dir, 'config'), `[profile trap]\nregion = sa-east-1\nendpoint_url = ${trapUrl}\ncredential_process = ${process.execPath} -e "require('fs').writeFileSync('${marker}', 'x')"\n`);
    writeFileSync(join(dir, 'credentials'), '[trap]\naws_access_key_id = AKIAFILEFILEFILEFILE\naws_secret_access_key = file-secret\n');
    const trapEnv: Record<string, string> = {
      AWS_ACCESS_KEY_ID: 'AKIAENVENVENVENVENV0',
      AWS_SECRET_ACCESS_KEY: 'env-secret',
      AWS_SESSION_TOKEN: 'env-session',
      AWS_BEARER_TOKEN_BEDROCK: 'env-bearer-token',
      AWS_REGION: 'ap-south-1',
      AWS_DEFAULT_REGION: 'ap-south-1',
      AWS_PROFILE: 'trap',
      AWS_CONFIG_FILE: join(dir, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
      AWS_EC2_METADATA_SERVICE_ENDPOINT: `${trapUrl}/`,
      AWS_CONTAINER_CREDENTIALS_FULL_URI: `${trapUrl}/creds`,
      AWS_ENDPOINT_URL: trapUrl,
      AWS_ENDPOINT_URL_BEDROCK_RUNTIME: trapUrl,
      AWS_AUTH_SCHEME_PREFERENCE: 'httpBearerAuth',
      AWS_MAX_ATTEMPTS: '5',
      AWS_USE_FIPS_ENDPOINT: 'true',
    };
    const saved = Object.fromEntries(Object.keys(trapEnv).map((name) => [name, process.env[name]]));
    Object.assign(process.env, trapEnv);
    const seen: EgressOrigin[] = [];
    const recording = createEgressAgent({
      isAllowed: (origin) => {
        seen.push(origin);
        return origin.port === fake.port;
      },
    });
    const fresh = createBedrockAdapter({ dispatcher: recording, settings: () => settings });
    try {
      await collect(await fresh.call(target(), chatCall, optionsOf({ stream: true })));
      await collect(await fresh.call(target({ apiKey: 'ABSKQmVkcm9ja0FQSUtleS1vd24=' }), chatCall, optionsOf()));
      // A signature the fake could not verify would still be a request: fail the call on purpose.
      fake.script({ error: { status: 403, type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' } });
      await expectUpstreamError(fresh.call(target(), chatCall, optionsOf()), 'status');
      // The regional endpoint (no VPC endpoint set) is the one the gate is asked about, not AWS_ENDPOINT_URL.
      settings = { region: 'eu-west-1', endpoint: null };
      await expectUpstreamError(fresh.call(target(), chatCall, optionsOf()), 'egress-denied');
      expect(fake.calls.map((call) => call.auth)).toEqual([
        { scheme: 'sigv4', accessKeyId: 'AKIAIOSFODNN7EXAMPLE', region: 'eu-west-1', service: 'bedrock', sessionToken: null },
        { scheme: 'bearer', token: 'ABSKQmVkcm9ja0FQSUtleS1vd24=' },
        { scheme: 'sigv4', accessKeyId: 'AKIAIOSFODNN7EXAMPLE', region: 'eu-west-1', service: 'bedrock', sessionToken: null },
      ]);
      expect([...new Set(seen.map((origin) => `${origin.hostname}:${origin.port}`))]).toEqual([`127.0.0.1:${fake.port}`, 'bedrock-runtime.eu-west-1.amazonaws.com:443']);
      // maxAttempts 1 whatever AWS_MAX_ATTEMPTS says: the 403 was asked once.
      expect(fake.calls).toHaveLength(3);
      await sleep(100);
      expect(trapConnections).toBe(0);
      expect(existsSync(marker)).toBe(false);
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      await fresh.dispose();
      await recording.destroy();
      await new Promise((resolve) => trap.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a Bedrock endpoint that is not allowlisted: egress-denied, no connection', async () => {
    const denied = createBedrockAdapter({ dispatcher: createEgressAgent({ isAllowed: () => false }), settings: () => settings });
    const error = await expectUpstreamError(denied.call(target(), chatCall, optionsOf()), 'egress-denied');
    expect(error.detail).toBe(`claude-bedrock: http://127.0.0.1:${fake.port} is not on the egress allowlist`);
    expect(fake.connections).toHaveLength(0);
    await denied.dispose();
  });
});

describe('cancellation windows', () => {
  it('before the response headers (stream): closes the connection', async () => {
    fake.script({ neverAnswer: true });
    const controller = new AbortController();
    const call = adapter.call(target({ timeoutMs: 10_000 }), chatCall, optionsOf({ stream: true, signal: controller.signal }));
    const seen = await fake.waitForCall(1);
    const abortedAt = performance.now();
    controller.abort();
    await expectUpstreamError(call, 'aborted');
    expectClosedPromptly('bedrock-before-headers', abortedAt, await fake.waitForClose(seen.connection));
    expectNoListeners(controller.signal);
  });

  it('during time-to-first-token (headers in, no event yet): closes the connection', async () => {
    fake.script({ stallAfterDeltas: 0 });
    const controller = new AbortController();
    // The SDK resolves ConverseStream once the first event is in, so this window may be inside
    // call() or inside the first next(): either way the abort must end it.
    const firstDelta = adapter
      .call(target({ timeoutMs: 30_000 }), chatCall, optionsOf({ stream: true, signal: controller.signal, idleTimeoutMs: 30_000 }))
      .then((response) => response.deltas[Symbol.asyncIterator]().next());
    const seen = await fake.waitForCall(1);
    await sleep(50);
    const abortedAt = performance.now();
    controller.abort();
    await expectUpstreamError(firstDelta, 'aborted');
    expectClosedPromptly('bedrock-ttft', abortedAt, await fake.waitForClose(seen.connection));
    expectNoListeners(controller.signal);
  });

  it('mid-stream (100 deltas over 20 s): closes the connection', async () => {
    fake.script({ deltas: Array.from({ length: 100 }, (_, i) => `d${i} `), intervalMs: 200 });
    const controller = new AbortController();
    const response = await adapter.call(target(), chatCall, optionsOf({ stream: true, signal: controller.signal }));
    const iterator = response.deltas[Symbol.asyncIterator]();
    for (let i = 0; i < 3; i += 1) expect((await iterator.next()).value).toBe(`d${i} `);
    const pending = iterator.next();
    const abortedAt = performance.now();
    controller.abort();
    await expectUpstreamError(pending, 'aborted');
    expectClosedPromptly('bedrock-mid-stream', abortedAt, await fake.waitForClose(fake.calls[0]!.connection));
    expectNoListeners(controller.signal);
  });

  it('during a non-streamed wait: closes the connection', async () => {
    fake.script({ headersDelayMs: 20_000 });
    const controller = new AbortController();
    const call = adapter.call(target({ timeoutMs: 30_000 }), chatCall, optionsOf({ signal: controller.signal }));
    const seen = await fake.waitForCall(1);
    await sleep(50);
    const abortedAt = performance.now();
    controller.abort();
    await expectUpstreamError(call, 'aborted');
    expectClosedPromptly('bedrock-non-streaming', abortedAt, await fake.waitForClose(seen.connection));
    expectNoListeners(controller.signal);
  });

  it('a consumer that stops reading closes the connection', async () => {
    fake.script({ deltas: Array.from({ length: 50 }, (_, i) => `d${i}`), intervalMs: 100 });
    const response = await adapter.call(target(), chatCall, optionsOf({ stream: true }));
    for await (const _delta of response.deltas) break;
    const stoppedAt = performance.now();
    expectClosedPromptly('bedrock-consumer-return', stoppedAt, await fake.waitForClose(fake.calls[0]!.connection));
  });

  it('a consumer that gives up before its first read closes the connection', async () => {
    fake.script({ deltas: Array.from({ length: 50 }, (_, i) => `d${i}`), intervalMs: 100 });
    const response = await adapter.call(target(), chatCall, optionsOf({ stream: true }));
    const stoppedAt = performance.now();
    await response.deltas[Symbol.asyncIterator]().return?.();
    expectClosedPromptly('bedrock-consumer-return-unstarted', stoppedAt, await fake.waitForClose(fake.calls[0]!.connection));
  });

  it('an already aborted signal: no connection', async () => {
    const controller = new AbortController();
    controller.abort();
    await expectUpstreamError(adapter.call(target(), chatCall, optionsOf({ signal: controller.signal })), 'aborted');
    expect(fake.connections).toHaveLength(0);
  });
});

describe('stalls, deadlines and errors', () => {
  it('a stream that goes silent: idle within idle ± 0.5 s, connection closed', async () => {
    fake.script({ deltas: ['a', 'b', 'c'], stallAfterDeltas: 1 });
    const response = await adapter.call(target(), chatCall, optionsOf({ stream: true, idleTimeoutMs: 500 }));
    const seen: string[] = [];
    const startedAt = performance.now();
    const error = await upstreamErrorOf(
      (async () => {
        for await (const delta of response.deltas) seen.push(delta);
      })(),
    );
    const elapsed = performance.now() - startedAt;
    expect(error.kind).toBe('idle');
    expect(seen).toEqual(['a']);
    expect(elapsed).toBeGreaterThan(450);
    expect(elapsed).toBeLessThan(1000);
    await fake.waitForClose(fake.calls[0]!.connection, 1000);
  });

  it('a server that never answers: timeout, streamed or not', async () => {
    fake.script({ neverAnswer: true }, { neverAnswer: true });
    expect((await expectUpstreamError(adapter.call(target({ timeoutMs: 400 }), chatCall, optionsOf()), 'timeout')).detail).toBe('no answer from claude-bedrock within 0.4 s');
    await expectUpstreamError(adapter.call(target({ timeoutMs: 400 }), chatCall, optionsOf({ stream: true })), 'timeout');
  });

  it('an AWS error status is a status error with its message', async () => {
    fake.script({ error: { status: 400, type: 'ValidationException', message: 'The provided model identifier is invalid.' } });
    const error = await expectUpstreamError(adapter.call(target(), chatCall, optionsOf()), 'status');
    expect(error.status).toBe(400);
    expect(error.detail).toBe('claude-bedrock answered 400 (ValidationException): The provided model identifier is invalid.');
  });

  it('an exception event mid-stream is a status error with its status', async () => {
    fake.script({ deltas: ['a'], streamException: { type: 'throttlingException', message: 'Too many requests' } });
    const response = await adapter.call(target(), chatCall, optionsOf({ stream: true }));
    const error = await upstreamErrorOf(collect(response));
    expect(error.kind).toBe('status');
    expect(error.status).toBe(429);
    expect(error.detail).toContain('Too many requests');
  });

  it('a stream cut mid-answer is an error, never a silent success', async () => {
    fake.script({ deltas: ['a', 'b', 'c', 'd'], intervalMs: 10, cutAfterDeltas: 2 });
    const error = await upstreamErrorOf(collect(await adapter.call(target(), chatCall, optionsOf({ stream: true }))));
    expect(['protocol', 'connect']).toContain(error.kind);
  });

  it('connection refused is a connect error', async () => {
    await fake.close();
    settings = { region: 'eu-west-1', endpoint: fake.url };
    expect((await expectUpstreamError(adapter.call(target(), chatCall, optionsOf()), 'connect')).detail).toBe('cannot connect to claude-bedrock: connection refused');
    fake = await startFakeBedrock();
  });
});

describe('canary credentials (G8)', () => {
  it('never appear in an error', async () => {
    const secret = `canary${Date.now()}Secret/Key+x`;
    const token = `canary-bearer-${Date.now()}`;
    const keys = [`AKIACANARY0000000000:${secret}:canary-session-${Date.now()}`, token];
    const errors: UpstreamError[] = [];
    for (const apiKey of keys) {
      fake.script(
        { error: { status: 403, type: 'AccessDeniedException', message: (call) => `denied ${String(call.headers.authorization)} ${String(call.headers['x-amz-security-token'])} ${apiKey}` } },
        { deltas: ['a'], streamException: { type: 'validationException', message: `bad ${apiKey}` } },
        { neverAnswer: true },
      );
      for (const [stream, timeoutMs] of [[false, 2000], [true, 2000], [false, 300]] as const) {
        try {
          await collect(await adapter.call(target({ apiKey, timeoutMs }), chatCall, optionsOf({ stream })));
        } catch (error) {
          errors.push(error as UpstreamError);
        }
      }
    }
    expect(errors.map((e) => e.kind)).toEqual(['status', 'status', 'timeout', 'status', 'status', 'timeout']);
    for (const error of errors) {
      const everything = `${error.message}\n${error.detail}\n${error.stack ?? ''}\n${JSON.stringify(error)}`;
      for (const part of [secret, token, ...keys, ...keys[0]!.split(':').slice(1)]) expect(everything).not.toContain(part);
      expect(everything).not.toMatch(/Bearer (?!\[redacted\])/);
    }
  });
});

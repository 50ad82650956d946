/**
 * Shared pieces of the upstream adapters' tests: deployments and targets, call options, and the
 * assertions every adapter's tests make (the error kind, "closed within 1 s of the abort", no
 * listener left on the caller's signal).
 */
import { getEventListeners } from 'node:events';
import { expect } from 'vitest';
import type { GatewayDeployment } from '../../../../electron/shared/gateway/config';
import { type CallOptions, type UpstreamCall, UpstreamError, type UpstreamErrorKind, type UpstreamResponse, type UpstreamTarget } from '../../../../electron/gateway/upstream/types';

/** A deployment with short test timings (the config schema's 1 s floor does not apply here). */
export function deploymentOf(overrides: Partial<GatewayDeployment> = {}): GatewayDeployment {
  return {
    name: 'codestral-test',
    family: 'codestral',
    platform: 'vllm-local',
    endpoint: 'http://127.0.0.1:9/v1',
    identifier: 'custom_openai/codestral',
    apiKey: null,
    timeoutMs: 2000,
    ...overrides,
  };
}

export function targetOf(deployment: GatewayDeployment, model = 'codestral', apiKey: string | null = deployment.apiKey): UpstreamTarget {
  return { deployment, model, apiKey };
}

export function optionsOf(overrides: Partial<CallOptions> = {}): CallOptions {
  return { signal: new AbortController().signal, stream: false, idleTimeoutMs: 2000, requestId: 'req-test-1', ...overrides };
}

export const chatCall: UpstreamCall = {
  kind: 'chat',
  messages: [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'Say hello.' },
  ],
  params: { maxTokens: 5, temperature: 0.2, stop: ['\n\n'], topP: 0.9 },
};

export const completionCall: UpstreamCall = { kind: 'completion', prompt: 'def add(a, b):', params: { maxTokens: 4, temperature: 0 } };

/** Every delta of a response, in order. */
export async function collect(response: UpstreamResponse): Promise<string[]> {
  const out: string[] = [];
  for await (const delta of response.deltas) out.push(delta);
  return out;
}

/** The `UpstreamError` a promise rejects with (fails the test if it resolves or throws something else). */
export async function upstreamErrorOf(promise: Promise<unknown>): Promise<UpstreamError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(UpstreamError);
    return error as UpstreamError;
  }
  throw new Error('expected an UpstreamError, but the call succeeded');
}

/** Asserts the kind, and returns the error for more checks. */
export async function expectUpstreamError(promise: Promise<unknown>, kind: UpstreamErrorKind): Promise<UpstreamError> {
  const error = await upstreamErrorOf(promise);
  expect({ kind: error.kind, detail: error.detail }).toMatchObject({ kind });
  return error;
}

/** Asserts that the caller's signal has no abort listener left (the adapter let go of it). */
export function expectNoListeners(signal: AbortSignal): void {
  expect(getEventListeners(signal, 'abort')).toHaveLength(0);
}

/** Close-after-abort times measured by the tests of this folder, reported at the end of each file. */
export const closeTimes: Array<{ window: string; ms: number }> = [];

/** Records and asserts one "upstream saw its connection closed within 1 s of the abort" measurement. */
export function expectClosedPromptly(window: string, abortedAt: number, closedAt: number): void {
  const ms = closedAt - abortedAt;
  closeTimes.push({ window, ms });
  expect(ms, `${window}: closed ${ms.toFixed(1)} ms after the abort`).toBeLessThan(1000);
  // A close that precedes the abort would mean the connection was not what the abort closed.
  expect(ms).toBeGreaterThanOrEqual(0);
}

/** Waits `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

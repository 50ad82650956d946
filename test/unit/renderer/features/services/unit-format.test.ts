import { describe, expect, it } from 'vitest';
import { availableActions, describeCountdown, describeExit, progressSteps, secondsUntil, startLabel, uptimeSeconds } from '../../../../../renderer/src/features/services/unit-format';

describe('unit-format', () => {
  it('offers the actions that do something in each state', () => {
    expect(availableActions('stopped')).toEqual({ start: true, stop: false, restart: true, reset: false });
    expect(availableActions('running')).toEqual({ start: false, stop: true, restart: true, reset: false });
    expect(availableActions('backoff')).toEqual({ start: true, stop: true, restart: true, reset: false });
    expect(availableActions('stopping')).toEqual({ start: false, stop: false, restart: false, reset: false });
    expect(availableActions('fatal')).toEqual({ start: true, stop: false, restart: true, reset: true });
    expect(startLabel('backoff')).toBe('Retry now');
  });

  it('describes an exit by code, by signal, or both', () => {
    const at = '2026-11-21T12:00:00Z';
    const base = { at, isExpected: false, reason: null, action: null };
    expect(describeExit({ ...base, code: 2, signal: null })).toBe('exit code 2');
    expect(describeExit({ ...base, code: null, signal: 'SIGKILL' })).toBe('signal SIGKILL');
    expect(describeExit({ ...base, code: 0, signal: 'SIGTERM' })).toBe('signal SIGTERM');
  });

  it('counts down to the next retry and never below zero', () => {
    const now = Date.parse('2026-11-21T12:00:00Z');
    expect(secondsUntil('2026-11-21T12:00:04.200Z', now)).toBe(5);
    expect(secondsUntil('2026-11-21T11:59:00Z', now)).toBe(0);
    expect(secondsUntil(null, now)).toBeNull();
    expect(describeCountdown(0)).toBe('now');
    expect(describeCountdown(65)).toBe('in 1m 5s');
  });

  it('has an uptime only while a process runs', () => {
    const now = Date.parse('2026-11-21T12:01:00Z');
    expect(uptimeSeconds({ state: 'running', startedAt: '2026-11-21T12:00:00Z', readyAt: null }, now)).toBe(60);
    expect(uptimeSeconds({ state: 'exited', startedAt: '2026-11-21T12:00:00Z', readyAt: null }, now)).toBeNull();
    // A clock that ticked before the ready stamp arrived never shows less than the time to ready.
    expect(uptimeSeconds({ state: 'running', startedAt: '2026-11-21T12:00:30Z', readyAt: '2026-11-21T12:01:02Z' }, now)).toBe(32);
  });

  it('turns a vLLM phase into steps, and a failure into the step it failed in', () => {
    expect(progressSteps('profiling').map((s) => s.status)).toEqual(['done', 'done', 'current', 'todo', 'todo', 'todo']);
    expect(progressSteps('ready').every((s) => s.status === 'done')).toBe(true);
    expect(progressSteps('failed', 'profiling').map((s) => s.status)).toEqual(['done', 'done', 'failed', 'todo', 'todo', 'todo']);
    expect(progressSteps('failed', 'failed')[0]!.status).toBe('failed');
  });
});

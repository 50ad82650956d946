import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  CONFIG_ERROR_EXIT_CODES,
  decideRestart,
  DEFAULT_RESTART_POLICY,
  EMPTY_RESTART_HISTORY,
  minimumFailureWindowMs,
  recordFailure,
  type RestartDecision,
  type RestartHistory,
  type RestartPolicy,
  validateRestartPolicy,
  VLLM_RESTART_POLICY,
  wasStableRun,
} from '../../../../electron/core/supervisor/restart-policy';

const T0 = Date.parse('2026-11-21T12:00:00Z');
const NO_JITTER: RestartPolicy = { ...DEFAULT_RESTART_POLICY, jitterRatio: 0 };
const middle = () => 0.5; // jitter term (2r − 1) = 0: the nominal delay

function failure(at: number, overrides: Partial<{ readyAt: number | null; exitCode: number | null; isPermanent: boolean }> = {}) {
  return { at, readyAt: null, exitCode: 1, isPermanent: false, ...overrides };
}

describe('backoffDelay: initial × multiplier^(streak−1), capped, ±jitter', () => {
  it.each([
    // streak, nominal delay with the defaults (1 s × 2, cap 30 s)
    [1, 1_000],
    [2, 2_000],
    [3, 4_000],
    [4, 8_000],
    [5, 16_000],
    [6, 30_000],
    [7, 30_000],
    [50, 30_000],
  ])('streak %i → %i ms', (streak, expected) => {
    expect(backoffDelay(streak, DEFAULT_RESTART_POLICY, middle)).toBe(expected);
  });

  it.each([
    // random, delay for streak 3 (nominal 4 s) with ±10 % jitter
    [0, 3_600],
    [0.25, 3_800],
    [0.5, 4_000],
    [0.75, 4_200],
    [0.999_999, 4_400],
  ])('random %f spreads the 4 s delay to %i ms, within ±10 % (reliability.md S2)', (random, expected) => {
    expect(backoffDelay(3, DEFAULT_RESTART_POLICY, () => random)).toBe(expected);
  });

  it('treats a streak of 0 like 1 and clamps a random source that leaves [0, 1)', () => {
    expect(backoffDelay(0, NO_JITTER, middle)).toBe(1_000);
    expect(backoffDelay(1, DEFAULT_RESTART_POLICY, () => 7)).toBe(1_100);
    expect(backoffDelay(1, DEFAULT_RESTART_POLICY, () => Number.NaN)).toBe(900);
  });
});

describe('wasStableRun: measured from readiness, not from spawn', () => {
  it.each([
    ['never ready', null, T0 + 3_600_000, false],
    ['ready 29.999 s', T0, T0 + 29_999, false],
    ['ready exactly 30 s', T0, T0 + 30_000, true],
    ['ready an hour', T0, T0 + 3_600_000, true],
  ] as const)('%s → %s', (_label, readyAt, endedAt, expected) => {
    expect(wasStableRun(readyAt, endedAt, DEFAULT_RESTART_POLICY)).toBe(expected);
  });
});

describe('decideRestart: one row per rule', () => {
  const twoFailures: RestartHistory = { failureTimes: [T0 - 20_000, T0 - 10_000], streak: 2 };
  const fourFailures: RestartHistory = { failureTimes: [T0 - 40_000, T0 - 30_000, T0 - 20_000, T0 - 10_000], streak: 4 };

  it.each<[string, RestartHistory, ReturnType<typeof failure>, RestartPolicy, Partial<RestartDecision> & { action: RestartDecision['action'] }]>([
    ['first failure restarts after the initial delay', EMPTY_RESTART_HISTORY, failure(T0), NO_JITTER, { action: 'restart', delayMs: 1_000, failuresInWindow: 1 }],
    ['third failure waits 4 s', twoFailures, failure(T0), NO_JITTER, { action: 'restart', delayMs: 4_000, failuresInWindow: 3 }],
    ['fifth failure inside the window gives up (K = 5)', fourFailures, failure(T0), NO_JITTER, { action: 'give-up', reason: 'too-many-failures', failuresInWindow: 5 }],
    [
      'failures older than the window are forgotten, but the streak keeps the delay long',
      { failureTimes: [T0 - 11 * 60_000, T0 - 10 * 60_000, T0 - 30_000, T0 - 10_000], streak: 4 },
      failure(T0),
      NO_JITTER,
      { action: 'restart', delayMs: 16_000, failuresInWindow: 3 },
    ],
    ['a stable run resets the streak and the window (S2b)', fourFailures, failure(T0, { readyAt: T0 - 60_000 }), NO_JITTER, { action: 'restart', delayMs: 1_000, failuresInWindow: 1 }],
    ['a short run after readiness does not reset', fourFailures, failure(T0, { readyAt: T0 - 10_000 }), NO_JITTER, { action: 'give-up', reason: 'too-many-failures' }],
    ['exit 2 before readiness (argparse) gives up at once (S3)', EMPTY_RESTART_HISTORY, failure(T0, { exitCode: 2 }), NO_JITTER, { action: 'give-up', reason: 'permanent-exit-code', failuresInWindow: 1 }],
    ['exit 78 (EX_CONFIG) gives up at once', EMPTY_RESTART_HISTORY, failure(T0, { exitCode: 78 }), NO_JITTER, { action: 'give-up', reason: 'permanent-exit-code' }],
    ['exit 127 (command not found) gives up at once', EMPTY_RESTART_HISTORY, failure(T0, { exitCode: 127 }), NO_JITTER, { action: 'give-up', reason: 'permanent-exit-code' }],
    ['exit 2 after readiness is an ordinary failure', EMPTY_RESTART_HISTORY, failure(T0, { exitCode: 2, readyAt: T0 - 5_000 }), NO_JITTER, { action: 'restart', delayMs: 1_000 }],
    ['a permanent cause (KV cache too small) gives up at once', EMPTY_RESTART_HISTORY, failure(T0, { isPermanent: true }), NO_JITTER, { action: 'give-up', reason: 'permanent-cause' }],
    ['a signal death (no code) restarts', EMPTY_RESTART_HISTORY, failure(T0, { exitCode: null }), NO_JITTER, { action: 'restart', delayMs: 1_000 }],
    ["exit 0 under 'always' counts as a failure (supervisord#405)", EMPTY_RESTART_HISTORY, failure(T0, { exitCode: 0 }), NO_JITTER, { action: 'restart', delayMs: 1_000 }],
    ["exit 0 under 'on-failure' does not restart", twoFailures, failure(T0, { exitCode: 0 }), { ...NO_JITTER, mode: 'on-failure' }, { action: 'none', history: twoFailures }],
    ["exit 1 under 'on-failure' restarts", EMPTY_RESTART_HISTORY, failure(T0), { ...NO_JITTER, mode: 'on-failure' }, { action: 'restart' }],
    ["nothing restarts under 'never'", EMPTY_RESTART_HISTORY, failure(T0), { ...NO_JITTER, mode: 'never' }, { action: 'none' }],
    ["a config error is still fatal under 'never'", EMPTY_RESTART_HISTORY, failure(T0, { exitCode: 2 }), { ...NO_JITTER, mode: 'never' }, { action: 'give-up', reason: 'permanent-exit-code' }],
  ])('%s', (_label, history, facts, policy, expected) => {
    expect(decideRestart(history, facts, policy, middle)).toMatchObject(expected);
  });

  it('records the failure time and grows the streak', () => {
    expect(recordFailure(EMPTY_RESTART_HISTORY, failure(T0), DEFAULT_RESTART_POLICY)).toEqual({ failureTimes: [T0], streak: 1 });
    expect(recordFailure({ failureTimes: [T0], streak: 1 }, failure(T0 + 5_000), DEFAULT_RESTART_POLICY)).toEqual({ failureTimes: [T0, T0 + 5_000], streak: 2 });
  });

  it('counts permanent failures in the history too', () => {
    const decision = decideRestart(EMPTY_RESTART_HISTORY, failure(T0, { exitCode: 2 }), DEFAULT_RESTART_POLICY, middle);
    expect(decision.history).toEqual({ failureTimes: [T0], streak: 1 });
  });
});

/**
 * Drives the policy the way the supervisor does, with a clock the test moves: spawn, the child exits
 * `runMs` later (after becoming ready at `readyAfterMs`, if given), the policy decides, the next spawn
 * happens when the delay has passed. Returns the spawn times and the decisions.
 */
function simulate(policy: RestartPolicy, runMs: number, horizonMs: number, options: { readyAfterMs?: number; random?: () => number } = {}) {
  const spawns: number[] = [];
  const decisions: RestartDecision[] = [];
  let history = EMPTY_RESTART_HISTORY;
  let nextSpawn: number | null = T0;
  while (nextSpawn !== null && nextSpawn <= T0 + horizonMs) {
    spawns.push(nextSpawn);
    const exitAt: number = nextSpawn + runMs;
    const readyAt = options.readyAfterMs === undefined ? null : nextSpawn + options.readyAfterMs;
    const decision = decideRestart(history, { at: exitAt, readyAt, exitCode: 1, isPermanent: false }, policy, options.random ?? middle);
    decisions.push(decision);
    history = decision.history;
    nextSpawn = decision.action === 'restart' ? exitAt + decision.delayMs : null;
  }
  return { spawns, decisions };
}

describe('crash loop with an injected clock (reliability.md S2)', () => {
  it('a child that exits 1 after 200 ms is spawned exactly 5 times, then fatal, and nothing is scheduled for the next 60 s', () => {
    const { spawns, decisions } = simulate(DEFAULT_RESTART_POLICY, 200, 10 * 60_000);
    expect(spawns).toHaveLength(5);
    // Delays 1, 2, 4, 8 s after exits at spawn + 200 ms.
    expect(spawns.map((time) => time - T0)).toEqual([0, 1_200, 3_400, 7_600, 15_800]);
    const last = decisions.at(-1);
    expect(last).toMatchObject({ action: 'give-up', reason: 'too-many-failures', failuresInWindow: 5 });
    expect(decisions.slice(0, -1).every((decision) => decision.action === 'restart')).toBe(true);
    // Fatal at 16.0 s; the loop above ran the clock to 10 min and found no further spawn.
    const fatalAt = (spawns.at(-1) ?? 0) + 200;
    expect(spawns.filter((time) => time > fatalAt && time <= fatalAt + 60_000)).toEqual([]);
  });

  it.each([0, 0.999_999])('keeps each delay within ±10 %% of the schedule (random %f)', (random) => {
    const { spawns } = simulate(DEFAULT_RESTART_POLICY, 200, 10 * 60_000, { random: () => random });
    expect(spawns).toHaveLength(5);
    const delays = spawns.slice(1).map((time, index) => time - (spawns[index] ?? 0) - 200);
    [1_000, 2_000, 4_000, 8_000].forEach((nominal, index) => {
      expect(Math.abs((delays[index] ?? 0) - nominal)).toBeLessThanOrEqual(nominal * 0.1);
    });
  });

  it('never gives up on a child that crashes after 60 s of healthy uptime, 30 times, and the delay stays at the minimum (S2b)', () => {
    const { spawns, decisions } = simulate(NO_JITTER, 62_000, 30 * 63_000, { readyAfterMs: 2_000 });
    expect(spawns.length).toBeGreaterThanOrEqual(30);
    expect(decisions.every((decision) => decision.action === 'restart' && decision.delayMs === 1_000)).toBe(true);
  });

  it('gives up on a vLLM that fails after 5 minutes of loading, five times (the 45-minute window holds them)', () => {
    const { spawns, decisions } = simulate(VLLM_RESTART_POLICY, 5 * 60_000, 3 * 3_600_000);
    expect(spawns).toHaveLength(5);
    expect(decisions.at(-1)).toMatchObject({ action: 'give-up', reason: 'too-many-failures' });
  });

  it('with the 10-minute default window, the same slow failures never reach K: why vLLM has its own window', () => {
    const { decisions } = simulate(DEFAULT_RESTART_POLICY, 5 * 60_000, 3 * 3_600_000);
    expect(decisions.every((decision) => decision.action === 'restart')).toBe(true);
  });
});

describe('validateRestartPolicy', () => {
  it('accepts the defaults', () => {
    expect(validateRestartPolicy(DEFAULT_RESTART_POLICY)).toEqual([]);
    expect(validateRestartPolicy(VLLM_RESTART_POLICY)).toEqual([]);
    expect(CONFIG_ERROR_EXIT_CODES).toEqual([2, 78, 126, 127]);
  });

  it('knows the shortest window that can hold K failures: the K−1 delays at +jitter', () => {
    expect(minimumFailureWindowMs(DEFAULT_RESTART_POLICY)).toBe(1_100 + 2_200 + 4_400 + 8_800);
  });

  it.each<[string, Partial<RestartPolicy>, RegExp]>([
    ['a window the backoff alone outlasts (the systemd trap)', { failureWindowMs: 16_000 }, /cannot hold 5 failures/],
    ['a capped delay that makes K unreachable', { maxDelayMs: 600_000, initialDelayMs: 300_000, failureWindowMs: 10 * 60_000 }, /never be given up on/],
    ['a zero initial delay', { initialDelayMs: 0 }, /initialDelayMs must be a positive/],
    ['a shrinking multiplier', { multiplier: 0.5 }, /multiplier must be at least 1/],
    ['jitter of 100 %', { jitterRatio: 1 }, /jitterRatio must be in \[0, 1\)/],
    ['K = 0', { maxFailures: 0 }, /maxFailures must be a whole number/],
    ['a cap below the first delay', { maxDelayMs: 500 }, /maxDelayMs \(500\) is below initialDelayMs/],
  ])('refuses %s', (_label, change, message) => {
    const problems = validateRestartPolicy({ ...DEFAULT_RESTART_POLICY, ...change });
    expect(problems.join(' ')).toMatch(message);
  });
});

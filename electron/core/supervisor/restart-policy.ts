/**
 * The arithmetic of restarts: capped exponential backoff with jitter, a reset after a stable run
 * measured from readiness, a give-up rule (K failures within W → fatal) and exit codes that never
 * restart. Pure: the time of each failure and the random source are passed in.
 *
 * Targets: ../shared/reference/reliability.md §1 ("Build" 4, test rows S2, S2b, S3; "Anchors" for
 * systemd, supervisord, PM2, s6). The state machine (state.ts) calls {@link decideRestart} once per
 * failure and turns the decision into a timer or a fatal state.
 */

/** Which unrequested exits restart the unit. */
export type RestartMode = 'always' | 'on-failure' | 'never';

/** How a unit is restarted after it fails, and when the supervisor gives up. */
export interface RestartPolicy {
  /**
   * 'always': every exit nobody asked for restarts, exit 0 included, and counts as a failure (a
   * server that exits 0 by itself still stopped serving; counting it keeps an instantly-exiting
   * program from looping forever, supervisord#405). 'on-failure': exit 0 ends in `exited`.
   * 'never': nothing restarts; every exit ends in `exited`.
   */
  readonly mode: RestartMode;
  /** Delay before the first restart of a streak. */
  readonly initialDelayMs: number;
  /** Each further failure in the streak multiplies the delay by this. */
  readonly multiplier: number;
  /** The nominal delay never grows past this (jitter may still add `jitterRatio` of it). */
  readonly maxDelayMs: number;
  /** Each delay is spread uniformly over ±this fraction, so units that failed together do not restart together. */
  readonly jitterRatio: number;
  /** A child that stayed up this long after it became ready (health OK) ran stably: the streak and window start over. */
  readonly stableAfterMs: number;
  /** K: this many failures inside the window make the unit fatal. */
  readonly maxFailures: number;
  /** W: the window, in ms, over which failures are counted. */
  readonly failureWindowMs: number;
  /** Exit codes that mean "the configuration is wrong": fatal at once when the child never became ready. */
  readonly permanentExitCodes: readonly number[];
}

/**
 * Exit codes that mean a configuration error, so a restart would fail the same way:
 * - 2: Python's argparse (`parser.error`: "exits with status 2") and click usage errors, i.e. an
 *   unknown or malformed flag to `vllm serve` or to a Python gateway; test/doubles/fake-vllm does the same.
 * - 78: EX_CONFIG from sysexits.h, the code reliability.md S3 uses for a "designated config-error code".
 * - 126 / 127: "found but not executable" / "not found", the POSIX shell's codes when the command is wrong.
 */
export const CONFIG_ERROR_EXIT_CODES: readonly number[] = [2, 78, 126, 127];

/**
 * Defaults for any unit, with the source of each number:
 * - 1 s first delay, ×2, capped at 30 s: s6-supervise and runsv wait ≥ 1 s between spawns, while
 *   systemd's 100 ms spends 5 starts in ~0.5 s (reliability.md §1 Anchors); PM2 caps at 15 s, we allow
 *   30 s so a GPU has time to release VRAM (vllm.md §6: "a restart within about 10 s" can fail).
 * - ±10 % jitter: reliability.md S2 accepts delays "within ±10 % of the configured schedule".
 * - stable after 30 s from readiness: PM2 resets its backoff after 30 s of uptime; S2b needs a child
 *   that crashes after 60 s of healthy uptime never to go fatal.
 * - K = 5: S2 ("exactly K = 5 spawns, then FAILED") and systemd's StartLimitBurst=5.
 * - W = 10 min: must hold the K−1 delays (1+2+4+8 s, +10 %) plus K runs of the child; 10 min leaves
 *   about 2 minutes per run. Slow starters (vLLM) use {@link VLLM_RESTART_POLICY}.
 */
export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  mode: 'always',
  initialDelayMs: 1_000,
  multiplier: 2,
  maxDelayMs: 30_000,
  jitterRatio: 0.1,
  stableAfterMs: 30_000,
  maxFailures: 5,
  failureWindowMs: 10 * 60_000,
  permanentExitCodes: CONFIG_ERROR_EXIT_CODES,
};

/**
 * vLLM: as the default, but W = 45 min. Loading a model "can take minutes" (vllm.md §3.2) and a
 * failure often comes only after loading (KV cache check, OOM during graph capture), so five failed
 * starts of a large model can take half an hour; a shorter window would never see five of them and
 * the unit would retry forever (the give-up rule must stay reachable, reliability.md §1 Build 4).
 */
export const VLLM_RESTART_POLICY: RestartPolicy = { ...DEFAULT_RESTART_POLICY, failureWindowMs: 45 * 60_000 };

/** What the policy remembers between failures. */
export interface RestartHistory {
  /** Times (ms since the epoch) of the failures still inside the window, oldest first. */
  readonly failureTimes: readonly number[];
  /** Failures since the last stable run or manual start; the exponent of the next delay. */
  readonly streak: number;
}

/** No failures yet (a fresh unit, or one started by hand). */
export const EMPTY_RESTART_HISTORY: RestartHistory = { failureTimes: [], streak: 0 };

/** One failure, as the policy needs to see it. */
export interface FailureFacts {
  /** When the failure was seen (exit event time). */
  readonly at: number;
  /** When the failed child became ready (health OK), or null if it never did. */
  readonly readyAt: number | null;
  /** The exit code, or null for a signal death or a failure that was not an exit (spawn error, unhealthy, start timeout). */
  readonly exitCode: number | null;
  /** A classifier found a cause that a restart cannot fix (e.g. vLLM's KV cache too small for --max-model-len). */
  readonly isPermanent: boolean;
}

/** Why the policy gave up. */
export type GiveUpReason = 'permanent-exit-code' | 'permanent-cause' | 'too-many-failures';

/** What to do after a failure. */
export type RestartDecision =
  /** The restart mode says this exit does not restart (a clean exit under 'on-failure', anything under 'never'). */
  | { readonly action: 'none'; readonly history: RestartHistory }
  /** Restart after `delayMs`; `failuresInWindow` is for the UI ("attempt 3 of 5"). */
  | { readonly action: 'restart'; readonly delayMs: number; readonly history: RestartHistory; readonly failuresInWindow: number }
  /** Stop trying: the unit goes fatal with this reason. */
  | { readonly action: 'give-up'; readonly reason: GiveUpReason; readonly history: RestartHistory; readonly failuresInWindow: number };

/**
 * The delay before restart number `streak` of a streak (1 = the first restart): `initial × multiplier^(streak−1)`,
 * capped at `maxDelayMs`, then spread by ±`jitterRatio`. `random` returns a number in [0, 1) (Math.random in production).
 */
export function backoffDelay(streak: number, policy: RestartPolicy, random: () => number): number {
  const exponent = Math.max(0, streak - 1);
  const nominal = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** exponent);
  const spread = policy.jitterRatio * (2 * clampUnit(random()) - 1);
  return Math.max(0, Math.round(nominal * (1 + spread)));
}

/** Whether a child that became ready at `readyAt` and ended at `endedAt` ran long enough to count as stable. */
export function wasStableRun(readyAt: number | null, endedAt: number, policy: RestartPolicy): boolean {
  return readyAt !== null && endedAt - readyAt >= policy.stableAfterMs;
}

/**
 * Decides what follows one failure. In order:
 * 1. A permanent failure (a config-error exit code, or a cause the classifier marks permanent) of a
 *    child that never became ready gives up at once (reliability.md S3: "0 restarts; FAILED within 1 s").
 *    After readiness the same code means something else, so it counts as an ordinary failure.
 * 2. The restart mode may say this exit does not restart at all.
 * 3. A stable run (ready for `stableAfterMs`) forgets earlier failures: the delay returns to the minimum (S2b).
 * 4. Failures older than the window are forgotten; reaching K gives up, otherwise restart after the backoff delay.
 */
export function decideRestart(history: RestartHistory, failure: FailureFacts, policy: RestartPolicy, random: () => number): RestartDecision {
  const neverReady = failure.readyAt === null;
  if (neverReady && failure.exitCode !== null && policy.permanentExitCodes.includes(failure.exitCode)) {
    return { action: 'give-up', reason: 'permanent-exit-code', history: recordFailure(history, failure, policy), failuresInWindow: countAfter(history, failure, policy) };
  }
  if (neverReady && failure.isPermanent) {
    return { action: 'give-up', reason: 'permanent-cause', history: recordFailure(history, failure, policy), failuresInWindow: countAfter(history, failure, policy) };
  }
  if (policy.mode === 'never' || (policy.mode === 'on-failure' && failure.exitCode === 0)) {
    return { action: 'none', history: wasStableRun(failure.readyAt, failure.at, policy) ? EMPTY_RESTART_HISTORY : history };
  }
  const next = recordFailure(history, failure, policy);
  const failuresInWindow = next.failureTimes.length;
  if (failuresInWindow >= policy.maxFailures) return { action: 'give-up', reason: 'too-many-failures', history: next, failuresInWindow };
  return { action: 'restart', delayMs: backoffDelay(next.streak, policy, random), history: next, failuresInWindow };
}

/** The history after one more failure: reset by a stable run, pruned to the window, streak +1. */
export function recordFailure(history: RestartHistory, failure: FailureFacts, policy: RestartPolicy): RestartHistory {
  const base = wasStableRun(failure.readyAt, failure.at, policy) ? EMPTY_RESTART_HISTORY : history;
  const windowStart = failure.at - policy.failureWindowMs;
  return {
    failureTimes: [...base.failureTimes.filter((time) => time > windowStart), failure.at],
    streak: base.streak + 1,
  };
}

/**
 * The shortest window in which K failures can fit when every child fails at once: the sum of the
 * first K−1 delays at their largest (+jitter). A window shorter than this makes the give-up rule
 * unreachable, the systemd trap where the backoff cap and StartLimitBurst cancel out (reliability.md §1 Anchors).
 */
export function minimumFailureWindowMs(policy: RestartPolicy): number {
  let total = 0;
  for (let streak = 1; streak < policy.maxFailures; streak += 1) total += backoffDelay(streak, policy, () => 1);
  return total;
}

/** Problems with a policy, in words; empty when it is usable. */
export function validateRestartPolicy(policy: RestartPolicy): string[] {
  const problems: string[] = [];
  const positive = (name: string, value: number) => {
    if (!Number.isFinite(value) || value <= 0) problems.push(`${name} must be a positive number of milliseconds (got ${value}).`);
  };
  positive('initialDelayMs', policy.initialDelayMs);
  positive('maxDelayMs', policy.maxDelayMs);
  positive('stableAfterMs', policy.stableAfterMs);
  positive('failureWindowMs', policy.failureWindowMs);
  if (!Number.isFinite(policy.multiplier) || policy.multiplier < 1) problems.push(`multiplier must be at least 1 (got ${policy.multiplier}).`);
  if (!Number.isFinite(policy.jitterRatio) || policy.jitterRatio < 0 || policy.jitterRatio >= 1) {
    problems.push(`jitterRatio must be in [0, 1) (got ${policy.jitterRatio}).`);
  }
  if (policy.maxDelayMs < policy.initialDelayMs) problems.push(`maxDelayMs (${policy.maxDelayMs}) is below initialDelayMs (${policy.initialDelayMs}).`);
  if (!Number.isInteger(policy.maxFailures) || policy.maxFailures < 1) problems.push(`maxFailures must be a whole number ≥ 1 (got ${policy.maxFailures}).`);
  if (problems.length === 0) {
    const minimum = minimumFailureWindowMs(policy);
    if (policy.failureWindowMs <= minimum) {
      problems.push(
        `failureWindowMs (${policy.failureWindowMs}) cannot hold ${policy.maxFailures} failures: the backoff delays between them alone take up to ${minimum} ms, ` +
          `so the unit would never be given up on. Lengthen the window or lower maxDelayMs.`,
      );
    }
  }
  return problems;
}

function countAfter(history: RestartHistory, failure: FailureFacts, policy: RestartPolicy): number {
  return recordFailure(history, failure, policy).failureTimes.length;
}

function clampUnit(value: number): number {
  if (!Number.isFinite(value) || value < 0) return 0;
  return value >= 1 ? 1 : value;
}

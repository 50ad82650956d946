import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../shared/clock';
import { AirlockError } from '../shared/errors';

/** A fresh login token: 32 random bytes, base64url. Printed once; only its hash is kept. */
export function generateLoginToken(): string {
  return randomBytes(32).toString('base64url');
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

export interface ThrottlePolicy {
  /** Failures allowed before the first delay. */
  freeFailures: number;
  /** First lock-out, doubled for each further failure. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A client's failure count is forgotten after this long without failures. */
  forgetAfterMs: number;
}

/** 3 free tries, then 1 s, 2 s, 4 s … capped at 5 min. */
export const defaultThrottlePolicy: ThrottlePolicy = { freeFailures: 3, baseDelayMs: 1000, maxDelayMs: 5 * 60_000, forgetAfterMs: 15 * 60_000 };

interface FailureRecord {
  count: number;
  lastAt: number;
  lockedUntil: number;
}

export type LoginOutcome = { ok: true; sessionId: string } | { ok: false; error: AirlockError };

/**
 * Console login: the token from `airlock serve` is exchanged for a session id (sent as an HttpOnly,
 * SameSite=Strict cookie). Wrong tokens from one client are slowed down exponentially.
 */
export class ConsoleAuth {
  private readonly tokenHash: Buffer;
  private readonly sessions = new Map<string, number>();
  private readonly failures = new Map<string, FailureRecord>();
  private readonly clock: Clock;
  private readonly policy: ThrottlePolicy;
  private readonly sessionTtlMs: number;
  private readonly maxSessions: number;

  constructor(options: { token: string; clock: Clock; policy?: ThrottlePolicy; sessionTtlMs?: number; maxSessions?: number }) {
    this.tokenHash = sha256(options.token);
    this.clock = options.clock;
    this.policy = options.policy ?? defaultThrottlePolicy;
    this.sessionTtlMs = options.sessionTtlMs ?? 12 * 60 * 60_000;
    this.maxSessions = options.maxSessions ?? 64;
  }

  /** Checks `presented` for the client `clientKey` (its address). */
  login(presented: unknown, clientKey: string): LoginOutcome {
    const now = this.clock.now();
    const record = this.failures.get(clientKey);
    if (record && now - record.lastAt > this.policy.forgetAfterMs) this.failures.delete(clientKey);
    const current = this.failures.get(clientKey);
    if (current && current.lockedUntil > now) {
      return { ok: false, error: new AirlockError('CONSOLE_LOGIN_THROTTLED', { retryAfterSeconds: Math.ceil((current.lockedUntil - now) / 1000) }) };
    }
    // Compare hashes in constant time; the hash also makes the lengths equal.
    const isValid = typeof presented === 'string' && presented.length <= 512 && timingSafeEqual(sha256(presented), this.tokenHash);
    if (!isValid) {
      const count = (current?.count ?? 0) + 1;
      const over = count - this.policy.freeFailures;
      const delay = over > 0 ? Math.min(this.policy.baseDelayMs * 2 ** (over - 1), this.policy.maxDelayMs) : 0;
      this.failures.set(clientKey, { count, lastAt: now, lockedUntil: now + delay });
      return { ok: false, error: new AirlockError('CONSOLE_LOGIN_INVALID', {}) };
    }
    this.failures.delete(clientKey);
    return { ok: true, sessionId: this.createSession(now) };
  }

  /** True when `sessionId` names a live session. */
  isSessionValid(sessionId: string | undefined): boolean {
    if (!sessionId || sessionId.length > 200) return false;
    const key = sha256(sessionId).toString('hex');
    const expiresAt = this.sessions.get(key);
    if (expiresAt === undefined) return false;
    if (expiresAt <= this.clock.now()) {
      this.sessions.delete(key);
      return false;
    }
    return true;
  }

  logout(sessionId: string | undefined): void {
    if (sessionId) this.sessions.delete(sha256(sessionId).toString('hex'));
  }

  get sessionTtlSeconds(): number {
    return Math.floor(this.sessionTtlMs / 1000);
  }

  private createSession(now: number): string {
    const sessionId = randomBytes(32).toString('base64url');
    if (this.sessions.size >= this.maxSessions) {
      // Evict the session that expires first (the oldest): Map keeps insertion order.
      const oldest = this.sessions.keys().next().value;
      if (oldest !== undefined) this.sessions.delete(oldest);
    }
    this.sessions.set(sha256(sessionId).toString('hex'), now + this.sessionTtlMs);
    return sessionId;
  }
}

const LOOPBACK_V4 = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/** True for addresses only this host can reach: 127.0.0.0/8, ::1, localhost. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || bare === '::ffff:127.0.0.1' || LOOPBACK_V4.test(bare);
}

/** Reads one cookie from a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

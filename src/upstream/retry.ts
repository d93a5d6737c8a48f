/**
 * When to try an upstream call again, and how long to wait: the policy only, no I/O.
 *
 * Why it differs from the SDK (contract#retries): the SDK retries every method, POST
 * included, on 409/429/5xx/timeouts with no idempotency key, so a release or move can be applied
 * twice. Here reads are retried on 408/429/5xx/connection errors/timeouts; a write only when it
 * provably was not processed (429, or the connection was refused before anything was sent).
 */
import type { AttemptOutcome } from './transport.js';

/**
 * Cloudflare's documented lockout: going over 1,200 requests / 5 minutes "blocks all API calls for
 * the next 5 minutes" (https://developers.cloudflare.com/fundamentals/api/reference/limits/). A
 * Retry-After beyond that is not Cloudflare's limiter speaking (a proxy, a bug): it is capped here.
 */
export const MAX_LOCKOUT_MS = 5 * 60_000;

/** Without a Retry-After, a 429 is taken to lock the credential for this long. */
export const DEFAULT_LOCKOUT_MS = 60_000;

export interface RetryOptions {
  maxRetries: number;
  retryBaseMs: number;
  retryMaxDelayMs: number;
  /** A Retry-After longer than this is not slept through: the call fails with RATE_LIMITED at once. */
  retryAfterCapMs: number;
}

export interface RetryAfter {
  /** Milliseconds, capped at MAX_LOCKOUT_MS. */
  ms: number;
  /** The header as sent, when it asked for more than MAX_LOCKOUT_MS (to log once). */
  absurd: string | null;
}

type Headers = Record<string, string | string[] | undefined>;

/** Retry-After in ms: `retry-after-ms` first, then `Retry-After` seconds or HTTP date (contract#retries), uncapped. */
export function retryAfterMillis(headers: Headers): number | null {
  const ms = first(headers['retry-after-ms']);
  if (ms !== undefined && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = first(headers['retry-after']);
  if (value === undefined) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

/** The Retry-After to act on: capped at Cloudflare's documented 5 minutes. */
export function boundedRetryAfter(headers: Headers): RetryAfter | null {
  const ms = retryAfterMillis(headers);
  if (ms === null) return null;
  if (ms <= MAX_LOCKOUT_MS) return { ms, absurd: null };
  return { ms: MAX_LOCKOUT_MS, absurd: String(first(headers['retry-after-ms']) ?? first(headers['retry-after'])) };
}

export class RetryPolicy {
  constructor(readonly options: RetryOptions) {}

  get maxAttempts(): number {
    return 1 + this.options.maxRetries;
  }

  /** Why the outcome may be retried, or null. */
  retryable(outcome: AttemptOutcome, isRead: boolean): string | null {
    if (outcome.kind === 'aborted' || outcome.kind === 'budget' || outcome.kind === 'deadline') return null;
    if (outcome.kind === 'network') return isRead || outcome.notSent ? 'network' : null;
    if (outcome.kind === 'timeout') return isRead ? 'timeout' : null;
    const status = outcome.status;
    // 429 is provably not processed, so even a write may go again (after Retry-After).
    if (status === 429) return 'rate-limited';
    if (!isRead) return null;
    if (status === 408 || status >= 500) return 'status';
    return null;
  }

  /** Milliseconds to wait before the next attempt; null means "do not wait that long; fail now". */
  delay(outcome: AttemptOutcome, attempt: number): number | null {
    if (outcome.kind === 'response') {
      const retryAfter = boundedRetryAfter(outcome.headers);
      if (retryAfter !== null) return retryAfter.ms <= this.options.retryAfterCapMs ? retryAfter.ms : null;
    }
    // Capped exponential backoff with "full jitter" between 75% and 100%, like the SDK (contract#retries).
    const exponential = Math.min(this.options.retryBaseMs * 2 ** (attempt - 1), this.options.retryMaxDelayMs);
    return Math.round(exponential * (0.75 + Math.random() * 0.25));
  }
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

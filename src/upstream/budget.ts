import { setTimeout as sleep } from 'node:timers/promises';
import type { RateLimitState } from './rate-limit-headers.js';
import { MAX_LOCKOUT_MS } from './retry.js';

/**
 * The Cloudflare budget: 1,200 requests per 5 minutes per user/token, and going over blocks EVERY
 * call of that credential for 5 minutes (https://developers.cloudflare.com/fundamentals/api/reference/limits/).
 * The governor therefore never sends the request that would trip the lockout: each attempt takes a
 * permit first; when the window is spent it waits briefly for the next window and otherwise fails
 * only that call with RATE_LIMITED. Writes keep a reserved share so an analyst can still release a
 * message while dashboards have used up the read share.
 */
export interface BudgetOptions {
  /** Requests per window (Cloudflare: 1,200). */
  limit: number;
  /** Window length (Cloudflare: 300 s). */
  windowMs: number;
  /** Share of the window only writes may use. */
  writeReserve: number;
  /** Permits left unused as a margin for other clients of the same token and for clock skew. */
  safetyMargin: number;
  /** How long a call may wait for the next window before failing with RATE_LIMITED. */
  maxQueueMs: number;
}

export type PermitKind = 'read' | 'write';

export type PermitDecision =
  | { granted: true; remaining: number }
  | { granted: false; retryAfterMs: number; lockedOut: boolean };

/** State store behind the governor: one process (memory) or every replica (Redis, atomic Lua). */
export interface BudgetStore {
  take(credential: string, kind: PermitKind, now: number, options: BudgetOptions): Promise<PermitDecision>;
  /** Aligns the local count with what Cloudflare says (`Ratelimit: r=…;t=…`), never loosening it. */
  observe(credential: string, state: RateLimitState, now: number, options: BudgetOptions): Promise<void>;
  /** Cloudflare answered 429: nobody sends with this credential until it says so. */
  lockout(credential: string, untilMs: number): Promise<void>;
  remaining(
    credential: string,
    now: number,
    options: BudgetOptions,
  ): Promise<{ remaining: number; resetMs: number; lockedUntil: number | null }>;
}

export class BudgetExhaustedError extends Error {
  constructor(
    readonly retryAfterMs: number,
    readonly lockedOut: boolean,
  ) {
    super(
      lockedOut
        ? `Cloudflare locked this credential out; retry in ${Math.ceil(retryAfterMs / 1000)} s`
        : `The Cloudflare request budget for this credential is spent; retry in ${Math.ceil(retryAfterMs / 1000)} s`,
    );
    this.name = 'BudgetExhaustedError';
  }
}

export class BudgetGovernor {
  constructor(
    readonly store: BudgetStore,
    readonly options: BudgetOptions,
  ) {}

  /**
   * Takes one permit, waiting up to `maxQueueMs` for the next window or for a lockout to lift;
   * throws BudgetExhaustedError when that is further away. A short lockout (one 429 with
   * `Retry-After: 1`) is waited out: failing every sibling call RATE_LIMITED for a one-second wait
   * turned 17 of 25 detections of a triage page into errors.
   */
  async acquire(credential: string, kind: PermitKind, signal?: AbortSignal): Promise<void> {
    const deadline = Date.now() + this.options.maxQueueMs;
    for (;;) {
      const decision = await this.store.take(credential, kind, Date.now(), this.options);
      if (decision.granted) return;
      const waitMs = decision.retryAfterMs;
      if (Date.now() + waitMs > deadline) throw new BudgetExhaustedError(waitMs, decision.lockedOut);
      await sleep(Math.max(5, waitMs), undefined, { signal });
    }
  }

  observe(credential: string, state: RateLimitState): Promise<void> {
    return this.store.observe(credential, state, Date.now(), this.options);
  }

  /** Capped at Cloudflare's documented 5-minute lockout, whatever a Retry-After said. */
  lockout(credential: string, retryAfterMs: number): Promise<void> {
    return this.store.lockout(credential, Date.now() + Math.min(retryAfterMs, MAX_LOCKOUT_MS));
  }

  remaining(credential: string) {
    return this.store.remaining(credential, Date.now(), this.options);
  }
}

/** Permits a kind of call may use in a window. */
export function allowance(kind: PermitKind, options: BudgetOptions): number {
  const usable = Math.max(0, options.limit - options.safetyMargin);
  return kind === 'write' ? usable : Math.max(0, usable - options.writeReserve);
}

interface WindowState {
  windowStart: number;
  used: number;
  lockedUntil: number;
}

/** Fixed-window counter per credential, in this process. */
export class MemoryBudgetStore implements BudgetStore {
  private readonly windows = new Map<string, WindowState>();

  private current(credential: string, now: number, options: BudgetOptions): WindowState {
    let state = this.windows.get(credential);
    if (!state || now >= state.windowStart + options.windowMs) {
      // A new window starts where the last one ended (in steps of the window), so windows seeded
      // from the shared store stay aligned with the other replicas' windows.
      const windowStart = state
        ? state.windowStart + Math.floor((now - state.windowStart) / options.windowMs) * options.windowMs
        : now;
      state = { windowStart, used: 0, lockedUntil: state?.lockedUntil ?? 0 };
      this.windows.set(credential, state);
    }
    return state;
  }

  /** Starts a window ending at `windowEndsAt` with `used` permits already spent (by others). */
  seed(credential: string, used: number, windowEndsAt: number, windowMs: number): void {
    const lockedUntil = this.windows.get(credential)?.lockedUntil ?? 0;
    this.windows.set(credential, { windowStart: windowEndsAt - windowMs, used, lockedUntil });
  }

  /** Credentials with a window or a lockout here. */
  credentials(): string[] {
    return [...this.windows.keys()];
  }

  lockedUntil(credential: string): number {
    return this.windows.get(credential)?.lockedUntil ?? 0;
  }

  async take(credential: string, kind: PermitKind, now: number, options: BudgetOptions): Promise<PermitDecision> {
    const state = this.current(credential, now, options);
    if (state.lockedUntil > now) return { granted: false, retryAfterMs: state.lockedUntil - now, lockedOut: true };
    if (state.used < allowance(kind, options)) {
      state.used++;
      return { granted: true, remaining: allowance(kind, options) - state.used };
    }
    return { granted: false, retryAfterMs: state.windowStart + options.windowMs - now, lockedOut: false };
  }

  async observe(credential: string, header: RateLimitState, now: number, options: BudgetOptions): Promise<void> {
    const state = this.current(credential, now, options);
    // Cloudflare's `remaining` is the truth: other clients of the same token, another gateway without
    // shared state, or a smaller quota than configured all show up as fewer remaining requests.
    const usedUpstream = options.limit - header.remaining;
    if (usedUpstream > state.used) state.used = usedUpstream;
    const upstreamEnd = now + header.resetSeconds * 1000;
    // Cloudflare's window ends earlier than ours: follow it, so we do not wait longer than needed.
    if (header.resetSeconds > 0 && upstreamEnd < state.windowStart + options.windowMs && usedUpstream >= state.used) {
      state.windowStart = upstreamEnd - options.windowMs;
    }
  }

  async lockout(credential: string, untilMs: number): Promise<void> {
    const existing = this.windows.get(credential);
    if (existing) existing.lockedUntil = Math.max(existing.lockedUntil, untilMs);
    else this.windows.set(credential, { windowStart: Date.now(), used: 0, lockedUntil: untilMs });
  }

  async remaining(credential: string, now: number, options: BudgetOptions) {
    const state = this.current(credential, now, options);
    return {
      remaining: Math.max(0, allowance('write', options) - state.used),
      resetMs: state.windowStart + options.windowMs - now,
      lockedUntil: state.lockedUntil > now ? state.lockedUntil : null,
    };
  }
}

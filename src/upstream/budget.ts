import { setTimeout as sleep } from 'node:timers/promises';
import type { RateLimitState } from './rate-limit-headers.js';
import { MAX_LOCKOUT_MS } from './retry.js';

/**
 * The Cloudflare budget: 1,200 requests per 5 minutes per user/token, and going over blocks EVERY
 * call of that credential for 5 minutes (https://developers.cloudflare.com/fundamentals/api/reference/limits/).
 * The governor therefore never sends the request that would trip the lockout: each attempt takes a
 * permit first; when the last window's length holds the whole budget it waits briefly for the oldest
 * permits to leave it and otherwise fails only that call with RATE_LIMITED. Writes keep a reserved share so an analyst can still release a
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
  /** How long a call may wait for a permit to come back before failing with RATE_LIMITED. */
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
   * Takes one permit, waiting up to `maxQueueMs` for permits to leave the window or for a lockout to lift;
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

/**
 * Cuts a window into this many buckets. Cloudflare may count its 1,200 over any 5 minutes, not over
 * fixed windows: a burst at the end of one fixed window and another at the start of the next put
 * up to twice the limit into 5 minutes. A permit is therefore granted only if the buckets that still
 * count hold fewer than the allowance: the current one, the BUCKETS_PER_WINDOW before it (any span
 * of the window's length lies within those) and GUARD_BUCKETS more.
 */
export const BUCKETS_PER_WINDOW = 20;

/**
 * Cloudflare counts a request when it arrives, not when its permit was granted, and the time in
 * between varies (a new connection, a busy event loop): a permit granted late in its bucket could
 * arrive after one granted just as that bucket left the window. One more bucket of counting keeps
 * such permits a twentieth of the window apart (15 s in 5 minutes; 100 ms in a test's 2 s, where
 * 40 ms of variation was seen). With the bucket size, a permit comes back 1 to 2 buckets after a
 * full window: at most a tenth of a fixed window's throughput.
 */
export const GUARD_BUCKETS = 1;

/** Buckets that count at any time, the current one included. */
export const COUNTED_BUCKETS = BUCKETS_PER_WINDOW + GUARD_BUCKETS + 1;

/** The window's buckets: which one `now` is in, and when a bucket stops counting. */
export function bucketClock(windowMs: number) {
  const bucketMs = windowMs / BUCKETS_PER_WINDOW;
  return {
    current: (now: number) => Math.floor(now / bucketMs),
    /** The oldest bucket that still counts while `current` is the current one. */
    oldestCounted: (current: number) => current - COUNTED_BUCKETS + 1,
    /** When bucket `index` stops counting. */
    leavesAt: (index: number) => (index + COUNTED_BUCKETS) * bucketMs,
    /** The oldest bucket that still counts at `time` (so permits put there count until then). */
    countingUntil: (time: number) => Math.ceil(time / bucketMs) - COUNTED_BUCKETS,
  };
}

interface CredentialBudget {
  /** Permits granted per bucket index, only the buckets that still count. */
  buckets: Map<number, number>;
  /**
   * What Cloudflare's `Ratelimit` header last said was used, plus our grants since, until its window
   * resets (`until`). The count in force is the larger of this and our buckets.
   */
  upstream: { used: number; until: number };
  lockedUntil: number;
}

/** Sliding-window counter per credential, in this process. */
export class MemoryBudgetStore implements BudgetStore {
  private readonly budgets = new Map<string, CredentialBudget>();

  private of(credential: string): CredentialBudget {
    let budget = this.budgets.get(credential);
    if (!budget) {
      budget = { buckets: new Map(), upstream: { used: 0, until: 0 }, lockedUntil: 0 };
      this.budgets.set(credential, budget);
    }
    return budget;
  }

  /** The credential's budget with the buckets that no longer count dropped. */
  private current(credential: string, now: number, options: BudgetOptions): CredentialBudget {
    const budget = this.of(credential);
    const clock = bucketClock(options.windowMs);
    const oldest = clock.oldestCounted(clock.current(now));
    for (const index of budget.buckets.keys()) if (index < oldest) budget.buckets.delete(index);
    if (budget.upstream.until <= now) budget.upstream = { used: 0, until: 0 };
    return budget;
  }

  /**
   * Counts `permits` spent elsewhere (by other replicas) until `clearsAt`: they go into the bucket
   * that counts at least that long.
   */
  seed(credential: string, permits: number, clearsAt: number, now: number, options: BudgetOptions): void {
    if (permits <= 0) return;
    const budget = this.current(credential, now, options);
    const clock = bucketClock(options.windowMs);
    const current = clock.current(now);
    const index = Math.min(current, Math.max(clock.oldestCounted(current), clock.countingUntil(clearsAt)));
    budget.buckets.set(index, (budget.buckets.get(index) ?? 0) + permits);
  }

  /** Credentials with permits or a lockout here. */
  credentials(): string[] {
    return [...this.budgets.keys()];
  }

  lockedUntil(credential: string): number {
    return this.budgets.get(credential)?.lockedUntil ?? 0;
  }

  async take(credential: string, kind: PermitKind, now: number, options: BudgetOptions): Promise<PermitDecision> {
    const budget = this.current(credential, now, options);
    if (budget.lockedUntil > now) return { granted: false, retryAfterMs: budget.lockedUntil - now, lockedOut: true };
    const used = usedIn(budget);
    const allowed = allowance(kind, options);
    if (used < allowed) {
      const current = bucketClock(options.windowMs).current(now);
      budget.buckets.set(current, (budget.buckets.get(current) ?? 0) + 1);
      if (budget.upstream.used > 0) budget.upstream.used++;
      return { granted: true, remaining: allowed - used - 1 };
    }
    return { granted: false, retryAfterMs: Math.max(1, waitBelow(budget, allowed, now, options)), lockedOut: false };
  }

  async observe(credential: string, header: RateLimitState, now: number, options: BudgetOptions): Promise<void> {
    const budget = this.current(credential, now, options);
    // Cloudflare's `remaining` is the truth: other clients of the same token, another gateway without
    // shared state, or a smaller quota than configured all show up as fewer remaining requests.
    const usedUpstream = options.limit - header.remaining;
    // An equal count with an earlier reset follows Cloudflare's window end, so we do not wait longer
    // than needed; our own buckets still hold the limit over any span.
    if (usedUpstream > 0 && usedUpstream >= budget.upstream.used)
      budget.upstream = { used: usedUpstream, until: upstreamUntil(header.resetSeconds * 1000, now, options) };
  }

  async lockout(credential: string, untilMs: number): Promise<void> {
    const budget = this.of(credential);
    budget.lockedUntil = Math.max(budget.lockedUntil, untilMs);
  }

  async remaining(credential: string, now: number, options: BudgetOptions) {
    const budget = this.current(credential, now, options);
    const used = usedIn(budget);
    return {
      remaining: Math.max(0, allowance('write', options) - used),
      resetMs: used > 0 ? waitBelow(budget, used, now, options) : 0,
      lockedUntil: budget.lockedUntil > now ? budget.lockedUntil : null,
    };
  }
}

/** Permits that count now: our buckets, or what Cloudflare says, whichever is more. */
function usedIn(budget: CredentialBudget): number {
  return Math.max(bucketSum(budget), budget.upstream.used);
}

function bucketSum(budget: CredentialBudget): number {
  let sum = 0;
  for (const permits of budget.buckets.values()) sum += permits;
  return sum;
}

/**
 * Ms until fewer than `allowed` permits count: until enough of the oldest buckets have left the span,
 * and, when Cloudflare's count alone reaches `allowed`, until its window resets.
 */
function waitBelow(budget: CredentialBudget, allowed: number, now: number, options: BudgetOptions): number {
  const clock = bucketClock(options.windowMs);
  let waitMs = 0;
  let counted = bucketSum(budget);
  if (counted >= allowed) {
    // Only an allowance of 0 is never reached by buckets leaving.
    waitMs = options.windowMs;
    for (const [index, permits] of [...budget.buckets].sort(([a], [b]) => a - b)) {
      counted -= permits;
      if (counted < allowed) {
        waitMs = clock.leavesAt(index) - now;
        break;
      }
    }
  }
  if (budget.upstream.used > 0 && budget.upstream.used >= allowed)
    waitMs = Math.max(waitMs, budget.upstream.until - now);
  return waitMs;
}

/** When Cloudflare's count stops counting: its reset, or a whole window from now when it sent none. */
function upstreamUntil(resetMs: number, now: number, options: BudgetOptions): number {
  return resetMs > 0 ? now + resetMs : now + options.windowMs;
}

import { setTimeout as sleep } from 'node:timers/promises';
import pLimit, { type LimitFunction } from 'p-limit';

/**
 * Where a replica learns when its next upstream call may start. The local one is a token bucket;
 * the Redis one (src/state/redis/pace-store.ts) shares one per-second window across replicas.
 */
export interface PaceStore {
  /** Milliseconds to wait before one more call may start (0: start now; the slot is then taken). */
  reserve(ratePerSecond: number): Promise<number>;
}

/**
 * A token bucket of `ratePerSecond` tokens, refilled continuously: bursts of up to one second's
 * worth start at once (a whole triage page), a sustained flood is spread to the rate.
 */
export class LocalPaceStore implements PaceStore {
  private tokens: number | null = null;
  private updatedAt = 0;

  constructor(private readonly now: () => number = () => performance.now()) {}

  async reserve(ratePerSecond: number): Promise<number> {
    const now = this.now();
    const tokens = Math.min(
      ratePerSecond,
      (this.tokens ?? ratePerSecond) + ((now - this.updatedAt) / 1000) * ratePerSecond,
    );
    this.updatedAt = now;
    // Taking the token even when it is not there yet queues callers in order: each waits its share.
    this.tokens = tokens - 1;
    return tokens >= 1 ? 0 : Math.ceil(((1 - tokens) / ratePerSecond) * 1000);
  }
}

export interface UpstreamPacerOptions {
  /** Most upstream requests this process has in flight at once, across all GraphQL requests. */
  maxInFlight: number;
  /** Most upstream requests started per second (Cloudflare's per-IP API limit is 200/s). */
  ratePerSecond: number;
  store?: PaceStore;
}

/**
 * Protects Cloudflare and this process, not the budget (the budget governor bounds the *count* of
 * calls per 5 minutes; concurrency does not change that count). Every upstream attempt passes here:
 * a process-wide cap on in-flight calls, then a pacer under the per-IP request rate. Neither slows
 * one triage page, which goes out in one wave; they only bite under a flood.
 */
export class UpstreamPacer {
  private readonly limit: LimitFunction;
  private readonly store: PaceStore;

  constructor(private readonly options: UpstreamPacerOptions) {
    this.limit = pLimit(options.maxInFlight);
    this.store = options.store ?? new LocalPaceStore();
  }

  /** Requests currently in flight or queued for a slot. */
  get pending(): number {
    return this.limit.activeCount + this.limit.pendingCount;
  }

  run<T>(attempt: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return this.limit(async () => {
      signal?.throwIfAborted();
      const wait = await this.store.reserve(this.options.ratePerSecond).catch(() => 0);
      if (wait > 0) await sleep(wait, undefined, signal ? { signal } : {});
      return attempt();
    });
  }
}

import type { Config } from '../config.js';
import { type IdempotencyStore, MemoryIdempotencyStore } from '../idempotency.js';
import type { Logger } from '../logger.js';
import { type BudgetStore, MemoryBudgetStore } from '../upstream/budget.js';
import { type CacheStore, MemoryCacheStore } from '../upstream/cache.js';
import type { FlightStore } from '../upstream/call/single-flight-layer.js';
import { type LiveStore, type LiveStoreLimits, MemoryLiveStore } from '../live/store.js';
import { LocalPaceStore, type PaceStore } from '../upstream/pacer.js';
import type { RedisDurability, RedisHealth } from './redis/link.js';

/** What `/ready` and the metrics say about shared state. */
export interface SharedStateHealth {
  /** `disabled`: no REDIS_URL (one replica, in-process state). */
  redis: RedisHealth | 'disabled';
  /** Since when Redis has been unusable (ms since the epoch), null while it is fine. */
  unavailableSince: number | null;
  durability: RedisDurability | 'memory';
  /** When Redis was last seen to have lost its data. */
  dataLostAt: number | null;
  /** Replicas sharing the token (each spends 1/N of the budget while Redis is away). */
  replicas: number;
}

/** Whether shared state keeps its promises right now: Redis answering, or no Redis configured. */
export function sharedStateUsable(health: SharedStateHealth): boolean {
  return health.redis === 'ready' || health.redis === 'disabled';
}

/**
 * The state that must be shared by replicas to be correct: the Cloudflare budget (one token's
 * 1,200 / 5 min is spent by every replica together), the read cache, and idempotency keys (a retry
 * may land on another replica). In memory by default; on Redis when REDIS_URL is set.
 */
export interface SharedState {
  kind: 'memory' | 'redis';
  budget: BudgetStore;
  cache: CacheStore;
  idempotency: IdempotencyStore;
  /** The upstream request-rate window (per process, or shared by replicas on Redis). */
  pace: PaceStore;
  /** Live topics: leases, poll cursors and the replay buffer of events. */
  live: LiveStore;
  /** Identical reads in flight across replicas; null with one replica (joined in process only). */
  flights: FlightStore | null;
  health(): SharedStateHealth;
  close(): Promise<void>;
}

export function createMemoryState(config: Config): SharedState {
  const cache = new MemoryCacheStore({ maxEntries: config.cache.maxEntries, maxBytes: config.cache.maxBytes });
  const live = new MemoryLiveStore(liveLimits(config));
  return {
    kind: 'memory',
    budget: new MemoryBudgetStore(),
    cache,
    idempotency: new MemoryIdempotencyStore(config.idempotencyLeaseMs, config.idempotencyMaxKeys),
    pace: new LocalPaceStore(),
    live,
    flights: null,
    health: () => ({ redis: 'disabled', unavailableSince: null, durability: 'memory', dataLostAt: null, replicas: 1 }),
    close: async () => {
      cache.close();
      await live.close();
    },
  };
}

/** What the live store keeps, from the configuration. */
export function liveLimits(config: Config): LiveStoreLimits {
  return {
    replayEvents: config.live.replayEvents,
    retentionMs: config.live.retentionMs,
    // Longer than a poll's overlap window, or a message still inside it would come back as new.
    seenMs: 2 * config.live.overlapMs + config.live.maxPollIntervalMs,
  };
}

/** Picks the state implementation for this process. */
export async function createSharedState(config: Config, logger: Logger): Promise<SharedState> {
  if (!config.redis.url) return createMemoryState(config);
  const { createRedisState } = await import('./redis-state.js');
  return createRedisState(config, logger);
}

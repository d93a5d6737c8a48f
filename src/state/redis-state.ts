import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { MemoryCacheStore } from '../upstream/cache.js';
import { LocalPaceStore } from '../upstream/pacer.js';
import { RedisBudgetStore } from './redis/budget-store.js';
import { RedisCacheStore } from './redis/cache-store.js';
import { RedisFlightStore } from './redis/flight-store.js';
import { RedisIdempotencyStore } from './redis/idempotency-store.js';
import { createRedisClient, RedisLink } from './redis/link.js';
import { RedisPaceStore } from './redis/pace-store.js';
import { ReplicaRegistry } from './redis/replicas.js';
import { RedisLiveStore } from './redis/live-store.js';
import { liveLimits, type SharedState } from './shared-state.js';

/**
 * Shared state on Redis (REDIS_URL). What each store does while Redis is away is the promise that
 * matters (README "Scale-out"):
 * - idempotency: no fallback; a keyed write is refused (STATE_UNAVAILABLE) before anything is sent;
 * - budget: this replica's share (1/N of what is left, N from heartbeats or BUDGET_REPLICAS);
 * - cache: per replica, and every mutable entry is dropped when Redis returns;
 * - pacer: 1/N of the per-IP rate;
 * - reads in flight: each replica calls for itself (a duplicate read costs budget, never safety).
 */
export async function createRedisState(config: Config, logger: Logger): Promise<SharedState> {
  if (!config.redis.url) throw new Error('createRedisState needs config.redis.url');
  const link = new RedisLink(
    createRedisClient(config.redis.url, config.redis.keyPrefix),
    logger.child({ component: 'redis' }),
  );
  const registry = new ReplicaRegistry(link, config.budget.replicas);
  const replicas = () => registry.count();
  const ttls = config.cache.ttls;
  const longestTtlMs = Math.max(...Object.values(ttls));
  const localCache = new MemoryCacheStore({ maxEntries: config.cache.maxEntries, maxBytes: config.cache.maxBytes });
  const state: SharedState = {
    kind: 'redis',
    budget: new RedisBudgetStore(link, replicas, config.budget.windowMs),
    cache: new RedisCacheStore(link, localCache, {
      maxValueBytes: Math.max(1, Math.floor(config.cache.maxBytes / 10)),
      generationTtlMs: Math.max(2 * longestTtlMs, 3_600_000),
    }),
    idempotency: new RedisIdempotencyStore(
      link,
      config.idempotencyLeaseMs,
      logger.child({ component: 'redis' }),
      config.redis.waitReplicas,
    ),
    pace: new RedisPaceStore(link, new LocalPaceStore(), replicas),
    live: new RedisLiveStore(link, liveLimits(config), logger.child({ component: 'live' })),
    flights: new RedisFlightStore(link, registry.id),
    health: () => ({
      redis: link.status(),
      unavailableSince: link.unavailableSince(),
      durability: link.durability,
      dataLostAt: link.dataLostAt,
      replicas: replicas(),
    }),
    async close() {
      await state.live.close();
      await link.close();
      localCache.close();
    },
  };
  // Waits at most the connect timeout; if Redis is not there yet the client keeps reconnecting in
  // the background and the health probe notices its arrival.
  await link.connect();
  return state;
}

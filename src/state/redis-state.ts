import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { RedisBudgetStore } from './redis/budget-store.js';
import { RedisCacheStore } from './redis/cache-store.js';
import { RedisIdempotencyStore } from './redis/idempotency-store.js';
import { RedisPaceStore } from './redis/pace-store.js';
import { createRedisClient, RedisLink } from './redis/link.js';
import type { SharedState } from './shared-state.js';

/**
 * Shared state on Redis (REDIS_URL): budget, read cache and idempotency keys are shared by every
 * replica. `fallback` is this process's memory state; each store answers from it for any call Redis
 * cannot serve (unreachable, timed out, failed), so losing Redis degrades sharing, not availability.
 */
export async function createRedisState(config: Config, logger: Logger, fallback: SharedState): Promise<SharedState> {
  if (!config.redis.url) throw new Error('createRedisState needs config.redis.url');
  const link = new RedisLink(
    createRedisClient(config.redis.url, config.redis.keyPrefix),
    logger.child({ component: 'redis' }),
  );
  // Waits at most the connect timeout; if Redis is not there yet the gateway starts on local state
  // and the client keeps reconnecting in the background.
  await link.connect();
  const ttls = config.cache.ttls;
  const longestTtlMs = Math.max(ttls.immutableMs, ttls.messageMs, ttls.searchMs, ttls.insightsMs);
  return {
    kind: 'redis',
    budget: new RedisBudgetStore(link, fallback.budget),
    cache: new RedisCacheStore(link, fallback.cache, {
      maxValueBytes: Math.max(1, Math.floor(config.cache.maxBytes / 10)),
      generationTtlMs: Math.max(2 * longestTtlMs, 3_600_000),
    }),
    idempotency: new RedisIdempotencyStore(link, fallback.idempotency),
    pace: new RedisPaceStore(link, fallback.pace),
    redisStatus: () => link.status(),
    async close() {
      await link.close();
      await fallback.close();
    },
  };
}

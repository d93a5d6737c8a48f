import type { Redis } from 'ioredis';
import type { CacheStore, MemoryCacheStore } from '../../upstream/cache.js';
import type { RedisLink } from './link.js';

/**
 * The read cache in Redis, so a message one replica fetched is a hit on every other: the Cloudflare
 * budget is per token, not per replica, and every duplicate fetch spends it.
 *   cache:<key>      the cached body, PX = the endpoint's TTL
 *   cache:gen:<…>    generation counters (INCR); invalidation is one increment, never a key scan
 *   cache:gen:outage bumped when Redis returns from an outage: drops every mutable entry
 */
/**
 * KEYS: the counters. ARGV: the entry key's prefix (with the client's key prefix: ioredis prefixes
 * KEYS only) and suffix, around the values joined by '.'. Single-node Redis: the entry key is
 * computed here, so it cannot be declared in KEYS (not for Redis Cluster).
 */
const LOOKUP = `
local values = {}
for index, key in ipairs(KEYS) do values[index] = tonumber(redis.call('GET', key) or '0') end
local entry = redis.call('GET', ARGV[1] .. table.concat(values, '.') .. ARGV[2])
return {values, entry or false}
`;

type LookupClient = { esgwCacheLookup(...args: (string | number)[]): Promise<[number[], string | null]> };

export class RedisCacheStore implements CacheStore {
  constructor(
    private readonly link: RedisLink,
    private readonly fallback: MemoryCacheStore,
    private readonly options: {
      /** Bodies larger than this are not cached (one huge EML must not crowd Redis out). */
      maxValueBytes: number;
      /** How long a generation counter outlives its last bump. It must outlive every entry written
       * under an older generation: if it expired earlier, the counter would restart at 0 and
       * resurrect entries cached under generation 0. */
      generationTtlMs: number;
    },
  ) {
    link.on('recovered', () => this.recovered());
    const client = link.client as unknown as Record<string, unknown>;
    if (!('esgwCacheLookup' in client)) link.client.defineCommand('esgwCacheLookup', { lua: LOOKUP });
  }

  private get redis(): Redis {
    return this.link.client;
  }

  get(key: string): Promise<string | undefined> {
    return this.link.run(
      async () => (await this.redis.get(`cache:${key}`)) ?? undefined,
      () => this.fallback.get(key),
    );
  }

  set(key: string, value: string, ttlMs: number): Promise<void> {
    if (ttlMs <= 0 || Buffer.byteLength(value) > this.options.maxValueBytes) return Promise.resolve();
    return this.link.run(
      async () => {
        await this.redis.set(`cache:${key}`, value, 'PX', Math.ceil(ttlMs));
      },
      () => this.fallback.set(key, value, ttlMs),
    );
  }

  /** The counters and the entry in one round trip (a script: the entry's key depends on the counters). */
  lookup(counters: string[], prefix: string, suffix: string) {
    return this.link.run(
      async () => {
        const [values, entry] = await (this.redis as unknown as LookupClient).esgwCacheLookup(
          counters.length,
          ...counters.map((key) => `cache:${key}`),
          `${this.redis.options.keyPrefix ?? ''}cache:${prefix}`,
          suffix,
        );
        return { values, value: entry ?? undefined };
      },
      () => this.fallback.lookup(counters, prefix, suffix),
    );
  }

  generations(keys: string[]): Promise<number[]> {
    return this.link.run(
      async () => (await this.redis.mget(keys.map((key) => `cache:${key}`))).map((value) => Number(value ?? 0)),
      () => this.fallback.generations(keys),
    );
  }

  /**
   * Redis is back after an outage. Invalidations made meanwhile went to each replica's memory only,
   * so everything cached that can change is dropped: one increment of the outage generation, which
   * every mutable entry's key includes (immutable answers, like detections, cannot be stale). The
   * local fallback is emptied too, so a later outage does not serve what it held from this one.
   */
  private async recovered(): Promise<void> {
    this.fallback.clear();
    await this.bumpOnRedis(['gen:outage']);
  }

  /** One MULTI: a move of 100 messages invalidates 101 counters in one round trip, all or none. */
  private async bumpOnRedis(keys: string[]): Promise<void> {
    const multi = this.redis.multi();
    for (const key of keys) multi.incr(`cache:${key}`).pexpire(`cache:${key}`, this.options.generationTtlMs);
    const results = await multi.exec();
    if (results === null) throw new Error('Redis aborted the generation bump');
    const failed = results.find(([error]) => error);
    if (failed?.[0]) throw failed[0];
  }

  bump(keys: string[]): Promise<void> {
    if (keys.length === 0) return Promise.resolve();
    return this.link.run(
      () => this.bumpOnRedis(keys),
      () => this.fallback.bump(keys),
    );
  }
}

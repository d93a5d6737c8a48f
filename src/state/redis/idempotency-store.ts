import type { Redis } from 'ioredis';
import type { IdempotencyRecord, IdempotencyStore } from '../../idempotency.js';
import type { RedisLink } from './link.js';

/**
 * Idempotency keys in Redis, so a client's retry that lands on another replica replays the first
 * result instead of moving or releasing mail twice. `SET NX` is what makes `reserve` atomic across
 * replicas: of two concurrent callers exactly one creates the key.
 *   idem:<key>   JSON IdempotencyRecord, PX = the idempotency TTL
 */
export class RedisIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly link: RedisLink,
    private readonly fallback: IdempotencyStore,
  ) {}

  private get redis(): Redis {
    return this.link.client;
  }

  reserve(key: string, fingerprint: string, ttlSeconds: number): Promise<IdempotencyRecord | null> {
    const pending: IdempotencyRecord = { state: 'pending', fingerprint };
    return this.link.run(
      async () => {
        // A few rounds only for the race where the record expires between the failed SET NX and the GET.
        for (let attempt = 0; attempt < 3; attempt++) {
          const created = await this.redis.set(`idem:${key}`, JSON.stringify(pending), 'PX', ttlSeconds * 1000, 'NX');
          if (created === 'OK') return null;
          const existing = await this.redis.get(`idem:${key}`);
          if (existing !== null) return JSON.parse(existing) as IdempotencyRecord;
        }
        throw new Error('idempotency key kept expiring during reserve');
      },
      () => this.fallback.reserve(key, fingerprint, ttlSeconds),
    );
  }

  settle(key: string, record: IdempotencyRecord, ttlSeconds: number): Promise<void> {
    return this.link.run(
      async () => {
        await this.redis.set(`idem:${key}`, JSON.stringify(record), 'PX', ttlSeconds * 1000);
      },
      () => this.fallback.settle(key, record, ttlSeconds),
    );
  }

  release(key: string): Promise<void> {
    return this.link.run(
      async () => {
        await this.redis.del(`idem:${key}`);
      },
      () => this.fallback.release(key),
    );
  }
}

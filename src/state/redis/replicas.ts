import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RedisLink } from './link.js';

/*
 * Replica heartbeats, so each replica knows how many share the token when Redis goes away and it
 * must fall back to its share of the budget. On every health probe a replica stamps itself in a
 * sorted set (score: the Redis clock) and counts the stamps younger than the TTL.
 *
 *   replicas  zset  member = replica id, score = last heartbeat (ms, Redis clock)
 */
const HEARTBEAT = `
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
return redis.call('ZCARD', KEYS[1])
`;

type HeartbeatClient = Redis & { replicaHeartbeat(key: string, id: string, ttlMs: number): Promise<number> };

export class ReplicaRegistry {
  readonly id = randomUUID();
  /** Counts seen, newest last; the largest within `memoryMs` is the answer (a replica that just
   * vanished may still be spending, and a smaller N would give the others too much). */
  private seen: { at: number; count: number }[] = [];

  constructor(
    private readonly link: RedisLink,
    /** BUDGET_REPLICAS, when the deployment states it. */
    private readonly configured: number | null,
    private readonly ttlMs = 5_000,
    private readonly memoryMs = 60_000,
  ) {
    const client = link.client as HeartbeatClient;
    if (!('replicaHeartbeat' in client))
      link.client.defineCommand('replicaHeartbeat', { numberOfKeys: 1, lua: HEARTBEAT });
    link.on('probed', () => this.beat());
  }

  /**
   * How many replicas share the token: the larger of the configured count and the most seen lately.
   * Never seen and not configured (Redis unreachable since start): 2, a guess that at least keeps
   * two replicas under the limit; the replica also reports not ready then.
   */
  count(): number {
    const cutoff = Date.now() - this.memoryMs;
    const recent = this.seen.filter((entry) => entry.at >= cutoff);
    const learned = recent.length > 0 ? Math.max(...recent.map((entry) => entry.count)) : this.seen.at(-1)?.count;
    if (learned === undefined) return this.configured ?? 2;
    return Math.max(this.configured ?? 1, learned);
  }

  private async beat(): Promise<void> {
    const count = await (this.link.client as HeartbeatClient).replicaHeartbeat('replicas', this.id, this.ttlMs);
    const now = Date.now();
    this.seen = [...this.seen.filter((entry) => entry.at >= now - this.memoryMs), { at: now, count }];
  }
}

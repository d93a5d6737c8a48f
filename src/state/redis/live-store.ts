import type { Redis } from 'ioredis';
import type { Logger } from '../../logger.js';
import {
  compareEventIds,
  type LiveEntry,
  type LiveEvent,
  type LiveReplay,
  type LiveStore,
  type LiveStoreLimits,
  START_EVENT_ID,
} from '../../live/store.js';
import { LUA_NOW, type RedisLink } from './link.js';

/*
 * Live topics on Redis, shared by every replica:
 *
 *   live:<topic>:lease   string  the leading replica's id, PX = the lease
 *   live:<topic>:events  stream  the events (MAXLEN = the replay buffer); ids are the event ids
 *   live:<topic>:cursor  string  the leader's poll cursor
 *   live:<topic>:seen    zset    dedupe keys already turned into events (score: when)
 *   live:leaders         zset    topic → lease expiry (how many pollers share the budget)
 *
 * Appending is one script that checks the lease and the dedupe keys, so a leader that was paused
 * past its lease, or two leaders for a moment, never write an event twice. Followers read with one
 * blocking XREAD per replica for all the topics it follows.
 */

/** KEYS: lease, leaders. ARGV: owner, ttlMs, topic → 1 (leads) | 0 */
const LEAD = `${LUA_NOW}
local current = redis.call('GET', KEYS[1])
if current and current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[3])
return 1
`;

/** KEYS: lease, leaders. ARGV: owner, topic */
const RESIGN = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[2], ARGV[2])
end
return 1
`;

/** KEYS: leaders → topics with a live lease */
const ACTIVE = `${LUA_NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZCARD', KEYS[1])
`;

/**
 * KEYS: lease, events, cursor, seen. ARGV: owner, cursor, maxlen, retentionMs, seenMs, then
 * (dedupe, payload) pairs, payload '' = seen only → the new event ids, or false when not the leader.
 */
const APPEND = `${LUA_NOW}
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return false end
local ids = {}
for i = 6, #ARGV, 2 do
  if redis.call('ZADD', KEYS[4], 'NX', now, ARGV[i]) == 1 and ARGV[i + 1] ~= '' then
    ids[#ids + 1] = redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[3], '*', 'p', ARGV[i + 1])
  end
end
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now - tonumber(ARGV[5]))
redis.call('SET', KEYS[3], ARGV[2], 'PX', ARGV[4])
redis.call('PEXPIRE', KEYS[4], ARGV[4])
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[4]) end
return ids
`;

/** KEYS: events. ARGV: afterId, count → {0} (no stream) | {1, maxDeletedId, entries} */
const READ = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end
local info = redis.call('XINFO', 'STREAM', KEYS[1])
local deleted = '0-0'
for i = 1, #info, 2 do
  if info[i] == 'max-deleted-entry-id' then deleted = info[i + 1] end
end
return {1, deleted, redis.call('XRANGE', KEYS[1], '(' .. ARGV[1], '+', 'COUNT', ARGV[2])}
`;

type StreamEntry = [id: string, fields: string[]];

function toEvent([id, fields]: StreamEntry): LiveEvent {
  return { id, payload: fields[1] ?? '' };
}

const keys = (topic: string) => ({
  lease: `live:${topic}:lease`,
  events: `live:${topic}:events`,
  cursor: `live:${topic}:cursor`,
  seen: `live:${topic}:seen`,
});
const LEADERS = 'live:leaders';
/** How long one XREAD waits before looking at the set of followed topics again. */
const BLOCK_MS = 1_000;

interface Watch {
  listener: (events: LiveEvent[]) => void;
  since: () => string;
}

export class RedisLiveStore implements LiveStore {
  readonly kind = 'redis' as const;
  private readonly watches = new Map<string, Set<Watch>>();
  private reader: Redis | null = null;
  private reading: Promise<void> | null = null;
  private closing = false;

  constructor(
    private readonly link: RedisLink,
    private readonly limits: LiveStoreLimits,
    private readonly logger: Logger,
  ) {}

  private get redis(): Redis {
    return this.link.client;
  }

  lead(topic: string, owner: string, ttlMs: number): Promise<boolean> {
    const k = keys(topic);
    return this.link.strict(
      'lead a live topic',
      async () => Number(await this.redis.eval(LEAD, 2, k.lease, LEADERS, owner, ttlMs, topic)) === 1,
    );
  }

  async resign(topic: string, owner: string): Promise<void> {
    const k = keys(topic);
    await this.link.strict('resign a live topic', () => this.redis.eval(RESIGN, 2, k.lease, LEADERS, owner, topic));
  }

  activeTopics(): Promise<number> {
    return this.link.strict('count live topics', async () => Number(await this.redis.eval(ACTIVE, 1, LEADERS)));
  }

  cursor(topic: string): Promise<string | null> {
    return this.link.strict('read a live cursor', () => this.redis.get(keys(topic).cursor));
  }

  append(topic: string, owner: string, entries: LiveEntry[], cursor: string): Promise<string[] | null> {
    const k = keys(topic);
    const pairs = entries.flatMap((entry) => [entry.dedupe, entry.payload ?? '']);
    return this.link.strict('append live events', async () => {
      const ids = (await this.redis.eval(
        APPEND,
        4,
        k.lease,
        k.events,
        k.cursor,
        k.seen,
        owner,
        cursor,
        this.limits.replayEvents,
        this.limits.retentionMs,
        this.limits.seenMs,
        ...pairs,
      )) as string[] | null;
      return ids;
    });
  }

  async unseen(topic: string, candidates: string[]): Promise<string[]> {
    if (candidates.length === 0) return [];
    const scores = await this.link.strict('read live dedupe keys', () =>
      this.redis.zmscore(keys(topic).seen, ...candidates),
    );
    return candidates.filter((_, index) => scores[index] === null);
  }

  read(topic: string, afterId: string, limit: number): Promise<LiveReplay> {
    return this.link.strict('read live events', async () => {
      const reply = (await this.redis.eval(READ, 1, keys(topic).events, afterId, limit)) as
        | [0]
        | [1, string, StreamEntry[]];
      if (reply[0] === 0) return { events: [], gap: afterId !== START_EVENT_ID };
      const [, deleted, entries] = reply;
      return { events: entries.map(toEvent), gap: compareEventIds(afterId, deleted) < 0 };
    });
  }

  last(topic: string): Promise<LiveEvent | null> {
    return this.link.strict('read the last live event', async () => {
      const entries = (await this.redis.xrevrange(keys(topic).events, '+', '-', 'COUNT', 1)) as StreamEntry[];
      return entries[0] ? toEvent(entries[0]) : null;
    });
  }

  watch(topic: string, listener: (events: LiveEvent[]) => void, since: () => string): () => void {
    let set = this.watches.get(topic);
    if (!set) {
      set = new Set();
      this.watches.set(topic, set);
    }
    const watch = { listener, since };
    set.add(watch);
    this.reading ??= this.readLoop();
    return () => {
      set.delete(watch);
      if (set.size === 0 && this.watches.get(topic) === set) this.watches.delete(topic);
    };
  }

  async close(): Promise<void> {
    this.closing = true;
    this.watches.clear();
    this.reader?.disconnect();
    await this.reading?.catch(() => undefined);
  }

  /**
   * One blocking XREAD for every followed topic, from the newest id each local follower has seen,
   * so events arrive in order and without holes; a dedicated connection, because it blocks.
   */
  private async readLoop(): Promise<void> {
    this.reader = this.redis.duplicate({ commandTimeout: BLOCK_MS + 2_000, connectionName: 'gateway-live-reader' });
    let failures = 0;
    while (!this.closing) {
      if (this.watches.size === 0) {
        await sleep(BLOCK_MS / 4);
        continue;
      }
      try {
        if (this.reader.status === 'wait' || this.reader.status === 'end') await this.reader.connect();
        const topics = [...this.watches.keys()];
        const ids = topics.map((topic) => this.sinceOf(topic));
        const reply = (await this.reader.xread(
          'COUNT',
          500,
          'BLOCK',
          BLOCK_MS,
          'STREAMS',
          ...topics.map((topic) => keys(topic).events),
          ...ids,
        )) as [string, StreamEntry[]][] | null;
        failures = 0;
        for (const [key, entries] of reply ?? []) {
          const topic = topics.find((candidate) => key.endsWith(keys(candidate).events));
          if (!topic || entries.length === 0) continue;
          const events = entries.map(toEvent);
          for (const watch of this.watches.get(topic) ?? []) watch.listener(events);
        }
      } catch (error) {
        if (this.closing) break;
        failures++;
        if (failures === 1) this.logger.warn({ err: error }, 'live: reading events from Redis failed; retrying');
        await sleep(Math.min(2_000, 100 * 2 ** failures));
      }
    }
  }

  /** The oldest id any local follower of `topic` has seen (each follower ignores what it already has). */
  private sinceOf(topic: string): string {
    let oldest: string | null = null;
    for (const watch of this.watches.get(topic) ?? []) {
      const id = watch.since();
      if (oldest === null || compareEventIds(id, oldest) < 0) oldest = id;
    }
    return oldest ?? '$';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

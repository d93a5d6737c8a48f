import type { Redis } from 'ioredis';
import {
  allowance,
  BUCKETS_PER_WINDOW,
  COUNTED_BUCKETS,
  MemoryBudgetStore,
  type BudgetOptions,
  type BudgetStore,
  type PermitDecision,
  type PermitKind,
} from '../../upstream/budget.js';
import type { RateLimitState } from '../../upstream/rate-limit-headers.js';
import { LUA_NOW, type RedisLink } from './link.js';

/*
 * Why Lua: every replica spends the same Cloudflare budget (1,200 requests / 5 min per token, and one
 * request too many locks the token out for 5 minutes). "Read the counter, compare with the allowance,
 * increment" must therefore be one atomic step across replicas; a GET-then-INCR from two replicas
 * would both see 24 of 25 and both send. A script runs atomically on the Redis server.
 *
 * Why Redis TIME: the buckets start and end on one clock. Replicas' clocks drift; if each passed its
 * own `now`, a replica running ahead would count in a bucket another has not reached yet (or has
 * already let go), and the two would together exceed the budget. So every script reads the server
 * clock and the `now` the governor passes is used only by the local fallback store.
 *
 * The count is the sliding one of MemoryBudgetStore: the window cut into BUCKETS_PER_WINDOW buckets, a
 * permit granted only while the COUNTED_BUCKETS up to the current one hold fewer than the allowance.
 *
 * Layout per credential (hash tag `{…}` keeps both keys in one Cluster slot, as a script requires):
 *   budget:{credential}:spent  hash  <bucket index> = permits granted in it (index = floor(ms / bucket length),
 *                              Redis clock); c = what Cloudflare says is used, e = until when (ms);
 *                              PEXPIREs when nothing in it counts any more
 *   budget:{credential}:lock   string  locked-until (ms, Redis clock); PX = the lockout
 */

const PRELUDE = `${LUA_NOW}
local BUCKETS = ${BUCKETS_PER_WINDOW}
local COUNTED = ${COUNTED_BUCKETS}
-- The credential's count: buckets that still count (ascending), their sum, Cloudflare's count.
-- With prune, buckets that no longer count and an expired Cloudflare count are deleted.
local function tally(key, windowMs, prune)
  local bucketMs = windowMs / BUCKETS
  local current = math.floor(now / bucketMs)
  local t = {bucketMs = bucketMs, current = current, buckets = {}, sum = 0, upstream = 0, upstreamUntil = 0}
  local flat = redis.call('HGETALL', key)
  for i = 1, #flat, 2 do
    local field, value = flat[i], tonumber(flat[i + 1])
    if field == 'c' then t.upstream = value
    elseif field == 'e' then t.upstreamUntil = value
    else
      local index = tonumber(field)
      if index <= current - COUNTED then
        if prune then redis.call('HDEL', key, field) end
      else
        table.insert(t.buckets, {index, value})
        t.sum = t.sum + value
      end
    end
  end
  if t.upstreamUntil <= now then
    if prune and t.upstream > 0 then redis.call('HDEL', key, 'c', 'e') end
    t.upstream = 0
    t.upstreamUntil = 0
  end
  table.sort(t.buckets, function(a, b) return a[1] < b[1] end)
  return t
end
local function leavesAt(t, index)
  return (index + COUNTED) * t.bucketMs
end
local function used(t)
  return math.max(t.sum, t.upstream)
end
-- Ms until nothing counted now counts any more.
local function clearsIn(t)
  local ms = 0
  local newest = t.buckets[#t.buckets]
  if newest then ms = leavesAt(t, newest[1]) - now end
  if t.upstream > 0 then ms = math.max(ms, t.upstreamUntil - now) end
  return math.ceil(ms)
end
-- Ms until fewer than allowed permits count (MemoryBudgetStore's waitBelow).
local function waitBelow(t, allowed, windowMs)
  local ms = 0
  if t.sum >= allowed then
    ms = windowMs
    local counted = t.sum
    for _, bucket in ipairs(t.buckets) do
      counted = counted - bucket[2]
      if counted < allowed then
        ms = leavesAt(t, bucket[1]) - now
        break
      end
    end
  end
  if t.upstream > 0 and t.upstream >= allowed then ms = math.max(ms, t.upstreamUntil - now) end
  return math.ceil(ms)
end
local function add(key, t, permits)
  redis.call('HINCRBY', key, tostring(t.current), permits)
  local last = t.buckets[#t.buckets]
  if last and last[1] == t.current then last[2] = last[2] + permits
  else table.insert(t.buckets, {t.current, permits}) end
  t.sum = t.sum + permits
end
local function keep(key, t)
  local ms = clearsIn(t)
  if ms > 0 then redis.call('PEXPIRE', key, ms) end
end
`;

/** KEYS: spent, lock. ARGV: allowance for this kind, windowMs. → {granted, remaining | retryAfterMs, lockedOut, used, ms until nothing counts} */
const TAKE = `${PRELUDE}
local allowance = tonumber(ARGV[1])
local windowMs = tonumber(ARGV[2])
local lockedUntil = tonumber(redis.call('GET', KEYS[2]))
local t = tally(KEYS[1], windowMs, true)
local before = used(t)
if lockedUntil and lockedUntil > now then return {0, lockedUntil - now, 1, before, clearsIn(t)} end
if before < allowance then
  add(KEYS[1], t, 1)
  if t.upstream > 0 then t.upstream = redis.call('HINCRBY', KEYS[1], 'c', 1) end
  keep(KEYS[1], t)
  return {1, allowance - before - 1, 0, used(t), clearsIn(t)}
end
return {0, waitBelow(t, allowance, windowMs), 0, before, clearsIn(t)}
`;

/**
 * KEYS: spent. ARGV: permits Cloudflare says are used, ms until Cloudflare's window resets (0: not said), windowMs.
 * Raises Cloudflare's count to what it reports (other clients of the token count too), never lowers
 * it; an equal count follows Cloudflare's window end when it is earlier. Our buckets stay as they are.
 */
const OBSERVE = `${PRELUDE}
local usedUpstream = tonumber(ARGV[1])
local resetMs = tonumber(ARGV[2])
local windowMs = tonumber(ARGV[3])
local t = tally(KEYS[1], windowMs, true)
if usedUpstream > 0 and usedUpstream >= t.upstream then
  if resetMs <= 0 then resetMs = windowMs end
  t.upstream = usedUpstream
  t.upstreamUntil = now + resetMs
  redis.call('HSET', KEYS[1], 'c', t.upstream, 'e', t.upstreamUntil)
  keep(KEYS[1], t)
end
return used(t)
`;

/** KEYS: spent. ARGV: permits spent elsewhere (by this replica while Redis was away), windowMs. */
const ADD = `${PRELUDE}
local t = tally(KEYS[1], tonumber(ARGV[2]), true)
add(KEYS[1], t, tonumber(ARGV[1]))
keep(KEYS[1], t)
return used(t)
`;

/** KEYS: lock. ARGV: lockout duration ms. Extends an existing lockout, never shortens it. */
const LOCKOUT = `${LUA_NOW}
local duration = tonumber(ARGV[1])
local untilMs = now + duration
local existing = tonumber(redis.call('GET', KEYS[1])) or 0
if untilMs > existing then redis.call('SET', KEYS[1], untilMs, 'PX', duration) end
return untilMs
`;

/** KEYS: spent, lock. ARGV: windowMs. Read-only. → {used, ms until fewer count, lockedForMs, ms until nothing counts} */
const REMAINING = `${PRELUDE}
local windowMs = tonumber(ARGV[1])
local t = tally(KEYS[1], windowMs, false)
local lockedUntil = tonumber(redis.call('GET', KEYS[2])) or 0
local resetMs = 0
if used(t) > 0 then resetMs = waitBelow(t, used(t), windowMs) end
return {used(t), resetMs, math.max(0, lockedUntil - now), clearsIn(t)}
`;

type Reply = Promise<number[]>;
interface BudgetCommands {
  budgetTake(spentKey: string, lockKey: string, allowance: number, windowMs: number): Reply;
  budgetObserve(spentKey: string, usedUpstream: number, resetMs: number, windowMs: number): Promise<number>;
  budgetLockout(lockKey: string, durationMs: number): Promise<number>;
  budgetAdd(spentKey: string, permits: number, windowMs: number): Promise<number>;
  budgetRemaining(spentKey: string, lockKey: string, windowMs: number): Reply;
}

/** Registers the scripts; ioredis runs them with EVALSHA and reloads them after NOSCRIPT (restart, failover). */
function withBudgetCommands(client: Redis): Redis & BudgetCommands {
  const commands: Record<keyof BudgetCommands, { numberOfKeys: number; lua: string }> = {
    budgetTake: { numberOfKeys: 2, lua: TAKE },
    budgetObserve: { numberOfKeys: 1, lua: OBSERVE },
    budgetLockout: { numberOfKeys: 1, lua: LOCKOUT },
    budgetAdd: { numberOfKeys: 1, lua: ADD },
    budgetRemaining: { numberOfKeys: 2, lua: REMAINING },
  };
  for (const [name, definition] of Object.entries(commands)) {
    if (!(name in client)) client.defineCommand(name, definition);
  }
  return client as Redis & BudgetCommands;
}

const spentKey = (credential: string) => `budget:{${credential}}:spent`;
const lockKey = (credential: string) => `budget:{${credential}}:lock`;

/**
 * The sliding-window budget of MemoryBudgetStore, shared by every replica through Redis.
 *
 * While Redis is away the replicas cannot count together, so each spends only its share: what was
 * left of the shared count when it last saw it, divided by the number of replicas (configured, or
 * learned from heartbeats), for as long as anything it saw still counts, and 1/N of the budget in
 * any window's length after that. The write reserve is split the same way, so reads run out first.
 * When Redis returns, the permits this replica spent meanwhile are added to the shared count and a
 * lockout it learned is shared.
 */
export class RedisBudgetStore implements BudgetStore {
  private readonly redis: Redis & BudgetCommands;
  /** This replica's share while Redis is away (re-created at each recovery). */
  private local = new MemoryBudgetStore();
  /**
   * The shared count as this replica last saw it, per credential, and when none of it counts any
   * more: seeds the share at an outage.
   */
  private readonly lastSeen = new Map<string, { used: number; clearsAt: number }>();
  private readonly seeded = new Set<string>();
  /** Permits granted locally during the current outage, per credential. */
  private readonly spentLocally = new Map<string, number>();

  constructor(
    private readonly link: RedisLink,
    /** How many replicas share the token (at least 1). */
    private readonly replicas: () => number,
    private readonly windowMs: number,
  ) {
    this.redis = withBudgetCommands(link.client);
    link.on('recovered', () => this.handBack());
    link.on('probed', () => this.refreshSeen());
  }

  /** Each health probe re-reads the shared windows in use, so the share an outage starts from is
   * at most one probe interval old, even for a replica that has been idle. */
  private async refreshSeen(): Promise<void> {
    const now = Date.now();
    for (const [credential, seen] of [...this.lastSeen]) {
      if (seen.clearsAt <= now) {
        this.lastSeen.delete(credential);
        continue;
      }
      await this.readShared(credential, this.windowMs);
    }
  }

  /** The shared window as Redis has it now (read-only), remembered as what this replica last saw. */
  private async readShared(
    credential: string,
    windowMs: number,
  ): Promise<{ used: number; resetMs: number; lockedForMs: number }> {
    const [used = 0, resetMs = 0, lockedForMs = 0, clearsInMs = 0] = await this.redis.budgetRemaining(
      spentKey(credential),
      lockKey(credential),
      windowMs,
    );
    this.lastSeen.set(credential, { used, clearsAt: Date.now() + clearsInMs });
    return { used, resetMs, lockedForMs };
  }

  take(credential: string, kind: PermitKind, now: number, options: BudgetOptions): Promise<PermitDecision> {
    return this.link.run(
      async () => {
        const [granted = 0, amount = 0, lockedOut = 0, used = 0, clearsInMs = 0] = await this.redis.budgetTake(
          spentKey(credential),
          lockKey(credential),
          allowance(kind, options),
          options.windowMs,
        );
        this.lastSeen.set(credential, { used, clearsAt: Date.now() + clearsInMs });
        return granted === 1
          ? { granted: true, remaining: amount }
          : { granted: false, retryAfterMs: Math.max(1, amount), lockedOut: lockedOut === 1 };
      },
      async () => {
        const decision = await this.localShare(credential, now, options, (share) =>
          this.local.take(credential, kind, now, share),
        );
        if (decision.granted) this.spentLocally.set(credential, (this.spentLocally.get(credential) ?? 0) + 1);
        return decision;
      },
    );
  }

  observe(credential: string, state: RateLimitState, now: number, options: BudgetOptions): Promise<void> {
    // Same rule as the memory store: Cloudflare's `remaining` is the truth relative to our limit.
    const usedUpstream = Math.max(0, options.limit - state.remaining);
    return this.link.run(
      async () => {
        await this.redis.budgetObserve(
          spentKey(credential),
          usedUpstream,
          Math.max(0, Math.round(state.resetSeconds * 1000)),
          options.windowMs,
        );
      },
      // Cloudflare's `remaining` is the whole token's: this replica may use its share of it.
      () =>
        this.localShare(credential, now, options, (share, replicas) =>
          this.local.observe(credential, { ...state, remaining: Math.floor(state.remaining / replicas) }, now, share),
        ),
    );
  }

  lockout(credential: string, untilMs: number): Promise<void> {
    // The caller's deadline is on its clock; what crosses to Redis is the duration.
    const durationMs = Math.round(untilMs - Date.now());
    return this.link.run(
      async () => {
        if (durationMs > 0) await this.redis.budgetLockout(lockKey(credential), durationMs);
      },
      () => this.local.lockout(credential, untilMs),
    );
  }

  remaining(credential: string, now: number, options: BudgetOptions) {
    return this.link.run(
      async () => {
        const { used, resetMs, lockedForMs } = await this.readShared(credential, options.windowMs);
        return {
          remaining: Math.max(0, allowance('write', options) - used),
          resetMs,
          lockedUntil: lockedForMs > 0 ? now + lockedForMs : null,
        };
      },
      () => this.localShare(credential, now, options, (share) => this.local.remaining(credential, now, share)),
    );
  }

  /** Runs `op` on this replica's share of the budget, seeding it from the shared window on first use. */
  private localShare<T>(
    credential: string,
    now: number,
    options: BudgetOptions,
    op: (share: BudgetOptions, replicas: number) => Promise<T>,
  ): Promise<T> {
    const replicas = this.replicas();
    const share = shareOf(options, replicas);
    if (!this.seeded.has(credential)) {
      this.seeded.add(credential);
      const seen = this.lastSeen.get(credential);
      if (seen && seen.clearsAt > now) {
        // The rest of the share counts as spent until everything seen has left the window: any
        // span that still reaches those permits then sees these as well.
        const left = Math.max(0, options.limit - options.safetyMargin - seen.used);
        this.local.seed(credential, share.limit - Math.floor(left / replicas), seen.clearsAt, now, share);
      }
    }
    return op(share, replicas);
  }

  /** Redis is back: what this replica spent on its own joins the shared window, and so does a lockout. */
  private async handBack(): Promise<void> {
    const local = this.local;
    const spent = [...this.spentLocally];
    this.local = new MemoryBudgetStore();
    this.spentLocally.clear();
    this.seeded.clear();
    for (const [credential, permits] of spent) await this.redis.budgetAdd(spentKey(credential), permits, this.windowMs);
    for (const credential of local.credentials()) {
      const durationMs = local.lockedUntil(credential) - Date.now();
      if (durationMs > 0) await this.redis.budgetLockout(lockKey(credential), Math.round(durationMs));
    }
  }
}

/** One replica's part of the budget: 1/N of what may be spent, and 1/N of the write reserve. */
export function shareOf(options: BudgetOptions, replicas: number): BudgetOptions {
  const n = Math.max(1, replicas);
  const limit = Math.floor(Math.max(0, options.limit - options.safetyMargin) / n);
  return {
    ...options,
    limit,
    safetyMargin: 0,
    writeReserve: Math.min(limit, Math.ceil(options.writeReserve / n)),
  };
}

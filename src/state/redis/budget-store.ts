import type { Redis } from 'ioredis';
import {
  allowance,
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
 * Why Redis TIME: the fixed window starts and ends on one clock. Replicas' clocks drift; if each
 * passed its own `now`, a replica running ahead would open a new window while another still counts
 * in the old one, and the two would together exceed the budget. So every script reads the server
 * clock and the `now` the governor passes is used only by the local fallback store.
 *
 * Layout per credential (hash tag `{…}` keeps both keys in one Cluster slot, as a script requires):
 *   budget:{credential}       hash  s = window start (ms, Redis clock), u = permits used; PEXPIREs at window end
 *   budget:{credential}:lock  string  locked-until (ms, Redis clock); PX = the lockout
 */

const PRELUDE = `${LUA_NOW}
local function window(key, windowMs)
  local fields = redis.call('HMGET', key, 's', 'u')
  local start = tonumber(fields[1])
  local used = tonumber(fields[2]) or 0
  if start == nil or now >= start + windowMs then
    start = now
    used = 0
    redis.call('HSET', key, 's', start, 'u', 0)
    redis.call('PEXPIRE', key, windowMs)
  end
  return start, used
end
`;

/** KEYS: window, lock. ARGV: allowance for this kind, windowMs. → {granted, remaining | retryAfterMs, lockedOut, used, ms to window end} */
const TAKE = `${PRELUDE}
local allowance = tonumber(ARGV[1])
local windowMs = tonumber(ARGV[2])
local lockedUntil = tonumber(redis.call('GET', KEYS[2]))
local start, used = window(KEYS[1], windowMs)
if lockedUntil and lockedUntil > now then return {0, lockedUntil - now, 1, used, start + windowMs - now} end
if used < allowance then
  redis.call('HINCRBY', KEYS[1], 'u', 1)
  return {1, allowance - used - 1, 0, used + 1, start + windowMs - now}
end
return {0, start + windowMs - now, 0, used, start + windowMs - now}
`;

/**
 * KEYS: window. ARGV: permits Cloudflare says are used, ms until Cloudflare's window resets, windowMs.
 * Raises `used` to what Cloudflare reports (other clients of the token count too), never lowers it;
 * follows Cloudflare's window end when it is earlier than ours (and Cloudflare is not behind us).
 */
const OBSERVE = `${PRELUDE}
local usedUpstream = tonumber(ARGV[1])
local resetMs = tonumber(ARGV[2])
local windowMs = tonumber(ARGV[3])
local start, used = window(KEYS[1], windowMs)
if usedUpstream > used then
  used = usedUpstream
  redis.call('HSET', KEYS[1], 'u', used)
end
local upstreamEnd = now + resetMs
if resetMs > 0 and upstreamEnd < start + windowMs and usedUpstream >= used then
  redis.call('HSET', KEYS[1], 's', upstreamEnd - windowMs)
  redis.call('PEXPIRE', KEYS[1], resetMs)
end
return used
`;

/** KEYS: window. ARGV: permits spent elsewhere (by this replica while Redis was away), windowMs. */
const ADD = `${PRELUDE}
local start, used = window(KEYS[1], tonumber(ARGV[2]))
return redis.call('HINCRBY', KEYS[1], 'u', tonumber(ARGV[1]))
`;

/** KEYS: lock. ARGV: lockout duration ms. Extends an existing lockout, never shortens it. */
const LOCKOUT = `${PRELUDE}
local duration = tonumber(ARGV[1])
local untilMs = now + duration
local existing = tonumber(redis.call('GET', KEYS[1])) or 0
if untilMs > existing then redis.call('SET', KEYS[1], untilMs, 'PX', duration) end
return untilMs
`;

/** KEYS: window, lock. ARGV: windowMs. Read-only. → {used, resetMs, lockedForMs} */
const REMAINING = `${LUA_NOW}local windowMs = tonumber(ARGV[1])
local fields = redis.call('HMGET', KEYS[1], 's', 'u')
local start = tonumber(fields[1])
local used = tonumber(fields[2]) or 0
if start == nil or now >= start + windowMs then
  start = now
  used = 0
end
local lockedUntil = tonumber(redis.call('GET', KEYS[2])) or 0
return {used, start + windowMs - now, math.max(0, lockedUntil - now)}
`;

type Reply = Promise<number[]>;
interface BudgetCommands {
  budgetTake(windowKey: string, lockKey: string, allowance: number, windowMs: number): Reply;
  budgetObserve(windowKey: string, usedUpstream: number, resetMs: number, windowMs: number): Promise<number>;
  budgetLockout(lockKey: string, durationMs: number): Promise<number>;
  budgetAdd(windowKey: string, permits: number, windowMs: number): Promise<number>;
  budgetRemaining(windowKey: string, lockKey: string, windowMs: number): Reply;
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

const windowKey = (credential: string) => `budget:{${credential}}`;
const lockKey = (credential: string) => `budget:{${credential}}:lock`;

/**
 * The fixed-window budget of MemoryBudgetStore, shared by every replica through Redis.
 *
 * While Redis is away the replicas cannot count together, so each spends only its share: what was
 * left of the shared window when it last saw it, divided by the number of replicas (configured, or
 * learned from heartbeats), and then 1/N of each following window, aligned with the shared one. The
 * write reserve is split the same way, so reads run out first. When Redis returns, the permits this
 * replica spent meanwhile are added to the shared window and a lockout it learned is shared.
 */
export class RedisBudgetStore implements BudgetStore {
  private readonly redis: Redis & BudgetCommands;
  /** This replica's share while Redis is away (re-created at each recovery). */
  private local = new MemoryBudgetStore();
  /** The shared window as this replica last saw it, per credential: seeds the share at an outage. */
  private readonly lastSeen = new Map<string, { used: number; windowEndsAt: number }>();
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
      if (seen.windowEndsAt <= now) {
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
    const [used = 0, resetMs = 0, lockedForMs = 0] = await this.redis.budgetRemaining(
      windowKey(credential),
      lockKey(credential),
      windowMs,
    );
    this.lastSeen.set(credential, { used, windowEndsAt: Date.now() + resetMs });
    return { used, resetMs, lockedForMs };
  }

  take(credential: string, kind: PermitKind, now: number, options: BudgetOptions): Promise<PermitDecision> {
    return this.link.run(
      async () => {
        const [granted = 0, amount = 0, lockedOut = 0, used = 0, windowEndsInMs = 0] = await this.redis.budgetTake(
          windowKey(credential),
          lockKey(credential),
          allowance(kind, options),
          options.windowMs,
        );
        this.lastSeen.set(credential, { used, windowEndsAt: Date.now() + windowEndsInMs });
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
          windowKey(credential),
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
      if (seen && seen.windowEndsAt > now) {
        const left = Math.max(0, options.limit - options.safetyMargin - seen.used);
        this.local.seed(credential, share.limit - Math.floor(left / replicas), seen.windowEndsAt, options.windowMs);
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
    for (const [credential, permits] of spent)
      await this.redis.budgetAdd(windowKey(credential), permits, this.windowMs);
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

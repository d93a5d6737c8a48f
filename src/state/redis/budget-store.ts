import type { Redis } from 'ioredis';
import {
  allowance,
  type BudgetOptions,
  type BudgetStore,
  type PermitDecision,
  type PermitKind,
} from '../../upstream/budget.js';
import type { RateLimitState } from '../../upstream/rate-limit-headers.js';
import type { RedisLink } from './link.js';

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

// Redis 3.2–4 replicate scripts verbatim unless told otherwise, and a verbatim replay of TIME on a
// replica would give another answer; 5+ always replicate effects (the call is then a no-op).
const PRELUDE = `
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
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

/** KEYS: window, lock. ARGV: allowance for this kind, windowMs. → {granted, remaining | retryAfterMs, lockedOut} */
const TAKE = `${PRELUDE}
local allowance = tonumber(ARGV[1])
local windowMs = tonumber(ARGV[2])
local lockedUntil = tonumber(redis.call('GET', KEYS[2]))
if lockedUntil and lockedUntil > now then return {0, lockedUntil - now, 1} end
local start, used = window(KEYS[1], windowMs)
if used < allowance then
  redis.call('HINCRBY', KEYS[1], 'u', 1)
  return {1, allowance - used - 1, 0}
end
return {0, start + windowMs - now, 0}
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

/** KEYS: lock. ARGV: lockout duration ms. Extends an existing lockout, never shortens it. */
const LOCKOUT = `${PRELUDE}
local duration = tonumber(ARGV[1])
local untilMs = now + duration
local existing = tonumber(redis.call('GET', KEYS[1])) or 0
if untilMs > existing then redis.call('SET', KEYS[1], untilMs, 'PX', duration) end
return untilMs
`;

/** KEYS: window, lock. ARGV: windowMs. Read-only. → {used, resetMs, lockedForMs} */
const REMAINING = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local windowMs = tonumber(ARGV[1])
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
  budgetRemaining(windowKey: string, lockKey: string, windowMs: number): Reply;
}

/** Registers the scripts; ioredis runs them with EVALSHA and reloads them after NOSCRIPT (restart, failover). */
function withBudgetCommands(client: Redis): Redis & BudgetCommands {
  const commands: Record<keyof BudgetCommands, { numberOfKeys: number; lua: string }> = {
    budgetTake: { numberOfKeys: 2, lua: TAKE },
    budgetObserve: { numberOfKeys: 1, lua: OBSERVE },
    budgetLockout: { numberOfKeys: 1, lua: LOCKOUT },
    budgetRemaining: { numberOfKeys: 2, lua: REMAINING },
  };
  for (const [name, definition] of Object.entries(commands)) {
    if (!(name in client)) client.defineCommand(name, definition);
  }
  return client as Redis & BudgetCommands;
}

const windowKey = (credential: string) => `budget:{${credential}}`;
const lockKey = (credential: string) => `budget:{${credential}}:lock`;

/** The fixed-window budget of MemoryBudgetStore, shared by every replica through Redis. */
export class RedisBudgetStore implements BudgetStore {
  private readonly redis: Redis & BudgetCommands;

  constructor(
    private readonly link: RedisLink,
    private readonly fallback: BudgetStore,
  ) {
    this.redis = withBudgetCommands(link.client);
  }

  take(credential: string, kind: PermitKind, now: number, options: BudgetOptions): Promise<PermitDecision> {
    return this.link.run(
      async () => {
        const [granted = 0, amount = 0, lockedOut = 0] = await this.redis.budgetTake(
          windowKey(credential),
          lockKey(credential),
          allowance(kind, options),
          options.windowMs,
        );
        return granted === 1
          ? { granted: true, remaining: amount }
          : { granted: false, retryAfterMs: Math.max(1, amount), lockedOut: lockedOut === 1 };
      },
      () => this.fallback.take(credential, kind, now, options),
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
      () => this.fallback.observe(credential, state, now, options),
    );
  }

  lockout(credential: string, untilMs: number): Promise<void> {
    // The caller's deadline is on its clock; what crosses to Redis is the duration.
    const durationMs = Math.round(untilMs - Date.now());
    return this.link.run(
      async () => {
        if (durationMs > 0) await this.redis.budgetLockout(lockKey(credential), durationMs);
      },
      () => this.fallback.lockout(credential, untilMs),
    );
  }

  remaining(credential: string, now: number, options: BudgetOptions) {
    return this.link.run(
      async () => {
        const [used = 0, resetMs = 0, lockedForMs = 0] = await this.redis.budgetRemaining(
          windowKey(credential),
          lockKey(credential),
          options.windowMs,
        );
        return {
          remaining: Math.max(0, allowance('write', options) - used),
          resetMs,
          lockedUntil: lockedForMs > 0 ? now + lockedForMs : null,
        };
      },
      () => this.fallback.remaining(credential, now, options),
    );
  }
}

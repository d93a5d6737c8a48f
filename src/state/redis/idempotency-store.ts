import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import {
  type IdempotencyOutcome,
  type IdempotencyRecord,
  type IdempotencyStore,
  ORPHANED_MESSAGE,
} from '../../idempotency.js';
import type { Logger } from '../../logger.js';
import { StateUnavailableError } from '../unavailable.js';
import { LUA_NOW, type RedisLink } from './link.js';

/*
 * Idempotency keys in Redis, shared by every replica, with no local fallback: a key that cannot be
 * reserved in Redis is refused (StateUnavailableError), because a per-process record is invisible
 * to the replica the client's retry lands on.
 *
 *   idem:<key>  hash  state (reserved | sending | done | unknown), fp, owner, lease (ms, Redis clock),
 *                     body (the result, or the unknown-outcome message); PX = the idempotency TTL
 *
 * Every script that can start or extend a write reads the Redis clock and refuses to act after the
 * caller's deadline (RedisLink.deadline): when Redis is paused, the command times out here, and
 * Redis runs it when it wakes up, it changes nothing, so no reservation comes back to life.
 */

const PRELUDE = LUA_NOW;

/** ARGV: fingerprint, owner, leaseMs, ttlMs, deadline, orphaned message → {'late'} | {'yours'} | {state, fp, body} (the record found) */
const RESERVE = `${PRELUDE}
if now > tonumber(ARGV[5]) then return {'late'} end
local f = redis.call('HMGET', KEYS[1], 'state', 'fp', 'lease', 'body')
local state = f[1]
if not state or (state == 'reserved' and tonumber(f[3]) < now) then
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], 'state', 'reserved', 'fp', ARGV[1], 'owner', ARGV[2], 'lease', now + tonumber(ARGV[3]))
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  return {'yours'}
end
if state == 'sending' and tonumber(f[3]) < now then
  redis.call('HSET', KEYS[1], 'state', 'unknown', 'body', ARGV[6])
  return {'unknown', f[2], ARGV[6]}
end
return {state, f[2], f[4] or ''}
`;

/** ARGV: owner, leaseMs, deadline, next state ('sending' from 'reserved'; '' to renew) → 'ok' | 'lost' | 'late' */
const LEASE = `${PRELUDE}
if now > tonumber(ARGV[3]) then return 'late' end
local f = redis.call('HMGET', KEYS[1], 'state', 'owner')
if f[2] ~= ARGV[1] then return 'lost' end
if ARGV[4] == 'sending' then
  if f[1] ~= 'reserved' then return 'lost' end
  redis.call('HSET', KEYS[1], 'state', 'sending', 'lease', now + tonumber(ARGV[2]))
  return 'ok'
end
if f[1] ~= 'reserved' and f[1] ~= 'sending' then return 'lost' end
redis.call('HSET', KEYS[1], 'lease', now + tonumber(ARGV[2]))
return 'ok'
`;

/** ARGV: owner, state, fingerprint, body, ttlMs. Writes the owner's outcome (also where the key is gone). */
const SETTLE = `
local owner = redis.call('HGET', KEYS[1], 'owner')
if owner and owner ~= ARGV[1] then return 'lost' end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'state', ARGV[2], 'fp', ARGV[3], 'owner', ARGV[1], 'body', ARGV[4], 'lease', 0)
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 'ok'
`;

/**
 * ARGV: owner. Frees the owner's key (nothing was applied) — unless a reader has already been told
 * OUTCOME_UNKNOWN: a key that said "maybe applied" never becomes free again, or a client that checked,
 * found nothing and acted under a new key could see the old key's retry applied too.
 */
const RELEASE = `
local f = redis.call('HMGET', KEYS[1], 'owner', 'state')
if f[1] == ARGV[1] and (f[2] == 'reserved' or f[2] == 'sending') then redis.call('DEL', KEYS[1]) return 1 end
return 0
`;

interface IdempotencyCommands {
  idemReserve(key: string, ...args: (string | number)[]): Promise<string[]>;
  idemLease(key: string, ...args: (string | number)[]): Promise<string>;
  idemSettle(key: string, ...args: (string | number)[]): Promise<string>;
  idemRelease(key: string, owner: string): Promise<number>;
}

function withCommands(client: Redis): Redis & IdempotencyCommands {
  const scripts = { idemReserve: RESERVE, idemLease: LEASE, idemSettle: SETTLE, idemRelease: RELEASE };
  for (const [name, lua] of Object.entries(scripts))
    if (!(name in client)) client.defineCommand(name, { numberOfKeys: 1, lua });
  return client as Redis & IdempotencyCommands;
}

/** A write to Redis this replica still owes (its outcome, or a release), retried until Redis takes it. */
type Owed =
  | { kind: 'settle'; owner: string; outcome: IdempotencyOutcome; expiresAt: number }
  | { kind: 'release'; owner: string };

export class RedisIdempotencyStore implements IdempotencyStore {
  private readonly redis: Redis & IdempotencyCommands;
  /** Outcomes and releases Redis did not confirm; flushed on every successful health probe. */
  private readonly owed = new Map<string, Owed>();
  /** This replica's recent outcomes, re-written if Redis loses its data (bounded; by TTL and count). */
  private readonly journal = new LRUCache<string, Extract<Owed, { kind: 'settle' }>>({ max: 10_000 });

  constructor(
    private readonly link: RedisLink,
    readonly leaseMs: number,
    private readonly logger: Logger,
    /** Redis replicas that must hold the "sending" mark before anything is sent (REDIS_WAIT_REPLICAS). */
    private readonly waitReplicas = 0,
  ) {
    this.redis = withCommands(link.client);
    link.on('probed', () => this.flushOwed());
    link.on('dataLost', () => this.rewriteJournal());
  }

  reserve(key: string, fingerprint: string, owner: string, ttlSeconds: number): Promise<IdempotencyRecord | null> {
    return this.link.strict('reserve the idempotency key', async () => {
      const [state, storedFingerprint = '', body = ''] = await this.redis.idemReserve(
        `idem:${key}`,
        fingerprint,
        owner,
        this.leaseMs,
        ttlSeconds * 1000,
        this.link.deadline(),
        ORPHANED_MESSAGE,
      );
      if (state === 'late') throw this.late();
      if (state === 'yours') return null;
      if (state === 'done') return { state: 'done', fingerprint: storedFingerprint, result: JSON.parse(body) };
      if (state === 'unknown') return { state: 'outcome-unknown', fingerprint: storedFingerprint, message: body };
      return { state: 'pending', fingerprint: storedFingerprint };
    });
  }

  /**
   * With REDIS_WAIT_REPLICAS, the mark must also reach that many Redis replicas (WAIT) before the
   * write goes: a failover to a replica then still knows the write may have been sent, instead of
   * offering the key to the next retry.
   */
  async markSending(key: string, owner: string): Promise<boolean> {
    const confirmed = await this.lease(key, owner, 'sending');
    if (!confirmed || this.waitReplicas === 0) return confirmed;
    const timeoutMs = Math.floor(this.link.commandTimeoutMs / 2);
    const acknowledged = await this.link.strict('confirm the reservation on Redis replicas', () =>
      this.redis.wait(this.waitReplicas, timeoutMs),
    );
    if (acknowledged < this.waitReplicas)
      throw new StateUnavailableError(
        `${acknowledged} of the ${this.waitReplicas} Redis replicas (REDIS_WAIT_REPLICAS) confirmed the idempotency reservation; nothing was sent`,
        this.link.probeIntervalMs,
      );
    return true;
  }

  async renew(key: string, owner: string): Promise<void> {
    await this.lease(key, owner, '');
  }

  async settle(key: string, owner: string, outcome: IdempotencyOutcome, ttlSeconds: number): Promise<void> {
    const owed: Owed = { kind: 'settle', owner, outcome, expiresAt: Date.now() + ttlSeconds * 1000 };
    this.journal.set(key, owed, { ttl: ttlSeconds * 1000 });
    await this.pay(key, owed);
  }

  async release(key: string, owner: string): Promise<void> {
    await this.pay(key, { kind: 'release', owner });
  }

  private lease(key: string, owner: string, next: 'sending' | ''): Promise<boolean> {
    return this.link.strict('confirm the idempotency reservation', async () => {
      const answer = await this.redis.idemLease(`idem:${key}`, owner, this.leaseMs, this.link.deadline(), next);
      if (answer === 'late') throw this.late();
      return answer === 'ok';
    });
  }

  /** Writes what the replica owes; if Redis cannot take it now, keeps it for the next probe. */
  private async pay(key: string, owed: Owed): Promise<void> {
    try {
      await this.link.strict('record the outcome', () => this.send(key, owed));
      this.owed.delete(key);
    } catch {
      this.owed.set(key, owed);
      this.logger.warn(
        { state: owed.kind },
        'Redis did not take an idempotency outcome: it is retried when Redis answers',
      );
    }
  }

  private async send(key: string, owed: Owed): Promise<void> {
    if (owed.kind === 'release') {
      await this.redis.idemRelease(`idem:${key}`, owed.owner);
      return;
    }
    const ttlMs = Math.floor(owed.expiresAt - Date.now());
    if (ttlMs <= 0) return;
    const { outcome } = owed;
    const [state, body] =
      outcome.state === 'done' ? ['done', JSON.stringify(outcome.result)] : ['unknown', outcome.message];
    await this.redis.idemSettle(`idem:${key}`, owed.owner, state, outcome.fingerprint, body, ttlMs);
  }

  private async flushOwed(): Promise<void> {
    for (const [key, owed] of [...this.owed]) {
      await this.send(key, owed);
      this.owed.delete(key);
    }
  }

  private async rewriteJournal(): Promise<void> {
    for (const [key, owed] of [...this.journal.entries()]) await this.send(key, owed);
  }

  private late(): StateUnavailableError {
    return new StateUnavailableError(
      'Redis answered too late to trust the idempotency reservation; nothing was sent',
      this.link.probeIntervalMs,
    );
  }
}

import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { canonicalJson } from './canonical-json.js';
import { StateUnavailableError } from './state/unavailable.js';

/** What a reader of an idempotency key can learn: it is in progress, done, or its outcome is unknown. */
export type IdempotencyRecord =
  | { state: 'pending'; fingerprint: string }
  | { state: 'done'; fingerprint: string; result: unknown }
  | { state: 'outcome-unknown'; fingerprint: string; message: string };

/** What the owner of a reservation finally writes. */
export type IdempotencyOutcome = Exclude<IdempotencyRecord, { state: 'pending' }>;

/**
 * Where idempotency keys live. The protocol of one keyed write, owned by one request (`owner`):
 *
 *   reserve → markSending → (the upstream call, `renew` every lease/3) → settle | release
 *
 * - `reserve` is atomic: of two concurrent callers exactly one gets `null` (go ahead); the others
 *   see the record. A reservation carries a lease: an owner that dies stops renewing it.
 * - `markSending` confirms, just before anything is sent, that the reservation is still the owner's.
 *   A reservation whose lease lapsed before it was marked was never sent on: the next `reserve`
 *   takes it over. A lapsed lease after `markSending` reads `outcome-unknown`: the write may have
 *   reached Cloudflare and is never sent again.
 * - `settle` writes the outcome (done or unknown) for the whole TTL; `release` (a definite failure,
 *   nothing applied) frees the key. Both only touch the owner's own record. A key that has answered
 *   OUTCOME_UNKNOWN is never freed: it can only turn into the owner's recorded result.
 *
 * A store that cannot answer throws StateUnavailableError: the caller refuses, never guesses.
 */
export interface IdempotencyStore {
  reserve(key: string, fingerprint: string, owner: string, ttlSeconds: number): Promise<IdempotencyRecord | null>;
  /** False: the reservation is no longer this owner's; nothing may be sent. */
  markSending(key: string, owner: string): Promise<boolean>;
  renew(key: string, owner: string): Promise<void>;
  settle(key: string, owner: string, outcome: IdempotencyOutcome, ttlSeconds: number): Promise<void>;
  release(key: string, owner: string): Promise<void>;
  /** How long a lease lasts: the bound on "in progress" after its owner died. */
  readonly leaseMs: number;
}

/** The message a key reads once its owner vanished after sending. */
export const ORPHANED_MESSAGE =
  'The replica handling the request with this idempotencyKey stopped after the write was sent to Cloudflare: it may have been applied. Check before retrying with a new key.';

interface MemoryEntry {
  state: 'reserved' | 'sending' | 'done' | 'outcome-unknown';
  fingerprint: string;
  owner: string;
  leaseUntil: number;
  result?: unknown;
  message?: string;
}

/**
 * One process's keys (no REDIS_URL). Bounded, but never by evicting a live record: an LRU that
 * dropped an OUTCOME_UNKNOWN or a done record before its TTL would let a retry send the write again.
 * When every slot holds an unexpired record, a new key is refused instead.
 */
export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly records: LRUCache<string, MemoryEntry>;

  constructor(
    readonly leaseMs = 10_000,
    private readonly maxKeys = 50_000,
    private readonly now: () => number = Date.now,
  ) {
    this.records = new LRUCache<string, MemoryEntry>({ max: maxKeys, ttlAutopurge: false });
  }

  async reserve(key: string, fingerprint: string, owner: string, ttlSeconds: number) {
    const existing = this.records.get(key);
    const now = this.now();
    if (existing && !(existing.state === 'reserved' && existing.leaseUntil < now)) {
      if (existing.state === 'sending' && existing.leaseUntil < now) {
        existing.state = 'outcome-unknown';
        existing.message = ORPHANED_MESSAGE;
      }
      return publicRecord(existing);
    }
    if (!existing && this.records.size >= this.maxKeys) {
      this.records.purgeStale();
      if (this.records.size >= this.maxKeys)
        throw new StateUnavailableError(
          `The gateway holds ${this.maxKeys} unexpired idempotency keys (IDEMPOTENCY_MAX_KEYS) and never drops one early; retry later or without a key`,
          60_000,
        );
    }
    this.records.set(
      key,
      { state: 'reserved', fingerprint, owner, leaseUntil: now + this.leaseMs },
      { ttl: ttlSeconds * 1000 },
    );
    return null;
  }

  async markSending(key: string, owner: string) {
    const entry = this.records.get(key);
    if (entry?.owner !== owner || entry.state !== 'reserved') return false;
    entry.state = 'sending';
    entry.leaseUntil = this.now() + this.leaseMs;
    return true;
  }

  async renew(key: string, owner: string) {
    const entry = this.records.get(key);
    if (entry?.owner === owner && (entry.state === 'reserved' || entry.state === 'sending'))
      entry.leaseUntil = this.now() + this.leaseMs;
  }

  async settle(key: string, owner: string, outcome: IdempotencyOutcome, ttlSeconds: number) {
    const entry = this.records.get(key);
    if (entry && entry.owner !== owner) return;
    const base = { fingerprint: outcome.fingerprint, owner, leaseUntil: 0 };
    const next: MemoryEntry =
      outcome.state === 'done'
        ? { ...base, state: 'done', result: outcome.result }
        : { ...base, state: 'outcome-unknown', message: outcome.message };
    this.records.set(key, next, { ttl: ttlSeconds * 1000 });
  }

  async release(key: string, owner: string) {
    const entry = this.records.get(key);
    // A key that already answered OUTCOME_UNKNOWN never becomes free again (see RedisIdempotencyStore).
    if (entry?.owner === owner && (entry.state === 'reserved' || entry.state === 'sending')) this.records.delete(key);
  }
}

function publicRecord(entry: MemoryEntry): IdempotencyRecord {
  if (entry.state === 'done') return { state: 'done', fingerprint: entry.fingerprint, result: entry.result };
  if (entry.state === 'outcome-unknown')
    return { state: 'outcome-unknown', fingerprint: entry.fingerprint, message: entry.message ?? ORPHANED_MESSAGE };
  return { state: 'pending', fingerprint: entry.fingerprint };
}

/** A digest of the mutation input; the same key with a different input is a client bug, not a replay. */
export function inputFingerprint(input: unknown): string {
  return createHash('sha256').update(canonicalJson(input)).digest('hex');
}

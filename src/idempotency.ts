import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';

/** What an idempotency record holds: the first result, or the fact that its outcome is unknown. */
export type IdempotencyRecord =
  | { state: 'pending'; fingerprint: string }
  | { state: 'done'; fingerprint: string; result: unknown }
  | { state: 'outcome-unknown'; fingerprint: string; message: string };

/**
 * Where idempotency keys live. `reserve` must be atomic: of two concurrent callers with the same key,
 * exactly one gets `null` (go ahead) and the other sees the pending record. In memory by default
 * (lru-cache with TTL); a shared store (Redis) implements the same contract for replicas.
 */
export interface IdempotencyStore {
  reserve(key: string, fingerprint: string, ttlSeconds: number): Promise<IdempotencyRecord | null>;
  settle(key: string, record: IdempotencyRecord, ttlSeconds: number): Promise<void>;
  release(key: string): Promise<void>;
}

export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly records = new LRUCache<string, IdempotencyRecord>({ max: 50_000, ttlAutopurge: false });

  async reserve(key: string, fingerprint: string, ttlSeconds: number): Promise<IdempotencyRecord | null> {
    const existing = this.records.get(key);
    if (existing) return existing;
    this.records.set(key, { state: 'pending', fingerprint }, { ttl: ttlSeconds * 1000 });
    return null;
  }

  async settle(key: string, record: IdempotencyRecord, ttlSeconds: number): Promise<void> {
    this.records.set(key, record, { ttl: ttlSeconds * 1000 });
  }

  async release(key: string): Promise<void> {
    this.records.delete(key);
  }
}

/** A digest of the mutation input; the same key with a different input is a client bug, not a replay. */
export function inputFingerprint(input: unknown): string {
  return createHash('sha256').update(stableJson(input)).digest('hex');
}

function stableJson(value: unknown): string {
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .filter(([, inner]) => inner !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, inner]) => `${JSON.stringify(key)}:${stableJson(inner)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

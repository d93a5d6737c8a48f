import { LRUCache } from 'lru-cache';
import { type EndpointId, endpoints } from './endpoints.js';

/**
 * Upstream read cache, keyed by credential + account + endpoint + request, with per-endpoint TTLs.
 *
 * Which class an endpoint is in (and why) is the catalogue's (endpoints.ts); mutations invalidate
 * the `message`, `search` and `insights` classes through generation counters. Keys include a fingerprint of the credential, so in forward mode one caller never reads what was
 * fetched with another caller's token.
 */
export interface CacheStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Generation counters make "forget everything about X" one increment instead of a key scan.
   * Read together: one round trip for all the counters a key depends on. */
  generations(keys: string[]): Promise<number[]>;
  bump(keys: string[]): Promise<void>;
}

/** Per-endpoint classes live in the catalogue (endpoints.ts). */
export type CacheClass = 'immutable' | 'message' | 'search' | 'insights' | 'never';

const cacheClassOf = (endpoint: EndpointId): CacheClass => endpoints[endpoint].cache;

export interface CacheTtls {
  immutableMs: number;
  messageMs: number;
  searchMs: number;
  insightsMs: number;
}

export interface CacheKeyParts {
  credential: string;
  endpoint: EndpointId;
  pathParams: Record<string, string>;
  /** path + query (+ body for E5), already encoded */
  request: string;
}

export interface CacheAccessPolicy {
  /**
   * Forward mode: may this caller's credential be answered from the cache? False once Cloudflare
   * rejected it, and when Cloudflare has not accepted it recently (FORWARD_TRUST_SECONDS).
   */
  allowsCachedRead(credential: string): boolean;
}

export class ResponseCache {
  constructor(
    readonly store: CacheStore,
    readonly ttls: CacheTtls,
    /** Set in forward mode: per-credential trust, and a per-credential generation so a revoked token's entries can be dropped at once. */
    readonly policy: CacheAccessPolicy | null = null,
  ) {}

  ttlFor(endpoint: EndpointId): number {
    const kind = cacheClassOf(endpoint);
    if (kind === 'immutable') return this.ttls.immutableMs;
    if (kind === 'message') return this.ttls.messageMs;
    if (kind === 'search') return this.ttls.searchMs;
    if (kind === 'insights') return this.ttls.insightsMs;
    return 0;
  }

  /** null when the endpoint is not cached. */
  async keyFor(parts: CacheKeyParts): Promise<string | null> {
    if (this.ttlFor(parts.endpoint) <= 0) return null;
    // Untrusted (revoked, or not seen accepted lately): no cached answer and nothing stored; the
    // call goes to Cloudflare, whose verdict then decides.
    if (this.policy && !this.policy.allowsCachedRead(parts.credential)) return null;
    const kind = cacheClassOf(parts.endpoint);
    const scope = parts.pathParams.account_id ?? parts.pathParams.scope_id ?? '';
    const counters: string[] = [];
    if (this.policy) counters.push(generationKey.credential(parts.credential));
    if (kind === 'search') counters.push(generationKey.searches(scope));
    if (kind === 'insights') counters.push(generationKey.insights(scope));
    if (kind === 'message') counters.push(generationKey.message(scope, parts.pathParams.investigate_id ?? ''));
    // What can change is also dropped wholesale when shared state returns from an outage, since
    // invalidations made meanwhile may not have reached every replica.
    if (kind !== 'immutable') counters.push(generationKey.outage);
    const values = counters.length > 0 ? await this.store.generations(counters) : [];
    const credentialGeneration = this.policy ? `${values.shift()}:` : '';
    const generation = values.join('.');
    return `cf:${parts.credential}:${credentialGeneration}${parts.endpoint}:${generation}:${parts.request}`;
  }

  get(key: string): Promise<string | undefined> {
    return this.store.get(key);
  }

  set(key: string, endpoint: EndpointId, value: string): Promise<void> {
    return this.store.set(key, value, this.ttlFor(endpoint));
  }

  /** After an action on messages: their state, their trace and every search of the account are stale. */
  invalidateMessages(accountId: string, ids: string[]): Promise<void> {
    return this.store.bump([
      generationKey.searches(accountId),
      ...ids.map((id) => generationKey.message(accountId, id)),
    ]);
  }

  /** Cloudflare rejected this credential: everything cached for it is unreachable from now on (every replica). */
  forgetCredential(credential: string): Promise<void> {
    return this.store.bump([generationKey.credential(credential)]);
  }

  /** After classify/dismiss: every insight listing, count and audit log of that account or zone. */
  invalidateInsights(scopeId: string): Promise<void> {
    return this.store.bump([generationKey.insights(scopeId)]);
  }
}

const generationKey = {
  outage: 'gen:outage',
  credential: (credential: string) => `gen:credential:${credential}`,
  searches: (accountId: string) => `gen:search:${accountId}`,
  insights: (scopeId: string) => `gen:insights:${scopeId}`,
  message: (accountId: string, id: string) => `gen:message:${accountId}:${id}`,
};

/**
 * In-process LRU (lru-cache), bounded by entry count and by bytes. Expired entries are purged on a
 * timer: lru-cache only drops a stale entry when it is read or evicted, and search keys (whose window
 * steps every search TTL) are never read again once stale — without the purge they would sit in the
 * heap until the size bound (found by the soak test).
 */
export class MemoryCacheStore implements CacheStore {
  private readonly entries: LRUCache<string, string>;
  private readonly counters = new LRUCache<string, number>({ max: 100_000 });
  private readonly purgeTimer: NodeJS.Timeout;

  constructor(options: { maxEntries: number; maxBytes: number; purgeIntervalMs?: number }) {
    this.entries = new LRUCache<string, string>({
      max: options.maxEntries,
      maxSize: options.maxBytes,
      // V8 keeps a string in one or two bytes per character; count two, plus the key and entry overhead.
      sizeCalculation: (value, key) => 2 * (value.length + key.length) + 64,
    });
    this.purgeTimer = setInterval(() => this.entries.purgeStale(), options.purgeIntervalMs ?? 10_000);
    this.purgeTimer.unref();
  }

  /** Stops the purge timer (on shutdown). */
  close(): void {
    clearInterval(this.purgeTimer);
  }

  /** Entries currently held (for tests and diagnostics). */
  get size(): number {
    return this.entries.size;
  }

  async get(key: string) {
    return this.entries.get(key);
  }

  async set(key: string, value: string, ttlMs: number) {
    if (value.length > this.entries.maxSize / 10) return; // one huge EML must not evict everything
    this.entries.set(key, value, { ttl: ttlMs });
  }

  async generations(keys: string[]) {
    return keys.map((key) => this.counters.get(key) ?? 0);
  }

  /** Drops every entry (shared state is back: what this replica cached alone may be stale). */
  clear(): void {
    this.entries.clear();
  }

  async bump(keys: string[]) {
    for (const key of keys) this.counters.set(key, (this.counters.get(key) ?? 0) + 1);
  }
}

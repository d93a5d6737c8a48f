import { LRUCache } from 'lru-cache';
import { type EndpointDefinition, type EndpointId, endpoints } from './endpoints.js';

/**
 * Upstream read cache, keyed by credential + account + endpoint + request, with per-endpoint TTLs.
 *
 * Which class an endpoint is in (and why) is the catalogue's (endpoints.ts); the gateway's own writes
 * invalidate what the catalogue says they make stale, through generation counters. Keys include a
 * fingerprint of the credential, so in forward mode one caller never reads what was fetched with
 * another caller's token.
 */
export interface CacheStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Generation counters make "forget everything about X" one increment instead of a key scan.
   * Read together: one round trip for all the counters a key depends on. */
  generations(keys: string[]): Promise<number[]>;
  /**
   * One round trip for a read: the counters' values and the entry stored under
   * `prefix + values.join('.') + suffix` (the key depends on the values).
   */
  lookup(counters: string[], prefix: string, suffix: string): Promise<{ values: number[]; value: string | undefined }>;
  bump(keys: string[]): Promise<void>;
}

/**
 * How long an answer stays true, per class; which class an endpoint is in (and why) is the
 * catalogue's (endpoints.ts), published in docs/freshness.md.
 */
export type CacheClass = 'immutable' | 'trace' | 'message' | 'search' | 'insights' | 'never';

export interface CacheTtls {
  immutableMs: number;
  traceMs: number;
  messageMs: number;
  searchMs: number;
  insightsMs: number;
}

/** How long an answer of this class stays true (0: not cached). */
export function ttlOfClass(ttls: CacheTtls, kind: CacheClass): number {
  if (kind === 'immutable') return ttls.immutableMs;
  if (kind === 'trace') return ttls.traceMs;
  if (kind === 'message') return ttls.messageMs;
  if (kind === 'search') return ttls.searchMs;
  if (kind === 'insights') return ttls.insightsMs;
  return 0;
}

export interface CacheKeyParts {
  credential: string;
  endpoint: EndpointId;
  pathParams: Record<string, string>;
  /** path + query (+ body for E5), already encoded */
  request: string;
}

/** A cache key and the generation counters it was built from (to tell, later, whether they moved). */
export interface CacheKey {
  key: string;
  counters: string[];
  values: number[];
}

/** What a write of ours made stale (from the catalogue's `invalidates`). */
export interface Invalidation {
  scope: string;
  /** `account`: every message of the account (a bulk job's, ids unknown), its searches too. */
  kind: 'messages' | 'searches' | 'insights' | 'account';
  /** For `messages`: their state and trace go stale (and every search of the account). */
  ids?: string[];
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

  /**
   * How long this answer of the endpoint stays true: its class's TTL, or the `message` TTL while the
   * catalogue says the answer is still changing (a trace with a pending side).
   */
  ttlFor(endpoint: EndpointId, result?: unknown): number {
    const definition: EndpointDefinition = endpoints[endpoint];
    if (result !== undefined && definition.stillChanging?.(result)) return this.ttls.messageMs;
    return ttlOfClass(this.ttls, definition.cache);
  }

  /**
   * The key of a read and what is cached under it (undefined: a miss), in one store round trip;
   * null when the endpoint is not cached or this credential may not be answered from the cache.
   */
  async lookup(parts: CacheKeyParts): Promise<{ key: CacheKey; value: string | undefined } | null> {
    if (this.ttlFor(parts.endpoint) <= 0) return null;
    // Untrusted (revoked, or not seen accepted lately): no cached answer and nothing stored; the
    // call goes to Cloudflare, whose verdict then decides.
    if (this.policy && !this.policy.allowsCachedRead(parts.credential)) return null;
    const counters = this.countersOf(parts);
    const [prefix, suffix] = keyEnds(parts);
    const { values, value } = await this.store.lookup(counters, prefix, suffix);
    return { key: { key: `${prefix}${values.join('.')}${suffix}`, counters, values }, value };
  }

  private countersOf(parts: CacheKeyParts): string[] {
    const kind = endpoints[parts.endpoint].cache;
    const scope = parts.pathParams.account_id ?? parts.pathParams.scope_id ?? '';
    const counters: string[] = [];
    if (this.policy) counters.push(generationKey.credential(parts.credential));
    if (kind === 'search') counters.push(generationKey.searches(scope));
    if (kind === 'insights') counters.push(generationKey.insights(scope));
    if (kind === 'message' || kind === 'trace')
      counters.push(
        generationKey.allMessages(scope),
        generationKey.message(scope, parts.pathParams.investigate_id ?? ''),
      );
    // What can change is also dropped wholesale when shared state returns from an outage, since
    // invalidations made meanwhile may not have reached every replica.
    if (kind !== 'immutable') counters.push(generationKey.outage);
    return counters;
  }

  set(key: CacheKey, endpoint: EndpointId, value: string, result?: unknown): Promise<void> {
    return this.store.set(key.key, value, this.ttlFor(endpoint, result));
  }

  /**
   * Stores answers another answer already holds (a search's messages as E2 answers), with the
   * freshness of that source — unless one of its generations moved since it was asked for (a write
   * in between): then nothing is stored, rather than a state from before the write.
   */
  async prime(source: CacheKey, entries: { parts: CacheKeyParts; value: string }[]): Promise<number> {
    if (entries.length === 0) return 0;
    const countersPerEntry = entries.map((entry) => this.countersOf(entry.parts));
    const all = [...source.counters, ...countersPerEntry.flat()];
    const values = await this.store.generations(all);
    if (source.values.some((value, index) => values[index] !== value)) return 0;
    let offset = source.counters.length;
    await Promise.all(
      entries.map((entry, index) => {
        const count = (countersPerEntry[index] as string[]).length;
        const [prefix, suffix] = keyEnds(entry.parts);
        const key = `${prefix}${values.slice(offset, offset + count).join('.')}${suffix}`;
        offset += count;
        return this.store.set(key, entry.value, this.ttlFor(entry.parts.endpoint));
      }),
    );
    return entries.length;
  }

  /** After a write of ours (whatever its outcome: it may have been applied), what it made stale. */
  invalidate(invalidation: Invalidation): Promise<void> {
    const { scope, kind, ids = [] } = invalidation;
    if (kind === 'insights') return this.store.bump([generationKey.insights(scope)]);
    if (kind === 'searches') return this.store.bump([generationKey.searches(scope)]);
    if (kind === 'account') return this.store.bump([generationKey.searches(scope), generationKey.allMessages(scope)]);
    return this.store.bump([generationKey.searches(scope), ...ids.map((id) => generationKey.message(scope, id))]);
  }

  /** Cloudflare rejected this credential: everything cached for it is unreachable from now on (every replica). */
  forgetCredential(credential: string): Promise<void> {
    return this.store.bump([generationKey.credential(credential)]);
  }
}

/** A cache key is `prefix + the generation values + suffix`: the credential and endpoint, then the request. */
const keyEnds = (parts: CacheKeyParts): [string, string] => [
  `cf:${parts.credential}:${parts.endpoint}:`,
  `:${parts.request}`,
];

const generationKey = {
  outage: 'gen:outage',
  credential: (credential: string) => `gen:credential:${credential}`,
  searches: (accountId: string) => `gen:search:${accountId}`,
  insights: (scopeId: string) => `gen:insights:${scopeId}`,
  message: (accountId: string, id: string) => `gen:message:${accountId}:${id}`,
  allMessages: (accountId: string) => `gen:messages:${accountId}`,
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

  async lookup(counters: string[], prefix: string, suffix: string) {
    const values = counters.map((key) => this.counters.get(key) ?? 0);
    return { values, value: this.entries.get(`${prefix}${values.join('.')}${suffix}`) };
  }

  /** Drops every entry (shared state is back: what this replica cached alone may be stale). */
  clear(): void {
    this.entries.clear();
  }

  async bump(keys: string[]) {
    for (const key of keys) this.counters.set(key, (this.counters.get(key) ?? 0) + 1);
  }
}

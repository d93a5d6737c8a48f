import { LRUCache } from 'lru-cache';

export type CredentialState = 'accepted' | 'rejected' | 'unknown';

interface Observation {
  acceptedAt: number | null;
  rejectedAt: number | null;
}

/**
 * What Cloudflare last said about each credential, learned from real calls (no probe of its own):
 * any answer but 401/403 (and 429/5xx, which say nothing about the credential) means it was
 * accepted; 401/403 means it was rejected.
 *
 * Forward mode uses it so a revoked caller token reads nothing from the cache, and a token is
 * trusted with cached data only for a while after Cloudflare last accepted it. `/ready` uses it
 * to report the gateway's own credential.
 */
export class CredentialTrust {
  private readonly seen = new LRUCache<string, Observation>({ max: 50_000 });
  private readonly listeners: ((credential: string) => void)[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  /** Called when a credential is rejected (e.g. to drop its cache entries). */
  onRejected(listener: (credential: string) => void): void {
    this.listeners.push(listener);
  }

  observe(credential: string, status: number | null, method: string): void {
    if (status === null || status === 429 || status >= 500) return;
    const entry = this.seen.get(credential) ?? { acceptedAt: null, rejectedAt: null };
    // A 403 on a write can be a read-only token doing what it may not; only a 401, or a 403 on a
    // read, says the credential itself is not (or no longer) good.
    if (status === 401 || (status === 403 && method === 'GET')) {
      entry.rejectedAt = this.now();
      this.seen.set(credential, entry);
      for (const listener of this.listeners) listener(credential);
      return;
    }
    if (status === 403) return;
    entry.acceptedAt = this.now();
    entry.rejectedAt = null;
    this.seen.set(credential, entry);
  }

  state(credential: string): { state: CredentialState; at: number | null } {
    const entry = this.seen.get(credential);
    if (!entry) return { state: 'unknown', at: null };
    if (entry.rejectedAt !== null) return { state: 'rejected', at: entry.rejectedAt };
    return { state: 'accepted', at: entry.acceptedAt };
  }

  /** True when Cloudflare accepted the credential within the last `windowMs` and has not rejected it since. */
  acceptedWithin(credential: string, windowMs: number): boolean {
    const entry = this.seen.get(credential);
    return (
      !!entry && entry.rejectedAt === null && entry.acceptedAt !== null && this.now() - entry.acceptedAt < windowMs
    );
  }
}

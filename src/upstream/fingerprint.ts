import { createHash } from 'node:crypto';
import type { CloudflareCredentials } from '../config.js';

/** A non-reversible label for a credential: safe in logs, audit lines, metrics and cache keys. */
export function credentialFingerprint(secret: string): string {
  return `cred:${createHash('sha256').update(secret).digest('hex').slice(0, 16)}`;
}

const fingerprints = new WeakMap<CloudflareCredentials, string>();

/**
 * Memoised per credentials object: every upstream attempt needs the fingerprint (cache key, budget,
 * metrics), and the object is the gateway's own (one per process) or the caller's (one per request).
 */
export function fingerprintCredentials(credentials: CloudflareCredentials): string {
  let fingerprint = fingerprints.get(credentials);
  if (fingerprint === undefined) {
    fingerprint = credentialFingerprint(
      credentials.kind === 'token' ? credentials.token : `${credentials.email}:${credentials.key}`,
    );
    fingerprints.set(credentials, fingerprint);
  }
  return fingerprint;
}

import { createHash } from 'node:crypto';
import type { CloudflareCredentials } from '../config.js';

/** A non-reversible label for a credential: safe in logs, audit lines, metrics and cache keys. */
export function credentialFingerprint(secret: string): string {
  return `cred:${createHash('sha256').update(secret).digest('hex').slice(0, 16)}`;
}

export function fingerprintCredentials(credentials: CloudflareCredentials): string {
  return credentialFingerprint(credentials.kind === 'token' ? credentials.token : `${credentials.email}:${credentials.key}`);
}

/**
 * The call path to Cloudflare as a chain of layers, each one file. CloudflareHttp (../http.ts)
 * assembles it, outermost first:
 *
 *   cache → single flight → retry (+ 202 polling) → budget → pacer → transport
 *
 * Retry sits above the budget and the pacer on purpose: every attempt is a request Cloudflare
 * counts, so each one takes its own permit and its own pacer slot.
 *
 * Two kinds of layer: a call layer turns one `UpstreamCall` into an `Answer` (the envelope, not yet
 * validated); the retry layer turns attempts into an answer; an attempt layer wraps one HTTP attempt.
 * Everything computed once per call (path, query, credential fingerprint) is on `UpstreamCall`.
 */
import type { Logger } from '../../logger.js';
import type { CacheKey } from '../cache.js';
import type { CallOptions } from '../call-types.js';
import type { EndpointDefinition, EndpointId } from '../endpoints.js';
import type { Envelope } from '../envelope.js';
import type { RateLimitState } from '../rate-limit-headers.js';
import type { AttemptOutcome } from '../transport.js';

/** One call, prepared once: every layer reads these instead of recomputing them. */
export interface UpstreamCall {
  options: CallOptions;
  endpoint: EndpointId;
  definition: EndpointDefinition;
  isRead: boolean;
  /** Base path + the endpoint's path with its parameters encoded. */
  path: string;
  /** The encoded query string (`?…` or empty). */
  search: string;
  /** Fingerprint of the credential (never the secret): cache keys, budget, metrics, logs. */
  credential: string;
  logger: Logger;
  /** The read-cache key, set by the cache layer for cacheable reads (the single-flight layer joins on it). */
  cacheKey?: CacheKey;
}

/** What a call came to, before the endpoint's schemas are applied. */
export interface Answer {
  status: number;
  /** `null` for 204 / empty bodies on envelope-only endpoints. */
  envelope: Envelope | null;
  rateLimit: RateLimitState | null;
  /** Requests sent to Cloudflare for it (0: answered by the cache or by a call in flight). */
  attempts: number;
  /** The envelope as Cloudflare sent it, when this call received it: stored and shared as is (no re-serialising). */
  text?: string;
  /** Who answered: Cloudflare for this call, the read cache, or an identical call in flight (here or on another replica). */
  source: 'upstream' | 'cache' | 'flight';
}

export type Call = (call: UpstreamCall) => Promise<Answer>;
export type CallLayer = (next: Call) => Call;

/** One HTTP attempt of a call (the 202 poll sends GETs to another path, as reads). */
export interface AttemptRequest {
  call: UpstreamCall;
  method: string;
  pathAndQuery: string;
  isRead: boolean;
  /** 1 for the first attempt. */
  number: number;
}

export type Attempt = (request: AttemptRequest) => Promise<AttemptOutcome>;
export type AttemptLayer = (next: Attempt) => Attempt;

/** The first layer is the outermost. */
export function chain<T>(layers: ((next: T) => T)[], innermost: T): T {
  return layers.reduceRight((next, layer) => layer(next), innermost);
}

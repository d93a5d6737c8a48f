/**
 * The shapes of a Cloudflare call through CloudflareHttp (http.ts): what a caller passes, what it
 * gets back, what each attempt reports to observers, and how the layer is configured.
 */
import type { Dispatcher } from 'undici';
import type { CloudflareCredentials } from '../config.js';
import type { Logger } from '../logger.js';
import type { BudgetGovernor } from './budget.js';
import type { ResponseCache } from './cache.js';
import type { FlightStore } from './call/single-flight-layer.js';
import type { EndpointId, ResultInfoOf, ResultOf } from './endpoints.js';
import type { Envelope } from './envelope.js';
import type { UpstreamPacer } from './pacer.js';
import type { RateLimitState } from './rate-limit-headers.js';
import type { QueryParams } from './transport.js';

/** What every upstream attempt reports to observers (per-request counters, metrics, budget). */
export interface UpstreamAttempt {
  endpoint: EndpointId;
  method: string;
  status: number | null;
  durationMs: number;
  attempt: number;
  outcome: 'ok' | 'error' | 'retry';
  errorCode?: string;
  rateLimit: RateLimitState | null;
  /** Fingerprint of the credential used (never the secret). */
  credential: string;
}

/** Span per upstream attempt; kept abstract so this module does not depend on OpenTelemetry. */
export interface UpstreamTracer {
  startCall(
    endpoint: EndpointId,
    method: string,
    attempt: number,
  ): { headers: Record<string, string>; end(status: number | null, error?: string): void };
}

export interface UpstreamObserver {
  onAttempt?(attempt: UpstreamAttempt): void;
  onCacheHit?(endpoint: EndpointId): void;
}

export interface CallOptions<E extends EndpointId = EndpointId> {
  endpoint: E;
  credentials: CloudflareCredentials;
  pathParams: Record<string, string>;
  query?: QueryParams;
  /** JSON body; `undefined` sends none (E16 cancel is a body-less POST, contract#versions). */
  body?: unknown;
  signal?: AbortSignal;
  /** The request-wide deadline: aborts pending reads (UPSTREAM_TIMEOUT); a write already sent finishes. */
  deadline?: AbortSignal;
  observer?: UpstreamObserver;
  logger?: Logger;
  /** Extra request headers (e.g. `x-request-id`). */
  headers?: Record<string, string>;
  /** Creates a span per attempt and the `traceparent` to propagate. */
  tracer?: UpstreamTracer;
  /** Skip the shared read cache (a decision on security state needs Cloudflare's current answer); the answer still refreshes the cache. */
  fresh?: boolean;
}

export interface CallResult<E extends EndpointId = EndpointId> {
  status: number;
  /** `null` for 204 / empty bodies on envelope-only endpoints. */
  envelope: Envelope | null;
  /** `result`, validated against the catalogue's schema (undefined for envelope-only endpoints). */
  result: ResultOf<E>;
  /** `result_info`, validated, where the endpoint has one. */
  resultInfo: ResultInfoOf<E>;
  rateLimit: RateLimitState | null;
  attempts: number;
}

export interface CloudflareHttpOptions {
  baseUrl: string;
  logger: Logger;
  timeoutMs: number;
  maxRetries: number;
  retryBaseMs: number;
  retryMaxDelayMs: number;
  /** A Retry-After longer than this is not slept through: the call fails with RATE_LIMITED at once. */
  retryAfterCapMs: number;
  searchPollTimeoutMs: number;
  /** Bounds one GraphQL request's upstream work (REQUEST_DEADLINE_MS); 0 or unset: no deadline. */
  requestDeadlineMs?: number;
  connections?: number;
  dispatcher?: Dispatcher;
  userAgent?: string;
  /** Takes a permit before every attempt so the 1,200 / 5 min budget is never exceeded. */
  budget?: BudgetGovernor;
  /** Process-wide in-flight cap and request-rate pacer every attempt passes (protects Cloudflare and the process). */
  pacer?: UpstreamPacer;
  /** Upstream read cache (per credential + account + request). */
  cache?: ResponseCache;
  /** Reads in flight across replicas (Redis); without it, identical reads are joined in process only. */
  flights?: FlightStore;
  /** How long a replica waits for another one's identical read before calling itself. */
  flightLeaseMs?: number;
  /** Answers larger than this are not handed to other replicas (they call themselves). */
  flightMaxAnswerBytes?: number;
  /** Process-wide hooks (metrics). */
  onCacheHit?(endpoint: EndpointId): void;
  onAttempt?(attempt: UpstreamAttempt): void;
}

import type { EndpointId } from './endpoints.js';

/** One entry of Cloudflare's `errors[]` (contract#envelope; every field optional in the SDK's ErrorData). */
export interface CloudflareErrorInfo {
  code?: number;
  message?: string;
  documentation_url?: string;
}

/**
 * The stable codes every upstream failure maps to. They become `extensions.code` in GraphQL and the
 * `code` of the typed error results, so clients can switch on them. A closed union on purpose:
 * adding one is a schema change clients must hear about.
 */
export const UPSTREAM_ERROR_CODES = [
  'BAD_USER_INPUT',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'RATE_LIMITED',
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_TIMEOUT',
  'UPSTREAM_SCHEMA_MISMATCH',
  'UPSTREAM_ERROR',
  'OUTCOME_UNKNOWN',
  'REQUEST_ABORTED',
] as const;
export type UpstreamErrorCode = (typeof UPSTREAM_ERROR_CODES)[number];

interface UpstreamErrorDetails {
  endpoint: EndpointId | null;
  status?: number | null;
  cloudflareErrors?: CloudflareErrorInfo[];
  cause?: unknown;
}

/** Base of every failure of a Cloudflare call (the GraphQL `UpstreamError` type is ../graphql/errors.ts). */
export abstract class UpstreamCallError extends Error {
  abstract readonly code: UpstreamErrorCode;
  readonly endpoint: EndpointId | null;
  readonly status: number | null;
  readonly cloudflareErrors: CloudflareErrorInfo[];

  constructor(message: string, details: UpstreamErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.endpoint = details.endpoint;
    this.status = details.status ?? null;
    this.cloudflareErrors = details.cloudflareErrors ?? [];
  }
}

/** 400/422, or a request the gateway refused to send (e.g. a path-traversal id). */
export class UpstreamBadRequestError extends UpstreamCallError {
  readonly code = 'BAD_USER_INPUT' as const;
}
export class UpstreamUnauthenticatedError extends UpstreamCallError {
  readonly code = 'UNAUTHENTICATED' as const;
}
export class UpstreamForbiddenError extends UpstreamCallError {
  readonly code = 'FORBIDDEN' as const;
}
export class UpstreamNotFoundError extends UpstreamCallError {
  readonly code = 'NOT_FOUND' as const;
}
export class UpstreamConflictError extends UpstreamCallError {
  readonly code = 'CONFLICT' as const;
}
export class UpstreamRateLimitedError extends UpstreamCallError {
  readonly code = 'RATE_LIMITED' as const;
  constructor(message: string, details: UpstreamErrorDetails & { retryAfterSeconds: number }) {
    super(message, details);
    this.retryAfterSeconds = details.retryAfterSeconds;
  }
  readonly retryAfterSeconds: number;
}
/** 5xx, connection refused/reset, or a gateway-side circuit: try again later. */
export class UpstreamUnavailableError extends UpstreamCallError {
  readonly code = 'UPSTREAM_UNAVAILABLE' as const;
}
export class UpstreamTimeoutError extends UpstreamCallError {
  readonly code = 'UPSTREAM_TIMEOUT' as const;
}
/** The body was not what the contract says (malformed JSON, empty, a field missing, a wrong type). */
export class UpstreamSchemaMismatchError extends UpstreamCallError {
  readonly code = 'UPSTREAM_SCHEMA_MISMATCH' as const;
  constructor(message: string, details: UpstreamErrorDetails & { issues?: { path: string; message: string }[] }) {
    super(message, details);
    this.issues = details.issues ?? [];
  }
  readonly issues: { path: string; message: string }[];
}
/** Any other refusal: a non-2xx status without a dedicated class, or `success:false` inside a 2xx. */
export class UpstreamRejectedError extends UpstreamCallError {
  readonly code = 'UPSTREAM_ERROR' as const;
}
/**
 * A write (POST/PUT/PATCH/DELETE) was sent and then failed in a way that does not tell whether
 * Cloudflare applied it (5xx, timeout, reset after sending). Never retried: the caller must check.
 */
export class UpstreamOutcomeUnknownError extends UpstreamCallError {
  readonly code = 'OUTCOME_UNKNOWN' as const;
}
/** The caller (the GraphQL client) went away; nothing to report to anyone. */
export class UpstreamAbortedError extends UpstreamCallError {
  readonly code = 'REQUEST_ABORTED' as const;
}

/** Maps a non-2xx status to its class (the SDK's table, contract#retries). */
export function errorForStatus(
  status: number,
  details: UpstreamErrorDetails & { retryAfterSeconds?: number },
  message: string,
): UpstreamCallError {
  if (status === 400 || status === 422) return new UpstreamBadRequestError(message, details);
  if (status === 401) return new UpstreamUnauthenticatedError(message, details);
  if (status === 403) return new UpstreamForbiddenError(message, details);
  if (status === 404) return new UpstreamNotFoundError(message, details);
  if (status === 409) return new UpstreamConflictError(message, details);
  if (status === 429) {
    return new UpstreamRateLimitedError(message, { ...details, retryAfterSeconds: details.retryAfterSeconds ?? 60 });
  }
  if (status === 408) return new UpstreamTimeoutError(message, details);
  if (status >= 500) return new UpstreamUnavailableError(message, details);
  return new UpstreamRejectedError(message, details);
}

/**
 * @deprecated Former name of UpstreamCallError, kept so code written against it still compiles
 * while branches merge; use UpstreamCallError (the GraphQL type `UpstreamError` is a different class).
 */
export const UpstreamError = UpstreamCallError;
/** @deprecated See the value of the same name. */
export type UpstreamError = UpstreamCallError;

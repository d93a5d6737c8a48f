import { GraphQLError } from 'graphql';
import { createGraphQLError, maskError as defaultMaskError } from 'graphql-yoga';
import {
  UpstreamBadRequestError,
  UpstreamCallError,
  UPSTREAM_ERROR_CODES,
  UpstreamConflictError,
  UpstreamForbiddenError,
  UpstreamNotFoundError,
  UpstreamOutcomeUnknownError,
  UpstreamRateLimitedError,
  UpstreamSchemaMismatchError,
  UpstreamUnauthenticatedError,
} from '../upstream/errors.js';

/**
 * The one error module of the GraphQL layer: the closed set of codes a client can see, the typed
 * mutation error classes (each named after its GraphQL type, registered in ./results.ts), and the
 * single mapping from an upstream failure to what the client gets.
 *
 * `ErrorCode` is closed: anything else is masked into `INTERNAL_SERVER_ERROR` ("Unexpected error.")
 * by yoga, so internals never leak. It is the upstream classification plus the codes only the
 * gateway itself produces (request limits, persisted operations); nothing is listed twice.
 */
export const ERROR_CODES = [
  ...UPSTREAM_ERROR_CODES,
  'QUERY_TOO_COMPLEX',
  'PERSISTED_QUERY_ONLY',
  'PERSISTED_QUERY_NOT_FOUND',
  'STATE_UNAVAILABLE',
  'TOO_MANY_SUBSCRIPTIONS',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The codes a typed mutation error can carry (the GraphQL enum `ActionErrorCode`). */
export const MUTATION_ERROR_CODES = [
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'FORBIDDEN',
  'CONFLICT',
  'RATE_LIMITED',
  'UPSTREAM_ERROR',
  'OUTCOME_UNKNOWN',
  'STATE_UNAVAILABLE',
] as const satisfies readonly ErrorCode[];
export type MutationErrorCode = (typeof MUTATION_ERROR_CODES)[number];

// ───────────────────────────── typed mutation errors ─────────────────────────────

/** Base of every typed mutation error (GraphQL interface `MutationError`). */
export abstract class MutationError extends Error {
  abstract readonly code: MutationErrorCode;
}

export interface ValidationIssue {
  path: string[];
  message: string;
}

/** The input is invalid; nothing was sent. */
export class ValidationError extends MutationError {
  readonly code = 'BAD_USER_INPUT' as const;
  constructor(readonly issues: ValidationIssue[]) {
    super(
      issues
        .map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
        .join('; '),
    );
  }
}
export class NotFoundError extends MutationError {
  readonly code = 'NOT_FOUND' as const;
}
export class ForbiddenError extends MutationError {
  readonly code = 'FORBIDDEN' as const;
}
export class ConflictError extends MutationError {
  readonly code = 'CONFLICT' as const;
}
export class RateLimitedError extends MutationError {
  readonly code = 'RATE_LIMITED' as const;
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}
export interface CloudflareErrorEntry {
  code: number | null;
  message: string | null;
}
/** Cloudflare answered with a refusal (a 4xx without a dedicated type, or `success: false`): nothing was applied. */
export class UpstreamError extends MutationError {
  readonly code = 'UPSTREAM_ERROR' as const;
  constructor(
    message: string,
    readonly status: number | null,
    readonly cloudflareErrors: CloudflareErrorEntry[],
  ) {
    super(message);
  }
}
/**
 * The shared state that makes a keyed write at-most-once (Redis) could not confirm the key: the
 * write was refused before anything was sent. Retryable with the same key.
 */
export class StateUnavailableMutationError extends MutationError {
  readonly code = 'STATE_UNAVAILABLE' as const;
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}
/** The write reached Cloudflare and its outcome cannot be known. */
export class OutcomeUnknownError extends MutationError {
  readonly code = 'OUTCOME_UNKNOWN' as const;
}

// ───────────────────────────── the upstream → client mapping ─────────────────────────────

const cloudflareEntries = (error: UpstreamCallError): CloudflareErrorEntry[] =>
  error.cloudflareErrors.map((item) => ({ code: item.code ?? null, message: item.message ?? null }));

/** What the client may read about a failure: our parser's internals stay in the operator log. */
function clientMessage(error: UpstreamCallError): string {
  return error instanceof UpstreamSchemaMismatchError
    ? `Cloudflare answered ${error.endpoint ?? 'a call'} with an unexpected shape`
    : error.message;
}

/**
 * An upstream failure as the typed mutation error of a result union. Whether the failure happened
 * before or after a write was sent is decided by the mutation pipeline (./mutation.ts), which calls
 * this only for failures that are definitive.
 */
export function toMutationError(error: UpstreamCallError): MutationError {
  if (error instanceof UpstreamOutcomeUnknownError) return new OutcomeUnknownError(error.message);
  if (error instanceof UpstreamRateLimitedError) return new RateLimitedError(error.message, error.retryAfterSeconds);
  if (error instanceof UpstreamNotFoundError) return new NotFoundError(error.message);
  if (error instanceof UpstreamForbiddenError || error instanceof UpstreamUnauthenticatedError)
    return new ForbiddenError(error.message);
  if (error instanceof UpstreamConflictError) return new ConflictError(error.message);
  // A request the client layer refused to build (endpoint null) never left the gateway: the input is at fault.
  if (error instanceof UpstreamBadRequestError && error.endpoint === null)
    return new ValidationError([{ path: [], message: error.message }]);
  return new UpstreamError(clientMessage(error), error.status, cloudflareEntries(error));
}

/** An upstream failure as the GraphQL error of a query field (stable code, safe message). */
export function upstreamToGraphQLError(error: UpstreamCallError): GraphQLError {
  const extensions: Record<string, unknown> = { code: error.code };
  if (error.status !== null) extensions.upstreamStatus = error.status;
  if (error.endpoint) extensions.upstreamEndpoint = error.endpoint;
  if (error.cloudflareErrors.length) extensions.cloudflareErrors = cloudflareEntries(error);
  if (error instanceof UpstreamRateLimitedError) extensions.retryAfterSeconds = error.retryAfterSeconds;
  return createGraphQLError(clientMessage(error), { extensions });
}

// ───────────────────────────── query-side errors ─────────────────────────────

/** An expected failure the client should see as is. */
export function gatewayError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return createGraphQLError(message, { extensions: { code, ...extensions } });
}

/** Invalid input: costs no upstream call, names the argument path. */
export function badUserInput(message: string, argumentPath?: readonly (string | number)[]): GraphQLError {
  return gatewayError('BAD_USER_INPUT', message, argumentPath ? { argumentPath } : {});
}

/** True for Cloudflare's 404 (and its typed mutation twin): the object does not exist. */
export function isNotFound(error: unknown): boolean {
  return error instanceof UpstreamNotFoundError || error instanceof NotFoundError;
}

/** `.catch(nullOn404)`: a missing object resolves to null, every other failure stays an error. */
export function nullOn404(error: unknown): null {
  if (isNotFound(error)) return null;
  throw error;
}

/**
 * yoga's `maskError`: upstream errors thrown by resolvers and loaders become typed GraphQL errors
 * with their code; GraphQLErrors created on purpose pass; everything else is masked.
 */
export function maskError(error: unknown, message: string, isDev?: boolean): Error {
  const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  let mapped: { message: string; extensions: Record<string, unknown> } | null = null;
  // A typed mutation error thrown where no result union catches it (e.g. a scope on a query field).
  if (original instanceof MutationError) mapped = { message: original.message, extensions: { code: original.code } };
  if (original instanceof UpstreamCallError) {
    const graphQLError = upstreamToGraphQLError(original);
    mapped = { message: graphQLError.message, extensions: graphQLError.extensions };
  }
  if (!mapped) return defaultMaskError(error, message, isDev);
  return error instanceof GraphQLError
    ? new GraphQLError(mapped.message, {
        nodes: error.nodes,
        path: error.path,
        extensions: mapped.extensions,
        source: error.source,
        positions: error.positions,
      })
    : createGraphQLError(mapped.message, { extensions: mapped.extensions });
}

import { GraphQLError } from 'graphql';
import { createGraphQLError, maskError as defaultMaskError } from 'graphql-yoga';
import { ActionError } from './action-errors.js';
import { UpstreamError, UpstreamRateLimitedError, UpstreamSchemaMismatchError } from '../upstream/errors.js';

/**
 * The closed set of `extensions.code` values a client can see. Anything else is masked into
 * `INTERNAL_SERVER_ERROR` ("Unexpected error.") by yoga, so internals never leak.
 */
export type GatewayErrorCode =
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'UPSTREAM_TIMEOUT'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_SCHEMA_MISMATCH'
  | 'UPSTREAM_ERROR'
  | 'OUTCOME_UNKNOWN'
  | 'REQUEST_ABORTED'
  | 'QUERY_TOO_COMPLEX'
  | 'PERSISTED_QUERY_ONLY'
  | 'PERSISTED_QUERY_NOT_FOUND';

/** An expected failure the client should see as is. */
export function gatewayError(code: GatewayErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return createGraphQLError(message, { extensions: { code, ...extensions } });
}

/** Invalid input: costs no upstream call, names the argument path. */
export function badUserInput(message: string, argumentPath?: readonly (string | number)[]): GraphQLError {
  return gatewayError('BAD_USER_INPUT', message, argumentPath ? { argumentPath } : {});
}

/** True for Cloudflare's 404 (and its typed mutation twin): the object does not exist. */
export function isNotFound(error: unknown): boolean {
  return error instanceof Error && 'code' in error && (error as { code: unknown }).code === 'NOT_FOUND';
}

/** `.catch(nullOn404)`: a missing object resolves to null, every other failure stays an error. */
export function nullOn404(error: unknown): null {
  if (isNotFound(error)) return null;
  throw error;
}

/** Turns an upstream failure into the GraphQL error the client sees (stable code, safe message). */
export function upstreamToGraphQLError(error: UpstreamError): GraphQLError {
  const extensions: Record<string, unknown> = { code: error.code };
  if (error.status !== null) extensions.upstreamStatus = error.status;
  if (error.endpoint) extensions.upstreamEndpoint = error.endpoint;
  if (error.cloudflareErrors.length) {
    extensions.cloudflareErrors = error.cloudflareErrors.map((item) => ({ code: item.code ?? null, message: item.message ?? null }));
  }
  if (error instanceof UpstreamRateLimitedError) extensions.retryAfterSeconds = error.retryAfterSeconds;
  // The mismatch path is for operators (logged); clients get the fact, not our parser's internals.
  const message = error instanceof UpstreamSchemaMismatchError ? `Cloudflare answered ${error.endpoint ?? 'a call'} with an unexpected shape` : error.message;
  return createGraphQLError(message, { extensions });
}

/**
 * yoga's `maskError`: upstream errors thrown by resolvers and loaders become typed GraphQL errors
 * with their code; GraphQLErrors created on purpose pass; everything else is masked.
 */
export function maskError(error: unknown, message: string, isDev?: boolean): Error {
  const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  if (original instanceof ActionError) {
    // A typed action error thrown where no result union catches it (e.g. a scope on a query field).
    const extensions: Record<string, unknown> = { code: original.code };
    return error instanceof GraphQLError
      ? new GraphQLError(original.message, { nodes: error.nodes, path: error.path, extensions, source: error.source, positions: error.positions })
      : createGraphQLError(original.message, { extensions });
  }
  if (original instanceof UpstreamError) {
    const mapped = upstreamToGraphQLError(original);
    if (error instanceof GraphQLError) {
      return new GraphQLError(mapped.message, { nodes: error.nodes, path: error.path, extensions: mapped.extensions, source: error.source, positions: error.positions });
    }
    return mapped;
  }
  return defaultMaskError(error, message, isDev);
}

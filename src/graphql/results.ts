import { writeAudit } from '../audit.js';
import type { GatewayContext } from '../context.js';
import {
  UpstreamBadRequestError,
  UpstreamConflictError,
  UpstreamError,
  UpstreamForbiddenError,
  UpstreamNotFoundError,
  UpstreamOutcomeUnknownError,
  UpstreamRateLimitedError,
  UpstreamUnauthenticatedError,
} from '../upstream/errors.js';
import {
  ActionError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  OutcomeUnknownError,
  RateLimitedError,
  UpstreamFailureError,
  type ValidationIssue,
  ValidationError,
} from './action-errors.js';
import { builder } from './builder.js';

/**
 * Typed mutation errors (Pothos errors plugin): each mutation result is a union of its success
 * payload and these types, so clients switch on `__typename`/`code` instead of parsing strings.
 */
export const ActionErrorCode = builder.enumType('ActionErrorCode', {
  description: 'Stable code of a typed mutation error.',
  values: {
    BAD_USER_INPUT: { description: 'The input is invalid; nothing was sent to Cloudflare.' },
    NOT_FOUND: { description: 'Cloudflare does not know the object.' },
    FORBIDDEN: { description: 'The caller lacks the scope, or Cloudflare refused the credential.' },
    CONFLICT: { description: 'The object is not in a state that allows this change.' },
    RATE_LIMITED: { description: 'The Cloudflare budget is exhausted; retry after `retryAfterSeconds`.' },
    UPSTREAM_ERROR: { description: 'Cloudflare refused or failed the request; nothing was applied.' },
    OUTCOME_UNKNOWN: { description: 'The request reached Cloudflare and then failed: it may have been applied. Check before retrying.' },
  } as const,
});

const MutationErrorInterface = builder.interfaceRef<ActionError>('MutationError').implement({
  description: 'Fields every typed mutation error has.',
  fields: (t) => ({
    code: t.field({ type: ActionErrorCode, nullable: false, description: 'Stable error code.', resolve: (error) => error.code }),
    message: t.exposeString('message', { nullable: false, description: 'Human-readable explanation.' }),
  }),
});

const ValidationIssueRef = builder.objectRef<ValidationIssue>('ValidationIssue').implement({
  description: 'One problem with the input.',
  fields: (t) => ({
    path: t.exposeStringList('path', { nullable: false, description: 'Path of the offending input field, e.g. ["input", "ids", "3"].' }),
    message: t.exposeString('message', { nullable: false, description: 'What is wrong with it.' }),
  }),
});

const CloudflareErrorRef = builder.objectRef<{ code: number | null; message: string | null }>('CloudflareError').implement({
  description: 'An entry of the `errors` array Cloudflare answered with.',
  fields: (t) => ({
    code: t.exposeInt('code', { description: 'Cloudflare error code.' }),
    message: t.exposeString('message', { description: 'Cloudflare error message.' }),
  }),
});

builder.objectType(ValidationError, {
  name: 'ValidationError',
  description: 'The input is invalid. Nothing was sent to Cloudflare.',
  interfaces: [MutationErrorInterface],
  isTypeOf: (value) => value instanceof ValidationError,
  fields: (t) => ({
    issues: t.field({ type: [ValidationIssueRef], nullable: false, description: 'Every problem found.', resolve: (error) => error.issues }),
  }),
});

const simpleErrors = [
  [NotFoundError, 'NotFoundError', 'Cloudflare does not know the object (HTTP 404).'],
  [ForbiddenError, 'ForbiddenError', 'The caller lacks the required scope, or Cloudflare refused the credential (HTTP 403/401).'],
  [ConflictError, 'ConflictError', 'The object is not in a state that allows this change.'],
  [OutcomeUnknownError, 'OutcomeUnknownError', 'The request reached Cloudflare and then failed (5xx, timeout, reset): it may have been applied. Read the object before retrying.'],
] as const;
for (const [errorClass, name, description] of simpleErrors) {
  builder.objectType(errorClass as typeof NotFoundError, {
    name,
    description,
    interfaces: [MutationErrorInterface],
    isTypeOf: (value) => value instanceof errorClass,
    fields: () => ({}),
  });
}

builder.objectType(RateLimitedError, {
  name: 'RateLimitedError',
  description: 'The Cloudflare request budget is exhausted. Nothing was applied.',
  interfaces: [MutationErrorInterface],
  isTypeOf: (value) => value instanceof RateLimitedError,
  fields: (t) => ({
    retryAfterSeconds: t.exposeInt('retryAfterSeconds', { nullable: false, description: 'Seconds to wait before retrying.' }),
  }),
});

builder.objectType(UpstreamFailureError, {
  name: 'UpstreamError',
  description: 'Cloudflare refused or failed the request before applying it.',
  interfaces: [MutationErrorInterface],
  isTypeOf: (value) => value instanceof UpstreamFailureError,
  fields: (t) => ({
    status: t.exposeInt('status', { description: 'HTTP status Cloudflare answered with.' }),
    cloudflareErrors: t.field({
      type: [CloudflareErrorRef],
      nullable: false,
      description: 'Cloudflare error entries.',
      resolve: (error) => error.cloudflareErrors,
    }),
  }),
});

/** The error types every mutation can return. */
export const actionErrorTypes = [
  ValidationError,
  NotFoundError,
  ForbiddenError,
  ConflictError,
  RateLimitedError,
  UpstreamFailureError,
  OutcomeUnknownError,
] as const;

/** Maps an upstream failure to the typed mutation error; other errors pass through (masked). */
export function toActionError(error: unknown): unknown {
  if (error instanceof ActionError || !(error instanceof UpstreamError)) return error;
  const cloudflareErrors = error.cloudflareErrors.map((item) => ({ code: item.code ?? null, message: item.message ?? null }));
  if (error instanceof UpstreamOutcomeUnknownError) return new OutcomeUnknownError(error.message);
  if (error instanceof UpstreamRateLimitedError) return new RateLimitedError(error.message, error.retryAfterSeconds);
  if (error instanceof UpstreamNotFoundError) return new NotFoundError(error.message);
  if (error instanceof UpstreamForbiddenError || error instanceof UpstreamUnauthenticatedError) return new ForbiddenError(error.message);
  if (error instanceof UpstreamConflictError) return new ConflictError(error.message);
  if (error instanceof UpstreamBadRequestError && error.endpoint === null) {
    return new ValidationError([{ path: [], message: error.message }]);
  }
  return new UpstreamFailureError(error.message, error.status, cloudflareErrors);
}

/** Runs a mutation body, converting upstream failures into the typed errors of its result union. */
export async function asAction<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw toActionError(error);
  }
}

/**
 * `asAction` plus the audit line for a refusal before any call: an invalid request is an attempt
 * too, and who tried what belongs in the audit trail.
 */
export async function asAuditedAction<T>(context: GatewayContext, action: string, run: () => Promise<T>): Promise<T> {
  try {
    return await asAction(run);
  } catch (error) {
    if (error instanceof ValidationError) {
      writeAudit(context, { action, result: 'refused', outcomes: [], details: { reason: 'invalid input', issues: error.issues.map((issue) => issue.path.join('.')) } });
    }
    throw error;
  }
}

/**
 * Explicit scope check inside a resolver, for rules scope-auth cannot express per field (e.g. a scope
 * that depends on the input). Field-level rules use `authScopes` and surface as ForbiddenError too.
 */
export function requireScope(context: GatewayContext, scope: 'email-security:write' | 'email-security:raw'): void {
  if (!context.auth.scopes.has(scope)) {
    throw new ForbiddenError(`This action requires the ${scope} scope (caller: ${context.auth.subject})`);
  }
}

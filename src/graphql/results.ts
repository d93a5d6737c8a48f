import { builder } from './builder.js';
import {
  ConflictError,
  ForbiddenError,
  MUTATION_ERROR_CODES,
  type MutationError,
  NotFoundError,
  OutcomeUnknownError,
  RateLimitedError,
  StateUnavailableMutationError,
  UpstreamError,
  type ValidationIssue,
  ValidationError,
} from './errors.js';

/**
 * The GraphQL types of the typed mutation errors (classes in ./errors.ts, same names): each
 * mutation result is a union of its success payload and these types, so clients switch on
 * `__typename`/`code` instead of parsing strings.
 */
const codeDescriptions: Record<(typeof MUTATION_ERROR_CODES)[number], string> = {
  BAD_USER_INPUT: 'The input is invalid; nothing was sent to Cloudflare.',
  NOT_FOUND: 'Cloudflare does not know the object.',
  FORBIDDEN: 'The caller lacks the scope, or Cloudflare refused the credential.',
  CONFLICT: 'The object is not in a state that allows this change, or the idempotency key is taken.',
  RATE_LIMITED: 'The Cloudflare budget is exhausted; retry after `retryAfterSeconds`.',
  UPSTREAM_ERROR: 'Cloudflare refused the request (it answered with an error); nothing was applied.',
  STATE_UNAVAILABLE:
    'The idempotency key could not be confirmed in the shared state store (Redis down or paused); nothing was sent. Retry with the same key after `retryAfterSeconds`.',
  OUTCOME_UNKNOWN:
    'The request reached Cloudflare and then failed, or was answered unreadably: it may have been applied. Check before retrying.',
};

export const ActionErrorCode = builder.enumType('ActionErrorCode', {
  description: 'Stable code of a typed mutation error.',
  values: Object.fromEntries(
    MUTATION_ERROR_CODES.map((code) => [code, { description: codeDescriptions[code] }]),
  ) as Record<(typeof MUTATION_ERROR_CODES)[number], { description: string }>,
});

const MutationErrorInterface = builder.interfaceRef<MutationError>('MutationError').implement({
  description: 'Fields every typed mutation error has.',
  fields: (t) => ({
    code: t.field({
      type: ActionErrorCode,
      nullable: false,
      description: 'Stable error code.',
      resolve: (error) => error.code,
    }),
    message: t.exposeString('message', { nullable: false, description: 'Human-readable explanation.' }),
  }),
});

const ValidationIssueRef = builder.objectRef<ValidationIssue>('ValidationIssue').implement({
  description: 'One problem with the input.',
  fields: (t) => ({
    path: t.exposeStringList('path', {
      nullable: false,
      description: 'Path of the offending input field, e.g. ["input", "ids", "3"].',
    }),
    message: t.exposeString('message', { nullable: false, description: 'What is wrong with it.' }),
  }),
});

const CloudflareErrorRef = builder
  .objectRef<{ code: number | null; message: string | null }>('CloudflareError')
  .implement({
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
    issues: t.field({
      type: [ValidationIssueRef],
      nullable: false,
      description: 'Every problem found, one per input path.',
      resolve: (error) => error.issues,
    }),
  }),
});

/** The error types with no field of their own; `retryable` ones say when to retry (nothing was applied). */
const plainErrors = [
  [NotFoundError, 'NotFoundError', 'Cloudflare does not know the object (HTTP 404).', false],
  [
    ForbiddenError,
    'ForbiddenError',
    'The caller lacks the required scope, or Cloudflare refused the credential (HTTP 403/401).',
    false,
  ],
  [ConflictError, 'ConflictError', 'The object is not in a state that allows this change.', false],
  [
    OutcomeUnknownError,
    'OutcomeUnknownError',
    'The request reached Cloudflare and then failed (5xx, timeout, reset) or was answered with a body that cannot be read: it may have been applied. Read the object before retrying; the same idempotency key keeps answering this.',
    false,
  ],
  [RateLimitedError, 'RateLimitedError', 'The Cloudflare request budget is exhausted. Nothing was applied.', true],
  [
    StateUnavailableMutationError,
    'StateUnavailableError',
    'The shared state that keeps a keyed write at-most-once across replicas (Redis) is unavailable, so the gateway refused the write before sending anything. Retry with the same idempotency key.',
    true,
  ],
] as const;
for (const [errorClass, name, description, retryable] of plainErrors) {
  builder.objectType(errorClass as typeof RateLimitedError, {
    name,
    description,
    interfaces: [MutationErrorInterface],
    isTypeOf: (value) => value instanceof errorClass,
    fields: (t): Record<string, ReturnType<typeof t.exposeInt>> =>
      retryable
        ? {
            retryAfterSeconds: t.exposeInt('retryAfterSeconds', {
              nullable: false,
              description: 'Seconds to wait before retrying.',
            }),
          }
        : {},
  });
}

builder.objectType(UpstreamError, {
  name: 'UpstreamError',
  description: 'Cloudflare answered the request with an error: nothing was applied.',
  interfaces: [MutationErrorInterface],
  isTypeOf: (value) => value instanceof UpstreamError,
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
export const mutationErrorTypes = [
  ValidationError,
  NotFoundError,
  ForbiddenError,
  ConflictError,
  RateLimitedError,
  UpstreamError,
  OutcomeUnknownError,
  StateUnavailableMutationError,
] as const;

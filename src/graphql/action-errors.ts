/**
 * The typed mutation error classes (no schema code here, so the builder can import them). Their
 * GraphQL types are registered in ./results.ts.
 */
export type ActionErrorCodeValue =
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'FORBIDDEN'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'UPSTREAM_ERROR'
  | 'OUTCOME_UNKNOWN';

export abstract class ActionError extends Error {
  abstract readonly code: ActionErrorCodeValue;
}

export interface ValidationIssue {
  path: string[];
  message: string;
}

export class ValidationError extends ActionError {
  readonly code = 'BAD_USER_INPUT' as const;
  constructor(readonly issues: ValidationIssue[]) {
    super(issues.map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message)).join('; '));
  }
}
export class NotFoundError extends ActionError {
  readonly code = 'NOT_FOUND' as const;
}
export class ForbiddenError extends ActionError {
  readonly code = 'FORBIDDEN' as const;
}
export class ConflictError extends ActionError {
  readonly code = 'CONFLICT' as const;
}
export class RateLimitedError extends ActionError {
  readonly code = 'RATE_LIMITED' as const;
  constructor(message: string, readonly retryAfterSeconds: number) {
    super(message);
  }
}
export class UpstreamFailureError extends ActionError {
  readonly code = 'UPSTREAM_ERROR' as const;
  constructor(message: string, readonly status: number | null, readonly cloudflareErrors: { code: number | null; message: string | null }[]) {
    super(message);
  }
}
export class OutcomeUnknownError extends ActionError {
  readonly code = 'OUTCOME_UNKNOWN' as const;
}


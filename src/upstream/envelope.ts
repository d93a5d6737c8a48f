/**
 * The Cloudflare v4 envelope (contract#envelope): `{success, errors[], messages[], result, result_info}`.
 * Turns one attempt's outcome into the envelope or the typed UpstreamError it means, and validates
 * `result` / `result_info` against the endpoint's schemas from the catalogue.
 */
import type { z } from 'zod';
import type { EndpointId } from './endpoints.js';
import {
  type CloudflareErrorInfo,
  errorForStatus,
  UpstreamAbortedError,
  UpstreamOutcomeUnknownError,
  UpstreamRateLimitedError,
  UpstreamRejectedError,
  UpstreamSchemaMismatchError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from './errors.js';
import type { RateLimitState } from './rate-limit-headers.js';
import { boundedRetryAfter, DEFAULT_LOCKOUT_MS } from './retry.js';
import type { AttemptOutcome } from './transport.js';

/** The Cloudflare v4 envelope, before the endpoint's own `result` schema is applied. */
export interface Envelope {
  success: boolean;
  errors: CloudflareErrorInfo[];
  messages: unknown[];
  result?: unknown;
  result_info?: unknown;
}

export interface Interpreted {
  status: number;
  /** `null` for 204 / empty bodies on envelope-only endpoints. */
  envelope: Envelope | null;
  rateLimit: RateLimitState | null;
}

export interface InterpretContext {
  endpoint: EndpointId;
  isRead: boolean;
  envelopeOnly: boolean;
  timeoutMs: number;
  deadlineMs: number;
}

/** The outcome of the last attempt as the envelope, or the typed error it means. */
export function interpret(outcome: AttemptOutcome, context: InterpretContext): Interpreted {
  const { endpoint, isRead } = context;
  if (outcome.kind === 'aborted') {
    throw new UpstreamAbortedError('The caller aborted the request', { endpoint, cause: outcome.error });
  }
  if (outcome.kind === 'deadline') {
    throw new UpstreamTimeoutError(
      `The request deadline of ${context.deadlineMs} ms passed before ${endpoint} answered`,
      {
        endpoint,
        cause: outcome.error,
      },
    );
  }
  if (outcome.kind === 'budget') {
    // Nothing was sent: the governor refused the permit rather than let the credential be locked out.
    throw new UpstreamRateLimitedError(
      outcome.lockedOut
        ? 'Cloudflare has locked this credential out after a 429; the gateway sends nothing until it lifts'
        : 'The Cloudflare request budget (1,200 per 5 minutes) is spent for this credential',
      { endpoint, retryAfterSeconds: Math.max(1, Math.ceil(outcome.retryAfterMs / 1000)) },
    );
  }
  if (outcome.kind === 'timeout') {
    if (!isRead) {
      throw new UpstreamOutcomeUnknownError(
        `${endpoint} timed out after ${context.timeoutMs} ms after the request was sent; it may have been applied`,
        { endpoint, cause: outcome.error },
      );
    }
    throw new UpstreamTimeoutError(`${endpoint} did not answer within ${context.timeoutMs} ms`, {
      endpoint,
      cause: outcome.error,
    });
  }
  if (outcome.kind === 'network') {
    if (!isRead && !outcome.notSent) {
      throw new UpstreamOutcomeUnknownError(
        `The connection failed (${outcome.code ?? 'network error'}) after ${endpoint} was sent; it may have been applied`,
        { endpoint, cause: outcome.error },
      );
    }
    throw new UpstreamUnavailableError(`Cloudflare is unreachable (${outcome.code ?? 'network error'})`, {
      endpoint,
      cause: outcome.error,
    });
  }

  const { status, text, headers } = outcome;
  const contentType = String(headers['content-type'] ?? '');
  const isEmpty = text.trim() === '';
  let envelope: Envelope | null = null;
  let parseProblem: string | null = null;
  if (!isEmpty) {
    if (!/json/i.test(contentType)) {
      parseProblem = `non-JSON body (content-type ${contentType || 'missing'})`;
    } else {
      try {
        envelope = toEnvelope(JSON.parse(text));
        if (envelope === null) parseProblem = 'the body is JSON but not a Cloudflare envelope';
      } catch {
        parseProblem = 'malformed JSON body';
      }
    }
  }

  if (status < 200 || status >= 300) {
    const cloudflareErrors = envelope?.errors ?? [];
    const first = cloudflareErrors[0]?.message;
    const message = first
      ? `Cloudflare answered ${status} on ${endpoint}: ${first}`
      : `Cloudflare answered ${status} on ${endpoint}${parseProblem ? ` (${parseProblem})` : ''}`;
    const details = {
      endpoint,
      status,
      cloudflareErrors,
      retryAfterSeconds: Math.ceil((boundedRetryAfter(headers)?.ms ?? DEFAULT_LOCKOUT_MS) / 1000),
    };
    if (!isRead && (status >= 500 || status === 408)) {
      throw new UpstreamOutcomeUnknownError(`${message}; the write may have been applied`, details);
    }
    throw errorForStatus(status, details, message);
  }

  if (isEmpty || status === 204) {
    // Only a 204 says "done, nothing to add"; an empty 200 may be a cut-off `success: false`.
    if (context.envelopeOnly && status === 204) return { status, envelope: null, rateLimit: outcome.rateLimit };
    throw new UpstreamSchemaMismatchError(`${endpoint} answered ${status} with an empty body`, { endpoint, status });
  }
  if (parseProblem !== null || envelope === null) {
    throw new UpstreamSchemaMismatchError(`${endpoint} answered ${status} with a ${parseProblem}`, {
      endpoint,
      status,
    });
  }
  if (!envelope.success) {
    // The SDK never checks this (contract#envelope); a refusal inside a 2xx is still a refusal.
    const first = envelope.errors[0]?.message ?? 'success:false';
    throw new UpstreamRejectedError(`Cloudflare refused ${endpoint}: ${first}`, {
      endpoint,
      status,
      cloudflareErrors: envelope.errors,
    });
  }
  return { status, envelope, rateLimit: outcome.rateLimit };
}

export function toEnvelope(value: unknown): Envelope | null {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const record = value as Record<string, unknown>;
  if (typeof record.success !== 'boolean') return null;
  const errors = Array.isArray(record.errors) ? (record.errors as CloudflareErrorInfo[]) : [];
  const messages = Array.isArray(record.messages) ? record.messages : [];
  return { success: record.success, errors, messages, result: record.result, result_info: record.result_info };
}

/** Validates one envelope field against its schema; a mismatch is UPSTREAM_SCHEMA_MISMATCH naming the paths. */
export function parseField<T extends z.ZodType>(
  envelope: Envelope | null,
  status: number,
  endpoint: EndpointId,
  field: 'result' | 'result_info',
  schema: T,
): z.infer<T> {
  const parsed = schema.safeParse(envelope?.[field]);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.slice(0, 5).map((issue) => ({
    path: [field, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  throw new UpstreamSchemaMismatchError(
    `${endpoint} answered with a body that does not match its contract at ${issues.map((i) => i.path).join(', ')}`,
    { endpoint, status, issues },
  );
}

import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { type AuditOutcome, type AuditResult, writeAudit } from '../audit.js';
import type { GatewayContext } from '../context.js';
import { inputFingerprint } from '../idempotency.js';
import { StateUnavailableError } from '../state/unavailable.js';
import { endpoints } from '../upstream/endpoints.js';
import {
  UpstreamAbortedError,
  UpstreamCallError,
  UpstreamOutcomeUnknownError,
  UpstreamRejectedError,
  UpstreamSchemaMismatchError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '../upstream/errors.js';
import { builder } from './builder.js';
import {
  ConflictError,
  ForbiddenError,
  MutationError,
  OutcomeUnknownError,
  RateLimitedError,
  StateUnavailableMutationError,
  toMutationError,
  ValidationError,
} from './errors.js';
import { mutationErrorTypes } from './results.js';
import { parseInput } from './validation.js';

/**
 * The one mutation pipeline. Every mutation is declared with `defineMutation` and runs
 *   input schema (zod) → scope → idempotency → the upstream call(s) → outcome classification
 *   → exactly one audit line → payload or typed error,
 * so write safety is a property of this module, not of each domain file. A domain file gives its
 * types, its input schema and its upstream call; nothing else.
 */

/** Options of the `idempotencyKey` input field every mutation input has. */
export const idempotencyKeyField = {
  description:
    'Optional key making the mutation safe to retry: a repeat with the same key and input within the TTL returns the first result without calling Cloudflare again. After an unknown outcome the key keeps answering OUTCOME_UNKNOWN.',
} as const;

/** Every mutation payload says whether it is a replay of an earlier request with the same key. */
export interface Replayable {
  replayed: boolean;
}

/**
 * Who the caller is, for the idempotency namespace and the audit actor alike: one place, so a change
 * of identity (e.g. issuer + subject) changes both at once.
 */
export function actorOf(context: GatewayContext): string {
  return context.auth.subject;
}

type Scope = 'email-security:write';

export interface AuditTarget {
  accountId?: string | null;
  /** `accounts/<id>` or `zones/<id>` for Security Center writes. */
  scope?: string | null;
  /** The ids the write acts on (messages, indicator, insight, job). */
  ids: string[];
  details?: Record<string, unknown>;
}

export interface AuditReading {
  result: Extract<AuditResult, 'applied' | 'partial' | 'failed' | 'outcome-unknown'>;
  outcomes: AuditOutcome[];
  details?: Record<string, unknown>;
}

export interface MutationSpec<Schema extends z.ZodType, Payload extends Replayable, Parsed = z.output<Schema>> {
  description: string;
  /** Its Cloudflare calls (`cloudflareCalls(n)` from ./builder.ts): every write makes at least one. */
  directives: { cost: { weight: number } };
  /** The GraphQL input type (`builder.inputType`). */
  input: { $inferInput: unknown };
  inputDescription: string;
  /** The GraphQL success payload type (`builder.objectRef`). */
  payload: { $inferType: Payload };
  result: { name: string; description: string };
  /** The input rules; may read the context (the configured default account). */
  schema: (context: GatewayContext) => Schema;
  /** Scope the caller must hold; every write needs `email-security:write`. */
  scope?: Scope;
  /** What the idempotency key pins (default: the parsed input). */
  fingerprint?: (parsed: Parsed) => unknown;
  /** Where the write goes, for the audit line. */
  target: (parsed: Parsed) => AuditTarget;
  /** The upstream call(s). Returns the payload with `replayed: false`. */
  run: (context: GatewayContext, parsed: Parsed) => Promise<Payload>;
  /** How a payload reads in the audit (default: applied, every id APPLIED). */
  audit?: (payload: Payload, parsed: Parsed) => AuditReading;
  /** After the call(s), whatever happened: drop what the write may have made stale. */
  settle?: (context: GatewayContext, parsed: Parsed) => Promise<void> | void;
}

/** Registers a mutation field whose resolver is the pipeline. */
export function defineMutation<Schema extends z.ZodType, Payload extends Replayable>(
  name: string,
  spec: MutationSpec<Schema, Payload>,
): void {
  builder.mutationField(name, (t) =>
    t.field({
      type: spec.payload as never,
      description: spec.description,
      directives: spec.directives,
      errors: { types: [...mutationErrorTypes], union: spec.result },
      args: { input: t.arg({ type: spec.input as never, required: true, description: spec.inputDescription }) },
      resolve: ((_root: unknown, args: { input: unknown }, context: GatewayContext) =>
        runMutation(name, spec, context, args.input)) as never,
    }),
  );
}

// ───────────────────────────── the pipeline ─────────────────────────────

async function runMutation<Schema extends z.ZodType, Payload extends Replayable>(
  name: string,
  spec: MutationSpec<Schema, Payload>,
  context: GatewayContext,
  input: unknown,
): Promise<Payload> {
  type Parsed = z.output<Schema>;
  const actor = actorOf(context);
  const idempotencyKey = keyOf(input);
  const audit = (
    target: AuditTarget | null,
    result: AuditResult,
    outcomes: AuditOutcome[],
    details?: Record<string, unknown>,
  ) =>
    writeAudit(context.logger, {
      actor,
      authMode: context.auth.mode,
      requestId: context.requestId,
      action: name,
      accountId: target?.accountId ?? null,
      ...(target?.scope ? { scope: target.scope } : {}),
      result,
      outcomes,
      idempotencyKey,
      details: { ...target?.details, ...details },
    });
  const each = (target: AuditTarget, outcome: string, reason?: string | null) =>
    target.ids.map((id) => ({ id, outcome, ...(reason !== undefined ? { reason } : {}) }));

  // 1. Input: a failure sends nothing and holds no key.
  let parsed: Parsed;
  try {
    parsed = parseInput(spec.schema(context), input);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    audit(null, 'refused', [], { reason: 'invalid input', issues: error.issues.map((issue) => issue.path.join('.')) });
    throw error;
  }
  const target = spec.target(parsed);

  // 2. Scope.
  const scope = spec.scope ?? 'email-security:write';
  if (!context.auth.scopes.has(scope)) {
    audit(target, 'refused', each(target, 'FORBIDDEN'), { reason: 'missing scope' });
    throw new ForbiddenError(`Mutation.${name} requires the ${scope} scope, which the caller (${actor}) does not have`);
  }

  // 3. Idempotency: at most once per (actor, mutation, key). A key the store cannot vouch for is
  // refused before anything is sent (see IdempotencyStore for the protocol).
  const store = context.services.idempotency;
  const ttl = context.services.config.idempotencyTtlSeconds;
  const storeKey = idempotencyKey ? `idem:${actor}:${name}:${idempotencyKey}` : null;
  const owner = `${context.requestId}:${randomUUID()}`;
  const fingerprint = inputFingerprint(spec.fingerprint ? spec.fingerprint(parsed) : parsed);
  const refuseUnavailable = (error: StateUnavailableError): never => {
    audit(target, 'refused', each(target, 'STATE_UNAVAILABLE'), { reason: 'idempotency store unavailable' });
    throw new StateUnavailableMutationError(
      `${error.message}. Nothing was sent to Cloudflare; retry with the same idempotencyKey.`,
      Math.max(1, Math.ceil(error.retryAfterMs / 1000)),
    );
  };
  let lease: NodeJS.Timeout | null = null;
  if (storeKey) {
    let existing: Awaited<ReturnType<typeof store.reserve>>;
    try {
      existing = await store.reserve(storeKey, fingerprint, owner, ttl);
    } catch (error) {
      if (error instanceof StateUnavailableError) refuseUnavailable(error);
      throw error;
    }
    if (existing) {
      if (existing.fingerprint !== fingerprint) {
        audit(target, 'refused', each(target, 'CONFLICT'), { reason: 'idempotency key reused with another input' });
        throw new ConflictError(
          'This idempotencyKey was already used with a different input; use a new key for a different action',
        );
      }
      if (existing.state === 'pending') {
        audit(target, 'refused', each(target, 'CONFLICT'), { reason: 'idempotency key still in progress' });
        throw new ConflictError(
          `A request with this idempotencyKey is still in progress; retry it once that one has finished (within ${Math.ceil(store.leaseMs / 1000)} s it is either done or OUTCOME_UNKNOWN)`,
        );
      }
      if (existing.state === 'outcome-unknown') {
        audit(target, 'replayed', each(target, 'OUTCOME_UNKNOWN'), { stored: 'outcome-unknown' });
        throw new OutcomeUnknownError(existing.message);
      }
      audit(target, 'replayed', each(target, 'REPLAYED'), { stored: 'done' });
      return { ...(existing.result as Payload), replayed: true };
    }
    // The last word before sending: the reservation must still be ours, confirmed by the store.
    let confirmed = false;
    try {
      confirmed = await store.markSending(storeKey, owner);
    } catch (error) {
      await store.release(storeKey, owner).catch(() => undefined);
      if (error instanceof StateUnavailableError) refuseUnavailable(error);
      throw error;
    }
    if (!confirmed) {
      audit(target, 'refused', each(target, 'CONFLICT'), { reason: 'idempotency reservation lost before sending' });
      throw new ConflictError(
        'Another request took over this idempotencyKey before this one could send; retry to read its result',
      );
    }
    // Renewed while the call runs, so the lease lapses only when this process stops.
    lease = setInterval(
      () => void store.renew(storeKey, owner).catch(() => undefined),
      Math.max(100, Math.floor(store.leaseMs / 3)),
    );
    lease.unref();
  }

  // 4. The call(s), then 5. the outcome.
  const attemptsBefore = context.upstream.attempts.length;
  let payload: Payload;
  try {
    payload = await spec.run(context, parsed);
  } catch (error) {
    const wrote = context.upstream.attempts.slice(attemptsBefore).some((attempt) => attempt.method !== 'GET');
    const failure = classifyFailure(error, wrote);
    if (storeKey) {
      if (failure.error instanceof OutcomeUnknownError)
        await store.settle(
          storeKey,
          owner,
          { state: 'outcome-unknown', fingerprint, message: failure.error.message },
          ttl,
        );
      else await store.release(storeKey, owner);
    }
    if (wrote) await settleQuietly(context, name, () => spec.settle?.(context, parsed));
    if (failure.internal)
      context.logger.error({ err: failure.internal, mutation: name }, 'mutation failed unexpectedly');
    audit(
      target,
      failure.result,
      each(target, failure.error?.code ?? 'INTERNAL_ERROR', failure.error?.message ?? 'internal error'),
    );
    throw failure.error ?? failure.internal;
  } finally {
    if (lease) clearInterval(lease);
  }
  await settleQuietly(context, name, () => spec.settle?.(context, parsed));
  const stored = { ...payload, replayed: false };
  if (storeKey) await store.settle(storeKey, owner, { state: 'done', fingerprint, result: stored }, ttl);
  const reading = spec.audit
    ? spec.audit(payload, parsed)
    : { result: 'applied' as const, outcomes: each(target, 'APPLIED') };
  audit(target, reading.result, reading.outcomes, reading.details);
  return stored;
}

/** Cache invalidation after a write must not turn an applied write into a failure (or strand its key). */
async function settleQuietly(
  context: GatewayContext,
  name: string,
  settle: () => Promise<void> | void | undefined,
): Promise<void> {
  try {
    await settle();
  } catch (error) {
    context.logger.warn({ err: error, mutation: name }, 'invalidating caches after a write failed');
  }
}

function keyOf(input: unknown): string | null {
  const key = (input as { idempotencyKey?: unknown } | null)?.idempotencyKey;
  return typeof key === 'string' && key.length > 0 ? key : null;
}

// ───────────────────────────── outcome classification ─────────────────────────────

interface Failure {
  /** What the client gets (null: an internal error, masked by yoga). */
  error: MutationError | null;
  internal?: unknown;
  result: AuditResult;
}

const isWrite = (endpoint: string | null) =>
  endpoint !== null && endpoint in endpoints && endpoints[endpoint as keyof typeof endpoints].method !== 'GET';

/**
 * One table for every write:
 * - not sent (invalid input, missing scope, exhausted budget, 429, connection refused): the typed
 *   error, the key is released, a retry may go;
 * - sent and answered with a 4xx (or `success: false`): the typed error, the key is released;
 * - sent and then anything unclear (a 2xx that cannot be parsed or validated, a reset, a timeout, a
 *   5xx, the client going away): OUTCOME_UNKNOWN, and the key keeps answering it.
 * A failure of the gateway's own code after a write went out is unclear too.
 */
export function classifyFailure(error: unknown, wrote: boolean): Failure {
  if (error instanceof MutationError) return { error, result: resultOf(error) };
  if (error instanceof UpstreamCallError) {
    if (isWrite(error.endpoint) && sentAndUnclear(error)) {
      return { error: new OutcomeUnknownError(unknownMessage(error)), result: 'outcome-unknown' };
    }
    const typed = toMutationError(error);
    // endpoint null: the client layer refused to send it (no credentials, an unbuildable request).
    return { error: typed, result: error.endpoint === null ? 'refused' : resultOf(typed) };
  }
  if (wrote) {
    return {
      error: new OutcomeUnknownError(
        'The write was sent to Cloudflare, then the gateway failed to read its outcome: it may have been applied. Check before retrying.',
      ),
      internal: error,
      result: 'outcome-unknown',
    };
  }
  return { error: null, internal: error, result: 'failed' };
}

function sentAndUnclear(error: UpstreamCallError): boolean {
  if (error instanceof UpstreamOutcomeUnknownError || error instanceof UpstreamSchemaMismatchError) return true;
  if (error instanceof UpstreamAbortedError || error instanceof UpstreamTimeoutError) return true;
  // `success: false` inside a 2xx contradicts itself (Cloudflare refuses with 4xx): after a write was
  // sent, that is an unclear answer, not a refusal.
  if (error instanceof UpstreamRejectedError && error.status !== null && error.status >= 200 && error.status < 300)
    return true;
  // "Cloudflare is unreachable" is a connection that never opened (nothing sent); anything else
  // unexpected on the way may have happened after the request left.
  return (
    error instanceof UpstreamUnavailableError &&
    (error.status !== null || error.message.startsWith('Unexpected failure'))
  );
}

function unknownMessage(error: UpstreamCallError): string {
  if (error instanceof UpstreamSchemaMismatchError) {
    return `Cloudflare answered ${error.endpoint} with HTTP ${error.status ?? '2xx'} but a body that cannot be read: the write may have been applied. Check before retrying.`;
  }
  if (error instanceof UpstreamOutcomeUnknownError) return error.message;
  return `${error.endpoint} failed after it was sent (${error.code}): the write may have been applied. Check before retrying.`;
}

function resultOf(error: MutationError): AuditResult {
  if (error instanceof OutcomeUnknownError) return 'outcome-unknown';
  if (
    error instanceof ValidationError ||
    error instanceof ConflictError ||
    error instanceof RateLimitedError ||
    error instanceof StateUnavailableMutationError
  )
    return 'refused';
  return 'failed';
}

// ───────────────────────────── helpers for domain files ─────────────────────────────

/** Audit reading of per-id statuses: all `success` → applied; any unknown → outcome-unknown; some → partial. */
export function readStatuses(
  outcomes: { id: string; status: string; reason: string | null }[],
  success: readonly string[],
): AuditReading {
  const statuses = outcomes.map((outcome) => outcome.status);
  const succeeded = (status: string) => success.includes(status);
  const result: AuditReading['result'] = statuses.every(succeeded)
    ? 'applied'
    : statuses.some((status) => status === 'OUTCOME_UNKNOWN')
      ? 'outcome-unknown'
      : statuses.some((status) => succeeded(status) || status === 'PARTIAL')
        ? 'partial'
        : 'failed';
  return { result, outcomes: outcomes.map((o) => ({ id: o.id, outcome: o.status, reason: o.reason })) };
}

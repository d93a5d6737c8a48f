import type { GatewayContext } from '../context.js';
import { inputFingerprint } from '../idempotency.js';
import { ConflictError, OutcomeUnknownError } from './action-errors.js';
import { toActionError } from './results.js';

/** Options of the `idempotencyKey` input field every mutation input has. */
export const idempotencyKeyField = {
  description:
    'Optional key making the mutation safe to retry: a repeat with the same key and input within the TTL returns the first result without calling Cloudflare again.',
} as const;

/** Every mutation payload says whether it is a replay of an earlier request with the same key. */
export interface Replayable {
  replayed: boolean;
}

/**
 * Runs a mutation at most once per idempotency key (scoped to the caller and the mutation name).
 * - same key + same input within the TTL → the first result, with `replayed: true`, no Cloudflare call;
 * - same key + different input → ConflictError (a client bug, never silently applied);
 * - same key while the first is still running → ConflictError (retry later);
 * - first attempt ended OUTCOME_UNKNOWN → every repeat gets OUTCOME_UNKNOWN too: the action may have
 *   been applied, so only a new key (after checking) may send it again.
 * Definitive failures (validation, 4xx) release the key: nothing was applied, a retry may go.
 */
export async function runIdempotent<T extends Replayable>(
  context: GatewayContext,
  mutation: string,
  idempotencyKey: string | null | undefined,
  input: unknown,
  run: () => Promise<T>,
): Promise<T> {
  if (!idempotencyKey) return run();
  const store = context.services.idempotency;
  const ttl = context.services.config.idempotencyTtlSeconds;
  const key = `idem:${context.auth.subject}:${mutation}:${idempotencyKey}`;
  const fingerprint = inputFingerprint(input);
  const existing = await store.reserve(key, fingerprint, ttl);
  if (existing) {
    if (existing.fingerprint !== fingerprint) {
      throw new ConflictError('This idempotencyKey was already used with a different input; use a new key for a different action');
    }
    if (existing.state === 'pending') {
      throw new ConflictError('A request with this idempotencyKey is still in progress; retry it once that one has finished');
    }
    if (existing.state === 'outcome-unknown') throw new OutcomeUnknownError(existing.message);
    return { ...(existing.result as T), replayed: true };
  }
  try {
    const result = await run();
    await store.settle(key, { state: 'done', fingerprint, result: { ...result, replayed: false } }, ttl);
    return result;
  } catch (error) {
    const typed = toActionError(error);
    if (typed instanceof OutcomeUnknownError) {
      await store.settle(key, { state: 'outcome-unknown', fingerprint, message: typed.message }, ttl);
    } else {
      await store.release(key);
    }
    throw typed;
  }
}

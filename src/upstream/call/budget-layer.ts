/**
 * The Cloudflare budget (../budget.ts): a permit before every attempt, so one token's 1,200 requests
 * per 5 minutes — shared by every replica — is never exceeded; what Cloudflare's `Ratelimit` header
 * says afterwards corrects the count, and a 429 locks the credential for its Retry-After (capped at
 * Cloudflare's documented 5 minutes).
 */
import { type BudgetGovernor, BudgetExhaustedError } from '../budget.js';
import { boundedRetryAfter, DEFAULT_LOCKOUT_MS } from '../retry.js';
import type { HttpTransport } from '../transport.js';
import type { AttemptLayer, UpstreamCall } from './chain.js';

export function budgetLayer(budget: BudgetGovernor, transport: HttpTransport): AttemptLayer {
  return (next) => async (request) => {
    const { call } = request;
    const { options } = call;
    const queued = performance.now();
    try {
      // The request's joined signal (one per request, shared with the transport), not an
      // AbortSignal.any per attempt: the same abort, without a signal chain for every call.
      await budget.acquire(
        call.credential,
        request.isRead ? 'read' : 'write',
        transport.followed(options.signal, options.deadline),
      );
    } catch (error) {
      const durationMs = performance.now() - queued;
      if (error instanceof BudgetExhaustedError)
        return { kind: 'budget', durationMs, retryAfterMs: error.retryAfterMs, lockedOut: error.lockedOut };
      if (options.deadline?.aborted) return { kind: 'deadline', durationMs, error };
      return { kind: 'aborted', durationMs, error };
    }
    const outcome = await next(request);
    if (outcome.kind === 'response') {
      // A correction of the count, not a gate: the answer does not wait for it.
      if (outcome.rateLimit)
        budget
          .observe(call.credential, outcome.rateLimit)
          .catch((error: unknown) =>
            call.logger.warn({ err: error }, 'could not record Cloudflare’s rate-limit header'),
          );
      if (outcome.status === 429) await budget.lockout(call.credential, lockoutMs(call, outcome.headers));
    }
    return outcome;
  };
}

/** How long a 429 locks the credential: its Retry-After, capped at Cloudflare's documented 5 minutes. */
function lockoutMs(call: UpstreamCall, headers: Record<string, string | string[] | undefined>): number {
  const retryAfter = boundedRetryAfter(headers);
  if (retryAfter?.absurd) {
    call.logger.warn(
      { upstream: call.endpoint, retryAfterHeader: retryAfter.absurd, lockoutMs: retryAfter.ms },
      'Cloudflare sent a Retry-After beyond its documented 5-minute lockout; capped',
    );
  }
  return retryAfter?.ms ?? DEFAULT_LOCKOUT_MS;
}

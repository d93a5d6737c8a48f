import type { Logger } from './logger.js';

/**
 * The closed audit vocabulary, the same word for the same event in every mutation:
 * - `applied`: Cloudflare applied the whole write;
 * - `partial`: some of it was applied (some ids, or the first of two steps);
 * - `failed`: Cloudflare answered, and nothing was applied (a 4xx, or every id failed);
 * - `refused`: nothing was sent, or Cloudflare declined the change: invalid input, a missing scope,
 *   an idempotency key reused or still running, an exhausted budget, a state conflict;
 * - `outcome-unknown`: the write was sent and its outcome cannot be known;
 * - `replayed`: answered from the idempotency key's stored outcome, nothing sent.
 */
export const AUDIT_RESULTS = ['applied', 'partial', 'failed', 'refused', 'outcome-unknown', 'replayed'] as const;
export type AuditResult = (typeof AUDIT_RESULTS)[number];

export interface AuditOutcome {
  id: string;
  outcome: string;
  reason?: string | null;
}

export interface AuditEntry {
  /** Who: the stable identity of the caller (never a secret). */
  actor: string;
  authMode: string;
  requestId: string;
  /** The mutation, e.g. `releaseMessages`. */
  action: string;
  accountId?: string | null;
  scope?: string | null;
  result: AuditResult;
  outcomes: AuditOutcome[];
  idempotencyKey?: string | null;
  /** Non-secret parameters worth keeping (destination, classification, …). Never EML or tokens. */
  details?: Record<string, unknown>;
}

/**
 * One structured audit line per mutation attempt (written only by the mutation pipeline,
 * src/graphql/mutation.ts): who, what, which ids, the outcome per id and the request id. Written on
 * the `audit` channel so a log pipeline can route it to retention storage.
 */
export function writeAudit(logger: Logger, entry: AuditEntry): void {
  logger.info({ audit: entry }, 'audit');
}

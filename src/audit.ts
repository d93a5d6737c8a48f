import type { GatewayContext } from './context.js';

export interface AuditOutcome {
  id: string;
  outcome: string;
  reason?: string | null;
}

export interface AuditEntry {
  /** The mutation, e.g. `releaseMessages`. */
  action: string;
  accountId?: string | null;
  scope?: string | null;
  /** Overall result: `applied`, `partial`, `failed`, `refused`, `outcome-unknown`, `replayed`. */
  result: string;
  outcomes: AuditOutcome[];
  idempotencyKey?: string | null;
  /** Non-secret parameters worth keeping (destination, classification, …). Never EML or tokens. */
  details?: Record<string, unknown>;
}

/**
 * One structured audit line per mutation: who (JWT subject or credential fingerprint, never the
 * secret), what, which ids, the outcome per id, and the request id (from the child logger). Written
 * on the `audit` channel so a log pipeline can route it to retention storage.
 */
export function writeAudit(context: GatewayContext, entry: AuditEntry): void {
  context.logger.info(
    {
      audit: {
        actor: context.auth.subject,
        authMode: context.auth.mode,
        requestId: context.requestId,
        ...entry,
      },
    },
    'audit',
  );
}

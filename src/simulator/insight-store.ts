/**
 * Security Center insights per scope (an account or a zone) with their audit logs, and the two
 * changes a caller can make: dismiss (S2) and classify (S3).
 */
import { ApiError, CODES, badRequest } from './envelope.js';
import type { InsightSeed, StoredIssue } from './insights-data.js';
import { type Rng, uuid7 } from './prng.js';
import type { AuditField, AuditLogEntry, UserClassification } from './wire-types.js';

export interface InsightScope {
  kind: 'accounts' | 'zones';
  id: string;
  accountId: string;
  issues: StoredIssue[];
  byId: Map<string, StoredIssue>;
  /** Ascending by time (UUIDv7 order). */
  audit: AuditLogEntry[];
  numericZoneId?: number;
}

export class InsightStore {
  private readonly scopes = new Map<string, InsightScope>();

  constructor(
    private readonly now: () => number,
    /** The runtime PRNG (audit entry ids); a getter because a reset replaces it. */
    private readonly rng: () => Rng,
  ) {}

  clear(): void {
    this.scopes.clear();
  }

  addScope(kind: 'accounts' | 'zones', id: string, accountId: string, seed: InsightSeed, numericZoneId?: number): void {
    const scope: InsightScope = {
      kind,
      id,
      accountId,
      issues: seed.issues,
      byId: new Map(seed.issues.map((s) => [s.issue.id ?? '', s])),
      audit: seed.audit,
    };
    if (numericZoneId !== undefined) scope.numericZoneId = numericZoneId;
    this.scopes.set(id, scope);
  }

  /** `id` is an account id or a zone id; undefined when it is not of that kind. */
  scope(kind: 'accounts' | 'zones', id: string): InsightScope | undefined {
    const scope = this.scopes.get(id);
    return scope?.kind === kind ? scope : undefined;
  }

  /** A scope of either kind. */
  anyScope(id: string): InsightScope | undefined {
    return this.scopes.get(id);
  }

  /** 404 for an unknown insight. */
  issueOf(scope: InsightScope, issueId: string): StoredIssue {
    const stored = scope.byId.get(issueId);
    if (!stored) throw new ApiError(404, CODES.INSIGHT_NOT_FOUND, `Insight not found: ${issueId}`);
    return stored;
  }

  /**
   * S2. `dismiss` defaults to true. Dismissal is not an AuditField (`status` means active|resolved,
   * which dismissing does not change), so — simulator's choice — it writes no audit entry.
   */
  dismiss(scope: InsightScope, issueId: string, dismiss: boolean): void {
    this.issueOf(scope, issueId).issue.dismissed = dismiss;
  }

  /** S3 rules (contract#insights, S3). */
  classify(
    scope: InsightScope,
    issueId: string,
    classification: UserClassification | null,
    rationale: string | undefined,
    changedBy: string,
  ): void {
    const stored = this.issueOf(scope, issueId);
    const current = stored.issue.user_classification ?? null;
    if (
      (classification === 'accept_risk' || classification === 'other') &&
      (rationale === undefined || rationale.trim() === '')
    ) {
      throw badRequest(`rationale is required when classification is '${classification}'`);
    }
    if (current !== null && classification !== null && current !== classification) {
      throw badRequest('Cannot change directly between classification values - must reset to null first.');
    }
    // Same value again (e.g. an SDK retry of the PATCH): accepted as a no-op, no audit entry.
    if (current === classification) return;
    stored.issue.user_classification = classification;
    this.audit(scope, stored, 'user_classification', current, classification, changedBy, rationale ?? null);
  }

  private audit(
    scope: InsightScope,
    stored: StoredIssue,
    field: AuditField,
    previous: string | null,
    current: string | null,
    by: string,
    rationale: string | null,
  ): void {
    // Strictly after the last entry, so the log stays in time order even when the clock is behind the seed.
    const at = Math.max(
      this.now(),
      Date.parse(scope.audit[scope.audit.length - 1]?.changed_at ?? '1970-01-01T00:00:00Z') + 1,
    );
    const entry: AuditLogEntry = {
      id: uuid7(this.rng(), at),
      changed_at: new Date(at).toISOString(),
      changed_by: by,
      current_value: current,
      previous_value: previous,
      field_changed: field,
      issue_id: stored.issue.id ?? '',
      rationale,
    };
    if (stored.numericZoneId !== undefined) entry.zone_id = stored.numericZoneId;
    scope.audit.push(entry);
  }
}
